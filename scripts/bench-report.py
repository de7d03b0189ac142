#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench-report.py - turn `make bench` figures into a table, a CSV and a plot.

Reads the "pymm_bench: csv,..." lines of each benchmark kernel's console
(--console KERNEL=PATH, once per kernel booted: bench, the UML kernel with
CONFIG_PREEMPT; bench-none, the same with PREEMPT_NONE; bench-smp, x86_64
on 2 CPUs under qemu) and the CPython anchor's lines (same format), writes
--csv (one row per measurement, its kernel in the last column), prints a
table per kernel and the ratios against the targets, and draws --png with
gnuplot: ns per pair against size for the three allocators (on each UML
kernel), and the footprint bars.  The ratios are measured, not asserted: a
missed target is printed as MISS and does not change the exit status; a
missing figure or a failure the benchmark reported does.
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
SKIP = re.compile(r'pymm_bench: (smp skipped: .*)$')
PAUSE = re.compile(r'pymm_bench: pause (model=.*)$')
FIELDS = ['section', 'case', 'param', 'allocator', 'value', 'unit', 'kernel']

# The kernels, as scripts/bench.sh boots them (scripts/tiers/NAME.sh), and
# the preemption model each row names.
MODEL = {
    'bench': 'PREEMPT',
    'bench-none': 'PREEMPT_NONE',
    'bench-smp': 'x86_64 SMP, PREEMPT',
}
UML_KERNELS = ('bench', 'bench-none')
# What each kernel is, for the headings of its tables.
DESC = {
    'bench': 'UML, PREEMPT',
    'bench-none': 'UML, PREEMPT_NONE',
    'bench-smp': 'x86_64 under qemu TCG, PREEMPT, on CPU0 of 2',
}

