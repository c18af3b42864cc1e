#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Line coverage of secmmu's src/ from gcov's JSON files (gcov -j).

Called by scripts/coverage.sh.  Prints one row per file of src/ (lines
gcov counts as executable, those executed at least once, functions and
those entered), the totals of src/*.c and of src/ with the headers'
inline code, and the functions no run entered.  A header's lines come
from every object that includes it: a line is executable when one of
them has code for it, and executed when one of them ran it.  With --md
the same goes to a markdown file; --brief prints only the src/*.c total.
"""

import argparse
import gzip
import json
import os
import sys


def load(paths, prefix):
    """{file: {line: count}}, {file: {function: [first line, count]}}."""
    lines, funcs = {}, {}
    for path in paths:
        with gzip.open(path, 'rt') as f:
            data = json.load(f)
        cwd = data.get('current_working_directory', '')
        for fe in data['files']:
            name = os.path.normpath(os.path.join(cwd, fe['file']))
            if not name.startswith(prefix):
                continue
            name = name[len(prefix):]
            if '/' in name:
                continue
            fl = lines.setdefault(name, {})
            for ln in fe['lines']:
                n = ln['line_number']
                fl[n] = fl.get(n, 0) + ln['count']
            ff = funcs.setdefault(name, {})
            for fn in fe['functions']:
                e = ff.setdefault(fn['demangled_name'], [fn['start_line'], 0])
                e[1] += fn['execution_count']
    return lines, funcs


def row(name, fl, ff):
    run = sum(1 for c in fl.values() if c > 0)
    entered = sum(1 for e in ff.values() if e[1] > 0)
    return [name, len(fl), run, len(ff), entered]


def pct(a, b):
    return f'{100.0 * a / b:.1f}%' if b else '-'


def total(name, rows):
    t = [name, 0, 0, 0, 0]
    for r in rows:
        for i in range(1, 5):
            t[i] += r[i]
    return t


# What TRACE_EVENT() generates for each event: listed per kind, not one
# by one, among the functions never entered.
TRACE_KINDS = ('__probestub_', '__traceiter_', 'perf_trace_',
               'do_trace_event_raw_event_', 'trace_event_raw_event_',
               'trace_raw_output_', '__bpf_trace_')


def trace_kind(fn):
    for k in TRACE_KINDS:
        if fn.startswith(k):
            return k, fn[len(k):]
    return None, None


def never_entered(ff):
    """Names of the functions never entered, TRACE_EVENT()'s grouped."""
    events = {trace_kind(f)[1] for f in ff} - {None}
    plain, kinds = [], {}
    for f, e in sorted(ff.items(), key=lambda x: (x[1][0], x[0])):
        if e[1] > 0:
            continue
        k, ev = trace_kind(f)
        if k is None:
            plain.append((f, e[0]))
        else:
            kinds.setdefault(k, []).append(ev)
    for k in TRACE_KINDS:
        if k not in kinds:
            continue
        evs = kinds[k]
        what = (f'every event ({len(evs)})' if set(evs) == events
                else ', '.join(evs))
        plain.append((f'{k}* for {what}', None))
    return plain


def ranges(fl):
    """Runs of never-executed lines, joined across lines without code."""
    code = sorted(fl)
    out, start, prev = [], None, None
    for ln in code:
        if fl[ln] == 0:
            if start is None:
                start = ln
            prev = ln
        elif start is not None:
            out.append(str(start) if start == prev else f'{start}-{prev}')
            start = None
    if start is not None:
        out.append(str(start) if start == prev else f'{start}-{prev}')
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--prefix', required=True,
                    help="the module build dir's src/ as gcov names it")
    ap.add_argument('--runs', default='?', help='how many runs were merged')
    ap.add_argument('--md', help='also write the report here (markdown)')
    ap.add_argument('--brief', action='store_true',
                    help='one line: the src/*.c total')
    ap.add_argument('json', nargs='+')
    a = ap.parse_args()
    prefix = a.prefix.rstrip('/') + '/'
    lines, funcs = load(a.json, prefix)
    if not lines:
        sys.exit(f'coverage: no file of {prefix} in the gcov data')

    names = sorted(lines, key=lambda n: (not n.endswith('.c'), n))
    rows = [row('src/' + n, lines[n], funcs.get(n, {})) for n in names]
    crow = total('src/*.c', [r for r in rows if r[0].endswith('.c')])
    hrow = total('src/*.h', [r for r in rows if r[0].endswith('.h')])
    arow = total('src/ (all)', [crow, hrow])

    if a.brief:
        print(f'coverage: src/*.c {crow[2]} of {crow[1]} lines executed '
              f'({pct(crow[2], crow[1])}), {crow[4]} of {crow[3]} functions '
              f'entered, {a.runs} KASAN run(s) (gcov; a report, not a test)')
        if a.md is None:
            return

    never = []
    for n in names:
        fs = never_entered(funcs.get(n, {}))
        if fs:
            never.append((n, fs))
    nnever = sum(1 for fe in funcs.values() for e in fe.values() if e[1] == 0)

    head = ['file', 'lines', 'executed', '%', 'functions', 'entered', '%']

    def cells(r):
        return [r[0], str(r[1]), str(r[2]), pct(r[2], r[1]),
                str(r[3]), str(r[4]), pct(r[4], r[3])]

    table = [cells(r) for r in rows if r[0].endswith('.c')]
    table += [cells(crow)]
    table += [cells(r) for r in rows if r[0].endswith('.h')]
    table += [cells(hrow), cells(arow)]

    text = [f'secmmu line coverage: {a.runs} run(s) on the KASAN debug '
            'kernel, gcov; headers: their inline code in every object']
    w = [max(len(c[i]) for c in table + [head]) for i in range(len(head))]
    for c in [head] + table:
        text.append('  '.join(c[0].ljust(w[0]) if i == 0 else c[i].rjust(w[i])
                              for i in range(len(c))).rstrip())
    text.append('')
    text.append(f'never entered: {nnever} function(s) (name:line)')
    for n, fs in never:
        text.append(f'  src/{n}: ' + ', '.join(
            f if ln is None else f'{f}:{ln}' for f, ln in fs))
    if not a.brief:
        print('\n'.join(text))

    if a.md:
        md = ['# secmmu line coverage', '',
              f'{a.runs} run(s) on the KASAN debug kernel (gcov of '
              'secmmu.ko, merged).  Lines are those gcov counts as '
              'executable; a header\'s lines are its inline code in every '
              'object that includes it.  A report, not a test.', '',
              '| ' + ' | '.join(head) + ' |',
              '| --- |' + ' ---: |' * (len(head) - 1)]
        for c in table:
            bold = c[0] in ('src/*.c', 'src/*.h', 'src/ (all)')
            md.append('| ' + ' | '.join(f'**{x}**' if bold else x for x in c)
                      + ' |')
        md += ['', f'## Functions never entered ({nnever})', '']
        for n, fs in never:
            md.append(f'- `src/{n}`: ' + ', '.join(
                f'`{f}`' if ln is None else f'`{f}` ({ln})' for f, ln in fs))
        if not never:
            md.append('(none)')
        md += ['', '## Lines never executed', '',
               'Executable lines no run executed, per file (ranges are of '
               'such lines only: lines without code between them are '
               'skipped).', '']
        for n in names:
            if 0 in lines[n].values():
                md.append(f'- `src/{n}`: ' + ', '.join(ranges(lines[n])))
        with open(a.md, 'w') as f:
            f.write('\n'.join(md) + '\n')


if __name__ == '__main__':
    main()
