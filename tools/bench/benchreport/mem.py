# SPDX-License-Identifier: GPL-2.0
"""Series mem: memory overhead per mirrored page."""

from .render import fmt, rfmt


class Mem:
    def mem_rec(self, mode, deg):
        return self.find('mem', '%s, degree %d' % (mode, deg), 'secmmu')

    def mem(self):
        recs = [r for r in self.of('mem') if r['role'] == 'secmmu' and 'mode' in r]
        if not recs:
            return
        base = self.find('mem', 'host page tables', 'baseline')
        hb = base['stats']['median'] if base else 0
        r0 = recs[0]
        self.md.append('### 6. Memory overhead per mirrored page (bytes)\n')
        self.md.append(
            'A %d-page (%d MiB) memslot mapped through d views (alias degree d), one VM '
            'per rmap mode.  Counters TABLES, RMAP_PAIRS and RMAP_DESCS are read before '
            'anything is mapped, after the first half of the slot is mapped in every view, '
            'and after all of it.  **Marginal** bytes per mirrored page = (ΔTABLES × 4096 '
            '+ ΔRMAP_PAIRS × %g + ΔRMAP_DESCS × %g) over the second half ÷ its %d pages + '
            'the rmap head: the steady cost of one more page (the roots, upper-level '
            'tables and the vCPUs\' spare stock are already there).  **Total** = the same '
            'counters at the end ÷ %d pages + the head: everything the VM holds, at this '
            'size.  Rmap heads: 8 B per memslot page (one unsigned long per page, '
            'kvcalloc), none in table_walk mode; not in any counter.  A gfn with two '
            'leaves holds both in its head, as two 30-bit handles (table id + index, '
            'src/pt_id.h), or, when either has no handle, a pair (struct '
            'secmmu_rmap_pair: two SPTE pointers, %g B from %s); three to twelve, one descriptor (struct secmmu_rmap_desc: u32 count + '
            'u32 pad + next pointer + 12 SPTE pointers = 4 + 4 + 8 + 96 = %d B; %g B '
            'from %s, %.1f B with the slab page\'s unused tail).  Baseline: the '
            'process\'s own page tables for the same pages (VmPTE delta): %s B/page.\n' %
            (r0['pages'], r0['pages'] // 256, r0.get('pair_bytes', 0), r0['desc_bytes'],
             r0['half_pages'], r0['pages'], r0.get('pair_bytes', 0),
             r0.get('pair_size_source', 'the slab'), r0['desc_struct_bytes'],
             r0['desc_bytes'], r0['desc_size_source'], r0['desc_bytes_effective'],
             fmt(hb)))
        rows, data = [], ''
        for r in recs:
            t, d = r['tables'], r['rmap_descs']
            pr = r.get('rmap_pairs', [0, 0, 0])
            n2 = r['half_pages']
            tab = (t[2] - t[1]) * 4096.0 / n2
            desc = ((d[2] - d[1]) * r['desc_bytes'] +
                    (pr[2] - pr[1]) * r.get('pair_bytes', 0)) / n2
            rows.append([r['mode'], r['degree'], r['mapped'],
                         '%d → %d → %d' % tuple(t),
                         '%d → %d → %d / %d → %d → %d' % (tuple(pr) + tuple(d)),
                         fmt(tab), fmt(desc), fmt(r['head_bytes']),
                         '**%s**' % fmt(r['stats']['median']),
                         fmt(r['total_bytes_per_page']),
                         '%.2f%%' % (r['stats']['median'] / 40.96),
                         rfmt(r['stats']['median'] / hb if hb else None)])
            data += '%s d%d\t%g\t%g\t%g\t0\n' % (r['mode'], r['degree'], tab, desc,
                                                 r['head_bytes'])
        data += 'host page tables\t0\t0\t0\t%g\n' % hb
        self.table(['rmap mode', 'degree', 'MAPPED', 'TABLES (empty → half → all)',
                    'RMAP_PAIRS / RMAP_DESCS (empty → half → all)', 'tables B/page',
                    'pairs + descs B/page',
                    'head B/page', 'marginal B/page', 'total B/page', '% of 4 KiB',
                    '÷ host page tables'], rows)
        self.gnuplot('mem', """
set title 'Series 6: secondary MMU memory per mirrored page (marginal), per rmap mode and alias degree'
set ylabel 'bytes per memslot page'
set yrange [0:*]
set style data histograms
set style histogram rowstacked
set style fill solid 0.7 border -1
set boxwidth 0.6
set xtics noenhanced rotate by -45
set key below
plot DATA using 2:xtic(1) title 'SPTE table pages (TABLES x 4096)' lc rgb '#d95f02', \\
     '' using 3 title 'rmap pairs and descriptors' lc rgb '#7570b3', \\
     '' using 4 title 'rmap heads (8 B per page)' lc rgb '#1b9e77', \\
     '' using 5 title 'baseline: host page tables (VmPTE)' lc rgb '#666666'
""", data)
