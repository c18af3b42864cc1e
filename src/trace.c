// SPDX-License-Identifier: GPL-2.0
/* The tracepoints themselves; trace.h has the events. */
#define CREATE_TRACE_POINTS
#include "trace.h"
