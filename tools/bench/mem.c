// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-bench series mem: memory overhead per mirrored page.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <linux/secmmu_dirty_ring.h>

#include "secmmu_util.h"
#include "bench.h"

static long vm_pte_kb(void)
{
	return smu_read_key("/proc/self/status", "VmPTE");
}

/*
 * The kernel's struct secmmu_rmap_desc (src/rmap.h), mirrored for its size:
 * u32 count, u32 pad, the next pointer, RMAP_DESC_SPTES (12) SPTE pointers.
 */
struct rmap_desc_mirror {
	__u32 count;
	__u32 pad;
	void *more;
	__u64 *sptes[12];
};

/* The same for a two-leaf pair (struct secmmu_rmap_pair: two pointers). */
#define RMAP_PAIR_MIRROR_BYTES	(2 * sizeof(void *))

/*
 * Bytes of one object of slab cache @name as the slab hands it out: SLUB's
 * slab_size for the cache (KMEM_CACHE: align 8, so the struct's size unless
 * SLUB adds debug metadata or merged the cache into a bigger one), and the
 * bytes per object including the slab page's unused tail.  Falls back to
 * @mirror, the struct's size mirrored here, when /sys/kernel/slab is not
 * readable.
 */
static void obj_size(const char *name, size_t mirror, double *obj, double *eff,
		     const char **src)
{
	static char path[3][128];
	static int n;
	long long slab, per, order;
	char *p = path[n++ % 3];

	snprintf(p, sizeof(path[0]), "/sys/kernel/slab/%s/slab_size", name);
	slab = smu_read_ll(p);
	snprintf(p, sizeof(path[0]), "/sys/kernel/slab/%s/objs_per_slab", name);
	per = smu_read_ll(p);
	snprintf(p, sizeof(path[0]), "/sys/kernel/slab/%s/order", name);
	order = smu_read_ll(p);
	if (slab > 0 && per > 0 && order >= 0) {
		*obj = slab;
		*eff = (double)(PAGE << order) / per;
		snprintf(p, sizeof(path[0]), "/sys/kernel/slab/%s", name);
		*src = p;
	} else {
		*obj = *eff = mirror;
		*src = "sizeof (src/rmap.h, mirrored)";
	}
}

/*
 * For every rmap mode and alias degree d (each memslot page mapped in views
 * 0..d-1): TABLES, RMAP_PAIRS and RMAP_DESCS before anything is mapped, after the first
 * half of the slot is mapped in every view, and after all of it.  The
 * second half's deltas are the marginal cost per mirrored page (the roots,
 * the upper levels and the vCPUs' spare stock are already there); the
 * final counters over the slot's pages the total.  Rmap heads: 8 bytes per
 * memslot page (a kvcalloc'ed array per memslot), none in table-walk mode.
 */
