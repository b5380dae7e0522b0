"""GPS tracks in the store: round trip, duplicates, aliases, retention, audit without plates."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import access, store, tracks
from analytics._errors import StoreError, TrackSchemaError
from analytics.cli import main
from analytics.store import tracks as store_tracks

PLATE = "EZX-731"  # made up


def _raw(units: list[str], start: str, n: int, *, step_s: int = 30) -> pd.DataFrame:
    t = pd.Timestamp(start) + pd.to_timedelta(np.arange(n) * step_s, unit="s")
    frames = [pd.DataFrame({"unidad": u, "fecha_hora": t.strftime("%d/%m/%Y %H:%M:%S"),
                            "latitud": -12.068 + 0.0001 * np.arange(n) + 0.001 * i,
                            "longitud": -77.018 + 0.0001 * np.arange(n)})
              for i, u in enumerate(units)]
    return pd.concat(frames, ignore_index=True)


def _store(con: store.StoreConnection, raw: pd.DataFrame, *, now: str = "2025-07-02 00:00"
           ) -> store_tracks.StoredTracks:
    return store_tracks.store_pings(con, tracks.clean_pings(raw), user="analista1",
                                    file_name="gps.csv", file_sha256="ab" * 32, now=now)


def test_round_trip_and_duplicates_against_the_store(tmp_path: Path) -> None:
    with store.writing(tmp_path / "v.duckdb") as con:
        first = _store(con, _raw(["1", PLATE], "2025-07-01 06:00", 20))
        assert first.track_import_id == 1 and first.summary.stored == 40
        back = store_tracks.load_pings(con)
        assert list(back.columns) == list(store_tracks.PING_COLUMNS)
        assert back["h3_r12"].dtype == np.uint64 and len(back) == 40
        clean = tracks.clean_pings(_raw(["1", PLATE], "2025-07-01 06:00", 20)).pings
        pd.testing.assert_frame_equal(back.reset_index(drop=True),
                                      clean[list(back.columns)].reset_index(drop=True),
                                      check_dtype=False)
        # half of it again, plus 10 new pings per unit: the old half are duplicates
        again = _store(con, _raw(["1", PLATE], "2025-07-01 06:05", 20))
        s = again.summary
        assert (s.stored, s.duplicates, s.rejected) == (20, 20, 0)
        assert s.pings_read == s.stored + s.duplicates + s.rejected
        assert [u["pings"] for u in s.units] == [10, 10]
        n, distinct = con.execute("SELECT count(*), count(DISTINCT (unit, ts)) FROM tracks"
                                  ).fetchall()[0]
        assert n == distinct == 60
        hist = store_tracks.track_imports(con)
        assert list(hist["track_import_id"]) == [2, 1]
        assert hist.iloc[0]["stored"] == 20 and hist.iloc[0]["duplicates"] == 20
        # no unit id (plate) anywhere in the import records
        assert PLATE not in hist.to_json(date_format="iso")
        assert list(store_tracks.load_pings(con, units=["1"], start="2025-07-01 06:10")
                    ["unit"].unique()) == ["1"]


def test_audit_has_counts_but_never_the_plate(tmp_path: Path) -> None:
    db = tmp_path / "v.duckdb"
    csv = tmp_path / f"recorrido_{PLATE}.csv"  # even a file named after the plate
    _raw([PLATE], "2025-07-01 06:00", 10).to_csv(csv, index=False)
    assert main(["tracks", "import", str(csv), "--db", str(db)]) == 0
    assert main(["tracks", "aliases", "set", PLATE, "3", "--db", str(db)]) == 0
    with store.reading(db) as con:
        log = access.audit_log(con)
    assert set(log["action"]) >= {"tracks_import", "tracks_alias"}
    assert not log["detail"].str.contains(PLATE.replace("-", ".?"), case=False).any()
    assert log.loc[log["action"] == "tracks_import", "detail"].iloc[0].startswith(
        "importación GPS 1: 10 puntos GPS leídos: 10 guardados")
    with store.reading(db) as con:
        hist = store_tracks.track_imports(con)
    assert hist["file_name"].tolist() == ["recorrido_[unidad].csv"]


def test_file_names_lose_the_unit_ids_they_carry() -> None:
    assert store_tracks.scrub_name("gps ezx731 marzo.CSV", ["EZX-731", "1"]) == \
        "gps [unidad] marzo.CSV"
    assert store_tracks.scrub_name("unidad_1.csv", ["1"]) == "unidad_1.csv"  # too short


def test_aliases_set_list_remove_and_matching_keys(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "v.duckdb"
    with store.writing(db) as con:
        assert store_tracks.set_alias(con, "ezx 731", " 3 ", note="camioneta", user="a") == \
            "EZX731"
        store_tracks.set_alias(con, "EZX-731", "4")  # same key: replaced
        store_tracks.set_alias(con, "GPS-0042", "1")
        al = store_tracks.list_aliases(con)
        assert list(al.columns) == list(store_tracks.ALIAS_COLUMNS)
        assert dict(zip(al["alias"], al["unit"], strict=True)) == {"EZX731": "4",
                                                                    "GPS0042": "1"}
        mapped = tracks.apply_unit_mapping(pd.DataFrame({"unit": [PLATE, "gps 0042", "2"]}), al)
        assert mapped["unit"].tolist() == ["4", "1", "2"]
        with pytest.raises(TrackSchemaError, match="vacío"):
            store_tracks.set_alias(con, " - ", "1")
        assert store_tracks.remove_alias(con, "ezx731") is True
        assert store_tracks.remove_alias(con, "ezx731") is False
    assert main(["tracks", "aliases", "list", "--db", str(db), "--json"]) == 0
    assert [r["alias"] for r in json.loads(capsys.readouterr().out)] == ["GPS0042"]
    assert main(["tracks", "aliases", "remove", "nada", "--db", str(db)]) == 2
    assert "No existe esa equivalencia" in capsys.readouterr().err


def test_retention_purge_at_import_and_by_cli(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "v.duckdb"
    with store.writing(db) as con:
        _store(con, _raw(["1"], "2025-01-01 06:00", 10))
        # 200 days later: the January pings are past 180 days of the newest ping
        later = _store(con, _raw(["1"], "2025-07-20 06:00", 10), now="2025-07-21")
        assert later.purged == 10 and later.summary.stored == 10
        # a file with January pings now: too old on arrival, rejected (and counted)
        old = _store(con, _raw(["2"], "2025-01-02 06:00", 5), now="2025-07-21")
        assert old.summary.stored == 0
        assert old.summary.rejected_reasons == {store_tracks.TOO_OLD: 5}
        assert old.summary.pings_read == 5 == old.summary.rejected
        # an old month imported into a store without newer pings is kept (data clock)
    with store.writing(tmp_path / "w.duckdb") as con:
        kept = _store(con, _raw(["1"], "2024-01-01 06:00", 10), now="2026-12-01")
        assert kept.summary.stored == 10 and kept.purged == 0
        assert store_tracks.purge_tracks(con, older_than_days=30, now="2024-01-01 06:03") == 0
        assert store_tracks.purge_tracks(con, older_than_days=0, now="2024-01-01 06:02") == 4
        with pytest.raises(StoreError, match="negativos"):
            store_tracks.purge_tracks(con, older_than_days=-1)
    # the CLI purge counts back from now: everything from 2025 goes at 180 days
    assert main(["tracks", "purge", "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"purged": 10, "older_than_days": 180}
    with store.reading(db) as con:
        assert store_tracks.load_pings(con).empty
        assert (access.audit_log(con)["action"] == "tracks_purge").sum() == 1


def test_retention_cutoff_never_follows_a_future_ping() -> None:
    now = datetime(2025, 7, 1)
    assert store_tracks.retention_cutoff(pd.Timestamp("2099-01-01"), days=10, now=now) == \
        datetime(2025, 6, 21)
    assert store_tracks.retention_cutoff(pd.Timestamp("2025-03-01"), days=10, now=now) == \
        datetime(2025, 2, 19)
    assert store_tracks.retention_cutoff(None, days=0, now=now) == now


def test_migration_5_brings_a_version_4_store_forward(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    con = store.connect(db)
    con.execute("DROP TABLE tracks")
    con.execute("DROP TABLE track_imports")
    con.execute("DROP TABLE unit_aliases")
    con.execute("UPDATE vigia_meta SET value = '4' WHERE key = 'schema_version'")
    con.close()
    with store.writing(db) as con:
        assert store.schema_version(con) == store.SCHEMA_VERSION >= 5
        assert {"tracks", "track_imports", "unit_aliases"} <= store._tables(con)
