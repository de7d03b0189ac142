# shellcheck shell=bash disable=SC2034
# rt.sh - the rt tier (`make check-rt`): the x86 tier (x86.sh, read first)
# on a PREEMPT_RT kernel (rt.config merged after x86.config), on 2 CPUs in
# qemu (TCG).  lockdep with PROVE_RAW_LOCK_NESTING and DEBUG_ATOMIC_SLEEP
# report any lock taken where RT forbids it; check-report.py fails the tier
# on any such report.
# shellcheck source-path=SCRIPTDIR source=x86.sh
. "$PYMM_TIERS/x86.sh"
TIER_FRAGMENTS=(x86.config rt.config)
TIER_FLAVOUR=rt
TIER_BUILD="${PYMM_RT_BUILD:-$PYMM_CACHE/build-rt}"
TIER_MODSRC="$PYMM_CACHE/src-rt"
TIER_OUT="${PYMM_RT_OUT:-$PYMM_ROOT/results/check-rt}"
# What RT changes is locking, not scale: fewer rounds of gc_auto's pace
# case, no million-object cases (the uml tier runs them), a shorter
# torture run, to keep `make check` within its time.
TIER_PASS_A_KUNIT_ARGS="gc_rounds=2 gc_million=0"
TIER_TORTURE_DURATION=60
