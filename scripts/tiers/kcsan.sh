# shellcheck shell=bash disable=SC2034
# kcsan.sh - the kcsan tier (`make check-kcsan`, not part of `make check`):
# the x86 tier (x86.sh, read first) with KCSAN instead of KASAN
# (kcsan.config merged after x86.config), on 2 CPUs in qemu (TCG).
# shellcheck source-path=SCRIPTDIR source=x86.sh
. "$PYMM_TIERS/x86.sh"
TIER_FRAGMENTS=(x86.config kcsan.config)
TIER_FLAVOUR=kcsan
TIER_BUILD="${PYMM_KCSAN_BUILD:-$PYMM_CACHE/build-kcsan}"
TIER_MODSRC="$PYMM_CACHE/src-kcsan"
TIER_OUT="${PYMM_KCSAN_OUT:-$PYMM_ROOT/results/check-kcsan}"
