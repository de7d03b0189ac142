# shellcheck shell=bash disable=SC2034
# bench-none.sh - the second UML kernel of `make bench`: the bench tier
# (bench.sh, read first) with PREEMPT_NONE instead of PREEMPT
# (preempt-none.config merged after bench.config), for the fast path and
# the mixed batch on the server preemption model.  Boots in bench mode
# only, and runs those two sections alone (sections=3).
# shellcheck source-path=SCRIPTDIR source=bench.sh
. "$PYMM_TIERS/bench.sh"
TIER_FRAGMENTS=(bench.config preempt-none.config)
TIER_FLAVOUR=bench-none
TIER_BUILD="$PYMM_CACHE/build-um-bench-none"
TIER_MODSRC="$PYMM_CACHE/src-bench-none"
TIER_BENCH_ARGS="sections=3"
