#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check-pymmtop.py - check scripts/pymmtop against live debugfs.

Run by scripts/init.sh in check mode on UML (where the host's python3 runs
in the guest) while pymm.ko and pymm_demo.ko are loaded, so that classes
and a heap exist and nothing allocates.  It runs pymmtop --once and --json
and compares what they print with the files under the debugfs directory,
read here with a parser of its own.  One marker line per case, to
stdout, or with --kmsg to /dev/kmsg (ordered with the kernel's messages,
as init.sh's markers are; stdout if it cannot be written):

    pymm-check: pymmtop case NAME ok
    pymm-check: pymmtop case NAME FAIL: reason

scripts/check-report.py counts them, and fails a case the manifest
(scripts/check-manifest.json, "pymmtop") expects and that never printed.
Exit status 1 if a case failed.  Standard library only.

Usage: check-pymmtop.py [--kmsg] [--root DIR] [--pymmtop PATH]
"""
import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# The lines the collector's gc file is about to gain, and its pauses file:
# pymmtop must show them without a change.
NEW_GC_LINES = ('incremental 1', 'increments 42', 'passes 7', 'max_hold_ns 12345',
                'backlog 0', 'backlog_peak 99')
PAUSES = 'lo_us hi_us pauses\n0 10 5\n10 100 2\n100 1000 0\n'
SECRET = 'pymmtop-must-not-read-this'
REASON_MAX = 300


KMSG = False


def mark(line):
    """A marker line: to /dev/kmsg with --kmsg (if it can), else stdout."""
    line = f'pymm-check: {line}'
    if KMSG:
        try:
            with open('/dev/kmsg', 'w') as f:
                f.write(line + '\n')
            return
        except OSError:
            pass
    print(line, flush=True)


class Fail(Exception):
    pass


def expect(cond, reason):
    if not cond:
        raise Fail(reason)


def table(path):
    """(header, rows, other lines) of a debugfs file, each a list of
    fields: rows have as many fields as the header."""
    with open(path) as f:
        lines = [line.split() for line in f if line.strip()]
    head = lines[0] if lines else []
    rows = [l for l in lines[1:] if len(l) == len(head)]
    other = [l for l in lines[1:] if len(l) != len(head)]
    return head, rows, other


def field(v):
    """A JSON value as the file prints it."""
    return '-' if v is None else str(v)


def readable(path):
    return bool(os.stat(path).st_mode & 0o444)


class Checker:
    def __init__(self, args):
        self.root = args.root
        self.pymmtop = args.pymmtop
        self.failed = 0

    def run(self, *argv, ok=True):
        """pymmtop ARGV (on --root DIR unless ARGV names one)."""
        if '--root' not in argv:
            argv = ('--root', self.root) + argv
        proc = subprocess.run([sys.executable, self.pymmtop, *argv],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=120, check=False)
        if ok:
            expect(proc.returncode == 0,
                   f'pymmtop {" ".join(argv)} exited {proc.returncode}: '
                   f'{proc.stderr.strip()[-200:]}')
        return proc

    def json(self, *argv):
        out = self.run('--json', *argv).stdout
        try:
            return json.loads(out)
        except ValueError as e:
            raise Fail(f'pymmtop --json {" ".join(argv)}: not JSON ({e})') from None

    def case(self, name, fn):
        try:
            fn()
        except Fail as e:
            self.failed += 1
            reason = ' '.join(str(e).split())[:REASON_MAX]
            mark(f'pymmtop case {name} FAIL: {reason}')
            return
        except Exception as e:  # pylint: disable=broad-except
            self.failed += 1
            reason = ' '.join(f'{type(e).__name__}: {e}'.split())[:REASON_MAX]
            mark(f'pymmtop case {name} FAIL: {reason}')
            return
        mark(f'pymmtop case {name} ok')

    def heap_names(self, root=None):
        d = os.path.join(root or self.root, 'heaps')
        return sorted(h for h in os.listdir(d) if os.path.isdir(os.path.join(d, h)))

    # The cases.

    def once_text(self):
        """--once: every class row and every heap, with its gc rows."""
        out = self.run('--once', '-d', '0.5').stdout
        lines = [l.split() for l in out.splitlines()]
        _, rows, _ = table(os.path.join(self.root, 'classes'))
        expect(rows, 'the classes file has no rows')
        for row in rows:
            expect(any(l[:len(row)] == row for l in lines),
                   f'no line of the text starts with the classes row "{" ".join(row)}"')
        heaps = self.heap_names()
        expect(heaps, 'no heap in debugfs (is the demo loaded?)')
        for h in heaps:
            expect(f'heap {h}' in out, f'heap {h} not in the text')
            _, gc, _ = table(os.path.join(self.root, 'heaps', h, 'gc'))
            for row in gc:
                expect(any(l[:len(row)] == row for l in lines),
                       f'heap {h}: gc row "{" ".join(row)}" not in the text')
        expect('rates over' in out, 'the two-sample snapshot names no interval')

    def json_classes(self):
        """--json: the classes and their total equal the classes file."""
        doc = self.json('-d', '0')
        head, rows, _ = table(os.path.join(self.root, 'classes'))
        expect(doc['classes_columns'] == head,
               f'classes_columns {doc["classes_columns"]} != header {head}')
        got = {field(c['class']): [field(c[k]) for k in head] for c in doc['classes']}
        want = {r[0]: r for r in rows if r[0] != 'total'}
        expect(set(got) == set(want),
               f'classes {sorted(got)} in the JSON, {sorted(want)} in the file')
        for k, row in want.items():
            expect(got[k] == row, f'class {k}: JSON {got[k]} != file {row}')
        total = next((r for r in rows if r[0] == 'total'), None)
        expect(total is not None, 'the classes file has no total row')
        t = [field(doc['classes_total'][k]) for k in head]
        expect(t == total, f'total: JSON {t} != file {total}')
        for c in doc['classes']:
            expect(c['bytes'] == c['inuse'] * c['size'], f'class {c["class"]}: bytes')

    def json_summary(self):
        """--json: the summary equals the summary file, every name."""
        doc = self.json('-d', '0')
        _, rows, _ = table(os.path.join(self.root, 'summary'))
        want = {r[0]: r[1] for r in rows}
        got = {k: field(v) for k, v in doc['summary'].items()}
        expect(got == want, f'summary differs: '
               f'{sorted(set(got.items()) ^ set(want.items()))[:6]}')

    def json_heaps(self):
        """--json: the heaps are the heaps/ dir, each gc table equal to its
        file, the write-only files listed and not read."""
        doc = self.json('-d', '0')
        expect(sorted(doc['heaps']) == self.heap_names(),
               f'heaps {sorted(doc["heaps"])} in the JSON, {self.heap_names()} in debugfs')
        for h, heap in doc['heaps'].items():
            d = os.path.join(self.root, 'heaps', h)
            files = sorted(os.listdir(d))
            wo = [f for f in files if not readable(os.path.join(d, f))]
            expect(sorted(heap['write_only']) == wo,
                   f'heap {h}: write_only {heap["write_only"]}, mode says {wo}')
            expect(sorted(heap['files']) == sorted(set(files) - set(wo)),
                   f'heap {h}: files {sorted(heap["files"])}')
            head, rows, other = table(os.path.join(d, 'gc'))
            gc = heap['files']['gc']
            expect(gc['columns'] == head, f'heap {h}: gc columns {gc["columns"]}')
            got = [[field(r[k]) for k in head] for r in gc['rows']]
            expect(got == rows, f'heap {h}: gc rows {got} != file {rows}')
            vals = {k: field(v) for k, v in gc['values'].items()}
            expect(vals == {l[0]: ' '.join(l[1:]) for l in other},
                   f'heap {h}: gc values {vals}')

    def rates(self):
        """Two samples give rates (numbers, not negative); one gives none."""
        one = self.json('-d', '0')
        expect(one['interval'] is None, 'one sample has an interval')
        expect(all(v is None for v in one['rates'].values()),
               f'one sample has rates {one["rates"]}')
        two = self.json('-d', '0.5')
        expect(two['interval'] and two['interval'] >= 0.5,
               f'interval {two["interval"]} for -d 0.5')
        for k, v in two['rates'].items():
            expect(isinstance(v, (int, float)) and v >= 0, f'rate {k} is {v}')
        for c in two['classes']:
            expect(c['allocs_per_s'] is not None and c['allocs_per_s'] >= 0,
                   f'class {c["class"]}: allocs_per_s {c["allocs_per_s"]}')

    def added_lines(self):
        """A copy of the tree with a column, gc lines and a pauses file
        added, and a write-only file holding a secret: the additions shown,
        the secret not."""
        tmp = tempfile.mkdtemp(prefix='pymmtop-check.')
        try:
            copy = os.path.join(tmp, 'pymm')
            copy_tree(self.root, copy)
            with open(os.path.join(copy, 'classes')) as f:
                lines = f.read().splitlines()
            with open(os.path.join(copy, 'classes'), 'w') as f:
                f.write(lines[0] + ' added\n' +
                        ''.join(f'{l} {i}\n' for i, l in enumerate(lines[1:])))
            h = self.heap_names(copy)[0]
            d = os.path.join(copy, 'heaps', h)
            with open(os.path.join(d, 'gc'), 'a') as f:
                f.write(''.join(l + '\n' for l in NEW_GC_LINES))
            with open(os.path.join(d, 'pauses'), 'w') as f:
                f.write(PAUSES)
            for name in ('collect', 'freeze'):
                p = os.path.join(d, name)
                with open(p, 'w') as f:
                    f.write(SECRET + '\n')
                os.chmod(p, 0o200)
            doc = self.json('-d', '0', '--root', copy, '-s', 'added')
            expect('added' in doc['classes_columns'], 'the added column is not a column')
            expect([c['added'] for c in doc['classes']] ==
                   sorted((c['added'] for c in doc['classes']), reverse=True),
                   'not sorted by the added column')
            vals = doc['heaps'][h]['files']['gc']['values']
            for line in NEW_GC_LINES:
                k, v = line.split()
                expect(field(vals.get(k)) == v, f'gc line "{line}": JSON has {vals.get(k)}')
            p = doc['heaps'][h]['files'].get('pauses')
            expect(p and p['columns'] == ['lo_us', 'hi_us', 'pauses'] and
                   [r['pauses'] for r in p['rows']] == [5, 2, 0], f'pauses: {p}')
            out = self.run('--once', '-d', '0', '--root', copy).stdout
            for line in NEW_GC_LINES:
                expect(line.split()[0] in out, f'"{line.split()[0]}" not in the text')
            expect('pauses: 0-10us 5, 10-100us 2' in out, 'the pauses line is not in the text')
            expect(' added ' in out, 'the added column is not in the text')
            both = out + json.dumps(doc)
            expect(SECRET not in both, 'a write-only file was read')
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def missing_root(self):
        """--root /nonexistent: exit 1, a one-line error, no output."""
        for argv in (('--once',), ('--json',), ()):
            proc = self.run('--root', '/nonexistent', *argv, ok=False)
            expect(proc.returncode == 1, f'{argv}: exit {proc.returncode}, want 1')
            expect(proc.stdout == '', f'{argv}: printed {proc.stdout[:80]!r}')
            err = proc.stderr.strip()
            expect(err.startswith('pymmtop: error: /nonexistent') and '\n' not in err,
                   f'{argv}: stderr {err[:200]!r}')


def copy_tree(src, dst):
    """Copy the readable files of a debugfs tree (not the write-only ones,
    which copy as empty files of the same mode)."""
    os.makedirs(dst)
    for name in sorted(os.listdir(src)):
        s, d = os.path.join(src, name), os.path.join(dst, name)
        if os.path.isdir(s):
            copy_tree(s, d)
            continue
        mode = stat.S_IMODE(os.stat(s).st_mode)
        with open(d, 'w') as f:
            if mode & 0o444:
                with open(s) as r:
                    f.write(r.read())
        os.chmod(d, mode)


CASES = ('once_text', 'json_classes', 'json_summary', 'json_heaps', 'rates',
         'added_lines', 'missing_root')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--root', default='/sys/kernel/debug/pymm')
    ap.add_argument('--pymmtop', default=os.path.join(HERE, 'pymmtop'))
    ap.add_argument('--kmsg', action='store_true',
                    help='markers to /dev/kmsg (the guest), not stdout')
    args = ap.parse_args()
    global KMSG  # pylint: disable=global-statement
    KMSG = args.kmsg
    c = Checker(args)
    for name in CASES:
        c.case(name, getattr(c, name))
    return 1 if c.failed else 0


if __name__ == '__main__':
    sys.exit(main())
