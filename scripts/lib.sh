# shellcheck shell=bash
# lib.sh - settings and helpers shared by the pymm harness scripts.
# Sourced, never executed.  Every path can be overridden from the environment
# (the top-level Makefile exports the same names).

PYMM_ROOT="${PYMM_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
PYMM_CACHE="${PYMM_CACHE:-${HOME:-/root}/.cache/pymm}"
PYMM_KVER="${PYMM_KVER:-6.12}"
PYMM_SRC="${PYMM_SRC:-$PYMM_CACHE/linux-source-$PYMM_KVER}"
PYMM_BUILD="${PYMM_BUILD:-$PYMM_CACHE/build-um}"
PYMM_FRAGMENT="${PYMM_FRAGMENT:-$PYMM_ROOT/scripts/uml.kunitconfig}"

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Directory built with M= for run/check (a dry run can point it elsewhere).
PYMM_M="${PYMM_M:-$PYMM_ROOT}"

# Build the modules in $PYMM_M against the UML kernel.
build_uml_modules() {
	log "building modules in $PYMM_M against $PYMM_BUILD"
	make -C "$PYMM_BUILD" ARCH=um M="$PYMM_M" -j"$(nproc)" modules
}
