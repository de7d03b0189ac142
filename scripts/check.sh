#!/usr/bin/env bash
# check.sh - `make check`: build the UML kernel (if needed) and the modules,
# boot UML in check mode (two KUnit passes, fault injection, kmemleak) and
# judge the result with scripts/check-report.py.
#
# The last line of output is always "N passed, M failed[, K skipped]"; the
# exit status is non-zero if anything failed.  Results go to $PYMM_OUT
# (default results/check/).  Module paths can be overridden for a dry run,
# see scripts/uml-boot.sh.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

OUT="${PYMM_OUT:-$PYMM_ROOT/results/check}"

# Fail before any test ran, keeping the closing-line contract.
fail_early() {
	echo "FAIL $*"
	echo "0 passed, 1 failed"
	exit 1
}

main() {
	local t0=$SECONDS ko
	"$PYMM_ROOT/scripts/kernel.sh" || fail_early "UML kernel not available"
	build_uml_modules || fail_early "module build failed"
	for ko in "${PYMM_CORE_KO:-$PYMM_ROOT/mod/pymm.ko}" \
		"${PYMM_KUNIT_KO:-$PYMM_ROOT/kunit/pymm_kunit.ko}"; do
		[[ -f $ko ]] || fail_early "module not built: $ko"
	done
	PYMM_TIMEOUT="${PYMM_TIMEOUT:-600}" \
		"$PYMM_ROOT/scripts/uml-boot.sh" check "$OUT" || true
	log "build + boot took $((SECONDS - t0))s; parsing results"
	exec python3 "$PYMM_ROOT/scripts/check-report.py" --out "$OUT" \
		--kunit "$PYMM_SRC/tools/testing/kunit/kunit.py"
}

main "$@"
