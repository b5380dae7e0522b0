"""Ingest of incidents without a true point (analytics.ingest.locate, analytics.geocoding).

A hand-checkable SIDPOL-like file on one synthetic street of La Victoria, ``JR. PRUEBA``,
running east along latitude -12.068 from longitude -77.020: house number ``n`` lies ``n``
metres east of the start, so cuadra ``k`` spans metres ``100k`` … ``100k + 99``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics import cli, explore, geocoding, ingest, settings, store
from analytics._errors import IncidentSchemaError, InputFileError
from analytics.geo import haversine_m as _haversine_m
from analytics.query import IncidentQuery

LAT0, LON0 = -12.0680, -77.0200
M_PER_DEG_LON = 111_320.0 * np.cos(np.radians(LAT0))
FORCED = (-12.0700, -77.0300)  # a comisaría-like point
HOUSE_NUMBERS = (745, 530, 1187, 963)  # written in addresses that have no point


def _lon(metres: float) -> float:
    return LON0 + metres / M_PER_DEG_LON


def _rows() -> list[dict[str, str]]:
    """The file: 30 exact rows, 11 rows to place, 1 duplicate, 25 forced rows, 2 unplaceable."""
    rows = []
    k = 0

    def add(lat: str, lon: str, addr: str, district: str = "LA VICTORIA",
            status: str = "GEORREFERENCIADO", hour: int | None = None, tipo: str = "ROBO",
            ident: str | None = None) -> None:
        nonlocal k
        k += 1
        h = hour if hour is not None else k
        rows.append({"nro_denuncia": ident or f"P-{k:03d}",
                     "fecha_hecho": f"{1 + h // 24:02d}/03/2025", "hora_hecho": f"{h % 24:02d}:07",
                     "latitud": lat, "longitud": lon, "delito": tipo, "distrito": district,
                     "direccion_hecho": addr, "estado_coord": status})

    # exact rows: three points on each cuadra 1..10 (the middle of the cuadra, ±20 m)
    for c in range(1, 11):
        for d in (-20, 0, 20):
            add(f"{LAT0:.6f}", f"{_lon(100 * c + 50 + d):.6f}", f"JR. PRUEBA {100 * c + 50 + d}",
                status="COORDENADA ADECUADA MANUALMENTE" if c == 1 else "GEORREFERENCIADO")
    add("", "", "JR. PRUEBA CDRA. 5", hour=200)                                # G1 -> cuadra
    add("SIN COORDENADA", "", "Jr. Prueba N° 745 Int. 3 frente a la bodega Don Pepe")  # G2
    add("0", "0", "CALLE INVENTADA 123")                      # G3 -> distrito, street unknown
    add("", "", "")                                           # G4 -> distrito, no address
    add("", "", "JR. PRUEBA CDRA. 3", district="")            # G5 -> cuadra, district by polygon
    add("", "", "", district="")                              # G6 -> sin_ubicacion
    add("", "", "NO PRECISA", district="")                    # G7 -> sin_ubicacion
    add("", "", "JR. PRUEBA 530", hour=200)                   # D1: same time/district/cuadra as G1
    add("", "", "AV. INVENTADA ESQ. JR. PRUEBA")              # G8 -> via (crossing unknown)
    add("", "", "URB. LOS CEDROS MZ. B LT. 5")                # G9 -> zona unknown: distrito
    for i in range(25):                                       # forced: one point, many cuadras
        add(f"{FORCED[0]:.4f}", f"{FORCED[1]:.4f}", f"JR. PRUEBA {100 * (1 + i % 10) + 40}",
            status="GEO FORZADA AL CENTROIDE DE COMISARIA")
    add("", "", "JR. PRUEBA 1187")                            # G10 -> cuadra 11 (extrapolated)
    add("", "", "JR PRUEBA 963")                              # G11 -> cuadra 9
    return rows


@pytest.fixture(scope="module")
def sidpol_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sidpol") / "sidpol.csv"
    pd.DataFrame(_rows()).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def imported(sidpol_csv: Path, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[Path, ingest.IngestReport]:
    db = tmp_path_factory.mktemp("db") / "v.duckdb"
    rep = ingest.ingest_files(sidpol_csv, db=db, shipped_layers=False)
    return db, rep


def _located(db: Path) -> pd.DataFrame:
    cols = ["incident_id", "lat", "lon", "district", "h3_r12", "location_precision",
            "location_reason", "street", "block", "cross_street", "zone"]
    with store.reading(db) as con:
        return store.load_incidents(con, columns=cols).set_index("incident_id")


def test_accounting_holds_with_rows_without_points(imported) -> None:
    db, rep = imported
    assert rep.rows_read == len(_rows()) == rep.accepted + rep.duplicates + rep.quarantined
    assert rep.quarantine_reasons == {"sin_ubicacion": 2} and rep.duplicates == 1
    assert sum(rep.precision.values()) == rep.accepted
    assert rep.precision == {"exacta": 30, "cuadra": 30, "via": 1, "zona": 0, "distrito": 3}
    with store.reading(db) as con:
        assert store.incident_count(con) == rep.accepted
        q = store.quarantine_rows(con)
    assert sorted(q["row_number"]) == [36, 37]  # G6, G7 (file rows)


def test_each_row_gets_its_place(imported) -> None:
    db, _ = imported
    inc = _located(db)
    assert (inc.loc[[f"P-{i:03d}" for i in range(1, 31)], "location_precision"] == "exacta").all()

    def err(ident: str, metres: float) -> float:
        r = inc.loc[ident]
        return float(_haversine_m(np.array([r["lat"]]), np.array([r["lon"]]), np.array([LAT0]),
                                  np.array([_lon(metres)]))[0])

    assert inc.loc["P-031", "location_precision"] == "cuadra" and err("P-031", 550) < 15
    assert inc.loc["P-032", "location_precision"] == "cuadra" and err("P-032", 745) < 30
    for ident, reason in (("P-033", "via_desconocida"), ("P-034", "sin_coordenadas")):
        r = inc.loc[ident]
        assert r["location_precision"] == "distrito" and r["location_reason"] == reason
        assert np.isnan(r["lat"]) and r["h3_r12"] == 0 and r["district"] == "LA VICTORIA"
    assert inc.loc["P-035", "location_precision"] == "cuadra" and err("P-035", 350) < 15
    assert inc.loc["P-035", "district"] == "LA VICTORIA"  # from the polygon of its new point
    assert inc.loc["P-039", "location_precision"] == "via"
    assert inc.loc["P-040", "location_precision"] == "distrito"
    assert inc.loc["P-040", "location_reason"] == "zona_desconocida"
    assert inc.loc["P-066", "location_precision"] == "cuadra" and err("P-066", 1187) < 60
    assert inc.loc["P-067", "location_precision"] == "cuadra" and err("P-067", 963) < 25
    # storable parts only: street, cuadra, crossing, zone
    assert inc.loc["P-032", "street"] == "JR. PRUEBA" and inc.loc["P-032", "block"] == 7
    assert inc.loc["P-039", "cross_street"] == "JR. PRUEBA"
    assert inc.loc["P-040", "zone"] == "URB. CEDROS"  # the zone's key with its type
    assert pd.isna(inc.loc["P-034", "street"]) and pd.isna(inc.loc["P-034", "block"])


def test_forced_points_are_not_places(imported) -> None:
    db, rep = imported
    assert len(rep.forced_points) == 1
    fp = rep.forced_points[0]
    assert (fp["lat"], fp["lon"]) == pytest.approx(FORCED) and fp["rows"] == 25
    assert fp["file"] == "sidpol.csv"
    inc = _located(db)
    forced = inc.loc[[f"P-{i:03d}" for i in range(41, 66)]]
    assert (forced["location_precision"] == "cuadra").all()
    d = _haversine_m(forced["lat"].to_numpy(), forced["lon"].to_numpy(),
                     np.full(25, FORCED[0]), np.full(25, FORCED[1]))
    assert (d > 500).all()  # each on its own cuadra of JR. PRUEBA, not at the comisaría
    assert (np.abs(forced["lat"].to_numpy() - LAT0) < 2e-4).all()
    with store.reading(db) as con:
        hist = store.imports_history(con)
        assert hist["forced_points"].iloc[0][0]["rows"] == 25
        assert hist["precision"].iloc[0]["cuadra"] == 30
        assert len(geocoding.forced_point_table(con)) == 1


def test_good_status_keeps_the_point(imported) -> None:
    inc = _located(imported[0])
    assert (inc.loc[["P-001", "P-002", "P-003"], "location_precision"] == "exacta").all()


def test_no_house_number_or_free_text_anywhere(imported, tmp_path: Path) -> None:
    db, _ = imported
    out = tmp_path / "export.csv"
    assert cli.main(["export", "--db", str(db), "--out", str(out)]) == 0
    texts = [out.read_text(encoding="utf-8")]
    with store.reading(db) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_schema = 'main'").fetchall()]
        for table in tables:
            cols = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "AND data_type = 'VARCHAR'", [table]).fetchall()]
            for c in cols:
                vals = con.execute(f'SELECT DISTINCT "{c}" FROM "{table}"').fetchall()
                texts.extend(str(v[0]) for v in vals if v[0] is not None)
    blob = "\n".join(texts).upper()
    for n in HOUSE_NUMBERS:
        assert not re.search(rf"\b{n}\b", blob), n
    for word in ("BODEGA", "PEPE", "INT. 3", "FRENTE", "MZ. B", "LT. 5", "PRUEBA 7"):
        assert word not in blob, word
    export = pd.read_csv(out)
    assert {"location_precision", "location_reason", "street", "block", "zone"} <= set(export)


def test_reimport_is_all_duplicates_and_rule_documented(imported, sidpol_csv: Path) -> None:
    db, first = imported
    again = ingest.ingest_files(sidpol_csv, db=db, shipped_layers=False)
    assert again.accepted == 0 and again.duplicates == first.accepted + first.duplicates
    readme = (Path(__file__).resolve().parent.parent / "data" / "README.md").read_text()
    assert "district + street/cuadra + type" in readme


def test_explore_hexagons_use_located_rows(imported) -> None:
    db, rep = imported
    with store.reading(db) as con:
        q = IncidentQuery()
        cells = explore.cell_counts(con, q)
        assert int(cells["n"].sum()) == rep.precision["exacta"] + rep.precision["cuadra"]
        assert explore.unplaced_count(con, q) == rep.precision["via"] + rep.precision["distrito"]
        assert explore.kpis(con, q).total == rep.accepted  # district indicators count all
        only = q.with_(precisions=["exacta"])
        assert int(explore.cell_counts(con, only)["n"].sum()) == rep.precision["exacta"]
        assert explore.unplaced_count(con, only) == rep.accepted - rep.precision["exacta"]
        pts = explore.incident_points(con, q)
        assert len(pts) == rep.precision["exacta"] + rep.precision["cuadra"]


def test_file_without_coordinate_columns(tmp_path: Path) -> None:
    path = tmp_path / "sin_xy.csv"
    path.write_text("id,fecha,delito,distrito,direccion_hecho\n"
                    "1,03/02/2025,robo,LA VICTORIA,JR. GAMARRA 745\n"
                    "2,04/02/2025,hurto,,\n"
                    "3,05/02/2025,hurto,LINCE,\n", encoding="utf-8")
    con = store.connect(":memory:")
    rep = ingest.ingest_files(path, con=con, shipped_layers=False)
    assert (rep.accepted, rep.quarantined) == (2, 1)
    assert rep.quarantine_reasons == {"sin_ubicacion": 1}
    assert rep.precision["distrito"] == 2
    con.close()
    bare = tmp_path / "sin_nada.csv"
    bare.write_text("id,fecha,delito\n1,03/02/2025,robo\n", encoding="utf-8")
    with pytest.raises(IncidentSchemaError, match="distrito, ubigeo o dirección"):
        ingest.ingest_files(bare, con=store.connect(":memory:"))


def test_posts_of_addresses_reuse_the_gazetteer_until_the_store_learns(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Single posts without an exact address of their own share one gazetteer build.

    It is rebuilt when the store gains an exact point with an address; places are
    the same as building it every time.
    """
    from analytics.ingest import locate

    builds = []
    real = geocoding.build_gazetteer

    def counting(*args: object, **kw: object) -> object:
        builds.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(locate.G, "build_gazetteer", counting)
    monkeypatch.setattr(locate, "_GAZ_CACHE", type(locate._GAZ_CACHE)())
    con = store.connect(":memory:")
    ingest.ingest_records(_rows()[:30], con=con)  # 30 exact points on JR. PRUEBA
    n0 = len(builds)

    def post(i: int) -> pd.DataFrame:
        ingest.ingest_records([{"id": f"P{i}", "fecha": f"0{i}/04/2025", "hora": "11:00",
                                "delito": "hurto", "distrito": "LA VICTORIA",
                                "direccion_hecho": "JR. PRUEBA CDRA. 5"}], con=con)
        return con.execute("SELECT lat, lon, location_precision FROM incidents "
                           "WHERE incident_id = ?", [f"P{i}"]).df()

    first, second = post(1), post(2)
    assert len(builds) == n0 + 1  # the second post reused the first one's gazetteer
    assert first.equals(second) and first["location_precision"].tolist() == ["cuadra"]
    late = {**_rows()[0], "nro_denuncia": "E99", "fecha_hecho": "01/05/2025",
            "longitud": f"{_lon(1150):.6f}", "direccion_hecho": "JR. PRUEBA 1150"}
    ingest.ingest_records([late], con=con)
    n1 = len(builds)
    post(3)
    assert len(builds) == n1 + 1  # the store learned a point: built again
    con.close()


