#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn secmmu-bench console output into results.json, results.md and plots.

usage: report.py --log CONSOLE --out DIR [--runner TEXT] [--repo DIR]

The benchmark prints one JSON object per line after "@@SMB " (see
tools/bench/common.c: emit()); everything else on the console is ignored.
Plots are drawn with gnuplot (pngcairo), one PNG per series.

The modules in benchreport/: parse and stats (the records, quartiles,
ratios), render (formats, tables, gnuplot), one mixin class per series
(access, age, throughput, inval, dirty, dirtyscale, mem, numa, huge,
noage, coherence, realage with realidle, realinval, realdirty, realvcpu;
realcommon: what the real* share), and goals (issue 13's goals, each against its measured value).
"""
import argparse
import json
import os
import sys

sys.dont_write_bytecode = True	# no __pycache__ in the checkout
# pylint: disable=wrong-import-position
from benchreport.parse import parse
from benchreport.render import Render, host_meta
from benchreport.access import Access
from benchreport.age import Age
from benchreport.throughput import Throughput
from benchreport.inval import Inval
from benchreport.dirty import Dirty
from benchreport.dirtyscale import DirtyScale
from benchreport.mem import Mem
from benchreport.numa import Numa
from benchreport.realage import RealAge
from benchreport.realinval import RealInval
from benchreport.realdirty import RealDirty
from benchreport.realvcpu import RealVcpu
from benchreport.realcommon import RealGoals
from benchreport.huge import Huge
from benchreport.noage import NoAge
from benchreport.coherence import Coherence
from benchreport.goals import Goals


class Report(Render, Access, Age, Throughput, Inval, Dirty, DirtyScale, Mem, Numa,
             RealAge, RealInval, RealDirty, RealVcpu, RealGoals, Huge, NoAge, Coherence,
             Goals):
    """One results.md: every series' section (benchreport/, one mixin per
    series), then the goals."""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--log', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--runner', default='')
    ap.add_argument('--repo', default='')
    ap.add_argument('--load', default='', help='host load average, before -> after')
    args = ap.parse_args()

    meta, done, recs, skipped, bad = parse(args.log)
    if 'kernel' not in meta or not recs:
        print('report: no benchmark records in %s' % args.log, file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    hm = host_meta(args)
    rep = Report(args.out, recs, skipped)
    rep.meta = meta
    rep.md.append('## secmmu benchmark results\n')
    rep.md.append('- guest: kernel %s, %s CPUs, %s NUMA nodes; runner: %s' %
                  (meta.get('kernel'), meta.get('cpus'), meta.get('numa_nodes'),
                   hm['runner'] or 'unknown'))
    rep.md.append('- host: %s, %s CPUs, kernel %s; commit %s%s; %s' %
                  (hm.get('host_cpu', '?'), hm['host_cpus'], hm['host_kernel'],
                   hm.get('git_commit', '?')[:12],
                   ' (dirty tree)' if hm.get('git_dirty') else '', hm['date']))
    rep.md.append('- parameters: %s%s MiB aged/invalidated, %s MiB accessed, '
                  '%s MiB throughput, %s MiB memory series, %s reps, %s ms per '
                  'throughput sample; run took %s s in the guest' %
                  ('QUICK, ' if meta.get('quick') else '', meta.get('size_mb'),
                   meta.get('access_mb'), meta.get('throughput_mb'), meta.get('mem_mb'),
                   meta.get('reps'), meta.get('duration_ms'), done.get('seconds', '?')))
    if args.load:
        rep.md.append('- host load average (1/5/15 min) before -> after: %s%s' % (
            args.load, '; other jobs shared the host, expect outliers'
            if float(args.load.split()[0]) > (os.cpu_count() or 1) else ''))
    if 'qemu' in hm['runner']:
        rep.md.append('- QEMU TCG: absolute numbers mean little, compare each value '
                      'with its baseline from the same run (ratios).')
    if bad:
        rep.md.append('- %d garbled record line(s) on the console were ignored' % bad)
    if not done:
        rep.md.append('- **the benchmark did not finish** (no end record)')
    rep.md.append('- cells: median [min–max] over the repetitions\n')
    for s in (rep.access, rep.age, rep.throughput, rep.inval, rep.dirty,
              rep.dirtyscale, rep.mem, rep.numa, rep.huge, rep.noage, rep.coherence,
              rep.realage, rep.realidle,
              rep.realinval, rep.realdirty, rep.realvcpu, rep.goals):
        s()
    rep.md.append('Plots: ' + ', '.join(rep.plots) + '\n')

    with open(os.path.join(args.out, 'results.md'), 'w') as f:
        f.write('\n'.join(rep.md))
    res = {'meta': dict(meta, **hm), 'finished': bool(done), 'done': done,
           'skipped': skipped, 'records': recs}
    res['goals'] = (getattr(rep, 'goal_list', []) + getattr(rep, 'realage_goals', []) +
                    getattr(rep, 'real_goals', []))
    if getattr(rep, 'cross', None):
        res['dirty_crossover_fraction'] = rep.cross
    with open(os.path.join(args.out, 'results.json'), 'w') as f:
        json.dump(res, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
