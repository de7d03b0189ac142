#!/usr/bin/env bash
# bench.sh - `make bench`: pymm against kmalloc, a kmem_cache and CPython,
# on three kernels (scripts/tiers/, each booted in bench mode only):
#   bench       UML, CONFIG_PREEMPT, no lockdep, kmemleak or fault
#               injection (bench.config): every section but smp, which
#               needs 2 CPUs and says it is skipped;
#   bench-none  the same kernel with PREEMPT_NONE (preempt-none.config):
#               the fast path and the mixed batch;
#   bench-smp   x86_64 without debugging (bench-smp.config), CONFIG_PREEMPT,
#               on 2 CPUs under qemu (TCG): the smp section, and the
#               fast path with its calibration on one CPU.
#
# 1. builds each kernel into its own dir in $PYMM_CACHE, and the modules
#    against it from a copy of the sources (scripts/kernel.sh), one build
#    at a time;
# 2. runs the CPython anchor on the host (scripts/bench-cpython.py), before
#    and after the boots (only with the bench kernel, whose gc figures it
#    anchors);
# 3. boots each kernel once: pymm.ko, then pymm_bench.ko, which prints its
#    figures (see mod/bench.c and scripts/init.sh, bench mode); before and
#    after the qemu boot, the host's CPU count and load go to
#    results/bench-smp/host.txt for the report's note;
# 4. scripts/bench-report.py prints the tables and the targets, and writes
#    results/bench.csv and results/bench.png (gnuplot).
# The consoles are in results/KERNEL/console.log (results/bench/ for the
# bench kernel).  Environment: PYMM_BENCH_KERNELS (which kernels, in order;
# default "bench bench-none bench-smp": a subset reruns one),
# PYMM_BENCH_ARGS (pymm_bench.ko parameters after each kernel's own, e.g.
# "pairs=100000 rounds=3" for a quick run), PYMM_BENCH_OUT (instead of
# results/).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

RESULTS="${PYMM_BENCH_OUT:-$PYMM_ROOT/results}"
read -ra KERNELS <<<"${PYMM_BENCH_KERNELS:-bench bench-none bench-smp}"

# The host's side of a qemu boot: key=value lines, appended.
host_info() {
	local when=$1 load
	read -r load _ </proc/loadavg
	echo "load_$when=$load"
	[[ $when == after ]] && return
	echo "nproc=$(nproc)"
	echo "qemu=$(qemu-system-x86_64 --version | head -n 1)"
}

main() {
	local k out t0=$SECONDS anchor=0
	local -a consoles=() cpython=() report=() failed=()
	((${#KERNELS[@]})) || die "PYMM_BENCH_KERNELS is empty"
	for k in "${KERNELS[@]}"; do
		tier_load "$k"
		tier_boots bench || die "tier $k does not boot in bench mode"
		[[ $k != bench ]] || anchor=1
	done
	command -v gnuplot >/dev/null || ensure_pkgs gnuplot-nox
	for k in "${KERNELS[@]}"; do
		"$PYMM_ROOT/scripts/kernel.sh" "$k" all
	done
	mkdir -p "$RESULTS/bench"
	# The CPython anchor runs before and after the boots (see bench-report.py).
	if ((anchor)); then
		log "running the CPython anchor on the host"
		python3 "$PYMM_ROOT/scripts/bench-cpython.py" \
			>"$RESULTS/bench/cpython-before.csv"
		cpython=(--cpython "$RESULTS/bench/cpython-before.csv"
			--cpython "$RESULTS/bench/cpython-after.csv")
	fi
	for k in "${KERNELS[@]}"; do
		tier_load "$k"
		out="$RESULTS/$k"
		mkdir -p "$out"
		if [[ $TIER_MACHINE == qemu ]]; then
			host_info before >"$out/host.txt"
			report+=(--host "$out/host.txt")
		fi
		if ! "$PYMM_ROOT/scripts/boot.sh" "$k" bench "$out"; then
			log "the benchmark boot of $k failed (console: $out/console.log)"
			failed+=("$k")
		fi
		[[ $TIER_MACHINE != qemu ]] || host_info after >>"$out/host.txt"
		consoles+=(--console "$k=$out/console.log")
	done
	if ((anchor)); then
		log "running the CPython anchor on the host again"
		python3 "$PYMM_ROOT/scripts/bench-cpython.py" \
			>"$RESULTS/bench/cpython-after.csv"
	fi
	python3 "$PYMM_ROOT/scripts/bench-report.py" "${consoles[@]}" \
		"${cpython[@]}" "${report[@]}" --csv "$RESULTS/bench.csv" \
		--png "$RESULTS/bench.png"
	log "took $((SECONDS - t0))s"
	((${#failed[@]} == 0)) || die "the benchmark boot failed: ${failed[*]}"
}

main "$@"
