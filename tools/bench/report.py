#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn secmmu-bench console output into results.json, results.md and plots.

usage: report.py --log CONSOLE --out DIR [--runner TEXT] [--repo DIR]

The benchmark prints one JSON object per line after "@@SMB " (see
tools/bench/secmmu-bench.c); everything else on the console is ignored.
Plots are drawn with gnuplot (pngcairo), one PNG per series.
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys

REC = re.compile(r'@@SMB (\{.*\})\s*$')

# Quoted, not measured: upstream KVM (issue #6), 112 vCPUs, MGLRU aging,
# seconds of vCPU time without aging, with locked and with lockless aging.
UPSTREAM = {'none': 8.50, 'locked': 10.21, 'lockless': 8.90}
MODES = ['locked', 'single_lockless', 'lock_bit', 'table_walk']


def quartiles(v):
    s = sorted(v)
    if len(s) < 2:
        return s[0], s[0]
    q = statistics.quantiles(s, n=4, method='inclusive')
    return q[0], q[2]


def summarize(rec):
    v = rec['samples']
    q1, q3 = quartiles(v)
    rec['stats'] = {'n': len(v), 'median': statistics.median(v),
                    'min': min(v), 'max': max(v), 'q1': q1, 'q3': q3}
    return rec


def parse(path):
    meta, done, recs, skipped, bad = {'series_seconds': {}}, {}, [], {}, 0
    with open(path, errors='replace') as f:
        for line in f:
            m = REC.search(line)
            if not m:
                continue
            try:
                o = json.loads(m.group(1))
            except ValueError:
                bad += 1
                continue
            if 'meta' in o:
                meta.update(o['meta'])
            elif 'done' in o:
                done = o['done']
            elif 'series_time' in o:
                meta.setdefault('series_seconds', {}).update(o['series_time'])
            elif 'skipped' in o:
                skipped[o['series']] = o['skipped']
            elif 'samples' in o and o['samples']:
                recs.append(summarize(o))
    return meta, done, recs, skipped, bad


def fmt(x):
    if x is None:
        return '-'
    a = abs(x)
    if a >= 1e6:
        return '%.3g M' % (x / 1e6) if a < 1e9 else '%.3g G' % (x / 1e9)
    if a >= 1000:
        return '%.0f' % x
    if a >= 10:
        return '%.1f' % x
    return '%.3g' % x


def cell(r):
    s = r['stats']
    return '%s [%s–%s]' % (fmt(s['median']), fmt(s['min']), fmt(s['max']))


def ratio(a, b):
    if not a or not b or not b['stats']['median']:
        return None
    return a['stats']['median'] / b['stats']['median']


def ratio_min(a, b):
    if not a or not b or not b['stats']['min']:
        return None
    return a['stats']['min'] / b['stats']['min']


def rfmt(x):
    return '-' if x is None else '%.2f×' % x