# Targets: (name, kernel, comparison, goal, figure).  A comparison of None
# prints the figure without judging it.  The fast-path/mixed rows name the
# preemption model they were measured on.
TARGETS = [
    ('fast path (PREEMPT), geometric mean over sizes, pymm / kmalloc',
     'bench', '<=', 1.00, 'fast_k'),
    ('fast path (PREEMPT), geometric mean over sizes, pymm / kmem_cache',
     'bench', '<=', 1.20, 'fast_c'),
    # Issue 13: the mixed batch <= 0.8x kmalloc on each preemption model.
    ('mixed batch (PREEMPT), pymm / kmalloc', 'bench', '<=', 0.80, 'mixed'),
    ('footprint, 1M live blocks, pymm / kmalloc pages',
     'bench', '<=', 0.85, 'foot_live'),
    ('footprint after freeing 90% and shrinking, pymm / kmalloc',
     'bench', '<=', 1.00, 'foot_shrunk'),
    # Not a target of its own: pymm with release_free_pools=0 (whole arenas
    # only), which is not its default.
    ('  the same with release_free_pools=0 (not the default)',
     'bench', '<=', 1.00, 'foot_arenas'),
    ('full collection, pymm / CPython ns per object',
     'bench', '<=', 0.50, 'gc_full'),
    ('fast path (PREEMPT_NONE), geometric mean over sizes, pymm / kmalloc',
     'bench-none', '<=', 1.00, 'fast_k'),
    ('fast path (PREEMPT_NONE), geometric mean over sizes, pymm / kmem_cache',
     'bench-none', None, None, 'fast_c'),
    ('mixed batch (PREEMPT_NONE), pymm / kmalloc',
     'bench-none', '<=', 0.80, 'mixed'),
    ('fast path (x86_64 TCG, PREEMPT), geometric mean over sizes, pymm / kmalloc',
     'bench-smp', None, None, 'fast_k'),
    ('SMP throughput, 2-CPU speedup (2-CPU ops/s / 1-CPU), pymm',
     'bench-smp', '>=', 1.80, 'speedup_p'),
    ('SMP throughput, 2-CPU speedup (2-CPU ops/s / 1-CPU), kmalloc',
     'bench-smp', None, None, 'speedup_k'),
    ('SMP throughput on 1 CPU, pymm / kmalloc time',
     'bench-smp', '<=', 1.00, 'tput_1cpu'),
    ('SMP throughput on 2 CPUs at once, pymm / kmalloc time',
     'bench-smp', '<=', 1.00, 'tput_2cpu'),
    ('SMP alloc+free on one CPU, pymm / kmalloc ns per block',
     'bench-smp', '<=', 1.00, 'pc_local'),
    ('SMP alloc on CPU0, free on CPU1, pymm / kmalloc ns per block',
     'bench-smp', '<=', 1.00, 'pc_remote'),
    ('SMP remote free, remote / local ns per block, pymm',
     'bench-smp', '<=', 2.00, 'remote_p'),
    ('SMP remote free, remote / local ns per block, kmalloc',
     'bench-smp', None, None, 'remote_k'),
    ('SMP mixed batch on 1 CPU, pymm / kmalloc', 'bench-smp', '<=', 1.00,
     'mixed_1cpu'),
    ('SMP mixed batch on 2 CPUs at once, pymm / kmalloc',
     'bench-smp', '<=', 1.00, 'mixed_2cpu'),
    # Issue 14: the old generation collected in increments (the pause
    # section, judged on the incremental run; the monolithic one beside it).
    ('pause (PREEMPT, 1 CPU): longest collector hold of the heap lock, ms, incremental',
     'bench', '<=', 1.00, 'pause_hold'),
    ('  the same, monolithic', 'bench', None, None, 'pause_hold_m'),
    ('  the longest hold no switch interrupted (the probe bounds it), incremental',
     'bench', None, None, 'pause_hold_run'),
    ('  one increment over one dropped tree alone, nothing else running',
     'bench', None, None, 'pause_tree_hold'),
    ('pause (PREEMPT, 1 CPU): probe p99 wait for the heap lock, ms, incremental',
     'bench', '<=', 1.00, 'pause_p99'),
    ('  the same, monolithic', 'bench', None, None, 'pause_p99_m'),
    ('pause: reclamation after the last drop, incremental / monolithic',
     'bench', '<=', 1.50, 'pause_reclaim'),
    ('  incremental / one pymm_collect(heap, 2) of the same trees', 'bench',
     None, None, 'pause_reclaim_full'),
    ('  monolithic / one pymm_collect(heap, 2) of the same trees', 'bench',
     None, None, 'pause_reclaim_full_m'),
    ('pause: largest garbage backlog / live objects, incremental',
     'bench', '<=', 1.00, 'pause_backlog'),
    ('  the same, monolithic', 'bench', None, None, 'pause_backlog_m'),
]

# The pause table: (case, what, scale, decimals): the figure as printed,
# over scale.
PAUSE_ROWS = [
    ('hold_max', 'longest collector hold of the heap lock (ms)', 1000, 3),
    ('hold_run_max', '  the longest no switch interrupted (ms)', 1000, 3),
    ('wait_p50', 'probe wait for the lock, p50 (us)', 1, 3),
    ('wait_p99', 'probe wait for the lock, p99 (us)', 1, 3),
    ('wait_max', 'probe wait for the lock, max (us)', 1, 3),
    ('samples', 'probe samples', 1, 0),
    ('probe_gap_max', 'longest gap between probe samples (ms)', 1000, 3),
    ('reclaim', 'reclamation after the last drop (ms)', 1, 3),
    ('reclaim_alloc', '  objects allocated meanwhile', 1, 0),
    ('throttled', 'mutator held back, garbage > 3x the trees (ms)', 1, 3),
    ('backlog_peak', 'largest garbage backlog (objects)', 1, 0),
    ('backlog_live', '  live objects then', 1, 0),
    ('backlog_ratio', 'largest backlog / live of any sample', 1, 3),
    ('gen2_collections', 'gen2 collections (passes included)', 1, 0),
    ('passes', 'incremental passes', 1, 0),
    ('increments', 'increments', 1, 0),
    ('gc_backlog_peak', 'most garbage one gen2 collection found', 1, 0),
    ('young_collections', 'gen0 and gen1 collections', 1, 0),
    ('paced', 'allocations paced (waited for the worker)', 1, 0),
    ('paced_ms', '  how long they waited in all (ms)', 1, 3),
]
PAUSE_MODES = ('incremental', 'monolithic')

