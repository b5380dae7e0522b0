"""Read GPS track files into raw frames (file -> text columns), nothing more.

Kept apart from the cleaning in :mod:`analytics.tracks` so these small
functions can move into the project's file-reading module (``analytics/io.py``)
unchanged. Every reader returns a :class:`pandas.DataFrame` of text (or
``None``) columns, one row per ping as found in the file, and records in
``frame.attrs``:

* ``source_kind``: ``csv``, ``excel``, ``gpx`` or ``geojson``;
* ``malformed_rows``: CSV lines that do not have the table's shape (skipped
  here, counted as rejected by the cleaning so no ping goes unaccounted).

CSV and Excel frames keep the file's own headers (recognised later). GPX and
GeoJSON frames use the canonical Spanish headers ``unidad, fecha_hora, lat,
lon`` (+ ``velocidad`` in km/h when the file has it) so the same recognition
applies.

Safety: files larger than the limits below are refused with one Spanish line;
GPX is parsed with the standard library's ``xml.etree`` in a streaming way,
and any file that declares a DOCTYPE or an ENTITY is refused before parsing
(no DTD means no entity can be defined, so none can be expanded: the
"billion laughs" and external-entity attacks need one).
"""

from __future__ import annotations

import codecs
import gzip
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Final, cast

import numpy as np
import pandas as pd

from analytics._errors import InputFileError
from analytics._validate import normalize_header

MB: Final = 1024 * 1024
#: Largest CSV accepted, on disk (compressed size for ``.gz``), bytes.
MAX_CSV_BYTES: Final = 2048 * MB
#: Largest ``.gz`` CSV accepted, bytes (about 5–10 times that once expanded).
MAX_GZ_BYTES: Final = 384 * MB
#: Largest Excel workbook accepted, bytes (openpyxl needs ~50× that in memory).
MAX_EXCEL_BYTES: Final = 60 * MB
#: Largest GPX file accepted, bytes (streamed, but every ping becomes Python objects).
MAX_GPX_BYTES: Final = 400 * MB
#: Largest GeoJSON file accepted, bytes (``json`` loads it whole).
MAX_GEOJSON_BYTES: Final = 300 * MB

_HEAD_BYTES: Final = 256 * 1024
_CHUNK: Final = 1024 * 1024
_CSV_SUFFIXES: Final = frozenset({".csv", ".txt", ".tsv"})
_FORBIDDEN_XML: Final = (b"<!DOCTYPE", b"<!ENTITY")

#: Canonical field -> recognised headers (normalised: lower-case, no accents,
#: ``_`` for separators), in order of preference. Plates come last for the
#: unit: when a file has both a unit code and a plate, the unit code wins.
TRACK_SYNONYMS: Final[Mapping[str, tuple[str, ...]]] = {
    "unit": ("unidad", "id_unidad", "codigo_unidad", "cod_unidad", "nro_unidad",
             "numero_unidad", "movil", "id_movil", "codigo_movil", "vehiculo", "id_vehiculo",
             "codigo_vehiculo", "patrullero", "unit", "unit_id", "vehicle", "vehicle_id",
             "device_id", "deviceid", "id_dispositivo", "dispositivo", "device", "imei",
             "placa", "nro_placa", "numero_placa", "placa_vehiculo", "plate", "license_plate"),
    "datetime": ("fecha_hora", "fechahora", "fecha_y_hora", "fecha_hora_gps", "fecha_hora_gmt",
                 "timestamp", "time_stamp", "datetime", "date_time", "gps_time", "gpstime",
                 "gps_datetime", "fecha_gps", "fecha_registro", "ts"),
    "date": ("fecha", "date", "dia"),
    "time": ("hora", "hora_gps", "hour", "time", "tiempo"),
    "lat": ("latitud", "lat", "latitude", "lat_gps", "latitud_gps", "y"),
    "lon": ("longitud", "lon", "lng", "long", "longitude", "lon_gps", "longitud_gps", "x"),
    "speed": ("velocidad", "velocidad_kmh", "velocidad_km_h", "vel", "speed", "speed_kmh",
              "speed_km_h"),
}
_KNOWN: Final = frozenset(s for syn in TRACK_SYNONYMS.values() for s in syn)


def _fail(path: Path, why: str) -> InputFileError:
    return InputFileError(f"No se puede leer {path.name}: {why}.")


def _check_size(path: Path, limit: int, kind: str) -> None:
    if not path.exists():
        raise InputFileError(f"No se encuentra el archivo {path.name}.")
    if path.is_dir():
        raise InputFileError(f"{path.name} es una carpeta, no un archivo.")
    size = path.stat().st_size
    if size == 0:
        raise _fail(path, "el archivo está vacío")
    if size > limit:
        raise InputFileError(
            f"El archivo {path.name} es demasiado grande para importarlo de una vez "
            f"({size / MB:,.0f} MB; máximo {limit / MB:,.0f} MB para {kind}): "
            "divídalo por día o por unidad.")