void series_mem(void)
{
	static const int degrees[] = { 1, 2, 4 };
	size_t len = (size_t)cfg.mem_mb << 20, np = len / PAGE, half = np / 2;
	double host, dobj, deff, pobj, peff;
	const char *dsrc, *psrc;
	long pte0, pte1;
	char *mem;
	int di, v, m;

	printf("\n== mem: SPTE tables + rmap descriptors + rmap heads per mirrored "
	       "page, %zu pages (%u MiB), per rmap mode ==\n", np, cfg.mem_mb);
	/* The caches exist from insmod on. */
	obj_size("secmmu_rmap_desc", sizeof(struct rmap_desc_mirror), &dobj, &deff,
		 &dsrc);
	obj_size("secmmu_rmap_pair", RMAP_PAIR_MIRROR_BYTES, &pobj, &peff, &psrc);
	printf("   mem    rmap descriptor: %g bytes per object, %.2f with the slab's "
	       "tail (%s); struct %zu\n", dobj, deff, dsrc,
	       sizeof(struct rmap_desc_mirror));
	printf("   mem    rmap pair: %g bytes per object, %.2f with the slab's "
	       "tail (%s); struct %zu\n", pobj, peff, psrc,
	       RMAP_PAIR_MIRROR_BYTES);
	pte0 = vm_pte_kb();
	mem = region(len, true);
	pte1 = vm_pte_kb();
	host = pte0 >= 0 && pte1 >= 0 ? (pte1 - pte0) * 1024.0 / np : -1;
	emit("mem", "host page tables", "baseline", "bytes/page", &host, 1,
	     "\"label\":\"process page tables (VmPTE delta) per populated page\","
	     "\"pages\":%zu", np);
	for (m = 0; m < SECMMU_RMAP_NR_MODES; m++) {
		for (di = 0; di < 3; di++) {
			struct secmmu_stats s0, s1, s2;
			double marginal, total, heads;
			struct ops o;
			__u64 word;
			struct vm vm;
			char kase[64];

			vm_open(&vm, m);
			CHECK(smu_set_memslot(vm.fd, 0, 0, GFN0, np, mem));
			for (v = 1; v < degrees[di]; v++)
				CHECK(smu_set_view(vm.fd, v, GFN0, np, GFN0));
			snap(vm.fd, &s0);
			for (v = 0; v < degrees[di]; v++) {
				ops_build(&o, v, GFN0, half, sizeof(word), false, &word);
				ops_run(vm.vcpu[0], &o);
				ops_free(&o);
			}
			snap(vm.fd, &s1);
			for (v = 0; v < degrees[di]; v++) {
				ops_build(&o, v, GFN0 + half, np - half, sizeof(word),
					  false, &word);
				ops_run(vm.vcpu[0], &o);
				ops_free(&o);
			}
			snap(vm.fd, &s2);
			if (s2.val[SECMMU_STAT_MAPPED] != np * degrees[di])
				die("mem: %llu SPTEs mapped, expected %zu",
				    (unsigned long long)s2.val[SECMMU_STAT_MAPPED],
				    np * degrees[di]);
			heads = m == SECMMU_RMAP_TABLE_WALK ? 0 : 8;
			marginal = (DELTA(&s1, &s2, SECMMU_STAT_TABLES) * PAGE +
				    DELTA(&s1, &s2, SECMMU_STAT_RMAP_DESCS) * dobj +
				    DELTA(&s1, &s2, SECMMU_STAT_RMAP_PAIRS) * pobj) /
				   (np - half) + heads;
			total = (s2.val[SECMMU_STAT_TABLES] * (double)PAGE +
				 s2.val[SECMMU_STAT_RMAP_DESCS] * dobj +
				 s2.val[SECMMU_STAT_RMAP_PAIRS] * pobj) / np + heads;
			snprintf(kase, sizeof(kase), "%s, degree %d", mode_name[m],
				 degrees[di]);
			emit("mem", kase, "secmmu", "bytes/page", &marginal, 1,
			     "\"mode\":\"%s\",\"degree\":%d,\"pages\":%zu,"
			     "\"half_pages\":%zu,\"mapped\":%llu,"
			     "\"tables\":[%llu,%llu,%llu],\"rmap_descs\":[%llu,%llu,%llu],"
			     "\"head_bytes\":%g,\"desc_bytes\":%g,"
			     "\"desc_bytes_effective\":%.2f,\"desc_size_source\":\"%s\","
			     "\"desc_struct_bytes\":%zu,\"total_bytes_per_page\":%.3f,"
			     "\"rmap_pairs\":[%llu,%llu,%llu],\"pair_bytes\":%g,"
			     "\"pair_size_source\":\"%s\"",
			     mode_name[m], degrees[di], np, np - half,
			     (unsigned long long)s2.val[SECMMU_STAT_MAPPED],
			     (unsigned long long)s0.val[SECMMU_STAT_TABLES],
			     (unsigned long long)s1.val[SECMMU_STAT_TABLES],
			     (unsigned long long)s2.val[SECMMU_STAT_TABLES],
			     (unsigned long long)s0.val[SECMMU_STAT_RMAP_DESCS],
			     (unsigned long long)s1.val[SECMMU_STAT_RMAP_DESCS],
			     (unsigned long long)s2.val[SECMMU_STAT_RMAP_DESCS],
			     heads, dobj, deff, dsrc, sizeof(struct rmap_desc_mirror),
			     total,
			     (unsigned long long)s0.val[SECMMU_STAT_RMAP_PAIRS],
			     (unsigned long long)s1.val[SECMMU_STAT_RMAP_PAIRS],
			     (unsigned long long)s2.val[SECMMU_STAT_RMAP_PAIRS], pobj,
			     psrc);
			vm_close(&vm);
		}
	}
	munmap(mem, len);
}