# Printed when measured, not missing when not: bench-smp's single-CPU fast
# path (sections=17 in its description) explains its SMP rows.
OPTIONAL = {('bench-smp', 'fast_k')}

SMP_LOOPS = [
    ('tput_1cpu', 'alloc/free batches, 1 CPU'),
    ('tput_2cpu', 'alloc/free batches, 2 CPUs (sum)'),
    ('pc_local', 'alloc+free on CPU0'),
    ('pc_remote', 'alloc on CPU0, free on CPU1'),
    ('mixed_1cpu', 'mixed batch, 1 CPU'),
    ('mixed_2cpu', 'mixed batch, 2 CPUs (per CPU)'),
]


def parse(lines, kernel):
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
        row['kernel'] = kernel
        rows.append(row)
    return rows


def pick(rows, section, case, alloc, param=None, kernel=None):
    for r in rows:
        if (r['section'], r['case'], r['allocator']) == (section, case, alloc) and \
                (param is None or r['param'] == param) and \
                (kernel is None or r['kernel'] == kernel):
            return r['value']
    return None


def anchor(paths):
    """The CPython rows of every run in @paths, one row per figure with the
    mean of the runs' values: runs before and after the UML boot weigh a
    drift of the machine during the boot on both sides."""
    runs = []
    for path in paths:
        with open(path) as f:
            runs.append(parse(f.readlines(), 'host'))
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


def div(a, b):
    return a / b if a is not None and b else None


def fastpath_sizes(rows, kernel):
    return sorted({r['param'] for r in rows
                   if r['section'] == 'fastpath' and r['kernel'] == kernel})


def figures(rows, kernel):
    """The figures the targets of @kernel judge, by name."""
    def k(section, case, alloc, param=None):
        return pick(rows, section, case, alloc, param, kernel)

    vs_k, vs_c = [], []
    for s in fastpath_sizes(rows, kernel):
        p, km, c = (k('fastpath', 'pair', a, s) for a in ('pymm', 'kmalloc', 'kmem_cache'))
        if p and km and c:
            vs_k.append(p / km)
            vs_c.append(p / c)
    f = {
        'fast_k': geomean(vs_k), 'fast_c': geomean(vs_c),
        'mixed': div(k('mixed', 'op', 'pymm'), k('mixed', 'op', 'kmalloc')),
        'foot_live': div(k('footprint', 'live', 'pymm'), k('footprint', 'live', 'kmalloc')),
        'foot_shrunk': div(k('footprint', 'after_shrink', 'pymm'),
                           k('footprint', 'after_shrink', 'kmalloc')),
        'foot_arenas': div(k('footprint', 'after_shrink_arenas', 'pymm'),
                           k('footprint', 'after_shrink', 'kmalloc')),
        'gc_full': div(k('gc', 'full_pause', 'pymm'),
                       pick(rows, 'gc', 'full_pause', 'cpython', kernel='host')),
    }
    smp = {(case, a): k('smp', case, a) for case, _ in SMP_LOOPS
           for a in ('pymm', 'kmalloc')}
    f['speedup_p'] = div(smp['tput_2cpu', 'pymm'], smp['tput_1cpu', 'pymm'])
    f['speedup_k'] = div(smp['tput_2cpu', 'kmalloc'], smp['tput_1cpu', 'kmalloc'])
    # Throughput in ops/s: pymm's time per op over kmalloc's is the inverse.
    for case in ('tput_1cpu', 'tput_2cpu'):
        f[case] = div(smp[case, 'kmalloc'], smp[case, 'pymm'])
    for case in ('pc_local', 'pc_remote', 'mixed_1cpu', 'mixed_2cpu'):
        f[case] = div(smp[case, 'pymm'], smp[case, 'kmalloc'])
    for sfx, mode in (('', 'incremental'), ('_m', 'monolithic')):
        hold, p99 = k('pause', 'hold_max', mode), k('pause', 'wait_p99', mode)
        f['pause_hold' + sfx] = div(hold, 1000)
        f['pause_hold_run' + sfx] = div(k('pause', 'hold_run_max', mode), 1000)
        f['pause_p99' + sfx] = div(p99, 1000)
        f['pause_reclaim_full' + sfx] = div(k('pause', 'reclaim', mode),
                                            k('pause', 'reclaim', 'full'))
        f['pause_backlog' + sfx] = k('pause', 'backlog_ratio', mode)
    f['pause_tree_hold'] = div(k('pause', 'tree_hold_dead', 'incremental'),
                               1000)
    f['pause_reclaim'] = div(k('pause', 'reclaim', 'incremental'),
                             k('pause', 'reclaim', 'monolithic'))
    f['remote_p'] = div(smp['pc_remote', 'pymm'], smp['pc_local', 'pymm'])
    f['remote_k'] = div(smp['pc_remote', 'kmalloc'], smp['pc_local', 'kmalloc'])
    return f


