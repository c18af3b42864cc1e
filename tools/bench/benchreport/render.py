# SPDX-License-Identifier: GPL-2.0
"""Rendering: number formats, markdown tables, gnuplot PNGs, host metadata."""
import datetime
import os
import platform
import subprocess
import sys


def fmt(x):
    if x is None:
        return '-'
    a = abs(x)
    if a >= 1e6:
        return '%.3g M' % (x / 1e6) if a < 1e9 else '%.3g G' % (x / 1e9)
    if a >= 1000:
        return '%.0f' % x
    if a >= 10:
        return '%.1f' % x
    return '%.3g' % x


def cell(r):
    s = r['stats']
    return '%s [%s–%s]' % (fmt(s['median']), fmt(s['min']), fmt(s['max']))



def rfmt(x):
    return '-' if x is None else '%.2f×' % x



class Render:
    """The output side every series uses: self.md, self.plots, find()."""

    def __init__(self, out, recs, skipped):
        self.out = out
        self.recs = recs
        self.skipped = skipped
        self.md = []
        self.plots = []

    def find(self, series, case, role):
        for r in self.recs:
            if r['series'] == series and r['case'] == case and role in (None, r['role']):
                return r
        return None

    def of(self, series):
        return [r for r in self.recs if r['series'] == series]

    def table(self, head, rows):
        self.md.append('| ' + ' | '.join(head) + ' |')
        self.md.append('|' + '---|' * len(head))
        for row in rows:
            self.md.append('| ' + ' | '.join(str(c) for c in row) + ' |')
        self.md.append('')

    def gnuplot(self, name, script, data):
        dat = os.path.join(self.out, name + '.dat')
        with open(dat, 'w') as f:
            f.write(data)
        gp = os.path.join(self.out, name + '.gp')
        png = os.path.join(self.out, name + '.png')
        with open(gp, 'w') as f:
            f.write("set terminal pngcairo size 1100,650 font 'DejaVu Sans,11'\n")
            f.write("set output '%s'\n" % png)
            f.write("set datafile separator '\\t'\n")
            f.write("set key outside right top\nset grid ytics\n")
            f.write(script.replace('DATA', "'%s'" % dat))
        r = subprocess.run(['gnuplot', gp], capture_output=True, text=True)
        if r.returncode:
            print('report: gnuplot %s failed:\n%s' % (gp, r.stderr), file=sys.stderr)
        else:
            self.plots.append(name + '.png')

    def placeholder(self, name, title, text):
        self.gnuplot(name, "unset key\nunset border\nunset tics\nunset grid\n"
                     "set title '%s'\nset label 1 '%s' at graph 0.5,0.5 center noenhanced\n"
                     "set xrange [0:1]\nset yrange [0:1]\nplot NaN\n" %
                     (title, text.replace("'", '')), '')



def host_meta(args):
    m = {'date': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
         'host_kernel': platform.release(), 'host_machine': platform.machine(),
         'host_cpus': os.cpu_count(), 'runner': args.runner,
         'host_loadavg': args.load}
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    m['host_cpu'] = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    if args.repo:
        def git(*a):
            r = subprocess.run(['git', '-C', args.repo] + list(a),
                               capture_output=True, text=True)
            return r.stdout.strip()
        m['git_commit'] = git('rev-parse', 'HEAD')
        m['git_dirty'] = bool(git('status', '--porcelain', '--untracked-files=no'))
    return m
