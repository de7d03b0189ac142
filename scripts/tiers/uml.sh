# shellcheck shell=bash disable=SC2034
# uml.sh - the uml tier (`make check-uml`, `make run`, `make torture`): a
# UML kernel (1 CPU, CONFIG_PREEMPT) with lockdep, atomic-sleep, kmemleak
# and fault injection, booted with the host's / as root.  The modules are
# built in the repository (also what `make` and `make lint` build against).
TIER_MACHINE=uml
TIER_ARCH=um
TIER_BASE_CONFIG=defconfig
TIER_FRAGMENTS=(uml.config)
TIER_BUILD="${PYMM_BUILD:-$PYMM_CACHE/build-um}"
TIER_IMAGE=linux
TIER_CPUS=1
TIER_MEM=768M
TIER_TIMEOUT=540
TIER_TORTURE_DURATION=60
TIER_OUT="${PYMM_OUT:-$PYMM_ROOT/results/check}"
TIER_MODES="check torture run"