def uml_table(rows, kernel):
    out = [f'fast path, ns per alloc+free pair (median), {DESC[kernel]} '
           f'(kernel {kernel})']
    out.append(f"{'size':>6} {'pymm':>9} {'kmalloc':>9} {'kmem_cache':>10} {'/kmalloc':>9} {'/cache':>7}")
    for s in fastpath_sizes(rows, kernel):
        p, k, c = (pick(rows, 'fastpath', 'pair', a, s, kernel)
                   for a in ('pymm', 'kmalloc', 'kmem_cache'))
        if None in (p, k, c):
            continue
        out.append(f'{s:>6} {p:>9.2f} {k:>9.2f} {c:>10.2f} {p / k:>9.2f} {p / c:>7.2f}')
    out.append('')
    for r in rows:
        if r['kernel'] == kernel and r['section'] in ('calib', 'mixed', 'footprint', 'gc'):
            out.append(f"{r['section']:<10} {r['case']:<14} {r['param']:>8} "
                       f"{r['allocator']:<8} {r['value']:>12.3f} {r['unit']}")
    return out


def pause_table(rows, kernel, info):
    """The pause section of @kernel: one column per mode."""
    def k(case, mode):
        return pick(rows, 'pause', case, mode, kernel=kernel)

    objs = max((r['param'] for r in rows if r['kernel'] == kernel and
                r['section'] == 'pause'), default=None)
    if objs is None:
        return []
    out = [f'pause: the old generation collected automatically, {objs} objects '
           f'in trees turned over, {DESC[kernel]} (kernel {kernel})']
    if info:
        out.append(f'  {info}')
    out.append(f"{'figure':<44} {'incremental':>12} {'monolithic':>12}")
    for case, what, scale, digits in PAUSE_ROWS:
        vals = [k(case, m) for m in PAUSE_MODES]
        if vals == [None, None]:
            continue
        shown = [f'{v / scale:>12.{digits}f}' if v is not None else f"{'-':>12}"
                 for v in vals]
        out.append(f'{what:<44} {shown[0]} {shown[1]}')
    full = k('reclaim', 'full')
    if full is not None:
        out.append(f"{'one pymm_collect(heap, 2) of the same trees (ms)':<44} {full:>12.3f}")
    for case, what in (('tree_hold_live', 'live'), ('tree_hold_dead', 'dropped')):
        v = k(case, 'incremental')
        if v is not None:
            out.append(f"{'one increment over one tree alone, ' + what + ': hold (ms)':<44} {v / 1000:>12.3f}")
    return out


