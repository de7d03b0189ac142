#!/usr/bin/env bash
# x86-boot.sh - boot the cached x86_64 kernel of a flavour in qemu (TCG, no
# KVM needed) with the initramfs of scripts/initramfs.sh, under a hard
# timeout.
#
# Usage: scripts/x86-boot.sh kasan|kcsan OUTDIR
# Writes OUTDIR/initramfs.cpio, OUTDIR/cmdline, the whole serial console to
# OUTDIR/console.log, the kmemleak report printed by the VM to
# OUTDIR/kmemleak.txt and qemu's exit status to OUTDIR/boot.rc, the files
# scripts/check-report.py reads.  Exits with qemu's status (137 = timeout).
# Environment (and initramfs.sh's):
#   PYMM_X86_TIMEOUT   seconds before qemu is killed (1500, plus twice the
#                      torture run's PYMM_TORTURE_DURATION, default 120)
#   PYMM_X86_MEM       guest memory (1G)
#   PYMM_X86_SMP       guest CPUs (default: what scripts/check-report.py's
#                      TIER_CPUS describes the tier with; fewer fails it)
#   PYMM_X86_APPEND    extra kernel command line
#   PYMM_X86_MAX_KASAN stop the VM after this many KASAN reports (1000; 0:
#                      never): in multi-shot mode a loop over a buffer can
#                      print one report per byte, thousands, and run into
#                      the timeout
#   PYMM_VERBOSE=1     stream the console while it runs
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=x86-lib.sh
. "$(dirname "$0")/x86-lib.sh"

QBOOT=/usr/share/qemu/qboot.rom

# The host's TSC frequency in kHz, if it can tell: under TCG the guest's
# TSC is the host's.  From the host kernel's own calibration if dmesg still
# has it, else from /proc/cpuinfo if the TSC is constant.
host_tsc_khz() {
	local mhz
	mhz=$(dmesg 2>/dev/null | sed -n \
		-e 's/.*tsc: Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p' \
		-e 's/.*tsc: Detected \([0-9.]*\) MHz processor.*/\1/p' | tail -n 1) ||
		true
	if [[ -z $mhz ]] && grep -qw constant_tsc /proc/cpuinfo; then
		mhz=$(sed -n 's/^cpu MHz[[:space:]]*: *\([0-9.]*\)$/\1/p' /proc/cpuinfo |
			head -n 1)
	fi
	[[ $mhz =~ ^[0-9]+(\.[0-9]+)?$ ]] || return 0
	awk -v m="$mhz" 'BEGIN { printf "%d\n", m * 1000 }'
}

# panic=-1: a panic reboots at once, and -no-reboot turns that into qemu's
# exit.  The clock: without ACPI there is no HPET or PM timer, and under
# TCG (more so on a busy host) the PIT calibration of the TSC fails or the
# clocksource watchdog finds it skewed against jiffies; either way the
# kernel falls back to a 4 ms jiffies clock, and short intervals measure
# 0 ns.  So tsc=reliable, and tsc_early_khz when the host's TSC frequency
# is known.  No kasan_multi_shot: KASAN prints its first report only
# (enough to fail the run; a loop over a buffer would otherwise print one
# report per byte), except while a suite has switched multi-shot on to
# provoke reports on purpose, which does not use up that first report.
# PYMM_X86_APPEND=kasan_multi_shot shows every report.
kernel_args() {
	local args="console=ttyS0 panic=-1 printk.devkmsg=on tsc=reliable" khz
	khz=$(host_tsc_khz)
	[[ -z $khz ]] || args+=" tsc_early_khz=$khz"
	echo "$args${PYMM_X86_APPEND:+ $PYMM_X86_APPEND}"
}

qemu_args() {
	local out=$1
	local tier=x86 smp
	[[ $X86_FLAVOR != kcsan ]] || tier=kcsan
	smp=${PYMM_X86_SMP:-$(python3 "$PYMM_ROOT/scripts/check-report.py" --tier-cpus "$tier")}
	local -a a=(-m "${PYMM_X86_MEM:-1G}" -smp "$smp"
		-accel "tcg,thread=multi" -cpu max)
	[[ ! -f $QBOOT ]] || a+=(-bios "$QBOOT")
	a+=(-no-reboot -nographic -kernel "$X86_BZIMAGE"
		-initrd "$out/initramfs.cpio" -append "$(kernel_args)")
	printf '%s\n' "${a[@]}"
}

x86_timeout() {
	echo "${PYMM_X86_TIMEOUT:-$((1500 + 2 * ${PYMM_TORTURE_DURATION:-120}))}"
}

# Is the console flooded with KASAN reports?
kasan_flood() {
	local max=${PYMM_X86_MAX_KASAN:-1000} n
	((max > 0)) || return 1
	n=$(grep -c 'BUG: KASAN:' "$1/console.log") || true
	((n > max))
}

# timeout(1) makes itself a process group leader: kill the whole group
# afterwards so nothing survives.
boot() {
	local out=$1 pid rc=0 tailpid='' flood=0
	local -a args
	mapfile -t args < <(qemu_args "$out")
	printf '%q ' qemu-system-x86_64 "${args[@]}" >"$out/cmdline"
	echo >>"$out/cmdline"
	timeout -s KILL "$(x86_timeout)" \
		qemu-system-x86_64 "${args[@]}" </dev/null >"$out/console.log" 2>&1 &
	pid=$!
	if [[ ${PYMM_VERBOSE:-0} == 1 ]]; then
		tail -n +1 -f --pid="$pid" "$out/console.log" &
		tailpid=$!
	fi
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		if kasan_flood "$out"; then
			log "more than ${PYMM_X86_MAX_KASAN:-1000} KASAN reports: stopping the VM"
			flood=1
			break
		fi
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || rc=$?
	[[ -z $tailpid ]] || wait "$tailpid" || true
	if ((flood)); then
		echo kasan-flood >"$out/boot.rc"
	else
		echo "$rc" >"$out/boot.rc"
	fi
	return "$rc"
}

# The VM prints the kmemleak report between two lines of its own.
save_kmemleak() {
	local out=$1
	grep -q '^pymm-kmemleak: end' "$out/console.log" || return 0
	tr -d '\r' <"$out/console.log" |
		sed -n '/^pymm-kmemleak: begin$/,/^pymm-kmemleak: end$/p' |
		sed '1d;$d' >"$out/kmemleak.txt"
}

main() {
	(($# == 2)) || die "usage: $0 kasan|kcsan OUTDIR"
	x86_flavor "$1"
	local out=$2 rc=0
	[[ -f $X86_BZIMAGE ]] || die "no kernel at $X86_BZIMAGE (run scripts/x86-kernel.sh $1)"
	mkdir -p "$out"
	out="$(cd "$out" && pwd)"
	rm -f "$out"/{console.log,boot.rc,kmemleak.txt,cmdline,initramfs.cpio} \
		"$out"/pass-*
	"$PYMM_ROOT/scripts/initramfs.sh" "$X86_FLAVOR" "$out/initramfs.cpio"
	log "booting x86_64 $X86_FLAVOR kernel in qemu (TCG), console: $out/console.log"
	boot "$out" || rc=$?
	save_kmemleak "$out"
	case $rc in
	0) ;;
	124 | 137) [[ $(<"$out/boot.rc") == kasan-flood ]] ||
		log "qemu timed out after $(x86_timeout)s" ;;
	*) log "qemu exited with status $rc" ;;
	esac
	return "$rc"
}

main "$@"
