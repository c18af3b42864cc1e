# SPDX-License-Identifier: GPL-2.0
"""Series age: SECMMU_AGE sweep cost per page, against its floors."""
import statistics

from .stats import MODES, quartiles
from .render import fmt, cell, rfmt


class Age:
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
