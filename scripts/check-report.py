#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check-report.py - judge the console log of a `make check` UML boot.

Reads OUT/console.log (and OUT/kmemleak.txt, OUT/boot.rc) written by
scripts/uml-boot.sh + scripts/uml-init.sh, and:
  * cuts the KTAP of each pass (between the "pymm-check: pass X begin/end"
    markers) and runs the kernel's `kunit.py parse` on it (shown as is);
  * scans the whole log for oopses, panics, lockdep/atomic-sleep reports,
    "pymm: LEAK"/"pymm: BUG" and kernel WARNs; a WARN whose "cut here" line
    falls between "pymm-expect-warn begin" and "pymm-expect-warn end" is
    allowed;
  * fails on any kmemleak "unreferenced object", a missing end marker
    (hang, timeout, panic) and errors reported by the init script.
Prints skipped cases with their reasons, the reasons for failing, and as the
very last line "N passed, M failed[, K skipped]".  M counts failed and
crashed test cases plus one per other problem found.  Exit status 0 only if
M is 0.
"""
import argparse
import json
import os
import re
import subprocess
import sys

TIMESTAMP = re.compile(r'^\[\s*\d+\.\d+\]\s?')
WARN_BEGIN = '------------[ cut here ]------------'
WARN_END = re.compile(r'---\[ end trace [0-9a-f]+ \]---')
EXPECT_BEGIN = 'pymm-expect-warn begin'
EXPECT_END = 'pymm-expect-warn end'
SKIP_LINE = re.compile(r'^\s*ok \d+ (.+?) # SKIP ?(.*)$')
PASSES = ('A', 'B')
FATAL = (
    'Oops', 'BUG:', 'kernel BUG at', 'Kernel panic', 'general protection',
    'possible circular locking dependency', 'inconsistent lock state',
    'possible recursive locking', 'suspicious RCU usage',
    'INFO: trying to register non-static key', 'DEBUG_LOCKS_WARN_ON',
    'bad unlock balance', 'sleeping function called from invalid context',
    'scheduling while atomic', 'detected stall', 'blocked for more than',
    'printk messages dropped', 'kmemleak: Cannot',
    'Kernel memory leak detector disabled',
    'pymm: LEAK', 'pymm: BUG', 'WARNING:',
)
CONTEXT_AFTER = 40


class Report:
    """Counts and reasons collected over the whole run."""

    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.reasons = []
        self.skips = []

    def problem(self, reason):
        self.reasons.append(reason)
        self.failed += 1


def read_lines(path):
    try:
        with open(path, errors='backslashreplace') as f:
            return [line.rstrip('\r\n') for line in f]
    except FileNotFoundError:
        return None


def read_text(path, default=''):
    try:
        with open(path, errors='backslashreplace') as f:
            return f.read()
    except FileNotFoundError:
        return default


def find(lines, needle, start=0):
    for i in range(start, len(lines)):
        if needle in lines[i]:
            return i
    return -1


def leaf_cases(group):
    """Yield every test case of a kunit.py JSON group, named suite.case."""
    for sub in group.get('sub_groups', []):
        yield from leaf_cases(sub)
    for case in group.get('test_cases', []):
        name = case['name'] or '(unnamed case)'
        yield dict(case, name=name, full=f'{group["name"]}.{name}')


def skip_reasons(lines):
    reasons = {}
    for line in lines:
        m = SKIP_LINE.match(TIMESTAMP.sub('', line))
        if m:
            reasons[m.group(1)] = m.group(2)
    return reasons


def parse_pass(name, lines, args, rep):
    """Cut pass NAME out of the log, run kunit.py parse on it, count."""
    begin = find(lines, f'pymm-check: pass {name} begin')
    if begin < 0:
        rep.problem(f'pass {name}: never started')
        return
    end = find(lines, f'pymm-check: pass {name} end', begin)
    if end < 0:
        rep.problem(f'pass {name}: did not finish (crash or hang?)')
        end = len(lines)
    chunk = lines[begin:end]
    log = os.path.join(args.out, f'pass-{name}.log')
    js = os.path.join(args.out, f'pass-{name}.json')
    with open(log, 'w') as f:
        f.write('\n'.join(chunk) + '\n')
    if os.path.exists(js):
        os.unlink(js)
    what = lines[begin].split(f'pass {name} begin', 1)[1].strip()
    print(f'==== pass {name} {what} ====')
    sys.stdout.flush()
    proc = subprocess.run([sys.executable, args.kunit, 'parse', f'--json={js}', log],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=False)
    print('\n'.join(l for l in proc.stdout.splitlines()
                    if 'Test results stored in' not in l))
    try:
        with open(js) as f:
            cases = list(leaf_cases(json.load(f)))
    except (OSError, ValueError):
        cases = []
    count_cases(name, cases, skip_reasons(chunk), rep)
    bad = sum(1 for c in cases if c['status'] in ('FAIL', 'ERROR'))
    if not cases:
        rep.problem(f'pass {name}: no KUnit results')
    elif proc.returncode != 0 and bad == 0:
        rep.problem(f'pass {name}: kunit.py parse reported a problem '
                    '(crash or missing results)')


def count_cases(name, cases, reasons, rep):
    for case in cases:
        status = case['status']
        if status == 'PASS':
            rep.passed += 1
        elif status == 'SKIP':
            rep.skipped += 1
            rep.skips.append(f'pass {name}: {case["full"]}: '
                             f'{reasons.get(case["name"], "(no reason given)")}')
        else:
            rep.failed += 1
            what = 'crashed' if status == 'ERROR' else 'failed'
            rep.reasons.append(f'pass {name}: {case["full"]} {what}')


def scan(lines):
    """Return {pattern: [line index, ...]} of fatal lines, expected WARNs
    excepted, and the number of expected WARNs seen."""
    hits = {}
    expecting = in_warn = allowed = False
    expected = 0
    for i, raw in enumerate(lines):
        line = TIMESTAMP.sub('', raw)
        if EXPECT_BEGIN in line:
            expecting = True
            continue
        if EXPECT_END in line:
            expecting = False
            continue
        if WARN_BEGIN in line:
            in_warn, allowed = True, expecting
            expected += allowed
            continue
        if in_warn and WARN_END.search(line):
            in_warn = False
            continue
        for pat in FATAL:
            if pat in line and not (pat == 'WARNING:' and in_warn and allowed):
                hits.setdefault(pat, []).append(i)
                break
    return hits, expected


def show_context(lines, hits, path):
    for pat, idx in hits.items():
        first = idx[0]
        print(f'---- "{pat}" x{len(idx)}, first at {path}:{first + 1} ----')
        for line in lines[max(0, first - 2):first + CONTEXT_AFTER]:
            print(f'  {line}')


def check_log(lines, args, rep):
    hits, expected = scan(lines)
    if expected:
        print(f'(allowed {expected} expected WARN(s) inside pymm-expect-warn markers)')
    if hits:
        show_context(lines, hits, os.path.join(args.out, 'console.log'))
    for pat, idx in hits.items():
        rep.problem(f'kernel log: "{pat}" x{len(idx)} (first at console.log:{idx[0] + 1})')
    for line in lines:
        if 'pymm-check: ERROR' in line:
            rep.problem('init: ' + line.split('pymm-check: ERROR', 1)[1].strip())


def check_kmemleak(args, rep):
    text = read_text(os.path.join(args.out, 'kmemleak.txt'), None)
    if text is None:
        if not any('kmemleak scan failed' in r for r in rep.reasons):
            rep.problem('kmemleak: no report saved')
        return
    n = text.count('unreferenced object')
    if n:
        print('---- kmemleak ----')
        print('\n'.join(text.splitlines()[:80]))
        rep.problem(f'kmemleak: {n} unreferenced object(s)')


def check_boot(lines, args, rep):
    rc = read_text(os.path.join(args.out, 'boot.rc'), '?').strip()
    if find(lines, 'pymm-check: done') >= 0:
        if rc == '134' and find(lines, 'reboot: Power down') >= 0:
            # The kernel finished powering off; UML's host side aborted
            # while tearing down (seen about once in a dozen runs).  Kernel
            # problems are caught from the log, not from this status.
            print('note: UML aborted (status 134) after powering off')
        elif rc != '0':
            rep.problem(f'UML exited with status {rc} after the end marker')
        return False
    why = {'124': 'timeout', '137': 'timeout (killed)'}.get(rc, f'exit status {rc}')
    rep.problem(f'boot did not reach the end marker ({why}; hang or panic?)')
    print('---- last lines of the console ----')
    for line in lines[-30:]:
        print(f'  {line}')
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', required=True, help='results dir of the boot')
    ap.add_argument('--kunit', required=True, help='path of kunit.py')
    args = ap.parse_args()
    args.out = os.path.abspath(args.out)
    rep = Report()
    lines = read_lines(os.path.join(args.out, 'console.log'))
    if lines is None:
        rep.problem('no console log')
        lines = []
    for name in PASSES:
        parse_pass(name, lines, args, rep)
    print('==== checks ====')
    check_log(lines, args, rep)
    crashed = check_boot(lines, args, rep)
    if not crashed:
        check_kmemleak(args, rep)
    for skip in rep.skips:
        print(f'SKIP {skip}')
    for reason in rep.reasons:
        print(f'FAIL {reason}')
    print(f'full console log: {os.path.join(args.out, "console.log")}')
    tail = f', {rep.skipped} skipped' if rep.skipped else ''
    print(f'{rep.passed} passed, {rep.failed} failed{tail}')
    return 1 if rep.failed else 0


if __name__ == '__main__':
    sys.exit(main())
