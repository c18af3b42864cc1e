// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-bench: measure secmmu against its baselines, in one process.
 *
 * Every series times a secmmu operation and, in the same run, the thing it
 * should be compared with (a memcpy, a plain read of u64 words, the same
 * munmap without a mirror...).  Times are CLOCK_MONOTONIC around batched
 * ioctls; the in-kernel counters (SECMMU_GET_STATS) are snapshotted around
 * the same runs.  Every sample is printed on one line
 *
 *   @@SMB {"series":...,"case":...,"role":"secmmu"|"baseline",...}
 *
 * between "@@SMB-BEGIN" and "@@SMB-END" lines, for scripts/bench.sh (and
 * tools/bench/report.py) to turn into results.json, results.md and plots.
 * Everything else printed is for humans.  Exits non-zero when a secmmu call
 * fails; a skipped series is reported as such.
 *
 * Laid out like perf bench: this file holds main() and the series table,
 * common.c the records and helpers every series uses, churn.c the threads
 * that run beside a measurement, and each series a file of its own
 * (access.c, age.c, ...; dirty.c and dirtyscale.c share dirtylib.c).
 *
 * usage: secmmu-bench [--quick] [--size-mb N] [--reps N] [--duration-ms N]
 *                     [--series a,b,...] [--series c ...]
 *   series: access age throughput inval dirty dirtyscale mem numa huge
 *   coherence noage
 *   (default: all of these); --series may be repeated (scripts/bench.sh
 *   passes one per series: the QEMU init splits its argument string at
 *   commas)
 *   realage, realinval, realdirty, realvcpu (real.h) only when named:
 *   they want KVM in the guest, i.e. a boot of their own (scripts/bench.sh,
 *   SECMMU_KVM=1)
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "bench.h"
#include "real.h"

/*
 * The series, in the order they run.  A KVM series runs only when named:
 * it wants KVM in the guest, i.e. a boot of its own (scripts/bench.sh).
 */
static const struct {
	const char *name;
	void (*fn)(void);
	bool kvm;
} series[] = {
	{ "access", series_access, false },
	{ "age", series_age, false },
	{ "throughput", series_throughput, false },
	{ "inval", series_inval, false },
	{ "dirty", series_dirty, false },
	{ "dirtyscale", series_dirtyscale, false },
	{ "mem", series_mem, false },
	{ "numa", series_numa, false },
	{ "huge", series_huge, false },
	{ "coherence", series_coherence, false },
	{ "noage", series_noage, false },
	{ "realage", series_realage, true },
	{ "realinval", series_realinval, true },
	{ "realdirty", series_realdirty, true },
	{ "realvcpu", series_realvcpu, true },
};

#define NR_SERIES	((int)(sizeof(series) / sizeof(series[0])))

static bool want(int i)
{
	char buf[sizeof(cfg.series)], *s, *save = NULL;

	if (!cfg.series[0])
		return !series[i].kvm;		/* only when named */
	strcpy(buf, cfg.series);
	for (s = strtok_r(buf, ",", &save); s; s = strtok_r(NULL, ",", &save))
		if (!strcmp(s, series[i].name))
			return true;
	return false;
}

