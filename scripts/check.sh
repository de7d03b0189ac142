#!/usr/bin/env bash
# check.sh - `make check`: for each tier, build its kernel (if needed) and
# the modules, boot it in check mode (two KUnit passes, fault injection,
# kmemleak) and judge the result with scripts/check-report.py.
#
# Every tier also runs pymm_torture.ko (scripts/*-init.sh, torture_run)
# and counts it as one test case.
#
# Tiers (arguments, default "uml"):
#   uml    UML kernel (scripts/uml.kunitconfig), results in $PYMM_OUT
#          (default results/check/)
#   x86    x86_64 KASAN kernel in qemu (scripts/x86.config), results in
#          $PYMM_X86_OUT (default results/check-x86/)
#   kcsan  x86_64 KCSAN kernel in qemu (+ scripts/x86-kcsan.config), results
#          in $PYMM_KCSAN_OUT (default results/check-kcsan/)
#
# Each tier ends with "tier NAME: N passed, M failed[, K skipped]"; the last
# line of output is always "N passed, M failed[, K skipped]" over all the
# tiers run, and the exit status is non-zero if anything failed.  Module
# paths can be overridden for a dry run, see scripts/uml-boot.sh and
# scripts/initramfs.sh.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

KUNIT_PY="$PYMM_SRC/tools/testing/kunit/kunit.py"

# A tier failed before any test ran: one failure, and its counts file.
fail_early() {
	local tier=$1 counts=$2
	shift 2
	echo "FAIL $*"
	echo "tier $tier: 0 passed, 1 failed"
	printf '{"passed": 0, "failed": 1, "skipped": 0, "reasons": ["%s"]}\n' \
		"${*//\"/\'}" >"$counts"
}

report() {
	local tier=$1 out=$2
	python3 "$PYMM_ROOT/scripts/check-report.py" --out "$out" \
		--kunit "$KUNIT_PY" --tier "$tier" --counts "$out/counts.json" ||
		true
}

tier_uml() {
	local out=$1 t0=$SECONDS ko
	"$PYMM_ROOT/scripts/kernel.sh" ||
		{ fail_early uml "$out/counts.json" "UML kernel not available"; return; }
	build_uml_modules ||
		{ fail_early uml "$out/counts.json" "module build failed"; return; }
	for ko in "${PYMM_CORE_KO:-$PYMM_ROOT/mod/pymm.ko}" \
		"${PYMM_KUNIT_KO:-$PYMM_ROOT/kunit/pymm_kunit.ko}"; do
		[[ -f $ko ]] ||
			{ fail_early uml "$out/counts.json" "module not built: $ko"; return; }
	done
	PYMM_TIMEOUT="${PYMM_TIMEOUT:-600}" \
		"$PYMM_ROOT/scripts/uml-boot.sh" check "$out" || true
	log "build + boot took $((SECONDS - t0))s; parsing results"
	report uml "$out"
}

# x86 and kcsan: the same check, in qemu, with the flavour's kernel.
tier_qemu() {
	local tier=$1 flavour=$2 out=$3 t0=$SECONDS
	"$PYMM_ROOT/scripts/x86-kernel.sh" "$flavour" ||
		{ fail_early "$tier" "$out/counts.json" "x86_64 $flavour kernel or module build failed"; return; }
	"$PYMM_ROOT/scripts/x86-boot.sh" "$flavour" "$out" || true
	log "build + boot took $((SECONDS - t0))s; parsing results"
	report "$tier" "$out"
}

main() {
	local tier out
	local -a tiers=("$@") totals=()
	((${#tiers[@]})) || tiers=(uml)
	for tier in "${tiers[@]}"; do
		case $tier in
		uml) out="${PYMM_OUT:-$PYMM_ROOT/results/check}" ;;
		x86) out="${PYMM_X86_OUT:-$PYMM_ROOT/results/check-x86}" ;;
		kcsan) out="${PYMM_KCSAN_OUT:-$PYMM_ROOT/results/check-kcsan}" ;;
		*) die "unknown tier '$tier' (uml, x86 or kcsan)" ;;
		esac
		mkdir -p "$out"
		out="$(cd "$out" && pwd)"
		rm -f "$out/counts.json"
		echo "######## tier $tier ########"
		case $tier in
		uml) tier_uml "$out" ;;
		x86) tier_qemu x86 kasan "$out" ;;
		kcsan) tier_qemu kcsan kcsan "$out" ;;
		esac
		totals+=("$tier=$out/counts.json")
	done
	exec python3 "$PYMM_ROOT/scripts/check-report.py" --total "${totals[@]}"
}

main "$@"
