# shellcheck shell=bash disable=SC2034
# x86-lib.sh - settings shared by the x86_64 (qemu) tier's scripts.
# Sourced after lib.sh, never executed.
#
# Two flavours of the same kernel source:
#   kasan  `make check` / `make check-x86`: scripts/x86.config
#          (generic KASAN), built in $PYMM_CACHE/build-x86
#   kcsan  `make check-kcsan`: scripts/x86.config + scripts/x86-kcsan.config
#          (KCSAN instead of KASAN), built in $PYMM_CACHE/build-kcsan
# The modules are built from a copy of the sources ($X86_MODSRC), so that
# the repo's own kbuild output (the UML modules) is never touched.

PYMM_X86_PKGS=(qemu-system-x86 busybox-static cpio rsync)

# x86_flavor FLAVOR: set X86_FLAVOR, X86_BUILD, X86_MODSRC, X86_FRAGMENTS
# (merged in this order; a later line about a symbol wins).
x86_flavor() {
	X86_FLAVOR=$1
	case $1 in
	kasan)
		X86_BUILD="${PYMM_X86_BUILD:-$PYMM_CACHE/build-x86}"
		X86_MODSRC="$PYMM_CACHE/src-x86"
		X86_FRAGMENTS=("$PYMM_ROOT/scripts/x86.config")
		;;
	kcsan)
		X86_BUILD="${PYMM_KCSAN_BUILD:-$PYMM_CACHE/build-kcsan}"
		X86_MODSRC="$PYMM_CACHE/src-kcsan"
		X86_FRAGMENTS=("$PYMM_ROOT/scripts/x86.config"
			"$PYMM_ROOT/scripts/x86-kcsan.config")
		;;
	*) die "unknown x86 flavour '$1' (kasan or kcsan)" ;;
	esac
	X86_BZIMAGE="$X86_BUILD/arch/x86/boot/bzImage"
}
