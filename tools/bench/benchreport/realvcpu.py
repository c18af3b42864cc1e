# SPDX-License-Identifier: GPL-2.0
"""Series realvcpu: a vCPU's throughput while MGLRU aging runs, as a ratio
to idle, KVM beside secmmu's rmap modes (issue 28), in two forms: the
vCPU's pages stay mapped (writes), or a part of them is zapped before
every pass (faulting: the vCPU faults while the hooks run)."""
from .stats import MODES
from .render import fmt, rfmt
from .realcommon import paired, rel_band, med

SUBJECTS = ['none', 'kvm'] + ['secmmu ' + m for m in MODES]
# Form: (record case prefix after the subject, title).
FORMS = [('', 'pages kept mapped'),
         ('faulting, ', 'faulting: 1/%s of the slot zapped before every pass')]


class RealVcpu:
    # Issue 28's goal, as data: throughput under continuous aging >= LIMIT
    # x idle, in the lockless modes (KVM's ratio beside it).
    RV_GOALS = [(m, 0.9) for m in MODES[1:]]

    def rv_ratio(self, subject, load, form=''):
        idle = self.find('realvcpu', '%s, %sidle' % (subject, form), None)
        r = self.find('realvcpu', '%s, %s%s' % (subject, form, load), None)
        v = [x for x in paired(r, idle, lambda a, b: a / b if b else None) if x is not None]
        return v

    def realvcpu(self):
        recs = self.of('realvcpu')
        if not recs:
            if 'realvcpu' in self.skipped:
                self.md.append('### 12. A vCPU under aging beside KVM (realvcpu)\n')
                self.md.append('Skipped: %s.\n' % self.skipped['realvcpu'])
            return
        pages = recs[0]['pages']
        self.md.append('### 12. A vCPU under aging beside KVM (realvcpu, pages/s)\n')
        self.md.append(
            '%d repetitions: each subject\'s vCPU (on CPU 0) writes one word of every page '
            'of a %d MiB memslot, pass after pass, for %s ms (*kvm*: a KVM guest; *secmmu '
            'MODE*: `SECMMU_ACCESS_BATCH` writes; *none*: the process itself, the control), '
            'idle or while a thread on CPU 1 loops MGLRU aging passes over the subject\'s '
            'memcg (each calling clear_young for every page), and idle again (the twin); '
            'in two forms: the pages stay mapped (no fault after the first pass), or '
            '*faulting*: before every pass the subject zaps the next part of the slot '
            '(`MADV_DONTNEED`), so that the vCPU faults on it while the aging runs (KVM '
            'x86 before 6.15 ages under its `mmu_lock`, which its faults take; 6.15 and '
            'later age without it).  '
            'Ratio: median of per-repetition aging ÷ idle; noise band: idle (twin) ÷ idle, '
            'its spread (half the IQR, at least 5%%) and its median\'s distance from 1; '
            '÷ control: the ratio over *none*\'s in the same form (what the aging costs '
            'beyond the CPU time it takes from any process).\n' % (
                recs[0]['stats']['n'], pages // 256, self.meta.get('duration_ms', '?')))
        for fi, (form, title) in enumerate(FORMS):
            zd = next((r.get('zap_div') for r in recs if r.get('form') == 'faulting'), '?')
            if fi and not self.find('realvcpu', 'none, %sidle' % form, None) and \
               not self.find('realvcpu', 'kvm, %sidle' % form, None):
                continue
            self.rv_form(form, title % zd if '%' in title else title, pages)

    def rv_form(self, form, title, pages):
        rows, data, ratio, bands = [], '', {}, {}
        for c in SUBJECTS:
            idle = self.find('realvcpu', '%s, %sidle' % (c, form), None)
            ag = self.find('realvcpu', '%s, %saging' % (c, form), None)
            if not idle or not ag:
                rows.append([c, 'not measured', '-', '-', '-', '-', '-', '-', '-'])
                continue
            x, tw = med(self.rv_ratio(c, 'aging', form)), self.rv_ratio(c, 'idle (twin)', form)
            b = rel_band(tw)
            if b is not None and tw:
                b = max(b, abs(med(tw) - 1))
            ratio[c], bands[c] = x, b
            ctl = ratio.get('none')
            rows.append([c, fmt(idle['stats']['median']), fmt(ag['stats']['median']),
                         rfmt(x), '±%.0f%%' % (100 * b) if b is not None else '-',
                         rfmt(x / ctl) if c != 'none' and x is not None and ctl else '-',
                         fmt(ag.get('aging_passes')),
                         fmt(ag.get('zapped_per_s')) if form else '-',
                         'no difference' if x is not None and b is not None and
                         abs(x - 1) <= b else '-' if x is None else
                         '%.0f%% slower' % (100 * (1 - x)) if x < 1 else
                         '%.0f%% faster' % (100 * (x - 1))])
            if x is not None:
                data += '%s\t%g\t%g\n' % (c.replace(' ', '_'), x, b or 0)
        self.md.append('*%s*:\n' % title)
        self.table(['subject', 'idle pages/s', 'under aging pages/s', 'aging ÷ idle',
                    'noise band', '÷ control', 'aging passes per sample',
                    'pages zapped/s under aging', 'verdict'], rows)
        goals = []
        kv = ratio.get('kvm')
        for m, lim in self.RV_GOALS:
            c = 'secmmu ' + m
            x = ratio.get(c)
            goals.append(self.real_goal(
                'realvcpu%s: vCPU throughput under aging >= %gx idle, secmmu %s' % (
                    ' (faulting)' if form else '', lim, m),
                x, lim, 'ge', 'kvm %s, locked %s, none %s' % (
                    rfmt(kv), rfmt(ratio.get('secmmu locked')), rfmt(ratio.get('none'))),
                bands.get(c) and x and bands[c] * x))
        self.real_goal_table(goals, 'vCPU under aging, %d MiB%s' % (
            pages // 256, ', faulting' if form else ''))
        if data:
            name = 'realvcpu-faulting' if form else 'realvcpu'
            self.gnuplot(name, """
set title '%s: vCPU pages/s under continuous MGLRU aging / idle (median; bars: noise band)'
set ylabel 'aging / idle'
set yrange [0:1.6]
set style data histograms
set style histogram errorbars gap 2 lw 1.5
set style fill solid 0.7 border -1
set xtics noenhanced rotate by -20
set arrow from graph 0, first 0.9 to graph 1, first 0.9 nohead dt 3 lw 2 lc rgb '#d95f02'
unset key
plot DATA using 2:($2*$3):xtic(1) lc rgb '#1b9e77'
""" % name, data)
