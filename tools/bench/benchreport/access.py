# SPDX-License-Identifier: GPL-2.0
"""Series access: vCPU access cost per 4 KiB touch."""
import statistics

from .stats import quartiles, ratio, ratio_min
from .render import cell, rfmt


class Access:

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
