#!/bin/sh
# dkms-post-build.sh - DKMS's POST_BUILD of pymm (scripts/dkms.conf): run
# in DKMS's build dir after a build for kernel $1, it copies the build's
# Module.symvers (pymm's exports for that kernel, which DKMS does not keep)
# to symvers/$1/ in the source dir, next to include/pymm.h: what a client
# module builds against (scripts/client/Makefile).
set -eu
[ $# -eq 1 ] || { echo "usage: $0 KERNELRELEASE" >&2; exit 1; }
dest=../source/symvers/$1
mkdir -p "$dest"
cp Module.symvers "$dest/Module.symvers"
echo "pymm: Module.symvers for $1 in $(cd "$dest" && pwd -P)"