def smp_table(rows, kernel, skipped):
    out = [f'SMP, {MODEL[kernel]} under qemu TCG -smp 2 (kernel {kernel}), '
           'median of rounds']
    if skipped:
        out.append(f'  {skipped}')
        return out
    out.append(f"{'loop':<32} {'unit':<9} {'pymm':>10} {'kmalloc':>10} {'pymm/kmalloc':>13}")
    for case, what in SMP_LOOPS:
        p, k = (pick(rows, 'smp', case, a, kernel=kernel) for a in ('pymm', 'kmalloc'))
        unit = next((r['unit'] for r in rows if r['kernel'] == kernel and
                     r['section'] == 'smp' and r['case'] == case), '')
        if p is None or k is None:
            out.append(f'{what:<32} missing')
            continue
        # pymm/kmalloc is a ratio of times: of ops/s, the inverse.
        ratio = k / p if unit.endswith('/s') else p / k
        out.append(f'{what:<32} {unit:<9} {p:>10.3f} {k:>10.3f} {ratio:>13.2f}')
    return out


def host_note(path):
    """The host's side of the SMP boot, from the file scripts/bench.sh
    writes (key=value lines)."""
    info = {}
    with open(path) as f:
        for line in f:
            key, _, val = line.strip().partition('=')
            if key:
                info[key] = val
    return [
        'Note: the SMP figures come from qemu TCG with thread=multi (MTTCG): '
        'each guest CPU is a host thread.',
        f"  host: {info.get('nproc', '?')} CPUs, load average "
        f"{info.get('load_before', '?')} before the boot and "
        f"{info.get('load_after', '?')} after; {info.get('qemu', 'qemu ?')}.",
        '  Two vCPUs run in parallel only as far as the host lets them (other',
        '  work on a 2-core host takes a core away), so a speedup is bounded',
        "  by the host: kmalloc's speedup, from the same boot, shows that bound.",
        '  Under TCG every guest memory access is emulated, atomics and fences',
        '  cost more than on hardware, and the ratios pymm/kmalloc, not the',
        '  absolute figures, are what to compare.',
    ]


def plot(rows, png):
    kernels = [k for k in UML_KERNELS if fastpath_sizes(rows, k)]
    sizes = sorted({s for k in kernels for s in fastpath_sizes(rows, k)})
    with tempfile.TemporaryDirectory() as d:
        fast = os.path.join(d, 'fast.dat')
        with open(fast, 'w') as f:
            for s in sizes:
                vals = [pick(rows, 'fastpath', 'pair', a, s, k)
                        for k in kernels for a in ('pymm', 'kmalloc', 'kmem_cache')]
                f.write(f"{s} {' '.join(str(v or 'NaN') for v in vals)}\n")
        series = []
        for i, k in enumerate(kernels):
            for j, a in enumerate(('pymm', 'kmalloc', 'kmem_cache')):
                dash = ' dashtype 2' if i else ''
                series.append(f"'{fast}' using 1:{2 + 3 * i + j} with linespoints"
                              f"{dash} linecolor {j + 1} title '{a} ({MODEL[k]})'")
        foot = os.path.join(d, 'foot.dat')
        with open(foot, 'w') as f:
            for stage in ('live', 'after_free_90', 'after_shrink'):
                p = pick(rows, 'footprint', stage, 'pymm', kernel='bench') or 0
                k = pick(rows, 'footprint', stage, 'kmalloc', kernel='bench') or 0
                f.write(f'{stage} {p} {k}\n')
            # pymm with release_free_pools=0 beside kmalloc's own shrink.
            p = pick(rows, 'footprint', 'after_shrink_arenas', 'pymm', kernel='bench')
            if p is not None:
                k = pick(rows, 'footprint', 'after_shrink', 'kmalloc', kernel='bench') or 0
                f.write(f'shrink_whole_arenas {p} {k}\n')
        has_foot = pick(rows, 'footprint', 'live', 'pymm', kernel='bench') is not None
        script = f"""
set terminal pngcairo size {1200 if has_foot else 600},500 noenhanced
set output '{png}'
set multiplot layout 1,{2 if has_foot else 1}
set title 'alloc+free pair (LIFO), UML, median of rounds'
set xlabel 'size (bytes)'
set ylabel 'ns per pair'
set key bottom right
set grid
set yrange [0:*]
plot {', '.join(series)}
"""
        if has_foot:
            script += f"""
set title 'footprint, 1M live blocks of 1..512 bytes (PREEMPT)'
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
"""
        script += 'unset multiplot\n'
        subprocess.run(['gnuplot'], input=script, text=True, check=True)


