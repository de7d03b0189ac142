#!/bin/sh
# init.sh - PID 1 of every test VM (POSIX sh: the host's /bin/sh in UML,
# busybox ash in the qemu initramfs), booted by scripts/boot.sh.
#
# UML (scripts/boot-uml.sh): the root filesystem is the host's / (hostfs),
# so this script, the modules and the results directory are at their host
# paths; the kernel command line carries pymm_out=<results dir>, where
# boot.sh wrote the params and where this script leaves its files (errors,
# init.rc, kmemleak.txt, modules-*.txt, transcript.txt).  qemu
# (scripts/boot-qemu.sh): an initramfs with /params and the modules in
# /pymm; everything comes back over the serial console, the kmemleak report
# between "pymm-kmemleak: begin" and "pymm-kmemleak: end" lines.
#
# The params set PYMM_MODE and the module paths and arguments:
# run:   insmod core + demo (pymm's trace events on meanwhile, if the
#        kernel has them), cat every file under the debugfs dir (the
#        write-only ones listed), collect every heap, the first lines of
#        the trace, pymmtop --once (where python3 is: UML), rmmod demo,
#        cat summary, rmmod core.  With PYMM_CLIENT_KOS (a user's
#        client modules, `make run CLIENT=<dir>`) those instead of the
#        demo, loaded in order and unloaded in reverse; then an error for
#        each block, large block, heap or err_* count they left.
# bench: insmod core, insmod pymm_bench.ko (it prints its figures at
#        load), rmmod it, rmmod core.
# check: fault-injection + kmemleak setup, then per pass (A: pymm.ko
#        $PYMM_PASS_A_ARGS, B: $PYMM_PASS_B_ARGS) insmod core, insmod the
#        KUnit module (suites run at load), rmmod both; then (UML, where
#        python3 is) core + demo for scripts/check-pymmtop.py's cases;
#        then the torture run (below); then passes C and D (the same core args) of the KASAN
#        suite alone; then a final kmemleak scan.
# distro: (the distro tier's kernel has no KUnit or kmemleak) insmod core,
#        demo and the client built against the installed pymm
#        ($PYMM_DISTRO_CLIENT_KO $PYMM_CLIENT_ARGS), cat every file under the
#        debugfs dir, rmmod client, demo and core (core last: it reports
#        blocks they left behind as "pymm: LEAK"), then the torture run.
# torture: kmemleak setup, insmod core, insmod pymm_torture.ko
#        duration=$PYMM_TORTURE_DURATION (it runs at load and prints
#        "pymm_torture: N ops, M errors"), rmmod both, kmemleak scan.
# Markers go to /dev/kmsg so they are ordered with the kernel's messages;
# the host's scripts/check-report.py keys on them.  Ends with a power-off
# (UML) or `reboot -f` (qemu: no ACPI, so no power-off; it runs with
# -no-reboot and exits): PID 1 must never exit (that panics the kernel).
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

DBG=/sys/kernel/debug
TRACEFS=/sys/kernel/tracing
OUT="${pymm_out:-}"
PARAMS=/params
[ -z "$OUT" ] || PARAMS=$OUT/params

# Print a marker into the kernel log (and so onto the console).
mark() {
	echo "pymm-check: $*" >/dev/kmsg 2>/dev/null || echo "pymm-check: $*"
}

error() {
	mark "ERROR $*"
	[ -z "$OUT" ] || echo "$*" >>"$OUT/errors"
}

halt_now() {
	sync || true
	if [ -n "$OUT" ]; then
		echo o >/proc/sysrq-trigger 2>/dev/null || true
		sleep 10
		poweroff -f 2>/dev/null || true
	else
		reboot -f 2>/dev/null || true
		echo b >/proc/sysrq-trigger 2>/dev/null || true
	fi
	while :; do sleep 60; done
}

# Runs on any exit, including `set -e` failures: report, then halt.
finish() {
	rc=$1
	trap - EXIT
	set +e
	[ "$rc" -eq 0 ] || error "init script failed (exit $rc)"
	[ -z "$OUT" ] || echo "$rc" >"$OUT/init.rc"
	mark "done rc=$rc"
	halt_now
}

