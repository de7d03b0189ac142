#!/usr/bin/env bash
# bench.sh - `make bench`: pymm against kmalloc, a kmem_cache and CPython.
#
# 1. builds the bench tier's UML kernel (scripts/tiers/bench.sh: no
#    lockdep, kmemleak or fault injection) into $PYMM_CACHE/build-um-bench,
#    and the modules against it from a copy of the sources in
#    $PYMM_CACHE/src-bench (scripts/kernel.sh);
# 2. boots it once: pymm.ko, then pymm_bench.ko, which prints its figures
#    (see mod/bench.c and scripts/init.sh, bench mode);
# 3. runs the CPython anchor on the host (scripts/bench-cpython.py), before
#    and after the boot;
# 4. scripts/bench-report.py prints the table and writes results/bench.csv
#    and results/bench.png (gnuplot).
# The console is in results/bench/console.log.  Environment: PYMM_BENCH_ARGS
# (pymm_bench.ko parameters, e.g. "pairs=100000 rounds=3" for a quick run),
# PYMM_BENCH_OUT (instead of results/).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

RESULTS="${PYMM_BENCH_OUT:-$PYMM_ROOT/results}"

main() {
	local out="$RESULTS/bench" t0=$SECONDS
	command -v gnuplot >/dev/null || ensure_pkgs gnuplot-nox
	"$PYMM_ROOT/scripts/kernel.sh" bench all
	mkdir -p "$out"
	# The CPython anchor runs before and after the boot (see bench-report.py).
	log "running the CPython anchor on the host"
	python3 "$PYMM_ROOT/scripts/bench-cpython.py" >"$out/cpython-before.csv"
	"$PYMM_ROOT/scripts/boot.sh" bench bench "$out" ||
		die "the benchmark boot failed (console: $out/console.log)"
	log "running the CPython anchor on the host again"
	python3 "$PYMM_ROOT/scripts/bench-cpython.py" >"$out/cpython-after.csv"
	python3 "$PYMM_ROOT/scripts/bench-report.py" --console "$out/console.log" \
		--cpython "$out/cpython-before.csv" \
		--cpython "$out/cpython-after.csv" --csv "$RESULTS/bench.csv" \
		--png "$RESULTS/bench.png"
	log "took $((SECONDS - t0))s"
}

main "$@"
