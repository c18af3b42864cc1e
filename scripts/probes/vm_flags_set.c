// SPDX-License-Identifier: GPL-2.0
/* 6.3+: vma flags change through vm_flags_set()/vm_flags_clear() only. */
#include <linux/mm.h>

static void __maybe_unused probe(struct vm_area_struct *vma)
{
	vm_flags_clear(vma, VM_MAYEXEC);
}
