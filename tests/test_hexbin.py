"""H3 binning (analytics.hexbin) checked against the reference h3 library."""

from __future__ import annotations

import duckdb
import h3
import numpy as np
import pandas as pd
import pytest
import shapely
from h3.api import basic_int as h3i

from analytics import hexbin, settings
from analytics._errors import IncidentSchemaError


@pytest.fixture
def points(rng):
    """300 points around Lima and 100 around Philadelphia (any city works)."""
    lat = np.r_[rng.normal(-12.06, 0.05, 300), rng.normal(39.95, 0.05, 100)]
    lon = np.r_[rng.normal(-77.03, 0.05, 300), rng.normal(-75.16, 0.05, 100)]
    return lat, lon


def _frame(lat, lon, rng):
    n = lat.size
    ts = pd.Timestamp("2025-03-01") + pd.to_timedelta(rng.integers(0, 60 * 24 * 30, n), unit="min")
    return pd.DataFrame({"occurred_at": ts, "lat": lat, "lon": lon})


def test_r12_equals_h3_latlng_to_cell(points):
    lat, lon = points
    cells = hexbin.points_to_cells(lat, lon)
    ref = [h3.str_to_int(h3.latlng_to_cell(a, b, 12)) for a, b in zip(lat, lon, strict=True)]
    assert cells.dtype == np.uint64 and cells.tolist() == ref


@pytest.mark.parametrize("res", range(settings.H3_MIN_RESOLUTION, settings.H3_MAX_RESOLUTION + 1))
def test_coarser_cells_are_h3_parents_of_the_r12_cell(points, res):
    lat, lon = points
    r12 = hexbin.points_to_cells(lat, lon)
    got = hexbin.cells_to_parent(r12, resolution=res)
    ref = [h3i.cell_to_parent(int(c), res) for c in r12]
    assert got.tolist() == ref
    assert (hexbin.cells_resolution(got) == res).all()


@pytest.mark.parametrize("res", [6, 9, 12])
def test_parent_sql_equals_cells_to_parent(points, res):
    lat, lon = points
    r12 = hexbin.points_to_cells(lat, lon)
    con = duckdb.connect()
    con.register("t", pd.DataFrame({"c": r12}))
    got = con.execute(f"SELECT {hexbin.parent_sql('c', res)} AS p FROM t").fetchnumpy()["p"]
    con.close()
    assert np.asarray(got, dtype=np.uint64).tolist() == \
        hexbin.cells_to_parent(r12, resolution=res).tolist()


@pytest.mark.parametrize("by", [None, "hour", "shift", "weekday", "date"])
def test_every_incident_in_exactly_one_cell_and_counts_sum_to_n(points, rng, by):
    lat, lon = points
    inc = _frame(lat, lon, rng)
    cells = hexbin.incidents_to_cells(inc, resolution=9)
    assert len(cells) == len(inc) and cells["h3"].notna().all()
    assert "h3" not in inc.columns  # input not mutated
    counts = hexbin.counts_by_cell(inc, resolution=9, by=by)
    assert counts["count"].sum() == len(inc)
    keys = ["h3"] + ([by] if by else [])
    assert not counts.duplicated(keys).any()
    # Same answer from the stored r12 cells as from lat/lon.
    inc2 = inc.assign(h3_r12=hexbin.points_to_cells(lat, lon)).drop(columns=["lat", "lon"])
    pd.testing.assert_frame_equal(hexbin.counts_by_cell(inc2, resolution=9, by=by), counts)


def test_counts_by_cell_hand_checked(tiny_incidents):
    c = hexbin.counts_by_cell(tiny_incidents, resolution=12)
    assert sorted(c["count"].tolist()) == [1, 2, 3]
    by_hour = hexbin.counts_by_cell(tiny_incidents, resolution=9, by="hour")
    assert by_hour["count"].sum() == 6 and set(by_hour["hour"]) == {2, 7, 15, 23, 6, 13}


def test_shifts_wrap_midnight():
    hours = np.arange(24)
    names = hexbin.hours_to_shifts(hours)
    assert names[22] == names[23] == names[0] == names[5] == "noche"
    assert names[6] == names[13] == "mañana" and names[14] == names[21] == "tarde"
    t = pd.Series(pd.to_datetime(["2025-03-02 02:00", "2025-03-01 23:00", "2025-03-02 06:00",
                                  "2025-03-02 21:59"]))
    starts = hexbin.times_to_shift_starts(t)
    assert starts.tolist() == [pd.Timestamp("2025-03-01 22:00"), pd.Timestamp("2025-03-01 22:00"),
                               pd.Timestamp("2025-03-02 06:00"), pd.Timestamp("2025-03-02 14:00")]


def test_shifts_must_cover_the_day():
    with pytest.raises(IncidentSchemaError, match="24 horas"):
        hexbin.hours_to_shifts(np.arange(24), shifts=(("dia", 6, 18),))


def test_resolution_and_string_round_trip(points):
    lat, lon = points
    cells = hexbin.points_to_cells(lat, lon, resolution=8)
    s = hexbin.cells_to_strings(cells)
    assert s[0] == h3.latlng_to_cell(lat[0], lon[0], 8)
    assert hexbin.strings_to_cells(s).tolist() == cells.tolist()
    with pytest.raises(IncidentSchemaError):
        hexbin.points_to_cells(lat, lon, resolution=5)
    with pytest.raises(IncidentSchemaError):
        hexbin.strings_to_cells(["zz"])


def test_missing_coordinates_are_refused():
    with pytest.raises(IncidentSchemaError, match="sin coordenadas"):
        hexbin.incidents_to_cells(pd.DataFrame({"lat": [np.nan], "lon": [1.0]}))


def test_polygons_and_centres(points):
    lat, lon = points
    cells = np.unique(hexbin.points_to_cells(lat[:5], lon[:5], resolution=9))
    poly = hexbin.cells_to_polygons(cells)
    assert len(poly) == len(cells) and poly.crs.to_epsg() == 4326
    clat, clon = hexbin.cells_to_centers(cells)
    assert shapely.contains(poly.geometry.values, shapely.points(clon, clat)).all()
