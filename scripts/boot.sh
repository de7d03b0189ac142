#!/usr/bin/env bash
# boot.sh - boot a tier's kernel (scripts/kernel.sh built it, and its
# modules) once, under a hard timeout, with scripts/init.sh as PID 1 doing
# MODE: run, check, bench, torture or distro (see init.sh).  The machine type's
# boot function does the rest: scripts/boot-uml.sh (the host's / as root)
# or scripts/boot-qemu.sh (an initramfs, TCG).
#
# Usage: scripts/boot.sh TIER MODE OUTDIR
# Writes the whole console to OUTDIR/console.log, the kernel command line
# to OUTDIR/cmdline and the VM's exit status to OUTDIR/boot.rc (and, on
# UML, the init script's files: params, init.rc, errors, kmemleak.txt,
# modules-*.txt, transcript.txt), the files scripts/check-report.py reads.
# Exits with the VM's status (124 or 137: timeout).  Environment:
#   PYMM_BENCH_ARGS    args for pymm_bench.ko, after the tier's
#                      (TIER_BENCH_ARGS)
#   PYMM_CLIENT_KOS    run mode, UML only: a user's client modules (host
#                      paths, space-separated) loaded instead of the demo
#   PYMM_DEBUGFS       debugfs dir printed by `run` (/sys/kernel/debug/pymm)
#   PYMM_PASS_A_ARGS PYMM_PASS_B_ARGS  core module args per check pass
#   PYMM_KUNIT_ARGS    args for the KUnit module (every pass)
#   PYMM_PASS_A_KUNIT_ARGS PYMM_PASS_B_KUNIT_ARGS  and per pass, after them
#   PYMM_TORTURE_DURATION  seconds pymm_torture.ko runs
#   PYMM_TORTURE_ARGS  more args for pymm_torture.ko
#   PYMM_CLIENT_ARGS   args for the distro tier's client (scripts/client;
#                      leak=N makes it leak N blocks, fail=1 fails its
#                      load: either fails the tier)
#   PYMM_TIMEOUT       seconds before the VM is killed
#   PYMM_VERBOSE=1     stream the console while it runs
# (the defaults are the tier's, see scripts/tiers/README) and the machine's
# own, listed in its file.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# The modules, by their path in the module tree.
CORE=mod/pymm.ko
KUNIT=kunit/pymm_kunit.ko
DEMO=mod/pymm_demo.ko
BENCH=mod/pymm_bench.ko
TORTURE=mod/pymm_torture.ko
CLIENT=client/pymm_client.ko

# The modules MODE loads.
mode_modules() {
	case $1 in
	run) echo "$CORE $DEMO" ;;
	check) echo "$CORE $KUNIT $TORTURE" ;;
	bench) echo "$CORE $BENCH" ;;
	torture) echo "$CORE $TORTURE" ;;
	distro) echo "$CORE $DEMO $TORTURE $CLIENT" ;;
	*) die "unknown mode '$1' (run, check, bench, torture or distro)" ;;
	esac
}

