# shellcheck shell=bash disable=SC2034
# lib.sh - settings and helpers shared by the pymm harness scripts, and the
# loader of the tier descriptions (scripts/tiers/, see its README).
# Sourced, never executed.  Every path can be overridden from the
# environment (the top-level Makefile exports the same names).

PYMM_ROOT="${PYMM_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
PYMM_CACHE="${PYMM_CACHE:-${HOME:-/root}/.cache/pymm}"
PYMM_TIERS="$PYMM_ROOT/scripts/tiers"

# Directory built with M= (a dry run can point it elsewhere); the tiers
# that build their modules in a copy copy it from here.
PYMM_M="${PYMM_M:-$PYMM_ROOT}"

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ensure_pkgs PKG...: apt-get install those not installed (a dpkg check
# first, so a warm run never touches apt; apt-get update only if the
# install fails).
ensure_pkgs() {
	local p sudo=()
	local -a missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0
	log "installing: ${missing[*]}"
	((EUID == 0)) || sudo=(sudo)
	if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${missing[@]}"; then
		log "install failed; running apt-get update and retrying"
		"${sudo[@]}" apt-get update -q
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends "${missing[@]}"
	fi
}

# The names of the tiers there are descriptions of.
tier_names() {
	local f
	for f in "$PYMM_TIERS"/*.sh; do
		f=${f##*/}
		echo "${f%.sh}"
	done
}

# tier_load NAME: read scripts/tiers/NAME.sh over the defaults below, then
# set what follows from it: TIER, TIER_KDIR_SRC (kernel source tree),
# TIER_IMAGE_PATH, TIER_MODDIR (where the modules are built) and
# TIER_FRAGMENT_PATHS.  The variables are described in scripts/tiers/README.
tier_load() {
	[[ -f $PYMM_TIERS/$1.sh ]] ||
		die "unknown tier '$1' ($(tier_names | paste -sd' '))"
	TIER=$1
	TIER_MACHINE=uml
	TIER_ARCH=um
	TIER_KERNEL=build
	TIER_KVER=6.12
	TIER_BASE_CONFIG=defconfig
	TIER_FRAGMENTS=()
	TIER_FLAVOUR=
	TIER_BUILD="$PYMM_CACHE/build-$1"
	TIER_IMAGE=linux
	TIER_MODSRC=
	TIER_CPUS=1
	TIER_MEM=768M
	TIER_APPEND=
	TIER_TIMEOUT=600
	TIER_SLOWDOWN=1
	TIER_PASS_A_ARGS=
	TIER_PASS_B_ARGS=debug=1
	TIER_KUNIT_ARGS=
	TIER_PASS_A_KUNIT_ARGS=
	TIER_PASS_B_KUNIT_ARGS=
	TIER_TORTURE_DURATION=60
	TIER_BENCH_ARGS=
	TIER_OUT="$PYMM_ROOT/results/check-$1"
	TIER_MODES="check torture"
	TIER_CHECK_MODE=check
	TIER_CHECK_REPORT_ARGS=()
	# shellcheck source=/dev/null
	. "$PYMM_TIERS/$1.sh"
	TIER_SOURCE_PKG="linux-source-$TIER_KVER"
	TIER_KDIR_SRC="$PYMM_CACHE/linux-source-$TIER_KVER"
	TIER_IMAGE_PATH="$TIER_BUILD/$TIER_IMAGE"
	TIER_MODDIR="${TIER_MODSRC:-$PYMM_M}"
	TIER_FRAGMENT_PATHS=("${TIER_FRAGMENTS[@]/#/$PYMM_TIERS/}")
}

# tier_boots MODE: does the loaded tier boot in MODE (TIER_MODES)?
tier_boots() {
	[[ " $TIER_MODES " == *" $1 "* ]]
}

# copy_module_sources SRC DEST [RSYNC-OPTION...]: the module sources of
# tree SRC (Kbuild, include/, mod/, kunit/: .c, .h, Kbuild, Makefile) into
# DEST, by content, so unchanged files keep their times; the options (e.g.
# more --exclude rules) come before the selection.
copy_module_sources() {
	local src=$1 dest=$2
	shift 2
	mkdir -p "$dest"
	rsync -r -c --delete --exclude='*.mod.c' "$@" \
		--include='/Kbuild' --include='/include/' --include='/mod/' \
		--include='/kunit/' --exclude='/*' \
		--include='*/' --include='*.c' --include='*.h' \
		--include='Kbuild' --include='Makefile' --exclude='*' \
		"$src/" "$dest/"
}
