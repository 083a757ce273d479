# SPDX-License-Identifier: GPL-2.0
#
#   make            build nf_ct.ko for the running kernel (KDIR=... for another)
#   make demo       boot the VM, load nf_ct, run real traffic, show the table
#   make check      every test; ends with "N passed, N failed"
#   make deps       install the Debian packages listed in debian-packages.txt
#   make bench      nf_ct against nf_conntrack in one stock-kernel boot (tests/bench)
#   make difftest [SEED=n|FIRST-LAST] [DURATION=s] [JOBS=n] [ARGS=...] [KERNEL=stock|debug]
#                   seeded real traffic through netem, both trackers' tables
#                   compared at every quiet point (tests/difftest)
#
# Everything kernel-side runs in QEMU through tests/vm/run; nothing is loaded
# into the build machine's kernel.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

KDIR ?= /lib/modules/$(shell uname -r)/build
BUILD := $(CURDIR)/build
SOURCES := Kbuild $(wildcard $(CURDIR)/nf_ct_*.c) $(CURDIR)/include
KUNIT_SOURCES := $(wildcard $(CURDIR)/tests/kunit/*.c) $(CURDIR)/tests/kunit/Kbuild
VM := tests/vm

.PHONY: all modules clean deps kernel modules-debug modules-stock harness check demo lint bench difftest

all: modules

modules:
	@test -d "$(KDIR)" || { echo "nf_ct: no kernel build tree at $(KDIR); install linux-headers-$$(uname -r) or pass KDIR=/path/to/build" >&2; exit 1; }
	$(MAKE) -C "$(KDIR)" M="$(CURDIR)" W=1 modules

deps:
	@tests/deps

kernel:
	@$(VM)/build-kernel >/dev/null

# Out-of-tree builds for the two guest kernels, each in its own directory of
# symlinks so that objects for one kernel never mix with the other's. A
# compiler warning fails the build: the code is kept W=1 clean.
# $(1): debug|stock  $(2): kernel build tree
define build_modules
	@mkdir -p $(BUILD)/$(1)/kunit
	@ln -sfn $(CURDIR)/Kbuild $(BUILD)/$(1)/Kbuild
	@ln -sfn $(CURDIR)/include $(BUILD)/$(1)/include
	@for f in $(CURDIR)/nf_ct_*.c; do ln -sfn $$f $(BUILD)/$(1)/; done
	+@$(MAKE) -s -C "$(2)" M=$(BUILD)/$(1) W=1 modules 2>&1 | tee $(BUILD)/$(1)/build.log >&2
	@! grep -q 'warning:' $(BUILD)/$(1)/build.log || { echo "nf_ct: compiler warnings (see above)" >&2; exit 1; }
endef

# The runner's own test module (tests/vm/faults), beside nf_ct for each kernel.
define build_faults
	@mkdir -p $(BUILD)/$(1)/faults
	@ln -sfn $(CURDIR)/tests/vm/faults/Kbuild $(BUILD)/$(1)/faults/Kbuild
	@ln -sfn $(CURDIR)/tests/vm/faults/nfct_fault.c $(BUILD)/$(1)/faults/nfct_fault.c
	+@$(MAKE) -s -C "$(2)" M=$(BUILD)/$(1)/faults W=1 modules
	@cp $(BUILD)/$(1)/faults/nfct_fault.ko $(BUILD)/$(1)/nfct_fault.ko
endef

# The benchmark driver (tests/bench), beside nf_ct for each kernel.
define build_bench
	@mkdir -p $(BUILD)/$(1)/bench
	@ln -sfn $(CURDIR)/tests/bench/Kbuild $(BUILD)/$(1)/bench/Kbuild
	@ln -sfn $(CURDIR)/tests/bench/nfct_bench.c $(BUILD)/$(1)/bench/nfct_bench.c
	+@$(MAKE) -s -C "$(2)" M=$(BUILD)/$(1)/bench W=1 modules 2>&1 | tee $(BUILD)/$(1)/bench/build.log >&2
	@! grep -q 'warning:' $(BUILD)/$(1)/bench/build.log || { echo "nf_ct: compiler warnings (see above)" >&2; exit 1; }
	@cp $(BUILD)/$(1)/bench/nfct_bench.ko $(BUILD)/$(1)/nfct_bench.ko
endef

modules-debug: kernel
	$(call build_modules,debug,$(shell $(VM)/build-kernel))
	@ln -sfn $(CURDIR)/tests/kunit/Kbuild $(BUILD)/debug/kunit/Kbuild
	@ln -sfn $(CURDIR)/include $(BUILD)/debug/kunit/include
	@for f in $(CURDIR)/tests/kunit/*.c; do ln -sfn $$f $(BUILD)/debug/kunit/; done
	@$(MAKE) -s -C "$(shell $(VM)/build-kernel)" M=$(BUILD)/debug/kunit W=1 \
		KBUILD_EXTRA_SYMBOLS=$(BUILD)/debug/Module.symvers modules 2>&1 | tee $(BUILD)/debug/kunit/build.log >&2
	@! grep -q 'warning:' $(BUILD)/debug/kunit/build.log || { echo "nf_ct: compiler warnings (see above)" >&2; exit 1; }
	@cp $(BUILD)/debug/kunit/nf_ct_test.ko $(BUILD)/debug/nf_ct_test.ko
	@cp $(BUILD)/debug/kunit/nf_ct_nat_test.ko $(BUILD)/debug/nf_ct_nat_test.ko
	$(call build_faults,debug,$(shell $(VM)/build-kernel))
	$(call build_bench,debug,$(shell $(VM)/build-kernel))

modules-stock:
	$(call build_modules,stock,$(shell . $(VM)/common.sh; nf_ct_stock_kdir))
	$(call build_faults,stock,$(shell . $(VM)/common.sh; nf_ct_stock_kdir))
	$(call build_bench,stock,$(shell . $(VM)/common.sh; nf_ct_stock_kdir))

harness:
	@cmake -S tests/harness -B $(BUILD)/harness -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD)/harness -j $$(nproc) >&2

lint: modules-debug
	@tests/lint

check: deps
	@tests/check

bench: deps modules-stock harness
	@tests/bench/run

SEED ?= 1
DURATION ?= 60
JOBS ?= 1
ARGS ?=
KERNEL ?= stock
difftest: deps harness
	@$(MAKE) -s modules-$(KERNEL)
	@# A seed takes up to about four times its traffic on the stock kernel.
	@seeds=$(SEED); case $$seeds in *-*) n=$$(( $${seeds#*-} - $${seeds%-*} + 1 ));; *) n=1;; esac; \
	NF_CT_VM_NO_BUILD=1 NF_CT_DIFFTEST_JOBS=$(JOBS) NF_CT_DIFFTEST_ARGS="$(ARGS)" $(VM)/run --kernel $(KERNEL) \
		--timeout $$(( ( $(DURATION) * 8 + 120 ) * n + 300 )) -- \
		tests/difftest/run $(BUILD)/results/difftest-$(SEED) $(SEED) $(DURATION)

demo: deps
	@$(MAKE) -s modules-debug
	@$(VM)/run --kernel debug -- tests/demo.sh

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C "$(KDIR)" M="$(CURDIR)" clean 2>/dev/null
