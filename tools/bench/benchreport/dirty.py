# SPDX-License-Identifier: GPL-2.0
"""Series dirty: collection cost per dirty page, ring against bitmap."""
import statistics

from .stats import quartiles, ratio, ratio_min
from .render import fmt, cell, rfmt


class Dirty:
    DIRTY_METHODS = [('ring_global', 'ring, global reset (RESET_DIRTY_RINGS)', '#d95f02', 1),
                     ('ring_per_ring', 'ring, per-ring reset (RESET_DIRTY_RING)', '#1b9e77', 1),
                     ('kharvest', 'in-kernel SECMMU_HARVEST + per-ring reset', '#7570b3', 1),
                     ('ring_shuffled', 'ring, global reset, pages written in random order',
                      '#e7298a', 2),
                     ('bitmap', 'baseline: bitmap GET + scan + CLEAR of the whole slot',
                      'black', 1)]

    @staticmethod
    def crossover(fr, ring, bm):
        """Smallest fraction from which on ring (µs) > bitmap (µs), interpolated
        linearly from the fraction below; None: never, 0: from the first one."""
        i = len(fr)
        while i > 0 and ring[i - 1] >= bm[i - 1]:
            i -= 1
        if i == len(fr):
            return None
        if i == 0:
            return 0.0
        d0, d1 = ring[i - 1] - bm[i - 1], ring[i] - bm[i]
        return fr[i - 1] + (fr[i] - fr[i - 1]) * -d0 / (d1 - d0)

    def dirty(self):
        why = self.skipped.get('dirty')
        recs = self.of('dirty')
        if why is None and not recs:
            return
        self.md.append('### 5. Dirty tracking: harvest + reset per dirty page, ring vs bitmap\n')
        if why is not None:
            self.md.append('Skipped: %s.\n' % why)
            self.placeholder('dirty', 'Series 5: dirty tracking', 'skipped: ' + why)
            return
        coll = [r for r in recs if r.get('kind') == 'collect']
        if not coll:
            return
        pages = coll[0]['pages']
        fr = sorted({r['fraction'] for r in coll})
        by = {(r['method'], r['fraction']): r for r in coll}
        self.md.append(
            'Per sample: LOG_DIRTY set on a %d-page (%d MiB) memslot whose pages were '
            'all faulted writable, the chosen random pages written once (8 bytes, '
            'SECMMU_ACCESS_BATCH, ascending gfn order unless "shuffled"), then only the '
            'collection timed: it ends with the list of dirty pages in a user array and '
            'those pages write-protected again.  Rings: %d entries (SECMMU_DIRTY_RING_MAX), '
            'harvested from the mmapped ring with acquire/release (or by SECMMU_HARVEST), '
            'then reset; dirty sets above %d pages would be dirtied and collected in rounds '
            '(the time is the sum; "rounds" below).  Bitmap (the O(memory) baseline, same '
            'boot, same page sets): GET_DIRTY_LOG of the whole slot, a scan of its set bits, '
            'CLEAR_DIRTY_LOG of them.  Counters are per collection (medians); a reset or '
            'clear must make exactly one remote flush.\n' %
            (pages, pages // 256, 65536, 65536 - 8))
        rows = []
        for f in fr:
            bm = by.get(('bitmap', f))
            for key, name, _, _ in self.DIRTY_METHODS:
                r = by.get((key, f))
                if not r:
                    continue
                calls = r['reset_calls'] or 1
                ok = r['all_samples_ok'] and r['remote_flushes'] == calls
                rows.append(['%g%%' % (f * 100), r['dirty'], key, cell(r),
                             fmt(r['ns_per_mirrored_page']), fmt(r['us_per_collection']),
                             '-' if key == 'bitmap' else rfmt(
                                 r['us_per_collection'] / bm['us_per_collection']
                                 if bm and bm['us_per_collection'] else None),
                             r['rounds'], '%d / %d' % (r['logged'], r['dirty']),
                             '%d' % r['resets'], '%d' % r['reprotected'],
                             '%g' % (r['remote_flushes'] / calls),
                             'ok' if ok else '**MISMATCH**'])
        self.table(['dirty', 'pages', 'method', 'ns / dirty page median [min–max]',
                    'ns / mirrored page', 'µs / collection', '÷ bitmap (µs)', 'rounds',
                    'LOGGED / dirty', 'DIRTY_RESETS', 'DIRTY_REPROTECTED',
                    'flushes per reset', 'check'], rows)
        self.cross = {}
        lines = []
        for key, name, _, _ in self.DIRTY_METHODS[:-1]:
            ring = [by[(key, f)]['us_per_collection'] for f in fr if (key, f) in by]
            bm = [by[('bitmap', f)]['us_per_collection'] for f in fr if ('bitmap', f) in by]
            if len(ring) != len(fr) or len(bm) != len(fr):
                continue
            x = self.crossover(fr, ring, bm)
            self.cross[key] = x
            if x is None:
                lines.append('- %s: the ring stays cheaper than the bitmap up to %g%% dirty' %
                             (key, fr[-1] * 100))
            elif x == 0:
                lines.append('- %s: the ring costs more than the bitmap from %g%% dirty on' %
                             (key, fr[0] * 100))
            else:
                lines.append('- %s: the ring costs more than the bitmap above **%.3g%%** '
                             'dirty (%d of %d pages)' % (key, x * 100, round(x * pages), pages))
        self.md.append('Crossover (median µs per collection, ring > bitmap from there on; '
                       'linear between the measured fractions):\n')
        self.md.append('\n'.join(lines) + '\n')

        # Push cost on the fast path.
        push = [r for r in recs if r.get('kind') == 'push' and r['role'] == 'secmmu']
        if push:
            self.md.append('Push cost per vCPU write (8 bytes): to a mapped, write-protected '
                           'page of a LOG_DIRTY slot (fast-path unprotect with one cmpxchg + '
                           'the record: ring push, or the bitmap bit in the ring-less VM), '
                           'against the same writes, just before or after (alternating), to the same page offsets of '
                           'a twin memslot that never logs (writable, no logging work, and '
                           'as cold: rewriting the logged pages would find them warm).  '
                           'Counters: DIRTY_FAST_PATH and LOGGED per logged write, secondary '
                           'faults.\n')
            rows = []
            for f in fr:
                line = ['%g%%' % (f * 100)]
                for meth in ('ring', 'bitmap'):
                    r = self.find('dirty', '%s write, %g%%' % (meth, f * 100), 'secmmu')
                    b = self.find('dirty', '%s write, %g%%' % (meth, f * 100), 'baseline')
                    c = by.get(('ring_global' if meth == 'ring' else 'bitmap', f))
                    if not r or not b:
                        line += ['-'] * 4
                        continue
                    line += [cell(b), cell(r), '%s (%s)' % (rfmt(ratio(r, b)),
                                                        rfmt(ratio_min(r, b))),
                             '%s / %s / %s' % (fmt(c['fast_path'] / c['dirty']),
                                               fmt(c['logged'] / c['dirty']),
                                               fmt(c['faults'])) if c else '-']
                rows.append([line[0], by[('bitmap', f)]['dirty'] if ('bitmap', f) in by
                             else '-'] + line[1:])
            self.table(['dirty', 'writes', 'writable ns/write (baseline)',
                        'logged + ring push ns/write', 'ratio medians (minima)',
                        'fast path / logged per write, faults',
                        'writable ns/write (bitmap VM)', 'logged + bitmap bit ns/write',
                        'ratio medians (minima)', 'fast path / logged per write, faults'], rows)

        data, plots, idx = '', [], 0
        for key, name, color, dt in self.DIRTY_METHODS:
            pts = [by[(key, f)] for f in fr if (key, f) in by]
            if not pts:
                continue
            data += '# %s\n' % key
            for r in pts:
                s = r['stats']
                data += '%g\t%g\t%g\t%g\n' % (r['fraction'] * 100, s['median'],
                                              s['min'], s['max'])
            data += '\n\n'
            plots.append("DATA index %d using 1:2:3:4 with yerrorlines lw 2 dt %d pt 7 "
                         "ps 0.8 lc rgb '%s' title '%s'" %
                         (idx, dt, color, name.replace('_', '\\_')))
            idx += 1
        arrows = ''
        for key, x in self.cross.items():
            if x:
                color = [m[2] for m in self.DIRTY_METHODS if m[0] == key][0]
                arrows += ("set arrow from %g, graph 0 to %g, graph 0.12 nohead lw 1.5 "
                           "lc rgb '%s'\n" % (x * 100, x * 100, color))
        self.gnuplot('dirty', """
set title 'Series 5: dirty page collection (harvest + reset) cost per dirty page, %d-page slot (median, min-max bars)'
set xlabel 'dirty fraction of the mirrored memory (%%, log scale); ticks at the bottom: ring/bitmap crossovers'
set ylabel 'ns per dirty page (log scale)'
set logscale xy
set xrange [0.07:70]
set xtics ('0.1' 0.1, '1' 1, '5' 5, '10' 10, '25' 25, '50' 50)
set grid xtics ytics
set key inside right top
%s
plot """ % (pages, arrows) + ', \\\n     '.join(plots) + '\n', data)


    def shuffle_ratio(self):
        """Series 5: ring_shuffled ÷ ring_global per fraction (paired per
        repetition: same page set, the same repetition); returns (median over
        fractions of the per-fraction medians, band, per-fraction medians)."""
        fr = sorted({r['fraction'] for r in self.of('dirty') if r.get('kind') == 'collect'})
        per, bands = {}, []
        for f in fr:
            case = '%g%%' % (f * 100)
            v = self.paired_all(self.find('dirty', 'ring_shuffled, ' + case, 'secmmu'),
                                self.find('dirty', 'ring_global, ' + case, 'secmmu'))
            if v:
                per[f] = statistics.median(v)
                bands.append(self.rel_band(v))
        if not per:
            return None, None, {}
        return statistics.median(per.values()), statistics.median(bands), per

    def crossover_goal(self):
        """Series 5's crossover, the worse (smaller) of ring_global and
        ring_per_ring, in %; its band from the per-repetition crossovers."""
        cross = getattr(self, 'cross', {})
        cands = [(k, cross[k]) for k in ('ring_global', 'ring_per_ring') if k in cross]
        if not cands:
            return None, None, ''
        coll = [r for r in self.of('dirty') if r.get('kind') == 'collect']
        fr = sorted({r['fraction'] for r in coll})
        by = {(r['method'], r['fraction']): r for r in coll}
        top = fr[-1]
        key, x = min(cands, key=lambda c: top if c[1] is None else c[1])
        per = []
        bm = [by[('bitmap', f)] for f in fr]
        ring = [by[(key, f)] for f in fr]
        for i in range(min(len(r['samples']) for r in bm + ring)):
            c = self.crossover(fr, [r['samples'][i] * r['dirty'] for r in ring],
                               [r['samples'][i] * r['dirty'] for r in bm])
            per.append(top if c is None else c)
        # Absolute, in points of %: the crossover can be 0, and its per-repetition
        # spread is not proportional to it.
        value = (top if x is None else x) * 100
        q1, q3 = quartiles([c * 100 for c in per])
        band = max((q3 - q1) / 2, 0.05 * value)
        other = [c for c in cands if c[0] != key]

        def say(c):
            if c is None:
                return 'none up to %g%%' % (top * 100)
            if c == 0:
                return 'dearer than the bitmap from %g%% on' % (fr[0] * 100)
            return '%.3g%%' % (c * 100)
        note = ('worse of ring_global / ring_per_ring: %s (%s)%s; %d-page (%d MiB) slot; '
                'per-repetition crossovers %.3g–%.3g%%' % (
                    key, say(x), '; %s: %s' % (other[0][0], say(other[0][1])) if other else '',
                    coll[0]['pages'], coll[0]['pages'] // 256, min(per) * 100,
                    max(per) * 100))
        if x is None:
            note += '; no crossover measured: at least %g%%' % (top * 100)
        note += ('; noise band ±%.2g points (half the interquartile range of the '
                 'per-repetition crossovers, at least 5%% of the value)' % band)
        return value, band, note
