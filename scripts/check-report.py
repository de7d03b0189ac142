#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check-report.py - judge the console log of a `make check` boot.

Reads OUT/console.log (and OUT/kmemleak.txt, OUT/boot.rc) written by
scripts/boot.sh and scripts/init.sh (every tier), and:
  * cuts the KTAP of each pass (between the "pymm-check: pass X begin/end"
    markers) and runs the kernel's `kunit.py parse` on it (shown as is);
  * compares the cases each pass ran, and the ones it skipped, with the
    manifest (scripts/check-manifest.json): a suite or case missing, one
    not in the manifest, a skip the tier may not have, or an allowed skip
    that ran, each fails the run;
  * checks that the guest had the CPUs the tier is described with
    (--cpus N, its TIER_CPUS, against the "cpus=N" of the init script's
    start marker);
  * scans the whole log for oopses, panics, lockdep/atomic-sleep reports,
    "pymm: LEAK"/"pymm: BUG", kernel WARNs and KASAN reports.  A WARN or
    KASAN report is allowed only inside an expect-WARN window that names
    it: "pymm-expect-warn begin KIND=N [KIND<=N ...] [comment]" ...
    "pymm-expect-warn end", where KIND is a key of WARN_KINDS or
    "kasan:TYPE" (the TYPE of "BUG: KASAN: TYPE in ...").  Each window must
    see exactly N (or at most N) reports of each kind it names, and nothing
    else; a WARN_ONCE kind prints only the first time after pymm.ko (or the
    kernel) was loaded, and the count expected is adjusted for that;
  * fails when lockdep switches itself off before the KASAN passes
    (TAINT_FROM_PASS), where reports are provoked on purpose;
  * lists KCSAN reports ("BUG: KCSAN:" blocks) with their two racing
    functions; one counts as a problem only if the first frame of one of
    its accesses is in pymm.ko or pymm_kunit.ko (races elsewhere in the
    kernel are shown, not counted);
  * fails on any kmemleak "unreferenced object", in OUT/kmemleak.txt or
    anywhere in the console, a missing end marker (hang, timeout, panic)
    and errors reported by the init script;
  * counts the distro tier's load, debugfs and unload phase (between the
    "pymm-check: distro begin/end" markers) as one test case: passed iff
    it ended with no error of the init script;
  * counts each "pymm-check: pymmtop case NAME ok" (or "... FAIL: why")
    marker of scripts/check-pymmtop.py as a passed (failed) case; a case
    the manifest's "pymmtop" lists for the tier without its marker, or a
    marker of a case it does not list, fails the run;
  * counts the pymm_torture.ko run (after "pymm-check: torture begin") as
    one test case: passed iff its "pymm_torture: N ops, M errors" line is
    there and M is 0 (--no-kunit: only the torture run, no KUnit passes;
    --no-kmemleak: a kernel without kmemleak, such as the distro tier's).
Prints skipped cases with their reasons, the reasons for failing, and as the
very last line "N passed, M failed[, K skipped]".  M counts failed and
crashed test cases plus one per other problem found.  Exit status 0 only if
M is 0.

With --tier NAME the last line is "tier NAME: N passed, ..." instead, and
--counts FILE saves the counts and reasons as JSON; `--total NAME=FILE...`
then sums such files into the one closing "N passed, M failed" line.

`--write-manifest NAME=DIR...` rewrites scripts/check-manifest.json from the
pass-X.json files that the report of a passing run of tier NAME left in
DIR (`make manifest` does it for results/check, results/check-x86 and
results/check-kcsan, those that exist): the cases of every pass, the
skips of that tier (NAME: a tier of scripts/tiers/), and the tier's
pymmtop cases, from the markers in DIR/console.log.
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
# "KIND=N" or "KIND<=N": the leading words after EXPECT_BEGIN.
EXPECT_ITEM = re.compile(r'^([\w:.-]+)(<=|=)(\d+)$')
# What a WARN says, and how often it is printed: every time (None), once
# per load of pymm.ko ('load', a WARN_ONCE in pymm) or once per boot
# ('boot', a WARN_ONCE in the kernel).  Matched against the lines from
# "cut here" to "Modules linked in".
WARN_KINDS = {
    'invalid': (r'pymm: \w+\(.*\): not a live block', 'load'),
    'middle': (r'pymm: \w+\(.*\): points into the middle of a block', 'load'),
    'double_free': (r'pymm: \w+\(.*\): double free', 'load'),
    'corruption': (r'pymm: \w+.*\): red zone or poison overwritten', 'load'),
    'gfp': (r'pymm: zone modifiers are not supported', 'load'),
    'bad_type': (r'pymm: pymm_obj_new: bad heap or type', 'load'),
    'collect_deadlock': (r'pymm: pymm_collect\(.*\) from under its own lock or callback',
                         'load'),
    'freeze_deadlock': (r'pymm: pymm_(un)?freeze\(.*\) from under its own lock or callback',
                        'load'),
    'obj_too_big': (r'pymm: pymm_obj_new: type \S+: \d+ bytes is more than kmalloc',
                    'load'),
    'rt_context': (r'pymm: \w+\(\) called where PREEMPT_RT forbids it', 'load'),
    'refcount_saturated': (r'refcount_t: saturated; leaking memory', 'boot'),
    'refcount_underflow': (r'refcount_t: underflow; use-after-free', 'boot'),
    'refcount_add_on_0': (r'refcount_t: addition on 0; use-after-free', 'boot'),
}
KASAN_KIND = 'kasan:'
KASAN_TYPE = re.compile(r'BUG: KASAN: ([\w-]+)')
# pymm.ko was (re)loaded: its WARN_ONCEs print again.
PYMM_LOADED = re.compile(r'pymm: \d+ size classes up to')
WARN_TEXT_END = 'Modules linked in'
WARN_TEXT_MAX = 8
# The tier descriptions (scripts/tiers/NAME.sh).
TIERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'tiers')
START_CPUS = re.compile(r'pymm-check: start .*\bcpus=(\d+)')
MANIFEST = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'check-manifest.json')
STAMP = re.compile(r'^\[\s*(\d+\.\d+)\] ?')
TOP_RESULT = re.compile(r'^(?:not )?ok \d+ (\w+)')
SKIP_LINE = re.compile(r'^\s*ok \d+ (.+?) # SKIP ?(.*)$')
# A, B: every suite, pymm.ko normal and debug=1; C, D: the KASAN suite
# only, normal and debug=1 (see scripts/init.sh).
PASSES = ('A', 'B', 'C', 'D')
# KASAN reports are provoked from this pass on: lockdep may switch itself
# off only after its begin marker.
TAINT_FROM_PASS = 'C'
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
LOCKDEP_OFF = ('Disabling lock debugging due to kernel taint',
               'turning off the locking correctness validator',
               'debug_locks off', 'INFO: lockdep is turned off')
