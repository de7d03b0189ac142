#!/usr/bin/env bash
# uml-boot.sh - boot the cached UML kernel with the host's / as root
# (hostfs) and scripts/uml-init.sh as PID 1, under a hard timeout.
#
# Usage: scripts/uml-boot.sh run|check|bench|torture OUTDIR
# Writes OUTDIR/params for the init script, the whole console to
# OUTDIR/console.log and UML's exit status to OUTDIR/boot.rc.  Exits with
# UML's status (124 = timeout).  Environment:
#   PYMM_CORE_KO PYMM_KUNIT_KO PYMM_DEMO_KO PYMM_BENCH_KO PYMM_TORTURE_KO
#                      module files (default: the repository's)
#   PYMM_BENCH_ARGS    args for pymm_bench.ko
#   PYMM_DEBUGFS       debugfs dir printed by `run` (/sys/kernel/debug/pymm)
#   PYMM_PASS_A_ARGS PYMM_PASS_B_ARGS  core module args per check pass
#   PYMM_KUNIT_ARGS    args for the KUnit module (both passes)
#   PYMM_TORTURE_DURATION  seconds pymm_torture.ko runs (check: 60)
#   PYMM_TORTURE_ARGS  more args for pymm_torture.ko
#   PYMM_TIMEOUT       seconds before the VM is killed (600)
#   PYMM_UML_MEM       guest memory (768M: kmemleak costs ~250 bytes a block)
#   PYMM_VERBOSE=1     stream the console while it runs
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

write_params() {
	local out=$1 mode=$2
	{
		printf 'PYMM_MODE=%q\n' "$mode"
		printf 'PYMM_CORE_KO=%q\n' "${PYMM_CORE_KO:-$PYMM_ROOT/mod/pymm.ko}"
		printf 'PYMM_KUNIT_KO=%q\n' "${PYMM_KUNIT_KO:-$PYMM_ROOT/kunit/pymm_kunit.ko}"
		printf 'PYMM_DEMO_KO=%q\n' "${PYMM_DEMO_KO:-$PYMM_ROOT/mod/pymm_demo.ko}"
		printf 'PYMM_BENCH_KO=%q\n' "${PYMM_BENCH_KO:-$PYMM_ROOT/mod/pymm_bench.ko}"
		printf 'PYMM_BENCH_ARGS=%q\n' "${PYMM_BENCH_ARGS-}"
		printf 'PYMM_DEBUGFS=%q\n' "${PYMM_DEBUGFS:-/sys/kernel/debug/pymm}"
		printf 'PYMM_PASS_A_ARGS=%q\n' "${PYMM_PASS_A_ARGS-}"
		printf 'PYMM_PASS_B_ARGS=%q\n' "${PYMM_PASS_B_ARGS-debug=1}"
		printf 'PYMM_KUNIT_ARGS=%q\n' "${PYMM_KUNIT_ARGS-}"
		printf 'PYMM_TORTURE_KO=%q\n' "${PYMM_TORTURE_KO:-$PYMM_ROOT/mod/pymm_torture.ko}"
		printf 'PYMM_TORTURE_DURATION=%q\n' "${PYMM_TORTURE_DURATION:-60}"
		printf 'PYMM_TORTURE_ARGS=%q\n' "${PYMM_TORTURE_ARGS-}"
	} >"$out/params"
}

# UML backs guest memory with a file it maps executable: it looks in
# $TMPDIR, then /dev/shm, then /tmp.  Use a cache dir if /dev/shm is noexec.
pick_tmpdir() {
	[[ -n ${TMPDIR:-} ]] && return 0
	if [[ -w /dev/shm ]] && ! findmnt -no OPTIONS -T /dev/shm | grep -qw noexec; then
		return 0
	fi
	export TMPDIR="$PYMM_CACHE/tmp"
	mkdir -p "$TMPDIR"
}

boot_args() {
	local out=$1
	# con=null: no other consoles (no xterms, no ptys); con0 reads nothing
	# and writes to our stdout; console=tty0 sends the kernel log there too.
	echo "mem=${PYMM_UML_MEM:-768M}" \
		"root=/dev/root rootfstype=hostfs rootflags=/ rw" \
		"init=$PYMM_ROOT/scripts/uml-init.sh" \
		"con=null con0=null,fd:1 ssl=null console=tty0" \
		"printk.devkmsg=on" \
		"pymm_out=$out" "${PYMM_UML_APPEND:-}"
}

# Run UML in the background under timeout(1), which makes itself a process
# group leader; kill the whole group afterwards so no helper survives.
# SIGKILL, not SIGTERM: on SIGTERM UML runs its exit calls from the idle
# loop and floods the log with "RCU not watching" WARNs and lockdep noise.
boot() {
	local out=$1 pid rc=0 tailpid=
	local -a args
	read -ra args <<<"$(boot_args "$out")"
	echo "$PYMM_BUILD/linux ${args[*]}" >"$out/cmdline"
	ulimit -c 0
	timeout -s KILL "${PYMM_TIMEOUT:-600}" "$PYMM_BUILD/linux" "${args[@]}" \
		</dev/null >"$out/console.log" 2>&1 &
	pid=$!
	if [[ ${PYMM_VERBOSE:-0} == 1 ]]; then
		tail -n +1 -f --pid="$pid" "$out/console.log" &
		tailpid=$!
	fi
	wait "$pid" 2>/dev/null || rc=$?
	kill -KILL -- "-$pid" 2>/dev/null || true
	[[ -z $tailpid ]] || wait "$tailpid" || true
	echo "$rc" >"$out/boot.rc"
	return "$rc"
}

main() {
	(($# == 2)) || die "usage: $0 run|check|bench|torture OUTDIR"
	local mode=$1 out=$2 rc=0
	[[ -x $PYMM_BUILD/linux ]] || die "no UML kernel at $PYMM_BUILD/linux (run make kernel)"
	mkdir -p "$out"
	out="$(cd "$out" && pwd)"
	rm -f "$out"/{console.log,boot.rc,init.rc,errors,kmemleak.txt,transcript.txt} \
		"$out"/pass-* "$out"/modules-*
	write_params "$out" "$mode"
	pick_tmpdir
	log "booting UML ($mode), console: $out/console.log"
	boot "$out" || rc=$?
	case $rc in
	0) ;;
	124 | 137) log "UML timed out after ${PYMM_TIMEOUT:-600}s" ;;
	*) log "UML exited with status $rc" ;;
	esac
	return "$rc"
}

main "$@"
