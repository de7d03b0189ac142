# shellcheck shell=bash disable=SC2034
# kcsan.sh - the kcsan tier (`make check-kcsan`, not part of `make check`):
# the x86 tier with KCSAN instead of KASAN (kcsan.config merged after
# x86.config), on 2 CPUs in qemu (TCG).
TIER_MACHINE=qemu
TIER_ARCH=x86_64
TIER_BASE_CONFIG=tinyconfig
TIER_FRAGMENTS=(x86.config kcsan.config)
TIER_FLAVOUR=kcsan
TIER_BUILD="${PYMM_KCSAN_BUILD:-$PYMM_CACHE/build-kcsan}"
TIER_IMAGE=arch/x86/boot/bzImage
TIER_MODSRC="$PYMM_CACHE/src-kcsan"
TIER_CPUS=2
TIER_MEM=1G
TIER_TIMEOUT=1500
TIER_SLOWDOWN=2
TIER_PASS_A_KUNIT_ARGS=gc_rounds=10
TIER_PASS_B_KUNIT_ARGS="gc_rounds=0 gc_million=0"
TIER_TORTURE_DURATION=120
TIER_OUT="${PYMM_KCSAN_OUT:-$PYMM_ROOT/results/check-kcsan}"
