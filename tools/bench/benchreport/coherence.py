# SPDX-License-Identifier: GPL-2.0
"""Series coherence (issue 25): secmmu's coherence styles (one
mmu_notifier and a memslot walk, KVM's design; one interval notifier per
memslot with hmm_range_fault(), the device drivers') and test_hmm's
dmirror, on the same fault and invalidation workload."""
from .render import fmt, rfmt
from .realcommon import paired, abs_band, med

OPS = ['munmap', 'MADV_DONTNEED', 'mprotect', 'fork', 'migrate']
OP_TEXT = {'munmap': '`munmap`', 'MADV_DONTNEED': '`MADV_DONTNEED`',
           'mprotect': '`mprotect(PROT_READ)`', 'fork': '`fork` (COW write-protection)',
           'migrate': '`move_pages` to node 1'}
INTERVALS = ['interval', 'interval_two_pass']
SUBJECTS = ['notifier', 'notifier (twin)'] + INTERVALS + ['dmirror']
COLOR = {'notifier': 'black', 'notifier (twin)': '#999999', 'interval': '#d95f02',
         'interval_two_pass': '#1b9e77', 'dmirror': '#7570b3'}


def size_text(np):
    kib = np * 4
    return '%d KiB' % kib if kib < 1024 else '%d MiB' % (kib // 1024)


class Coherence:
    # Issue 25's goals, as data: an interval style's cost <= LIMIT x the
    # notifier style's, per invalidation (added ns/page over "none", every
    # event, at every size) and per fault (ns/page, at every size).
    COH_GOALS = (('inval', 1.2), ('fault', 1.1))

    def coh(self, subject, what):
        return self.find('coherence', '%s, %s' % (subject, what), None)

    def coh_fault(self, subject, np):
        """Per repetition: (cold - warm) / pages, ns: the fault's cost."""
        return paired(self.coh(subject, 'fault %d' % np),
                      self.coh(subject, 'fault warm %d' % np),
                      lambda c, w: (c - w) / np)

    def coh_added(self, subject, op, np):
        """Per repetition: (subject's call - the same repetition's none) / pages, ns."""
        return paired(self.coh(subject, '%s %d' % (op, np)),
                      self.coh('none', '%s %d' % (op, np)),
                      lambda x, y: (x - y) / np)

    @staticmethod
    def coh_twin_band(twin, base):
        """The noise band of a per-page value: the twin against notifier,
        per repetition (max of |median| and half the IQR)."""
        return abs_band([t - b for t, b in zip(twin, base)]) if twin and base else None

    def coh_ratio(self, vals, np):
        """{style: (ratio to notifier, band of the ratio or None, clear)} at
        one size; vals(subject, np) -> per-repetition values."""
        nv = med(vals('notifier', np))
        band = self.coh_twin_band(vals('notifier (twin)', np), vals('notifier', np))
        out = {}
        for st in INTERVALS:
            x = med(vals(st, np))
            if x is None or nv is None:
                continue
            # A ratio means something only when the notifier's own value
            # is above the twin's band (a cost, not noise around zero).
            clear = band is not None and nv > band
            out[st] = (x / nv if nv > 0 else None, band / nv if clear else None, clear)
        return out, nv, band

    def coherence(self):
        recs = self.of('coherence')
        title = '### Two coherence designs (coherence, issue 25)\n'
        if not recs:
            if 'coherence' in self.skipped:
                self.md.append(title)
                self.md.append('Skipped: %s.\n' % self.skipped['coherence'])
            return
        self.md.append(title)
        subjects = sorted({r['subject'] for r in recs}, key=lambda s: (
            ['none'] + SUBJECTS).index(s) if s in ['none'] + SUBJECTS else 99)
        sizes = sorted({r['pages'] for r in recs if r['kind'] == 'inval'})
        fsizes = sorted({r['pages'] for r in recs if r['kind'] == 'fault'})
        reps = recs[0]['stats']['n']
        have = [s for s in SUBJECTS if s in subjects]
        self.md.append(
            '%d repetitions, every subject a process of its own (pinned to CPU 0, memory '
            'on node 0), all interleaved in a rotating order, in one boot: *none* (no '
            'secondary MMU), *notifier* (secmmu, `SECMMU_COHERENCE_NOTIFIER`: one '
            '`mmu_notifier`, memslot walk, GUP) and its identical **twin** (the noise '
            'band), *interval* / *interval_two_pass* (one `mmu_interval_notifier` per '
            'memslot, `hmm_range_fault()`; the two-pass form where `CHECK_CAP` has it), '
            '*dmirror* (lib/test_hmm.c, where the kernel has test_hmm.ko).  Every sample '
            'maps fresh anonymous 4 KiB pages that the process wrote; a sample is the '
            'median of up to 8 (QUICK: 4) such iterations (about 4096 pages in all; one '
            'iteration from 16 MiB up), so that one preemption of the guest on a loaded '
            'host does not move it.  Subjects here: %s.'
            '%s\n' % (reps, ', '.join(subjects),
                      '' if 'dmirror' in subjects else
                      '  No dmirror in this boot (test_hmm.ko: the 7.2 kernel).'))
        goals = []
        data = []

        # Faults.
        self.md.append('**Fault**, ns per page: a read through the secondary MMU of every '
                       'page of a fresh range (secmmu: one 8-byte word per page by a vCPU, '
                       '`SECMMU_ACCESS_BATCH`; dmirror: `HMM_DMIRROR_READ`, which copies '
                       'every page too), cold minus warm (the same read again, every page '
                       'mapped), per repetition, median.  Cold: the whole first read.\n')
        rows = []
        for s in have:
            v = {np: med(self.coh_fault(s, np)) for np in fsizes}
            if all(x is None for x in v.values()):
                continue
            big = fsizes[-1]
            cold = self.coh(s, 'fault %d' % big)
            nv = med(self.coh_fault('notifier', big))
            rows.append([s] + [fmt(v[np]) for np in fsizes] +
                        [fmt(cold['stats']['median'] / big) if cold else '-',
                         rfmt(v[big] / nv) if nv and v[big] is not None and
                         s != 'notifier' else '-'])
            for np in fsizes:
                if v[np] is not None:
                    data.append((0, s, np, v[np]))
        self.table(['subject'] + [size_text(np) for np in fsizes] +
                   ['cold, %s' % size_text(fsizes[-1]), '÷ notifier, %s' % size_text(fsizes[-1])],
                   rows)
        goals += self.coh_goals('fault', 'ns/page per fault', fsizes,
                                lambda s, np: self.coh_fault(s, np))

        # Invalidations.
        bad = []
        for r in recs:
            if r['kind'] != 'inval' or r['role'] != 'secmmu':
                continue
            want = r['moved_min'] if r['op'] == 'migrate' else r['pages']
            if r['zapped_min'] < want:
                bad.append('%s %s %s: %d leaves zapped for %d pages' % (
                    r['subject'], r['op'], size_text(r['pages']), r['zapped_min'], want))
        self.md.append('**Invalidation**, added ns per page over *none* (the same call in a '
                       'process with no secondary MMU, same repetition), median; the secondary '
                       'MMU had written every page (secmmu: a vCPU wrote one word per page; '
                       'dmirror: `HMM_DMIRROR_WRITE`).  *none*: its own ns per page.  In '
                       'brackets: ÷ notifier (where the notifier\'s added cost is positive).  '
                       'Every secmmu sample zapped %s.\n' % (
                           'at least one leaf per page (per page moved, migration)' if not bad
                           else 'NOT all its leaves: ' + '; '.join(bad[:6])))
        for i, op in enumerate(OPS):
            if not self.coh('none', '%s %d' % (op, sizes[0])):
                continue
            rows = []
            none_row = ['none']
            for np in sizes:
                n = self.coh('none', '%s %d' % (op, np))
                none_row.append('%s' % fmt(n['stats']['median'] / np) if n else '-')
            rows.append(none_row)
            for s in have:
                row = [s]
                for np in sizes:
                    a = med(self.coh_added(s, op, np))
                    nv = med(self.coh_added('notifier', op, np))
                    if a is None:
                        row.append('-')
                        continue
                    data.append((1 + i, s, np, a))
                    row.append(fmt(a) + (' (%s)' % rfmt(a / nv) if nv is not None and nv > 0
                                         and s != 'notifier' else ''))
                rows.append(row)
            mv = self.coh('none', 'migrate %d' % sizes[-1]) if op == 'migrate' else None
            self.md.append('%s%s:\n' % (OP_TEXT[op], (
                ' (pages moved, fewest in a sample at %s: %d of %d)' % (
                    size_text(sizes[-1]), mv['moved_min'], sizes[-1])) if mv else ''))
            self.table(['subject'] + [size_text(np) for np in sizes], rows)
            goals += self.coh_goals('inval', '%s added ns/page' % op, sizes,
                                    lambda s, np, op=op: self.coh_added(s, op, np))

        self.coh_scale(subjects)
        self.coh_mslot(subjects)
        self.coh_goal_table(goals)
        self.coh_plot(data, sizes)

    def coh_goals(self, kind, what, sizes, vals):
        """One goal row per interval style: the worst ratio over the sizes.
        When the notifier's own value at that size is inside its twin's
        band, the ratio says nothing: "inside the noise"."""
        lim = dict(self.COH_GOALS)[kind]
        out = []
        for st in INTERVALS:
            per = []
            for np in sizes:
                r, nv, band = self.coh_ratio(vals, np)
                if st in r and r[st][0] is not None:
                    per.append((np,) + r[st] + (nv, band))
            if not per:
                continue
            np, x, b, clear, nv, band = max(per, key=lambda t: t[1])
            note = 'worst at %s (notifier %s ns/page, twin band ±%s); every size: %s' % (
                size_text(np), fmt(nv), fmt(band), ', '.join(
                    '%s %s%s' % (size_text(p[0]), rfmt(p[1]), '' if p[3] else ' (noise)')
                    for p in per))
            goal = 'coherence: %s %s <= %gx notifier, every size' % (st, what, lim)
            if clear:
                out.append(self.real_goal(goal, x, lim, 'le', note,
                                          b * abs(x) if b is not None else None))
            else:
                g = self.real_goal(goal, x, lim, 'le', 'inside the noise: the notifier\'s '
                                   'value at the worst size is within its twin\'s band; ' +
                                   note)
                g['within_noise_band'] = True
                out.append(g)
        return out

    def coh_goal_table(self, goals):
        rows = []
        for g in goals:
            if g['measured'] is None:
                rows.append([g['goal'], '-', 'not measured', g['note']])
                continue
            st = 'met' if g['met'] else '**not met**'
            if g.get('within_noise_band'):
                st += ', inside the noise'
            if self.meta.get('quick'):
                st += ' (QUICK: small sizes, few repetitions)'
            rows.append([g['goal'], '%.2f×' % g['measured'], st, g['note']])
        self.md.append('Goals of issue 25 (kernel %s, this boot): the worst ratio over the '
                       'sizes; the band is the twin\'s, relative to the notifier\'s value:\n' %
                       self.meta.get('kernel', '?'))
        self.table(['goal', 'measured', 'status', 'note'], rows)

    def coh_scale(self, subjects):
        rows = []
        for s in ['none'] + SUBJECTS:
            one, two = self.coh(s, 'scale 1'), self.coh(s, 'scale 2')
            if s not in subjects or not one or not two:
                continue
            np = one['pages']
            f = paired(one, two, lambda a, b: a / b if b else 0)
            if s == 'none':
                rows.append(['none (the machine: arithmetic)', '-', '-', rfmt(med(f))])
                continue
            rows.append([s, fmt(np / one['stats']['median'] * 1e9),
                         fmt(np / two['stats']['median'] * 1e9), rfmt(med(f))])
        if not rows:
            return
        self.md.append('**Fault scaling** (fresh subject processes, after the rest: the '
                       'others never run on CPU 1): %d fresh pages faulted by one vCPU (CPU 0), '
                       'then by two (CPUs 0 and 1, half each; dmirror: two threads), pages per '
                       'second; '
                       'factor: 1-vCPU time ÷ 2-vCPU time per repetition, median (2.00× is '
                       'perfect).  *none*: the same split of pure arithmetic, what this '
                       'machine gives two threads.\n' % self.coh('notifier', 'scale 1')['pages'])
        self.table(['subject', '1 vCPU pages/s', '2 vCPUs pages/s', '1 → 2'], rows)

    def coh_mslot(self, subjects):
        rows = []
        for s in ['notifier', 'notifier (twin)'] + INTERVALS:
            if s not in subjects:
                continue
            cells = []
            for where in ('in', 'out'):
                v = {}
                for n in (1, 32):
                    v[n] = med(paired(self.coh(s, '%d memslots, %s' % (n, where)),
                                      self.coh('none', '%d memslots, %s' % (n, where)),
                                      lambda a, b: a - b))
                cells += [fmt(v[1]), fmt(v[32]),
                          fmt(v[32] - v[1]) if None not in v.values() else '-']
            rows.append([s] + cells)
        if not rows:
            return
        r = self.coh('none', '1 memslots, in')
        self.md.append('**32 memslots**: `MADV_DONTNEED` of one page, the median of %s per '
                       'sample, added ns per invalidation over *none*: a page of the VM\'s '
                       'range (*in*: the vCPU wrote it first) or of no memslot (*out*), with '
                       'the range\'s own memslot alone or with 31 more (16 pages each, all '
                       'mapped).  *none* '
                       'itself: %s ns (in), %s ns (out).\n' % (
                           r['k'] if r else '?', fmt(r['stats']['median']) if r else '-',
                           fmt(self.coh('none', '1 memslots, out')['stats']['median'])
                           if self.coh('none', '1 memslots, out') else '-'))
        self.table(['subject', 'in, 1 slot', 'in, 32 slots', 'in: +31 slots',
                    'out, 1 slot', 'out, 32 slots', 'out: +31 slots'], rows)

    def coh_plot(self, data, sizes):
        if not data:
            return
        text, idx = '', []
        for panel in range(1 + len(OPS)):
            for s in SUBJECTS:
                pts = sorted((np, v) for p, ss, np, v in data if p == panel and ss == s)
                if not pts:
                    continue
                text += ''.join('%d\t%g\n' % (np * 4, v) for np, v in pts) + '\n\n'
                idx.append((panel, s))
        script = ("set multiplot layout 2,3 title 'coherence: ns per page (median); "
                  "invalidations: added over \"none\"'\nset logscale x 2\n"
                  "set xlabel 'KiB'\nset termoption noenhanced\n"
                  "set key inside top left font ',7'\n")
        for panel, name in enumerate(['fault (cold - warm)'] + OPS):
            plots = ["DATA index %d using 1:2 with linespoints lw 2 lc rgb '%s' title '%s'" %
                     (n, COLOR.get(s, 'black'), s) for n, (p, s) in enumerate(idx)
                     if p == panel]
            script += "set title '%s'\nplot %s\n" % (name, ', \\\n     '.join(plots) or
                                                   'NaN notitle')
        script += 'unset multiplot\n'
        self.gnuplot('coherence', script, text)

