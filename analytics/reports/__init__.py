"""Codisec indicators and report documents; the public report reads the public release.

Indicators (:func:`district_indicators`, :func:`district_hotspots`,
:func:`plan_coverage`) take DataFrames and period labels (``2025-03``,
``2025-T1``, ``2025``) and return plain frames; :func:`report_tables` turns them
into Spanish tables; :func:`report_to_xlsx`, :func:`report_to_pdf`,
:func:`district_map_png`, :func:`cells_map_png` and :func:`report_maps` return
file contents as bytes (``analytics.files`` writes files). Population tables are
arguments (``analytics.files.read_population`` reads the shipped one), so the app
can pass a table the user edited.

The public report (:func:`public_report_tables`, :func:`public_report_maps`)
never sees incidents: it reads a :class:`analytics.disclosure.PublicRelease`,
whose notes explain the disclosure rules. :func:`public_counts` is re-exported
from there.
"""

from __future__ import annotations

from analytics._labels import (
    PERIODS as PERIODS,
    district_key as district_key,
    label_to_period as label_to_period,
    period_label as period_label,
    period_span as period_span,
    times_to_periods as times_to_periods,
)
from analytics.disclosure import public_counts as public_counts
from analytics.reports.documents import (
    cells_map_png as cells_map_png,
    district_map_png as district_map_png,
    landscape_pdf as landscape_pdf,
    public_report_maps as public_report_maps,
    report_maps as report_maps,
    report_to_pdf as report_to_pdf,
    report_to_xlsx as report_to_xlsx,
)
from analytics.reports.indicators import (
    INDICATOR_COLUMNS as INDICATOR_COLUMNS,
    district_hotspots as district_hotspots,
    district_indicators as district_indicators,
    district_trend as district_trend,
    plan_coverage as plan_coverage,
    report_periods as report_periods,
)
from analytics.reports.tables import (
    COLUMN_LABELS as COLUMN_LABELS,
    check_public_tables as check_public_tables,
    district_labels as district_labels,
    h3_resolution as h3_resolution,
    public_report_tables as public_report_tables,
    report_tables as report_tables,
)
