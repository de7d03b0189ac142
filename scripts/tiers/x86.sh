# shellcheck shell=bash disable=SC2034
# x86.sh - the x86 tier (`make check-x86`, `make torture TIER=x86`): an
# x86_64 tinyconfig kernel with generic KASAN, lockdep, atomic-sleep,
# kmemleak and fault injection, on 2 CPUs in qemu (TCG).  Under TCG with
# KASAN a million-object case of gc_stress takes about 2 minutes and a
# round of gc_auto's pace case 4 s: pass A runs 10 rounds and no
# million-object case (they test scale, and the uml tier runs them), and
# pass B (debug mode changes the allocator, not the collector) neither.
TIER_MACHINE=qemu
TIER_ARCH=x86_64
TIER_BASE_CONFIG=tinyconfig
TIER_FRAGMENTS=(x86.config)
TIER_FLAVOUR=kasan
TIER_BUILD="${PYMM_X86_BUILD:-$PYMM_CACHE/build-x86}"
TIER_IMAGE=arch/x86/boot/bzImage
TIER_MODSRC="$PYMM_CACHE/src-x86"
TIER_CPUS=2
TIER_MEM=1G
TIER_TIMEOUT=1500
TIER_SLOWDOWN=2
TIER_PASS_A_KUNIT_ARGS="gc_rounds=10 gc_million=0"
TIER_PASS_B_KUNIT_ARGS="gc_rounds=0 gc_million=0"
TIER_TORTURE_DURATION=120
TIER_OUT="${PYMM_X86_OUT:-$PYMM_ROOT/results/check-x86}"