class Report:
    def __init__(self, out, recs, skipped):
        self.out = out
        self.recs = recs
        self.skipped = skipped
        self.md = []
        self.plots = []

    def find(self, series, case, role):
        for r in self.recs:
            if r['series'] == series and r['case'] == case and r['role'] == role:
                return r
        return None

    def of(self, series):
        return [r for r in self.recs if r['series'] == series]

    def table(self, head, rows):
        self.md.append('| ' + ' | '.join(head) + ' |')
        self.md.append('|' + '---|' * len(head))
        for row in rows:
            self.md.append('| ' + ' | '.join(str(c) for c in row) + ' |')
        self.md.append('')

    def gnuplot(self, name, script, data):
        dat = os.path.join(self.out, name + '.dat')
        with open(dat, 'w') as f:
            f.write(data)
        gp = os.path.join(self.out, name + '.gp')
        png = os.path.join(self.out, name + '.png')
        with open(gp, 'w') as f:
            f.write("set terminal pngcairo size 1100,650 font 'DejaVu Sans,11'\n")
            f.write("set output '%s'\n" % png)
            f.write("set datafile separator '\\t'\n")
            f.write("set key outside right top\nset grid ytics\n")
            f.write(script.replace('DATA', "'%s'" % dat))
        r = subprocess.run(['gnuplot', gp], capture_output=True, text=True)
        if r.returncode:
            print('report: gnuplot %s failed:\n%s' % (gp, r.stderr), file=sys.stderr)
        else:
            self.plots.append(name + '.png')

    def placeholder(self, name, title, text):
        self.gnuplot(name, "unset key\nunset border\nunset tics\nunset grid\n"
                     "set title '%s'\nset label 1 '%s' at graph 0.5,0.5 center noenhanced\n"
                     "set xrange [0:1]\nset yrange [0:1]\nplot NaN\n" %
                     (title, text.replace("'", '')), '')

    # ---- series ---------------------------------------------------------

    def access(self):
        recs = [r for r in self.of('access') if r['role'] == 'secmmu']
        if not recs:
            return
        self.md.append('### 1. vCPU access cost per 4 KiB touch (ns/page)\n')
        self.md.append('SECMMU_ACCESS_BATCH of %d-op batches, one 4 KiB op per page, '
                       'against a memcpy of the same 4 KiB by the process.\n' %
                       self.meta.get('batch_ops', 0))
        rows, data = [], ''
        for r in recs:
            b = self.find('access', r['case'], 'baseline')
            fp = r.get('faults_per_page')
            rows.append([r['case'], r['label'], cell(r), b['label'] if b else '-',
                         cell(b) if b else '-', rfmt(ratio(r, b)),
                         rfmt(ratio_min(r, b)), '-' if fp is None else '%.2f' % fp])
            s, t = r['stats'], b['stats']
            data += '%s\t%g\t%g\t%g\t%g\t%g\t%g\n' % (
                r['case'], s['median'], s['min'], s['max'],
                t['median'], t['min'], t['max'])
        self.table(['case', 'secmmu', 'ns/page median [min–max]', 'baseline',
                    'ns/page median [min–max]', 'ratio (medians)', 'ratio (minima)',
                    'faults/page'], rows)
        cmp_rows = []
        for r in recs:
            d = r.get('direct') and self.find('access', r['direct'], 'secmmu')
            if not d:
                continue
            v = sorted(x / y for x, y in zip(r['samples'], d['samples']) if y)
            if not v:
                continue
            q1, q3 = quartiles(v)
            band = max((q3 - q1) / 2, 0.05)
            x = statistics.median(v)
            cmp_rows.append([d['case'], '%.2f' % x, '±%.0f%%' % (100 * band),
                             self.verdict(x, band, 'slower')])
        if cmp_rows:
            self.md.append('Direct copy vs bounce page: the same hits with the module '
                           'parameter access_bounce=1, interleaved with the direct ones '
                           '(the order alternates every repetition).  Ratio = median of '
                           'per-repetition bounce ÷ direct; noise band = half the '
                           'interquartile range of those ratios, at least 5%; inside it, '
                           '"no difference".\n')
            self.table(['hit', 'bounce ÷ direct', 'noise band', 'bounce page is'],
                       cmp_rows)
        self.gnuplot('access', """
set title 'Series 1: cost per 4 KiB touch, secmmu vCPU vs process memcpy (median, min-max bars)'
set ylabel 'ns per 4 KiB page'
set yrange [0:*]
set style data histograms
set style histogram errorbars gap 2 lw 1.5
set style fill solid 0.7 border -1
set xtics noenhanced
set key inside left top
plot DATA using 2:3:4:xtic(1) title 'secmmu vCPU (SECMMU\\_ACCESS\\_BATCH)' lc rgb '#d95f02', \\
     '' using 5:6:7 title 'baseline: memcpy by the process' lc rgb '#7570b3'
""", data)

    # Floors the modes are measured against (tools/bench: series_age).
    AGE_FLOOR = {'table_walk': 'floor load+cmpxchg', 'locked': 'floor head+load+cmpxchg',
                 'single_lockless': 'floor head+load+cmpxchg',
                 'lock_bit': 'floor head+load+cmpxchg'}

    def age_rec(self, name, deg, c, role):
        return self.find('age', '%s, degree %d%s' % (name, deg, ', concurrent vCPU' if c else ''),
                         role)

    @staticmethod
    def paired(a, b):
        """Median over repetitions of a[r] / b[r] (same repetition: interleaved)."""
        if not a or not b:
            return None
        v = [x / y for x, y in zip(a['samples'], b['samples']) if y]
        return statistics.median(v) if v else None

    def age_band(self, deg, c):
        """Noise band: spread of the table walk against its identical twin."""
        a = self.age_rec('table_walk', deg, c, 'secmmu')
        t = self.age_rec('table_walk (twin)', deg, c, 'twin')
        if not a or not t:
            return None
        v = sorted(x / y for x, y in zip(t['samples'], a['samples']) if y)
        if not v:
            return None
        q1, q3 = quartiles(v)
        return max(abs(statistics.median(v) - 1), (q3 - q1) / 2, 0.02)

    @staticmethod
    def verdict(x, band, higher='slower'):
        """x: a ratio of two measurements; @higher says what x > 1 means."""
        if x is None or band is None:
            return '-'
        if abs(x - 1) <= band:
            return 'no difference'
        lower = 'faster' if higher == 'slower' else 'slower'
        return '%.2f× %s' % (x if x > 1 else 1 / x, higher if x > 1 else lower)

    def age(self):
        recs = [r for r in self.of('age') if r['role'] == 'secmmu']
        if not recs:
            return
        pages = recs[0].get('pages', 0)
        self.md.append('### 2. Aging sweep cost per page (SECMMU_AGE CLEAR, ns/page)\n')
        self.md.append(
            '%d pages (%d MiB), all young before each sweep; alias degree d = each page '
            'mapped in views 0..d-1.  The four modes, a twin of the table walk (identical '
            'code) and three floors are measured interleaved, in an order that rotates '
            'every repetition, in one boot.  Floors, per leaf (d leaves per page at degree '
            'd, each young and needing its own cmpxchg): *load* = a call-free loop summing '
            'one u64 per leaf; *load+cmpxchg* = one cmpxchg per leaf over u64 arrays (the '
            'table walk\'s floor); *head+load+cmpxchg* = follow a pointer per leaf, then '
            'cmpxchg (the rmap walkers\' floor).  Ratios are medians of per-repetition '
            'ratios.  **Noise band**: the spread of the table walk against its twin '
            '(max of |median-1| and half the interquartile range, at least 2%%); a '
            'difference inside it is reported as "no difference".  With a concurrent '
            'vCPU (on CPU 1, zapping its own memslot with mprotect() and faulting it '
            'back in a loop, started and running before any timing), each sample times '
            'sweeps, re-made young in between untimed, until 50 ms of them (200 ms '
            'outside QUICK) are timed, so that they overlap its faults; counters are '
            'per sweep.\n' % (pages, pages // 256))
        rows, data = [], ''
        for deg in (1, 2, 4):
            for c in (0, 1):
                band = self.age_band(deg, c)
                ref = self.age_rec('single_lockless', deg, c, 'secmmu')
                for fname in ('floor load', 'floor load+cmpxchg', 'floor head+load+cmpxchg'):
                    b = self.age_rec(fname, deg, c, 'baseline')
                    if b:
                        rows.append([fname, deg, 'yes' if c else 'no', cell(b), '-', '-',
                                     '-', b['label']])
                for mode in MODES + ['table_walk (twin)']:
                    r = self.age_rec(mode, deg, c, 'twin' if 'twin' in mode else 'secmmu')
                    if not r:
                        continue
                    fl = self.age_rec(self.AGE_FLOOR[r['mode']], deg, c, 'baseline')
                    notes = 'young %d, lockless %d, bit locks %d (spins %d), fallbacks %d' % (
                        r['young'], r['lockless_heads'], r['bit_locks'], r['bit_spins'],
                        r['lock_fallbacks'])
                    if c:
                        notes += ', churn %s faults/s, %s sweeps/sample' % (
                            fmt(r['churn_faults_per_s']), fmt(r.get('sweeps_per_sample', 1)))
                    vs = self.paired(r, ref) if mode != 'single_lockless' else None
                    rows.append([mode, deg, 'yes' if c else 'no', cell(r),
                                 rfmt(self.paired(r, fl)),
                                 '-' if band is None else '±%.0f%%' % (100 * band),
                                 self.verdict(vs, band) if vs else '(reference)', notes])
        self.table(['mode / floor', 'degree', 'concurrent vCPU', 'ns/page median [min–max]',
                    '÷ its floor', 'noise band', 'vs single_lockless',
                    'counters per sweep (medians)'], rows)
        self.md.append('The aging goals are in the Goals table at the end.\n')
        for mode in MODES:
            for c in (0, 1):
                data += '# %s%s\n' % (mode, ' concurrent' if c else '')
                for deg in (1, 2, 4):
                    r = self.age_rec(mode, deg, c, 'secmmu')
                    fl = r and self.age_rec(self.AGE_FLOOR[mode], deg, c, 'baseline')
                    x = self.paired(r, fl)
                    if x:
                        data += '%d\t%g\n' % (deg, x)
                data += '\n\n'
        plots, idx = [], 0
        colors = {'locked': '#e7298a', 'single_lockless': '#1b9e77', 'lock_bit': '#7570b3',
                  'table_walk': '#d95f02'}
        for mode in MODES:
            for c in (0, 1):
                plots.append("DATA index %d using 1:2 with linespoints lw 2 "
                             "dt %d pt 7 lc rgb '%s' title '%s%s'" %
                             (idx, 2 if c else 1, colors[mode], mode.replace('_', '\\_'),
                              ', concurrent vCPU' if c else ''))
                idx += 1
        plots.append("1 with lines lw 2 lc rgb 'black' title 'its floor (1x)'")
        band = self.age_band(1, 0)
        if band:
            plots.append("%g with lines lw 1 dt 3 lc rgb 'gray' title 'noise band (degree 1)'"
                         % (1 + band))
        self.gnuplot('age', """
set title 'Series 2: SECMMU\\_AGE CLEAR sweep cost per page / its floor, vs alias degree'
set xlabel 'alias degree (SPTEs per memslot page)'
set ylabel 'x its floor (median of interleaved ratios, log scale)'
set logscale y
set xrange [0.7:4.5]
set xtics (1, 2, 4)
plot """ + ', \\\n     '.join(plots) + '\n', data)

    # ---- throughput (series 3) ------------------------------------------

    TP_LOADS = ['aging', 'ager-shaped baseline', 'ager-shaped baseline (twin)',
                'no ager, CPU 1 idle']
    TP_ROLE = {'aging': 'secmmu', 'ager-shaped baseline': 'baseline',
               'ager-shaped baseline (twin)': 'twin', 'no ager, CPU 1 idle': 'reference'}
    TP_TWIN_MODE = 'single_lockless'	# tools/bench: tp_items[]

    def tp_rec(self, w, mode, load):
        return self.find('throughput', '%s, %s, %s' % (w, mode, load), self.TP_ROLE[load])

    def sc_rec(self, mode, n, twin=False):
        return self.find('throughput', 'scaling, %s, %d vCPU%s%s' % (
            mode, n, 's' if n > 1 else '', ' (twin)' if twin else ''),
            'twin' if twin else 'baseline' if n == 1 else 'secmmu')

    @staticmethod
    def paired_all(a, b):
        if not a or not b:
            return []
        return [x / y for x, y in zip(a['samples'], b['samples']) if y]

    @staticmethod
    def band_of(v):
        """Noise band from per-repetition ratios of two identical runs."""
        if not v:
            return None
        q1, q3 = quartiles(v)
        return max(abs(statistics.median(v) - 1), (q3 - q1) / 2, 0.02)

    @staticmethod
    def pcell(v):
        if not v:
            return '-'
        return '%.2f× [%.2f–%.2f]' % (statistics.median(v), min(v), max(v))

    def tp_band(self, w):
        return self.band_of(self.paired_all(
            self.tp_rec(w, self.TP_TWIN_MODE, 'ager-shaped baseline (twin)'),
            self.tp_rec(w, self.TP_TWIN_MODE, 'ager-shaped baseline')))

    def tp_ratio(self, w, mode):
        v = self.paired_all(self.tp_rec(w, mode, 'aging'),
                            self.tp_rec(w, mode, 'ager-shaped baseline'))
        return statistics.median(v) if v else None

    def sc_band(self):
        return self.band_of(self.paired_all(self.sc_rec(self.TP_TWIN_MODE, 1, True),
                                            self.sc_rec(self.TP_TWIN_MODE, 1)))

    def sc_factor(self, mode):
        v = self.paired_all(self.sc_rec(mode, 2), self.sc_rec(mode, 1))
        return statistics.median(v) if v else None

    def throughput(self):
        recs = [r for r in self.of('throughput') if r.get('kind') == 'aging']
        if recs:
            self.throughput_aging(recs)
        sc = [r for r in self.of('throughput') if r.get('kind') == 'scaling']
        if sc:
            self.throughput_scaling(sc)

    def throughput_aging(self, recs):
        m = recs[0]
        self.md.append('### 3. vCPU throughput during continuous aging (pages/s)\n')
        self.md.append(
            'One vCPU thread (CPU 0) for %d ms per sample over the %d pages of its memslot, '
            'while a thread on CPU 1 loops SECMMU_AGE CLEAR over them ("aging").  '
            '**Baseline**: the same VM (same rmap mode), the same thread looping '
            'SECMMU_AGE TEST over an *unrelated* memslot of %d pages, all mapped and young: '
            'the same ioctl, walker and locks, the same CPU taken from the guest, but not '
            'the vCPU\'s pages.  "hit": one 8-byte read per page, SPTEs present; "fault": '
            'each %d-page chunk is zapped (mprotect round trip, *untimed*) then read '
            '(timed: one secondary fault per page), so pages/s is the fault path\'s own.  '
            'The four modes\' aging and baseline runs, a twin of the single_lockless '
            'baseline (identical code) and a reference with CPU 1 idle are interleaved, '
            'in an order rotating every repetition (%d repetitions).  Ratios are medians '
            'of per-repetition '
            'ratios [min–max].  **Noise band**: spread of the baseline against its twin '
            '(max of |median-1| and half the interquartile range, at least 2%%); inside '
            'it: "no difference".\n' %
            (m.get('duration_ms', 0), m.get('pages', 0), m.get('pages', 0), 4096,
             m['stats']['n']))
        rows, data = [], ''
        for w in ('hit', 'fault'):
            band = self.tp_band(w)
            for mode in MODES:
                a = self.tp_rec(w, mode, 'aging')
                b = self.tp_rec(w, mode, 'ager-shaped baseline')
                if not a or not b:
                    continue
                v = self.paired_all(a, b)
                x = statistics.median(v) if v else None
                rows.append([w, mode, cell(a), cell(b), self.pcell(v),
                             '-' if band is None else '±%.0f%%' % (100 * band),
                             self.verdict(x, band, higher='faster'),
                             '%s / %s' % (fmt(a['sweeps_per_s']), fmt(b['sweeps_per_s'])),
                             '%d / %d' % (a['young_per_sweep'], b['young_per_sweep']),
                             '%d (%d retries)' % (a['faults'], a['fault_retries'])])
                if v:
                    data += '%s\t%s\t%g\t%g\t%g\t%g\n' % (
                        w, mode, x, min(v), max(v),
                        UPSTREAM['none'] / UPSTREAM['locked' if mode == 'locked'
                                                    else 'lockless'])
            t = self.tp_rec(w, self.TP_TWIN_MODE, 'ager-shaped baseline (twin)')
            b = self.tp_rec(w, self.TP_TWIN_MODE, 'ager-shaped baseline')
            if t and b:
                rows.append([w, self.TP_TWIN_MODE + ': baseline twin', cell(t), cell(b),
                             self.pcell(self.paired_all(t, b)), '(defines it)', '-',
                             '%s / %s' % (fmt(t['sweeps_per_s']), fmt(b['sweeps_per_s'])),
                             '-', '-'])
            i = self.tp_rec(w, self.TP_TWIN_MODE, 'no ager, CPU 1 idle')
            if i and b:
                rows.append([w, self.TP_TWIN_MODE + ': CPU 1 idle, no ager', cell(i),
                             cell(b), self.pcell(self.paired_all(i, b)), '-', '-', '-',
                             '-', '-'])
        self.table(['workload', 'rmap mode', 'aging pages/s median [min–max]',
                    'baseline pages/s', '÷ baseline (paired)', 'noise band',
                    'verdict', 'sweeps/s aging / baseline',
                    'young per sweep aging / baseline', 'faults (retries) per sample'],
                   rows)
        self.md.append('Quoted, not measured here: upstream KVM (issue #6; 112 vCPUs, MGLRU '
                       'aging) took 8.50 s of vCPU time without aging, 10.21 s with locked '
                       'and 8.90 s with lockless aging, i.e. throughput ratios %.2f× '
                       '(locked) and %.2f× (lockless).\n' %
                       (UPSTREAM['none'] / UPSTREAM['locked'],
                        UPSTREAM['none'] / UPSTREAM['lockless']))
        if not data:
            return
        band = {w: self.tp_band(w) for w in ('hit', 'fault')}
        lines = ''
        for i, w in enumerate(('hit', 'fault')):
            if band[w]:
                lines += ("set object %d rect from graph %g, first %g to graph %g, first %g "
                          "behind fc rgb '#e0e0e0' fs solid noborder\n" %
                          (i + 1, 0.5 * i, 1 - band[w], 0.5 * i + 0.5, 1 + band[w]))
        self.gnuplot('throughput', """
set title 'Series 3: vCPU throughput under continuous SECMMU\\_AGE CLEAR / the ager-shaped baseline'
set ylabel 'aging / baseline (paired median, min-max bars)'
set yrange [0:*]
set style data histograms
set style histogram errorbars gap 2 lw 1.5
set style fill solid 0.7 border -1
set xtics noenhanced rotate by -30
set key below
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb 'black'
set arrow from graph 0.5, first 0.9 to graph 1, first 0.9 nohead dt 3 lw 2 lc rgb '#d95f02'
%s
plot DATA using 3:4:5:xtic(stringcolumn(1).', '.stringcolumn(2)) title 'measured: aging / ager-shaped baseline' lc rgb '#1b9e77', \\
     '' using 6:6:6 title 'QUOTED, not measured: upstream KVM throughput ratio (issue 6)' lc rgb '#bbbbbb' fs pattern 4, \\
     NaN with boxes fs solid fc rgb '#e0e0e0' title 'noise band (baseline vs its twin)', \\
     NaN with lines dt 3 lw 2 lc rgb '#d95f02' title 'goal, fault, lockless modes: >= 0.9'
""" % lines, data)

    def throughput_scaling(self, recs):
        m = recs[0]
        band = self.sc_band()
        self.md.append('### 3b. Fault scaling: 1 vs 2 faulting vCPUs (no aging)\n')
        self.md.append(
            'Rounds of: the whole slot zapped (mprotect round trip, untimed), then vCPU 0 '
            '(CPU 0) faults its %d pages, and in the 2-vCPU runs vCPU 1 (CPU 1) faults '
            '%d other pages of the same VM at the same time; a round is timed from its '
            'start to the end of the last vCPU\'s faults, for %d ms per sample, %d '
            'repetitions interleaved.  Scaling = '
            'total pages/s with 2 vCPUs ÷ pages/s with 1 (2.00× = perfect), median of '
            'per-repetition ratios [min–max].  Noise band: a twin of the 1-vCPU run '
            '(%s).  **Control**: the same rounds with a compute loop in place of each '
            'vCPU\'s faults, no secmmu: the machine\'s own 1 -> 2 CPU scaling (under QEMU '
            'TCG the guest\'s 2 CPUs are 2 host threads, and a busy host takes one away: '
            'read the modes\' factors against the control\'s).\n' %
            (m['pages_per_vcpu'], m['pages_per_vcpu'], m.get('duration_ms', 0),
             m['stats']['n'], self.TP_TWIN_MODE))
        rows, data = [], ''
        for mode in MODES:
            one, two = self.sc_rec(mode, 1), self.sc_rec(mode, 2)
            if not one or not two:
                continue
            v = self.paired_all(two, one)
            x = statistics.median(v) if v else None
            rows.append([mode, cell(one), cell(two), self.pcell(v),
                         '-' if band is None else '±%.0f%%' % (100 * band),
                         '%d / %d' % (one['fault_retries'], two['fault_retries'])])
            if v:
                data += '%s\t%g\t%g\t%g\n' % (mode, x, min(v), max(v))
        one, two = self.sc_rec('control', 1), self.sc_rec('control', 2)
        if one and two:
            v = self.paired_all(two, one)
            rows.append(['control: compute loop, no secmmu (work units/s)', cell(one),
                         cell(two), self.pcell(v), '-', '-'])
            if v:
                data += '%s\t%g\t%g\t%g\n' % ('control (no secmmu)',
                                               statistics.median(v), min(v), max(v))
        t, o = self.sc_rec(self.TP_TWIN_MODE, 1, True), self.sc_rec(self.TP_TWIN_MODE, 1)
        if t and o:
            rows.append([self.TP_TWIN_MODE + ': 1-vCPU twin', cell(t), cell(o),
                         self.pcell(self.paired_all(t, o)), '(defines it)', '-'])
        self.table(['rmap mode', '1 vCPU pages/s median [min–max]',
                    '2 vCPUs pages/s (total)', 'scaling 2 ÷ 1 (paired)', 'noise band',
                    'fault retries 1 / 2 vCPUs'], rows)
        if not data:
            return
        # The band is relative: drawn around the goal, it shows whether a
        # factor below the goal is clearly below it.
        lines, top = '', max([2.2] + [float(l.split('\t')[3]) * 1.1
                                      for l in data.splitlines()])
        if band:
            lines = ("set object 1 rect from graph 0, first %g to graph 1, first %g "
                     "behind fc rgb '#e0e0e0' fs solid noborder\n" %
                     (1.8 * (1 - band), 1.8 * (1 + band)))
            top = max(top, 1.8 * (1 + band) * 1.05)
        lines += 'set yrange [0:%g]\n' % top
        self.gnuplot('scaling', """
set title 'Series 3b: secondary-fault throughput, 2 faulting vCPUs / 1'
set ylabel 'scaling factor (paired median, min-max bars; 2.0 = perfect)'
set style data histograms
set style histogram errorbars gap 2 lw 1.5
set style fill solid 0.7 border -1
set xtics noenhanced
set key below
set arrow from graph 0, first 1.8 to graph 1, first 1.8 nohead dt 3 lw 2 lc rgb '#d95f02'
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb 'black'
%s
plot DATA using 2:3:4:xtic(1) title 'measured: 2 vCPUs / 1 vCPU' lc rgb '#7570b3', \\
     NaN with boxes fs solid fc rgb '#e0e0e0' title 'goal +- noise band (1 vCPU vs its twin)', \\
     NaN with lines dt 3 lw 2 lc rgb '#d95f02' title 'goal: >= 1.8'
""" % lines, data)

    def inval(self):
        recs = [r for r in self.of('inval') if r['role'] == 'secmmu']
        if not recs:
            return
        self.md.append('### 4. Invalidation of vCPU-faulted memory (µs per call)\n')
        self.md.append('Baseline: the same munmap / MADV_DONTNEED of populated memory '
                       'in a child process whose mm has no secmmu notifier.  '
                       'Expected: SPTEs zapped = pages, one remote flush per '
                       'invalidation.\n')
        rows, data = [], {}
        for r in recs:
            b = self.find('inval', r['case'], 'baseline')
            ok = r['all_samples_ok']
            rows.append([r['op'], '%d MiB' % r['mb'], cell(r), cell(b) if b else '-',
                         rfmt(ratio(r, b)), rfmt(ratio_min(r, b)),
                         '%d / %d' % (r['zapped'], r['pages']),
                         '%d' % r['invalidations'], '%d' % r['flushes'],
                         'ok' if ok else '**MISMATCH**'])
            s = r['stats']
            t = b['stats'] if b else {'median': 0, 'min': 0, 'max': 0}
            data.setdefault(r['op'], '')
            data[r['op']] += '%d\t%g\t%g\t%g\t%g\t%g\t%g\n' % (
                r['mb'], s['median'], s['min'], s['max'], t['median'], t['min'], t['max'])
        self.table(['op', 'size', 'secmmu µs median [min–max]', 'baseline µs',
                    'ratio (medians)', 'ratio (minima)', 'SPTEs zapped / pages', 'invalidations', 'remote flushes',
                    'check'], rows)
        text = ''.join(data.get(k, '') + '\n\n' for k in ('munmap', 'dontneed'))
        self.gnuplot('inval', """
set title 'Series 4: munmap / MADV\\_DONTNEED of vCPU-faulted memory (median, min-max bars)'
set xlabel 'size (MiB, log scale)'
set ylabel 'time per call (µs, log scale)'
set logscale xy
set xrange [0.8:*]
set key inside left top
plot DATA index 0 using 1:2:3:4 with yerrorlines lw 2 pt 7 lc rgb '#d95f02' title 'munmap, secmmu-mirrored', \\
     DATA index 0 using 1:5:6:7 with yerrorlines lw 2 dt 2 pt 6 lc rgb '#d95f02' title 'munmap, baseline (no secmmu)', \\
     DATA index 1 using 1:2:3:4 with yerrorlines lw 2 pt 7 lc rgb '#1b9e77' title 'MADV\\_DONTNEED, secmmu-mirrored', \\
     DATA index 1 using 1:5:6:7 with yerrorlines lw 2 dt 2 pt 6 lc rgb '#1b9e77' title 'MADV\\_DONTNEED, baseline (no secmmu)'
""", text)

    DIRTY_METHODS = [('ring_global', 'ring, global reset (RESET_DIRTY_RINGS)', '#d95f02', 1),
                     ('ring_per_ring', 'ring, per-ring reset (RESET_DIRTY_RING)', '#1b9e77', 1),
                     ('kharvest', 'in-kernel SECMMU_HARVEST + per-ring reset', '#7570b3', 1),
                     ('ring_shuffled', 'ring, global reset, pages written in random order',
                      '#e7298a', 2),
                     ('bitmap', 'baseline: bitmap GET + scan + CLEAR of the whole slot',
                      'black', 1)]

    @staticmethod
    def crossover(fr, ring, bm):
        """Smallest fraction from which on ring (µs) > bitmap (µs), interpolated
        linearly from the fraction below; None: never, 0: from the first one."""
        i = len(fr)
        while i > 0 and ring[i - 1] >= bm[i - 1]:
            i -= 1
        if i == len(fr):
            return None
        if i == 0:
            return 0.0
        d0, d1 = ring[i - 1] - bm[i - 1], ring[i] - bm[i]
        return fr[i - 1] + (fr[i] - fr[i - 1]) * -d0 / (d1 - d0)

    def dirty(self):
        why = self.skipped.get('dirty')
        recs = self.of('dirty')
        if why is None and not recs:
            return
        self.md.append('### 5. Dirty tracking: harvest + reset per dirty page, ring vs bitmap\n')
        if why is not None:
            self.md.append('Skipped: %s.\n' % why)
            self.placeholder('dirty', 'Series 5: dirty tracking', 'skipped: ' + why)
            return
        coll = [r for r in recs if r.get('kind') == 'collect']
        if not coll:
            return
        pages = coll[0]['pages']
        fr = sorted({r['fraction'] for r in coll})
        by = {(r['method'], r['fraction']): r for r in coll}
        self.md.append(
            'Per sample: LOG_DIRTY set on a %d-page (%d MiB) memslot whose pages were '
            'all faulted writable, the chosen random pages written once (8 bytes, '
            'SECMMU_ACCESS_BATCH, ascending gfn order unless "shuffled"), then only the '
            'collection timed: it ends with the list of dirty pages in a user array and '
            'those pages write-protected again.  Rings: %d entries (SECMMU_DIRTY_RING_MAX), '
            'harvested from the mmapped ring with acquire/release (or by SECMMU_HARVEST), '
            'then reset; dirty sets above %d pages would be dirtied and collected in rounds '
            '(the time is the sum; "rounds" below).  Bitmap (the O(memory) baseline, same '
            'boot, same page sets): GET_DIRTY_LOG of the whole slot, a scan of its set bits, '
            'CLEAR_DIRTY_LOG of them.  Counters are per collection (medians); a reset or '
            'clear must make exactly one remote flush.\n' %
            (pages, pages // 256, 65536, 65536 - 8))
        rows = []
        for f in fr:
            bm = by.get(('bitmap', f))
            for key, name, _, _ in self.DIRTY_METHODS:
                r = by.get((key, f))
                if not r:
                    continue
                calls = r['reset_calls'] or 1
                ok = r['all_samples_ok'] and r['remote_flushes'] == calls
                rows.append(['%g%%' % (f * 100), r['dirty'], key, cell(r),
                             fmt(r['ns_per_mirrored_page']), fmt(r['us_per_collection']),
                             '-' if key == 'bitmap' else rfmt(
                                 r['us_per_collection'] / bm['us_per_collection']
                                 if bm and bm['us_per_collection'] else None),
                             r['rounds'], '%d / %d' % (r['logged'], r['dirty']),
                             '%d' % r['resets'], '%d' % r['reprotected'],
                             '%g' % (r['remote_flushes'] / calls),
                             'ok' if ok else '**MISMATCH**'])
        self.table(['dirty', 'pages', 'method', 'ns / dirty page median [min–max]',
                    'ns / mirrored page', 'µs / collection', '÷ bitmap (µs)', 'rounds',
                    'LOGGED / dirty', 'DIRTY_RESETS', 'DIRTY_REPROTECTED',
                    'flushes per reset', 'check'], rows)
        self.cross = {}
        lines = []
        for key, name, _, _ in self.DIRTY_METHODS[:-1]:
            ring = [by[(key, f)]['us_per_collection'] for f in fr if (key, f) in by]
            bm = [by[('bitmap', f)]['us_per_collection'] for f in fr if ('bitmap', f) in by]
            if len(ring) != len(fr) or len(bm) != len(fr):
                continue
            x = self.crossover(fr, ring, bm)
            self.cross[key] = x
            if x is None:
                lines.append('- %s: the ring stays cheaper than the bitmap up to %g%% dirty' %
                             (key, fr[-1] * 100))
            elif x == 0:
                lines.append('- %s: the ring costs more than the bitmap from %g%% dirty on' %
                             (key, fr[0] * 100))
            else:
                lines.append('- %s: the ring costs more than the bitmap above **%.3g%%** '
                             'dirty (%d of %d pages)' % (key, x * 100, round(x * pages), pages))
        self.md.append('Crossover (median µs per collection, ring > bitmap from there on; '
                       'linear between the measured fractions):\n')
        self.md.append('\n'.join(lines) + '\n')

        # Push cost on the fast path.
        push = [r for r in recs if r.get('kind') == 'push' and r['role'] == 'secmmu']
        if push:
            self.md.append('Push cost per vCPU write (8 bytes): to a mapped, write-protected '
                           'page of a LOG_DIRTY slot (fast-path unprotect with one cmpxchg + '
                           'the record: ring push, or the bitmap bit in the ring-less VM), '
                           'against the same writes, just before or after (alternating), to the same page offsets of '
                           'a twin memslot that never logs (writable, no logging work, and '
                           'as cold: rewriting the logged pages would find them warm).  '
                           'Counters: DIRTY_FAST_PATH and LOGGED per logged write, secondary '
                           'faults.\n')
            rows = []
            for f in fr:
                line = ['%g%%' % (f * 100)]
                for meth in ('ring', 'bitmap'):
                    r = self.find('dirty', '%s write, %g%%' % (meth, f * 100), 'secmmu')
                    b = self.find('dirty', '%s write, %g%%' % (meth, f * 100), 'baseline')
                    c = by.get(('ring_global' if meth == 'ring' else 'bitmap', f))
                    if not r or not b:
                        line += ['-'] * 4
                        continue
                    line += [cell(b), cell(r), '%s (%s)' % (rfmt(ratio(r, b)),
                                                        rfmt(ratio_min(r, b))),
                             '%s / %s / %s' % (fmt(c['fast_path'] / c['dirty']),
                                               fmt(c['logged'] / c['dirty']),
                                               fmt(c['faults'])) if c else '-']
                rows.append([line[0], by[('bitmap', f)]['dirty'] if ('bitmap', f) in by
                             else '-'] + line[1:])
            self.table(['dirty', 'writes', 'writable ns/write (baseline)',
                        'logged + ring push ns/write', 'ratio medians (minima)',
                        'fast path / logged per write, faults',
                        'writable ns/write (bitmap VM)', 'logged + bitmap bit ns/write',
                        'ratio medians (minima)', 'fast path / logged per write, faults'], rows)

        data, plots, idx = '', [], 0
        for key, name, color, dt in self.DIRTY_METHODS:
            pts = [by[(key, f)] for f in fr if (key, f) in by]
            if not pts:
                continue
            data += '# %s\n' % key
            for r in pts:
                s = r['stats']
                data += '%g\t%g\t%g\t%g\n' % (r['fraction'] * 100, s['median'],
                                              s['min'], s['max'])
            data += '\n\n'
            plots.append("DATA index %d using 1:2:3:4 with yerrorlines lw 2 dt %d pt 7 "
                         "ps 0.8 lc rgb '%s' title '%s'" %
                         (idx, dt, color, name.replace('_', '\\_')))
            idx += 1
        arrows = ''
        for key, x in self.cross.items():
            if x:
                color = [m[2] for m in self.DIRTY_METHODS if m[0] == key][0]
                arrows += ("set arrow from %g, graph 0 to %g, graph 0.12 nohead lw 1.5 "
                           "lc rgb '%s'\n" % (x * 100, x * 100, color))
        self.gnuplot('dirty', """
set title 'Series 5: dirty page collection (harvest + reset) cost per dirty page, %d-page slot (median, min-max bars)'
set xlabel 'dirty fraction of the mirrored memory (%%, log scale); ticks at the bottom: ring/bitmap crossovers'
set ylabel 'ns per dirty page (log scale)'
set logscale xy
set xrange [0.07:70]
set xtics ('0.1' 0.1, '1' 1, '5' 5, '10' 10, '25' 25, '50' 50)
set grid xtics ytics
set key inside right top
%s
plot """ % (pages, arrows) + ', \\\n     '.join(plots) + '\n', data)

    # ---- dirty collection vs memslot size (series 5b) ---------------------

    DS_CASES = [('1%', 'fraction'), ('fixed', 'fixed')]
    FLAT_LIMIT = 1.2	# "flat": largest ÷ smallest slot, ring ns/dirty page
    GOAL_MB = (64, 1024)	# the sizes issue 13's goals name

    @staticmethod
    def rel_band(v):
        """Noise band from repeat spread (series without a twin, like access
        and numa): half the interquartile range of the per-repetition ratios,
        relative to their median, at least 5%."""
        if not v:
            return None
        q1, q3 = quartiles(v)
        m = statistics.median(v)
        return max((q3 - q1) / 2 / m if m else 0, 0.05)

    def ds_rec(self, method, case, mb):
        return self.find('dirtyscale', '%s, %s, %d MiB' % (method, case, mb),
                         'baseline' if method == 'bitmap' else 'secmmu')

    def ds_sizes(self):
        return sorted({r['mb'] for r in self.of('dirtyscale') if 'mb' in r})

    def ds_ratio(self, case, mb):
        """ring_global ÷ bitmap, ns per dirty page, per repetition."""
        return self.paired_all(self.ds_rec('ring_global', case, mb),
                               self.ds_rec('bitmap', case, mb))

    def ds_flat(self, method, case):
        """Largest ÷ smallest slot, ns per dirty page, per repetition."""
        sz = self.ds_sizes()
        if len(sz) < 2:
            return []
        return self.paired_all(self.ds_rec(method, case, sz[-1]),
                               self.ds_rec(method, case, sz[0]))

    def ds_goal_sizes(self):
        """'' when the series ran at the goals' sizes, else a qualifier."""
        sz = self.ds_sizes()
        if sz and (sz[0], sz[-1]) == self.GOAL_MB:
            return ''
        return 'at %s MiB, not the goal\'s %d → %d MiB%s' % (
            ' → '.join('%d' % x for x in sz), self.GOAL_MB[0], self.GOAL_MB[1],
            ' (QUICK)' if self.meta.get('quick') else '')

    def dirtyscale(self):
        why = self.skipped.get('dirtyscale')
        recs = self.of('dirtyscale')
        if why is None and not recs:
            return
        self.md.append('### 5b. Dirty tracking vs memslot size: ring_global vs bitmap\n')
        if why is not None:
            self.md.append('Skipped: %s.\n' % why)
            self.placeholder('dirtyscale', 'Series 5b: dirty tracking vs memslot size',
                             'skipped: ' + why)
            return
        sz = self.ds_sizes()
        if not sz:
            return
        fixed = self.ds_rec('ring_global', 'fixed', sz[0])
        r0 = self.ds_rec('ring_global', '1%', sz[-1]) or fixed
        if not r0:
            return
        self.md.append(
            'One populated region of %d MiB; per size, a ring VM and a bitmap VM (as in '
            'series 5, no twin slot) mirror its first SIZE bytes, every page faulted '
            'writable.  Per repetition (%d, plus a dropped warm-up), for every size (order '
            'rotating) and both cases, one random page set (ascending gfn order) is '
            'dirtied and collected by each method, the method order alternating; only '
            'the collection is timed, with the checks of series 5 (every written page '
            'found, LOGGED = FAST_PATH = DIRTY_REPROTECTED = dirty, one remote flush per '
            'reset/clear).  **1%%**: 1%% of the slot dirty.  **fixed**: %d pages dirty at '
            'every size (1%% of the smallest slot): a ring cost per dirty page that grows '
            'with the slot at a fixed count is an O(memory) term, which at a fixed '
            'fraction would hide in a constant per dirty page.  Ratios are medians of '
            'per-repetition ratios [min–max].  **Noise band**: half the interquartile '
            'range of those ratios relative to their median, at least 5%%.  MemAvailable '
            'before → after setup: %s MiB.\n' %
            (sz[-1], r0['stats']['n'], fixed['dirty'] if fixed else 0,
             ' → '.join(str(x) for x in r0.get('mem_available_mb', [])) or '?'))
        rows, data = [], {}
        for case, kind in self.DS_CASES:
            for mb in sz:
                a = self.ds_rec('ring_global', case, mb)
                b = self.ds_rec('bitmap', case, mb)
                if not a or not b:
                    continue
                v = self.ds_ratio(case, mb)
                bd = self.rel_band(v)
                ok = all(r['all_samples_ok'] and r['remote_flushes'] == (r['reset_calls'] or 1)
                         for r in (a, b))
                rows.append([case, '%d MiB' % mb, a['pages'], a['dirty'], cell(a), cell(b),
                             fmt(a['us_per_collection']), fmt(b['us_per_collection']),
                             self.pcell(v), '-' if bd is None else '±%.0f%%' % (100 * bd),
                             rfmt(1 / statistics.median(v)) if v else '-',
                             'ok' if ok else '**MISMATCH**'])
                for key, r in (('ring_global', a), ('bitmap', b)):
                    s = r['stats']
                    data.setdefault((key, case), '')
                    data[(key, case)] += '%d\t%g\t%g\t%g\n' % (mb, s['median'], s['min'],
                                                               s['max'])
                if v:	# interquartile bars: the noise band's own spread
                    data.setdefault(('ratio', case), '')
                    data[('ratio', case)] += '%d\t%g\t%g\t%g\n' % (
                        (mb, statistics.median(v)) + quartiles(v))
        self.table(['case', 'slot', 'pages', 'dirty', 'ring_global ns/dirty page median '
                    '[min–max]', 'bitmap ns/dirty page', 'ring µs/collection',
                    'bitmap µs/collection', 'ring ÷ bitmap (paired)', 'noise band',
                    'ring cheaper by', 'check'], rows)
        lines = []
        for method, case in (('ring_global', 'fixed'), ('ring_global', '1%'),
                             ('bitmap', 'fixed'), ('bitmap', '1%')):
            v = self.ds_flat(method, case)
            if v:
                lines.append('- %s, %s: %s (noise band ±%.0f%%)' % (
                    method, 'fixed count' if case == 'fixed' else '1% dirty',
                    self.pcell(v), 100 * self.rel_band(v)))
        if lines:
            self.md.append('Flatness, ns per dirty page at %d MiB ÷ at %d MiB (paired per '
                           'repetition); "flat" is <= %.1f× for the ring at the fixed count '
                           '(the Goals table), the bitmap at the fixed count shows what an '
                           'O(memory) cost looks like here (%d× the memory):\n' %
                           (sz[-1], sz[0], self.FLAT_LIMIT, sz[-1] // sz[0]))
            self.md.append('\n'.join(lines) + '\n')
        idx, plots, text = 0, [], ''
        colors = {'ring_global': '#d95f02', 'bitmap': 'black'}
        for key, case in (('ring_global', '1%'), ('bitmap', '1%'), ('ring_global', 'fixed'),
                          ('bitmap', 'fixed')):
            if (key, case) not in data:
                continue
            text += '# %s %s\n%s\n\n' % (key, case, data[(key, case)])
            plots.append("DATA index %d using 1:2:3:4 with yerrorlines lw 2 dt %d pt 7 "
                         "ps 0.8 lc rgb '%s' title '%s, %s'" % (
                             idx, 1 if case == '1%' else 2, colors[key],
                             key.replace('_', '\\_') if key != 'bitmap' else
                             'baseline: bitmap', '1% dirty' if case == '1%' else
                             '%s pages dirty' % (fixed['dirty'] if fixed else '?')))
            idx += 1
        rplots = []
        for case in ('1%', 'fixed'):
            if ('ratio', case) not in data:
                continue
            text += '# ratio %s\n%s\n\n' % (case, data[('ratio', case)])
            rplots.append("DATA index %d using 1:2:3:4 with yerrorlines lw 2 dt %d pt 7 "
                          "ps 0.8 lc rgb '#d95f02' title 'ring ÷ bitmap, %s'" % (
                              idx, 1 if case == '1%' else 2, '1% dirty' if case == '1%'
                              else 'fixed count'))
            idx += 1
        xt = ', '.join("'%d' %d" % (x, x) for x in sz)
        self.gnuplot('dirtyscale', """
set multiplot layout 1,2 title 'Series 5b: dirty page collection (harvest + reset) vs memslot size'
set logscale xy
set xrange [%g:%g]
set xtics (%s)
set xlabel 'memslot size (MiB, log scale)'
set grid xtics ytics
set key inside left top
set ylabel 'ns per dirty page (log scale)'
set title 'cost per dirty page (median, min-max bars)'
plot %s
set title 'ring\\_global ÷ bitmap (median of paired ratios, interquartile bars)'
set ylabel 'ring / bitmap, ns per dirty page (log scale)'
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb 'black'
set arrow from graph 0, first %g to graph 1, first %g nohead dt 3 lw 2 lc rgb '#1b9e77'
plot %s, \\
     NaN with lines dt 3 lw 2 lc rgb '#1b9e77' title 'goal at 1 GiB, 1%% dirty: <= 1/3'
unset multiplot
""" % (sz[0] / 1.5, sz[-1] * 1.5, xt, ', \\\n     '.join(plots), 1 / 3, 1 / 3,
       ', \\\n     '.join(rplots) or 'NaN notitle'), text)

    def shuffle_ratio(self):
        """Series 5: ring_shuffled ÷ ring_global per fraction (paired per
        repetition: same page set, the same repetition); returns (median over
        fractions of the per-fraction medians, band, per-fraction medians)."""
        fr = sorted({r['fraction'] for r in self.of('dirty') if r.get('kind') == 'collect'})
        per, bands = {}, []
        for f in fr:
            case = '%g%%' % (f * 100)
            v = self.paired_all(self.find('dirty', 'ring_shuffled, ' + case, 'secmmu'),
                                self.find('dirty', 'ring_global, ' + case, 'secmmu'))
            if v:
                per[f] = statistics.median(v)
                bands.append(self.rel_band(v))
        if not per:
            return None, None, {}
        return statistics.median(per.values()), statistics.median(bands), per

    def crossover_goal(self):
        """Series 5's crossover, the worse (smaller) of ring_global and
        ring_per_ring, in %; its band from the per-repetition crossovers."""
        cross = getattr(self, 'cross', {})
        cands = [(k, cross[k]) for k in ('ring_global', 'ring_per_ring') if k in cross]
        if not cands:
            return None, None, ''
        coll = [r for r in self.of('dirty') if r.get('kind') == 'collect']
        fr = sorted({r['fraction'] for r in coll})
        by = {(r['method'], r['fraction']): r for r in coll}
        top = fr[-1]
        key, x = min(cands, key=lambda c: top if c[1] is None else c[1])
        per = []
        bm = [by[('bitmap', f)] for f in fr]
        ring = [by[(key, f)] for f in fr]
        for i in range(min(len(r['samples']) for r in bm + ring)):
            c = self.crossover(fr, [r['samples'][i] * r['dirty'] for r in ring],
                               [r['samples'][i] * r['dirty'] for r in bm])
            per.append(top if c is None else c)
        # Absolute, in points of %: the crossover can be 0, and its per-repetition
        # spread is not proportional to it.
        value = (top if x is None else x) * 100
        q1, q3 = quartiles([c * 100 for c in per])
        band = max((q3 - q1) / 2, 0.05 * value)
        other = [c for c in cands if c[0] != key]

        def say(c):
            if c is None:
                return 'none up to %g%%' % (top * 100)
            if c == 0:
                return 'dearer than the bitmap from %g%% on' % (fr[0] * 100)
            return '%.3g%%' % (c * 100)
        note = ('worse of ring_global / ring_per_ring: %s (%s)%s; %d-page (%d MiB) slot; '
                'per-repetition crossovers %.3g–%.3g%%' % (
                    key, say(x), '; %s: %s' % (other[0][0], say(other[0][1])) if other else '',
                    coll[0]['pages'], coll[0]['pages'] // 256, min(per) * 100,
                    max(per) * 100))
        if x is None:
            note += '; no crossover measured: at least %g%%' % (top * 100)
        note += ('; noise band ±%.2g points (half the interquartile range of the '
                 'per-repetition crossovers, at least 5%% of the value)' % band)
        return value, band, note

    def mem_rec(self, mode, deg):
        return self.find('mem', '%s, degree %d' % (mode, deg), 'secmmu')

    def mem(self):
        recs = [r for r in self.of('mem') if r['role'] == 'secmmu' and 'mode' in r]
        if not recs:
            return
        base = self.find('mem', 'host page tables', 'baseline')
        hb = base['stats']['median'] if base else 0
        r0 = recs[0]
        self.md.append('### 6. Memory overhead per mirrored page (bytes)\n')
        self.md.append(
            'A %d-page (%d MiB) memslot mapped through d views (alias degree d), one VM '
            'per rmap mode.  Counters TABLES, RMAP_PAIRS and RMAP_DESCS are read before '
            'anything is mapped, after the first half of the slot is mapped in every view, '
            'and after all of it.  **Marginal** bytes per mirrored page = (ΔTABLES × 4096 '
            '+ ΔRMAP_PAIRS × %g + ΔRMAP_DESCS × %g) over the second half ÷ its %d pages + '
            'the rmap head: the steady cost of one more page (the roots, upper-level '
            'tables and the vCPUs\' spare stock are already there).  **Total** = the same '
            'counters at the end ÷ %d pages + the head: everything the VM holds, at this '
            'size.  Rmap heads: 8 B per memslot page (one unsigned long per page, '
            'kvcalloc), none in table_walk mode; not in any counter.  A gfn with two '
            'leaves holds both in its head, as two 30-bit handles (table id + index, '
            'src/pt_id.h), or, when either has no handle, a pair (struct '
            'secmmu_rmap_pair: two SPTE pointers, %g B from %s); three to twelve, one descriptor (struct secmmu_rmap_desc: u32 count + '
            'u32 pad + next pointer + 12 SPTE pointers = 4 + 4 + 8 + 96 = %d B; %g B '
            'from %s, %.1f B with the slab page\'s unused tail).  Baseline: the '
            'process\'s own page tables for the same pages (VmPTE delta): %s B/page.\n' %
            (r0['pages'], r0['pages'] // 256, r0.get('pair_bytes', 0), r0['desc_bytes'],
             r0['half_pages'], r0['pages'], r0.get('pair_bytes', 0),
             r0.get('pair_size_source', 'the slab'), r0['desc_struct_bytes'],
             r0['desc_bytes'], r0['desc_size_source'], r0['desc_bytes_effective'],
             fmt(hb)))
        rows, data = [], ''
        for r in recs:
            t, d = r['tables'], r['rmap_descs']
            pr = r.get('rmap_pairs', [0, 0, 0])
            n2 = r['half_pages']
            tab = (t[2] - t[1]) * 4096.0 / n2
            desc = ((d[2] - d[1]) * r['desc_bytes'] +
                    (pr[2] - pr[1]) * r.get('pair_bytes', 0)) / n2
            rows.append([r['mode'], r['degree'], r['mapped'],
                         '%d → %d → %d' % tuple(t),
                         '%d → %d → %d / %d → %d → %d' % (tuple(pr) + tuple(d)),
                         fmt(tab), fmt(desc), fmt(r['head_bytes']),
                         '**%s**' % fmt(r['stats']['median']),
                         fmt(r['total_bytes_per_page']),
                         '%.2f%%' % (r['stats']['median'] / 40.96),
                         rfmt(r['stats']['median'] / hb if hb else None)])
            data += '%s d%d\t%g\t%g\t%g\t0\n' % (r['mode'], r['degree'], tab, desc,
                                                 r['head_bytes'])
        data += 'host page tables\t0\t0\t0\t%g\n' % hb
        self.table(['rmap mode', 'degree', 'MAPPED', 'TABLES (empty → half → all)',
                    'RMAP_PAIRS / RMAP_DESCS (empty → half → all)', 'tables B/page',
                    'pairs + descs B/page',
                    'head B/page', 'marginal B/page', 'total B/page', '% of 4 KiB',
                    '÷ host page tables'], rows)
        self.gnuplot('mem', """
set title 'Series 6: secondary MMU memory per mirrored page (marginal), per rmap mode and alias degree'
set ylabel 'bytes per memslot page'
set yrange [0:*]
set style data histograms
set style histogram rowstacked
set style fill solid 0.7 border -1
set boxwidth 0.6
set xtics noenhanced rotate by -45
set key below
plot DATA using 2:xtic(1) title 'SPTE table pages (TABLES x 4096)' lc rgb '#d95f02', \\
     '' using 3 title 'rmap pairs and descriptors' lc rgb '#7570b3', \\
     '' using 4 title 'rmap heads (8 B per page)' lc rgb '#1b9e77', \\
     '' using 5 title 'baseline: host page tables (VmPTE)' lc rgb '#666666'
""", data)

    def numa(self):
        """Series 7: NUMA balancing under each SECMMU_CAP_PROT_POLICY."""
        z = self.find('numa', 'zap', 'baseline')
        k = self.find('numa', 'keep_numa_hint', 'secmmu')
        if not z or not k:
            return
        self.md.append('### 7. NUMA balancing: protection policy (vCPU pages/s)\n')
        self.md.append(
            'NUMA balancing on (scan delay 0, minimum period 10 ms), vCPU 0 reading one '
            'word of each of %d pages in a loop, the process reading them after it (so the '
            'scanner keeps visiting the VMA) and an idle second thread (so pages already '
            'local are protected too); the two policies alternate within one VM, '
            'the order swapping every repetition.  Per second: protection invalidations '
            '(MMU_NOTIFY_PROTECTION_VMA, all VMAs of the process), those kept, SPTEs '
            'zapped, secondary faults and faults avoided (first accesses of kept leaves, '
            'SECMMU_STAT_PROT_FAULTS_AVOIDED) (medians).  Ratio = median of per-repetition '
            'KEEP ÷ ZAP; noise band = half the IQR of those ratios, at least 5%%.\n'
            % z.get('pages', 0))
        rows = []
        for r in (z, k):
            rows.append([r['policy'], cell(r), '%.1f' % r['prot_inval_per_s'],
                         '%.1f' % r['kept_per_s'], '%.0f' % r['zapped_per_s'],
                         '%.0f' % r['faults_per_s'], '%.0f' % r.get('avoided_per_s', 0)])
        self.table(['policy', 'vCPU pages/s median [min–max]', 'protection inval/s',
                    'kept/s', 'SPTEs zapped/s', 'faults/s', 'faults avoided/s'], rows)
        v = sorted(x / y for x, y in zip(k['samples'], z['samples']) if y)
        if not (z['zapped_per_s'] > 0 and k['kept_per_s'] > 0 and
                k.get('avoided_per_s', 1) > 0):
            self.md.append('No comparison: NUMA balancing did not reach the mirrored '
                           'pages during both policies\' samples (under ZAP no SPTE '
                           'zapped, or under KEEP no invalidation kept or no kept leaf '
                           'used: protection invalidations of other VMAs do not count; '
                           'the scanner runs when the kernel decides, longer samples '
                           'help).\n')
        elif v:
            q1, q3 = quartiles(v)
            band = max((q3 - q1) / 2, 0.05)
            x = statistics.median(v)
            self.md.append('KEEP_NUMA_HINT ÷ ZAP: %.2f (noise band ±%.0f%%): %s.\n' %
                           (x, 100 * band, self.verdict(x, band, 'faster')))

    # ---- series 9: the kernel's own aging beside KVM (issue 28) -----------

    RA_GOALS = (('empty notifier', 2.0), ('kvm', 0.25))

    def ra_added(self, r, none):
        """Per repetition: (r's pass - the same repetition's "none") per page, ns."""
        if not r or not none:
            return []
        return [(x - y) * 1e6 / r['pages'] for x, y in zip(r['samples'], none['samples'])]

    def realage(self):
        recs = self.of('realage')
        none = self.find('realage', 'none', 'baseline')
        if not recs or not none:
            if 'realage' in self.skipped:
                self.md.append('### 9. The kernel\'s own aging beside KVM (realage)\n')
                self.md.append('Skipped: %s.\n' % self.skipped['realage'])
            return
        pages = none['pages']
        twin = self.find('realage', 'none (twin)', 'twin')
        tw = self.ra_added(twin, none)
        band = None
        if tw:
            q1, q3 = quartiles(tw)
            band = max(abs(statistics.median(tw)), (q3 - q1) / 2)
        added = {r['case']: self.ra_added(r, none) for r in recs}
        med = {c: statistics.median(v) for c, v in added.items() if v}
        self.md.append('### 9. The kernel\'s own aging beside KVM (realage, ms per MGLRU pass)\n')
        self.md.append(
            '%s repetitions of one MGLRU aging pass (`echo "+ MEMCG NODE MAX_SEQ 1 1" > '
            '/sys/kernel/debug/lru_gen`, timed around the write) over %d MiB (%d pages) of '
            'anonymous 4 KiB pages, each subject a process in a memcg of its own, made young '
            'before every pass (the process writes every page, then its secondary MMU touches '
            'every page), all subjects interleaved in a rotating order, in one boot with KVM '
            '(QEMU `-cpu max`, nested SVM + NPT under TCG). *none*: no secondary MMU; '
            '*empty notifier*: tests/floor, aging ops returning 0; *kvm*: a KVM guest '
            '(one vCPU on the KVM selftests\' memstress code) whose memslot is the memory; '
            '*secmmu MODE*: a secmmu VM mirroring it. **added ns/page** = per repetition, '
            '(pass - the same repetition\'s *none*) ÷ pages, median over repetitions; ratios '
            'are ratios of those medians. **Noise band**: *none (twin)* (identical) against '
            '*none*, max of |median| and half the interquartile range, in ns/page.%s\n' % (
                none.get('reps', none['stats']['n']), pages // 256, pages,
                '' if band is None else '  Noise band here: ±%s ns/page.' % fmt(band)))
        fl, kv = med.get('empty notifier'), med.get('kvm')
        rows = []
        order = ['none', 'none (twin)', 'empty notifier', 'kvm'] + [
            'secmmu ' + m for m in MODES]
        for c in order:
            r = next((x for x in recs if x['case'] == c), None)
            if not r:
                rows.append([c, 'not measured', '-', '-', '-', '-'])
                continue
            a = med.get(c)
            calls = r.get('clear_young_calls') or 0
            rel = a is not None and c not in ('none', 'none (twin)')
            rows.append([c, cell(r), '-' if c == 'none' else fmt(a),
                         rfmt(a / fl) if rel and fl else '-',
                         rfmt(a / kv) if rel and kv else '-',
                         '%s (%.2f per page)' % (fmt(calls), calls / pages)
                         if c.startswith('secmmu') else '-'])
        self.table(['subject', 'ms/pass median [min–max]', 'added ns/page',
                    '÷ empty notifier', '÷ kvm', 'clear_young calls/pass'], rows)

        goals = []
        for m in MODES:
            a = med.get('secmmu ' + m)
            for ref, lim in self.RA_GOALS:
                d = med.get(ref)
                name = 'realage: secmmu %s added ns/page <= %gx %s\'s' % (m, lim, ref)
                g = {'goal': name, 'limit': lim, 'direction': 'le', 'measured': None,
                     'met': None, 'note': ''}
                if a is not None and d:
                    x = a / d
                    g.update(measured=x, met=x <= lim)
                    # Not clear when the limit is within the noise band of
                    # the secmmu value, or the reference itself is noise.
                    if band is not None:
                        g['within_noise_band'] = abs(a - lim * d) <= band or abs(d) <= band
                    g['note'] = 'secmmu %s, %s %s ns/page' % (fmt(a), ref, fmt(d))
                goals.append(g)
        self.realage_goals = goals
        rows = []
        for g in goals:
            if g['measured'] is None:
                rows.append([g['goal'], '-', 'not measured', g['note']])
                continue
            st = 'met' if g['met'] else '**not met**'
            if g.get('within_noise_band'):
                st += ', within the noise band (not a clear result)'
            if self.meta.get('quick'):
                st += ' (QUICK: %d MiB, not the goal\'s 256)' % (pages // 256)
            rows.append([g['goal'], '%.2f×' % g['measured'], st, g['note']])
        self.md.append('Goals of issue 28 (6.12, this boot; the goals are meant for 256 MiB):\n')
        self.table(['goal', 'measured', 'status', 'note'], rows)

    def huge(self):
        """Series 8: huge leaves (SECMMU_CAP_HUGE_LEAVES) vs 4 KiB leaves."""
        rows = []
        for what in ('first touch', 'age clear'):
            b = self.find('huge', '4k, %s' % what, 'baseline')
            t = self.find('huge', '4k (twin), %s' % what, 'twin')
            h = self.find('huge', 'huge, %s' % what, 'secmmu')
            if not b or not t or not h:
                continue
            tw = sorted(x / y for x, y in zip(t['samples'], b['samples']) if y)
            band = None
            if tw:
                q1, q3 = quartiles(tw)
                band = max(abs(statistics.median(tw) - 1), (q3 - q1) / 2, 0.02)
            x = self.paired(h, b)
            rows.append([what, cell(b), cell(h), rfmt(x),
                         '-' if band is None else '±%.0f%%' % (100 * band),
                         self.verdict(x, band)])
        if not rows:
            return
        b = self.find('huge', '4k, first touch', 'baseline')
        h = self.find('huge', 'huge, first touch', 'secmmu')
        self.md.append('### 8. Huge leaves: THP mirrored by 2 MiB leaves vs 4 KiB leaves\n')
        self.md.append(
            'THP-backed memory (%d pages), a fresh single_lockless VM per sample with '
            'SECMMU_CAP_HUGE_LEAVES off (4k, and its identical twin for the noise band) '
            'or on (huge), the three interleaved, order rotating every repetition.  '
            'First touch: vCPU 0 reads one word of every page (faults included); age '
            'clear: one SECMMU_AGE CLEAR over all of them, all young.  ns per 4 KiB page; '
            'ratio = median of per-repetition huge ÷ 4k.  SPTE tables (marginal): %.2f B/page with '
            '4 KiB leaves (%d leaves), %.3f B/page with huge leaves (%d leaves), both counting '
            'the faulting vCPU\'s spare tables refilled after use (3 pages); the rmap '
            'heads are 8 B/page either way (+8 B per 2 MiB block for huge leaves).\n'
            % (b.get('pages', 0), b.get('table_bytes_per_page', 0), b.get('leaves', 0),
               h.get('table_bytes_per_page', 0), h.get('leaves', 0)))
        self.table(['ns/page', '4 KiB leaves', 'huge leaves', 'huge ÷ 4k (paired)',
                    'noise band', 'verdict'], rows)

    # ---- goals (issue 13) -------------------------------------------------

    def goal_rows(self):
        """(goal, measured, limit, 'le'|'ge', unit, note) for every goal."""
        def fl(mode, deg, c=0):
            r = self.age_rec(mode, deg, c, 'secmmu')
            return self.paired(r, r and self.age_rec(self.AGE_FLOOR[mode], deg, c, 'baseline'))

        def vs(a, b, deg, c):
            return self.paired(self.age_rec(a, deg, c, 'secmmu'),
                               self.age_rec(b, deg, c, 'secmmu'))

        def band(b):
            return '' if b is None else 'noise band ±%.0f%%' % (100 * b)

        def row(name, x, lim, how, b, more=''):
            # The band goes to goals() too: a value within it of the limit
            # is flagged there as not a clear result.
            return (name, x, lim, how, '×', band(b) + more,
                    {} if b is None else {'band': b})

        def churn(a, b):
            # What the locked sweep costs the faulting vCPU instead.
            ra, rb = self.age_rec(a, 1, 1, 'secmmu'), self.age_rec(b, 1, 1, 'secmmu')
            if not (ra and rb and 'churn_faults_per_s' in ra and 'churn_faults_per_s' in rb):
                return ''
            return '; the vCPU meanwhile: %s faults/s beside %s, %s beside %s' % (
                fmt(ra['churn_faults_per_s']), a, fmt(rb['churn_faults_per_s']), b)

        ab1, ab1c = self.age_band(1, 0), self.age_band(1, 1)
        g = [row('aging: table walk <= 2x its floor, degree 1', fl('table_walk', 1), 2.0,
                 'le', ab1),
             row('aging: table walk <= 3x its floor, degree 4', fl('table_walk', 4), 3.0,
                 'le', self.age_band(4, 0)),
             row('aging: single-entry lockless <= 2x its floor, degree 1',
                 fl('single_lockless', 1), 2.0, 'le', ab1),
             row('aging: table walk >= 5x faster than locked, vCPU faulting, degree 1',
                 vs('locked', 'table_walk', 1, 1), 5.0, 'ge', ab1c,
                 churn('locked', 'table_walk')),
             row('aging: single lockless >= 5x faster than locked, vCPU faulting, degree 1',
                 vs('locked', 'single_lockless', 1, 1), 5.0, 'ge', ab1c,
                 churn('locked', 'single_lockless'))]
        fb = self.tp_band('fault')
        for mode in MODES[1:]:
            g.append(row('throughput: fault pages/s under continuous %s aging >= 0.9x the '
                         'ager-shaped baseline' % mode, self.tp_ratio('fault', mode), 0.9,
                         'ge', fb))
        sb, ctl = self.sc_band(), self.sc_factor('control')
        for mode in MODES:
            g.append(row('scaling: fault pages/s >= 1.8x from 1 to 2 faulting vCPUs, %s' % mode,
                         self.sc_factor(mode), 1.8, 'ge', sb,
                         '; the machine\'s own (compute control): %.2f×' % ctl if ctl else ''))

        def mem(modes, deg):
            v = [self.mem_rec(m, deg) for m in modes]
            v = [r for r in v if r]
            if not v:
                return None, ''
            worst = max(v, key=lambda r: r['stats']['median'])
            return worst['stats']['median'], '%sincluding fixed tables at %d MiB: %s B' % (
                'worst: %s; ' % worst['mode'] if len(modes) > 1 else '',
                worst['pages'] // 256, fmt(max(r['total_bytes_per_page'] for r in v)))
        rmap = MODES[:3]
        for name, modes, deg, lim in (
                ('memory: <= 16 B/page at degree 1, rmap modes', rmap, 1, 16),
                ('memory: <= 8 B/page at degree 1, table walk', ['table_walk'], 1, 8),
                ('memory: <= 32 B/page at degree 2, rmap modes', rmap, 2, 32),
                ('memory: <= 32 B/page at degree 2, table walk', ['table_walk'], 2, 32)):
            x, note = mem(modes, deg)
            if deg == 2 and modes == rmap and x is not None and x > lim:
                note += ('; bound: two 8 B SPTEs + an 8 B head + a 16 B pair = 40 B; '
                         'under 32 needs SPTE pointers packed two to a word, or a '
                         'two-word head, which breaks the 16 B degree-1 goal')
            g.append((name, x, lim, 'le', ' B', note))

        # Dirty tracking: (goal, value, limit, how, unit, note, {band, qualifier}).
        q = self.ds_goal_sizes() if self.ds_sizes() else ''
        sz = self.ds_sizes()
        v = self.ds_flat('ring_global', 'fixed')
        x = statistics.median(v) if v else None
        b = self.rel_band(v)
        fixed = sz and self.ds_rec('ring_global', 'fixed', sz[0])
        v1 = self.ds_flat('ring_global', '1%')
        vb = self.ds_flat('bitmap', 'fixed')
        g.append(('dirty: ring harvest+reset per dirty page flat from 64 MiB to 1 GiB', x,
                  self.FLAT_LIMIT, 'le', '×',
                  ('"flat": ring_global ns/dirty page at the largest ÷ the smallest slot '
                   '<= %.1f (one-sided: cheaper is fine), at a fixed dirty count (%s '
                   'pages = 1%% of the smallest slot), median of per-repetition ratios; '
                   'at 1%% of each slot: %s; the bitmap at the fixed count: %s; %s' % (
                       self.FLAT_LIMIT, fixed['dirty'] if fixed else '?',
                       rfmt(statistics.median(v1)) if v1 else '-',
                       rfmt(statistics.median(vb)) if vb else '-', band(b)))
                  if x is not None else '', {'band': b, 'qualifier': q}))
        v = self.ds_ratio('1%', sz[-1]) if sz else []
        v = [1 / y for y in v if y]
        g.append(('dirty: ring >= 3x cheaper than the bitmap at 1 % of 1 GiB',
                  statistics.median(v) if v else None, 3.0, 'ge', '×',
                  'bitmap ÷ ring_global, µs per collection at 1%% of the %s MiB slot '
                  '(series 5b), median of per-repetition ratios; %s' % (
                      sz[-1] if sz else '?', band(self.rel_band(v))) if v else '',
                  {'band': self.rel_band(v), 'qualifier': q and sz[-1] != self.GOAL_MB[1] and
                   'at 1%% of %d MiB, not 1 GiB%s' % (
                       sz[-1], ' (QUICK)' if self.meta.get('quick') else '')}))
        x, b, note = self.crossover_goal()
        dq = ''
        if x is not None and self.meta.get('quick'):
            dq = 'QUICK: %d MiB slot' % (self.meta.get('size_mb') or 0)
        g.append(('dirty: ring/bitmap crossover >= 5 %', x, 5.0, 'ge', '%', note,
                  {'band_abs': b, 'qualifier': dq}))
        x, b, per = self.shuffle_ratio()
        g.append(('dirty: shuffled order <= 1.3x sequential', x, 1.3, 'le', '×',
                  ('ring_shuffled ÷ ring_global (series 5, same pages and repetition), '
                   'median over the fractions of the per-fraction medians of paired '
                   'ratios: %s; %s' % (', '.join('%g%%: %.2f' % (f * 100, y)
                                                for f, y in sorted(per.items())),
                                      band(b) + ' (median of the fractions\' bands)'))
                  if x is not None else '',
                  {'band': b, 'qualifier': 'QUICK: %d MiB slot' % (
                      self.meta.get('size_mb') or 0) if self.meta.get('quick') else ''}))
        return g

    def goals(self):
        rows, self.goal_list = [], []
        for name, x, lim, how, unit, note, *more in self.goal_rows():
            # Optional: {'band': noise band relative to the measured value, or
            # 'band_abs': in its units; 'qualifier': text for the status}.
            extra = more[0] if more else {}
            bd, qual = extra.get('band'), extra.get('qualifier') or ''
            ba = extra.get('band_abs')
            if ba is None and bd is not None and x is not None:
                ba = bd * abs(x)
            ok = None if x is None else x <= lim if how == 'le' else x >= lim
            near = x is not None and ba is not None and abs(x - lim) <= ba
            self.goal_list.append({'goal': name, 'measured': x, 'limit': lim,
                                   'direction': how, 'met': ok, 'note': note})
            if ba is not None:
                self.goal_list[-1].update(band_abs=ba, within_noise_band=near)
            if qual:
                self.goal_list[-1]['qualifier'] = qual
            if x is None:
                rows.append([name, '-', 'not measured (series not run or incomplete)', note])
                continue
            val = '%.2f%s' % (x, unit) if unit == '×' else '%s%s' % (fmt(x), unit)
            st = 'met' if ok else '**not met**'
            if near:
                st += ', within the noise band of the limit (not a clear result)'
            if qual:
                st += ' (%s)' % qual
            rows.append([name, val, st, note])
        self.md.append('### Goals (issue 13)\n')
        self.md.append('Each goal against its measured value as defined in its series '
                       '(medians of paired ratios; memory: marginal bytes per page).  The '
                       'noise band is the one of that series: a value within it of the '
                       'limit is not a clear result either way.%s\n' %
                       ('  **QUICK run**: small sizes and 3 repetitions, indicative only '
                        '(the goals are meant for 256 MiB+ and 9+ repetitions).'
                        if self.meta.get('quick') else ''))
        self.table(['goal', 'measured', 'status', 'note'], rows)


def host_meta(args):
    m = {'date': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
         'host_kernel': platform.release(), 'host_machine': platform.machine(),
         'host_cpus': os.cpu_count(), 'runner': args.runner,
         'host_loadavg': args.load}
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    m['host_cpu'] = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    if args.repo:
        def git(*a):
            r = subprocess.run(['git', '-C', args.repo] + list(a),
                               capture_output=True, text=True)
            return r.stdout.strip()
        m['git_commit'] = git('rev-parse', 'HEAD')
        m['git_dirty'] = bool(git('status', '--porcelain', '--untracked-files=no'))
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--log', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--runner', default='')
    ap.add_argument('--repo', default='')
    ap.add_argument('--load', default='', help='host load average, before -> after')
    args = ap.parse_args()

    meta, done, recs, skipped, bad = parse(args.log)
    if 'kernel' not in meta or not recs:
        print('report: no benchmark records in %s' % args.log, file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    hm = host_meta(args)
    rep = Report(args.out, recs, skipped)
    rep.meta = meta
    rep.md.append('## secmmu benchmark results\n')
    rep.md.append('- guest: kernel %s, %s CPUs, %s NUMA nodes; runner: %s' %
                  (meta.get('kernel'), meta.get('cpus'), meta.get('numa_nodes'),
                   hm['runner'] or 'unknown'))
    rep.md.append('- host: %s, %s CPUs, kernel %s; commit %s%s; %s' %
                  (hm.get('host_cpu', '?'), hm['host_cpus'], hm['host_kernel'],
                   hm.get('git_commit', '?')[:12],
                   ' (dirty tree)' if hm.get('git_dirty') else '', hm['date']))
    rep.md.append('- parameters: %s%s MiB aged/invalidated, %s MiB accessed, '
                  '%s MiB throughput, %s MiB memory series, %s reps, %s ms per '
                  'throughput sample; run took %s s in the guest' %
                  ('QUICK, ' if meta.get('quick') else '', meta.get('size_mb'),
                   meta.get('access_mb'), meta.get('throughput_mb'), meta.get('mem_mb'),
                   meta.get('reps'), meta.get('duration_ms'), done.get('seconds', '?')))
    if args.load:
        rep.md.append('- host load average (1/5/15 min) before -> after: %s%s' % (
            args.load, '; other jobs shared the host, expect outliers'
            if float(args.load.split()[0]) > (os.cpu_count() or 1) else ''))
    if 'qemu' in hm['runner']:
        rep.md.append('- QEMU TCG: absolute numbers mean little, compare each value '
                      'with its baseline from the same run (ratios).')
    if bad:
        rep.md.append('- %d garbled record line(s) on the console were ignored' % bad)
    if not done:
        rep.md.append('- **the benchmark did not finish** (no end record)')
    rep.md.append('- cells: median [min–max] over the repetitions\n')
    for s in (rep.access, rep.age, rep.throughput, rep.inval, rep.dirty,
              rep.dirtyscale, rep.mem, rep.numa, rep.huge, rep.realage, rep.goals):
        s()
    rep.md.append('Plots: ' + ', '.join(rep.plots) + '\n')

    with open(os.path.join(args.out, 'results.md'), 'w') as f:
        f.write('\n'.join(rep.md))
    res = {'meta': dict(meta, **hm), 'finished': bool(done), 'done': done,
           'skipped': skipped, 'records': recs}
    res['goals'] = getattr(rep, 'goal_list', []) + getattr(rep, 'realage_goals', [])
    if getattr(rep, 'cross', None):
        res['dirty_crossover_fraction'] = rep.cross
    with open(os.path.join(args.out, 'results.json'), 'w') as f:
        json.dump(res, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
