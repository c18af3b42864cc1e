# SPDX-License-Identifier: GPL-2.0
"""The console's "@@SMB {json}" records (tools/bench/common.c: emit())."""
import json
import re
import statistics

from .stats import quartiles

REC = re.compile(r'@@SMB (\{.*\})\s*$')


def summarize(rec):
    v = rec['samples']
    q1, q3 = quartiles(v)
    rec['stats'] = {'n': len(v), 'median': statistics.median(v),
                    'min': min(v), 'max': max(v), 'q1': q1, 'q3': q3}
    return rec


def parse(path):
    meta, done, recs, skipped, bad = {'series_seconds': {}}, {}, [], {}, 0
    with open(path, errors='replace') as f:
        for line in f:
            m = REC.search(line)
            if not m:
                continue
            try:
                o = json.loads(m.group(1))
            except ValueError:
                bad += 1
                continue
            if 'meta' in o:
                meta.update(o['meta'])
            elif 'done' in o:
                done = o['done']
            elif 'series_time' in o:
                meta.setdefault('series_seconds', {}).update(o['series_time'])
            elif 'skipped' in o:
                skipped[o['series']] = o['skipped']
            elif 'samples' in o and o['samples']:
                recs.append(summarize(o))
    return meta, done, recs, skipped, bad
