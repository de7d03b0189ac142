#!/usr/bin/env bash
# debian-headers.sh - Debian 12's 6.1 kernel, as a build target for pymm,
# without installing anything: only `apt-get download` and `dpkg-deb -x`
# into $PYMM_DEBIAN (default $PYMM_CACHE/debian-6.1); /usr/src, /lib/modules
# and /boot are never touched.
#
#   headers  linux-headers-amd64 and what it depends on (the ABI's
#            linux-headers-<abi>-amd64 and -common, linux-kbuild-6.1) go to
#            $PYMM_DEBIAN/root.  The -amd64 Makefile is one line,
#            `include /usr/src/linux-headers-<abi>-common/Makefile`: it is
#            rewritten to the extracted copy; the rest (scripts, tools) are
#            relative symlinks and resolve inside root.  Prints the KDIR.
#   source   Debian has no KUnit, so the suites are checked against
#            linux-source-6.1 (same Debian version) configured with Debian's
#            .config plus CONFIG_KUNIT=m, then only modules_prepare and
#            lib/kunit's kunit.ko (its Module.symvers); vmlinux's symbols
#            are the headers' Module.symvers.  No kernel build.  Prints the
#            source dir.
#   image    the kernel image of the same ABI (linux-image-<abi>-amd64):
#            only its /boot/vmlinuz-<abi> is extracted, to $PYMM_DEBIAN/image
#            (the modules inside are not needed).  Prints the image's path.
#   build    copies the module sources to $PYMM_DEBIAN/src and builds them
#            with W=1 and sparse (C=2) against both; fails on any warning
#            of our files or of modpost (as `make lint` does for 6.12).
#
# Idempotent: a package is downloaded and extracted once per version, and
# the source tree is prepared again only when its version or this script's
# configuration changes.  Needs a Debian 12 apt (bookworm, bookworm-security)
# and, for source and build, the kernel build dependencies of kernel.sh.
#
# Usage: scripts/debian-headers.sh [headers|source|image|build]
# (default: headers)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

PYMM_DEBIAN="${PYMM_DEBIAN:-$PYMM_CACHE/debian-6.1}"
DEB_DIR="$PYMM_DEBIAN/debs"
DEB_ROOT="$PYMM_DEBIAN/root"
DEB_SRC="$PYMM_DEBIAN/linux-source-6.1"
# Bump when the configuration of the source tree below changes.
SRC_STAMP_VERSION=1
# What the source tree changes in Debian's .config: KUnit as a module, and
# nothing that needs Debian's keys or a vmlinux (signing, BTF).
SRC_CONFIG=(--module KUNIT --disable KUNIT_ALL_TESTS --enable KUNIT_DEBUGFS
	--disable MODULE_SIG_ALL --set-str MODULE_SIG_KEY ""
	--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS ""
	--disable DEBUG_INFO_BTF)

# The candidate version of package $1.
candidate() {
	apt-cache policy "$1" | awk '/Candidate:/ { print $2 }'
}

