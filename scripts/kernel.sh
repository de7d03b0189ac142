#!/usr/bin/env bash
# kernel.sh - make sure a tier's kernel, and the modules built against it,
# exist: the one kernel-build script of every tier (scripts/tiers/).
#
# 1. deps: apt-get installs what is missing (the build dependencies, the
#    tier's kernel source package, its machine's packages; a dpkg check
#    first, so a warm run never touches apt);
# 2. source: extracts /usr/src/linux-source-$TIER_KVER.tar.xz once into
#    $PYMM_CACHE (under $PYMM_CACHE/.lock);
# 3. kernel: configures ($TIER_BASE_CONFIG, then the fragments merged in
#    order), verifies every fragment line in .config, and builds the kernel
#    and what external modules need into $TIER_BUILD; redone only when a
#    fragment or the kernel source changes (hash stamp), from scratch when
#    the source does (or when the build dir does not say which it had);
# 4. modules: builds the modules against it, in place (the repository,
#    $PYMM_M) or, for a tier with TIER_MODSRC, in a copy of the module
#    sources (Kbuild, include/, mod/, kunit/: sources only, by content, so
#    unchanged files keep their times) made there.
# A tier with TIER_KERNEL=prebuilt (the distro tier) builds no kernel:
# steps 3 and 4 become prebuilt_kernel and prebuilt_modules below (Debian's
# image and headers, the modules through DKMS, a client as a user builds
# one).
# Step 3 holds the kernel's lock ($PYMM_CACHE/.lock-$TIER_FLAVOUR, or
# .lock, the source's, for a kernel without a flavour), and so does step 4
# when it builds in a copy: one build per cache dir at a time.
#
# Usage: scripts/kernel.sh [TIER [deps|source|kernel|modules|all]]
# (default: uml kernel, i.e. steps 1 to 3; all is 1 to 4).  Build output
# goes to stderr and to logs.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

BUILD_PKGS=(bc flex bison libelf-dev libssl-dev build-essential python3
	perl sparse rsync xz-utils cpio kmod util-linux procps)
STAMP_VERSION=1

# Packages the machine types need on the host, besides the build's.
machine_pkgs() {
	case $TIER_MACHINE in
	uml) ;;
	qemu) echo qemu-system-x86 busybox-static cpio rsync ;;
	*) die "tier $TIER: unknown machine '$TIER_MACHINE'" ;;
	esac
}

ensure_deps() {
	local -a machine more=()
	read -ra machine <<<"$(machine_pkgs)"
	[[ $TIER_KERNEL != prebuilt ]] || more=(dkms)
	ensure_pkgs "$TIER_SOURCE_PKG" "${BUILD_PKGS[@]}" "${machine[@]}" \
		"${more[@]}"
}

source_version() {
	dpkg-query -W -f='${Version}' "$TIER_SOURCE_PKG"
}

# with_lock FILE: hold the lock FILE in $PYMM_CACHE from now on (fd 9).
with_lock() {
	mkdir -p "$PYMM_CACHE"
	exec 9>"$PYMM_CACHE/$1"
	flock 9
}

# Extract the kernel source once; the stamp holds the package version and
# is written last, so an interrupted extraction is redone.  Serialised with
# the UML kernels' builds, which share its lock.
ensure_source() {
	local tarball="/usr/src/$TIER_SOURCE_PKG.tar.xz" src=$TIER_KDIR_SRC
	local stamp="$src/.pymm-extracted" want tmp
	want="$(source_version)"
	[[ -f $stamp && $(<"$stamp") == "$want" ]] && return 0
	(
		with_lock .lock
		[[ -f $stamp && $(<"$stamp") == "$want" ]] && exit 0
		[[ -f $tarball ]] || die "$tarball not found"
		log "extracting $tarball ($want) into $src"
		tmp="$(mktemp -d "$PYMM_CACHE/.extract.XXXXXX")"
		tar -xJf "$tarball" -C "$tmp"
		rm -rf "$src"
		mv "$tmp/$TIER_SOURCE_PKG" "$src"
		rmdir "$tmp"
		echo "$want" >"$stamp"
	)
}

