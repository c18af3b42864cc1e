/* SPDX-License-Identifier: GPL-2.0 */
/*
 * secmmu's tracepoints (events/secmmu/ in tracefs).  Each fires where the
 * counter it names in SECMMU_GET_STATS is bumped, so a trace and a stats
 * delta over the same run agree.  Disabled, each costs a static branch.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM secmmu

#if !defined(_SECMMU_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SECMMU_TRACE_H

#include <linux/tracepoint.h>

/* One run of the fault path (SECMMU_STAT_FAULTS); @ret as secmmu_fault(). */
TRACE_EVENT(secmmu_fault,
	    TP_PROTO(u32 view, u64 gfn, bool write, int ret),
	    TP_ARGS(view, gfn, write, ret),
	    TP_STRUCT__entry(__field(u32, view)
			     __field(u64, gfn)
			     __field(bool, write)
			     __field(int, ret)),
	    TP_fast_assign(__entry->view = view;
			   __entry->gfn = gfn;
			   __entry->write = write;
			   __entry->ret = ret;),
	    TP_printk("view %u gfn 0x%llx %s ret %d", __entry->view,
		      __entry->gfn, __entry->write ? "write" : "read",
		      __entry->ret)
);

/* invalidate_range_start() done (SECMMU_STAT_INVALIDATIONS). */
TRACE_EVENT(secmmu_invalidate_start,
	    TP_PROTO(u32 event, unsigned long start, unsigned long end,
		     bool kept, bool flushed),
	    TP_ARGS(event, start, end, kept, flushed),
	    TP_STRUCT__entry(__field(u32, event)
			     __field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(bool, kept)
			     __field(bool, flushed)),
	    TP_fast_assign(__entry->event = event;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->kept = kept;
			   __entry->flushed = flushed;),
	    TP_printk("event %u hva 0x%lx-0x%lx %s%s", __entry->event,
		      __entry->start, __entry->end,
		      __entry->kept ? "kept" : "zapped",
		      __entry->flushed ? " flushed" : "")
);

/* invalidate_range_end() done. */
TRACE_EVENT(secmmu_invalidate_end,
	    TP_PROTO(unsigned long start, unsigned long end),
	    TP_ARGS(start, end),
	    TP_STRUCT__entry(__field(unsigned long, start)
			     __field(unsigned long, end)),
	    TP_fast_assign(__entry->start = start;
			   __entry->end = end;),
	    TP_printk("hva 0x%lx-0x%lx", __entry->start, __entry->end)
);

/* One aging request: a notifier hook, or a SECMMU_AGE ioctl. */
TRACE_EVENT(secmmu_age,
	    TP_PROTO(u64 start, u64 npages, u64 young, u64 fast_failed,
		     u32 mode, bool hook),
	    TP_ARGS(start, npages, young, fast_failed, mode, hook),
	    TP_STRUCT__entry(__field(u64, start)
			     __field(u64, npages)
			     __field(u64, young)
			     __field(u64, fast_failed)
			     __field(u32, mode)
			     __field(bool, hook)),
	    TP_fast_assign(__entry->start = start;
			   __entry->npages = npages;
			   __entry->young = young;
			   __entry->fast_failed = fast_failed;
			   __entry->mode = mode;
			   __entry->hook = hook;),
	    TP_printk("%s 0x%llx+%llu young %llu fast_failed %llu mode %u",
		      __entry->hook ? "hook hva" : "ioctl", __entry->start,
		      __entry->npages, __entry->young, __entry->fast_failed,
		      __entry->mode)
);

/* A dirty ring entry pushed (SECMMU_STAT_DIRTY_LOGGED, ring VMs). */
TRACE_EVENT(secmmu_ring_push,
	    TP_PROTO(u32 slot, u64 offset, u32 used),
	    TP_ARGS(slot, offset, used),
	    TP_STRUCT__entry(__field(u32, slot)
			     __field(u64, offset)
			     __field(u32, used)),
	    TP_fast_assign(__entry->slot = slot;
			   __entry->offset = offset;
			   __entry->used = used;),
	    TP_printk("slot %u offset %llu used %u", __entry->slot,
		      __entry->offset, __entry->used)
);

/* A write stopped at the soft limit (SECMMU_STAT_DIRTY_RING_FULL). */
TRACE_EVENT(secmmu_ring_full,
	    TP_PROTO(u64 gpa),
	    TP_ARGS(gpa),
	    TP_STRUCT__entry(__field(u64, gpa)),
	    TP_fast_assign(__entry->gpa = gpa;),
	    TP_printk("gpa 0x%llx", __entry->gpa)
);

/* One ring reset (SECMMU_STAT_DIRTY_RESETS grows by @count). */
TRACE_EVENT(secmmu_ring_reset,
	    TP_PROTO(u32 count),
	    TP_ARGS(count),
	    TP_STRUCT__entry(__field(u32, count)),
	    TP_fast_assign(__entry->count = count;),
	    TP_printk("reset %u", __entry->count)
);

/* One SECMMU_HARVEST that delivered @count entries. */
TRACE_EVENT(secmmu_harvest,
	    TP_PROTO(u32 count),
	    TP_ARGS(count),
	    TP_STRUCT__entry(__field(u32, count)),
	    TP_fast_assign(__entry->count = count;),
	    TP_printk("harvested %u", __entry->count)
);

/* SECMMU_CLEAR_DIRTY_LOG of a memslot's pages. */
TRACE_EVENT(secmmu_dirty_log_clear,
	    TP_PROTO(u32 slot, u64 first, u64 npages),
	    TP_ARGS(slot, first, npages),
	    TP_STRUCT__entry(__field(u32, slot)
			     __field(u64, first)
			     __field(u64, npages)),
	    TP_fast_assign(__entry->slot = slot;
			   __entry->first = first;
			   __entry->npages = npages;),
	    TP_printk("slot %u pages %llu+%llu", __entry->slot, __entry->first,
		      __entry->npages)
);

#endif /* _SECMMU_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
