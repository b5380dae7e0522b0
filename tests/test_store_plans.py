"""Saved plans: what is stored is what was planned, listed newest first, read back exactly."""

from __future__ import annotations

from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest

from analytics import patrol, store
from analytics._errors import StoreError
from analytics.store import plans


@pytest.fixture(scope="module")
def plan() -> patrol.PatrolPlan:
    rng = np.random.default_rng(7)
    cells = sorted(h3.grid_disk(h3.latlng_to_cell(-12.068, -77.018, 9), 4))
    fc = pd.DataFrame({"h3": cells, "expected": rng.gamma(0.5, 0.4, len(cells))})
    return patrol.place_patrols_on_cells(fc, units=3, radius_m=300,
                                         window_start=pd.Timestamp("2025-07-01 06:00"),
                                         window_hours=8)


def test_saved_plan_reads_back_exactly(tmp_path: Path, plan: patrol.PatrolPlan) -> None:
    con = store.connect(tmp_path / "v.duckdb")
    try:
        pid = plans.save_plan(con, plan, author="analista1", origin="cli", resolution=9,
                              dwell_min=15, window_start="2025-07-01 06:00",
                              window_end="2025-07-01 14:00",
                              forecast={"model": "boosted", "train_until": "2025-07-01"},
                              params={"fixed": [], "excluded": []})
        other = plans.save_plan(con, plan, author=None, origin="app", resolution=9,
                                dwell_min=15, window_start="2025-07-01 14:00",
                                window_end="2025-07-01 22:00")
        listed = plans.list_plans(con)
        assert set(listed["plan_id"]) == {pid, other}
        assert list(listed.columns) == list(plans.PLAN_LIST_COLUMNS)
        rec = plans.plan_record(con, pid)
        assert rec["author"] == "analista1" and rec["forecast"]["model"] == "boosted"
        assert rec["objective"] == pytest.approx(plan.objective)
        stops = plans.plan_stops(con, pid)
        routes = plan.routes.sort_values(["unit", "order"]).reset_index(drop=True)
        assert len(stops) == len(routes)
        assert stops["h3"].tolist() == routes["h3"].astype(str).tolist()
        assert stops["unit"].tolist() == routes["unit"].astype(str).tolist()
        np.testing.assert_allclose(stops["expected_covered"].sum(), plan.objective)
        assert (pd.to_datetime(stops["arrive"]) == pd.to_datetime(routes["arrive"])).all()
        assert set(plans.plan_stops(con, [pid, other])["plan_id"]) == {pid, other}
        assert list(plans.plans_in_period(con, "2025-07-01 13:00", "2025-07-01 15:00")
                    ["plan_id"]) == [pid, other]
        assert plans.plans_in_period(con, "2025-07-02", "2025-07-03").empty
        with pytest.raises(StoreError, match="No existe el plan"):
            plans.plan_record(con, "P000")
    finally:
        con.close()


def test_author_text_is_capped(tmp_path: Path, plan: patrol.PatrolPlan) -> None:
    con = store.connect(tmp_path / "v.duckdb")
    try:
        pid = plans.save_plan(con, plan, author="x" * 5000, origin="app", resolution=9,
                              dwell_min=15)
        assert len(plans.plan_record(con, pid)["author"]) <= 200
    finally:
        con.close()
