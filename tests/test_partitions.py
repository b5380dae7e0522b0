"""Month-partitioned Parquet dataset: layout, round trip, DuckDB counts equal hexbin's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import cli, hexbin, partitions, store
from analytics._errors import IncidentSchemaError, StoreError
from analytics.query import IncidentQuery

Q = IncidentQuery.build

BY = [None, "hour", "shift", "weekday", "date"]


@pytest.fixture
def months_frame() -> pd.DataFrame:
    """Seven incidents in Jan–Mar 2025 in two districts, hand-checkable."""
    return pd.DataFrame({
        "incident_id": [f"m{i}" for i in range(7)],
        "occurred_at": pd.to_datetime([
            "2025-01-31 23:59", "2025-02-01 00:00", "2025-02-14 08:00", "2025-02-28 22:30",
            "2025-03-01 00:00", "2025-03-01 06:00", "2025-03-20 15:00"]),
        "lat": [-12.0680, -12.0680, -12.0681, -12.1100, -12.1100, -12.0680, -8.1116],
        "lon": [-77.0180, -77.0180, -77.0181, -77.0300, -77.0300, -77.0180, -79.0288],
        "crime_type": ["robo", "hurto", "hurto", "extorsión", "lesiones", "robo", "hurto"],
        "district": ["LA VICTORIA"] * 3 + ["MIRAFLORES"] * 2 + ["LA VICTORIA", "TRUJILLO"],
        "ubigeo": ["150115"] * 3 + ["150122"] * 2 + ["150115", "130101"],
    })


@pytest.fixture
def dataset(tmp_path: Path, months_frame: pd.DataFrame) -> Path:
    root = tmp_path / "ds"
    partitions.write_incidents(months_frame, root, source="prueba")
    return root


def test_one_file_per_month_hive_layout(dataset: Path) -> None:
    names = sorted(str(p.relative_to(dataset)) for p in dataset.rglob("*.parquet"))
    assert names == ["year=2025/month=1/part-00000.parquet",
                     "year=2025/month=2/part-00000.parquet",
                     "year=2025/month=3/part-00000.parquet"]
    assert partitions.dataset_months(dataset) == [(2025, 1), (2025, 2), (2025, 3)]
    s = partitions.dataset_summary(dataset)
    assert (s.rows, s.files) == (7, 3)


def test_append_adds_files_never_overwrites(dataset: Path, months_frame: pd.DataFrame) -> None:
    partitions.write_incidents(months_frame.iloc[:2], dataset)
    jan = sorted(p.name for p in (dataset / "year=2025" / "month=1").glob("*.parquet"))
    assert jan == ["part-00000.parquet", "part-00001.parquet"]
    assert partitions.dataset_summary(dataset).rows == 9


def test_round_trip_and_binning(dataset: Path, months_frame: pd.DataFrame) -> None:
    back = partitions.read_incidents(dataset)
    assert list(back.columns) == list(partitions.COLUMNS)
    assert back["incident_id"].tolist() == [f"m{i}" for i in range(7)]  # time order
    expected = hexbin.points_to_cells(months_frame["lat"], months_frame["lon"], resolution=12)
    np.testing.assert_array_equal(back["h3_r12"].to_numpy(), expected)
    assert back["crime_group"].tolist() == ["patrimonio"] * 3 + ["patrimonio",
                                                                 "vida_cuerpo_salud",
                                                                 "patrimonio", "patrimonio"]
    assert set(back["source"]) == {"prueba"}
    assert back["h3_r12"].dtype == np.uint64


def test_month_pruning_and_window_edges(dataset: Path) -> None:
    # [Feb 1, Mar 1): only February's file is opened; the edges are start-inclusive.
    files = partitions.partition_files(dataset, start="2025-02-01", end="2025-03-01")
    assert [p.parent.name for p in files] == ["month=2"]
    c = partitions.counts_by_cell(dataset, Q(resolution=9, start="2025-02-01", end="2025-02-28"))
    assert c["count"].sum() == 3  # m1 (00:00 inclusive), m2, m3; not m0 nor m4 (end exclusive)


def test_city_filter_by_ubigeo(dataset: Path) -> None:
    c = partitions.counts_by_cell(dataset, Q(resolution=9, ubigeos=["150115"]))
    # m0, m1, m5 at the same point; m2 ~10 m away in the same r9 cell.
    assert c["count"].tolist() == [4]
    assert partitions.counts_by_cell(dataset, Q(ubigeos=["000000"]))["count"].sum() == 0


@pytest.mark.parametrize("by", BY, ids=[str(b) for b in BY])
@pytest.mark.parametrize("resolution", [7, 9, 12], ids=["r7", "r9", "r12"])
def test_duckdb_counts_equal_hexbin(dataset: Path, by: str | None, resolution: int) -> None:
    frame = partitions.read_incidents(dataset)
    want = partitions.normalize_counts(hexbin.counts_by_cell(frame, resolution=resolution,
                                                             by=by), by=by)
    got = partitions.counts_by_cell(dataset, Q(resolution=resolution), by=by)
    pd.testing.assert_frame_equal(got, want)
    assert got["count"].sum() == 7


def test_shift_names_hand_checked(dataset: Path) -> None:
    c = partitions.counts_by_cell(dataset, Q(resolution=6), by="shift")
    per_shift = c.groupby("shift")["count"].sum().to_dict()
    # 23:59, 00:00, 22:30, 00:00 night; 08:00, 06:00 mañana; 15:00 tarde.
    assert per_shift == {"noche": 4, "mañana": 2, "tarde": 1}


def test_empty_window_has_typed_columns(dataset: Path) -> None:
    c = partitions.counts_by_cell(dataset, Q(start="2030-01-01", end="2030-01-31"), by="hour")
    assert len(c) == 0 and c["h3"].dtype == np.uint64 and c["hour"].dtype == np.int8


def test_invalid_input_lists_every_problem(tmp_path: Path) -> None:
    bad = pd.DataFrame({"occurred_at": pd.to_datetime(["2025-01-01"]).tz_localize("UTC"),
                        "lat": [np.nan], "lon": [-77.0]})
    with pytest.raises(IncidentSchemaError, match="incident_id") as err:
        partitions.write_incidents(bad, tmp_path)
    assert "zona horaria" in str(err.value) and "coordenadas faltantes" in str(err.value)


def test_connect_serves_store_readers(dataset: Path) -> None:
    con = partitions.connect(dataset)
    got = store.load_incidents(con, districts=["MIRAFLORES"])
    assert got["incident_id"].tolist() == ["m3", "m4"]
    with pytest.raises(StoreError, match="no contiene"):
        partitions.connect(dataset / "nada")


def test_store_export_equals_direct_write(tmp_path: Path, months_frame: pd.DataFrame,
                                          dataset: Path) -> None:
    con = store.connect(":memory:")
    frame = partitions.read_incidents(dataset)  # canonical, with h3_r12
    con.register("f", frame)
    con.execute("INSERT INTO incidents BY NAME SELECT * FROM f")
    rep = partitions.store_to_partitions(con, tmp_path / "exp", start="2025-02-01")
    assert rep.rows == 6 and rep.months == ((2025, 2), (2025, 3))
    back = partitions.read_incidents(tmp_path / "exp")
    pd.testing.assert_frame_equal(back, frame.iloc[1:].reset_index(drop=True))


def test_store_export_replace_refreshes_whole_months(tmp_path: Path, dataset: Path) -> None:
    con = store.connect(":memory:")
    frame = partitions.read_incidents(dataset)
    con.register("f", frame)
    con.execute("INSERT INTO incidents BY NAME SELECT * FROM f")
    root = tmp_path / "exp"
    partitions.store_to_partitions(con, root)
    # A late report for February arrives, m3 (Feb 28) is withdrawn, March is emptied.
    con.execute("INSERT INTO incidents BY NAME SELECT * REPLACE ('m9' AS incident_id, "
                "TIMESTAMP '2025-02-20 10:00' AS occurred_at) FROM f WHERE incident_id = 'm2'")
    con.execute("DELETE FROM incidents WHERE incident_id = 'm3' OR month(occurred_at) = 3")
    rep = partitions.store_to_partitions(con, root, start="2025-02-15", end="2025-03-02",
                                         replace=True)
    assert rep.months == ((2025, 2),) and rep.rows == 3  # widened to Feb 1 .. Apr 1
    assert partitions.dataset_months(root) == [(2025, 1), (2025, 2)]
    back = partitions.read_incidents(root)
    assert back["incident_id"].tolist() == ["m0", "m1", "m2", "m9"]
    assert not any(p.name.startswith(".staging") for p in root.iterdir())


def test_cli_partition_and_aggregate(tmp_path: Path, months_frame: pd.DataFrame,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    flat = tmp_path / "flat.parquet"
    months_frame.to_parquet(flat)
    root = tmp_path / "ds"
    assert cli.main(["partition", "--input", str(flat), "--out", str(root),
                     "--dask", "local"]) == 0
    out = tmp_path / "c.csv"
    assert cli.main(["aggregate", "--parquet", str(root), "--resolution", "9", "--by", "shift",
                     "--start", "2025-02-01", "--end", "2025-04-01", "--ubigeo", "150115",
                     "--out", str(out), "--dask", "local"]) == 0
    got = pd.read_csv(out)
    assert got["count"].sum() == 3 and set(got["shift"]) == {"noche", "mañana"}
    assert got["h3"].str.startswith("89").all()
    assert '"incidentes": 3' in capsys.readouterr().out
