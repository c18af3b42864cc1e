# SPDX-License-Identifier: GPL-2.0
"""Series noage: what reclaim loses when a secondary MMU does not age
(issue 25): hot pages reclaimed and refaulted per second under
memory.reclaim, and the vCPU's throughput, per coherence style, against a
process touching its hot set itself (tools/bench/noage.c)."""
import statistics

from .render import fmt, rfmt
from .realcommon import paired, abs_band, rel_band, med

# The subjects, in the table's order: (case, coherence style, answers aging).
SUBJECTS = [
    ('control', 'process loads', True),
    ('notifier', 'notifier', True),
    ('interval', 'interval', False),
    ('interval (twin)', 'interval', False),
    ('interval + aging', 'interval + AGING', True),
    ('two_pass', 'two_pass', False),
    ('two_pass + aging', 'two_pass + AGING', True),
]


def ratio_of(a, b):
    return [x for x in paired(a, b, lambda x, y: x / y if y else None) if x is not None]


class NoAge:
    # Issue 25's goal, as data: per interval style, the subject without
    # aging against the one with it; the difference of their hot-set
    # refaults per second, and of the hot set's share of what reclaim took
    # (the same, divided by how fast reclaim went in that sample: on a
    # loaded TCG host that rate varies more than anything), per repetition,
    # must stand outside the noise band (*interval (twin)* against
    # *interval*) by at least LIMIT bands for the series to tell them apart,
    # either way.  Below it the verdict is "no difference", and the goal
    # not met.
    NA_GOALS = [('interval', 'interval', 'interval + aging', 1.0),
                ('two_pass', 'two_pass', 'two_pass + aging', 1.0)]
    NA_TWIN = ('interval', 'interval (twin)')

    def na(self, subject, what):
        return self.find('noage', '%s: %s' % (subject, what), None)

    def na_share(self, subject):
        """Per repetition: hot ÷ (hot + cold) pages reclaimed, in %."""
        v = paired(self.na(subject, 'hot reclaimed'), self.na(subject, 'cold reclaimed'),
                   lambda h, c: 100.0 * h / (h + c) if h + c else None)
        return [x for x in v if x is not None]

    def na_metric(self, subject, metric):
        if metric == 'share':
            return self.na_share(subject)
        r = self.na(subject, 'hot refaulted')
        return r['samples'] if r else []

    def na_band(self, metric):
        """Noise band of @metric in its units: the interval twin against the
        interval subject, per repetition; at least one page per sample
        (refaults), 0.5 points (share)."""
        a, b = (self.na_metric(self.NA_TWIN[1], metric),
                self.na_metric(self.NA_TWIN[0], metric))
        d = [x - y for x, y in zip(a, b)]
        floor = 0.5 if metric == 'share' else \
            1000.0 / float(self.meta.get('duration_ms') or 1000)
        return max(abs_band(d), floor) if d else None

    def noage(self):
        recs = self.of('noage')
        if not recs:
            if 'noage' in self.skipped:
                self.md.append('### noage: what reclaim loses when a mirror does not age\n')
                self.md.append('Skipped: %s.\n' % self.skipped['noage'])
            return
        r0 = recs[0]
        n = r0['stats']['n']
        self.md.append('### noage: what reclaim loses when a mirror does not age '
                       '(hot pages/s, accesses/s)\n')
        self.md.append(
            '%d repetitions, subjects interleaved in a rotating order.  Each subject, a '
            'process in a memcg of its own (memory bound to node 0, running on CPU 0), '
            'holds %d pages of anonymous 4 KiB memory of which %d, one page in %d, are the '
            'hot set: its vCPU reads one word of every hot page, pass after pass, for %s ms '
            '(`SECMMU_ACCESS_BATCH`: the primary MMU sees none of these accesses), the cold '
            'pages are never touched.  Before every sample the process writes every page '
            '(what was swapped out comes back) and `MADV_COLD`s them all, so hot and cold '
            'look alike to the primary MMU, then the vCPU makes one pass.  Under reclaim a '
            'thread on CPU 1 writes %d KiB to the memcg\'s `memory.reclaim` every %d ms '
            '(zram swap); idle: nothing.  *control*: the process reads its hot set with its '
            'own loads (the primary MMU sees them).  **hot refaulted** = the subject\'s '
            'major faults (swap-ins: it touches nothing else), **hot reclaimed** = those + '
            'hot pages still swapped out at the end, **cold reclaimed** = cold pages '
            'swapped out, **hot share** = hot ÷ (hot + cold) reclaimed (the hot set is '
            '%d%% of the memory).  Cells: median over repetitions; noise bands: *interval (twin)* '
            'against *interval*, per repetition (max(|median|, half the IQR), at least one '
            'page per sample).  Throughput ratios: medians of per-repetition ratios.\n' % (
                n, r0['pages'], r0['hot_pages'], r0['pages'] // r0['hot_pages'],
                self.meta.get('duration_ms', '?'), r0['reclaim_kib'], r0['period_ms'],
                100 * r0['hot_pages'] // r0['pages']))
        band = self.na_band('refaults')
        sband = self.na_band('share')
        aged = self.na('interval + aging', 'accesses, reclaim')
        ri = {c: ratio_of(self.na(c, 'accesses, reclaim'), self.na(c, 'accesses, idle'))
              for c, _, _ in SUBJECTS}
        ra = {c: ratio_of(self.na(c, 'accesses, reclaim'), aged) for c, _, _ in SUBJECTS}
        # Throughput bands: the twin against its original, per repetition.
        tw_ri = ratio_of(self.na('interval (twin)', 'accesses, reclaim'),
                         self.na('interval', 'accesses, reclaim'))
        tw_idle = ratio_of(self.na('interval (twin)', 'accesses, idle'),
                           self.na('interval', 'accesses, idle'))
        tband = rel_band(tw_ri)
        if tband is not None:
            tband = max(tband, abs(med(tw_ri) - 1))
        iband = rel_band(tw_idle)
        if iband is not None:
            iband = max(iband, abs(med(tw_idle) - 1))
        rows, data = [], ''
        for c, style, ages in SUBJECTS:
            rf, rc = self.na(c, 'hot refaulted'), self.na(c, 'hot reclaimed')
            if not rf:
                rows.append([c, style, 'yes' if ages else '**no**', 'not measured'] +
                            ['-'] * 11)
                continue
            cold, ar, ai = (self.na(c, 'cold reclaimed'), self.na(c, 'accesses, reclaim'),
                            self.na(c, 'accesses, idle'))
            share = self.na_share(c)
            rows.append([c, style, 'yes' if ages else '**no**',
                         fmt(rf['stats']['median']), fmt(rc['stats']['median']),
                         fmt(cold['stats']['median']),
                         '-' if not share else '%.1f%%' % med(share),
                         fmt(ar['stats']['median']),
                         fmt(ai['stats']['median']), rfmt(med(ri[c])),
                         '-' if c == 'control' else rfmt(med(ra[c])),
                         fmt(rf.get('invalidations_per_s')), fmt(rf.get('hook_calls_per_s')),
                         fmt(rf.get('hook_young_per_s')), fmt(rf.get('reclaim_writes'))])
            if share:
                data += '%s\t%g\t%g\n' % (c.replace(' ', '_'), med(share), sband or 0)
        self.table(['subject', 'coherence', 'ages', 'hot refaulted /s',
                    'hot reclaimed /s', 'cold reclaimed /s', 'hot share of reclaimed',
                    'accesses/s under reclaim',
                    'accesses/s idle', 'reclaim ÷ idle', 'under reclaim ÷ interval + aging',
                    'invalidations /s', 'aging hook calls /s', 'answered young /s',
                    'memory.reclaim writes per sample'], rows)
        pct = lambda b: '±%.0f%%' % (100 * b) if b is not None else '-'
        self.md.append('Noise bands (*interval (twin)* against *interval*, per repetition): '
                       'hot refaults ±%s pages/s; hot share ±%s points; accesses/s under '
                       'reclaim %s, idle %s.\n' % (fmt(band), fmt(sband), pct(tband), pct(iband)))
        x = med(ra.get('interval'))
        if x is not None and tband is not None:
            self.md.append('Throughput: under reclaim *interval* (no aging) runs at %s of '
                           '*interval + aging*: %s.\n' % (
                               rfmt(x), 'no difference within the noise band'
                               if abs(x - 1) <= tband else '%.0f%% %s, outside the noise band'
                               % (100 * abs(1 - x), 'slower' if x < 1 else 'faster')))
        self.na_goals({'refaults': band, 'share': sband})
        if data:
            self.gnuplot('noage', """
set title 'noage: share of reclaimed pages taken from the hot set (median; bars: noise band)'
set ylabel 'hot share of reclaimed pages, %'
set yrange [0:*]
set style data histograms
set style histogram errorbars gap 2 lw 1.5
set style fill solid 0.7 border -1
set xtics noenhanced rotate by -20
unset key
plot DATA using 2:3:xtic(1) lc rgb '#d95f02'
""", data)

    def na_goals(self, bands):
        rows = []
        for name, off, on, lim in self.NA_GOALS:
            for metric, what, unit in (('refaults', 'hot refaults/s', 'pages/s'),
                                       ('share', 'hot share of reclaimed', 'points')):
                band = bands[metric]
                a, b = self.na_metric(off, metric), self.na_metric(on, metric)
                goal = ('noage: %s without aging against with it, %s, difference >= %g '
                        'noise band(s)' % (name, what, lim))
                if not a or not b or not band:
                    why = 'not on this kernel' if not a or not b else 'no noise band'
                    self.real_goal(goal, None, lim, 'ge', 'no verdict: ' + why)
                    rows.append([goal, '-', 'not measured', why])
                    continue
                dm = statistics.median([x - y for x, y in zip(a, b)])
                x = abs(dm) / band
                verdict = ('no difference (|%s| %s within ±%s)' % (fmt(dm), unit, fmt(band))
                           if x < lim else
                           '%s without aging: %s %s %s than with it, %.2f noise bands' % (
                               name, fmt(abs(dm)), unit, 'more' if dm > 0 else 'fewer', x))
                g = self.real_goal(goal, x, lim, 'ge', verdict)
                st = 'met' if g['met'] else '**not met**'
                if self.meta.get('quick'):
                    st += ' (QUICK: small sizes, few repetitions)'
                rows.append([goal, '%.2f bands' % x, st, verdict])
        self.md.append('Goal of issue 25 (kernel %s, this boot):\n' %
                       self.meta.get('kernel', '?'))
        self.table(['goal', 'measured', 'status', 'verdict'], rows)
