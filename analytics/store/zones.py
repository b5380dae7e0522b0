"""Zone layers kept in the store: the ``zone_layers`` and ``zones`` tables.

A zone layer (PNP sectores or cuadrantes, comisaría jurisdictions, Serenazgo
sectors) is validated by :func:`analytics.zones.zone_layer_from_frame` and
stored with a name and a version: adding a layer under a name that exists
makes the next version, and earlier versions stay readable (forecasts and
reports made with them still name their layer). Districts are not stored
here: they are the incidents' ``district`` field (``layer_id`` ``None``
wherever a layer is referred to).

Geometry is kept as GeoJSON text in EPSG:4326, one row per zone with its
position in the layer (order matters: a point on a shared border belongs to
the zone listed first).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from analytics import settings
from analytics._errors import IncidentSchemaError, StoreError
from analytics._text import clip_text

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

#: DDL of the two tables (store migration 5).
ZONE_TABLES: Final = (
    "CREATE TABLE IF NOT EXISTS zone_layers (layer_id INTEGER PRIMARY KEY, "
    "name VARCHAR NOT NULL, version INTEGER NOT NULL, created_at TIMESTAMP NOT NULL, "
    "created_by VARCHAR, source VARCHAR, n_zones INTEGER NOT NULL, notes VARCHAR)",
    "CREATE TABLE IF NOT EXISTS zones (layer_id INTEGER NOT NULL, position INTEGER NOT NULL, "
    "zone VARCHAR NOT NULL, geometry VARCHAR NOT NULL)",
)

#: Columns of :func:`zone_layers`.
LAYER_COLUMNS: Final = ("layer_id", "name", "version", "created_at", "created_by", "source",
                        "n_zones")
#: Longest layer name.
MAX_LAYER_NAME: Final = 60
#: Longest stored source file name (the name only, never a path).
MAX_SOURCE_CHARS: Final = 120
#: Most zones a layer may hold (a city's cuadrantes are a few hundred).
MAX_ZONES: Final = 5000
_REF_RE: Final = re.compile(r"^(?P<name>.+?)(?:@v?(?P<version>\d{1,6}))?$")


@dataclass(frozen=True)
class ZoneLayerInfo:
    """One stored layer version (a row of ``zone_layers``)."""

    layer_id: int
    name: str
    version: int
    created_at: datetime
    created_by: str
    source: str
    n_zones: int
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``"Sectores (v2)"``."""
        return f"{self.name} (v{self.version})"


def _now() -> datetime:
    return datetime.now(ZoneInfo(settings.TIMEZONE)).replace(tzinfo=None, microsecond=0)


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    rows = con.execute("SELECT count(*) FROM information_schema.tables "
                       "WHERE table_schema = 'main' AND table_name = ?", [name]).fetchall()
    return bool(rows[0][0])


def layer_name(value: object) -> str:
    """A valid layer name (trimmed, one line, at most :data:`MAX_LAYER_NAME` characters).

    Raises
    ------
    IncidentSchemaError
        An empty name, or one that looks like a reference (``@3``) or a number.
    """
    text = " ".join(str(value or "").split())
    problems = []
    if not text:
        problems.append("falta el nombre de la capa")
    elif len(text) > MAX_LAYER_NAME:
        problems.append(f"el nombre tiene más de {MAX_LAYER_NAME} caracteres")
    elif "@" in text or text.isdigit():
        problems.append("el nombre no puede contener '@' ni ser solo un número")
    if problems:
        raise IncidentSchemaError("Nombre de capa no válido: " + "; ".join(problems) + ".")
    return text


def save_zone_layer(con: duckdb.DuckDBPyConnection, layer: gpd.GeoDataFrame, *, name: str,
                    created_by: str | None = None, source: str | None = None) -> ZoneLayerInfo:
    """Store a validated layer as a new version of ``name`` (version 1 when new).

    Parameters
    ----------
    con
        Writable store connection.
    layer
        Output of :func:`analytics.zones.zone_layer_from_frame` (``zone``,
        ``geometry`` in EPSG:4326); its ``attrs["notes"]`` are kept.
    name
        Layer name (:func:`layer_name`); compared case-insensitively.
    created_by
        User name or CLI actor.
    source
        The file it came from: only the file name is kept, capped.

    Returns
    -------
    ZoneLayerInfo
    """
    import shapely

    nm = layer_name(name)
    if "zone" not in layer.columns or len(layer) == 0:
        raise IncidentSchemaError("La capa no tiene zonas (valide la capa antes de guardarla).")
    if len(layer) > MAX_ZONES:
        raise IncidentSchemaError(f"La capa tiene {len(layer)} zonas; el máximo es {MAX_ZONES}.")
    crs = getattr(layer, "crs", None)
    if crs is not None and crs.to_epsg() != 4326:
        layer = layer.to_crs("EPSG:4326")
    geoms = [shapely.to_geojson(g) for g in layer.geometry.to_numpy()]
    src = clip_text(PurePath(str(source)).name, MAX_SOURCE_CHARS) if source else ""
    notes = [clip_text(n) for n in layer.attrs.get("notes", [])]
    con.execute("BEGIN TRANSACTION")
    try:
        lid, ver = con.execute(
            "SELECT coalesce((SELECT max(layer_id) FROM zone_layers), 0) + 1, "
            "coalesce((SELECT max(version) FROM zone_layers WHERE lower(name) = lower(?)), 0) + 1",
            [nm]).fetchall()[0]
        made = _now()
        con.execute("INSERT INTO zone_layers VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [int(lid), nm, int(ver), made, clip_text(created_by or ""), src, len(layer),
                     json.dumps(notes, ensure_ascii=False)])
        rows = pd.DataFrame({"layer_id": int(lid), "position": range(len(layer)),
                             "zone": layer["zone"].astype(str).to_numpy(dtype=object),
                             "geometry": geoms})
        con.register("_vg_zones", rows)
        con.execute("INSERT INTO zones SELECT layer_id, position, zone, geometry FROM _vg_zones")
        con.unregister("_vg_zones")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return ZoneLayerInfo(int(lid), nm, int(ver), made, clip_text(created_by or ""), src,
                         len(layer), tuple(notes))


