# SPDX-License-Identifier: GPL-2.0
"""report.py's modules: parsing and statistics (parse, stats), one module
per series (one mixin class each), the goals kept as data (goals), and
rendering (render: tables, gnuplot).  report.Report combines them."""
