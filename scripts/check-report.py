#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check-report.py - judge the console log of a `make check` boot.

Reads OUT/console.log (and OUT/kmemleak.txt, OUT/boot.rc) written by
scripts/uml-boot.sh + scripts/uml-init.sh (UML tier) or by
scripts/x86-boot.sh + scripts/x86-init.sh (x86_64 qemu tiers), and:
  * cuts the KTAP of each pass (between the "pymm-check: pass X begin/end"
    markers) and runs the kernel's `kunit.py parse` on it (shown as is);
  * scans the whole log for oopses, panics, lockdep/atomic-sleep reports,
    "pymm: LEAK"/"pymm: BUG" and kernel WARNs; a WARN whose "cut here" line
    falls between "pymm-expect-warn begin" and "pymm-expect-warn end" is
    allowed, and so is a KASAN report (the block between two lines of "="
    that starts with "BUG: KASAN:") that starts between those markers;
  * lists KCSAN reports ("BUG: KCSAN:" blocks) with their two racing
    functions; one counts as a problem only if the first frame of one of
    its accesses is in pymm.ko or pymm_kunit.ko (races elsewhere in the
    kernel are shown, not counted);
  * fails on any kmemleak "unreferenced object", a missing end marker
    (hang, timeout, panic) and errors reported by the init script;
  * counts the pymm_torture.ko run (after "pymm-check: torture begin") as
    one test case: passed iff its "pymm_torture: N ops, M errors" line is
    there and M is 0 (--no-kunit: only the torture run, no KUnit passes).
Prints skipped cases with their reasons, the reasons for failing, and as the
very last line "N passed, M failed[, K skipped]".  M counts failed and
crashed test cases plus one per other problem found.  Exit status 0 only if
M is 0.

With --tier NAME the last line is "tier NAME: N passed, ..." instead, and
--counts FILE saves the counts and reasons as JSON; `--total NAME=FILE...`
then sums such files into the one closing "N passed, M failed" line.
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
STAMP = re.compile(r'^\[\s*(\d+\.\d+)\] ?')
TOP_RESULT = re.compile(r'^(?:not )?ok \d+ (\w+)')
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
# A KASAN or KCSAN report: a line of "=", "BUG: KASAN: ..." or
# "BUG: KCSAN: ...", the report, a line of "=".
REPORT_RULE = re.compile(r'^=+$')
KASAN_BUG = 'BUG: KASAN:'
KCSAN_BUG = 'BUG: KCSAN:'
# First line of each access of a KCSAN report, and a stack frame.
KCSAN_ACCESS = re.compile(r'^\s*((read|write|read-write)\b.* to 0x\S+ of \d+ bytes by '
                          r'|race at unknown origin)')
FRAME = re.compile(r'^\s*([\w.]+)\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[(\w+)\])?')
OUR_MODULES = ('pymm', 'pymm_kunit', 'pymm_torture')
LOCKDEP_OFF = 'Disabling lock debugging due to kernel taint'
CONTEXT_AFTER = 40


class Report:
    """Counts and reasons collected over the whole run."""

    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.reasons = []
        self.skips = []
        self.notes = []

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
    durations = suite_durations(chunk)
    if durations:
        print(f'pass {name} suite durations (s): ' +
              ', '.join(f'{suite} {secs:.1f}' for suite, secs in durations))
    bad = sum(1 for c in cases if c['status'] in ('FAIL', 'ERROR'))
    if not cases:
        rep.problem(f'pass {name}: no KUnit results')
    elif proc.returncode != 0 and bad == 0:
        rep.problem(f'pass {name}: kunit.py parse reported a problem '
                    '(crash or missing results)')


TORTURE_BEGIN = 'pymm-check: torture begin'
TORTURE_END = 'pymm-check: torture end'
TORTURE_RESULT = re.compile(r'pymm_torture: (\d+) ops, (\d+) errors$')
TORTURE_LINE = re.compile(r'pymm_torture: (?:start|\w+:|error )')