/* ---- main ------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: secmmu-bench [--quick] [--size-mb N] [--reps N] "
		"[--duration-ms N] [--series access,age,throughput,inval,dirty,dirtyscale,\n"
		"mem,numa,huge,coherence,noage,realage,realinval,realdirty,realvcpu]\n");
	exit(2);
}

static unsigned int min_u(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "size-mb", required_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'r' },
		{ "duration-ms", required_argument, NULL, 'd' },
		{ "series", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int size = 0, reps = 0, dur = 0;
	char nb_old[32] = "";
	struct utsname u;
	__u64 t0 = now_ns();
	int c, vm;
	FILE *f;

	/* A subject process of a real* series, re-executed by it. */
	if (argc == 4 && !strcmp(argv[1], "--realage-subject"))
		return realage_subject(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "--real-subject"))
		return real_subject(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "--noage-subject"))
		return noage_subject(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "--coh-subject"))
		return coh_secmmu_subject(argv[2], argv[3]);

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'q': cfg.quick = true; break;
		case 's': size = strtoul(optarg, NULL, 0); break;
		case 'r': reps = strtoul(optarg, NULL, 0); break;
		case 'd': dur = strtoul(optarg, NULL, 0); break;
		case 'S':	/* repeatable: the QEMU init splits arguments at ',' */
			if (strlen(cfg.series) + strlen(optarg) + 2 > sizeof(cfg.series))
				usage();
			if (cfg.series[0])
				strcat(cfg.series, ",");
			strcat(cfg.series, optarg);
			break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	cfg.size_mb = size ? size : cfg.quick ? 16 : 256;
	cfg.reps = reps ? reps : cfg.quick ? 3 : 7;
	if (cfg.reps > MAX_SAMPLES)
		cfg.reps = MAX_SAMPLES;
	cfg.dur_ms = dur ? dur : cfg.quick ? 300 : 1000;
	cfg.acc_mb = min_u(cfg.size_mb, cfg.quick ? 8 : 32);
	cfg.mem_mb = min_u(cfg.size_mb, 64);
	cfg.tp_mb = min_u(cfg.size_mb, 64);
	cfg.inval_max_mb = 1;
	while (cfg.inval_max_mb * 2 <= cfg.size_mb)
		cfg.inval_max_mb *= 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	pin(0);
	/* NUMA balancing would zap SPTEs behind our back; restored at exit. */
	f = fopen("/proc/sys/kernel/numa_balancing", "r");
	if (f) {
		if (!fgets(nb_old, sizeof(nb_old), f))
			nb_old[0] = 0;
		fclose(f);
		smu_write_file("/proc/sys/kernel/numa_balancing", "0");
	}

	vm = smu_open_vm();
	if (vm < 0) {
		fprintf(stderr, "secmmu-bench: open %s: %s\n", SMU_DEV_PATH,
			strerror(-vm));
		return 1;
	}
	uname(&u);
	printf("@@SMB-BEGIN\n");
	printf(REC "{\"meta\":{\"kernel\":\"%s\",\"machine\":\"%s\",\"cpus\":%ld,"
	       "\"numa_nodes\":%d,\"api\":%d,\"rmap_modes\":%d,\"age_cap\":%d,"
	       "\"quick\":%s,\"size_mb\":%u,\"access_mb\":%u,\"throughput_mb\":%u,"
	       "\"mem_mb\":%u,\"inval_max_mb\":%u,\"reps\":%u,\"duration_ms\":%u,"
	       "\"batch_ops\":%d,\"page_size\":%lu}}\n",
	       u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN), smu_nr_nodes(),
	       smu_check_cap(vm, SECMMU_CAP_API_VERSION),
	       smu_check_cap(vm, SECMMU_CAP_RMAP_MODES),
	       smu_check_cap(vm, SECMMU_CAP_AGE), cfg.quick ? "true" : "false",
	       cfg.size_mb, cfg.acc_mb, cfg.tp_mb, cfg.mem_mb, cfg.inval_max_mb,
	       cfg.reps, cfg.dur_ms, BATCH, PAGE);
	close(vm);

	for (c = 0; c < NR_SERIES; c++) {
		__u64 t = now_ns();

		if (!want(c))
			continue;
		series[c].fn();
		printf(REC "{\"series_time\":{\"%s\":%.1f}}\n", series[c].name,
		       (now_ns() - t) / 1e9);
	}

	if (nb_old[0])
		smu_write_file("/proc/sys/kernel/numa_balancing", nb_old);
	printf(REC "{\"done\":{\"seconds\":%.1f}}\n", (now_ns() - t0) / 1e9);
	printf("@@SMB-END rc=0\n");
	return 0;
}
