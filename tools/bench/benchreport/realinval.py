# SPDX-License-Identifier: GPL-2.0
"""Series realinval: munmap, MADV_DONTNEED and mprotect of memory a
secondary MMU mapped, beside KVM and an empty notifier (issue 28)."""
from .stats import MODES
from .render import fmt, rfmt
from .realcommon import paired, abs_band, med

OPS = ['munmap', 'MADV_DONTNEED', 'mprotect']
SUBJECTS = ['none (twin)', 'empty notifier', 'kvm'] + ['secmmu ' + m for m in MODES]
COLOR = {'none (twin)': '#999999', 'empty notifier': '#7570b3', 'kvm': 'black',
         'secmmu locked': '#d95f02', 'secmmu single_lockless': '#1b9e77',
         'secmmu lock_bit': '#e7298a', 'secmmu table_walk': '#66a61e'}


def thp_note(recs):
    """How much of the memory was THP, from the records (per subject's sample)."""
    low = sorted({'%s (%s of %d KiB)' % (r['subject'], int(r.get('thp_kb', -1)), r['pages'] * 4)
                  for r in recs if r.get('thp_kb', 0) < r['pages'] * 4})
    if not low:
        return '  All of the memory was THP in every subject (AnonHugePages).'
    return ('  **Not all THP** (median AnonHugePages): %s.' % ', '.join(low[:6]) +
            (' and more' if len(low) > 6 else ''))


