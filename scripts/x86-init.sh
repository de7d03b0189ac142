#!/bin/sh
# x86-init.sh - /init of the x86_64 qemu test VM (busybox ash; see
# scripts/initramfs.sh for the image and scripts/x86-boot.sh for the boot).
#
# The same check run as scripts/uml-init.sh, with the same markers, so that
# scripts/check-report.py judges both tiers alike: fault-injection and
# kmemleak setup, then per pass (A: no args, B: debug=1) insmod pymm.ko,
# insmod pymm_kunit.ko (the suites run at load), rmmod both; then the
# torture run (insmod pymm.ko, insmod pymm_torture.ko duration=..., rmmod
# both); then passes C (no args) and D (debug=1) of the KASAN suite alone;
# then the final kmemleak scans.  PYMM_MODE=torture does only the torture
# run and the scans.  /params (written by initramfs.sh) sets the mode and
# the module arguments; the modules are in /pymm.  Everything comes back over the
# serial console: the kmemleak report between "pymm-kmemleak: begin" and
# "pymm-kmemleak: end" lines, which x86-boot.sh cuts out into
# kmemleak.txt.  Ends with `reboot -f` (no ACPI, so no power-off: qemu runs
# with -no-reboot and exits).  PID 1 must never exit (that panics).
set -eu
PATH=/bin
export PATH

DBG=/sys/kernel/debug
MODDIR=/pymm
PYMM_PASS_A_ARGS=
PYMM_PASS_B_ARGS=debug=1
PYMM_KUNIT_ARGS=
PYMM_PASS_A_KUNIT_ARGS=gc_rounds=10
PYMM_PASS_B_KUNIT_ARGS="gc_rounds=0 gc_million=0"
PYMM_MODE=check
PYMM_TORTURE_DURATION=120
PYMM_TORTURE_ARGS=

# Print a marker into the kernel log (and so onto the console).
mark() {
	echo "pymm-check: $*" >/dev/kmsg 2>/dev/null || echo "pymm-check: $*"
}

error() {
	mark "ERROR $*"
}

reboot_now() {
	sync || true
	reboot -f 2>/dev/null || true
	echo b >/proc/sysrq-trigger 2>/dev/null || true
	while :; do sleep 60; done
}

# Runs on any exit, including `set -e` failures: report, then reboot.
finish() {
	rc=$1
	trap - EXIT
	set +e
	[ "$rc" -eq 0 ] || error "init script failed (exit $rc)"
	mark "done rc=$rc"
	reboot_now
}

