"""Plain tables in and out: read any table a user has, write every export.

:func:`read_table` reads CSV/CSV.GZ, Parquet, XLSX and GeoJSON properties as they
are (the incident ingest, with its rules, is :mod:`analytics.ingest`);
:func:`write_table` writes by suffix, neutralising spreadsheet formulas in text
(:mod:`analytics._safe`); :func:`write_bytes` writes documents; and
:func:`read_population` reads the district population table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analytics import _safe, geo, hexbin
from analytics._errors import IncidentSchemaError, InputFileError
from analytics.ingest import sources as S

# --------------------------------------------------------------------------- boundaries

#: The shipped district polygons (see :mod:`analytics.geo`, which reads them).


# --------------------------------------------------------------------------- plain tables

def read_table(path: str | Path) -> pd.DataFrame:
    """Read a plain table (CSV/CSV.GZ, Parquet, XLSX, GeoJSON properties) as it is."""
    src = S.sniff(path)
    if src.kind == "parquet":
        return pd.read_parquet(src.path)
    if src.kind == "excel":
        try:
            return pd.read_excel(src.path, engine="openpyxl")
        except Exception as exc:
            raise S.fail(src.path, f"libro Excel ilegible ({type(exc).__name__})") from None
    if src.kind == "geojson":
        return S.geojson_frame(src)[0]
    enc = "utf-8-sig" if src.encoding == "utf-8" else src.encoding
    try:
        return pd.read_csv(src.path, sep=src.delimiter, skiprows=src.skip, encoding=enc,
                           compression="infer")
    except UnicodeDecodeError:
        return pd.read_csv(src.path, sep=src.delimiter, skiprows=src.skip, encoding="latin-1",
                           compression="infer")
    except (ValueError, pd.errors.ParserError) as exc:
        raise S.fail(src.path, f"no se pudo leer como tabla ({str(exc).splitlines()[0]})") from None


def _for_export(frame: pd.DataFrame, *, excel: bool) -> pd.DataFrame:
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == np.uint64 and c.startswith("h3"):
            cells = out[c].to_numpy()
            text = np.full(len(cells), "", dtype=object)  # 0: no cell (an incident without a point)
            text[cells != 0] = hexbin.cells_to_strings(cells[cells != 0])
            out[c] = text
        elif out[c].dtype == np.uint64 and excel:
            out[c] = out[c].astype(str)
        elif excel and isinstance(out[c].dtype, pd.DatetimeTZDtype):
            out[c] = out[c].dt.tz_localize(None)
    return out


def write_table(frame: pd.DataFrame, path: str | Path, *, sheet_name: str = "datos") -> Path:
    """Write ``frame`` by suffix: .csv, .csv.gz, .parquet, .xlsx, .geojson.

    H3 cell columns (``h3*``, uint64) are written as hexadecimal strings in
    text formats. GeoJSON takes points from ``lat``/``lon`` or a geometry
    column. CSV is plain UTF-8 without a byte-order mark, so other programs
    read the column names exactly (for Excel, write ``.xlsx``). Text that a
    spreadsheet would run as a formula is neutralised (see :mod:`analytics._safe`):
    prefixed with ``'`` in CSV, written as a string in ``.xlsx``.
    """
    p = Path(path)
    name = p.name.lower()
    p.parent.mkdir(parents=True, exist_ok=True)
    try:
        if name.endswith(".parquet"):
            frame.to_parquet(p, index=False)
        elif name.endswith(".csv") or name.endswith(".csv.gz"):
            _safe.frame_for_csv(_for_export(frame, excel=False)).to_csv(
                p, index=False, encoding="utf-8", compression="infer")
        elif name.endswith(".xlsx"):
            _for_export(frame, excel=True).to_excel(
                p, index=False, sheet_name=sheet_name[:31], engine="xlsxwriter",
                engine_kwargs={"options": dict(_safe.XLSX_OPTIONS)})
        elif name.endswith(".geojson"):
            import geopandas as gpd

            if isinstance(frame, gpd.GeoDataFrame):
                gdf = frame
            elif "geometry" in frame.columns:
                gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")
            elif {"lat", "lon"} <= set(frame.columns):
                points = gpd.points_from_xy(frame["lon"], frame["lat"])
                gdf = gpd.GeoDataFrame(frame, geometry=points, crs="EPSG:4326")
            else:
                msg = "Para GeoJSON la tabla necesita columnas lat/lon o una geometría."
                raise IncidentSchemaError(msg)
            gdf = _for_export(gdf, excel=False)
            gdf.to_file(p, driver="GeoJSON")
        else:
            msg = (f"Formato de salida desconocido para {p.name} "
                   "(use .csv, .csv.gz, .parquet, .xlsx o .geojson).")
            raise InputFileError(msg)
    except OSError as exc:
        if isinstance(exc, InputFileError):
            raise
        raise InputFileError(f"No se puede escribir {p}: {exc.strerror or exc}.") from None
    return p


def table_to_csv_bytes(frame: pd.DataFrame, *, bom: bool = False) -> bytes:
    """Return the CSV bytes of ``frame`` for a download, formula-like text neutralised.

    ``bom``: start with a UTF-8 byte-order mark (Excel then reads accents right).
    """
    text: str = _safe.frame_for_csv(_for_export(frame, excel=False)).to_csv(index=False)
    return text.encode("utf-8-sig" if bom else "utf-8")


def write_bytes(data: bytes, path: str | Path) -> Path:
    """Write raw bytes (PDF, PNG, ...) to ``path``, creating folders."""
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    except OSError as exc:
        raise InputFileError(f"No se puede escribir {p}: {exc.strerror or exc}.") from None
    return p


def read_population(path: str | Path | None = None) -> pd.DataFrame:
    """District populations (``data/boundaries/population.csv`` by default).

    Columns ``ubigeo`` (text, 6 digits), ``district``, ``label``, ``population``
    (int), ``year``, ``source``; approximate INEI 2017 figures, editable in the app.
    """
    p = Path(path) if path is not None else geo.BOUNDARIES_PATH.with_name("population.csv")
    if not p.is_file():
        raise InputFileError(f"No existe el archivo de población {p}.")
    return pd.read_csv(p, dtype={"ubigeo": str, "district": str, "label": str, "source": str})
