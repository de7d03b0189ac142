#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench-cpython.py - the CPython anchor of `make bench`.

The host's python3 builds the object graph mod/bench.c builds in the kernel:
binary trees whose children point back at their parent, so that every tree
is a cycle only the collector reclaims, with as many nodes (trees of depth
16 until at least 1,000,000 nodes).  It prints, in pymm_bench's CSV format:

  gc,build,<depth>,cpython      ns per node to build trees of that depth
  gc,reclaim,<depth>,cpython    ns per node for gc.collect() to free them
  gc,full_pause,<nodes>,cpython gc.collect() over the live trees, per object

The collector is disabled while building, as pymm's thresholds are in the
kernel run; every figure is the median of 5 rounds.
"""
import gc
import statistics
import sys
import time

LIVE = 1000000
ROUNDS = 5


class Node:
    __slots__ = ('left', 'right', 'parent')

    def __init__(self, parent):
        self.left = None
        self.right = None
        self.parent = parent


def tree(depth, parent=None):
    n = Node(parent)
    if depth:
        n.left = tree(depth - 1, n)
        n.right = tree(depth - 1, n)
    return n


def nodes(depth):
    return (2 << depth) - 1


def forest(depth):
    roots = []
    while len(roots) * nodes(depth) < LIVE:
        roots.append(tree(depth))
    return roots


def csv(name, param, value, unit):
    print(f'csv,gc,{name},{param},cpython,{value:.3f},{unit}')


def main():
    gc.disable()
    gc.collect()
    for depth in range(4, 17, 2):
        build, reclaim = [], []
        for _ in range(ROUNDS):
            t = time.perf_counter_ns()
            roots = forest(depth)
            build.append(time.perf_counter_ns() - t)
            count = len(roots) * nodes(depth)
            del roots
            t = time.perf_counter_ns()
            freed = gc.collect()
            reclaim.append(time.perf_counter_ns() - t)
            if freed < count:
                sys.exit(f'gc.collect() freed {freed} of {count}')
        csv("build", depth, statistics.median(build) / count, 'ns/node')
        csv('reclaim', depth, statistics.median(reclaim) / count, 'ns/node')

    roots = forest(16)
    count = len(roots) * nodes(16)
    pauses = []
    for _ in range(ROUNDS):
        t = time.perf_counter_ns()
        gc.collect()
        pauses.append(time.perf_counter_ns() - t)
    csv('full_pause', count, statistics.median(pauses) / count, 'ns/object')
    print(f'# python {sys.version.split()[0]}', file=sys.stderr)


if __name__ == '__main__':
    main()
