# SPDX-License-Identifier: GPL-2.0
"""Series inval: munmap and MADV_DONTNEED of mirrored memory."""

from .stats import ratio, ratio_min
from .render import cell, rfmt


class Inval:
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