def check_torture(lines, rep):
    """The torture run is one test case: its result line, M == 0."""
    begin = find(lines, TORTURE_BEGIN)
    print('==== torture ====')
    if begin < 0:
        rep.problem('torture: never started')
        return
    end = find(lines, TORTURE_END, begin)
    end = len(lines) if end < 0 else end
    result = None
    for line in lines[begin:end]:
        text = TIMESTAMP.sub('', line)
        m = TORTURE_RESULT.search(text)
        if m:
            result = m
            print(text)
        elif TORTURE_LINE.search(text):
            print(text[text.index('pymm_torture:'):])
    if result is None:
        rep.problem('torture: no "pymm_torture: N ops, M errors" line (crash or hang?)')
    elif int(result.group(2)):
        rep.problem(f'torture: {result.group(2)} errors in {result.group(1)} ops')
    else:
        rep.passed += 1


def suite_durations(chunk):
    """[(suite, seconds)] from the kernel timestamps of a pass: from the
    previous top-level result (or the pass marker) to the suite's own."""
    out, last = [], None
    for line in chunk:
        m = STAMP.match(line)
        if not m:
            continue
        t = float(m.group(1))
        if last is None:
            last = t
        top = TOP_RESULT.match(line[m.end():])
        if top:
            out.append((top.group(1), t - last))
            last = t
    return out


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


def sanitizer_block(lines, i):
    """If a KASAN/KCSAN report starts at line i (its first rule), return
    (kind, index of its closing rule or of the last line)."""
    if not REPORT_RULE.match(TIMESTAMP.sub('', lines[i])) or i + 1 >= len(lines):
        return None, i
    nxt = TIMESTAMP.sub('', lines[i + 1])
    kind = 'KASAN' if KASAN_BUG in nxt else 'KCSAN' if KCSAN_BUG in nxt else None
    if kind is None:
        return None, i
    for j in range(i + 2, len(lines)):
        if REPORT_RULE.match(TIMESTAMP.sub('', lines[j])):
            return kind, j
    return kind, len(lines) - 1


def kcsan_report(lines, begin, end):
    """Headline, and the (function, module) of the first frame of each
    access, of the KCSAN report lines[begin:end + 1]."""
    block = [TIMESTAMP.sub('', l) for l in lines[begin:end + 1]]
    head = next((l.split(KCSAN_BUG, 1)[1].strip() for l in block if KCSAN_BUG in l), '?')
    tops, want = [], False
    for line in block:
        if KCSAN_ACCESS.match(line):
            want = True
            continue
        m = FRAME.match(line)
        if want and m:
            tops.append((m.group(1), m.group(2) or 'vmlinux'))
            want = False
    return head, tops


def scan(lines):
    """Return {pattern: [line index, ...]} of fatal lines, expected WARNs
    and KASAN reports excepted, the numbers of those seen, and the KCSAN
    reports as [(line index, headline, first frames), ...]."""
    hits = {}
    expecting = in_warn = allowed = False
    expected = expected_kasan = 0
    kcsan = []
    skip_to = -1
    for i, raw in enumerate(lines):
        if i <= skip_to:
            continue
        line = TIMESTAMP.sub('', raw)
        if EXPECT_BEGIN in line:
            expecting = True
            continue
        if EXPECT_END in line:
            expecting = False
            continue
        kind, end = sanitizer_block(lines, i)
        if kind == 'KCSAN':
            kcsan.append((i + 1,) + kcsan_report(lines, i, end))
            skip_to = end
            continue
        if kind == 'KASAN':
            skip_to = end
            if expecting:
                expected_kasan += 1
            else:
                hits.setdefault(KASAN_BUG, []).append(i + 1)
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
    return hits, expected, expected_kasan, kcsan


def check_kcsan(kcsan, rep):
    """Show every KCSAN report; count those whose racing accesses are ours."""
    if not kcsan:
        return
    groups = {}
    for idx, head, tops in kcsan:
        ours = any(mod in OUR_MODULES for _, mod in tops)
        where = ' / '.join(f'{fn} [{mod}]' for fn, mod in tops) or '?'
        g = groups.setdefault(head, {'n': 0, 'first': idx, 'ours': ours, 'where': where})
        g['n'] += 1
        g['ours'] = g['ours'] or ours
    print(f'---- KCSAN: {len(kcsan)} report(s), {len(groups)} distinct ----')
    for head, g in groups.items():
        tag = 'PYMM ' if g['ours'] else 'other'
        print(f'  {tag} x{g["n"]} {head}  ({g["where"]}; first at console.log:{g["first"] + 1})')
    for head, g in groups.items():
        if g['ours']:
            rep.problem(f'KCSAN: {head} x{g["n"]} (first at console.log:{g["first"] + 1})')
    others = sum(1 for g in groups.values() if not g['ours'])
    if others:
        rep.notes.append(f'{others} KCSAN report(s) outside pymm shown above, not counted')