def _cell_to_text(v: Any) -> str | None:
    """Text of one spreadsheet / JSON value (dates as ISO, whole floats without ``.0``)."""
    if v is None:
        return None
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return repr(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, (datetime, pd.Timestamp)):
        return v.isoformat(sep=" ")
    if isinstance(v, (date, time)):
        return v.isoformat()
    s = str(v).strip()
    return s or None


def header_score(fields: Iterable[Any]) -> int:
    """How many of ``fields`` are recognised track headers."""
    return sum(1 for f in fields if f is not None and normalize_header(f) in _KNOWN)


def _dedupe(names: Sequence[str]) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for j, raw in enumerate(names):
        h = raw.strip() or f"columna_{j + 1}"
        if h in seen:
            seen[h] += 1
            h = f"{h}_{seen[h]}"
        else:
            seen[h] = 0
        out.append(h)
    return out


def _decode(raw: bytes) -> tuple[str, str]:
    """(pyarrow encoding name, decoded text) of a text file's first bytes."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", raw.decode("utf-16", errors="replace")
    body = raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw
    try:
        return "utf8", codecs.getincrementaldecoder("utf-8")().decode(body, final=False)
    except UnicodeDecodeError:
        return "latin-1", body.decode("latin-1")


def _sniff_csv(path: Path, text: str) -> tuple[str, int, list[str]]:
    """(delimiter, lines before the header, header names) from the file's first lines."""
    lines = text.lstrip("\ufeff").splitlines()[:30]
    if not any(ln.strip() for ln in lines):
        raise _fail(path, "el archivo está vacío")
    best = (0, 0, ",")
    for i, ln in enumerate(lines):
        for d in (",", ";", "\t", "|"):
            score = header_score(f.strip().strip("\"'") for f in ln.split(d))
            if score > best[0]:
                best = (score, i, d)
    if best[0] >= 2:
        delim, skip = best[2], best[1]
    else:
        skip = next(i for i, ln in enumerate(lines) if ln.strip())
        counts = {d: lines[skip].count(d) for d in (",", ";", "\t", "|")}
        delim = max(counts, key=lambda d: counts[d])
        if counts[delim] == 0:
            raise _fail(path, "no parece una tabla (no hay columnas separadas por , ; "
                              "tabulador o |)")
    import csv

    header = next(csv.reader([lines[skip]], delimiter=delim))
    return delim, skip, _dedupe([h.strip().strip("\"'") for h in header])


def read_track_csv(path: str | Path) -> pd.DataFrame:
    """Read a CSV (plain or ``.gz``; ``,``/``;``/tab/``|``; UTF-8, Latin-1 or UTF-16) as text.

    The header may sit below a few title lines (the line with the most
    recognised track headers is taken). Lines with the wrong number of fields
    are skipped and counted in ``frame.attrs["malformed_rows"]``.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    p = Path(path)
    gz = p.suffix.lower() == ".gz"
    _check_size(p, MAX_GZ_BYTES if gz else MAX_CSV_BYTES, "CSV")
    try:
        opener = gzip.open if gz else open
        with opener(p, "rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except (OSError, EOFError) as exc:
        raise _fail(p, f"archivo dañado ({type(exc).__name__})") from None
    if not head.strip():
        raise _fail(p, "el archivo está vacío")
    encoding, text = _decode(head)
    if encoding != "utf-16" and b"\x00" in head[:8192]:
        raise _fail(p, "es un archivo binario, no una tabla de texto")
    delim, skip, names = _sniff_csv(p, text)
    malformed = [0]

    def on_invalid(_row: Any) -> str:
        malformed[0] += 1
        return "skip"

    try:
        table = pacsv.read_csv(
            p,
            read_options=pacsv.ReadOptions(skip_rows=skip + 1, column_names=names,
                                           encoding=encoding, block_size=16 * MB),
            parse_options=pacsv.ParseOptions(delimiter=delim, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=True,
                null_values=["", "NULL", "null", "NA", "N/A", "nan", "NaN"]))
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:
        raise _fail(p, f"CSV ilegible ({str(exc).splitlines()[0][:120]})") from None
    frame = table.to_pandas()
    frame.attrs.update(source_kind="csv", malformed_rows=int(malformed[0]))
    return frame


def read_track_excel(path: str | Path) -> pd.DataFrame:
    """Read the first sheet of an ``.xlsx`` workbook as text (header on any of the first rows)."""
    p = Path(path)
    _check_size(p, MAX_EXCEL_BYTES, "Excel")
    try:
        raw = pd.read_excel(p, header=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a broken workbook
        raise _fail(p, f"libro Excel ilegible ({type(exc).__name__})") from None
    raw = raw.dropna(how="all").dropna(axis=1, how="all")
    if raw.empty:
        raise _fail(p, "la hoja está vacía")
    scores = [header_score(r) for r in raw.head(30).itertuples(index=False)]
    pos = int(np.argmax(scores)) if max(scores) >= 2 else 0
    header = _dedupe([_cell_to_text(h) or "" for h in raw.iloc[pos]])
    body = raw.iloc[pos + 1:]
    frame = pd.DataFrame({h: pd.Series([_cell_to_text(v) for v in body.iloc[:, j]], dtype=object)
                          for j, h in enumerate(header)})
    frame.attrs.update(source_kind="excel", malformed_rows=0)
    return frame


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _gpx_chunks(p: Path) -> Iterable[bytes]:
    """Yield the file's bytes in chunks, refusing DTDs (checked across chunk boundaries)."""
    tail = b""
    with p.open("rb") as fh:
        first = True
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                return
            if first:
                first = False
                if chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE,
                                     codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)) \
                        or b"\x00" in chunk[:4]:
                    raise _fail(p, "GPX en UTF-16/UTF-32 no admitido; guárdelo en UTF-8")
            window = tail + chunk
            if any(tok in window for tok in _FORBIDDEN_XML):
                raise _fail(p, "el GPX declara un DOCTYPE o entidades XML; se rechaza por "
                               "seguridad")
            tail = window[-16:]
            yield chunk


