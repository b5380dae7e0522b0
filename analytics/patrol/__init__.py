"""Where each patrol unit goes during a shift: exact coverage optimiser and schedule.

Modules: :mod:`~analytics.patrol.mclp` (numeric core), :mod:`~analytics.patrol.cells` (H3
adapter and :class:`PatrolPlan`), :mod:`~analytics.patrol.routes` (units, loops, schedule),
:mod:`~analytics.patrol.history` (historical evaluation). Two layers, as in spopt's
``locate/coverage.py``:

* :func:`place_patrols` is the numeric core. It takes a binary coverage
  matrix (candidates × demand points) and the demand weights and solves the
  Maximal Covering Location Problem (MCLP) exactly, as a mixed-integer
  programme, with HiGHS through ``highspy``. Before solving it reduces the
  model without changing its optimum (see :func:`place_patrols`).
* :func:`place_patrols_on_cells` is the thin H3 adapter. It builds the
  coverage matrix from the true great-circle distance between cell centres,
  decides how many hotspots a unit can serve (the Koper dose), delegates to
  the core, then splits the chosen hotspots among units and schedules each
  unit's beat across the window.

The Koper dose rule
-------------------
Each hotspot gets a visit of ``dwell_min`` minutes (15 by default, Koper 1995)
and must be visited again at most ``revisit_min`` minutes (120) after the
previous arrival. A unit that serves ``k`` hotspots in a closed loop needs a
cycle of ``k * dwell_min`` plus the travel between them. Before the hotspots
are known, one leg is estimated as the travel time over ``2 * radius_m``
(the spacing of hotspots whose coverage does not overlap) at ``speed_kmh``,
rounded up to the minute, so::

    k = floor(revisit_min / (dwell_min + leg_min)),  1 <= k <= max_hotspots_per_unit

(6 with the defaults and 400 m). This is only an estimate: chosen hotspots
can lie farther apart. So after the MCLP the hotspots are split among units
(balanced clustering, then moves and swaps between neighbouring units) and
each unit's real loop is measured (dwell plus whole-minute legs of its tour).

Loop repair. The MCLP answer is optimal (or within the stated gap) for
``p = units * k`` hotspots, but it knows nothing of travel, so some loops can
come out longer than ``revisit_min`` (4 of 20 units on Philadelphia, the
worst 158 min: ``bench/RESULTS.md``). Then, per unit, the non-fixed hotspot that
loses the least covered weight per minute of loop saved is dropped until
the loop fits (hotspots that keep a district minimum are kept), and the
freed slots go, greedily by marginal coverage, to units whose loop still
has room (``_refill``). Next, up to :data:`LOOP_REPAIR_ROUNDS` times, the
MCLP is solved again among the cells within two radii of the repaired
plan's hotspots (skipped when that would exclude under a quarter of the
cells: nearly the same problem), and that answer is repaired the same way;
the plan covering the most is kept. Every loop then fits, except where
fixed posts (or hotspots a district minimum needs) alone are too far apart
for one unit; such units stay reported in ``revisit_violations``.

Honesty of the numbers: a repaired plan is no longer the MCLP optimum. Its
``gap`` is measured against the first solve's upper bound for ``p``
hotspots placed anywhere (a valid bound: the revisit rule and fewer
hotspots can only lower the optimum), so it is an over-estimate of the
distance to the best plan that honours the rule; ``status`` is then
``optimal``/``near_optimal`` only when that gap allows it, else
``loop_repair``. ``PatrolPlan.loop_repaired``, ``repair_rounds`` and
``hotspots_dropped`` (slots that could not be refilled) say what the repair
did. Measured on Philadelphia (``bench/RESULTS.md``).

Solving and status
------------------
The LP relaxation (interior point, ~0.1 s for a whole city at resolution 9)
bounds the optimum from above; LP dives plus a swap search give a strong
plan; when plan and bound are within ``mip_gap`` (0.5 % by default, far below
the forecast's own error) the answer is proven and returned, otherwise HiGHS
branch and cut continues from that plan until the gap or ``time_limit``.
``status``: ``optimal`` (gap ≤ 0.01 %), ``near_optimal`` (gap ≤ ``mip_gap``),
``time_limit`` (best plan at the deadline, gap reported), ``greedy`` (asked
for), ``greedy_fallback: …`` (HiGHS failed; labelled), ``trivial``, and
``loop_repair`` (regrouped for the revisit rule; gap to the bound). Measured
on Philadelphia (``bench/RESULTS.md``): 20 units × 6 hotspots, 400 m,
2,706 cells: MCLP 0.2 s, gap under 0.5 %; with the loop repair 0.6 s, every
loop within 2 h, 0.7 % less covered, gap to the MCLP bound 1.0 %; greedy is
2–3 % below.

District minimums
-----------------
``district_min={"La Victoria": 3}`` means: at least 3 of the chosen hotspot
cells lie in La Victoria (a hotspot's district is the district of its cell
centre). Minimums are in hotspots, not units, because a unit's beat may cross
a district boundary; to ask for ``u`` whole units, pass ``u *
plan.hotspots_per_unit``.
"""

from __future__ import annotations

from analytics.patrol.cells import (
    PatrolPlan as PatrolPlan,
    cells_within_radius as cells_within_radius,
    coverage_matrix as coverage_matrix,
    expected_covered as expected_covered,
    hotspots_per_unit as hotspots_per_unit,
    place_patrols_on_cells as place_patrols_on_cells,
)
from analytics.patrol.history import plan_coverage_history as plan_coverage_history
from analytics.patrol.mclp import (
    MIP_REL_GAP as MIP_REL_GAP,
    PatrolSolution as PatrolSolution,
    Solver as Solver,
    place_patrols as place_patrols,
)
from analytics.patrol.routes import (
    LOOP_REPAIR_ROUNDS as LOOP_REPAIR_ROUNDS,
    REFILL_CANDIDATES as REFILL_CANDIDATES,
)
