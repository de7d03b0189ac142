# shellcheck shell=bash
# boot-uml.sh - the boot function of the UML machine type, sourced by
# scripts/boot.sh: the tier's UML kernel with the host's / as root
# (hostfs) and scripts/init.sh as PID 1, which finds its parameters in
# OUTDIR/params (the kernel command line's pymm_out=OUTDIR) and writes its
# files there.  Environment:
#   PYMM_UML_MEM       guest memory (the tier's TIER_MEM; the uml tier's
#                      768M: kmemleak costs ~250 bytes a block)
#   PYMM_UML_APPEND    more kernel command line

# The guest sees the host's files where they are.
guest_ko() { echo "$TIER_MODDIR/$1"; }

# UML backs guest memory with a file it maps executable: it looks in
# $TMPDIR, then /dev/shm, then /tmp.  Use a cache dir if /dev/shm is noexec.
pick_tmpdir() {
	[[ -n ${TMPDIR:-} ]] && return 0
	if [[ -w /dev/shm ]] && ! findmnt -no OPTIONS -T /dev/shm | grep -qw noexec; then
		return 0
	fi
	export TMPDIR="$PYMM_CACHE/tmp"
	mkdir -p "$TMPDIR"
}

# con=null: no other consoles (no xterms, no ptys); con0 reads nothing and
# writes to our stdout; console=tty0 sends the kernel log there too.
uml_args() {
	local out=$1
	echo "mem=${PYMM_UML_MEM:-$TIER_MEM}" \
		"root=/dev/root rootfstype=hostfs rootflags=/ rw" \
		"init=$PYMM_ROOT/scripts/init.sh" \
		"con=null con0=null,fd:1 ssl=null console=tty0" \
		"printk.devkmsg=on" \
		"pymm_out=$out" "$TIER_APPEND" "${PYMM_UML_APPEND:-}"
}

# boot OUT SECS: boot it, as described in boot.sh.
boot() {
	local out=$1 secs=$2
	local -a args
	write_params >"$out/params"
	read -ra args <<<"$(uml_args "$out")"
	echo "$TIER_IMAGE_PATH ${args[*]}" >"$out/cmdline"
	pick_tmpdir
	run_vm "$out" "$secs" "$TIER_IMAGE_PATH" "${args[@]}"
}
