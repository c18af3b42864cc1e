// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-realage-kvm: KVM's subject of the bench series realage
 * (tools/bench/realage.c), a small program on KVM's selftest library,
 * built from the kernel-under-test's tree by scripts/kvm-selftests.sh.
 *
 * One VM, one vCPU running the selftests' memstress guest code over MIB
 * MiB of anonymous 4 KiB pages (memslot 1): every vCPU run writes one word
 * of every page, then exits with GUEST_SYNC, so after a run every page is
 * mapped and accessed in KVM's (nested, under TCG) page tables.  With
 * "thp" the memslot is VM_MEM_SRC_ANONYMOUS_THP (2 MiB aligned,
 * MADV_HUGEPAGE): KVM maps 2 MiB leaves where the host has THP.
 *
 * The parent (realage.c) starts this program with its memcg and NUMA
 * policy already set, and drives it through two descriptors: commands on
 * stdin, one byte each, answers on fd 3, one line each:
 *
 *   start      -> "ready HVA PAGES"  (VM built, every page touched once)
 *   't'        -> "ok"   the host writes one word of every page, then the
 *                        vCPU runs one pass over them
 *   'c'        -> "0 0"  (counters: KVM has none we read here)
 *   EOF or 'q' -> exit 0
 *
 * usage: secmmu-realage-kvm MIB [thp]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm_util.h"
#include "memstress.h"
#include "processor.h"
#include "ucall_common.h"
#include "unaged.h"

static FILE *reply;

static void vcpu_pass(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	vcpu_run(vcpu);
	TEST_ASSERT(get_ucall(vcpu, &uc) == UCALL_SYNC,
		    "vCPU exit %s, ucall %lu", exit_reason_str(vcpu->run->exit_reason),
		    uc.cmd);
}

static void host_pass(char *mem, uint64_t pages, uint64_t psize)
{
	uint64_t i;

	for (i = 0; i < pages; i++)
		*(volatile uint64_t *)(mem + i * psize) = i;
}

int main(int argc, char **argv)
{
	struct memstress_vcpu_args *va;
	uint64_t mib, pages, psize;
	struct kvm_vm *vm;
	char *mem;
	int c;

	mib = argc > 1 ? strtoull(argv[1], NULL, 0) : 0;
	if (argc > 3 || !mib || (argc == 3 && strcmp(argv[2], "thp"))) {
		fprintf(stderr, "usage: secmmu-realage-kvm MIB [thp]\n");
		return 2;
	}
	reply = fdopen(3, "w");
	TEST_ASSERT(reply, "fd 3 (answers) is not open");
	setvbuf(reply, NULL, _IOLBF, 0);

	vm = memstress_create_vm(VM_MODE_DEFAULT, 1, mib << 20, 1,
				 argc == 3 ? VM_MEM_SRC_ANONYMOUS_THP :
				 VM_MEM_SRC_ANONYMOUS, false);
	lock_slot0(vm);
	memstress_set_write_percent(vm, 100);
	va = &memstress_args.vcpu_args[0];
	psize = memstress_args.guest_page_size;
	pages = va->pages;
	mem = addr_gpa2hva(vm, va->gpa);
	/* First pass: KVM faults every page in. */
	vcpu_pass(va->vcpu);
	fprintf(reply, "ready %p %lu\n", mem, pages);

	while ((c = getchar()) != EOF && c != 'q') {
		switch (c) {
		case 't':
			host_pass(mem, pages, psize);
			vcpu_pass(va->vcpu);
			fprintf(reply, "ok\n");
			break;
		case 'c':
			fprintf(reply, "0 0\n");
			break;
		default:
			break;
		}
	}
	memstress_destroy_vm(vm);
	return 0;
}