def read_gpx(path: str | Path) -> pd.DataFrame:
    """Read the track points of a GPX file.

    Every ``<trk>/<trkseg>/<trkpt lat lon>`` becomes a row with its
    ``<time>`` (as written, usually UTC ISO 8601) and, when present, its
    ``<speed>`` (GPX 1.0, metres per second, converted to km/h). The unit is
    the track's ``<name>`` or, without one, the file name (without suffix).
    Route and way points are ignored.
    """
    p = Path(path)
    _check_size(p, MAX_GPX_BYTES, "GPX")
    parser: ET.XMLPullParser[Any] = ET.XMLPullParser(events=("start", "end"))
    units: list[str | None] = []
    times: list[str | None] = []
    lats: list[str | None] = []
    lons: list[str | None] = []
    speeds: list[str | None] = []
    stack: list[ET.Element] = []
    trk_name: str | None = None
    trk_first = 0  # first row of the current <trk> (its name may come after the points)
    pt: dict[str, str | None] | None = None
    try:
        for chunk in _gpx_chunks(p):
            parser.feed(chunk)
            for ev in parser.read_events():
                event, item = cast("tuple[str, Any]", ev)
                if not isinstance(item, ET.Element):
                    continue
                elem: ET.Element = item
                tag = _local(str(elem.tag))
                if event == "start":
                    stack.append(elem)
                    if tag == "trk":
                        trk_name, trk_first = None, len(units)
                    elif tag == "trkpt":
                        pt = {"lat": elem.get("lat"), "lon": elem.get("lon"),
                              "time": None, "speed": None}
                    continue
                stack.pop()
                parent = stack[-1] if stack else None
                if tag == "trkpt" and pt is not None:
                    units.append(trk_name)
                    lats.append(pt["lat"])
                    lons.append(pt["lon"])
                    times.append(pt["time"])
                    speeds.append(pt["speed"])
                    pt = None
                elif pt is not None and tag in ("time", "speed"):
                    pt[tag] = (elem.text or "").strip() or None
                elif tag == "name" and parent is not None and _local(parent.tag) == "trk":
                    trk_name = (elem.text or "").strip() or None
                    for i in range(trk_first, len(units)):
                        units[i] = trk_name
                if parent is not None and tag != "name":
                    parent.remove(elem)  # keep memory flat: the tree never grows
        parser.close()
    except ET.ParseError as exc:
        raise _fail(p, f"GPX mal formado ({exc})") from None
    if not lats:
        raise _fail(p, "el GPX no tiene puntos de recorrido (trkpt)")
    default = p.name.split(".")[0]
    sp = pd.to_numeric(pd.Series(speeds, dtype=object), errors="coerce") * 3.6
    frame = pd.DataFrame({
        "unidad": pd.Series([u if u else default for u in units], dtype=object),
        "fecha_hora": pd.Series(times, dtype=object),
        "lat": pd.Series(lats, dtype=object), "lon": pd.Series(lons, dtype=object)})
    if sp.notna().any():
        frame["velocidad"] = sp.to_numpy()
    frame.attrs.update(source_kind="gpx", malformed_rows=0)
    return frame


def _unit_from_props(props: Mapping[str, Any], default: str) -> str:
    keys = {normalize_header(k): k for k in props}
    for syn in TRACK_SYNONYMS["unit"] + ("name", "nombre"):
        if syn in keys and _cell_to_text(props[keys[syn]]):
            return str(_cell_to_text(props[keys[syn]]))
    return default