KMEMLEAK_LEAK = 'unreferenced object'
CONTEXT_AFTER = 40


class Report:
    """Counts and reasons collected over the whole run."""

    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.reasons = []
        self.skips = []
        self.notes = []
        # pass name -> {suite.case: status} of the cases it ran
        self.cases = {}
        # passes cut short: not compared with the manifest
        self.unfinished = set()

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


def leaf_cases(group, prefix=''):
    """Yield every test case of a kunit.py JSON group, named suite.case (a
    parametrised case's sub-cases: suite.case.param).  @group is the top
    one, whose own name is not part of the names."""
    for sub in group.get('sub_groups', []):
        yield from leaf_cases(sub, f'{prefix}{sub["name"]}.')
    for case in group.get('test_cases', []):
        name = case['name'] or '(unnamed case)'
        yield dict(case, name=name, full=f'{prefix}{name}')


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
        rep.unfinished.add(name)
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
    if cases:
        rep.cases[name] = {c['full']: c['status'] for c in cases}
    durations = suite_durations(chunk)
    if durations:
        print(f'pass {name} suite durations (s): ' +
              ', '.join(f'{suite} {secs:.1f}' for suite, secs in durations))
    bad = sum(1 for c in cases if c['status'] in ('FAIL', 'ERROR'))
    if not cases:
        rep.problem(f'pass {name}: no KUnit results')
    elif proc.returncode != 0 and bad == 0 and \
            any(c['status'] != 'SKIP' for c in cases):
        # (kunit.py also fails a run whose cases all skipped)
        rep.problem(f'pass {name}: kunit.py parse reported a problem '
                    '(crash or missing results)')


DISTRO_BEGIN = 'pymm-check: distro begin'
DISTRO_END = 'pymm-check: distro end'
DISTRO_ERROR = 'pymm-check: ERROR distro:'