# PYMM_CLIENT_KOS: only in run mode, and only on UML, whose guest sees the
# host's files at their paths (no initramfs to copy them into).
check_client() {
	local ko
	[[ -n ${PYMM_CLIENT_KOS:-} ]] || return 0
	[[ $MODE == run && $TIER_MACHINE == uml ]] ||
		die "PYMM_CLIENT_KOS: only in run mode on a UML tier"
	for ko in $PYMM_CLIENT_KOS; do
		[[ $ko == /* && -f $ko ]] || die "client module not found: $ko"
	done
}

# Single-quote $1 for sh.
quote() {
	local s=${1//\'/\'\\\'\'}
	printf "'%s'" "$s"
}

# pymm_bench.ko's args: the tier's, then PYMM_BENCH_ARGS (a later value of
# a parameter wins).
bench_args() {
	local args="$TIER_BENCH_ARGS ${PYMM_BENCH_ARGS-}"
	args=${args# }
	echo "${args% }"
}

# The parameters of init.sh (sourced by it), for MODE; guest_ko (the
# machine's) gives the path at which the guest sees a module.
write_params() {
	local v
	local -A p=(
		[PYMM_MODE]=$MODE
		[PYMM_CORE_KO]=$(guest_ko "$CORE")
		[PYMM_KUNIT_KO]=$(guest_ko "$KUNIT")
		[PYMM_DEMO_KO]=$(guest_ko "$DEMO")
		[PYMM_BENCH_KO]=$(guest_ko "$BENCH")
		[PYMM_TORTURE_KO]=$(guest_ko "$TORTURE")
		[PYMM_BENCH_ARGS]=$(bench_args)
		[PYMM_CLIENT_KOS]=${PYMM_CLIENT_KOS-}
		[PYMM_DEBUGFS]=${PYMM_DEBUGFS:-/sys/kernel/debug/pymm}
		[PYMM_PASS_A_ARGS]=${PYMM_PASS_A_ARGS-$TIER_PASS_A_ARGS}
		[PYMM_PASS_B_ARGS]=${PYMM_PASS_B_ARGS-$TIER_PASS_B_ARGS}
		[PYMM_KUNIT_ARGS]=${PYMM_KUNIT_ARGS-$TIER_KUNIT_ARGS}
		[PYMM_PASS_A_KUNIT_ARGS]=${PYMM_PASS_A_KUNIT_ARGS-$TIER_PASS_A_KUNIT_ARGS}
		[PYMM_PASS_B_KUNIT_ARGS]=${PYMM_PASS_B_KUNIT_ARGS-$TIER_PASS_B_KUNIT_ARGS}
		[PYMM_TORTURE_DURATION]=$DURATION
		[PYMM_TORTURE_ARGS]=${PYMM_TORTURE_ARGS-}
		[PYMM_DISTRO_CLIENT_KO]=$(guest_ko "$CLIENT")
		[PYMM_CLIENT_ARGS]=${PYMM_CLIENT_ARGS-}
	)
	for v in "${!p[@]}"; do
		printf '%s=%s\n' "$v" "$(quote "${p[$v]}")"
	done | sort
}

# Seconds the boot may take: a check boot the tier's time plus the torture
# run's, slowed down as the tier is; a torture boot the torture run and
# 300 s, as slowed down.
boot_timeout() {
	if [[ -n ${PYMM_TIMEOUT:-} ]]; then
		echo "$PYMM_TIMEOUT"
		return
	fi
	case $MODE in
	check | distro) echo $((TIER_TIMEOUT + TIER_SLOWDOWN * DURATION)) ;;
	torture) echo $((TIER_SLOWDOWN * (DURATION + 300))) ;;
	*) echo "$TIER_TIMEOUT" ;;
	esac
}

# run_vm OUT TIMEOUT CMD...: run CMD (the VM) in the background under
# timeout(1), which makes itself a process group leader, its console to
# OUT/console.log; STOP_CHECK (if set, a function given OUT) is asked every
# second whether to stop it early.  Kills the whole group afterwards so no
# helper survives, and writes OUT/boot.rc.  SIGKILL, not SIGTERM: on
# SIGTERM UML runs its exit calls from the idle loop and floods the log
# with "RCU not watching" WARNs and lockdep noise.
run_vm() {
	local out=$1 secs=$2 pid rc=0 tailpid='' stopped=''
	shift 2
	ulimit -c 0
	timeout -s KILL "$secs" "$@" </dev/null >"$out/console.log" 2>&1 &
	pid=$!
	if [[ ${PYMM_VERBOSE:-0} == 1 ]]; then
		tail -n +1 -f --pid="$pid" "$out/console.log" &
		tailpid=$!
	fi
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		if [[ -n ${STOP_CHECK:-} ]] && stopped=$("$STOP_CHECK" "$out"); then
			break
		fi
		stopped=''
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || rc=$?
	[[ -z $tailpid ]] || wait "$tailpid" || true
	echo "${stopped:-$rc}" >"$out/boot.rc"
	return "$rc"
}

main() {
	(($# == 3)) || die "usage: $0 TIER run|check|bench|torture OUTDIR"
	tier_load "$1"
	MODE=$2
	local out=$3 rc=0 secs ko
	tier_boots "$MODE" ||
		die "tier $TIER does not boot in $MODE mode (TIER_MODES: $TIER_MODES)"
	DURATION=${PYMM_TORTURE_DURATION:-$TIER_TORTURE_DURATION}
	[[ $DURATION =~ ^[0-9]+$ ]] || die "the torture duration must be seconds"
	[[ -f $TIER_IMAGE_PATH ]] ||
		die "no kernel at $TIER_IMAGE_PATH (run scripts/kernel.sh $TIER)"
	for ko in $(mode_modules "$MODE"); do
		[[ -f $TIER_MODDIR/$ko ]] || die "module not built: $TIER_MODDIR/$ko"
	done
	check_client
	# shellcheck source-path=SCRIPTDIR source=boot-uml.sh
	. "$PYMM_ROOT/scripts/boot-$TIER_MACHINE.sh"
	mkdir -p "$out"
	out="$(cd "$out" && pwd)"
	rm -f "$out"/{console.log,boot.rc,init.rc,errors,kmemleak.txt} \
		"$out"/{transcript.txt,cmdline,initramfs.cpio,params} \
		"$out"/pass-* "$out"/modules-*
	secs=$(boot_timeout)
	log "booting tier $TIER ($TIER_MACHINE, $MODE), console: $out/console.log"
	boot "$out" "$secs" || rc=$?
	case $rc in
	0) ;;
	124 | 137) [[ $(<"$out/boot.rc") =~ ^[0-9]+$ ]] &&
		log "the VM timed out after ${secs}s" ;;
	*) log "the VM exited with status $rc" ;;
	esac
	return "$rc"
}

main "$@"
