#!/usr/bin/env bash
# bench.sh - `make bench`: pymm against kmalloc, a kmem_cache and CPython.
#
# 1. builds the benchmark UML kernel (scripts/uml-bench.config: no lockdep,
#    kmemleak or fault injection) into $PYMM_CACHE/build-um-bench, and the
#    modules against it from a copy of the sources in $PYMM_CACHE/src-bench;
# 2. boots it once: pymm.ko, then pymm_bench.ko, which prints its figures
#    (see mod/bench.c);
# 3. runs the CPython anchor on the host (scripts/bench-cpython.py), before
#    and after the boot;
# 4. scripts/bench-report.py prints the table and writes results/bench.csv
#    and results/bench.png (gnuplot).
# The console is in results/bench/console.log.  Environment: PYMM_BENCH_ARGS
# (pymm_bench.ko parameters, e.g. "pairs=100000 rounds=3" for a quick run).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

BENCH_BUILD="$PYMM_CACHE/build-um-bench"
BENCH_SRC="$PYMM_CACHE/src-bench"
RESULTS="${PYMM_BENCH_OUT:-$PYMM_ROOT/results}"

ensure_gnuplot() {
	command -v gnuplot >/dev/null && return 0
	log "installing gnuplot-nox"
	local sudo=()
	((EUID == 0)) || sudo=(sudo)
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends gnuplot-nox ||
		{ "${sudo[@]}" apt-get update -q &&
			"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -q --no-install-recommends gnuplot-nox; }
}

build() {
	PYMM_BUILD="$BENCH_BUILD" \
		PYMM_FRAGMENT="$PYMM_ROOT/scripts/uml-bench.config" \
		"$PYMM_ROOT/scripts/kernel.sh"
	mkdir -p "$BENCH_SRC"
	rsync -r -c --delete \
		--exclude='*.mod.c' \
		--include='/Kbuild' --include='/include/' --include='/mod/' \
		--include='/kunit/' --exclude='/*' \
		--include='*/' --include='*.c' --include='*.h' \
		--include='Kbuild' --include='Makefile' --exclude='*' \
		"$PYMM_ROOT/" "$BENCH_SRC/"
	log "building modules in $BENCH_SRC against $BENCH_BUILD"
	make -C "$BENCH_BUILD" ARCH=um M="$BENCH_SRC" -j"$(nproc)" modules \
		>"$BENCH_SRC/build.log" 2>&1 ||
		{ tail -n 30 "$BENCH_SRC/build.log" >&2; die "module build failed"; }
}

main() {
	local out="$RESULTS/bench" t0=$SECONDS
	ensure_gnuplot
	build
	mkdir -p "$out"
	# The CPython anchor runs before and after the boot (see bench-report.py).
	log "running the CPython anchor on the host"
	python3 "$PYMM_ROOT/scripts/bench-cpython.py" >"$out/cpython-before.csv"
	PYMM_BUILD="$BENCH_BUILD" PYMM_UML_MEM="${PYMM_UML_MEM:-1536M}" \
		PYMM_TIMEOUT="${PYMM_TIMEOUT:-900}" \
		PYMM_CORE_KO="$BENCH_SRC/mod/pymm.ko" \
		PYMM_BENCH_KO="$BENCH_SRC/mod/pymm_bench.ko" \
		"$PYMM_ROOT/scripts/uml-boot.sh" bench "$out" ||
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