# The build stamp: what the kernel was built from.  A kernel with a flavour
# names it and its fragments; the UML kernels' stamps (no flavour) predate
# that and hash their one fragment alone.
build_hash() {
	local f
	{
		echo "stamp-version $STAMP_VERSION${TIER_FLAVOUR:+ flavour $TIER_FLAVOUR}"
		echo "source $(source_version)"
		for f in "${TIER_FRAGMENT_PATHS[@]}"; do
			[[ -z $TIER_FLAVOUR ]] || echo "fragment ${f##*/}"
			cat "$f"
		done
	} | sha256sum | cut -d' ' -f1
}

kmake() {
	make -C "$TIER_KDIR_SRC" O="$TIER_BUILD" ARCH="$TIER_ARCH" "$@"
}

# Print the wanted line of every symbol the fragments mention, the last
# fragment's line winning (as merge_config.sh does).
wanted_lines() {
	local f line
	local -A want=()
	local -a order=()
	for f in "${TIER_FRAGMENT_PATHS[@]}"; do
		while IFS= read -r line; do
			if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)= ||
				$line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
				[[ -v want[${BASH_REMATCH[1]}] ]] ||
					order+=("${BASH_REMATCH[1]}")
				want[${BASH_REMATCH[1]}]=$line
			fi
		done <"$f"
	done
	for line in "${order[@]}"; do
		echo "${want[$line]}"
	done
}

# Fail unless every wanted line is in .config as written ("is not set"
# also holds for a symbol that does not exist there at all).
verify_config() {
	local line sym bad=0 cfg="$TIER_BUILD/.config"
	while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)= ]]; then
			grep -qxF -- "$line" "$cfg" && continue
		elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
			grep -q "^${BASH_REMATCH[1]}=" "$cfg" || continue
		fi
		sym="${BASH_REMATCH[1]}"
		log "config mismatch: wanted '$line', got '$(grep -E "^$sym=|^# $sym is not set" "$cfg" || echo "$sym undefined")'"
		bad=1
	done < <(wanted_lines)
	((bad == 0)) || die "kernel config does not match ${TIER_FRAGMENTS[*]}"
}

configure() {
	mkdir -p "$TIER_BUILD"
	kmake "$TIER_BASE_CONFIG" >/dev/null
	(cd "$TIER_BUILD" &&
		"$TIER_KDIR_SRC/scripts/kconfig/merge_config.sh" -m .config \
			"${TIER_FRAGMENT_PATHS[@]}" >/dev/null)
	kmake olddefconfig >/dev/null
	verify_config
}

ensure_kernel() {
	local stamp="$TIER_BUILD/.pymm-stamp" srcstamp="$TIER_BUILD/.pymm-source"
	local want log_file t0=$SECONDS
	want="$(build_hash)"
	if [[ -f $stamp && $(<"$stamp") == "$want" && -f $TIER_IMAGE_PATH ]]; then
		# The stamp hashes the source version: say which it was, if the
		# build predates .pymm-source.
		[[ -f $srcstamp ]] || source_version >"$srcstamp"
		return 0
	fi
	# Objects built from another source release may look newer than the
	# freshly extracted files: start over rather than trust make.
	if [[ -d $TIER_BUILD && $(cat "$srcstamp" 2>/dev/null) != "$(source_version)" ]]; then
		log "kernel source changed (or unknown): removing $TIER_BUILD"
		rm -rf "$TIER_BUILD"
	fi
	rm -f "$stamp"
	configure
	source_version >"$srcstamp"
	log_file="$TIER_BUILD/pymm-build.log"
	log "building the $TIER_ARCH kernel of tier $TIER in $TIER_BUILD (log: $log_file)"
	if ! kmake -j"$(nproc)" all >"$log_file" 2>&1; then
		tail -n 40 "$log_file" >&2
		die "kernel build failed (full log: $log_file)"
	fi
	echo "$want" >"$stamp"
	log "kernel of tier $TIER ready after $((SECONDS - t0))s: $TIER_IMAGE_PATH"
}

sync_sources() {
	copy_module_sources "$PYMM_M" "$TIER_MODSRC"
}

