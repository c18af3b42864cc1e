# SPDX-License-Identifier: GPL-2.0
"""Series realdirty: get and clear of the dirty log per dirty page, secmmu
beside KVM, bitmap and ring, on the same dirty sets (issue 28)."""
from .render import cell, fmt, rfmt
from .realcommon import paired, rel_band, med

METHODS = ['bitmap', 'ring']


class RealDirty:
    # Issue 28's goals, as data: secmmu's ns per dirty page <= LIMIT x
    # KVM's, same method, for each call, at every dirty fraction.
    RD_GOALS = [('get', 1.0), ('clear', 1.0)]

    def rd_rec(self, who, method, op, stride):
        return self.find('realdirty', '%s %s, %s, 1/%d dirty' % (who, method, op, stride), None)

    def realdirty(self):
        recs = self.of('realdirty')
        if not recs:
            if 'realdirty' in self.skipped:
                self.md.append('### 11. Dirty log beside KVM (realdirty)\n')
                self.md.append('Skipped: %s.\n' % self.skipped['realdirty'])
            return
        strides = sorted({r['stride'] for r in recs}, reverse=True)
        pages = recs[0]['pages']
        self.md.append('### 11. Dirty log beside KVM (realdirty, ns per dirty page)\n')
        self.md.append(
            '%d repetitions over a memslot of %d MiB (%d pages, each written once before '
            'logging starts): the vCPU writes one word of every STRIDE-th page (the same '
            'pages for every subject), then *get* and *clear* are timed apart.  KVM '
            '(bin/secmmu-real-kvm on the selftests\' library): bitmap = `KVM_GET_DIRTY_LOG` '
            '+ a scan of the bitmap / `KVM_CLEAR_DIRTY_LOG` (KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2'
            ', the clear re-protects); ring = harvest of the mmapped 65536-entry ring / '
            '`KVM_RESET_DIRTY_RINGS`.  secmmu: `SECMMU_GET_DIRTY_LOG` + scan / '
            '`SECMMU_CLEAR_DIRTY_LOG`; ring harvest / `SECMMU_RESET_DIRTY_RINGS`.  KVM\'s '
            'dirty_log_perf_test times the bitmap only, over all of its memory, so the '
            'program here times both on these sets.  Ratio: median of per-repetition '
            'secmmu ÷ KVM (same method, same repetition); noise band: half the '
            'interquartile range of those ratios, at least 5%%.\n' % (
                recs[0]['stats']['n'], pages // 256, pages))
        rows, data, worst = [], '', {}
        for s in strides:
            for m in METHODS:
                for op in ('get', 'clear'):
                    k = self.rd_rec('kvm', m, op, s)
                    c = self.rd_rec('secmmu', m, op, s)
                    v = paired(c, k, lambda x, y: x / y if y else None)
                    v = [x for x in v if x is not None]
                    x, b = med(v), rel_band(v)
                    ok = all(r.get('all_found', True) for r in (k, c) if r)
                    rows.append(['1/%d (%s pages)' % (s, (k or c or {}).get('dirty', '?')),
                                 m, op, cell(k) if k else 'not measured',
                                 cell(c) if c else 'not measured', rfmt(x),
                                 '±%.0f%%' % (100 * b) if b else '-',
                                 'yes' if ok else '**no**'])
                    if x is not None:
                        w = worst.get((m, op))
                        if w is None or x > w[0]:
                            worst[(m, op)] = (x, b, s)
                    for who, r in (('kvm', k), ('secmmu', c)):
                        if r:
                            data += '%s_%s_%s\t%g\t%g\n' % (who, m, op, 100.0 / s,
                                                            r['stats']['median'])
        self.table(['dirty', 'method', 'call', 'KVM ns/dirty page', 'secmmu ns/dirty page',
                    'secmmu ÷ KVM', 'noise band', 'every dirty page found'], rows)
        goals = []
        for m in METHODS:
            for op, lim in self.RD_GOALS:
                w = worst.get((m, op))
                goals.append(self.real_goal(
                    'realdirty: secmmu %s %s per dirty page <= %gx KVM\'s, every fraction' %
                    (m, op, lim), w and w[0], lim, 'le',
                    'worst at 1/%d dirty' % w[2] if w else '',
                    w and w[1] and w[1] * w[0]))
        self.real_goal_table(goals, 'dirty log, %d MiB' % (pages // 256))
        self.rd_plot(data)

    def rd_plot(self, data):
        if not data:
            return
        series = {}
        for ln in data.strip().split('\n'):
            k, f, v = ln.split('\t')
            series.setdefault(k, []).append((float(f), float(v)))
        text, plots = '', []
        for n, (k, pts) in enumerate(sorted(series.items())):
            text += ''.join('%g\t%g\n' % p for p in sorted(pts)) + '\n\n'
            who, m, op = k.split('_')
            plots.append("DATA index %d using 1:2 with linespoints lw 2 dt %d lc rgb '%s' "
                         "title '%s %s %s'" % (n, 1 if op == 'get' else 2,
                                              {'kvm': 'black', 'secmmu': '#d95f02'}[who] if
                                              m == 'bitmap' else
                                              {'kvm': '#7570b3', 'secmmu': '#1b9e77'}[who],
                                              who, m, op))
        self.gnuplot('realdirty', """
set title 'realdirty: ns per dirty page, get and clear, KVM and secmmu (median)'
set logscale x
set xlabel '% of the memslot dirty'
set ylabel 'ns per dirty page'
set yrange [0:*]
set termoption noenhanced
set key inside top right
plot """ + ', \\\n     '.join(plots) + '\n', text)
