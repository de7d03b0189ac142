# shellcheck shell=bash disable=SC2034
# bench-smp.sh - the x86_64 kernel of `make bench`: a tinyconfig kernel
# with the x86 tier's essentials but none of its debugging (no KASAN,
# lockdep, kmemleak, fault injection, DEBUG_LIST or DEBUG_PREEMPT:
# bench-smp.config), CONFIG_PREEMPT like the UML bench kernel, on 2 CPUs
# in qemu (TCG, multi-threaded: each guest CPU a host thread).  Boots in
# bench mode only and runs the SMP section of pymm_bench.ko, and the
# single-CPU fast path with its calibration beside it (sections=17: what an
# interrupt-off section or a pair costs under TCG, to read the SMP rows by),
# with 9 rounds rather than 5: TCG on a shared host is noisy (about 4 min).
TIER_MACHINE=qemu
TIER_ARCH=x86_64
TIER_BASE_CONFIG=tinyconfig
TIER_FRAGMENTS=(bench-smp.config)
TIER_FLAVOUR=bench-smp
TIER_BUILD="$PYMM_CACHE/build-x86-bench-smp"
TIER_IMAGE=arch/x86/boot/bzImage
TIER_MODSRC="$PYMM_CACHE/src-bench-smp"
TIER_CPUS=2
TIER_MEM=1G
TIER_TIMEOUT=900
TIER_MODES=bench
TIER_BENCH_ARGS="sections=17 rounds=9"