class RealInval:
    # Issue 28's goal, as data: secmmu's added cost per page <= LIMIT x
    # KVM's, for each call, at the largest size measured, in every mode.
    RI_GOALS = [(op, 0.5) for op in OPS]

    def ri_added(self, subject, op, mb):
        """Per repetition: (subject's call - the same repetition's none) per
        page, ns, in the series being rendered (self.ri_cur)."""
        series = getattr(self, 'ri_cur', 'realinval')
        r = self.find(series, '%s, %s %d MiB' % (subject, op, mb), None)
        none = self.find(series, 'none, %s %d MiB' % (op, mb), 'baseline')
        if not r or not none:
            return []
        return paired(r, none, lambda x, y: (x - y) * 1e3 / r['pages'])

    def realinval(self):
        self.ri_series('realinval')
        self.ri_series('realinval-thp')

    def ri_series(self, series):
        self.ri_cur = series
        self.ri_section(series, series != 'realinval')
        self.ri_cur = 'realinval'

    def ri_section(self, series, thp):
        recs = self.of(series)
        if not recs:
            if not thp and 'realinval' in self.skipped:
                self.md.append('### 10. Invalidation beside KVM (realinval)\n')
                self.md.append('Skipped: %s.\n' % self.skipped['realinval'])
            return
        sizes = sorted({r['mb'] for r in recs})
        big = sizes[-1]
        reps = recs[0]['stats']['n']
        self.md.append('### 10%s. Invalidation beside KVM%s (%s, added ns per page)\n' % (
            'b' if thp else '', ' over THP' if thp else '', series))
        self.md.append(
            '%d repetitions: `munmap`, `MADV_DONTNEED` and `mprotect(PROT_READ)` of %s MiB '
            'of %s, timed around the call, in a subject process that '
            'mapped the memory afresh for the sample (the process wrote every page, then '
            'its secondary MMU mapped every page: *kvm* a KVM guest\'s vCPU wrote every '
            'page of a memslot over it, *secmmu MODE* a secmmu vCPU did; *empty notifier*: '
            'tests/floor registered on the mm), all subjects interleaved in a rotating '
            'order, in one boot with KVM.  Cells: added ns per page over *none* (the same '
            'call in a process with no secondary MMU, same repetition), median over '
            'repetitions (the *none* row: its own time per call); **noise band**: *none (twin)* against *none* (max of |median| '
            'and half the interquartile range).%s\n' % (
                reps, ', '.join(map(str, sizes)),
                'anonymous THP (2 MiB aligned, `MADV_HUGEPAGE`; KVM and secmmu, with '
                '`SECMMU_CAP_HUGE_LEAVES`, map 2 MiB leaves)' if thp else
                'anonymous 4 KiB pages', thp_note(recs) if thp else ''))
        data, goals = '', []
        for i, op in enumerate(OPS):
            band = abs_band(self.ri_added('none (twin)', op, big))
            kv = med(self.ri_added('kvm', op, big))
            # A ratio to KVM's added cost means something only when that
            # cost is outside the noise band itself.
            kv_clear = kv is not None and band is not None and abs(kv) > band
            rows = []
            for c in ['none'] + SUBJECTS:
                a = {mb: med(self.ri_added(c, op, mb)) for mb in sizes}
                if c != 'none' and all(v is None for v in a.values()):
                    rows.append([c] + ['not measured'] * (len(sizes) + 1))
                    continue
                x = a[big]
                rows.append([c] + (['%s µs' % fmt(self.find(
                    series, 'none, %s %d MiB' % (op, mb), 'baseline')['stats']['median'])
                                    for mb in sizes] if c == 'none' else
                                   [fmt(a[mb]) for mb in sizes]) +
                            [rfmt(x / kv) if c not in ('none', 'kvm') and x is not None and
                             kv_clear else '-'])
                for mb in sizes:
                    if c != 'none' and a[mb] is not None:
                        data += '%d\t%d\t%s\t%g\n' % (i, mb, c.replace(' ', '_'), a[mb])
            self.md.append('`%s` (noise band at %d MiB: ±%s ns/page):\n' % (
                op, big, fmt(band) if band is not None else '?'))
            self.table(['subject'] + ['%d MiB' % mb for mb in sizes] +
                       ['÷ kvm at %d MiB' % big], rows)
            for o, lim in self.RI_GOALS:
                if o != op:
                    continue
                per = {m: med(self.ri_added('secmmu ' + m, op, big)) for m in MODES}
                per = {m: v for m, v in per.items() if v is not None}
                x, note = None, ''
                if per and kv_clear:
                    worst = max(per, key=lambda m: per[m])
                    x = per[worst] / kv
                    note = 'worst mode %s at %d MiB; kvm %s ns/page; %s' % (
                        worst, big, fmt(kv), ', '.join('%s %s' % (m, rfmt(v / kv))
                                                       for m, v in per.items()))
                elif per and kv is not None:
                    note = ('no verdict: KVM\'s added cost (%s ns/page) is inside the noise '
                            'band (±%s): no difference from *none* here; secmmu: %s' % (
                                fmt(kv), fmt(band), ', '.join('%s %s' % (m, fmt(v))
                                                              for m, v in per.items())))
                goals.append(self.real_goal(
                    '%s: secmmu %s added ns/page <= %gx KVM\'s, every mode' % (
                        series, op, lim),
                    x, lim, 'le', note, band / abs(kv) if kv_clear else None))
        self.real_goal_table(goals, 'invalidation%s, at %d MiB' % (
            ' over THP' if thp else '', big))
        self.ri_plot(data, sizes, series)

    def ri_plot(self, data, sizes, series='realinval'):
        if not data:
            return
        # One panel per call; one line per subject (data sorted by subject).
        lines = sorted(data.strip().split('\n'), key=lambda ln: (ln.split('\t')[2],
                                                                 int(ln.split('\t')[0]),
                                                                 int(ln.split('\t')[1])))
        blocks, cur = [], None
        for ln in lines:
            i, mb, c, v = ln.split('\t')
            if (c, i) != cur:
                blocks.append([])
                cur = (c, i)
            blocks[-1].append((int(i), c, ln))
        text, idx = '', []
        for b in blocks:
            text += ''.join(x[2] + '\n' for x in b) + '\n\n'
            idx.append((b[0][0], b[0][1]))
        script = ("set multiplot layout 1,3 title '" + series + ": added ns per page over "
                  "\"none\" (median)'\nset logscale x 2\nset xlabel 'MiB'\n"
                  "set xtics (%s)\nset termoption noenhanced\nset key inside top right font ',8'\n" %
                  ', '.join(str(s) for s in sizes))
        for i, op in enumerate(OPS):
            plots = ["DATA index %d using 2:4 with linespoints lw 2 lc rgb '%s' title '%s'" %
                     (n, COLOR.get(c.replace('_', ' ', 1), 'black'), c.replace('_', ' ', 1))
                     for n, (j, c) in enumerate(idx) if j == i]
            script += "set title '%s'\nplot %s\n" % (op, ', \\\n     '.join(plots) or 'NaN notitle')
        script += 'unset multiplot\n'
        self.gnuplot(series, script, text)
