#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench-report.py - turn `make bench` figures into a table, a CSV and a plot.

Reads the "pymm_bench: csv,..." lines of the UML console and the CPython
anchor's lines (same format), writes --csv (one row per measurement),
prints a table with the ratios against the issue's targets, and draws --png
with gnuplot: ns per pair against size for the three allocators, and the
footprint bars.  The ratios are measured, not asserted: a missed target is
printed as MISS and does not change the exit status; a missing figure or a
failure the benchmark reported does.
"""
import argparse
import csv
import math
import os
import re
import subprocess
import sys
import tempfile

LINE = re.compile(r'pymm_bench: (csv,.*)$')
DONE = re.compile(r'pymm_bench: done failures=(\d+)')
FIELDS = ['section', 'case', 'param', 'allocator', 'value', 'unit']

TARGETS = [
    ('fast path, geometric mean over sizes, pymm / kmalloc', 1.00),
    ('fast path, geometric mean over sizes, pymm / kmem_cache', 1.20),
    ('mixed batch, pymm / kmalloc', 1.00),
    ('footprint, 1M live blocks, pymm / kmalloc pages', 0.85),
    ('footprint after freeing 90% and shrinking, pymm / kmalloc', 1.00),
    ('full collection, pymm / CPython ns per object', 0.50),
]
# Not a target: pymm with release_free_pools=0 (whole arenas only), which is
# not its default.
EXTRA = ('  the same with release_free_pools=0 (not the default)', 1.00)


def parse(lines):
    rows = []
    for line in lines:
        m = LINE.search(line)
        text = m.group(1) if m else line.strip() if line.startswith('csv,') else None
        if not text:
            continue
        parts = text.split(',')[1:]
        if len(parts) != 6:
            continue
        row = dict(zip(FIELDS, parts))
        row['param'] = int(row['param'])
        row['value'] = float(row['value'])
        rows.append(row)
    return rows


def pick(rows, section, case, alloc, param=None):
    for r in rows:
        if (r['section'], r['case'], r['allocator']) == (section, case, alloc) and \
                (param is None or r['param'] == param):
            return r['value']
    return None


def anchor(paths):
    """The CPython rows of every run in @paths, one row per figure with the
    mean of the runs' values: runs before and after the UML boot weigh a
    drift of the machine during the boot on both sides."""
    runs = []
    for path in paths:
        with open(path) as f:
            runs.append(parse(f.readlines()))
    if not runs:
        return []
    rows = []
    for r in runs[0]:
        key = (r['section'], r['case'], r['param'], r['allocator'])
        vals = [x['value'] for run in runs for x in run
                if (x['section'], x['case'], x['param'], x['allocator']) == key]
        rows.append(dict(r, value=sum(vals) / len(vals)))
    return rows


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def ratios(rows):
    sizes = sorted({r['param'] for r in rows if r['section'] == 'fastpath'})
    vs_k, vs_c = [], []
    for s in sizes:
        p = pick(rows, 'fastpath', 'pair', 'pymm', s)
        k = pick(rows, 'fastpath', 'pair', 'kmalloc', s)
        c = pick(rows, 'fastpath', 'pair', 'kmem_cache', s)
        if p and k and c:
            vs_k.append(p / k)
            vs_c.append(p / c)

    def div(a, b):
        return a / b if a is not None and b else None

    full = [r for r in rows if r['case'] == 'full_pause']
    pf = next((r['value'] for r in full if r['allocator'] == 'pymm'), None)
    cf = next((r['value'] for r in full if r['allocator'] == 'cpython'), None)
    return [
        geomean(vs_k), geomean(vs_c),
        div(pick(rows, 'mixed', 'op', 'pymm'), pick(rows, 'mixed', 'op', 'kmalloc')),
        div(pick(rows, 'footprint', 'live', 'pymm'), pick(rows, 'footprint', 'live', 'kmalloc')),
        div(pick(rows, 'footprint', 'after_shrink', 'pymm'),
            pick(rows, 'footprint', 'after_shrink', 'kmalloc')),
        div(pf, cf),
    ]


def table(rows):
    out = []
    out.append('fast path, ns per alloc+free pair (median)')
    out.append(f"{'size':>6} {'pymm':>9} {'kmalloc':>9} {'kmem_cache':>10} {'/kmalloc':>9} {'/cache':>7}")
    for s in sorted({r['param'] for r in rows if r['section'] == 'fastpath'}):
        p, k, c = (pick(rows, 'fastpath', 'pair', a, s) for a in ('pymm', 'kmalloc', 'kmem_cache'))
        if None in (p, k, c):
            continue
        out.append(f'{s:>6} {p:>9.2f} {k:>9.2f} {c:>10.2f} {p / k:>9.2f} {p / c:>7.2f}')
    out.append('')
    for r in rows:
        if r['section'] in ('calib', 'mixed', 'footprint', 'gc'):
            out.append(f"{r['section']:<10} {r['case']:<14} {r['param']:>8} "
                       f"{r['allocator']:<8} {r['value']:>12.3f} {r['unit']}")
    return out


def plot(rows, png):
    sizes = sorted({r['param'] for r in rows if r['section'] == 'fastpath'})
    with tempfile.TemporaryDirectory() as d:
        fast = os.path.join(d, 'fast.dat')
        with open(fast, 'w') as f:
            for s in sizes:
                vals = [pick(rows, 'fastpath', 'pair', a, s) for a in ('pymm', 'kmalloc', 'kmem_cache')]
                f.write(f"{s} {' '.join(str(v or 'NaN') for v in vals)}\n")
        foot = os.path.join(d, 'foot.dat')
        with open(foot, 'w') as f:
            for stage in ('live', 'after_free_90', 'after_shrink'):
                p = pick(rows, 'footprint', stage, 'pymm') or 0
                k = pick(rows, 'footprint', stage, 'kmalloc') or 0
                f.write(f'{stage} {p} {k}\n')
            # pymm with release_free_pools=0 beside kmalloc's own shrink.
            p = pick(rows, 'footprint', 'after_shrink_arenas', 'pymm')
            if p is not None:
                k = pick(rows, 'footprint', 'after_shrink', 'kmalloc') or 0
                f.write(f'shrink_whole_arenas {p} {k}\n')
        script = f"""
