# SPDX-License-Identifier: GPL-2.0
"""Series huge: huge leaves against 4 KiB leaves."""
import statistics

from .stats import quartiles
from .render import cell, rfmt


class Huge:
    def huge(self):
        """Series 8: huge leaves (SECMMU_CAP_HUGE_LEAVES) vs 4 KiB leaves."""
        rows = []
        for what in ('first touch', 'age clear'):
            b = self.find('huge', '4k, %s' % what, 'baseline')
            t = self.find('huge', '4k (twin), %s' % what, 'twin')
            h = self.find('huge', 'huge, %s' % what, 'secmmu')
            if not b or not t or not h:
                continue
            tw = sorted(x / y for x, y in zip(t['samples'], b['samples']) if y)
            band = None
            if tw:
                q1, q3 = quartiles(tw)
                band = max(abs(statistics.median(tw) - 1), (q3 - q1) / 2, 0.02)
            x = self.paired(h, b)
            rows.append([what, cell(b), cell(h), rfmt(x),
                         '-' if band is None else '±%.0f%%' % (100 * band),
                         self.verdict(x, band)])
        if not rows:
            return
        b = self.find('huge', '4k, first touch', 'baseline')
        h = self.find('huge', 'huge, first touch', 'secmmu')
        self.md.append('### 8. Huge leaves: THP mirrored by 2 MiB leaves vs 4 KiB leaves\n')
        self.md.append(
            'THP-backed memory (%d pages), a fresh single_lockless VM per sample with '
            'SECMMU_CAP_HUGE_LEAVES off (4k, and its identical twin for the noise band) '
            'or on (huge), the three interleaved, order rotating every repetition.  '
            'First touch: vCPU 0 reads one word of every page (faults included); age '
            'clear: one SECMMU_AGE CLEAR over all of them, all young.  ns per 4 KiB page; '
            'ratio = median of per-repetition huge ÷ 4k.  SPTE tables (marginal): %.2f B/page with '
            '4 KiB leaves (%d leaves), %.3f B/page with huge leaves (%d leaves), both counting '
            'the faulting vCPU\'s spare tables refilled after use (3 pages); the rmap '
            'heads are 8 B/page either way (+8 B per 2 MiB block for huge leaves).\n'
            % (b.get('pages', 0), b.get('table_bytes_per_page', 0), b.get('leaves', 0),
               h.get('table_bytes_per_page', 0), h.get('leaves', 0)))
        self.table(['ns/page', '4 KiB leaves', 'huge leaves', 'huge ÷ 4k (paired)',
                    'noise band', 'verdict'], rows)