def test_geocode_never_coarsens_what_the_import_placed(tmp_path: Path) -> None:
    """Re-geocoding the store keeps every row at least as precise as its import placed it.

    The import saw the full written address (house number, named references) that the
    store does not keep; on the small SIDPOL-like demo some rows would otherwise fall
    from ``cuadra`` to ``via``.
    """
    from analytics import demo

    path = tmp_path / "demo.csv"
    demo.generate_incidents(cities=("lima",), scale=0.3, start="2025-01-01",
                            end="2025-07-01").to_csv(path, index=False)
    con = store.connect(":memory:")
    ingest.ingest_files(path, con=con)
    sql = "SELECT incident_id, location_precision FROM incidents ORDER BY incident_id"
    before = con.execute(sql).df().set_index("incident_id")["location_precision"]
    rep = geocoding.regeocode_store(con)
    after = con.execute(sql).df().set_index("incident_id")["location_precision"]
    rank = {p: k for k, p in enumerate(settings.LOCATION_PRECISIONS)}
    assert rep.changed > 0  # block centres learned from the store move some rows
    assert (after.map(rank) <= before.map(rank)).all()
    assert geocoding.regeocode_store(con).changed == 0  # and a second run changes nothing
    con.close()


def test_observacion_with_statuses_is_read_free_text_is_not(tmp_path: Path) -> None:
    rows = []
    for i in range(40):
        forced = i < 25
        rows.append({"id": i, "fecha": "03/02/2025", "hora": f"{i % 24:02d}:00",
                     "latitud": f"{FORCED[0] if forced else LAT0:.6f}",
                     "longitud": f"{FORCED[1] if forced else _lon(100 + 20 * i):.6f}",
                     "delito": "robo", "distrito": "LA VICTORIA",
                     "direccion_hecho": f"JR. PRUEBA {100 + 20 * i}",
                     "observacion": "GEO FORZADA AL CENTROIDE DE COMISARIA" if forced
                     else "GEORREFERENCIADO"})
    path = tmp_path / "obs.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    rep = ingest.ingest_files(path, con=store.connect(":memory:"), shipped_layers=False)
    assert rep.mappings[str(path)]["location_status"] == "observacion"
    assert "observacion" not in rep.pii_columns_dropped
    assert rep.forced_points and rep.forced_points[0]["rows"] == 25
    free = pd.DataFrame(rows).assign(observacion=[f"denunciante relata hecho {i}"
                                                  for i in range(40)])
    free.to_csv(path, index=False)
    rep = ingest.ingest_files(path, con=store.connect(":memory:"), shipped_layers=False)
    assert "location_status" not in rep.mappings[str(path)]
    assert rep.pii_columns_dropped == ["observacion"]


