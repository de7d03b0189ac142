#!/usr/bin/env bash
# x86-kernel.sh - make sure an x86_64 kernel and the modules built against
# it exist for the qemu tier (see scripts/x86-lib.sh for the flavours).
#
# 1. apt-get installs what is missing (kernel.sh's build deps, then qemu,
#    busybox-static, cpio; a dpkg check first, so a warm run never touches
#    apt) and extracts the kernel source (scripts/kernel.sh source);
# 2. configures (ARCH=x86_64 tinyconfig + the flavour's fragments), verifies
#    every fragment line in .config, and builds bzImage and what external
#    modules need into $X86_BUILD; redone only when a fragment or the
#    kernel source changes (hash stamp), from scratch when the source does;
# 3. copies the module sources (Kbuild, include/, mod/, kunit/: sources
#    only, by content, so unchanged files keep their times) from $PYMM_M to
#    $X86_MODSRC and builds them there against $X86_BUILD.
#
# Usage: scripts/x86-kernel.sh kasan|kcsan [deps|kernel|modules|all]
# (default all).  Prints nothing on stdout.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=x86-lib.sh
. "$(dirname "$0")/x86-lib.sh"

STAMP_VERSION=1

ensure_pkgs() {
	local p sudo=()
	local -a missing=()
	for p in "${PYMM_X86_PKGS[@]}"; do
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

source_version() {
	dpkg-query -W -f='${Version}' "linux-source-$PYMM_KVER"
}

build_hash() {
	local f
	{
		echo "stamp-version $STAMP_VERSION flavour $X86_FLAVOR"
		echo "source $(source_version)"
		for f in "${X86_FRAGMENTS[@]}"; do
			echo "fragment ${f##*/}"
			cat "$f"
		done
	} | sha256sum | cut -d' ' -f1
}

kmake() {
	make -C "$PYMM_SRC" O="$X86_BUILD" ARCH=x86_64 "$@"
}

# Print the wanted line of every symbol the fragments mention, the last
# fragment's line winning (as merge_config.sh does).
wanted_lines() {
	local f line
	local -A want=()
	local -a order=()
	for f in "${X86_FRAGMENTS[@]}"; do
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
	local line sym bad=0 cfg="$X86_BUILD/.config"
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
	((bad == 0)) || die "kernel config does not match ${X86_FRAGMENTS[*]##*/}"
}

configure() {
	mkdir -p "$X86_BUILD"
	kmake tinyconfig >/dev/null
	(cd "$X86_BUILD" &&
		"$PYMM_SRC/scripts/kconfig/merge_config.sh" -m .config \
			"${X86_FRAGMENTS[@]}" >/dev/null)
	kmake olddefconfig >/dev/null
	verify_config
}

ensure_kernel() {
	local stamp="$X86_BUILD/.pymm-stamp" srcstamp="$X86_BUILD/.pymm-source"
	local want log_file t0=$SECONDS
	want="$(build_hash)"
	if [[ -f $stamp && $(<"$stamp") == "$want" && -f $X86_BZIMAGE ]]; then
		return 0
	fi
	# Objects built from another source release may look newer than the
	# freshly extracted files: start over rather than trust make.
	if [[ -f $srcstamp && $(<"$srcstamp") != "$(source_version)" ]]; then
		log "kernel source changed: removing $X86_BUILD"
		rm -rf "$X86_BUILD"
	fi
	rm -f "$stamp"
	configure
	source_version >"$srcstamp"
	log_file="$X86_BUILD/pymm-build.log"
	log "building x86_64 $X86_FLAVOR kernel in $X86_BUILD (log: $log_file)"
	if ! kmake -j"$(nproc)" all >"$log_file" 2>&1; then
		tail -n 40 "$log_file" >&2
		die "kernel build failed (full log: $log_file)"
	fi
	echo "$want" >"$stamp"
	log "x86_64 $X86_FLAVOR kernel ready after $((SECONDS - t0))s: $X86_BZIMAGE"
}

sync_sources() {
	mkdir -p "$X86_MODSRC"
	rsync -r -c --delete \
		--exclude='*.mod.c' \
		--include='/Kbuild' --include='/include/' --include='/mod/' \
		--include='/kunit/' --exclude='/*' \
		--include='*/' --include='*.c' --include='*.h' \
		--include='Kbuild' --include='Makefile' --exclude='*' \
		"$PYMM_M/" "$X86_MODSRC/"
}

ensure_modules() {
	local kstamp="$X86_MODSRC/.pymm-kernel"
	[[ -f $X86_BUILD/.pymm-stamp ]] || die "no $X86_FLAVOR kernel in $X86_BUILD"
	sync_sources
	if [[ ! -f $kstamp || $(<"$kstamp") != "$(<"$X86_BUILD/.pymm-stamp")" ]]; then
		make -C "$X86_BUILD" ARCH=x86_64 M="$X86_MODSRC" clean >/dev/null
		cp "$X86_BUILD/.pymm-stamp" "$kstamp"
	fi
	log "building modules in $X86_MODSRC against $X86_BUILD"
	make -C "$X86_BUILD" ARCH=x86_64 M="$X86_MODSRC" -j"$(nproc)" \
		modules >&2
}

# One build per flavour at a time; the UML kernel has its own lock.
with_lock() {
	mkdir -p "$PYMM_CACHE"
	exec 8>"$PYMM_CACHE/.lock-$X86_FLAVOR"
	flock 8
}

main() {
	(($# >= 1)) || die "usage: $0 kasan|kcsan [deps|kernel|modules|all]"
	x86_flavor "$1"
	local what="${2:-all}"
	case $what in
	deps) "$PYMM_ROOT/scripts/kernel.sh" deps >&2 && ensure_pkgs ;;
	kernel | modules | all)
		"$PYMM_ROOT/scripts/kernel.sh" source >&2
		ensure_pkgs
		with_lock
		[[ $what == modules ]] || ensure_kernel
		[[ $what == kernel ]] || ensure_modules
		;;
	*) die "usage: $0 kasan|kcsan [deps|kernel|modules|all]" ;;
	esac
}

main "$@"