def zone_layers(con: duckdb.DuckDBPyConnection, *, all_versions: bool = False) -> pd.DataFrame:
    """Stored layers (:data:`LAYER_COLUMNS`) by name: each name's latest version, or all."""
    if not _has_table(con, "zone_layers"):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LAYER_COLUMNS})
    cols = ", ".join(LAYER_COLUMNS)
    where = "" if all_versions else (
        " WHERE version = (SELECT max(version) FROM zone_layers z "
        "WHERE lower(z.name) = lower(zone_layers.name))")
    return con.execute(f"SELECT {cols} FROM zone_layers{where} "
                       "ORDER BY lower(name), version").df()


def _info(row: tuple[Any, ...]) -> ZoneLayerInfo:
    lid, name, ver, made, by, src, n, notes = row
    try:
        parsed = tuple(str(x) for x in json.loads(notes)) if notes else ()
    except ValueError:
        parsed = ()
    return ZoneLayerInfo(int(lid), str(name), int(ver), pd.Timestamp(made).to_pydatetime(),
                         str(by or ""), str(src or ""), int(n), parsed)


def find_zone_layer(con: duckdb.DuckDBPyConnection, ref: int | str) -> ZoneLayerInfo:
    """A stored layer by id (``7``), name (latest version) or ``name@version``.

    Raises
    ------
    StoreError
        No such layer (the message lists the stored names).
    """
    cols = ("layer_id, name, version, created_at, created_by, source, n_zones, notes")
    rows: list[tuple[Any, ...]] = []
    if _has_table(con, "zone_layers"):
        text = str(ref).strip()
        if isinstance(ref, int) or text.isdigit():
            rows = con.execute(f"SELECT {cols} FROM zone_layers WHERE layer_id = ?",
                               [int(text)]).fetchall()
        else:
            m = _REF_RE.match(text)
            name = m.group("name").strip() if m else text
            if m and m.group("version"):
                rows = con.execute(f"SELECT {cols} FROM zone_layers WHERE lower(name) = lower(?) "
                                   "AND version = ?", [name, int(m.group("version"))]).fetchall()
            else:
                rows = con.execute(f"SELECT {cols} FROM zone_layers WHERE lower(name) = lower(?) "
                                   "ORDER BY version DESC LIMIT 1", [name]).fetchall()
    if not rows:
        known = zone_layers(con)
        names = ", ".join(str(n) for n in known["name"]) or "ninguna"
        msg = (f"No existe la capa de zonas {str(ref)!r} (capas guardadas: {names}; "
               "agregue una con python -m analytics zones add).")
        raise StoreError(msg)
    return _info(rows[0])


def load_zone_layer(con: duckdb.DuckDBPyConnection, ref: int | str) -> gpd.GeoDataFrame:
    """The zones of a stored layer (see :func:`find_zone_layer` for ``ref``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``zone`` and ``geometry`` (EPSG:4326) in layer order, as
        :func:`analytics.zones.zone_layer_from_frame` returned them;
        ``attrs`` holds ``layer_id``, ``name``, ``version`` and ``notes``.
    """
    import geopandas as gpd
    import shapely

    info = find_zone_layer(con, ref)
    df = con.execute("SELECT zone, geometry FROM zones WHERE layer_id = ? ORDER BY position",
                     [info.layer_id]).df()
    geoms = shapely.from_geojson(df["geometry"].to_numpy(dtype=object))
    out = gpd.GeoDataFrame({"zone": pd.array(df["zone"].astype(str).to_numpy(), dtype="str")},
                           geometry=list(geoms), crs="EPSG:4326")
    out.attrs.update(layer_id=info.layer_id, name=info.name, version=info.version,
                     notes=list(info.notes))
    return out
