# SPDX-License-Identifier: GPL-2.0
"""What the real* series' sections share: paired values, noise bands, and
issue 28's goals kept as data (each module's GOALS) and rendered alike."""
import statistics

from .stats import quartiles


def paired(a, b, f):
    """Per repetition f(a[r], b[r]) of two records of the same boot."""
    if not a or not b:
        return []
    return [f(x, y) for x, y in zip(a['samples'], b['samples'])]


def abs_band(v):
    """Noise band of a twin's differences: max(|median|, half the IQR)."""
    if not v:
        return None
    q1, q3 = quartiles(v)
    return max(abs(statistics.median(v)), (q3 - q1) / 2)


def rel_band(v):
    """Noise band of per-repetition ratios without a twin: half the IQR
    relative to the median, at least 5%."""
    if not v:
        return None
    q1, q3 = quartiles(v)
    m = statistics.median(v)
    return max((q3 - q1) / 2 / m if m else 0, 0.05)


def med(v):
    return statistics.median(v) if v else None


class RealGoals:
    def real_goal(self, goal, x, limit, how, note='', band_abs=None):
        """One goal of issue 28 against its measured value x (None: not
        measured); band_abs: the noise band around x, in x's units."""
        g = {'goal': goal, 'limit': limit, 'direction': how, 'measured': x,
             'met': None if x is None else x <= limit if how == 'le' else x >= limit,
             'note': note}
        if band_abs is not None and x is not None:
            g.update(band_abs=band_abs, within_noise_band=abs(x - limit) <= band_abs)
        if not hasattr(self, 'real_goals'):
            self.real_goals = []
        self.real_goals.append(g)
        return g

    def real_goal_table(self, goals, what):
        rows = []
        for g in goals:
            if g['measured'] is None:
                rows.append([g['goal'], '-', 'no verdict' if g['note'].startswith('no verdict')
                             else 'not measured', g['note']])
                continue
            st = 'met' if g['met'] else '**not met**'
            if g.get('within_noise_band'):
                st += ', within the noise band of the limit (not a clear result)'
            if self.meta.get('quick'):
                st += ' (QUICK: small sizes, few repetitions)'
            rows.append([g['goal'], '%.2f×' % g['measured'], st, g['note']])
        self.md.append('Goals of issue 28 (%s, kernel %s, this boot):\n' % (
            what, self.meta.get('kernel', '?')))
        self.table(['goal', 'measured', 'status', 'note'], rows)
