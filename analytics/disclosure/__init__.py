"""Disclosure control: the public release, the only way incident counts reach the public.

The ``publico`` role (pages Inicio, Mapa and Reportes) and ``python -m analytics
export --public`` never read incidents: they read a :class:`PublicRelease`,
a fixed set of suppressed base tables built once per data set
(:func:`incidents_to_release`, :func:`release_from_store`), and every public
number is a **sum of published base rows** (:func:`district_counts`,
:func:`cell_counts`, :func:`period_kpis`, :func:`district_trend`). No total is
ever computed from raw data for the public.

Why sums of published rows
--------------------------
Filters that only *select* base rows (periods, crime groups, districts, a
coarser H3 resolution) turn nested views into nested sets of rows: when a
view A contains a view B, A − B is a sum of published rows, each 0 (absent)
or at least ``k``. So no subtraction of two public views gives a count
below ``k``. Filters the base tables cannot express (a day range, weekdays,
shifts, crime types) are not offered to the public and the view functions
ignore them: a weekday view minus its complement, the last day, one shift or
one type cannot be asked for. The same holds across releases: only whole
base periods are published (a partly covered quarter is left out), so the
next import cannot make a quarter grow by a few incidents that someone could
subtract.

Tables
------
``districts``
    ``(period, district, crime_group) -> count``: every incident with a
    district in a complete base period (``settings.PUBLIC_PERIOD``, the
    quarter: ``2025-T3``).
``cells``
    ``(period, district, crime_group, h3) -> count`` with ``resolution``:
    H3 cells at ``settings.PUBLIC_MAX_RESOLUTION`` (8, ~0.7 km²). Incidents
    of a sensitive group (``settings.SENSITIVE_GROUPS``) or of a sensitive
    type (``settings.SENSITIVE_TYPES``, e.g. feminicidio, kept under its
    group) are never in those cells: they are counted in resolution-6 cells
    (two levels coarser, ~36 km²) only.

Rules
-----
1. **Aggregates only**: no coordinates, identifiers, free text, types, hours
   or days.
2. **Whole periods**: the base period is the quarter; only quarters the data
   covers completely are published (coverage runs from the first day of the
   month of the first incident to the day after the last one). Years are
   sums of their published quarters.
3. **Primary suppression**: a row with fewer than ``k`` incidents
   (``settings.PUBLIC_MIN_COUNT``; ``2 * k`` for sensitive rows) is not
   published.
4. **Secondary suppression** (district table), so that a known total (an
   official monthly or quarterly statistic, or any margin) minus the
   published rows never recovers a suppressed one: within each
   ``(period, district)`` (across groups) and each ``(period, crime_group)``
   (across districts), when anything is suppressed, at least two rows are,
   and together they hold at least the largest threshold among them;
   otherwise the smallest published rows are suppressed too. Repeated until
   stable, then audited: in each period's district × group table, a
   suppressed row that is a *bridge* of the graph of suppressed rows
   (districts and groups as nodes) could be solved exactly from the row and
   column totals, so another row is suppressed to close a cycle through it.
5. **Cells inside published district rows only**: the cells of a suppressed
   district row are all suppressed (else their sum would reveal it). Within
   each published ``(period, district, crime_group)`` row, whose total is
   public, the cells follow rule 4's block rule, with incidents without a
   cell (no coordinates) counted as an always-suppressed row.

Choice of the base period, measured on the demo store (seed 20241101, two
years, Lima and Trujillo, 38,286 incidents, ``k = 5``; ``sizes``):

=========================  =======  ==========  =========  ==================
table                      rows     suppressed  published  incidents published
=========================  =======  ==========  =========  ==================
districts, monthly          4,897     4,104        793      25,445 of 38,286 (66 %)
districts, quarterly        1,925     1,339        586      27,937 of 33,261 (84 %)
cells r8, monthly          16,500    15,524        976      15,216 of 38,286 (40 %)
cells r8, quarterly        10,044     9,160        884      17,528 of 33,261 (53 %)
=========================  =======  ==========  =========  ==================

(The quarterly release leaves out the two partly covered quarters, 2024-T4
and 2026-T4.) Quarters publish more of the data, keep one period unit for
every public page (the Inicio figures, the map and the report of a period
are sums of the same quarters) and are the usual Codisec reporting period.
``period="M"`` builds a monthly release for denser data.

:func:`public_counts` is the older single-table function (cells per period
and group, no district), kept for callers that need only that.
"""

from __future__ import annotations

from analytics.disclosure.release import (
    BASE_PERIODS as BASE_PERIODS,
    CELL_COLUMNS as CELL_COLUMNS,
    DISTRICT_COLUMNS as DISTRICT_COLUMNS,
    EXPORT_COLUMNS as EXPORT_COLUMNS,
    PublicRelease as PublicRelease,
    incidents_to_release as incidents_to_release,
    release_from_store as release_from_store,
    release_table as release_table,
)
from analytics.disclosure.suppression import (
    public_counts as public_counts,
)
from analytics.disclosure.views import (
    PublicKpis as PublicKpis,
    cell_counts as cell_counts,
    cell_map as cell_map,
    cell_rows as cell_rows,
    district_counts as district_counts,
    district_trend as district_trend,
    label_base as label_base,
    label_bounds as label_bounds,
    label_members as label_members,
    label_previous as label_previous,
    period_kpis as period_kpis,
    period_options as period_options,
    previous_members as previous_members,
    span_members as span_members,
)