def _line_times(props: Mapping[str, Any], geom: Mapping[str, Any]) -> Any:
    for k in ("times", "coordTimes", "coord_times", "timestamps", "tiempos"):
        if k in props:
            return props[k]
    cp = props.get("coordinateProperties")
    if isinstance(cp, Mapping):
        for k in ("times", "time"):
            if k in cp:
                return cp[k]
    return geom.get("times")


def read_track_geojson(path: str | Path) -> pd.DataFrame:
    """Read GPS pings from GeoJSON.

    * ``Point`` features: one ping each, with the unit and time in the
      properties (any recognised header, e.g. ``unidad``/``placa``,
      ``fecha_hora``/``timestamp`` or ``fecha`` + ``hora``);
    * ``LineString`` / ``MultiLineString`` features: one ping per vertex, with
      the times in a ``times`` (or ``coordTimes``, ``coordinateProperties.times``)
      array of the same shape, and the unit in the properties (unit headers,
      then ``name``) or, failing that, the file name.
    """
    p = Path(path)
    _check_size(p, MAX_GEOJSON_BYTES, "GeoJSON")
    try:
        with p.open("rb") as fh:
            doc = json.load(fh)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _fail(p, "no es un GeoJSON válido") from None
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        feats = doc.get("features") or []
    elif isinstance(doc, dict) and doc.get("type") == "Feature":
        feats = [doc]
    else:
        raise _fail(p, "el JSON no es una FeatureCollection de GeoJSON")
    default = p.name.split(".")[0]
    points: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for f in feats:
        if not isinstance(f, Mapping):
            points.append({"lat": None, "lon": None})
            continue
        props = f.get("properties") or {}
        props = props if isinstance(props, Mapping) else {}
        geom = f.get("geometry") or {}
        geom = geom if isinstance(geom, Mapping) else {}
        kind = geom.get("type")
        coords = geom.get("coordinates")
        if kind in ("LineString", "MultiLineString"):
            parts = [coords] if kind == "LineString" else (coords or [])
            times = _line_times(props, geom)
            tparts = [times] if kind == "LineString" else (times or [])
            unit = _unit_from_props(props, default)
            for j, part in enumerate(parts if isinstance(parts, list) else []):
                tp = tparts[j] if isinstance(tparts, list) and j < len(tparts) else None
                for i, c in enumerate(part if isinstance(part, list) else []):
                    ok = isinstance(c, list) and len(c) >= 2
                    t = tp[i] if isinstance(tp, list) and i < len(tp) else None
                    lines.append({"unidad": unit, "fecha_hora": _cell_to_text(t),
                                  "lon": _cell_to_text(c[0]) if ok else None,
                                  "lat": _cell_to_text(c[1]) if ok else None})
            continue
        row = {str(k): _cell_to_text(v) for k, v in props.items()
               if normalize_header(k) not in ("lat", "lon", "latitud", "longitud", "lng")}
        ok = kind == "Point" and isinstance(coords, list) and len(coords) >= 2
        row["lon"] = _cell_to_text(coords[0]) if ok else None  # type: ignore[index]
        row["lat"] = _cell_to_text(coords[1]) if ok else None  # type: ignore[index]
        if not any(normalize_header(k) in TRACK_SYNONYMS["unit"] for k in row):
            row["unidad"] = _unit_from_props(props, default)
        points.append(row)
    if not points and not lines:
        raise _fail(p, "el GeoJSON no tiene elementos")
    frame = pd.concat([pd.DataFrame(points, dtype=object), pd.DataFrame(lines, dtype=object)],
                      ignore_index=True) if points and lines else \
        pd.DataFrame(points or lines, dtype=object)
    frame.attrs.update(source_kind="geojson", malformed_rows=0)
    return frame


_PATTERN_GZ_CSV: Final = re.compile(r"\.(csv|txt|tsv)\.gz$", re.I)


def read_track_file(path: str | Path) -> pd.DataFrame:
    """Read any supported GPS export by its suffix (CSV/CSV.GZ, XLSX, GPX, GeoJSON/JSON)."""
    p = Path(path)
    name = p.name.lower()
    suffix = p.suffix.lower()
    if suffix in _CSV_SUFFIXES or _PATTERN_GZ_CSV.search(name) or suffix == ".gz":
        return read_track_csv(p)
    if suffix in (".xlsx", ".xlsm"):
        return read_track_excel(p)
    if suffix == ".xls":
        raise _fail(p, "formato Excel antiguo (.xls) no admitido; guárdelo como .xlsx o CSV")
    if suffix == ".gpx":
        return read_gpx(p)
    if suffix in (".geojson", ".json"):
        return read_track_geojson(p)
    raise _fail(p, f"formato desconocido '{suffix or p.name}' (use CSV, XLSX, GPX o GeoJSON)")