# UML keeps the host's /tmp; the initramfs gets a tmpfs.
setup_mounts() {
	mkdir -p /proc /sys /dev /tmp
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t debugfs debugfs "$DBG"
	# tracefs, for pymm's trace events (events/pymm/); its mount point
	# exists only in a kernel with tracing, and a failure is no error.
	if [ -d "$TRACEFS" ] && ! grep -q " $TRACEFS " /proc/mounts; then
		mount -t tracefs tracefs "$TRACEFS" 2>/dev/null || true
	fi
	mount -t devtmpfs devtmpfs /dev 2>/dev/null || true
	[ -n "$OUT" ] || mount -t tmpfs tmpfs /tmp
	[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
	exec </dev/null >/dev/console 2>&1
}

# Run a command, echoing it first (also into the transcript for `run`).
run() {
	echo "# $*"
	"$@"
}

need_file() {
	[ -f "$1" ] || { error "module file missing: $1"; return 1; }
}

modname() {
	base=${1##*/}
	echo "${base%.ko}"
}

# Print every regular file under $1, sorted, each under a heading.  A
# file with no read bit in its mode (a heap's collect and freeze, 0200)
# is listed with its mode, not read: reading one fails (EINVAL).
cat_tree() {
	find "$1" -type f | sort | while IFS= read -r f; do
		perm=$(ls -ld "$f")
		perm=${perm%% *}
		case ${perm#?} in
		*r*) ;;
		*)
			echo "== $f ($perm: write-only, not read) =="
			continue
			;;
		esac
		echo "== $f =="
		cat "$f" || echo "(read failed: $?)"
	done
}

# The directory of this script: scripts/ of the repository on UML (the
# host's / is the guest's), where pymmtop and check-pymmtop.py are.
SCRIPTS=${0%/*}

# Can the guest run pymmtop?  UML runs the host's python3; the qemu
# tiers' busybox initramfs has neither python3 nor the scripts.
have_pymmtop() {
	command -v python3 >/dev/null 2>&1 && [ -f "$SCRIPTS/pymmtop" ]
}

# pymm's trace events, if this kernel and pymm.ko have them
# (events/pymm appears once pymm.ko is loaded; tracefs is mounted here if
# it is not yet): trace_begin turns them on, trace_end off and prints the
# first 12 lines of the trace.  Without them both say nothing.
TRACING=
trace_begin() {
	TRACING=
	[ -d "$TRACEFS" ] || return 0
	[ -d "$TRACEFS/events" ] ||
		mount -t tracefs tracefs "$TRACEFS" 2>/dev/null || return 0
	[ -d "$TRACEFS/events/pymm" ] || return 0
	sh -c ": > $TRACEFS/trace" 2>/dev/null || true
	if run sh -c "echo 1 > $TRACEFS/events/pymm/enable"; then
		TRACING=1
	else
		error "cannot enable pymm's trace events"
	fi
}

trace_end() {
	[ -n "$TRACING" ] || return 0
	run sh -c "echo 0 > $TRACEFS/events/pymm/enable" ||
		error "cannot disable pymm's trace events"
	echo "== $TRACEFS/trace (pymm's events, the first 12 lines) =="
	grep -v '^#' "$TRACEFS/trace" | head -n 12
	TRACING=
}

# Ask every heap for a full collection through debugfs, and show its gc
# file again: the "before" is in the cat_tree output above.
collect_heaps() {
	for dir in "$PYMM_DEBUGFS"/heaps/*/; do
		[ -f "${dir}collect" ] || continue
		run sh -c "echo 2 > ${dir}collect"
		echo "== ${dir}gc (after a full collection) =="
		cat "${dir}gc"
	done
}

run_mode() {
	need_file "$PYMM_CORE_KO"
	need_file "$PYMM_DEMO_KO"
	run insmod "$PYMM_CORE_KO"
	trace_begin
	run insmod "$PYMM_DEMO_KO"
	cat_tree "$PYMM_DEBUGFS"
	collect_heaps
	trace_end
	if have_pymmtop; then
		run python3 "$SCRIPTS/pymmtop" --once --root "$PYMM_DEBUGFS" ||
			error "pymmtop --once failed"
	fi
	run rmmod "$(modname "$PYMM_DEMO_KO")"
	echo "== $PYMM_DEBUGFS/summary (the CPUs' current pools still hold arenas) =="
	cat "$PYMM_DEBUGFS/summary"
	# The shrinkers hand the current pools back; empty arenas go.
	run sh -c 'echo 2 > /proc/sys/vm/drop_caches'
	echo "== $PYMM_DEBUGFS/summary (after the shrinkers) =="
	cat "$PYMM_DEBUGFS/summary"
	run rmmod "$(modname "$PYMM_CORE_KO")"
}

# Load the clients in order; stop at the first that fails.  Sets
# CLIENTS_LOADED to the names of those loaded, the last first.
load_clients() {
	CLIENTS_LOADED=
	for ko in $PYMM_CLIENT_KOS; do
		if ! run insmod "$ko"; then
			error "insmod $ko failed: its init returned an error (see above)"
			return 0
		fi
		CLIENTS_LOADED="$(modname "$ko") $CLIENTS_LOADED"
	done
}

# What the clients left behind, from the summary: every small or large
# block still live, and any bad pointer, double free or corruption
# pymm counted; and every heap not destroyed (its debugfs dir).
check_client_leftovers() {
	while read -r name value; do
		case $name in
		blocks_inuse | large_allocs | err_*) ;;
		*) continue ;;
		esac
		[ "$value" = 0 ] && continue
		case $name in
		err_*) error "pymm counted $name $value: the client passed it a bad pointer (see its report above)" ;;
		*) error "the client left $name $value after its rmmod (want 0)" ;;
		esac
	done <"$PYMM_DEBUGFS/summary"
	for dir in "$PYMM_DEBUGFS"/heaps/*/; do
		[ -d "$dir" ] || continue
		dir=${dir%/}
		error "the client left heap ${dir##*/} (never destroyed)"
	done
}

