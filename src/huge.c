// SPDX-License-Identifier: GPL-2.0
/*
 * When a fault may map a 2 MiB block with one huge leaf (the rules are in
 * huge.h).
 */
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/pgtable.h>

#include "huge.h"
#include "layout.h"
#include "vm.h"

bool secmmu_huge_layout_ok(const struct secmmu_layout *l,
			   const struct secmmu_slot *slot, u32 view, u64 gfn,
			   unsigned long hva)
{
	unsigned long hstart = ALIGN_DOWN(hva, PMD_SIZE);
	u64 off = (hva - hstart) >> PAGE_SHIFT;
	u64 vfirst = gfn - off, first;

	if (slot->flags & SECMMU_MEM_LOG_DIRTY)
		return false;
	/* The block inside the memslot, at a 512-aligned view gfn. */
	if (hstart < slot->hva ||
	    hstart + PMD_SIZE > slot->hva + (slot->npages << PAGE_SHIFT) ||
	    vfirst % SECMMU_HUGE_PAGES)
		return false;
	/*
	 * One view range maps the whole block onto it (ends that translate
	 * 511 apart are not enough: the gfns between may map elsewhere).
	 */
	if (!secmmu_view_translate_n(l, view, vfirst, SECMMU_HUGE_PAGES, &first))
		return false;
	return first == slot->base_gfn + ((hstart - slot->hva) >> PAGE_SHIFT);
}

bool secmmu_huge_host_ok(struct mm_struct *mm, unsigned long hva, u64 pfn,
			 bool write)
{
	unsigned long flags;
	bool ok = false;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		return false;
	/*
	 * IRQs off: the primary cannot free the page tables walked here
	 * (a PMD collapsed over a table frees it after an IPI or RCU).
	 */
	local_irq_save(flags);
	pgd = READ_ONCE(*pgd_offset(mm, hva));
	if (pgd_none(pgd) || pgd_bad(pgd))
		goto out;
	p4d = READ_ONCE(*p4d_offset(&pgd, hva));
	if (p4d_none(p4d) || p4d_bad(p4d))
		goto out;
	pud = READ_ONCE(*pud_offset(&p4d, hva));
	if (!pud_present(pud) || pud_leaf(pud) || pud_bad(pud))
		goto out;
	pmd = READ_ONCE(*pmd_offset(&pud, hva));
	if (!pmd_present(pmd) || !pmd_leaf(pmd))
		goto out;
	ok = pmd_pfn(pmd) + ((hva & ~PMD_MASK) >> PAGE_SHIFT) == pfn &&
	     (!write || pmd_write(pmd));
out:
	local_irq_restore(flags);
	return ok;
}

void secmmu_huge_small_added(struct secmmu_vm *vm, const unsigned long *head)
{
	const struct secmmu_layout *l;
	u32 used;

	if (!READ_ONCE(vm->huge_leaves))
		return;
	l = secmmu_layout_locked(vm);
	for (used = l->slots_ever_used; used; used &= used - 1) {
		const struct secmmu_slot *s = &l->slots[__ffs(used)];
		u64 blk;

		if (!s->hrmap || head < s->rmap || head >= s->rmap + s->npages)
			continue;
		blk = secmmu_slot_block(s, head - s->rmap);
		if (!test_bit(blk, secmmu_slot_small(s)))
			set_bit(blk, secmmu_slot_small(s));
		return;
	}
}

void secmmu_huge_small_cleared(const struct secmmu_slot *slot, u64 idx, u64 n)
{
	u64 first = slot->hva >> PAGE_SHIFT, blk, lo, hi;

	if (!slot->hrmap || !n)
		return;
	for (blk = secmmu_slot_block(slot, idx);
	     blk <= secmmu_slot_block(slot, idx + n - 1); blk++) {
		/* The block's pages in the memslot: [lo, hi). */
		hi = (first / SECMMU_HUGE_PAGES + blk + 1) * SECMMU_HUGE_PAGES - first;
		lo = hi > SECMMU_HUGE_PAGES ? hi - SECMMU_HUGE_PAGES : 0;
		hi = min(hi, slot->npages);
		if (hi > idx + n || !test_bit(blk, secmmu_slot_small(slot)))
			continue;
		if (!memchr_inv(&slot->rmap[lo], 0, (hi - lo) * sizeof(long)))
			clear_bit(blk, secmmu_slot_small(slot));
	}
}
