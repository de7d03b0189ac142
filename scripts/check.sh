#!/usr/bin/env bash
# check.sh - `make check`: for each tier named (scripts/tiers/NAME.sh;
# default uml), build its kernel (if needed) and the modules, boot it in
# its TIER_CHECK_MODE, check (two KUnit passes, the torture run, the KASAN
# passes, kmemleak; see scripts/init.sh) but for the distro tier's distro
# mode, and judge the result with
# scripts/check-report.py, in the tier's results dir (TIER_OUT: uml
# results/check/ or $PYMM_OUT, x86 results/check-x86/ or $PYMM_X86_OUT, rt
# results/check-rt/ or $PYMM_RT_OUT,
# kcsan results/check-kcsan/ or $PYMM_KCSAN_OUT, distro results/check-distro/
# or $PYMM_DISTRO_OUT).
#
# Each tier ends with "tier NAME: N passed, M failed[, K skipped]"; the last
# line of output is always "N passed, M failed[, K skipped]" over all the
# tiers run, and the exit status is non-zero if anything failed.
#
# `check.sh --manifest` (`make manifest`) rewrites scripts/check-manifest.json
# from the results of every tier whose results dir holds a run.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# A tier failed before any test ran: one failure, and its counts file.
fail_early() {
	local tier=$1 counts=$2
	shift 2
	echo "FAIL $*"
	echo "tier $tier: 0 passed, 1 failed"
	printf '{"passed": 0, "failed": 1, "skipped": 0, "reasons": ["%s"]}\n' \
		"${*//\"/\'}" >"$counts"
}

# check_tier NAME OUT: build, boot and judge tier NAME (loaded) into OUT.
check_tier() {
	local out=$2 t0=$SECONDS
	tier_boots "$TIER_CHECK_MODE" ||
		{ fail_early "$1" "$out/counts.json" "tier $1 has no $TIER_CHECK_MODE mode"; return; }
	"$PYMM_ROOT/scripts/kernel.sh" "$1" all ||
		{ fail_early "$1" "$out/counts.json" "tier $1: kernel or module build failed"; return; }
	"$PYMM_ROOT/scripts/boot.sh" "$1" "$TIER_CHECK_MODE" "$out" || true
	log "build + boot took $((SECONDS - t0))s; parsing results"
	python3 "$PYMM_ROOT/scripts/check-report.py" --out "$out" \
		--kunit "$TIER_KDIR_SRC/tools/testing/kunit/kunit.py" \
		--tier "$1" --cpus "$TIER_CPUS" --counts "$out/counts.json" \
		"${TIER_CHECK_REPORT_ARGS[@]}" || true
	check_client "$1" "$out"
}

# check_client NAME OUT: on a UML tier that boots in run mode, `make run
# CLIENT=<dir>` for the README's client example exactly as the README shows
# it (scripts/readme-client.py writes it to OUT/readme-client/) and for
# scripts/example (the same client, with a large block and its own exit);
# ~5 s each, into OUT/client-*/.  Each is one more case in OUT/counts.json.
check_client() {
	local out=$2 dir name
	[[ $TIER_MACHINE == uml ]] && tier_boots run || return 0
	python3 "$PYMM_ROOT/scripts/readme-client.py" "$PYMM_ROOT/README.md" \
		"$out/readme-client" ||
		{ count_client "$out/counts.json" failed "README example"; return; }
	for dir in "$out/readme-client" "$PYMM_ROOT/scripts/example"; do
		name=${dir##*/}
		if PYMM_OUT="$out/client-$name" "$PYMM_ROOT/scripts/run.sh" \
			"$dir" >"$out/client-$name.log" 2>&1; then
			log "make run CLIENT=$dir: passed ($out/client-$name.log)"
			count_client "$out/counts.json" passed
			continue
		fi
		tail -n 5 "$out/client-$name.log"
		echo "FAIL make run CLIENT=$dir (tier $1): see $out/client-$name.log"
		count_client "$out/counts.json" failed "make run CLIENT=$dir"
	done
}

# count_client COUNTS passed|failed [WHAT]: one more case in the tier's
# counts; a failure names WHAT.
count_client() {
	python3 - "$1" "$2" "${3:-}" <<-'PY'
		import json, sys
		try:
		    c = json.load(open(sys.argv[1]))
		except (OSError, ValueError):
		    c = {"passed": 0, "failed": 1, "skipped": 0,
		         "reasons": ["no results (" + sys.argv[1] + ")"]}
		c[sys.argv[2]] += 1
		if sys.argv[2] == "failed":
		    c.setdefault("reasons", []).append(sys.argv[3] + " failed")
		json.dump(c, open(sys.argv[1], "w"))
	PY
}

# The tiers whose results dirs hold a run, NAME=DIR each, to
# check-report.py --write-manifest (which refuses a failed run).
write_manifest() {
	local tier
	local -a specs=()
	for tier in $(tier_names); do
		tier_load "$tier"
		[[ ! -f $TIER_OUT/pass-A.json ]] || specs+=("$tier=$TIER_OUT")
	done
	((${#specs[@]})) || die "no results of a check run to write the manifest from"
	exec python3 "$PYMM_ROOT/scripts/check-report.py" --write-manifest "${specs[@]}"
}

main() {
	local tier out
	[[ ${1-} != --manifest ]] || write_manifest
	local -a tiers=("$@") totals=()
	((${#tiers[@]})) || tiers=(uml)
	for tier in "${tiers[@]}"; do
		tier_load "$tier"
		out=$TIER_OUT
		mkdir -p "$out"
		out="$(cd "$out" && pwd)"
		rm -f "$out/counts.json"
		echo "######## tier $tier ########"
		check_tier "$tier" "$out"
		totals+=("$tier=$out/counts.json")
	done
	exec python3 "$PYMM_ROOT/scripts/check-report.py" --total "${totals[@]}"
}

main "$@"
