#!/usr/bin/env bash
# torture.sh - `make torture`: pymm_torture.ko alone, for longer than the
# run `make check` makes in every tier.
#
# Environment (the Makefile passes its variables on):
#   TIER       a tier of scripts/tiers/: uml (default) or x86 (qemu, 2
#              CPUs, KASAN), kcsan; its kernel and modules are built if
#              needed
#   DURATION   seconds of torture (default 300)
#   PYMM_TORTURE_ARGS  more pymm_torture.ko parameters (see mod/torture_core.c)
# Boots the tier's kernel in torture mode (insmod pymm.ko, insmod
# pymm_torture.ko duration=DURATION, rmmod both, kmemleak scan; see
# scripts/init.sh) and judges the console with scripts/check-report.py
# --no-kunit: the last line is "tier torture-TIER: N passed, M failed" (the
# torture run is one case).  Results in $PYMM_OUT (default
# results/torture-TIER/).  Only one run of a qemu tier at a time: it copies
# the sources to a fixed cache path.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

main() {
	local tier=${TIER:-uml} duration=${DURATION:-300} out rc=0
	[[ $duration =~ ^[0-9]+$ ]] || die "DURATION must be a number of seconds"
	tier_load "$tier"
	tier_boots torture || die "tier $tier has no torture mode (TIER_MODES: $TIER_MODES)"
	out="${PYMM_OUT:-$PYMM_ROOT/results/torture-$tier}"
	mkdir -p "$out"
	out="$(cd "$out" && pwd)"
	rm -f "$out/counts.json"
	"$PYMM_ROOT/scripts/kernel.sh" "$tier" all
	PYMM_TORTURE_DURATION=$duration \
		"$PYMM_ROOT/scripts/boot.sh" "$tier" torture "$out" || true
	python3 "$PYMM_ROOT/scripts/check-report.py" --out "$out" \
		--kunit "$TIER_KDIR_SRC/tools/testing/kunit/kunit.py" \
		--tier "torture-$tier" --cpus "$TIER_CPUS" --no-kunit \
		--counts "$out/counts.json" || rc=$?
	return "$rc"
}

main "$@"
