# SPDX-License-Identifier: GPL-2.0
#
# secmmu: developer and CI entry points.  The kernel build itself is driven
# by ./Kbuild; this file is only read by 'make' run in the repo root (and by
# DKMS, which calls 'make KDIR=... modules').
#
# The version lives in dkms.conf (single source of truth).

VERSION := $(shell sed -n 's/^PACKAGE_VERSION="*\([^"]*\)"*/\1/p' $(dir $(lastword $(MAKEFILE_LIST)))dkms.conf)
KDIR    ?= /lib/modules/$(shell uname -r)/build
KVER    ?= 6.12
SCRIPTS := $(CURDIR)/scripts

SECMMU_CACHE ?= /var/cache/secmmu
export SECMMU_CACHE

# The extracted 6.12 source (kselftest_harness.h) for the userspace builds.
LINUX_SRC = bash -c '. $(SCRIPTS)/lib.sh && linux_src >/dev/null'

.PHONY: all modules clean deps lint sparse checkpatch kernel-doc build-all kunit \
	kunit-uml kunit-x86 kunit-7.2 selftests tools qemu qemu-all dkms-check demo \
	deb \
	check bench version help mutants ordering

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	@if [ -f $(KDIR)/Makefile ]; then \
		$(MAKE) -C $(KDIR) M=$(CURDIR) clean; \
	else \
		find . -path ./.git -prune -o \( -name '*.o' -o -name '*.ko' \
			-o -name '*.mod' -o -name '*.mod.c' -o -name '.*.cmd' \
			-o -name '*.a' \) -exec rm -f {} +; \
		rm -f Module.symvers modules.order; \
	fi
	@if [ -f tests/selftests/Makefile ]; then $(MAKE) -C tests/selftests clean; fi
	@if [ -f tools/Makefile ]; then $(MAKE) -C tools clean; fi

version:
	@echo $(VERSION)

deps:
	$(SCRIPTS)/deps.sh

# checkpatch --strict, sparse (6.12 headers) and kernel-doc; any finding fails.
lint: checkpatch sparse kernel-doc
checkpatch:
	$(SCRIPTS)/checkpatch.sh
sparse:
	$(SCRIPTS)/sparse.sh
kernel-doc:
	$(SCRIPTS)/kernel-doc.sh

# W=1 builds against every supported Debian kernel; any warning fails.
build-all:
	$(SCRIPTS)/build-all.sh

# Cross-build for arm64 and check the release/acquire instructions.
ordering:
	$(SCRIPTS)/ordering-check.sh

# KUnit: SUITE=glob selects suites (kunit.py filter_glob).
kunit:
	$(SCRIPTS)/kunit.sh uml x86_64 $(SUITE)
kunit-uml:
	$(SCRIPTS)/kunit.sh uml $(SUITE)
kunit-x86:
	$(SCRIPTS)/kunit.sh x86_64 $(SUITE)
# KUnit on UML from the mainline 7.2 tree (unstable's linux-source).
kunit-7.2:
	$(SCRIPTS)/kunit.sh 7.2 uml $(SUITE)

selftests:
	@$(LINUX_SRC)
	$(MAKE) -C tests/selftests

tools:
	@$(LINUX_SRC)
	$(MAKE) -C tools

# Selftests in QEMU on a Debian kernel: KVER=6.1|6.12|6.12-rt|<uname -r>, or
# on the mainline kernel built from unstable's source: KVER=7.2;
# TESTS="name ..." selects selftest binaries.
qemu:
	SECMMU_TESTS="$(TESTS)" $(SCRIPTS)/qemu-run.sh $(KVER)
qemu-all:
	$(SCRIPTS)/qemu-run.sh 6.1
	$(SCRIPTS)/qemu-run.sh 6.12

# Debian packages secmmu-dkms and secmmu-tools (debian/), built from a
# clean copy of the tree and checked with lintian, into out/deb/ (or
# DEB_OUT=dir).
deb:
	$(SCRIPTS)/deb.sh $(DEB_OUT)

# The packages on this host: built, installed (DKMS builds secmmu.ko for
# 6.1, 6.12, 6.12-rt), each module booted in QEMU with the smoke
# selftests, purged, nothing left (scripts/dkms-check.sh).
dkms-check:
	$(SCRIPTS)/dkms-check.sh

# tools/secmmu-demo in QEMU on 6.12, or on this host with HOST=1.
demo:
	$(SCRIPTS)/demo.sh $(if $(HOST),host,qemu)

check:
	$(SCRIPTS)/check.sh

# secmmu-mirror (tools/mirror) on the kernel's mm selftests in QEMU, each
# plain and mirrored: the short set (make check), or all with LONG=1.
# TESTS="name ..." picks tests of tests/mirror/mm-tests.list.
.PHONY: mirror-check
mirror-check:
	SECMMU_TESTS="$(TESTS)" $(SCRIPTS)/mirror-run.sh $(if $(LONG),long,short) $(KVER)