def test_comisaria_layer_flags_its_point(tmp_path: Path) -> None:
    rows = [{"id": i, "fecha": "03/02/2025", "hora": f"{i % 24:02d}:{i % 60:02d}",
             "latitud": f"{FORCED[0]:.6f}", "longitud": f"{FORCED[1]:.6f}", "delito": "robo",
             "distrito": "LA VICTORIA", "direccion_hecho": "JR. PRUEBA 150"} for i in range(8)]
    path = tmp_path / "c.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    plain = ingest.ingest_files(path, con=store.connect(":memory:"), shipped_layers=False)
    assert plain.forced_points == [] and plain.precision["exacta"] == 8
    layer = tmp_path / "comisarias.csv"
    layer.write_text(f"nombre,lat,lon\nCOMISARIA PRUEBA,{FORCED[0]},{FORCED[1]}\n",
                     encoding="utf-8")
    rep = ingest.ingest_files(path, con=store.connect(":memory:"), shipped_layers=False,
                              comisarias=layer)
    assert rep.forced_points[0]["rows"] == 8 and "COMISARIA PRUEBA" in rep.forced_points[0]["why"]
    assert rep.precision["exacta"] == 0


def test_migration_of_an_older_store_keeps_rows_exact(tmp_path: Path) -> None:
    db = tmp_path / "v7.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE vigia_meta (key VARCHAR, value VARCHAR)")
    for step in store.MIGRATIONS[:7]:
        for sql in step.statements:
            con.execute(sql)
    con.execute("INSERT INTO vigia_meta VALUES ('schema_version', '7')")
    con.execute("INSERT INTO incidents (incident_id, occurred_at, lat, lon, crime_type, "
                "h3_r12) VALUES ('a', '2025-01-01 10:00', -12.068, -77.02, 'robo', 1)")
    con.close()
    with store.writing(db) as c:
        assert store.schema_version(c) == store.SCHEMA_VERSION >= 8
        got = store.load_incidents(c, columns=["incident_id", "location_precision", "street"])
        assert got["location_precision"].tolist() == ["exacta"] and got["street"].isna().all()
        assert explore.unplaced_count(c, IncidentQuery()) == 0
        cols = {r[0] for r in c.execute("DESCRIBE imports").fetchall()}
        assert {"precision", "forced_points"} <= cols


