#!/usr/bin/env bash
# lint.sh - `make lint`: static checks of the module sources.
#   1. checkpatch.pl --strict --no-tree -f on every .c/.h in mod/ include/
#      kunit/ (PYMM_LINT_DIRS, relative to PYMM_M);
#   2. a clean rebuild against the UML kernel with W=1 and sparse (C=2),
#      failing on any compiler/sparse warning in our files and on any
#      modpost warning;
#   3. shellcheck on the harness scripts and the tier descriptions
#      (scripts/tiers/), if shellcheck is installed;
#   4. the same W=1 + sparse build against Linux 6.1: Debian 12's headers,
#      and its source with KUnit for pymm_kunit.ko (scripts/debian-headers.sh
#      build; about a minute once its packages are in the cache).
#      PYMM_LINT_61=0 skips it.
# Exits non-zero on any finding.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

tier_load uml
read -ra LINT_DIRS <<<"${PYMM_LINT_DIRS:-mod include kunit scripts/example scripts/client}"
FAILED=()

sources() {
	local d
	for d in "${LINT_DIRS[@]}"; do
		[[ -d $PYMM_M/$d ]] || continue
		find "$PYMM_M/$d" -type f \( -name '*.c' -o -name '*.h' \) \
			! -name '*.mod.c'
	done | sort -u
}

run_checkpatch() {
	local -a files
	mapfile -t files < <(sources)
	if ((${#files[@]} == 0)); then
		log "checkpatch: no sources found"
		FAILED+=(checkpatch)
		return
	fi
	log "checkpatch on ${#files[@]} files"
	perl "$TIER_KDIR_SRC/scripts/checkpatch.pl" --strict --no-tree --quiet \
		--show-types -f "${files[@]}" || FAILED+=(checkpatch)
}

# Is $1 (an absolute path) one of our sources?
ours() {
	local d
	for d in "${LINT_DIRS[@]}"; do
		[[ $d == . ]] && d=
		[[ $1 == "$PYMM_M/${d:+$d/}"* ]] && return 0
	done
	return 1
}

# Print the warnings of a build log that concern our sources (kbuild prints
# external-module paths absolute; relative ones are kernel files), and
# every modpost warning (the build has only our modules).
our_warnings() {
	local line
	while IFS= read -r line; do
		if [[ $line == "WARNING: modpost"* ]]; then
			echo "$line"
		elif [[ $line =~ ^(/[^:]+):[0-9]+(:[0-9]+)?:\ (warning|error) ]] &&
			ours "${BASH_REMATCH[1]}"; then
			echo "$line"
		fi
	done <"$1"
}

run_warning_build() {
	local blog="$PYMM_CACHE/lint-build${PYMM_M//\//_}.log" found
	log "W=1 + sparse (C=2) rebuild of $PYMM_M (log: $blog)"
	make -C "$TIER_BUILD" ARCH="$TIER_ARCH" M="$PYMM_M" clean >/dev/null
	if ! make -C "$TIER_BUILD" ARCH="$TIER_ARCH" M="$PYMM_M" W=1 C=2 CHECK=sparse \
		-j"$(nproc)" modules >"$blog" 2>&1; then
		cat "$blog"
		FAILED+=(build)
		return
	fi
	found="$(our_warnings "$blog")"
	if [[ -n $found ]]; then
		echo "$found"
		FAILED+=(W=1/sparse)
	fi
}

run_shellcheck() {
	if ! command -v shellcheck >/dev/null; then
		log "shellcheck not installed: skipping the scripts"
		return
	fi
	(cd "$PYMM_ROOT" && shellcheck -x scripts/*.sh scripts/tiers/*.sh .ci/run) ||
		FAILED+=(shellcheck)
}

main() {
	"$PYMM_ROOT/scripts/kernel.sh"
	run_checkpatch
	run_warning_build
	run_shellcheck
	if [[ ${PYMM_LINT_61:-1} != 0 ]]; then
		"$PYMM_ROOT/scripts/debian-headers.sh" build || FAILED+=(linux-6.1)
	fi
	if ((${#FAILED[@]})); then
		die "lint failed: ${FAILED[*]}"
	fi
	log "lint clean"
}

main "$@"
