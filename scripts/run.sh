#!/usr/bin/env bash
# run.sh - `make run`: build the uml tier's kernel (if needed) and the
# modules, boot UML, load pymm.ko and pymm_demo.ko, print every debugfs
# file under /sys/kernel/debug/pymm, unload the demo, print the summary
# again, unload pymm and power off (scripts/init.sh, run mode).  Prints
# what happened in the VM from the init script's start marker on
# (commands, file contents, kernel messages); the whole console is in
# $PYMM_OUT/console.log (default results/run/).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

OUT="${PYMM_OUT:-$PYMM_ROOT/results/run}"

main() {
	local rc=0
	"$PYMM_ROOT/scripts/kernel.sh" uml all
	PYMM_TIMEOUT="${PYMM_TIMEOUT:-300}" \
		"$PYMM_ROOT/scripts/boot.sh" uml run "$OUT" || rc=$?
	if [[ ${PYMM_VERBOSE:-0} != 1 ]]; then
		sed -n '/pymm-check: start/,$p' "$OUT/console.log"
	fi
	if grep -q 'pymm-check: ERROR' "$OUT/console.log" ||
		! grep -q 'pymm-check: done rc=0' "$OUT/console.log"; then
		rc=1
	fi
	log "full console log: $OUT/console.log"
	((rc == 0)) || die "run failed (status $rc)"
}

main "$@"