def test_cli_json_keeps_every_key_and_adds_precision(sidpol_csv: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "v.duckdb"
    assert cli.main(["ingest", str(sidpol_csv), "--db", str(db), "--json",
                     "--no-shipped-streets"]) == 0
    d = json.loads(capsys.readouterr().out)
    keys = {"rows_read", "accepted", "duplicates", "quarantined", "quarantine_reasons",
            "pii_columns_dropped", "stacked_points", "swapped_coordinates", "import_ids",
            "files", "repeated_files", "mappings", "personal_data_masked"}
    assert keys <= set(d)
    assert set(d["precision"]) == set(settings.LOCATION_PRECISIONS)
    assert d["forced_points"][0]["rows"] == 25
    assert cli.main(["ingest", str(sidpol_csv), "--db", str(tmp_path / "w.duckdb"),
                     "--no-shipped-streets"]) == 0
    text = capsys.readouterr().out
    assert "Ubicación de las aceptadas: exacta 30, cuadra 30, via 1" in text
    assert "Punto que no es lugar del hecho (-12.07000, -77.03000) con 25 filas" in text


def test_street_layer_without_a_name_column_is_refused(sidpol_csv: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    layer = tmp_path / "calles.geojson"
    layer.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"highway": "primary"},
         "geometry": {"type": "LineString", "coordinates": [[-77.02, -12.06],
                                                            [-77.01, -12.06]]}}]}))
    db = tmp_path / "v.duckdb"
    assert cli.main(["ingest", str(sidpol_csv), "--db", str(db), "--streets", str(layer)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no tiene una columna con el nombre de la vía" in err[0]
    nodes = tmp_path / "nodos.csv"
    nodes.write_text("kind,lat,lon\nstop,-12.06,-77.02\n")
    with pytest.raises(InputFileError, match="nombre de la vía"):
        geocoding.read_street_layers([nodes])


def test_geocode_command_places_rows_with_a_new_layer(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    # no exact point at all: the street is unknown until a layer names it
    path = tmp_path / "s.csv"
    path.write_text("id,fecha,delito,distrito,direccion_hecho\n"
                    "1,03/02/2025,robo,LA VICTORIA,JR. NUEVA CDRA. 2\n"
                    "2,04/02/2025,robo,LA VICTORIA,JR. NUEVA ESQ. AV. OTRA\n", encoding="utf-8")
    db = tmp_path / "v.duckdb"
    rep = ingest.ingest_files(path, db=db, shipped_layers=False)
    assert rep.precision["distrito"] == 2
    layer = tmp_path / "calles.geojson"
    layer.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Jirón Nueva"},
         "geometry": {"type": "LineString", "coordinates": [[-77.020, -12.068],
                                                            [-77.010, -12.068]]}},
        {"type": "Feature", "properties": {"name": "Avenida Otra"},
         "geometry": {"type": "LineString", "coordinates": [[-77.015, -12.060],
                                                            [-77.015, -12.075]]}}]}))
    assert cli.main(["geocode", "--db", str(db), "--streets", str(layer), "--json",
                     "--no-shipped-streets"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["rows"] == 2 and d["changed"] == 2
    assert d["precision"]["cuadra"] == 1 and d["precision"]["via"] == 1
    with store.reading(db) as con:
        inc = store.load_incidents(con, columns=["incident_id", "lat", "lon",
                                                 "location_precision", "h3_r12"])
    cross = inc[inc["incident_id"] == "2"].iloc[0]
    assert cross["location_precision"] == "cuadra" and cross["h3_r12"] > 0
    assert (cross["lat"], cross["lon"]) == pytest.approx((-12.068, -77.015), abs=1e-6)


# --------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def philly_subset(philadelphia_path: Path) -> pd.DataFrame:
    """Police districts 12 and 18 over ten years (about 159 000 incidents)."""
    cols = ["incident_id", "ts_local", "crime_type", "police_district", "location_block",
            "lat", "lon"]
    df = pd.read_parquet(philadelphia_path, columns=cols)
    df = df[df["police_district"].isin([12, 18])].dropna(subset=["lat", "lon"])
    return df.assign(crime_type=df["crime_type"].astype(str)).reset_index(drop=True)


@pytest.mark.realdata
@pytest.mark.parametrize("peru_style", [False, True], ids=["us_blocks", "peru_style"])
def test_philadelphia_hidden_points_through_ingest(philly_subset: pd.DataFrame, tmp_path: Path,
                                                   peru_style: bool) -> None:
    """The hidden-point protocol, through the ingest: keep 15 % of the points, force 25 % onto
    one point per police district, blank the rest; ``location_block`` is read as the address
    and ``police_district`` as the district; the geocoded points are compared with the true
    ones on the rows without a true point."""
    from analytics import geocode_eval as E

    df = philly_subset
    seed_rewrite, seed_hide = E._child_seeds(20261207)
    addr = df["location_block"].to_numpy(dtype=object)
    if peru_style:
        addr = E.addresses_to_peru_style(addr, seed=seed_rewrite)
    lat, lon, role = E.hide_points(df["lat"].to_numpy(), df["lon"].to_numpy(),
                                   df["police_district"].to_numpy(), seed=seed_hide)
    written = df.assign(location_block=addr)
    hidden, full = tmp_path / "hidden.parquet", tmp_path / "full.parquet"
    written.assign(lat=lat, lon=lon).to_parquet(hidden)
    written.to_parquet(full)
    con = store.connect(":memory:")
    rep = ingest.ingest_files(hidden, con=con, tz="America/New_York")
    assert rep.mappings[str(hidden)]["address"] == "location_block"
    assert rep.mappings[str(hidden)]["district"] == "police_district"
    assert rep.quarantined == 0
    assert {round(p["lat"], 4) for p in rep.forced_points} >= set(
        np.round(lat[role == "forced"], 4))  # every forced point found
    got = store.load_incidents(con, columns=["incident_id", "lat", "lon", "district",
                                             "location_precision"])
    con.close()
    # district counts: the same as importing the file with every true point
    truth_con = store.connect(":memory:")
    ingest.ingest_files(full, con=truth_con, tz="America/New_York")
    truth_counts = store.load_incidents(truth_con, columns=["district"])["district"]
    truth_con.close()
    assert got["district"].value_counts().to_dict() == truth_counts.value_counts().to_dict()
    first = df.assign(role=role).drop_duplicates("incident_id").set_index("incident_id")
    true = first[["lat", "lon", "role"]].rename(columns={"lat": "lat_true", "lon": "lon_true"})
    m = got.set_index("incident_id").join(true)
    assert (m.loc[m["role"] == "forced", "location_precision"] != "exacta").all()
    scored = m[m["role"] != "exact"]
    placed = scored["location_precision"].isin(["cuadra", "via", "zona"]).to_numpy()
    err = _haversine_m(scored["lat"].to_numpy(), scored["lon"].to_numpy(),
                       scored["lat_true"].to_numpy(), scored["lon_true"].to_numpy())
    err = np.where(np.isfinite(err), err, np.inf)
    assert placed.mean() >= 0.95
    assert np.median(err[placed]) <= 50
    assert (err <= 100).mean() >= 0.72
    assert (err <= 250).mean() >= 0.88