def check_distro(lines, rep):
    """The distro mode's loads (pymm, the demo, the client), debugfs reads
    and unloads are one test case, if the boot ran them: passed iff it
    reached its end marker with no error of the init script in between
    (those errors, and any pymm: LEAK at pymm's unload, are also problems
    of their own)."""
    begin = find(lines, DISTRO_BEGIN)
    if begin < 0:
        return
    print('==== distro ====')
    end = find(lines, DISTRO_END, begin)
    stop = len(lines) if end < 0 else end
    errors = [TIMESTAMP.sub('', line) for line in lines[begin:stop] if DISTRO_ERROR in line]
    for line in errors:
        print(line)
    if end < 0:
        rep.problem('distro: no end marker after its begin (crash or hang?)')
    elif errors:
        rep.failed += 1
    else:
        print('distro: pymm, pymm_demo and the client loaded, debugfs read, unloaded')
        rep.passed += 1


TORTURE_BEGIN = 'pymm-check: torture begin'
TORTURE_END = 'pymm-check: torture end'
TORTURE_RESULT = re.compile(r'pymm_torture: (\d+) ops, (\d+) errors$')
TORTURE_ERROR = re.compile(r'pymm_torture: error (.*)$')
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
    errors = []
    for line in lines[begin:end]:
        text = TIMESTAMP.sub('', line)
        m = TORTURE_RESULT.search(text)
        if m:
            result = m
            print(text)
        elif TORTURE_LINE.search(text):
            print(text[text.index('pymm_torture:'):])
            e = TORTURE_ERROR.search(text)
            if e:
                errors.append(e.group(1))
    if result is None:
        rep.problem('torture: no "pymm_torture: N ops, M errors" line (crash or hang?)')
    elif int(result.group(2)):
        # The first error's own line, so that a CI log's tail says which.
        first = f' (first: {errors[0]})' if errors else ''
        rep.problem(f'torture: {result.group(2)} errors in {result.group(1)} ops{first}')
    else:
        rep.passed += 1


PYMMTOP_CASE = re.compile(r'pymm-check: pymmtop case (\S+) (ok|FAIL(?:: (.*))?)$')


def check_pymmtop(lines, tier, manifest, rep):
    """scripts/check-pymmtop.py's cases (check mode, where the guest has
    python3): each "pymm-check: pymmtop case NAME ok" marker is a passed
    case, each "... FAIL: reason" a failed one.  With a tier, every case
    the manifest's "pymmtop" lists for it must have printed its marker,
    and a case it does not list is a problem too."""
    seen = []
    for line in lines:
        m = PYMMTOP_CASE.search(TIMESTAMP.sub('', line))
        if m:
            seen.append((m.group(1), m.group(2) == 'ok', m.group(3) or ''))
    want = manifest.get('pymmtop', {}).get(tier, []) if tier else []
    if not seen and not want:
        return
    print('==== pymmtop ====')
    for name, ok, why in seen:
        if ok:
            rep.passed += 1
            print(f'pymmtop case {name}: ok')
        else:
            rep.failed += 1
            rep.reasons.append(f'pymmtop case {name} failed: {why}')
            print(f'pymmtop case {name}: FAIL: {why}')
    names = {name for name, _, _ in seen}
    for name in want:
        if name not in names:
            rep.problem(f'pymmtop case {name} did not run (in the manifest)')
    if tier:
        for name in sorted(names - set(want)):
            rep.problem(f'pymmtop case {name} is not in the manifest for tier '
                        f'{tier} (new? add it to "pymmtop" there)')


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


def load_manifest(path=MANIFEST):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return {'passes': {}, 'skips': {}}


def suite_of(full):
    return full.split('.', 1)[0]


