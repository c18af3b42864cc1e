# SPDX-License-Identifier: GPL-2.0
"""Issue 13's goals, each against its measured value."""
import statistics

from .stats import MODES
from .render import fmt, rfmt


class Goals:
    # ---- goals (issue 13), as data ----------------------------------------

    # (goal, ('floor', mode, degree) | ('vs', slower mode, faster mode), limit, how)
    AGE_GOALS = (
        ('aging: table walk <= 2x its floor, degree 1', ('floor', 'table_walk', 1), 2.0, 'le'),
        ('aging: table walk <= 3x its floor, degree 4', ('floor', 'table_walk', 4), 3.0, 'le'),
        ('aging: single-entry lockless <= 2x its floor, degree 1',
         ('floor', 'single_lockless', 1), 2.0, 'le'),
        ('aging: table walk >= 5x faster than locked, vCPU faulting, degree 1',
         ('vs', 'locked', 'table_walk'), 5.0, 'ge'),
        ('aging: single lockless >= 5x faster than locked, vCPU faulting, degree 1',
         ('vs', 'locked', 'single_lockless'), 5.0, 'ge'),
    )
    TP_LIMIT = 0.9	# fault throughput under aging, x the ager-shaped baseline
    SC_LIMIT = 1.8	# fault scaling from 1 to 2 vCPUs
    # (goal, modes, alias degree, bytes per page)
    MEM_GOALS = (
        ('memory: <= 16 B/page at degree 1, rmap modes', MODES[:3], 1, 16),
        ('memory: <= 8 B/page at degree 1, table walk', ['table_walk'], 1, 8),
        ('memory: <= 32 B/page at degree 2, rmap modes', MODES[:3], 2, 32),
        ('memory: <= 32 B/page at degree 2, table walk', ['table_walk'], 2, 32),
    )

    def goal_rows(self):
        """(goal, measured, limit, 'le'|'ge', unit, note) for every goal."""
        def fl(mode, deg, c=0):
            r = self.age_rec(mode, deg, c, 'secmmu')
            return self.paired(r, r and self.age_rec(self.AGE_FLOOR[mode], deg, c, 'baseline'))

        def vs(a, b, deg, c):
            return self.paired(self.age_rec(a, deg, c, 'secmmu'),
                               self.age_rec(b, deg, c, 'secmmu'))

        def band(b):
            return '' if b is None else 'noise band ±%.0f%%' % (100 * b)

        def row(name, x, lim, how, b, more=''):
            # The band goes to goals() too: a value within it of the limit
            # is flagged there as not a clear result.
            return (name, x, lim, how, '×', band(b) + more,
                    {} if b is None else {'band': b})

        def churn(a, b):
            # What the locked sweep costs the faulting vCPU instead.
            ra, rb = self.age_rec(a, 1, 1, 'secmmu'), self.age_rec(b, 1, 1, 'secmmu')
            if not (ra and rb and 'churn_faults_per_s' in ra and 'churn_faults_per_s' in rb):
                return ''
            return '; the vCPU meanwhile: %s faults/s beside %s, %s beside %s' % (
                fmt(ra['churn_faults_per_s']), a, fmt(rb['churn_faults_per_s']), b)

        ab1c = self.age_band(1, 1)
        g = []
        for name, (kind, a, b), lim, how in self.AGE_GOALS:
            if kind == 'floor':		# a mode against its floor at degree b
                g.append(row(name, fl(a, b), lim, how, self.age_band(b, 0)))
            else:			# mode b faster than mode a, vCPU faulting
                g.append(row(name, vs(a, b, 1, 1), lim, how, ab1c, churn(a, b)))
        fb = self.tp_band('fault')
        for mode in MODES[1:]:
            g.append(row('throughput: fault pages/s under continuous %s aging >= %gx the '
                         'ager-shaped baseline' % (mode, self.TP_LIMIT),
                         self.tp_ratio('fault', mode), self.TP_LIMIT, 'ge', fb))
        sb, ctl = self.sc_band(), self.sc_factor('control')
        for mode in MODES:
            g.append(row('scaling: fault pages/s >= %gx from 1 to 2 faulting vCPUs, %s' %
                         (self.SC_LIMIT, mode), self.sc_factor(mode), self.SC_LIMIT, 'ge', sb,
                         '; the machine\'s own (compute control): %.2f×' % ctl if ctl else ''))

        def mem(modes, deg):
            v = [self.mem_rec(m, deg) for m in modes]
            v = [r for r in v if r]
            if not v:
                return None, ''
            worst = max(v, key=lambda r: r['stats']['median'])
            return worst['stats']['median'], '%sincluding fixed tables at %d MiB: %s B' % (
                'worst: %s; ' % worst['mode'] if len(modes) > 1 else '',
                worst['pages'] // 256, fmt(max(r['total_bytes_per_page'] for r in v)))
        rmap = MODES[:3]
        for name, modes, deg, lim in self.MEM_GOALS:
            x, note = mem(modes, deg)
            if deg == 2 and modes == rmap and x is not None and x > lim:
                note += ('; bound: two 8 B SPTEs + an 8 B head + a 16 B pair = 40 B; '
                         'under 32 needs SPTE pointers packed two to a word, or a '
                         'two-word head, which breaks the 16 B degree-1 goal')
            g.append((name, x, lim, 'le', ' B', note))

        # Dirty tracking: (goal, value, limit, how, unit, note, {band, qualifier}).
        q = self.ds_goal_sizes() if self.ds_sizes() else ''
        sz = self.ds_sizes()
        v = self.ds_flat('ring_global', 'fixed')
        x = statistics.median(v) if v else None
        b = self.rel_band(v)
        fixed = sz and self.ds_rec('ring_global', 'fixed', sz[0])
        v1 = self.ds_flat('ring_global', '1%')
        vb = self.ds_flat('bitmap', 'fixed')
        g.append(('dirty: ring harvest+reset per dirty page flat from 64 MiB to 1 GiB', x,
                  self.FLAT_LIMIT, 'le', '×',
                  ('"flat": ring_global ns/dirty page at the largest ÷ the smallest slot '
                   '<= %.1f (one-sided: cheaper is fine), at a fixed dirty count (%s '
                   'pages = 1%% of the smallest slot), median of per-repetition ratios; '
                   'at 1%% of each slot: %s; the bitmap at the fixed count: %s; %s' % (
                       self.FLAT_LIMIT, fixed['dirty'] if fixed else '?',
                       rfmt(statistics.median(v1)) if v1 else '-',
                       rfmt(statistics.median(vb)) if vb else '-', band(b)))
                  if x is not None else '', {'band': b, 'qualifier': q}))
        v = self.ds_ratio('1%', sz[-1]) if sz else []
        v = [1 / y for y in v if y]
        g.append(('dirty: ring >= 3x cheaper than the bitmap at 1 % of 1 GiB',
                  statistics.median(v) if v else None, 3.0, 'ge', '×',
                  'bitmap ÷ ring_global, µs per collection at 1%% of the %s MiB slot '
                  '(series 5b), median of per-repetition ratios; %s' % (
                      sz[-1] if sz else '?', band(self.rel_band(v))) if v else '',
                  {'band': self.rel_band(v), 'qualifier': q and sz[-1] != self.GOAL_MB[1] and
                   'at 1%% of %d MiB, not 1 GiB%s' % (
                       sz[-1], ' (QUICK)' if self.meta.get('quick') else '')}))
        x, b, note = self.crossover_goal()
        dq = ''
        if x is not None and self.meta.get('quick'):
            dq = 'QUICK: %d MiB slot' % (self.meta.get('size_mb') or 0)
        g.append(('dirty: ring/bitmap crossover >= 5 %', x, 5.0, 'ge', '%', note,
                  {'band_abs': b, 'qualifier': dq}))
        x, b, per = self.shuffle_ratio()
        g.append(('dirty: shuffled order <= 1.3x sequential', x, 1.3, 'le', '×',
                  ('ring_shuffled ÷ ring_global (series 5, same pages and repetition), '
                   'median over the fractions of the per-fraction medians of paired '
                   'ratios: %s; %s' % (', '.join('%g%%: %.2f' % (f * 100, y)
                                                for f, y in sorted(per.items())),
                                      band(b) + ' (median of the fractions\' bands)'))
                  if x is not None else '',
                  {'band': b, 'qualifier': 'QUICK: %d MiB slot' % (
                      self.meta.get('size_mb') or 0) if self.meta.get('quick') else ''}))
        return g

    def goals(self):
        rows, self.goal_list = [], []
        for name, x, lim, how, unit, note, *more in self.goal_rows():
            # Optional: {'band': noise band relative to the measured value, or
            # 'band_abs': in its units; 'qualifier': text for the status}.
            extra = more[0] if more else {}
            bd, qual = extra.get('band'), extra.get('qualifier') or ''
            ba = extra.get('band_abs')
            if ba is None and bd is not None and x is not None:
                ba = bd * abs(x)
            ok = None if x is None else x <= lim if how == 'le' else x >= lim
            near = x is not None and ba is not None and abs(x - lim) <= ba
            self.goal_list.append({'goal': name, 'measured': x, 'limit': lim,
                                   'direction': how, 'met': ok, 'note': note})
            if ba is not None:
                self.goal_list[-1].update(band_abs=ba, within_noise_band=near)
            if qual:
                self.goal_list[-1]['qualifier'] = qual
            if x is None:
                rows.append([name, '-', 'not measured (series not run or incomplete)', note])
                continue
            val = '%.2f%s' % (x, unit) if unit == '×' else '%s%s' % (fmt(x), unit)
            st = 'met' if ok else '**not met**'
            if near:
                st += ', within the noise band of the limit (not a clear result)'
            if qual:
                st += ' (%s)' % qual
            rows.append([name, val, st, note])
        self.md.append('### Goals (issue 13)\n')
        self.md.append('Each goal against its measured value as defined in its series '
                       '(medians of paired ratios; memory: marginal bytes per page).  The '
                       'noise band is the one of that series: a value within it of the '
                       'limit is not a clear result either way.%s\n' %
                       ('  **QUICK run**: small sizes and 3 repetitions, indicative only '
                        '(the goals are meant for 256 MiB+ and 9+ repetitions).'
                        if self.meta.get('quick') else ''))
        self.table(['goal', 'measured', 'status', 'note'], rows)
