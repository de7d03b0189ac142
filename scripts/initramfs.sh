#!/usr/bin/env bash
# initramfs.sh - the initramfs of the x86_64 qemu tier: Debian's static
# busybox, scripts/x86-init.sh as /init, the modules in /pymm and /params
# (the module arguments, sourced by /init).  Written as an uncompressed
# cpio with the kernel's own usr/gen_init_cpio (no root or mknod needed for
# /dev/console).
#
# Usage: scripts/initramfs.sh kasan|kcsan OUTFILE
# Environment:
#   PYMM_X86_CORE_KO PYMM_X86_KUNIT_KO PYMM_X86_TORTURE_KO  module files
#                      (default: the ones x86-kernel.sh built in the
#                      flavour's source copy)
#   PYMM_MODE          check (default) or torture (see x86-init.sh)
#   PYMM_PASS_A_ARGS PYMM_PASS_B_ARGS   core module args per pass
#   PYMM_KUNIT_ARGS    args for the KUnit module (both passes)
#   PYMM_PASS_A_KUNIT_ARGS PYMM_PASS_B_KUNIT_ARGS  and per pass, after
#                      them (default gc_rounds=10, and "gc_rounds=0
#                      gc_million=0": under TCG a round of gc_auto's pace
#                      case takes 4 s and a million-object case 3 minutes,
#                      and debug mode changes nothing in the collector)
#   PYMM_TORTURE_DURATION  seconds pymm_torture.ko runs (default 120)
#   PYMM_TORTURE_ARGS  more args for pymm_torture.ko
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=x86-lib.sh
. "$(dirname "$0")/x86-lib.sh"

BUSYBOX=/bin/busybox

# Single-quote $1 for sh.
quote() {
	local s=${1//\'/\'\\\'\'}
	printf "'%s'" "$s"
}

write_params() {
	printf 'PYMM_PASS_A_ARGS=%s\n' "$(quote "${PYMM_PASS_A_ARGS-}")"
	printf 'PYMM_PASS_B_ARGS=%s\n' "$(quote "${PYMM_PASS_B_ARGS-debug=1}")"
	printf 'PYMM_KUNIT_ARGS=%s\n' "$(quote "${PYMM_KUNIT_ARGS-}")"
	printf 'PYMM_PASS_A_KUNIT_ARGS=%s\n' "$(quote "${PYMM_PASS_A_KUNIT_ARGS-gc_rounds=10}")"
	printf 'PYMM_PASS_B_KUNIT_ARGS=%s\n' "$(quote "${PYMM_PASS_B_KUNIT_ARGS-gc_rounds=0 gc_million=0}")"
	printf 'PYMM_MODE=%s\n' "$(quote "${PYMM_MODE:-check}")"
	printf 'PYMM_TORTURE_DURATION=%s\n' "$(quote "${PYMM_TORTURE_DURATION:-120}")"
	printf 'PYMM_TORTURE_ARGS=%s\n' "$(quote "${PYMM_TORTURE_ARGS-}")"
}

# gen_init_cpio's description of the image.
cpio_list() {
	local params=$1 core=$2 kunit=$3 torture=$4 d
	for d in /bin /dev /proc /sys /tmp /pymm; do
		echo "dir $d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "nod /dev/null 0666 0 0 c 1 3"
	echo "file /bin/busybox $BUSYBOX 0755 0 0"
	echo "slink /bin/sh busybox 0777 0 0"
	echo "file /init $PYMM_ROOT/scripts/x86-init.sh 0755 0 0"
	echo "file /params $params 0644 0 0"
	echo "file /pymm/pymm.ko $core 0644 0 0"
	echo "file /pymm/pymm_kunit.ko $kunit 0644 0 0"
	echo "file /pymm/pymm_torture.ko $torture 0644 0 0"
}

main() {
	(($# == 2)) || die "usage: $0 kasan|kcsan OUTFILE"
	x86_flavor "$1"
	local out=$2 core kunit torture gen tmp f
	core="${PYMM_X86_CORE_KO:-$X86_MODSRC/mod/pymm.ko}"
	kunit="${PYMM_X86_KUNIT_KO:-$X86_MODSRC/kunit/pymm_kunit.ko}"
	torture="${PYMM_X86_TORTURE_KO:-$X86_MODSRC/mod/pymm_torture.ko}"
	gen="$X86_BUILD/usr/gen_init_cpio"
	for f in "$BUSYBOX" "$core" "$kunit" "$torture" "$gen"; do
		[[ -f $f ]] || die "missing: $f"
	done
	tmp="$(mktemp -d)"
	# shellcheck disable=SC2064 # expand now
	trap "rm -rf '$tmp'" EXIT
	write_params >"$tmp/params"
	# busybox applets as symlinks, so /init finds them on PATH=/bin.
	cpio_list "$tmp/params" "$core" "$kunit" "$torture" >"$tmp/list"
	"$BUSYBOX" --list | grep -vx -e busybox -e sh |
		sed 's|.*|slink /bin/& busybox 0777 0 0|' >>"$tmp/list"
	"$gen" "$tmp/list" >"$out.tmp"
	mv "$out.tmp" "$out"
}

main "$@"