# A copy is cleaned when its kernel changed (the stamp it was built
# against is kept in it).
ensure_modules() {
	local kstamp="$TIER_MODDIR/.pymm-kernel"
	[[ -f $TIER_BUILD/.pymm-stamp ]] || die "no kernel in $TIER_BUILD"
	if [[ -n $TIER_MODSRC ]]; then
		sync_sources
		if [[ ! -f $kstamp || $(<"$kstamp") != "$(<"$TIER_BUILD/.pymm-stamp")" ]]; then
			make -C "$TIER_BUILD" ARCH="$TIER_ARCH" M="$TIER_MODDIR" clean >/dev/null
			cp "$TIER_BUILD/.pymm-stamp" "$kstamp"
		fi
	fi
	log "building modules in $TIER_MODDIR against $TIER_BUILD"
	make -C "$TIER_BUILD" ARCH="$TIER_ARCH" M="$TIER_MODDIR" -j"$(nproc)" \
		modules >&2
}

# prebuilt: Debian's kernel image and headers (scripts/debian-headers.sh:
# apt-get download + dpkg-deb -x into the cache, nothing installed), the
# image linked as $TIER_IMAGE_PATH, and the initramfs tool of boot-qemu.sh
# (gen_init_cpio, from the kernel source of step 2: a headers dir has none)
# built into $TIER_BUILD/usr.  Sets KDIR, the headers' dir.
prebuilt_kernel() {
	local img gen="$TIER_BUILD/usr/gen_init_cpio"
	KDIR="$("$PYMM_ROOT/scripts/debian-headers.sh" headers)"
	img="$("$PYMM_ROOT/scripts/debian-headers.sh" image)"
	mkdir -p "$TIER_BUILD/usr"
	ln -sfn "$img" "$TIER_IMAGE_PATH"
	if [[ ! -x $gen || $gen -ot $TIER_KDIR_SRC/usr/gen_init_cpio.c ]]; then
		gcc -O2 -o "$gen" "$TIER_KDIR_SRC/usr/gen_init_cpio.c"
	fi
	echo "prebuilt $(basename "$img")" >"$TIER_BUILD/.pymm-stamp"
}

# prebuilt: the modules built through DKMS against the headers in KDIR, in
# a private DKMS tree in $TIER_BUILD (scripts/install.sh dkms-tree), copied
# to mod/ in $TIER_MODDIR; then scripts/client built as a user builds it
# (its Makefile, the staged pymm.h and the DKMS build's Module.symvers),
# to client/ there.
prebuilt_modules() {
	local built ko kver staged client="$TIER_BUILD/client"
	built="$("$PYMM_ROOT/scripts/install.sh" dkms-tree "$TIER_BUILD" "$KDIR")"
	rm -rf "$TIER_MODDIR"
	mkdir -p "$TIER_MODDIR/mod" "$TIER_MODDIR/client"
	for ko in "$built"/*.ko; do
		cp "$ko" "$TIER_MODDIR/mod/"
	done
	kver="$("$PYMM_ROOT/scripts/install.sh" kernel-release "$KDIR")"
	staged="$(compgen -G "$TIER_BUILD/src/pymm-*")"
	rm -rf "$client"
	mkdir -p "$client"
	cp "$PYMM_ROOT"/scripts/client/{Makefile,pymm_client.c} "$client/"
	log "building scripts/client against $staged for $kver"
	make -C "$client" KVER="$kver" KDIR="$KDIR" PYMM="$staged" >&2
	cp "$client/pymm_client.ko" "$TIER_MODDIR/client/"
}

main() {
	tier_load "${1:-uml}"
	local what="${2:-kernel}" lock=.lock
	[[ -z $TIER_FLAVOUR ]] || lock=".lock-$TIER_FLAVOUR"
	case $TIER_KERNEL in
	build) ;;
	prebuilt)
		ensure_deps
		[[ $what == deps ]] && return 0
		ensure_source
		[[ $what == source ]] && return 0
		with_lock "$lock"
		prebuilt_kernel
		[[ $what == kernel ]] || prebuilt_modules
		return 0
		;;
	*) die "tier $TIER: no way to get a '$TIER_KERNEL' kernel" ;;
	esac
	case $what in
	deps) ensure_deps ;;
	source) ensure_deps && ensure_source ;;
	kernel | modules | all)
		ensure_deps
		ensure_source
		if [[ $what != modules ]]; then
			(with_lock "$lock"; ensure_kernel)
		fi
		[[ $what == kernel ]] && return 0
		if [[ -n $TIER_MODSRC ]]; then
			(with_lock "$lock"; ensure_modules)
		else
			ensure_modules
		fi
		;;
	*) die "usage: $0 [TIER [deps|source|kernel|modules|all]]" ;;
	esac
}

main "$@"