# Mutation check: each scripts/mutants/*.patch breaks one guarantee in a
# copy of the tree; its named selftests must fail in QEMU (KVER, default
# 6.12).  SHORT=1: only the "Short: yes" ones (what make check runs);
# MUTANTS="name ..." selects mutants.
mutants:
	MUTANTS_KVER=$(KVER) $(SCRIPTS)/mutants.sh $(if $(SHORT),--short) $(MUTANTS)

# Reliability rig (issue #7): selftests, fuzzer, mm torture and lifecycle on
# the debug kernels: KASAN (+ lockdep, kmemleak, ...), KCSAN (data races) and
# PREEMPT_RT (+ lockdep: sleeping in atomic context, lock nesting).
# SAN=kasan|kcsan|rt picks one kernel.
# 'make check' runs the short version on the KASAN kernel only; the KCSAN
# and PREEMPT_RT kernels, the 7.2 kernel's boot and KUnit on the 7.2 tree
# are here, out of make check's cold time (issue 27).
.PHONY: torture torture-kasan torture-kcsan torture-rt torture-mirror torture-7.2 debug-kernel
torture: torture-kasan torture-kcsan torture-rt torture-mirror torture-7.2 kunit-7.2
# (The selftests first, with fault injection: README, "Fault injection".)
torture-kasan:
	TORTURE_SELFTEST_MODPARAMS="inject_zap_yield=1 inject_cmpxchg_pct=20" \
	TORTURE_MODPARAMS="inject_zap_yield=1 inject_cmpxchg_pct=20 inject_age_pct=20" \
		$(SCRIPTS)/torture.sh long
torture-kcsan:
	TORTURE_KERNEL=kcsan $(SCRIPTS)/torture.sh long
torture-rt:
	TORTURE_KERNEL=rt $(SCRIPTS)/torture.sh long
# The selftests on the mainline 7.2 kernel (lockdep, DEBUG_VM, ...), built
# from unstable's source; make check only builds secmmu.ko against its tree.
torture-7.2:
	$(SCRIPTS)/qemu-run.sh 7.2
# Every mm selftest of tests/mirror/mm-tests.list, plain and mirrored.
torture-mirror:
	$(SCRIPTS)/mirror-run.sh long 6.12
debug-kernel:
	$(SCRIPTS)/debug-kernel.sh $(SAN)

# Line coverage of src/ (gcov on the KASAN kernel): the selftests and the
# short (LONG=1: long) torture there, then the table; report in out/coverage/.
.PHONY: coverage
coverage:
	$(SCRIPTS)/coverage.sh run $(if $(LONG),long,short)

# Benchmarks (tools/bench/, scripts/bench.sh): QEMU on 6.12, or this host
# with HOST=1; QUICK=1 (run by 'make check'), SIZE_MB=N, REPS=N.  Results,
# table and plots in out/bench/.
bench:
	$(MAKE) -C tools bench QUICK=$(QUICK) HOST=$(HOST) SIZE_MB=$(SIZE_MB) REPS=$(REPS)

help:
	@echo 'make [KDIR=...]      build secmmu.ko against KDIR'
	@echo 'make check           everything CI runs (deps lint build-all kunit qemu dkms-check mutants, KASAN torture)'
	@echo 'make demo [HOST=1]   run tools/secmmu-demo in QEMU (or on this host)'
	@echo 'make bench [QUICK=1] [HOST=1] [SIZE_MB=N]  benchmarks, plots in out/bench/'
	@echo 'make deps            install the Debian packages the rigs need'
	@echo 'make lint            checkpatch --strict + sparse'
	@echo 'make build-all       W=1 builds for 6.1, 6.12, 6.12-rt, 7.2'
	@echo 'make ordering        arm64 cross-build: each documented release/acquire is in the disassembly'
	@echo 'make kunit [SUITE=]  KUnit on UML and x86_64 (KASAN, lockdep)'
	@echo 'make kunit-uml       KUnit on UML only'
	@echo 'make kunit-7.2       KUnit on UML from the mainline 7.2 tree'
	@echo 'make selftests       build tests/selftests'
	@echo 'make qemu KVER=6.12 [TESTS=...]  selftests in QEMU on a Debian kernel (or KVER=7.2)'
	@echo 'make deb [DEB_OUT=dir]  Debian packages secmmu-dkms, secmmu-tools into out/deb/'
	@echo 'make dkms-check      packages installed, DKMS-built modules booted, purged'
	@echo 'make mutants [SHORT=1] [MUTANTS=...]  mutation check: break the module, the tests must fail'
	@echo 'make coverage [LONG=1]  line coverage of src/: selftests + torture on the KASAN kernel (gcov)'
	@echo 'make debug-kernel [SAN=kcsan|rt|ml]  build the KASAN (KCSAN, PREEMPT_RT) debug 6.12 kernel + secmmu.ko, or the 7.2 one'
	@echo 'make torture         selftests, fuzzer, torture, lifecycle on all three (long), the 7.2 boot, kunit-7.2'
	@echo 'make torture-kasan | torture-kcsan | torture-rt  the same on one of them'
	@echo 'make mirror-check [LONG=1] [TESTS=...]  mm selftests plain and under secmmu-mirror'