# run mode with a user's client modules instead of the demo: every step
# goes on after a failure, so that pymm is unloaded (and says what leaked)
# whenever it can be.
client_mode() {
	need_file "$PYMM_CORE_KO"
	for ko in $PYMM_CLIENT_KOS; do
		need_file "$ko"
	done
	run insmod "$PYMM_CORE_KO"
	load_clients
	cat_tree "$PYMM_DEBUGFS"
	collect_heaps
	for name in $CLIENTS_LOADED; do
		run rmmod "$name" || error "rmmod $name failed"
	done
	echo "== $PYMM_DEBUGFS/summary (after the client's rmmod) =="
	cat "$PYMM_DEBUGFS/summary"
	check_client_leftovers
	run sh -c 'echo 2 > /proc/sys/vm/drop_caches'
	echo "== $PYMM_DEBUGFS/summary (after the shrinkers) =="
	cat "$PYMM_DEBUGFS/summary"
	run rmmod "$(modname "$PYMM_CORE_KO")" ||
		error "rmmod $(modname "$PYMM_CORE_KO") failed"
}

# run_mode (or client_mode) onto the console and into
# $OUT/transcript.txt.  A pipe loses its status (dash has no pipefail): it
# is left in a file instead.
run_mode_logged() {
	rm -f "$OUT/run.rc"
	{
		if [ -n "${PYMM_CLIENT_KOS:-}" ]; then
			client_mode
		else
			run_mode
		fi
		echo 0 >"$OUT/run.rc"
	} 2>&1 | tee "$OUT/transcript.txt"
	[ -f "$OUT/run.rc" ] || return 1
	rm -f "$OUT/run.rc"
}

