# shellcheck shell=bash
# boot-qemu.sh - the boot function of the qemu machine type, sourced by
# scripts/boot.sh: the tier's x86_64 kernel in qemu (TCG, no KVM needed)
# with an initramfs made here: Debian's static busybox, scripts/init.sh as
# /init, the modules the mode loads in /pymm and /params (init.sh's
# parameters), written as an uncompressed cpio with the kernel's own
# usr/gen_init_cpio (no root or mknod needed for /dev/console).  The init
# script prints everything on the serial console, the kmemleak report
# between two lines of its own, which are cut out into OUTDIR/kmemleak.txt.
# Environment:
#   PYMM_X86_MEM       guest memory (the tier's TIER_MEM)
#   PYMM_X86_SMP       guest CPUs (the tier's TIER_CPUS; fewer fails it)
#   PYMM_X86_APPEND    extra kernel command line
#   PYMM_X86_TIMEOUT   as PYMM_TIMEOUT
#   PYMM_X86_MAX_KASAN stop the VM after this many KASAN reports (1000; 0:
#                      never): in multi-shot mode a loop over a buffer can
#                      print one report per byte, thousands, and run into
#                      the timeout

QBOOT=/usr/share/qemu/qboot.rom
BUSYBOX=/bin/busybox
PYMM_TIMEOUT=${PYMM_X86_TIMEOUT:-${PYMM_TIMEOUT:-}}

# The initramfs holds the modules flat in /pymm.
guest_ko() { echo "/pymm/${1##*/}"; }

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
	args+="${TIER_APPEND:+ $TIER_APPEND}"
	echo "$args${PYMM_X86_APPEND:+ $PYMM_X86_APPEND}"
}

qemu_args() {
	local out=$1
	local -a a=(-m "${PYMM_X86_MEM:-$TIER_MEM}" -smp "${PYMM_X86_SMP:-$TIER_CPUS}"
		-accel "tcg,thread=multi" -cpu max)
	[[ ! -f $QBOOT ]] || a+=(-bios "$QBOOT")
	a+=(-no-reboot -nographic -kernel "$TIER_IMAGE_PATH"
		-initrd "$out/initramfs.cpio" -append "$(kernel_args)")
	printf '%s\n' "${a[@]}"
}

# gen_init_cpio's description of the image (PARAMS: the params file).
cpio_list() {
	local params=$1 d ko
	for d in /bin /dev /proc /sys /tmp /pymm; do
		echo "dir $d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "nod /dev/null 0666 0 0 c 1 3"
	echo "file /bin/busybox $BUSYBOX 0755 0 0"
	echo "slink /bin/sh busybox 0777 0 0"
	echo "file /init $PYMM_ROOT/scripts/init.sh 0755 0 0"
	echo "file /params $params 0644 0 0"
	for ko in $(mode_modules "$MODE"); do
		echo "file $(guest_ko "$ko") $TIER_MODDIR/$ko 0644 0 0"
	done
	# busybox applets as symlinks, so /init finds them on PATH=/bin.
	"$BUSYBOX" --list | grep -vx -e busybox -e sh |
		sed 's|.*|slink /bin/& busybox 0777 0 0|'
}

make_initramfs() {
	local out=$1 gen="$TIER_BUILD/usr/gen_init_cpio" tmp f
	for f in "$BUSYBOX" "$gen"; do
		[[ -f $f ]] || die "missing: $f"
	done
	tmp="$(mktemp -d)"
	write_params >"$tmp/params"
	cpio_list "$tmp/params" >"$tmp/list"
	"$gen" "$tmp/list" >"$out/initramfs.cpio"
	rm -rf "$tmp"
}

# STOP_CHECK of run_vm: is the console flooded with KASAN reports?
kasan_flood() {
	local max=${PYMM_X86_MAX_KASAN:-1000} n
	((max > 0)) || return 1
	n=$(grep -c 'BUG: KASAN:' "$1/console.log") || true
	((n > max)) || return 1
	log "more than $max KASAN reports: stopping the VM"
	echo kasan-flood
}

# The VM prints the kmemleak report between two lines of its own.
save_kmemleak() {
	local out=$1
	grep -q '^pymm-kmemleak: end' "$out/console.log" || return 0
	tr -d '\r' <"$out/console.log" |
		sed -n '/^pymm-kmemleak: begin$/,/^pymm-kmemleak: end$/p' |
		sed '1d;$d' >"$out/kmemleak.txt"
}

# boot OUT SECS: boot it, as described in boot.sh.
boot() {
	local out=$1 secs=$2 rc=0
	local -a args
	make_initramfs "$out"
	mapfile -t args < <(qemu_args "$out")
	printf '%q ' qemu-system-x86_64 "${args[@]}" >"$out/cmdline"
	echo >>"$out/cmdline"
	STOP_CHECK=kasan_flood run_vm "$out" "$secs" \
		qemu-system-x86_64 "${args[@]}" || rc=$?
	save_kmemleak "$out"
	return "$rc"
}
