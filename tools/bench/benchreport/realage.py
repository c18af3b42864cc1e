# SPDX-License-Identifier: GPL-2.0
"""Series realage: the kernel's own MGLRU aging beside KVM (issue 28)."""
import statistics

from .stats import MODES, quartiles
from .render import fmt, cell, rfmt


class RealAge:
    # ---- series 9: the kernel's own aging beside KVM (issue 28) -----------

    RA_GOALS = (('empty notifier', 2.0), ('kvm', 0.25))

    def ra_added(self, r, none):
        """Per repetition: (r's pass - the same repetition's "none") per page, ns."""
        if not r or not none:
            return []
        return [(x - y) * 1e6 / r['pages'] for x, y in zip(r['samples'], none['samples'])]

    def realage(self):
        what = ('one MGLRU aging pass (`echo "+ MEMCG NODE MAX_SEQ 1 1" > '
                '/sys/kernel/debug/lru_gen`, timed around the write)')
        self.real_aging('realage', '9. The kernel\'s own aging beside KVM (realage, ms per '
                        'MGLRU pass)', what, 'MGLRU')
        self.real_aging('realage-thp', '9a. The kernel\'s own aging beside KVM over THP '
                        '(realage-thp, ms per MGLRU pass)', what, 'MGLRU, THP', True)

    def realidle(self):
        what = ('one page_idle pass (every page of the subject marked idle: its PFNs from '
                '/proc/PID/pagemap written as one bitmap to /sys/kernel/mm/page_idle/bitmap, '
                'timed around the writes; only kernels with IDLE_PAGE_TRACKING, here 7.2)')
        self.real_aging('realidle', '9b. page_idle beside KVM (realidle, ms per page_idle '
                        'bitmap pass)', what, 'page_idle')
        self.real_aging('realidle-thp', '9c. page_idle beside KVM over THP (realidle-thp, '
                        'ms per page_idle bitmap pass)', what, 'page_idle, THP', True)

    def real_aging(self, series, title, what, short, thp=False):
        recs = self.of(series)
        none = self.find(series, 'none', 'baseline')
        if not recs or not none:
            if thp:
                return
            if series in self.skipped:
                self.md.append('### %s\n' % title)
                self.md.append('Skipped: %s.\n' % self.skipped[series])
            return
        pages = none['pages']
        twin = self.find(series, 'none (twin)', 'twin')
        tw = self.ra_added(twin, none)
        band = None
        if tw:
            q1, q3 = quartiles(tw)
            band = max(abs(statistics.median(tw)), (q3 - q1) / 2)
        added = {r['case']: self.ra_added(r, none) for r in recs}
        med = {c: statistics.median(v) for c, v in added.items() if v}
        self.md.append('### %s\n' % title)
        self.md.append(
            '%s repetitions of %s over %d MiB (%d pages) of '
            '%s, each subject a process in a memcg of its own, made young '
            'before every pass (the process writes every page, then its secondary MMU touches '
            'every page), all subjects interleaved in a rotating order, in one boot with KVM '
            '(QEMU `-cpu max`, nested SVM + NPT under TCG). *none*: no secondary MMU; '
            '*empty notifier*: tests/floor, aging ops returning 0; *kvm*: a KVM guest '
            '(one vCPU on the KVM selftests\' memstress code) whose memslot is the memory; '
            '*secmmu MODE*: a secmmu VM mirroring it. **added ns/page** = per repetition, '
            '(pass - the same repetition\'s *none*) ÷ pages, median over repetitions; ratios '
            'are ratios of those medians. **Noise band**: *none (twin)* (identical) against '
            '*none*, max of |median| and half the interquartile range, in ns/page.%s\n' % (
                none.get('reps', none['stats']['n']), what, pages // 256, pages,
                'anonymous 4 KiB pages' if not thp else
                'anonymous THP (2 MiB aligned, `MADV_HUGEPAGE`; KVM\'s memslot '
                '`VM_MEM_SRC_ANONYMOUS_THP`, secmmu with `SECMMU_CAP_HUGE_LEAVES`: both map '
                '2 MiB leaves; column THP: the subject\'s AnonHugePages)',
                '' if band is None else '  Noise band here: ±%s ns/page.' % fmt(band)))
        fl, kv = med.get('empty notifier'), med.get('kvm')
        rows = []
        order = ['none', 'none (twin)', 'empty notifier', 'kvm'] + [
            'secmmu ' + m for m in MODES]
        for c in order:
            r = next((x for x in recs if x['case'] == c), None)
            if not r:
                rows.append([c, 'not measured', '-', '-', '-', '-'] + (['-'] if thp else []))
                continue
            a = med.get(c)
            calls = r.get('clear_young_calls') or 0
            rel = a is not None and c not in ('none', 'none (twin)')
            rows.append([c, cell(r), '-' if c == 'none' else fmt(a),
                         rfmt(a / fl) if rel and fl and fl > (band or 0) else '-',
                         rfmt(a / kv) if rel and kv and kv > (band or 0) else '-',
                         '%s (%.2f per page)' % (fmt(calls), calls / pages)
                         if c.startswith('secmmu') else '-'] +
                        (['%s of %d KiB' % (r.get('thp_kb', '?'), pages * 4)] if thp else []))
        self.table(['subject', 'ms/pass median [min–max]', 'added ns/page',
                    '÷ empty notifier', '÷ kvm', 'clear_young calls/pass'] +
                   (['THP'] if thp else []), rows)

        goals = []
        for m in MODES:
            a = med.get('secmmu ' + m)
            for ref, lim in self.RA_GOALS:
                d = med.get(ref)
                name = '%s: secmmu %s added ns/page <= %gx %s\'s' % (series, m, lim, ref)
                g = {'goal': name, 'limit': lim, 'direction': 'le', 'measured': None,
                     'met': None, 'note': ''}
                if a is not None and d is not None and (
                        d <= 0 or (band is not None and abs(d) <= band)):
                    # A ratio to a reference inside the noise means nothing.
                    g['note'] = ('no verdict: %s\'s added cost (%s ns/page) is inside '
                                 'the noise band (±%s)' % (ref, fmt(d), fmt(band or 0)))
                elif a is not None and d:
                    x = a / d
                    g.update(measured=x, met=x <= lim)
                    # Not clear when the limit is within the noise band of
                    # the secmmu value, or the reference itself is noise.
                    if band is not None:
                        g['within_noise_band'] = abs(a - lim * d) <= band or abs(d) <= band
                    g['note'] = 'secmmu %s, %s %s ns/page' % (fmt(a), ref, fmt(d))
                goals.append(g)
        self.realage_goals = getattr(self, 'realage_goals', []) + goals
        rows = []
        for g in goals:
            if g['measured'] is None:
                rows.append([g['goal'], '-', 'no verdict' if g['note'].startswith('no verdict')
                             else 'not measured', g['note']])
                continue
            st = 'met' if g['met'] else '**not met**'
            if g.get('within_noise_band'):
                st += ', within the noise band (not a clear result)'
            if self.meta.get('quick'):
                st += ' (QUICK: %d MiB, not the goal\'s 256)' % (pages // 256)
            rows.append([g['goal'], '%.2f×' % g['measured'], st, g['note']])
        data = ''.join('%s\t%g\t%g\n' % (c.replace(' ', '_'), med[c], band or 0)
                       for c in order[2:] if med.get(c) is not None)
        if data:
            self.gnuplot(series, """
set title '%s pass over %d MiB: added ns per page over "none" (median; bars: +- noise band)'
set ylabel 'added ns per 4 KiB page'
set yrange [0:*]
set style data histograms
set style histogram errorbars gap 2 lw 1.5
set style fill solid 0.7 border -1
set xtics noenhanced rotate by -20
unset key
plot DATA using 2:3:xtic(1) lc rgb '#d95f02'
""" % (short, pages // 256), data)
        self.md.append('Goals of issue 28 (%s pass, kernel %s, this boot; the goals are meant '
                       'for 256 MiB):\n' % (short, self.meta.get('kernel', '?')))
        self.table(['goal', 'measured', 'status', 'note'], rows)
