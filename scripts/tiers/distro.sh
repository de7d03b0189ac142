# shellcheck shell=bash disable=SC2034
# distro.sh - the distro tier (`make check-distro`): Debian 12's own kernel
# (the image and headers of linux-image-amd64/linux-headers-amd64, 6.1
# today), taken with apt-get download + dpkg-deb -x (nothing installed:
# /boot, /lib/modules and the host's DKMS state are not touched), no
# kernel build.  The modules are built through DKMS against those headers,
# in a private DKMS tree under TIER_BUILD; the client (scripts/client) is
# built against the staged pymm.h and the DKMS build's Module.symvers, as a
# user builds one.  Boots on 2 CPUs in qemu (TCG) in distro mode (see
# scripts/init.sh): pymm, the demo and the client, every debugfs file,
# unload, a short torture run.  Debian's kernel is SMP, PREEMPT_DYNAMIC,
# with no KUnit, kmemleak, lockdep or KASAN: the report judges the console
# (WARN, BUG, oops, "pymm: LEAK", lockdep, the init script's errors) and
# the torture run, which is the tier's one counted case.  Unsigned modules
# taint the kernel ("module verification failed"); that is expected.
TIER_KERNEL=prebuilt
TIER_MACHINE=qemu
TIER_ARCH=x86_64
TIER_FLAVOUR=distro
TIER_BUILD="${PYMM_DISTRO_BUILD:-$PYMM_CACHE/build-distro}"
TIER_IMAGE=vmlinuz
TIER_MODSRC="$TIER_BUILD/ko"
TIER_CPUS=2
TIER_MEM=1G
TIER_TIMEOUT=300
TIER_TORTURE_DURATION=20
TIER_OUT="${PYMM_DISTRO_OUT:-$PYMM_ROOT/results/check-distro}"
TIER_MODES=distro
TIER_CHECK_MODE=distro
TIER_CHECK_REPORT_ARGS=(--no-kunit --no-kmemleak)