# pymm_bench.ko measures at load, then stays loaded holding nothing.  Its
# load must not fail: busybox's insmod (qemu) would retry a failed
# finit_module() with init_module() and so run it twice.
bench_mode() {
	need_file "$PYMM_CORE_KO"
	need_file "$PYMM_BENCH_KO"
	run insmod "$PYMM_CORE_KO"
	mark "bench start"
	# shellcheck disable=SC2086 # the arguments are words
	if run insmod "$PYMM_BENCH_KO" $PYMM_BENCH_ARGS; then
		run rmmod "$(modname "$PYMM_BENCH_KO")"
	else
		error "insmod $PYMM_BENCH_KO failed"
	fi
	mark "bench end"
	run rmmod "$(modname "$PYMM_CORE_KO")"
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

# Module load addresses, to decode a later kmemleak backtrace: a file in
# $OUT (NAME) on UML, the console (under a heading naming WHAT) on qemu.
save_modules() {
	if [ -n "$OUT" ]; then
		cat /proc/modules >"$OUT/modules-$1.txt" || true
	else
		echo "== /proc/modules ($2) =="
		cat /proc/modules || true
	fi
}

# check_pass NAME CORE_ARGS [KUNIT_ARGS]
check_pass() {
	name=$1 args=$2 kargs="$PYMM_KUNIT_ARGS ${3-}"
	kunit=$(modname "$PYMM_KUNIT_KO") core=$(modname "$PYMM_CORE_KO")
	mark "pass $name begin (core args: '${args}')"
	# shellcheck disable=SC2086 # the arguments are words
	if ! run insmod "$PYMM_CORE_KO" $args; then
		error "pass $name: insmod $PYMM_CORE_KO $args failed"
	else
		# shellcheck disable=SC2086
		run insmod "$PYMM_KUNIT_KO" $kargs ||
			error "pass $name: insmod $PYMM_KUNIT_KO failed"
		save_modules "$name" "pass $name"
		run rmmod "$kunit" || error "pass $name: rmmod $kunit failed"
		run rmmod "$core" || error "pass $name: rmmod $core failed"
	fi
	mark "pass $name end"
}

# pymm_torture.ko runs at insmod for the duration; check-report.py judges
# its "pymm_torture: N ops, M errors" line.  A failed insmod (it could not
# start) leaves that line out, which the report counts.
torture_run() {
	torture=$(modname "$PYMM_TORTURE_KO") core=$(modname "$PYMM_CORE_KO")
	mark "torture begin (duration ${PYMM_TORTURE_DURATION}s)"
	if ! run insmod "$PYMM_CORE_KO"; then
		error "torture: insmod $PYMM_CORE_KO failed"
	else
		# shellcheck disable=SC2086 # the arguments are words
		if run insmod "$PYMM_TORTURE_KO" \
			duration="$PYMM_TORTURE_DURATION" $PYMM_TORTURE_ARGS; then
			run rmmod "$torture" || error "torture: rmmod $torture failed"
		fi
		save_modules torture torture
		run rmmod "$core" || error "torture: rmmod $core failed"
	fi
	mark "torture end"
}

# scripts/pymmtop against live debugfs, with pymm.ko and the demo loaded
# (classes and a heap to show, nothing allocating):
# scripts/check-pymmtop.py prints one "pymm-check: pymmtop case NAME ok"
# (or "... FAIL: reason") marker per case, which check-report.py counts
# against the manifest's "pymmtop" cases of the tier.  Only where the
# guest has python3 (UML); the qemu tiers expect no case.
pymmtop_check() {
	if ! have_pymmtop || [ ! -f "$PYMM_DEMO_KO" ]; then
		echo "pymmtop check skipped: no python3, pymmtop or demo module here"
		return 0
	fi
	mark "pymmtop begin"
	if ! run insmod "$PYMM_CORE_KO"; then
		error "pymmtop: insmod $PYMM_CORE_KO failed"
	else
		if run insmod "$PYMM_DEMO_KO"; then
			# Its markers say what failed; a case that never ran is
			# missing from them, which the report counts.
			run python3 "$SCRIPTS/check-pymmtop.py" --kmsg \
				--root "$PYMM_DEBUGFS" || true
		else
			error "pymmtop: insmod $PYMM_DEMO_KO failed"
		fi
		rmmod_loaded "$PYMM_DEMO_KO" pymmtop
		rmmod_loaded "$PYMM_CORE_KO" pymmtop
	fi
	mark "pymmtop end"
}

check_mode() {
	need_file "$PYMM_CORE_KO"
	need_file "$PYMM_KUNIT_KO"
	need_file "$PYMM_TORTURE_KO"
	setup_fault_injection
	wait_uptime 6
	kmemleak_start
	check_pass A "$PYMM_PASS_A_ARGS" "$PYMM_PASS_A_KUNIT_ARGS"
	check_pass B "$PYMM_PASS_B_ARGS" "$PYMM_PASS_B_KUNIT_ARGS"
	pymmtop_check
	torture_run
	kasan_passes
	final_kmemleak
}

torture_mode() {
	need_file "$PYMM_CORE_KO"
	need_file "$PYMM_TORTURE_KO"
	wait_uptime 6
	kmemleak_start
	torture_run
	final_kmemleak
}

# rmmod_loaded PATH WHAT: rmmod the module of PATH if it is loaded.
rmmod_loaded() {
	name=$(modname "$1")
	grep -q "^$name " /proc/modules || return 0
	run rmmod "$name" || error "$2: rmmod $name failed"
}

distro_mode() {
	for ko in "$PYMM_CORE_KO" "$PYMM_DEMO_KO" "$PYMM_TORTURE_KO" \
		"$PYMM_DISTRO_CLIENT_KO"; do
		need_file "$ko"
	done
	mark "distro begin"
	if ! run insmod "$PYMM_CORE_KO"; then
		error "distro: insmod $PYMM_CORE_KO failed"
	else
		run insmod "$PYMM_DEMO_KO" ||
			error "distro: insmod $PYMM_DEMO_KO failed"
		# shellcheck disable=SC2086 # the arguments are words
		run insmod "$PYMM_DISTRO_CLIENT_KO" $PYMM_CLIENT_ARGS ||
			error "distro: insmod $PYMM_DISTRO_CLIENT_KO failed (the client)"
		cat_tree "$PYMM_DEBUGFS"
		collect_heaps
		rmmod_loaded "$PYMM_DISTRO_CLIENT_KO" distro
		rmmod_loaded "$PYMM_DEMO_KO" distro
		rmmod_loaded "$PYMM_CORE_KO" distro
	fi
	mark "distro end"
	torture_run
}

# Passes C and D: the KASAN suite alone (kunit's filter_glob), against the
# per-CPU fast path and against debug mode.  Last: a KASAN report taints
# the kernel and turns lockdep off for the rest of the boot.  Without
# KASAN (UML) its cases skip.
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

# Objects must be 5 s old to be reported; two scans catch objects only
# reachable from another leak.  The writes fail if kmemleak disabled itself.
final_kmemleak() {
	mark "kmemleak scan"
	sleep 6
	if ! { kmemleak scan && kmemleak scan; } 2>/dev/null; then
		error "kmemleak scan failed (kmemleak disabled itself during the run?)"
		return 0
	fi
	if [ -n "$OUT" ]; then
		cat "$DBG/kmemleak" >"$OUT/kmemleak.txt"
		cat "$OUT/kmemleak.txt"
	else
		echo "pymm-kmemleak: begin"
		cat "$DBG/kmemleak"
		echo "pymm-kmemleak: end"
	fi
}

main() {
	trap 'finish $?' EXIT
	setup_mounts
	[ -f "$PARAMS" ] || { error "no params ($PARAMS)"; exit 1; }
	# shellcheck source=/dev/null
	. "$PARAMS"
	mark "start mode=$PYMM_MODE kernel=$(uname -r) cpus=$(nproc)"
	case $PYMM_MODE in
	run) run_mode_logged ;;
	check) check_mode ;;
	bench) bench_mode ;;
	torture) torture_mode ;;
	distro) distro_mode ;;
	*) error "unknown mode '$PYMM_MODE'"; exit 1 ;;
	esac
}

main "$@"