def show_context(lines, hits, path):
    for pat, idx in hits.items():
        first = idx[0]
        print(f'---- "{pat}" x{len(idx)}, first at {path}:{first + 1} ----')
        for line in lines[max(0, first - 2):first + CONTEXT_AFTER]:
            print(f'  {line}')


def check_log(lines, args, rep):
    hits, expected, expected_kasan, kcsan = scan(lines)
    if expected:
        print(f'(allowed {expected} expected WARN(s) inside pymm-expect-warn markers)')
    if expected_kasan:
        print(f'(allowed {expected_kasan} expected KASAN report(s) inside '
              'pymm-expect-warn markers)')
    off = find(lines, LOCKDEP_OFF)
    if off >= 0:
        rep.notes.append(f'lockdep switched itself off at console.log:{off + 1} '
                         '(kernel tainted, e.g. by a KASAN report): '
                         'no lock checking after that point')
    check_kcsan(kcsan, rep)
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
    why = {'124': 'timeout', '137': 'timeout (killed)',
           'kasan-flood': 'stopped after a flood of KASAN reports'}.get(rc, f'exit status {rc}')
    rep.problem(f'boot did not reach the end marker ({why}; hang or panic?)')
    print('---- last lines of the console ----')
    for line in lines[-30:]:
        print(f'  {line}')
    return True


def counts_line(passed, failed, skipped):
    tail = f', {skipped} skipped' if skipped else ''
    return f'{passed} passed, {failed} failed{tail}'


def total(specs):
    """Sum the --counts files of the tiers into the closing line."""
    passed = failed = skipped = 0
    reasons = []
    print('==== all tiers ====')
    for spec in specs:
        name, _, path = spec.partition('=')
        try:
            with open(path) as f:
                c = json.load(f)
        except (OSError, ValueError):
            c = {'passed': 0, 'failed': 1, 'skipped': 0,
                 'reasons': [f'no results ({path})']}
        passed += c['passed']
        failed += c['failed']
        skipped += c['skipped']
        reasons += [f'{name}: {r}' for r in c['reasons']]
        print(f'tier {name}: {counts_line(c["passed"], c["failed"], c["skipped"])}')
    for reason in reasons:
        print(f'FAIL {reason}')
    print(counts_line(passed, failed, skipped))
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', help='results dir of the boot')
    ap.add_argument('--kunit', help='path of kunit.py')
    ap.add_argument('--tier', help='name the tier in the last line')
    ap.add_argument('--counts', help='save the counts and reasons as JSON')
    ap.add_argument('--no-kunit', action='store_true',
                    help='a torture-only boot: no KUnit passes to parse')
    ap.add_argument('--total', nargs='+', metavar='NAME=FILE',
                    help='only sum the --counts files of tiers')
    args = ap.parse_args()
    if args.total:
        return total(args.total)
    if not args.out or not args.kunit:
        ap.error('--out and --kunit are required')
    args.out = os.path.abspath(args.out)
    rep = Report()
    lines = read_lines(os.path.join(args.out, 'console.log'))
    if lines is None:
        rep.problem('no console log')
        lines = []
    for name in () if args.no_kunit else PASSES:
        parse_pass(name, lines, args, rep)
    check_torture(lines, rep)
    print('==== checks ====')
    check_log(lines, args, rep)
    crashed = check_boot(lines, args, rep)
    if not crashed:
        check_kmemleak(args, rep)
    for skip in rep.skips:
        print(f'SKIP {skip}')
    for note in rep.notes:
        print(f'note: {note}')
    for reason in rep.reasons:
        print(f'FAIL {reason}')
    print(f'full console log: {os.path.join(args.out, "console.log")}')
    if args.counts:
        with open(args.counts, 'w') as f:
            json.dump({'passed': rep.passed, 'failed': rep.failed,
                       'skipped': rep.skipped, 'reasons': rep.reasons}, f)
    line = counts_line(rep.passed, rep.failed, rep.skipped)
    print(f'tier {args.tier}: {line}' if args.tier else line)
    return 1 if rep.failed else 0


if __name__ == '__main__':
    sys.exit(main())