def check_manifest(rep, tier, manifest):
    """Every pass ran exactly the cases of the manifest, and skipped
    exactly those the tier may skip."""
    if not tier:
        return
    skips = manifest.get('skips', {})
    if tier not in skips:
        rep.problem(f'manifest: no skips listed for tier {tier} '
                    '(regenerate it, see README "The manifest")')
        return
    for name in PASSES:
        ran = rep.cases.get(name)
        want = set(manifest.get('passes', {}).get(name, []))
        if ran is None or name in rep.unfinished:
            continue    # the pass itself failed, already counted
        missing = want - set(ran)
        extra = set(ran) - want
        gone = {suite_of(c) for c in missing} - {suite_of(c) for c in ran}
        for suite in sorted(gone):
            n = sum(1 for c in missing if suite_of(c) == suite)
            rep.problem(f'pass {name}: suite {suite} did not run ({n} case(s) '
                        'in the manifest)')
        for case in sorted(c for c in missing if suite_of(c) not in gone):
            rep.problem(f'pass {name}: {case} did not run (in the manifest)')
        for case in sorted(extra):
            rep.problem(f'pass {name}: {case} is not in the manifest '
                        '(new? regenerate it, see README "The manifest")')
        allowed = set(skips[tier].get(name, []))
        skipped = {c for c, st in ran.items() if st == 'SKIP'}
        for case in sorted(skipped - allowed):
            rep.problem(f'pass {name}: {case} skipped, which tier {tier} may not')
        for case in sorted((allowed - skipped) & set(ran)):
            rep.problem(f'pass {name}: {case} ran, but the manifest says tier '
                        f'{tier} skips it (regenerate it?)')


def write_manifest(specs, path=MANIFEST):
    """Rewrite the manifest from the pass-X.json of runs, NAME=DIR each."""
    manifest = load_manifest(path)
    for spec in specs:
        tier, _, out = spec.partition('=')
        if not os.path.isfile(os.path.join(TIERS, f'{tier}.sh')) or not out:
            print(f'bad tier or dir: {spec} (want NAME=DIR, NAME a tier of '
                  f'{TIERS})')
            return 1
        passes, skips = {}, {}
        for name in PASSES:
            try:
                with open(os.path.join(out, f'pass-{name}.json')) as f:
                    cases = list(leaf_cases(json.load(f)))
            except (OSError, ValueError) as e:
                print(f'{tier}: pass {name}: no results ({e})')
                return 1
            bad = [c['full'] for c in cases if c['status'] not in ('PASS', 'SKIP')]
            if bad or not cases:
                print(f'{tier}: pass {name}: not a passing run '
                      f'({", ".join(bad) or "no cases"})')
                return 1
            passes[name] = sorted(c['full'] for c in cases)
            skips[name] = sorted(c['full'] for c in cases if c['status'] == 'SKIP')
        pymmtop = {}
        for line in read_lines(os.path.join(out, 'console.log')) or []:
            m = PYMMTOP_CASE.search(TIMESTAMP.sub('', line))
            if m:
                pymmtop[m.group(1)] = m.group(2) == 'ok'
        if not all(pymmtop.values()):
            print(f'{tier}: pymmtop: not a passing run '
                  f'({", ".join(n for n, ok in pymmtop.items() if not ok)})')
            return 1
        if pymmtop:
            manifest.setdefault('pymmtop', {})[tier] = sorted(pymmtop)
        else:
            manifest.get('pymmtop', {}).pop(tier, None)
        old = manifest.get('passes')
        if old and old != passes:
            for name in PASSES:
                a, b = set(old.get(name, [])), set(passes[name])
                print(f'{tier}: pass {name}: +{len(b - a)} -{len(a - b)} case(s)')
        manifest['passes'] = passes
        manifest.setdefault('skips', {})[tier] = skips
        print(f'{tier}: ' + ', '.join(f'pass {n} {len(passes[n])} cases, '
                                     f'{len(skips[n])} skipped' for n in PASSES))
    manifest['skips'] = dict(sorted(manifest['skips'].items()))
    with open(path, 'w') as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write('\n')
    print(f'wrote {path}')
    return 0


def check_cpus(lines, tier, want, rep):
    """The guest had the CPUs the tier is described with."""
    if want is None:
        return
    got = None
    for line in lines:
        m = START_CPUS.search(line)
        if m:
            got = int(m.group(1))
            break
    if got is None:
        rep.problem(f'tier {tier}: the init script did not say how many CPUs '
                    'the guest has')
    elif got < want:
        rep.problem(f'tier {tier}: the guest has {got} CPU(s), the tier is '
                    f'described with {want}')
    else:
        print(f'tier {tier}: {got} CPU(s), {want} expected')


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


