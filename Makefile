# SPDX-License-Identifier: GPL-2.0
# Makefile - user entry point of pymm.  kbuild itself reads ./Kbuild (which
# takes precedence over this file inside `make -C $KDIR M=...`).
#
#   make / make modules   build the modules against KDIR
#   make kernel           apt deps + kernel source + UML kernel in PYMM_CACHE
#                         (TIER=NAME: the kernel of another tier)
#   make run              boot UML, load pymm + pymm_demo, print debugfs
#   make run CLIENT=<dir> the same with the client module(s) built in <dir>
#                         instead of the demo; fails if they leak
#   make check            the tiers in PYMM_CHECK_TIERS; one "N passed, M failed"
#   make check-uml        KUnit in UML (2 passes) + kmemleak/lockdep/WARN checks
#   make check-x86        the same in qemu (x86_64, TCG) with KASAN
#   make check-rt         the same in qemu on a PREEMPT_RT kernel, no KASAN
#   make check-kcsan      the same in qemu with KCSAN (not part of check)
#   make check-distro     Debian 12's own kernel in qemu (no kernel build):
#                         pymm, demo and a client built through DKMS, torture
#   make check-NAME       tier NAME alone, any of scripts/tiers/NAME.sh
#   make manifest         rewrite scripts/check-manifest.json from the last
#                         passing runs' results (each tier's results dir)
#   make bench            pymm vs kmalloc, kmem_cache and CPython (results/bench.*)
#                         on UML PREEMPT, UML PREEMPT_NONE and x86_64 SMP
#                         (PYMM_BENCH_KERNELS="bench bench-none bench-smp")
#   make torture          pymm_torture.ko alone: DURATION=<s> (300) TIER=<uml|x86|...>
#   make lint             checkpatch --strict, W=1 and sparse (C=2) builds
#   make dkms-install     sources to /usr/src/pymm-$(PYMM_VERSION), dkms add,
#                         build + install for every kernel with headers
#   make dkms-remove      dkms remove --all, and the sources in /usr/src
#   make install          modules_install + depmod against KDIR (no DKMS)
#   make clean            kbuild clean of the modules
#
# Variables: PYMM_CACHE (default ~/.cache/pymm), KDIR (default: the running
# kernel's build dir if it exists, else the cached UML build).  run,
# check-uml and lint always use the UML build; the other tiers build their
# own kernels and copies of the modules in PYMM_CACHE (scripts/kernel.sh).
# A tier is a description, scripts/tiers/NAME.sh (see its README).
# PYMM_CHECK_TIERS: what `make check` runs, in order (uml, x86, rt, kcsan,
# distro); default uml, x86, rt and distro.

# The release: /usr/src/pymm-<version>, DKMS's pymm/<version>.
PYMM_VERSION := 0.1.0
PYMM_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
PYMM_CACHE ?= $(or $(HOME),/root)/.cache/pymm
PYMM_BUILD ?= $(PYMM_CACHE)/build-um
HOST_KDIR := /lib/modules/$(shell uname -r)/build
KDIR ?= $(if $(wildcard $(HOST_KDIR)/Makefile),$(HOST_KDIR),$(PYMM_BUILD))
PYMM_CHECK_TIERS ?= uml x86 rt distro
export PYMM_CACHE PYMM_BUILD PYMM_VERSION

# Evaluated when a recipe runs, i.e. after `kernel` may have built KDIR.
KARCH = $(if $(shell grep -sx CONFIG_UML=y $(KDIR)/.config),ARCH=um)
KDIR_IS_UML := $(if $(filter $(abspath $(KDIR)),$(abspath $(PYMM_BUILD))),1)

.PHONY: all modules kernel run check bench torture lint clean help manifest
.PHONY: dkms-install dkms-remove install

all: modules

modules: $(if $(KDIR_IS_UML),kernel)
	$(MAKE) -C $(KDIR) $(KARCH) M=$(PYMM_ROOT) modules

kernel:
	@$(PYMM_ROOT)/scripts/kernel.sh $(or $(TIER),uml)

run:
	@$(PYMM_ROOT)/scripts/run.sh $(if $(CLIENT),"$(CLIENT)")

check:
	@$(PYMM_ROOT)/scripts/check.sh $(PYMM_CHECK_TIERS)

# check-uml, check-x86, check-kcsan, ...: one tier (scripts/tiers/NAME.sh),
# by a pattern, so that a new description is a new target.  Not .PHONY:
# make looks up no pattern rule for a phony target.
check-%:
	@$(PYMM_ROOT)/scripts/check.sh $*

manifest:
	@$(PYMM_ROOT)/scripts/check.sh --manifest

bench:
	@$(PYMM_ROOT)/scripts/bench.sh

torture:
	@TIER="$(TIER)" DURATION="$(DURATION)" $(PYMM_ROOT)/scripts/torture.sh

lint:
	@$(PYMM_ROOT)/scripts/lint.sh

dkms-install:
	@$(PYMM_ROOT)/scripts/install.sh dkms-install

dkms-remove:
	@$(PYMM_ROOT)/scripts/install.sh dkms-remove

install:
	@KDIR="$(KDIR)" $(PYMM_ROOT)/scripts/install.sh install

clean:
	@if [ -f $(KDIR)/Makefile ]; then \
		$(MAKE) -C $(KDIR) $(KARCH) M=$(PYMM_ROOT) clean; \
		$(MAKE) -C $(KDIR) $(KARCH) M=$(PYMM_ROOT)/scripts/example clean; \
	else \
		echo "no kernel build dir at $(KDIR): nothing to clean"; \
	fi

help:
	@sed -n '/^#   make/p' $(PYMM_ROOT)/Makefile | sed 's/^# *//'
