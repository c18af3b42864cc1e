# SPDX-License-Identifier: GPL-2.0
"""Series dirtyscale (5b): dirty collection cost against the memslot size."""
import statistics

from .stats import quartiles
from .render import fmt, cell, rfmt


class DirtyScale:
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
