# shellcheck shell=bash disable=SC2034
# bench.sh - the UML kernel of `make bench` (scripts/bench.sh boots it in
# bench mode only): the uml tier's kernel without the debugging that costs
# time per allocation (bench.config), and more memory for the figures.
TIER_MACHINE=uml
TIER_ARCH=um
TIER_BASE_CONFIG=defconfig
TIER_FRAGMENTS=(bench.config)
TIER_BUILD="$PYMM_CACHE/build-um-bench"
TIER_IMAGE=linux
TIER_MODSRC="$PYMM_CACHE/src-bench"
TIER_CPUS=1
TIER_MEM=1536M
TIER_TIMEOUT=900
TIER_MODES=bench
