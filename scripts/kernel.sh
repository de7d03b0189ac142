#!/usr/bin/env bash
# kernel.sh - make sure a UML kernel for testing pymm exists.
#
# 1. apt-get installs the build dependencies that are missing (dpkg check
#    first, so a warm run never touches apt);
# 2. extracts /usr/src/linux-source-$PYMM_KVER.tar.xz once into $PYMM_CACHE;
# 3. configures (ARCH=um defconfig + scripts/uml.kunitconfig), verifies the
#    fragment made it into .config, and builds the kernel plus
#    modules_prepare in $PYMM_BUILD, so that out-of-tree modules can be
#    built with `make -C $PYMM_BUILD ARCH=um M=...`.
# The build is redone only when the fragment or the kernel source changes.
#
# Usage: scripts/kernel.sh [deps|source|build|all]   (default: all)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

PKGS=(linux-source-"$PYMM_KVER" bc flex bison libelf-dev libssl-dev
	build-essential python3 perl sparse rsync xz-utils cpio kmod
	util-linux procps)
TARBALL="/usr/src/linux-source-$PYMM_KVER.tar.xz"
STAMP_VERSION=1

# Print the packages of PKGS that are not installed.
missing_pkgs() {
	local p
	for p in "${PKGS[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

ensure_deps() {
	local -a missing
	mapfile -t missing < <(missing_pkgs)
	((${#missing[@]} == 0)) && return 0
	log "installing: ${missing[*]}"
	local sudo=()
	((EUID == 0)) || sudo=(sudo)
	if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${missing[@]}"; then
		log "install failed; running apt-get update and retrying"
		"${sudo[@]}" apt-get update -q
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends "${missing[@]}"
	fi
}

source_version() {
	dpkg-query -W -f='${Version}' "linux-source-$PYMM_KVER"
}

# Extract the kernel source once; the stamp holds the package version and
# is written last, so an interrupted extraction is redone.
ensure_source() {
	local stamp="$PYMM_SRC/.pymm-extracted" want tmp
	want="$(source_version)"
	if [[ -f $stamp && $(<"$stamp") == "$want" ]]; then
		return 0
	fi
	[[ -f $TARBALL ]] || die "$TARBALL not found"
	log "extracting $TARBALL ($want) into $PYMM_SRC"
	mkdir -p "$PYMM_CACHE"
	tmp="$(mktemp -d "$PYMM_CACHE/.extract.XXXXXX")"
	tar -xJf "$TARBALL" -C "$tmp"
	rm -rf "$PYMM_SRC" "$PYMM_BUILD"
	mv "$tmp/linux-source-$PYMM_KVER" "$PYMM_SRC"
	rmdir "$tmp"
	echo "$want" >"$stamp"
}

build_hash() {
	{
		echo "stamp-version $STAMP_VERSION"
		echo "source $(source_version)"
		cat "$PYMM_FRAGMENT"
	} | sha256sum | cut -d' ' -f1
}

kmake() {
	make -C "$PYMM_SRC" O="$PYMM_BUILD" ARCH=um "$@"
}

# Fail unless every CONFIG_ line of the fragment is in .config as written.
verify_config() {
	local line sym bad=0 cfg="$PYMM_BUILD/.config"
	while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)= ]]; then
			grep -qxF -- "$line" "$cfg" && continue
		elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
			sym="${BASH_REMATCH[1]}"
			grep -q "^$sym=" "$cfg" || continue
		else
			continue
		fi
		sym="${BASH_REMATCH[1]}"
		log "config mismatch: wanted '$line', got '$(grep -E "^$sym=|^# $sym is not set" "$cfg" || echo "$sym undefined")'"
		bad=1
	done <"$PYMM_FRAGMENT"
	((bad == 0)) || die "kernel config does not match $PYMM_FRAGMENT"
}

configure() {
	mkdir -p "$PYMM_BUILD"
	kmake defconfig >/dev/null
	(cd "$PYMM_BUILD" &&
		"$PYMM_SRC/scripts/kconfig/merge_config.sh" -m .config \
			"$PYMM_FRAGMENT" >/dev/null)
	kmake olddefconfig >/dev/null
	verify_config
}

ensure_build() {
	local stamp="$PYMM_BUILD/.pymm-stamp" want log_file
	want="$(build_hash)"
	if [[ -f $stamp && $(<"$stamp") == "$want" && -x $PYMM_BUILD/linux ]]; then
		return 0
	fi
	rm -f "$stamp"
	configure
	log_file="$PYMM_BUILD/pymm-build.log"
	log "building UML kernel in $PYMM_BUILD (log: $log_file)"
	if ! kmake -j"$(nproc)" all >"$log_file" 2>&1; then
		tail -n 40 "$log_file" >&2
		die "kernel build failed (full log: $log_file)"
	fi
	echo "$want" >"$stamp"
	log "UML kernel ready: $PYMM_BUILD/linux"
}

# Serialise concurrent runs on one cache.
with_lock() {
	mkdir -p "$PYMM_CACHE"
	exec 9>"$PYMM_CACHE/.lock"
	flock 9
}

main() {
	local what="${1:-all}"
	case $what in
	deps) ensure_deps ;;
	source) ensure_deps && with_lock && ensure_source ;;
	build | all) ensure_deps && with_lock && ensure_source && ensure_build ;;
	*) die "usage: $0 [deps|source|build|all]" ;;
	esac
}

main "$@"