class Windows:
    """The expect-WARN windows of a log, and the WARN_ONCE state that
    decides how many reports each of them must see."""

    def __init__(self):
        self.cur = None          # the open window
        self.fired = {'load': set(), 'boot': set()}
        self.allowed = {}        # kind -> reports allowed in windows
        self.problems = []       # (line index, reason)

    def begin(self, i, line):
        words = line.split(EXPECT_BEGIN, 1)[1].lstrip(':').split()
        spec = {}
        for word in words:
            m = EXPECT_ITEM.match(word)
            if not m:
                break
            kind = m.group(1)
            if kind not in WARN_KINDS and not kind.startswith(KASAN_KIND):
                self.problems.append((i, f'expect-WARN window names unknown '
                                         f'kind "{kind}"'))
            spec[kind] = (m.group(2), int(m.group(3)))
        if self.cur:
            self.problems.append((i, 'expect-WARN window opened inside another '
                                     f'(opened at console.log:{self.cur["at"] + 1})'))
        self.cur = {'at': i, 'spec': spec, 'seen': {}}

    def end(self, i):
        if not self.cur:
            self.problems.append((i, 'expect-WARN end without a begin'))
            return
        w, self.cur = self.cur, None
        what = ' '.join(f'{k}{op}{n}' for k, (op, n) in w['spec'].items()) or '(nothing)'
        for kind, (op, n) in w['spec'].items():
            seen = w['seen'].get(kind, 0)
            scope = WARN_KINDS.get(kind, (None, None))[1]
            if scope and kind in self.fired[scope]:
                want = 0        # its WARN_ONCE already printed
            elif scope:
                want = min(n, 1)
            else:
                want = n
            ok = seen <= want if op == '<=' else seen == want
            if not ok:
                self.problems.append(
                    (w['at'], f'expect-WARN window "{what}" saw {seen} {kind} '
                              f'report(s), {op}{want} expected'))
            if seen and scope:
                self.fired[scope].add(kind)
            self.allowed[kind] = self.allowed.get(kind, 0) + seen

    def classify(self, kind, i):
        """A report of @kind at line i: True if the open window allows it."""
        scope = WARN_KINDS.get(kind, (None, None))[1]
        if not self.cur:
            if scope:
                self.fired[scope].add(kind)
            return False
        w = self.cur
        if kind is None or kind not in w['spec']:
            what = ' '.join(f'{k}{op}{n}' for k, (op, n) in w['spec'].items())
            self.problems.append((i, f'{kind or "unknown"} report inside the '
                                     f'expect-WARN window "{what or "(nothing)"}" '
                                     f'opened at console.log:{w["at"] + 1}, which '
                                     'does not name it'))
            if scope:
                self.fired[scope].add(kind)
            return False
        w['seen'][kind] = w['seen'].get(kind, 0) + 1
        return True

    def pymm_loaded(self):
        self.fired['load'].clear()

    def close(self, n):
        if self.cur:
            self.problems.append((self.cur['at'], 'expect-WARN window never closed'))
            self.cur = None


def warn_kind(lines, i):
    """The WARN_KINDS key of the WARN whose "cut here" is line i, or None."""
    text = []
    for line in lines[i + 1:i + 1 + WARN_TEXT_MAX]:
        if WARN_TEXT_END in line or WARN_BEGIN in line:
            break
        text.append(TIMESTAMP.sub('', line))
    text = '\n'.join(text)
    for kind, (regex, _) in WARN_KINDS.items():
        if re.search(regex, text):
            return kind
    return None


def scan(lines):
    """Return {pattern: [line index, ...]} of fatal lines, the WARNs and
    KASAN reports their windows allowed excepted, the Windows, and the
    KCSAN reports as [(line index, headline, first frames), ...]."""
    hits = {}
    in_warn = allowed = False
    win = Windows()
    kcsan = []
    skip_to = -1
    for i, raw in enumerate(lines):
        if i <= skip_to:
            continue
        line = TIMESTAMP.sub('', raw)
        if EXPECT_BEGIN in line:
            win.begin(i, line)
            continue
        if EXPECT_END in line:
            win.end(i)
            continue
        if PYMM_LOADED.search(line) or 'pymm-check: pass' in line:
            win.pymm_loaded()
        kind, end = sanitizer_block(lines, i)
        if kind == 'KCSAN':
            kcsan.append((i + 1,) + kcsan_report(lines, i, end))
            skip_to = end
            continue
        if kind == 'KASAN':
            skip_to = end
            m = KASAN_TYPE.search(lines[i + 1])
            what = KASAN_KIND + (m.group(1) if m else '?')
            if not win.classify(what, i + 1):
                hits.setdefault(KASAN_BUG, []).append(i + 1)
            continue
        if WARN_BEGIN in line:
            in_warn, allowed = True, win.classify(warn_kind(lines, i), i)
            continue
        if in_warn and WARN_END.search(line):
            in_warn = False
            continue
        for pat in FATAL:
            if pat in line and not (pat == 'WARNING:' and in_warn and allowed):
                hits.setdefault(pat, []).append(i)
                break
    win.close(len(lines))
    return hits, win, kcsan


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


