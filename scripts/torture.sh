#!/usr/bin/env bash
# torture.sh - `make torture`: pymm_torture.ko alone, for longer than the
# run `make check` makes in every tier.
#
# Environment (the Makefile passes its variables on):
#   TIER       uml (default) or x86 (qemu, 2 CPUs, KASAN: the x86 tier's
#              kernel, built if needed)
#   DURATION   seconds of torture (default 300)
#   PYMM_TORTURE_ARGS  more pymm_torture.ko parameters (see mod/torture.c)
# Boots the tier's kernel in torture mode (insmod pymm.ko, insmod
# pymm_torture.ko duration=DURATION, rmmod both, kmemleak scan) and judges
# the console with scripts/check-report.py --no-kunit: the last line is
# "tier torture-TIER: N passed, M failed" (the torture run is one case).
# Results in $PYMM_OUT (default results/torture-TIER/).  Only one x86 run
# at a time: the x86 tier copies the sources to a fixed cache path.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

KUNIT_PY="$PYMM_SRC/tools/testing/kunit/kunit.py"

main() {
	local tier=${TIER:-uml} duration=${DURATION:-300} out rc=0
	[[ $duration =~ ^[0-9]+$ ]] || die "DURATION must be a number of seconds"
	out="${PYMM_OUT:-$PYMM_ROOT/results/torture-$tier}"
	mkdir -p "$out"
	out="$(cd "$out" && pwd)"
	rm -f "$out/counts.json"
	export PYMM_TORTURE_DURATION=$duration
	case $tier in
	uml)
		"$PYMM_ROOT/scripts/kernel.sh"
		build_uml_modules
		PYMM_TIMEOUT="${PYMM_TIMEOUT:-$((duration + 300))}" \
			"$PYMM_ROOT/scripts/uml-boot.sh" torture "$out" || true
		;;
	x86)
		"$PYMM_ROOT/scripts/x86-kernel.sh" kasan
		PYMM_MODE=torture \
			PYMM_X86_TIMEOUT="${PYMM_X86_TIMEOUT:-$((2 * duration + 600))}" \
			"$PYMM_ROOT/scripts/x86-boot.sh" kasan "$out" || true
		;;
	*) die "unknown TIER '$tier' (uml or x86)" ;;
	esac
	python3 "$PYMM_ROOT/scripts/check-report.py" --out "$out" \
		--kunit "$KUNIT_PY" --tier "torture-$tier" --no-kunit \
		--counts "$out/counts.json" || rc=$?
	return "$rc"
}

main "$@"