setup_mounts() {
	mkdir -p /proc /sys /dev /tmp
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev 2>/dev/null || true
	mount -t debugfs debugfs "$DBG"
	mount -t tmpfs tmpfs /tmp
	[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
	exec </dev/null >/dev/console 2>&1
}

run() {
	echo "# $*"
	"$@"
}

need_file() {
	[ -f "$1" ] || { error "module file missing: $1"; return 1; }
}

# Fail only the tasks that set make_it_fail (fault-injection task filter).
setup_fault_injection() {
	for d in "$DBG/fail_page_alloc" "$DBG/failslab"; do
		echo Y >"$d/task-filter"
		echo 100 >"$d/probability"
		echo 1 >"$d/interval"
		echo -1 >"$d/times"
		echo 0 >"$d/space"
		echo 0 >"$d/verbose"
		echo N >"$d/ignore-gfp-wait"
	done
	echo 0 >"$DBG/fail_page_alloc/min-order"
	echo N >"$DBG/fail_page_alloc/ignore-gfp-highmem"
}

# kmemleak ignores objects younger than 5 s: wait that out so the clear
# below really covers everything allocated during boot.
wait_uptime() {
	while :; do
		read -r up _ </proc/uptime
		[ "${up%.*}" -ge "$1" ] && return 0
		sleep 0.5
	done
}

kmemleak() { echo "$1" >"$DBG/kmemleak"; }

# Forget what boot allocated, and stop kmemleak's own periodic scan: it
# walks every tracked object inside one RCU read-side section at nice 10,
# and with the torture's threads keeping both CPUs busy under TCG it stayed
# preempted there for minutes.  The grace period waited for it, kmemleak's
# call_rcu() frees piled up (1.9 million callbacks) and a 30-minute torture
# run ended in "Out of memory".  The scans this script asks for, at the end
# and with the CPUs idle, are enough.
kmemleak_start() {
	kmemleak scan=off
	kmemleak scan
	kmemleak clear
}

check_pass() {
	name=$1 args=$2 kargs=${3-}
	mark "pass $name begin (core args: '${args}')"
	# shellcheck disable=SC2086 # the arguments are words
	if ! run insmod "$MODDIR/pymm.ko" $args; then
		error "pass $name: insmod $MODDIR/pymm.ko $args failed"
	else
		# shellcheck disable=SC2086
		run insmod "$MODDIR/pymm_kunit.ko" $PYMM_KUNIT_ARGS $kargs ||
			error "pass $name: insmod $MODDIR/pymm_kunit.ko failed"
		# Module load addresses, to decode a later kmemleak backtrace.
		echo "== /proc/modules (pass $name) =="
		cat /proc/modules || true
		run rmmod pymm_kunit || error "pass $name: rmmod pymm_kunit failed"
		run rmmod pymm || error "pass $name: rmmod pymm failed"
	fi
	mark "pass $name end"
}

# Objects must be 5 s old to be reported; two scans catch objects only
# reachable from another leak.  The writes fail if kmemleak disabled itself.
final_kmemleak() {
	mark "kmemleak scan"
	sleep 6
	if ! { kmemleak scan && kmemleak scan; } 2>/dev/null; then
		error "kmemleak scan failed (kmemleak disabled itself during the run?)"
		return 0
	fi
	echo "pymm-kmemleak: begin"
	cat "$DBG/kmemleak"
	echo "pymm-kmemleak: end"
}

# pymm_torture.ko runs at insmod for the duration; check-report.py judges
# its "pymm_torture: N ops, M errors" line (missing if it could not start).
torture_run() {
	mark "torture begin (duration ${PYMM_TORTURE_DURATION}s)"
	if ! run insmod "$MODDIR/pymm.ko"; then
		error "torture: insmod $MODDIR/pymm.ko failed"
	else
		# shellcheck disable=SC2086 # the arguments are words
		if run insmod "$MODDIR/pymm_torture.ko" \
			duration="$PYMM_TORTURE_DURATION" $PYMM_TORTURE_ARGS; then
			run rmmod pymm_torture || error "torture: rmmod pymm_torture failed"
		fi
		echo "== /proc/modules (torture) =="
		cat /proc/modules || true
		run rmmod pymm || error "torture: rmmod pymm failed"
	fi
	mark "torture end"
}

check_mode() {
	need_file "$MODDIR/pymm.ko"
	need_file "$MODDIR/pymm_kunit.ko"
	need_file "$MODDIR/pymm_torture.ko"
	setup_fault_injection
	wait_uptime 6
	kmemleak_start
	check_pass A "$PYMM_PASS_A_ARGS" "$PYMM_PASS_A_KUNIT_ARGS"
	check_pass B "$PYMM_PASS_B_ARGS" "$PYMM_PASS_B_KUNIT_ARGS"
	torture_run
	kasan_passes
	final_kmemleak
}

torture_mode() {
	need_file "$MODDIR/pymm.ko"
	need_file "$MODDIR/pymm_torture.ko"
	wait_uptime 6
	kmemleak_start
	torture_run
	final_kmemleak
}

# Passes C and D: the KASAN suite alone (kunit's filter_glob), against the
# per-CPU fast path and against debug mode.  Last: a KASAN report taints
# the kernel and turns lockdep off for the rest of the boot.
kasan_passes() {
	glob=/sys/module/kunit/parameters/filter_glob
	if ! printf %s pymm_kasan >"$glob"; then
		error "cannot set $glob"
		return 0
	fi
	check_pass C "$PYMM_PASS_A_ARGS" kasan_reports=1
	check_pass D "$PYMM_PASS_B_ARGS" kasan_reports=1
	printf %s '*' >"$glob"
}

main() {
	trap 'finish $?' EXIT
	setup_mounts
	# shellcheck source=/dev/null
	[ ! -f /params ] || . /params
	mark "start mode=$PYMM_MODE kernel=$(uname -r) cpus=$(nproc)"
	case $PYMM_MODE in
	torture) torture_mode ;;
	*) check_mode ;;
	esac
}

main "$@"