set terminal pngcairo size 1200,500 noenhanced
set output '{png}'
set multiplot layout 1,2
set title 'alloc+free pair (LIFO), UML, median of rounds'
set xlabel 'size (bytes)'
set ylabel 'ns per pair'
set key bottom right
set grid
set yrange [0:*]
plot '{fast}' using 1:2 with linespoints title 'pymm', \\
     '' using 1:3 with linespoints title 'kmalloc', \\
     '' using 1:4 with linespoints title 'kmem_cache'
set title 'footprint, 1M live blocks of 1..512 bytes'
set xlabel ''
set ylabel 'pages'
set style data histograms
set style histogram clustered
set style fill solid 0.8
set boxwidth 0.9
unset grid
set grid y
set yrange [0:*]
set key top right
plot '{foot}' using 2:xtic(1) title 'pymm', '' using 3 title 'kmalloc'
unset multiplot
"""
        subprocess.run(['gnuplot'], input=script, text=True, check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--console', required=True)
    ap.add_argument('--cpython', action='append', default=[],
                    help='CPython anchor output; given more than once, each '
                    'figure is the mean of the runs (before and after the boot)')
    ap.add_argument('--csv', required=True)
    ap.add_argument('--png')
    a = ap.parse_args()
    with open(a.console, errors='replace') as f:
        lines = f.readlines()
    rows = parse(lines)
    failures = [int(m.group(1)) for m in map(DONE.search, lines) if m]
    rows += anchor(a.cpython)
    with open(a.csv, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows)
    print('\n'.join(table(rows)))
    print()
    print(f"{'target':<60} {'ratio':>7} {'goal':>6}")
    for (name, goal), got in zip(TARGETS, ratios(rows)):
        verdict = 'n/a' if got is None else 'met' if got <= goal else 'MISS'
        shown = f'{got:.2f}' if got is not None else '-'
        print(f'{name:<60} {shown:>7} {"<= " + format(goal, ".2f"):>6}  {verdict}')
    extra = pick(rows, 'footprint', 'after_shrink_arenas', 'pymm')
    kshrunk = pick(rows, 'footprint', 'after_shrink', 'kmalloc')
    if extra is not None and kshrunk:
        name, goal = EXTRA
        print(f'{name:<60} {extra / kshrunk:>7.2f} {"<= " + format(goal, ".2f"):>6}  '
              f'{"met" if extra / kshrunk <= goal else "MISS"}')
    drawn = a.png and any(r['section'] == 'fastpath' for r in rows)
    if drawn:
        plot(rows, a.png)
    elif a.png:
        print(f'no fast-path figures: {a.png} not drawn')
    print(f'\nwrote {a.csv}' + (f' and {a.png}' if drawn else ''))
    if not failures:
        sys.exit('pymm_bench did not finish (no "done" line)')
    if failures[-1]:
        sys.exit(f'pymm_bench reported {failures[-1]} failures')
    if any(r is None for r in ratios(rows)):
        sys.exit('some figures are missing')


if __name__ == '__main__':
    main()