def console_arg(text):
    kernel, sep, path = text.partition('=')
    if not sep:
        return 'bench', text
    if kernel not in MODEL:
        raise argparse.ArgumentTypeError(f'unknown kernel {kernel!r} ({", ".join(MODEL)})')
    return kernel, path


def judge(op, goal, got):
    if got is None:
        return 'n/a'
    if op is None:
        return ''
    return 'met' if (got <= goal if op == '<=' else got >= goal) else 'MISS'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--console', required=True, action='append', type=console_arg,
                    help='KERNEL=PATH (bench, bench-none, bench-smp); a '
                    'PATH alone is the bench kernel\'s')
    ap.add_argument('--cpython', action='append', default=[],
                    help='CPython anchor output; given more than once, each '
                    'figure is the mean of the runs (before and after the boot)')
    ap.add_argument('--host', help='the host note of the SMP boot (scripts/bench.sh)')
    ap.add_argument('--csv', required=True)
    ap.add_argument('--png')
    a = ap.parse_args()
    rows, problems, skipped, pause_info = [], [], {}, {}
    kernels = [k for k, _ in a.console]
    for kernel, path in a.console:
        with open(path, errors='replace') as f:
            lines = f.readlines()
        rows += parse(lines, kernel)
        failures = [int(m.group(1)) for m in map(DONE.search, lines) if m]
        skipped[kernel] = next((m.group(1) for m in map(SKIP.search, lines) if m), None)
        pause_info[kernel] = next((m.group(1) for m in map(PAUSE.search, lines) if m), None)
        if not failures:
            problems.append(f'pymm_bench did not finish on {kernel} (no "done" line)')
        elif failures[-1]:
            problems.append(f'pymm_bench reported {failures[-1]} failures on {kernel}')
    rows += anchor(a.cpython)
    with open(a.csv, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows)
    for kernel in kernels:
        if kernel in UML_KERNELS:
            print('\n'.join(uml_table(rows, kernel)))
            pause = pause_table(rows, kernel, pause_info[kernel])
            if pause:
                print()
                print('\n'.join(pause))
        else:
            if fastpath_sizes(rows, kernel):
                print('\n'.join(uml_table(rows, kernel)))
                print()
            print('\n'.join(smp_table(rows, kernel, skipped[kernel])))
            if a.host and os.path.exists(a.host):
                print()
                print('\n'.join(host_note(a.host)))
        print()
    width = max(len(t[0]) for t in TARGETS)
    print(f"{'target':<{width}} {'figure':>7} {'goal':>7}")
    figs = {k: figures(rows, k) for k in kernels}
    missing = []
    for name, kernel, op, goal, key in TARGETS:
        if kernel not in figs:
            continue
        got = figs[kernel][key]
        if got is None and (kernel, key) not in OPTIONAL:
            missing.append(name.strip())
        shown = f'{got:.2f}' if got is not None else '-'
        goal_s = f'{op} {goal:.2f}' if op else ''
        print(f'{name:<{width}} {shown:>7} {goal_s:>7}  {judge(op, goal, got)}'.rstrip())
    drawn = a.png and any(r['section'] == 'fastpath' for r in rows)
    if drawn:
        plot(rows, a.png)
    elif a.png:
        print(f'no fast-path figures: {a.png} not drawn')
    print(f'\nwrote {a.csv}' + (f' and {a.png}' if drawn else ''))
    if missing:
        problems.append('some figures are missing: ' + '; '.join(missing))
    if problems:
        sys.exit('\n'.join(problems))


if __name__ == '__main__':
    main()