# Download package $1 (its candidate) into DEB_DIR once; print the .deb.
download() {
	local pkg=$1 ver deb
	ver="$(candidate "$pkg")"
	[[ -n $ver && $ver != "(none)" ]] || die "no candidate for $pkg"
	deb="$(compgen -G "$DEB_DIR/${pkg}_${ver//:/%3a}_*.deb" || true)"
	if [[ -z $deb ]]; then
		log "apt-get download $pkg ($ver)"
		(cd "$DEB_DIR" &&
			apt-get -q -o APT::Sandbox::User=root download \
				"$pkg=$ver" >&2)
		deb="$(compgen -G "$DEB_DIR/${pkg}_${ver//:/%3a}_*.deb")"
	fi
	echo "$deb"
}

# Extract .deb $1 into directory $2 once.
extract() {
	local deb=$1 dest=$2 stamp
	stamp="$dest/.pymm-extracted/$(basename "$deb")"
	[[ -e $stamp ]] && return
	log "dpkg-deb -x $(basename "$deb")"
	dpkg-deb -x "$deb" "$dest"
	mkdir -p "$(dirname "$stamp")"
	touch "$stamp"
}

# The ABI headers package linux-headers-amd64 depends on now.
abi_headers() {
	apt-cache depends linux-headers-amd64 |
		awk '/Depends: linux-headers-[0-9]/ { print $2; exit }'
}

# Print the dependencies (linux-headers-*, linux-kbuild-*) of package $1.
kernel_deps() {
	apt-cache depends "$1" |
		awk '/Depends: linux-(headers|kbuild)-/ { print $2 }'
}

# Download and extract the headers; print their KDIR.
headers() {
	local abi pkg kdir common
	local -a deps
	mkdir -p "$DEB_DIR" "$DEB_ROOT"
	abi="$(abi_headers)"
	[[ -n $abi ]] || die "linux-headers-amd64 depends on no linux-headers-<abi>"
	mapfile -t deps < <(kernel_deps "$abi")
	for pkg in linux-headers-amd64 "$abi" "${deps[@]}"; do
		extract "$(download "$pkg")" "$DEB_ROOT"
	done
	kdir="$DEB_ROOT/usr/src/$abi"
	common="$DEB_ROOT/usr/src/${abi%-amd64}-common"
	[[ -f $common/Makefile && -f $kdir/.config ]] ||
		die "$abi: unexpected layout under $DEB_ROOT/usr/src"
	echo "include $common/Makefile" >"$kdir/Makefile"
	echo "$kdir"
}

# Configure and prepare the source tree in DEB_SRC for KDIR $1 (headers).
prepare_source() {
	local kdir=$1
	cp "$kdir/.config" "$DEB_SRC/.config"
	"$DEB_SRC/scripts/config" --file "$DEB_SRC/.config" "${SRC_CONFIG[@]}"
	make -C "$DEB_SRC" olddefconfig >&2
	grep -qx CONFIG_KUNIT=m "$DEB_SRC/.config" ||
		die "CONFIG_KUNIT=m did not make it into $DEB_SRC/.config"
	make -C "$DEB_SRC" -j"$(nproc)" modules_prepare >&2
	# vmlinux's exports: Debian's own list (same source, same config
	# but KUnit); kunit.ko's: built, it is the only module needed.
	cp "$kdir/Module.symvers" "$DEB_SRC/Module.symvers"
	make -C "$DEB_SRC" M="$DEB_SRC/lib/kunit" -j"$(nproc)" modules >&2
}

# Download the image of the headers' ABI, extract its vmlinuz once; print
# its path.
image() {
	local abi deb img
	abi="$(abi_headers)"
	[[ -n $abi ]] || die "linux-headers-amd64 depends on no linux-headers-<abi>"
	abi=${abi#linux-headers-}
	mkdir -p "$DEB_DIR" "$PYMM_DEBIAN/image"
	deb="$(download "linux-image-$abi")"
	img="$PYMM_DEBIAN/image/vmlinuz-$abi"
	if [[ ! -s $img ]]; then
		log "extracting vmlinuz-$abi from $(basename "$deb")"
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO "./boot/vmlinuz-$abi" >"$img.tmp"
		mv "$img.tmp" "$img"
	fi
	echo "$img"
}

# Extract, configure and prepare linux-source-6.1; print its dir.
source_tree() {
	local kdir deb stamp want
	kdir="$(headers)"
	deb="$(download linux-source-6.1)"
	stamp="$DEB_SRC/.pymm-stamp"
	want="$(basename "$deb") $(basename "$kdir") $SRC_STAMP_VERSION"
	if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
		log "preparing $DEB_SRC ($want)"
		rm -rf "$DEB_SRC" "$PYMM_DEBIAN/srcdeb"
		dpkg-deb -x "$deb" "$PYMM_DEBIAN/srcdeb"
		tar -C "$PYMM_DEBIAN" -xf \
			"$PYMM_DEBIAN/srcdeb/usr/src/linux-source-6.1.tar.xz"
		rm -rf "$PYMM_DEBIAN/srcdeb"
		prepare_source "$kdir"
		echo "$want" >"$stamp"
	fi
	echo "$DEB_SRC"
}

# W=1 + sparse build of the copy in $1 against KDIR $2 (extra make
# arguments after); fails on a warning of ours or of modpost.
warning_build() {
	local src=$1 kdir=$2 blog found
	shift 2
	blog="$PYMM_DEBIAN/build-$(basename "$kdir").log"
	log "W=1 + sparse (C=2) build against $kdir (log: $blog)"
	make -C "$kdir" M="$src" clean >/dev/null
	if ! make -C "$kdir" M="$src" W=1 C=2 CHECK=sparse -j"$(nproc)" \
		"$@" modules >"$blog" 2>&1; then
		cat "$blog" >&2
		return 1
	fi
	found="$(grep -E "^WARNING: modpost|^$src/[^:]+:[0-9]+(:[0-9]+)?: (warning|error)" \
		"$blog" || true)"
	if [[ -n $found ]]; then
		echo "$found" >&2
		return 1
	fi
	log "clean: $(cd "$src" && echo */*.ko)"
}

build() {
	local kdir src copy=$PYMM_DEBIAN/src rc=0
	kdir="$(headers)"
	src="$(source_tree)"
	mkdir -p "$copy"
	rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		"$PYMM_ROOT"/{Kbuild,include,mod,kunit} "$copy/"
	warning_build "$copy" "$kdir" || rc=1
	warning_build "$copy" "$src" \
		KBUILD_EXTRA_SYMBOLS="$src/lib/kunit/Module.symvers" || rc=1
	[[ -e $copy/kunit/pymm_kunit.ko ]] || {
		log "error: pymm_kunit.ko was not built against $src"
		rc=1
	}
	return "$rc"
}

case "${1:-headers}" in
headers) headers ;;
source) source_tree ;;
image) image ;;
build) build ;;
*) die "usage: $0 [headers|source|image|build]" ;;
esac