def check_lockdep(lines, rep):
    """Lockdep may switch itself off only once the KASAN passes began."""
    start = find(lines, f'pymm-check: pass {TAINT_FROM_PASS} begin')
    for i, line in enumerate(lines):
        if not any(pat in line for pat in LOCKDEP_OFF):
            continue
        if start < 0 or i < start:
            rep.problem(f'lockdep switched itself off at console.log:{i + 1}, '
                        f'before pass {TAINT_FROM_PASS}: "{TIMESTAMP.sub("", line)}"')
        else:
            rep.notes.append(f'lockdep switched itself off at console.log:{i + 1} '
                             f'(pass {TAINT_FROM_PASS} or later: KASAN reports '
                             'provoked on purpose)')
        return


def check_log(lines, args, rep):
    hits, win, kcsan = scan(lines)
    if win.allowed:
        print('(allowed inside expect-WARN windows: ' +
              ', '.join(f'{n} {k}' for k, n in sorted(win.allowed.items())) + ')')
    for i, reason in win.problems:
        rep.problem(f'{reason} (console.log:{i + 1})')
    check_lockdep(lines, rep)
    check_kcsan(kcsan, rep)
    if hits:
        show_context(lines, hits, os.path.join(args.out, 'console.log'))
    for pat, idx in hits.items():
        rep.problem(f'kernel log: "{pat}" x{len(idx)} (first at console.log:{idx[0] + 1})')
    for line in lines:
        if 'pymm-check: ERROR' in line:
            rep.problem('init: ' + line.split('pymm-check: ERROR', 1)[1].strip())


def check_kmemleak(lines, args, rep):
    """Leaks in the saved report (cut from the console between markers on
    x86), and anywhere in the console, in case those markers were lost."""
    text = read_text(os.path.join(args.out, 'kmemleak.txt'), None)
    in_console = sum(1 for line in lines if KMEMLEAK_LEAK in line)
    if text is None:
        if not any('kmemleak scan failed' in r for r in rep.reasons):
            rep.problem('kmemleak: no report saved')
        text = ''
    n = text.count(KMEMLEAK_LEAK)
    if n:
        print('---- kmemleak ----')
        print('\n'.join(text.splitlines()[:80]))
        rep.problem(f'kmemleak: {n} unreferenced object(s)')
    elif in_console:
        first = next(i for i, l in enumerate(lines) if KMEMLEAK_LEAK in l)
        show_context(lines, {KMEMLEAK_LEAK: [first]},
                     os.path.join(args.out, 'console.log'))
        rep.problem(f'kmemleak: {in_console} "{KMEMLEAK_LEAK}" in the console '
                    f'(first at console.log:{first + 1}), none in kmemleak.txt')


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
    ap.add_argument('--write-manifest', nargs='+', metavar='NAME=DIR',
                    help='only rewrite the manifest from passing runs')
    ap.add_argument('--no-kmemleak', action='store_true',
                    help='a kernel without kmemleak: no report to read')
    ap.add_argument('--cpus', type=int, metavar='N',
                    help='the CPUs the tier is described with; fewer fail')
    args = ap.parse_args()
    if args.total:
        return total(args.total)
    if args.write_manifest:
        return write_manifest(args.write_manifest)
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
    check_distro(lines, rep)
    check_torture(lines, rep)
    if not args.no_kunit:
        check_pymmtop(lines, args.tier, load_manifest(), rep)
    print('==== checks ====')
    if not args.no_kunit:
        check_manifest(rep, args.tier, load_manifest())
    check_cpus(lines, args.tier, args.cpus, rep)
    check_log(lines, args, rep)
    crashed = check_boot(lines, args, rep)
    if not crashed and not args.no_kmemleak:
        check_kmemleak(lines, args, rep)
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
