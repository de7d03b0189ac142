#!/usr/bin/env bash
# run.sh - `make run`: build the uml tier's kernel (if needed) and the
# modules, boot UML, load pymm.ko and pymm_demo.ko, print every debugfs
# file under /sys/kernel/debug/pymm (the write-only ones listed, not
# read), collect every heap, print the first lines of the trace of pymm's
# events (if the kernel has them) and `scripts/pymmtop --once`, unload the
# demo, print the summary again, unload pymm and power off
# (scripts/init.sh, run mode).  Prints
# what happened in the VM from the init script's start marker on
# (commands, file contents, kernel messages); the whole console is in
# $PYMM_OUT/console.log (default results/run/).
#
# Usage: scripts/run.sh [CLIENT_DIR]
# With CLIENT_DIR (`make run CLIENT=<dir>`), a user's own client instead of
# the demo: builds the module(s) of CLIENT_DIR's Kbuild or Makefile, in
# place, against the uml tier's kernel (ARCH=um) and pymm's Module.symvers
# (the README's command), then loads pymm.ko and every module of the
# build's modules.order, in that order; prints debugfs, unloads them in
# the reverse order and checks what they left.  Fails, saying why, when
# the build fails, an insmod or rmmod fails, blocks (small or large) or a
# heap outlive the clients, an err_* counter of the summary is non-zero,
# or the console has "pymm: LEAK", a WARNING, a BUG or an Oops.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

OUT="${PYMM_OUT:-$PYMM_ROOT/results/run}"

# client_dir DIR: DIR as an absolute path, checked; dies if unusable.
client_dir() {
	local dir=$1
	[[ -d $dir ]] || die "CLIENT=$dir: no such directory"
	dir="$(cd "$dir" && pwd)"
	[[ -f $dir/Kbuild || -f $dir/Makefile ]] ||
		die "CLIENT=$dir: no Kbuild or Makefile in it (obj-m := client.o)"
	[[ $dir != "$PYMM_ROOT" ]] ||
		die "CLIENT=$dir is pymm itself: give the client's own directory"
	[[ $dir != *[[:space:]]* ]] ||
		die "CLIENT=$dir: a path with white space is not supported"
	echo "$dir"
}

# build_client DIR: build DIR's modules against the uml tier's kernel and
# pymm's symbols; print their .ko files, in the build's modules.order.
build_client() {
	local dir=$1 ko
	local -a kos=()
	tier_load uml
	log "building the client in $dir against $TIER_BUILD"
	rm -f "$dir/modules.order"
	make -C "$TIER_BUILD" ARCH="$TIER_ARCH" M="$dir" \
		KBUILD_EXTRA_SYMBOLS="$TIER_MODDIR/Module.symvers" modules >&2 ||
		die "CLIENT=$dir: the client's build failed (see above)"
	[[ -s $dir/modules.order ]] ||
		die "CLIENT=$dir: the build made no module (is obj-m set?)"
	while read -r ko; do
		ko=${ko%.o}.ko
		[[ $ko == /* ]] || ko="$dir/$ko"
		[[ -f $ko ]] || die "CLIENT=$dir: $ko was not built"
		kos+=("$ko")
	done <"$dir/modules.order"
	echo "${kos[*]}"
}

# The kernel's lines that fail a client run: pymm's leak reports at its
# unload, its bad-pointer reports (each a WARN: "pymm: pymm_free(...):
# double free"), and any WARNING, BUG, Oops or panic.
KERNEL_COMPLAINTS='pymm: LEAK|pymm: [a-z_]+\([^)]*\): |WARNING:|BUG:|Oops|Kernel panic'

# After a client run: what the guest reported, and the kernel's own
# complaints, from the console.  Returns 1 if there is any.
client_verdict() {
	local bad=0 lines
	if [[ -s $OUT/errors ]]; then
		sed 's/^/run.sh: client: /' "$OUT/errors" >&2
		bad=1
	fi
	lines="$(grep -E "$KERNEL_COMPLAINTS" "$OUT/console.log")" || true
	if [[ -n $lines ]]; then
		log "client: the kernel reported:"
		echo "$lines" >&2
		bad=1
	fi
	return "$bad"
}

main() {
	local rc=0 dir='' clients=''
	(($# <= 1)) || die "usage: $0 [CLIENT_DIR]"
	if [[ -n ${1:-} ]]; then
		dir="$(client_dir "$1")"
	fi
	"$PYMM_ROOT/scripts/kernel.sh" uml all
	if [[ -n $dir ]]; then
		clients="$(build_client "$dir")"
	fi
	PYMM_CLIENT_KOS="$clients" PYMM_TIMEOUT="${PYMM_TIMEOUT:-300}" \
		"$PYMM_ROOT/scripts/boot.sh" uml run "$OUT" || rc=$?
	if [[ ${PYMM_VERBOSE:-0} != 1 ]]; then
		sed -n '/pymm-check: start/,$p' "$OUT/console.log"
	fi
	# As check-report.py's check_boot(): UML's host side aborting once the
	# kernel has powered off (about once in a dozen boots) is not a failure
	# of the run; the console says whether the run itself succeeded.
	if ((rc == 134)) && grep -q 'reboot: Power down' "$OUT/console.log"; then
		log "note: UML aborted (status 134) after powering off"
		rc=0
	fi
	if grep -q 'pymm-check: ERROR' "$OUT/console.log" ||
		! grep -q 'pymm-check: done rc=0' "$OUT/console.log"; then
		rc=1
	fi
	if [[ -n $dir ]] && ! client_verdict; then
		rc=1
	fi
	log "full console log: $OUT/console.log"
	((rc == 0)) || die "run failed (status $rc)"
	[[ -z $dir ]] || log "client $clients: loaded, unloaded, nothing left behind"
}

main "$@"
