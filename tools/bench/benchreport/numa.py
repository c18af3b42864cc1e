# SPDX-License-Identifier: GPL-2.0
"""Series numa: NUMA balancing under each protection policy."""
import statistics

from .stats import quartiles
from .render import cell


class Numa:
    def numa(self):
        """Series 7: NUMA balancing under each SECMMU_CAP_PROT_POLICY."""
        z = self.find('numa', 'zap', 'baseline')
        k = self.find('numa', 'keep_numa_hint', 'secmmu')
        if not z or not k:
            return
        self.md.append('### 7. NUMA balancing: protection policy (vCPU pages/s)\n')
        self.md.append(
            'NUMA balancing on (scan delay 0, minimum period 10 ms), vCPU 0 reading one '
            'word of each of %d pages in a loop, the process reading them after it (so the '
            'scanner keeps visiting the VMA) and an idle second thread (so pages already '
            'local are protected too); the two policies alternate within one VM, '
            'the order swapping every repetition.  Per second: protection invalidations '
            '(MMU_NOTIFY_PROTECTION_VMA, all VMAs of the process), those kept, SPTEs '
            'zapped, secondary faults and faults avoided (first accesses of kept leaves, '
            'SECMMU_STAT_PROT_FAULTS_AVOIDED) (medians).  Ratio = median of per-repetition '
            'KEEP ÷ ZAP; noise band = half the IQR of those ratios, at least 5%%.\n'
            % z.get('pages', 0))
        rows = []
        for r in (z, k):
            rows.append([r['policy'], cell(r), '%.1f' % r['prot_inval_per_s'],
                         '%.1f' % r['kept_per_s'], '%.0f' % r['zapped_per_s'],
                         '%.0f' % r['faults_per_s'], '%.0f' % r.get('avoided_per_s', 0)])
        self.table(['policy', 'vCPU pages/s median [min–max]', 'protection inval/s',
                    'kept/s', 'SPTEs zapped/s', 'faults/s', 'faults avoided/s'], rows)
        v = sorted(x / y for x, y in zip(k['samples'], z['samples']) if y)
        if not (z['zapped_per_s'] > 0 and k['kept_per_s'] > 0 and
                k.get('avoided_per_s', 1) > 0):
            self.md.append('No comparison: NUMA balancing did not reach the mirrored '
                           'pages during both policies\' samples (under ZAP no SPTE '
                           'zapped, or under KEEP no invalidation kept or no kept leaf '
                           'used: protection invalidations of other VMAs do not count; '
                           'the scanner runs when the kernel decides, longer samples '
                           'help).\n')
        elif v:
            q1, q3 = quartiles(v)
            band = max((q3 - q1) / 2, 0.05)
            x = statistics.median(v)
            self.md.append('KEEP_NUMA_HINT ÷ ZAP: %.2f (noise band ±%.0f%%): %s.\n' %
                           (x, 100 * band, self.verdict(x, band, 'faster')))
