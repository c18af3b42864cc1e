# SPDX-License-Identifier: GPL-2.0
"""Statistics over the records: quartiles and ratios of medians."""
import statistics

# Quoted, not measured: upstream KVM (issue #6), 112 vCPUs, MGLRU aging,
# seconds of vCPU time without aging, with locked and with lockless aging.
UPSTREAM = {'none': 8.50, 'locked': 10.21, 'lockless': 8.90}
MODES = ['locked', 'single_lockless', 'lock_bit', 'table_walk']



def quartiles(v):
    s = sorted(v)
    if len(s) < 2:
        return s[0], s[0]
    q = statistics.quantiles(s, n=4, method='inclusive')
    return q[0], q[2]



def ratio(a, b):
    if not a or not b or not b['stats']['median']:
        return None
    return a['stats']['median'] / b['stats']['median']


def ratio_min(a, b):
    if not a or not b or not b['stats']['min']:
        return None
    return a['stats']['min'] / b['stats']['min']
