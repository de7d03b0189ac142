#!/usr/bin/env bash
# install.sh - pymm on a machine: `make dkms-install`, `make dkms-remove`,
# `make install`, and the private DKMS tree of the distro tier.
#
# One layout for every way in: the module sources (Kbuild, include/, mod/,
# kunit/, the dkms.conf and its post-build script, sources only) in
# /usr/src/pymm-$PYMM_VERSION, which DKMS registers as pymm/$PYMM_VERSION;
# a client builds with include/pymm.h from there and, per kernel,
# symvers/<kernel release>/Module.symvers (scripts/client/Makefile).  The
# version is the Makefile's PYMM_VERSION (no git needed).
#
#   dkms-install   stage the sources, `dkms add`, then `dkms install` for
#                  every kernel with headers (/lib/modules/*/build); DKMS
#                  builds for later kernels itself (AUTOINSTALL)
#   dkms-remove    `dkms remove --all` and the staged sources
#   install        build in place, modules_install (unsigned, into
#                  /lib/modules/<release>/updates/mod) + depmod against KDIR
#                  (default: the running kernel's headers), and pymm.h and
#                  Module.symvers at the same paths as DKMS's
#   dkms-tree DIR KDIR  build pymm through DKMS against the headers in KDIR
#                  with a private tree in DIR (--dkmstree, --sourcetree,
#                  --installtree: the host's DKMS state is not touched);
#                  prints the dir holding the built modules
# dkms is installed with apt-get if missing.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

PYMM_VERSION="${PYMM_VERSION:-$(sed -n 's/^PYMM_VERSION := *//p' "$PYMM_ROOT/Makefile")}"
[[ -n $PYMM_VERSION ]] || die "no PYMM_VERSION in $PYMM_ROOT/Makefile"
NAME="pymm/$PYMM_VERSION"

# stage DEST: the sources DKMS builds from, and dkms.conf, into DEST.
stage() {
	local dest=$1
	copy_module_sources "$PYMM_ROOT" "$dest" --exclude='/scripts/' \
		--exclude='/symvers/' --exclude='/dkms.conf'
	mkdir -p "$dest/scripts"
	install -m 0755 "$PYMM_ROOT/scripts/dkms-post-build.sh" "$dest/scripts/"
	sed "s/@PYMM_VERSION@/$PYMM_VERSION/" "$PYMM_ROOT/scripts/dkms.conf" \
		>"$dest/dkms.conf"
}

# The kernel release of the headers in $1: UTS_RELEASE, what the modules'
# vermagic says (Debian's include/config/kernel.release holds the upstream
# version, 6.1.x, not the ABI name the kernel runs as).
kernel_release() {
	local r
	r="$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
		"$1/include/generated/utsrelease.h" 2>/dev/null)"
	[[ -n $r ]] || die "$1: no UTS_RELEASE (not a kernel build dir)"
	echo "$r"
}

dkms_install() {
	local src="/usr/src/pymm-$PYMM_VERSION" build kver n=0
	ensure_pkgs dkms
	if dkms status "$NAME" | grep -q .; then
		log "$NAME is registered already: dkms remove --all first"
		dkms remove "$NAME" --all
	fi
	stage "$src"
	dkms add "$NAME"
	for build in /lib/modules/*/build; do
		[[ -e $build/Makefile ]] || continue
		kver=${build#/lib/modules/}
		kver=${kver%/build}
		dkms install "$NAME" -k "$kver"
		n=$((n + 1))
	done
	((n)) || log "no kernel with headers (/lib/modules/*/build): $NAME is added, built for none"
	dkms status pymm
}

dkms_remove() {
	local src="/usr/src/pymm-$PYMM_VERSION"
	if command -v dkms >/dev/null && dkms status "$NAME" | grep -q .; then
		dkms remove "$NAME" --all
	fi
	rm -rf "$src"
	log "removed $NAME and $src"
}

plain_install() {
	local kdir=${KDIR:-/lib/modules/$(uname -r)/build} kver
	local dest="/usr/src/pymm-$PYMM_VERSION"
	kver="$(kernel_release "$kdir")"
	! grep -qsx CONFIG_UML=y "$kdir/.config" ||
		die "$kdir is a UML kernel: give the installed kernel's headers as KDIR"
	make -C "$kdir" M="$PYMM_ROOT" modules
	# No signing: a distribution's headers come without its key (the
	# kernel loads them tainted, as it does DKMS's with an unenrolled key).
	make -C "$kdir" M="$PYMM_ROOT" INSTALL_MOD_DIR=updates \
		CONFIG_MODULE_SIG_ALL= modules_install
	depmod -a "$kver"
	install -D -m 0644 "$PYMM_ROOT/include/pymm.h" "$dest/include/pymm.h"
	install -D -m 0644 "$PYMM_ROOT/Module.symvers" \
		"$dest/symvers/$kver/Module.symvers"
	log "installed pymm $PYMM_VERSION for $kver: /lib/modules/$kver/updates, $dest"
}

# dkms-tree DIR KDIR: see the top comment.  Rebuilt from scratch each
# time (the sources are a minute's build), with DKMS's output in
# DIR/dkms.log.  DKMS signs what it builds, with a key it makes on first
# use: here DIR's own (mok.key, mok.pub), not the host's /var/lib/dkms
# one (DKMS takes mok_signing_key and mok_certificate from the
# environment when its framework.conf does not set them).
dkms_tree() {
	local dir=$1 kdir=$2 kver tree
	local -a opts
	ensure_pkgs dkms
	kver="$(kernel_release "$kdir")"
	rm -rf "$dir/dkms" "$dir/src" "$dir/install"
	mkdir -p "$dir/dkms" "$dir/src" "$dir/install"
	opts=(--dkmstree "$dir/dkms" --sourcetree "$dir/src"
		--installtree "$dir/install")
	stage "$dir/src/pymm-$PYMM_VERSION"
	log "dkms build $NAME for $kver against $kdir (log: $dir/dkms.log)"
	if ! { dkms add "${opts[@]}" "$NAME" &&
		mok_signing_key="$dir/mok.key" mok_certificate="$dir/mok.pub" \
			dkms build "${opts[@]}" "$NAME" -k "$kver" \
			--kernelsourcedir "$kdir"; } >"$dir/dkms.log" 2>&1; then
		cat "$dir/dkms.log" >&2
		tree="$dir/dkms/pymm/$PYMM_VERSION/build/make.log"
		[[ ! -f $tree ]] || tail -n 40 "$tree" >&2
		die "dkms build failed"
	fi
	echo "$dir/dkms/pymm/$PYMM_VERSION/$kver/$(uname -m)/module"
}

case "${1-}" in
dkms-install) dkms_install ;;
dkms-remove) dkms_remove ;;
install) plain_install ;;
dkms-tree) (($# == 3)) || die "usage: $0 dkms-tree DIR KDIR"; dkms_tree "$2" "$3" ;;
kernel-release) (($# == 2)) || die "usage: $0 kernel-release KDIR"; kernel_release "$2" ;;
version) echo "$PYMM_VERSION" ;;
*) die "usage: $0 dkms-install|dkms-remove|install|dkms-tree DIR KDIR|kernel-release KDIR|version" ;;
esac
