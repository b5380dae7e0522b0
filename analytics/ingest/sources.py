"""Incident files as DuckDB sees them: sniffing, format readers and file SQL.

Used by the ingest pipeline.

:func:`sniff` decides a file's kind (CSV, Parquet, Excel, GeoJSON) and, for text,
its encoding, separator, title lines and quote; it refuses what cannot be a
table (empty, binary, a header without rows, too many columns, a zip bomb)
with one Spanish line. :func:`source_sql` gives the SELECT that reads it
(every CSV column as text; file names taken literally, never as globs).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import json
import math
import re
import threading
import zipfile
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from analytics import _validate as V, settings
from analytics._errors import InputFileError

_HEAD_BYTES = 256 * 1024
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}


@dataclass(frozen=True)
class Source:
    """A sniffed input: its path, kind, content hash and CSV dialect (or in-memory records)."""

    path: Path
    kind: str  # csv | parquet | excel | geojson | records
    sha: str | Future[str]  # content hash, computed in a background thread
    encoding: str = "utf-8"
    delimiter: str = ","
    skip: int = 0
    quote: str = '"'
    header: tuple[str, ...] = ()  # CSV header as sniffed (used when DuckDB cannot sniff)
    # kind "records": the all-text frame and the 1-based positions of malformed records
    frame: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    malformed: tuple[int, ...] = ()

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the file's bytes (waits for the background hash)."""
        return self.sha if isinstance(self.sha, str) else self.sha.result()



# --------------------------------------------------------------------------- sniffing

def fail(path: Path, why: str) -> InputFileError:
    """The one-line Spanish error for a file that cannot be read, and why."""
    return InputFileError(f"No se puede leer {path.name}: {why}.")


def _hash_file(path: Path) -> Future[str]:
    """SHA-256 of a file, computed in a background thread (hashlib releases the GIL)."""
    fut: Future[str] = Future()

    def work() -> None:
        try:
            h = hashlib.sha256()
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(4 * 1024 * 1024), b""):
                    h.update(chunk)
            fut.set_result(h.hexdigest())
        except BaseException as exc:  # surfaced when the hash is needed
            fut.set_exception(exc)

    threading.Thread(target=work, name="vigia-sha256", daemon=True).start()
    return fut


def _head_bytes(path: Path, gz: bool) -> bytes:
    try:
        if gz:
            with gzip.open(path, "rb") as fh:
                return fh.read(_HEAD_BYTES)
        with path.open("rb") as fh:
            return fh.read(_HEAD_BYTES)
    except (OSError, EOFError) as exc:
        raise fail(path, f"archivo dañado ({exc})") from None


def _decode_head(raw: bytes) -> tuple[str, str]:
    """Guess the encoding of a text file's first bytes; return (DuckDB name, decoded text)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", raw.decode("utf-16", errors="replace")
    body = raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw
    dec = codecs.getincrementaldecoder("utf-8")()
    try:
        return "utf-8", dec.decode(body, final=False)
    except UnicodeDecodeError:
        return "latin-1", body.decode("latin-1")


_KNOWN_HEADERS = frozenset(s for syn in V.FIELD_SYNONYMS.values() for s in syn)


def _header_score(fields: Sequence[Any]) -> int:
    return sum(1 for f in fields if f is not None and V.normalize_header(f) in _KNOWN_HEADERS)


def _sniff_text(path: Path, text: str, *, complete: bool = False) -> tuple[str, int]:
    """(delimiter, lines to skip before the header) from the first lines.

    ``complete``: ``text`` is the whole file, so a header without data rows is
    refused here, before anything is read.
    """
    all_lines = text.splitlines()
    lines = all_lines[:30]
    if len(text) >= _HEAD_BYTES - 4 and len(lines) > 1:
        lines = lines[:-1]
    if not any(ln.strip() for ln in lines):
        raise fail(path, "el archivo está vacío")
    delim, skip = _sniff_layout(path, lines)
    n_cols = all_lines[skip].count(delim) + 1 if skip < len(all_lines) else 0
    if n_cols > settings.MAX_COLUMNS:
        raise too_many_columns(path, n_cols, at_least=not complete)
    if complete and not any(ln.strip() for ln in all_lines[skip + 1:]):
        raise no_rows(path)
    return delim, skip


def too_many_columns(path: Path, n: int, *, at_least: bool = False) -> InputFileError:
    """The error for a file with more than ``settings.MAX_COLUMNS`` columns."""
    more = "al menos " if at_least else ""
    return fail(path, f"tiene {more}{n:,} columnas; el máximo es "
                       f"{settings.MAX_COLUMNS:,}".replace(",", "."))


def no_rows(path: Path) -> InputFileError:
    """The error for a file with a header but no data rows."""
    return fail(path, "el archivo no tiene filas de datos (solo el encabezado)")


def _sniff_layout(path: Path, lines: Sequence[str]) -> tuple[str, int]:
    best = (0, 0, ",")
    for i, ln in enumerate(lines):
        for d in (",", ";", "\t", "|"):
            score = _header_score([f.strip().strip('"\'') for f in ln.split(d)])
            if score > best[0]:
                best = (score, i, d)
    if best[0] >= 2:
        return best[2], best[1]
    first = next(i for i, ln in enumerate(lines) if ln.strip())
    counts = {d: lines[first].count(d) for d in (",", ";", "\t", "|")}
    delim = max(counts, key=lambda d: counts[d])
    if counts[delim] == 0:
        raise fail(path, "no parece una tabla (no hay columnas separadas por , ; tabulador o |)")
    return delim, first


def _sniff_quote(text: str, delim: str) -> str:
    """Guess the quote character: ``'`` only when it clearly wraps fields, else ``"``."""
    def wraps(q: str) -> int:
        return text.count(delim + q) + text.count(q + delim)
    return "'" if wraps("'") > 2 * wraps('"') + 10 else '"'


def _check_parquet(path: Path) -> None:
    """Refuse a Parquet file without rows or with too many columns (from its footer)."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
    except (OSError, pa.ArrowException):
        raise fail(path, "no es un archivo Parquet válido") from None
    if meta.num_columns > settings.MAX_COLUMNS:
        raise too_many_columns(path, meta.num_columns)
    if meta.num_rows == 0:
        raise no_rows(path)


def _check_xlsx(path: Path, size: int) -> None:
    """Refuse an ``.xlsx`` that would uncompress to an absurd size (a "zip bomb").

    Uses the sizes the zip declares for its parts: Python's ``zipfile`` (which
    openpyxl reads through) never yields more than a part's declared size and
    fails on a part whose data disagrees, so the declared total bounds what
    reading can cost.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(max(0, int(i.file_size)) for i in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise fail(path, "no es un libro Excel .xlsx válido") from None
    mb = total / 2**20
    if total > settings.XLSX_MAX_UNCOMPRESSED_BYTES:
        raise fail(path, f"el libro Excel se descomprime a {mb:,.0f} MB (máximo "
                          f"{settings.XLSX_MAX_UNCOMPRESSED_BYTES / 2**20:,.0f} MB)")
    if total > settings.XLSX_RATIO_FROM_BYTES and total > settings.XLSX_MAX_RATIO * max(size, 1):
        raise fail(path, f"el libro Excel se descomprime a {mb:,.0f} MB, "
                          f"{total / max(size, 1):,.0f} veces su tamaño (posible bomba zip)")


def sniff(path_like: str | Path) -> Source:
    """Decide a file's kind and, for text, its dialect; refuse what cannot be a table.

    Raises
    ------
    InputFileError
        Missing, unreadable, empty, binary, too wide or of an unknown format.
    """
    path = Path(path_like)
    if not path.exists():
        raise InputFileError(f"No se encuentra el archivo {path}.")
    if path.is_dir():
        raise InputFileError(f"{path} es una carpeta, no un archivo.")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            magic = fh.read(8)
    except OSError as exc:
        raise fail(path, f"sin permiso o error de lectura ({exc.strerror})") from None
    if size == 0:
        raise fail(path, "el archivo está vacío")
    suffixes = [s.lower() for s in path.suffixes]
    suffix = suffixes[-1] if suffixes else ""
    sha = _hash_file(path)
    if magic.startswith(b"PAR1") or suffix == ".parquet":
        if not magic.startswith(b"PAR1"):
            raise fail(path, "no es un archivo Parquet válido")
        _check_parquet(path)
        return Source(path, "parquet", sha)
    if suffix in _EXCEL_SUFFIXES or (magic.startswith(b"PK") and suffix not in {".gz"}):
        if not zipfile.is_zipfile(path):
            raise fail(path, "no es un libro Excel .xlsx válido")
        _check_xlsx(path, size)
        return Source(path, "excel", sha)
    if suffix == ".xls" or magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise fail(path, "formato Excel antiguo (.xls) no admitido; guárdelo como .xlsx o CSV")
    if suffix in {".geojson", ".json"}:
        return Source(path, "geojson", sha)
    gz = magic.startswith(b"\x1f\x8b")
    inner = suffixes[-2] if gz and len(suffixes) >= 2 else suffix
    if not gz and suffix == ".gz":
        raise fail(path, "no es un archivo gzip válido")
    if inner not in _CSV_SUFFIXES and not (gz and inner in {"", ".gz"}) and inner != "":
        raise fail(path, f"formato desconocido '{suffix}' "
                          "(use CSV, CSV.GZ, XLSX, Parquet o GeoJSON)")
    head = _head_bytes(path, gz)
    if not head.strip():
        raise fail(path, "el archivo está vacío")
    encoding, text = _decode_head(head)
    if encoding != "utf-16" and b"\x00" in head[:8192]:
        raise fail(path, "es un archivo binario, no una tabla de texto")
    text = text.lstrip("\ufeff")
    delim, skip = _sniff_text(path, text, complete=len(head) < _HEAD_BYTES)
    quote = _sniff_quote(text, delim)
    return Source(path, "csv", sha, encoding=encoding, delimiter=delim, skip=skip, quote=quote,
                   header=_header_fields(text, skip, delim, quote))


def _header_fields(text: str, skip: int, delim: str, quote: str) -> tuple[str, ...]:
    """Column names of the header line (unique, ``columnN`` for empty ones)."""
    lines = text.splitlines()
    if skip >= len(lines):
        return ()
    fields = next(csv.reader([lines[skip]], delimiter=delim, quotechar=quote), [])
    out: list[str] = []
    for j, f in enumerate(fields):
        name = f.strip() or f"column{j}"
        while name in out:
            name += "_1"
        out.append(name)
    return tuple(out)


# --------------------------------------------------------------------------- raw load

def quote(name: str) -> str:
    """Quote ``name`` as an SQL identifier."""
    return '"' + str(name).replace('"', '""') + '"'


def sql_str(value: str) -> str:
    """Quote ``value`` as an SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def path_sql(path: Path) -> str:
    """Quote a path as an SQL literal naming exactly one file for DuckDB's readers.

    DuckDB expands ``*``, ``?`` and ``[...]`` in file names as globs (a file
    named ``a*.csv`` would also read ``ab.csv``): each is written as a
    one-character class (``[*]``), which matches only itself.
    """
    return sql_str(re.sub(r"([*?\[])", r"[\1]", str(path.resolve())))


def cell_to_text(v: Any) -> Any:
    """A spreadsheet or JSON cell as text (``None`` for empty; integral floats without ``.0``)."""
    if v is None:
        return None
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return repr(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if hasattr(v, "isoformat"):
        return v.isoformat()
    s = str(v)
    if len(s) > settings.MAX_FIELD_BYTES:
        # Over the limit whatever the encoding: keep just enough to be flagged as too long.
        s = s[:settings.MAX_FIELD_BYTES + 1]
    return s if s.strip() else None


def excel_frame(src: Source, *, n_rows: int | None = None) -> pd.DataFrame:
    """The first sheet of a workbook as an all-text frame, below its detected header row."""
    try:
        raw = pd.read_excel(src.path, header=None, dtype=object, nrows=None if n_rows is None
                            else n_rows + 40, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds on a broken workbook
        raise fail(src.path, f"libro Excel ilegible ({type(exc).__name__})") from None
    raw = raw.dropna(how="all").dropna(axis=1, how="all")
    if raw.empty:
        raise fail(src.path, "la hoja está vacía")
    if raw.shape[1] > settings.MAX_COLUMNS:
        raise too_many_columns(src.path, raw.shape[1])
    head = raw.head(30)
    scores = [_header_score(list(r)) for r in head.itertuples(index=False)]
    pos = int(np.argmax(scores)) if max(scores) >= 2 else 0
    header = [str(h).strip() if h is not None and not (isinstance(h, float) and math.isnan(h))
              else f"columna_{j + 1}" for j, h in enumerate(raw.iloc[pos])]
    seen: dict[str, int] = {}
    for j, h in enumerate(header):
        if h in seen:
            seen[h] += 1
            header[j] = f"{h}_{seen[h]}"
        else:
            seen[h] = 0
    body = raw.iloc[pos + 1:]
    if body.empty:
        raise no_rows(src.path)
    if n_rows is not None:
        body = body.head(n_rows)
    data = {h: pd.Series([cell_to_text(v) for v in body.iloc[:, j]], dtype=object)
            for j, h in enumerate(header)}
    return pd.DataFrame(data)


def geojson_frame(src: Source) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows of a GeoJSON (properties + point coordinates) and the positions of malformed ones.

    A FeatureCollection, a single Feature or a JSON list of records. A feature
    that is not an object, or whose ``properties`` / ``geometry`` is not an
    object, or a Point whose coordinates are not two numbers, is malformed:
    it is left out of the frame and its 1-based position returned (the row is
    quarantined as ``fila_malformada``). Other geometries give no coordinates.
    Anything else about the document is refused with one line.
    """
    try:
        with src.path.open("rb") as fh:
            doc = json.load(fh)
    except RecursionError:
        raise fail(src.path, "el JSON está anidado a demasiada profundidad") from None
    except (ValueError, UnicodeDecodeError):
        raise fail(src.path, "no es un GeoJSON válido") from None
    bad: list[int] = []
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        feats = doc.get("features")
        if feats is None:
            feats = []
        if not isinstance(feats, list):
            raise fail(src.path, "en la FeatureCollection, 'features' no es una lista")
    elif isinstance(doc, dict) and doc.get("type") == "Feature":
        feats = [doc]
    elif isinstance(doc, list) and all(isinstance(r, dict) for r in doc):
        if not doc:
            raise no_rows(src.path)
        _check_keys(src.path, doc)
        frame = pd.DataFrame([{k: cell_to_text(v) for k, v in r.items()} for r in doc])
        return frame, np.empty(0, dtype=np.int64)
    else:
        raise fail(src.path, "el JSON no es una FeatureCollection ni una lista de registros")
    if not feats:
        raise fail(src.path, "el GeoJSON no tiene elementos (filas de datos)")
    rows = []
    for pos, f in enumerate(feats, start=1):
        props = f.get("properties") if isinstance(f, dict) else None
        geom = f.get("geometry") if isinstance(f, dict) else None
        if (not isinstance(f, dict) or not isinstance(props, (dict, type(None)))
                or not isinstance(geom, (dict, type(None)))):
            bad.append(pos)
            continue
        row = {str(k): cell_to_text(v) for k, v in (props or {}).items()}
        row["_geom_lon"] = row["_geom_lat"] = None
        if geom is not None and geom.get("type") == "Point":
            coords = geom.get("coordinates")
            if coords is not None:
                if not (isinstance(coords, list) and len(coords) >= 2
                        and all(isinstance(c, (int, float)) and not isinstance(c, bool)
                                for c in coords[:2])):
                    bad.append(pos)
                    continue
                row["_geom_lon"], row["_geom_lat"] = (cell_to_text(float(coords[0])),
                                                      cell_to_text(float(coords[1])))
        rows.append(row)
    _check_keys(src.path, rows)
    frame = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame(
        {"_geom_lon": pd.Series([], dtype=object), "_geom_lat": pd.Series([], dtype=object)})
    return frame, np.asarray(bad, dtype=np.int64)


def _check_keys(path: Path, records: Sequence[Mapping[Any, Any]]) -> None:
    """Refuse records whose keys together make more than ``settings.MAX_COLUMNS`` columns."""
    keys: set[Any] = set()
    for r in records:
        keys.update(r)
        if len(keys) > settings.MAX_COLUMNS:
            raise too_many_columns(path, len(keys), at_least=True)


def drop_rejects(con: duckdb.DuckDBPyConnection) -> None:
    """Drop DuckDB's reject tables left by a previous CSV read."""
    con.execute("DROP TABLE IF EXISTS _vg_rej")
    con.execute("DROP TABLE IF EXISTS _vg_rejscan")


def csv_sql(src: Source, *, limit: int | None = None,
             columns: Sequence[str] | None = None) -> str:
    """Return a ``read_csv`` SELECT (every column as text).

    Without ``columns`` DuckDB sniffs the dialect; with the header's column
    names (from a first sniffing read) the dialect is given explicitly, which
    skips sniffing the file again on every later read.
    """
    opts = ["all_varchar = true", "header = true", f"delim = {sql_str(src.delimiter)}",
            f"skip = {src.skip}", f"encoding = {sql_str(src.encoding)}",
            "store_rejects = true", "rejects_table = '_vg_rej'", "rejects_scan = '_vg_rejscan'",
            f"max_line_size = {int(settings.MAX_LINE_BYTES)}"]
    if columns is None:
        opts += ["auto_detect = true", "sample_size = 20480"]
    else:
        spec = ", ".join(f"{sql_str(c)}: 'VARCHAR'" for c in columns)
        opts += ["auto_detect = false", f"quote = {sql_str(src.quote)}",
                 f"escape = {sql_str(src.quote)}", f"columns = {{{spec}}}"]
    sql = f"SELECT * FROM read_csv({path_sql(src.path)}, {', '.join(opts)})"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql


def source_sql(con: duckdb.DuckDBPyConnection, src: Source,
                columns: Sequence[str] | None = None) -> tuple[str, np.ndarray]:
    """Return a SELECT over the file and the positions of rows left out as malformed.

    Excel/GeoJSON/records frames are registered as ``_vg_frame``; malformed
    GeoJSON features and records are not in it (see :func:`geojson_frame`,
    :func:`records_source`).
    """
    none = np.empty(0, dtype=np.int64)
    if src.kind == "csv":
        return csv_sql(src, columns=columns), none
    if src.kind == "parquet":
        return f"SELECT * FROM read_parquet({path_sql(src.path)})", none
    if src.kind == "excel":
        frame, bad = excel_frame(src), none
    elif src.kind == "records":
        if src.frame is None:
            raise fail(src.path, "no hay registros")
        frame, bad = src.frame, np.asarray(src.malformed, dtype=np.int64)
    else:
        frame, bad = geojson_frame(src)
    con.register("_vg_frame", frame)
    return "SELECT * FROM _vg_frame", bad


# --------------------------------------------------------------------------- in-memory records

#: Longest key of a record, in characters (a longer one makes its record malformed).
MAX_RECORD_KEY_CHARS = 200
#: Prefix of the identifiers given to records without one (see :func:`records_source`).
CONTENT_ID_PREFIX = "api-"
_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean_unicode(s: str) -> str:
    """``s`` as valid UTF-8 text: lone surrogates (possible in JSON) become U+FFFD."""
    return _SURROGATE.sub("\ufffd", s)


def record_value_to_text(v: Any) -> str | None:
    """A JSON scalar as the text a file cell would hold (``None`` for null or blank).

    Booleans become ``true`` / ``false``; numbers as written (``12.0`` -> ``12``);
    text longer than ``settings.MAX_FIELD_BYTES`` is kept just long enough for the
    ingest to quarantine its row (``campo_demasiado_largo``).
    """
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        try:
            return str(v)[:settings.MAX_FIELD_BYTES + 1]
        except ValueError:  # more digits than Python prints: over the limit anyway
            return "9" * (settings.MAX_FIELD_BYTES + 1)
    if isinstance(v, str):
        v = _clean_unicode(v[:settings.MAX_FIELD_BYTES + 1])
    out: str | None = cell_to_text(v)
    return out


def _record_row(rec: Any) -> dict[str, str | None] | None:
    """A record's ``key -> text`` (``None``: malformed: not an object, nested values, long keys)."""
    if not isinstance(rec, Mapping):
        return None
    row: dict[str, str | None] = {}
    for k, v in rec.items():
        if not isinstance(k, str) or len(k) > MAX_RECORD_KEY_CHARS:
            return None
        if isinstance(v, (Mapping, list, tuple, set, bytes, bytearray)):
            return None
        if v is not None and not isinstance(v, (str, int, float)):
            return None
        key = _clean_unicode(k).strip() or "columna"
        row[key] = record_value_to_text(v)
    return row


def _unique_headers(keys: Sequence[str]) -> dict[str, str]:
    """Key -> column name, unique without regard to case (as DuckDB compares names)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for k in keys:
        name, n = k, 0
        while name.lower() in taken:
            n += 1
            name = f"{k}_{n}"
        taken.add(name.lower())
        out[k] = name
    return out


def content_id(row: Mapping[str, str | None], mapping: Mapping[str, str]) -> str:
    """A stable identifier from a record's mapped fields (all but the identifier).

    The same incident sent twice (a retried post) gets the same identifier and
    is then a duplicate. Fields are taken by their canonical name, so the same
    content under Spanish or English keys gets the same identifier.
    """
    parts = sorted((f, row.get(c)) for f, c in mapping.items() if f != "incident_id")
    digest = hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()
    return CONTENT_ID_PREFIX + digest[:20]


def record_rows(records: Sequence[Any], *, name: str = "api"
                ) -> tuple[list[dict[str, str | None] | None], list[str]]:
    """Records as rows of text keyed by unique column names, and the column names.

    A malformed record (not an object, a nested value, a key longer than
    :data:`MAX_RECORD_KEY_CHARS`) is ``None``. Keys that differ only in case get
    a suffix (``ID`` after ``id`` becomes ``ID_1``), as DuckDB compares names
    without case.

    Raises
    ------
    InputFileError
        More distinct keys than ``settings.MAX_COLUMNS``.
    """
    raw = [_record_row(rec) for rec in records]
    ok = [r for r in raw if r is not None]
    _check_keys(Path(name), ok)
    names = _unique_headers(list(dict.fromkeys(k for r in ok for k in r)))
    rows: list[dict[str, str | None] | None] = [
        None if r is None else {names[k]: v for k, v in r.items()} for r in raw]
    return rows, list(names.values())


def records_source(records: Sequence[Any], *, name: str = "api",
                   mapping: Mapping[str, str] | None = None) -> Source:
    """A ``records`` source: JSON objects (e.g. the body of an API post) as an all-text frame.

    Every record is one row; its keys are the headers (recognised like a
    file's, :func:`analytics._validate.guess_mapping`) and every JSON scalar
    becomes text. A record that is not an object, holds a nested object or
    list, or has a key longer than :data:`MAX_RECORD_KEY_CHARS` is malformed
    (left out of the frame and quarantined as ``fila_malformada``). A record
    without an identifier (no identifier field, or an empty one) gets
    :func:`content_id`, so re-sending it is a duplicate. Personal-data keys are
    ignored here as in a file (the pipeline never reads them).

    Parameters
    ----------
    records
        Parsed JSON values, one per incident.
    name
        Stands for the file name (``imports.file_name``, quarantine, messages).
    mapping
        Explicit ``field -> key`` overrides, as for a file.

    Raises
    ------
    InputFileError
        No records, or more distinct keys than ``settings.MAX_COLUMNS``.
    IncidentSchemaError
        ``mapping`` names an unknown field or key.
    """
    path = Path(name)
    if not len(records):
        raise no_rows(path)
    all_rows, headers = record_rows(records, name=name)
    bad = [pos for pos, r in enumerate(all_rows, start=1) if r is None]
    rows = [r for r in all_rows if r is not None]
    sha = hashlib.sha256(json.dumps([list(records_key(r)) for r in rows] + [bad],
                                    ensure_ascii=False).encode("utf-8")).hexdigest()
    data: dict[str, list[str | None]] = {h: [r.get(h) for r in rows] for h in headers}
    pii = V.pii_columns(headers, keep=set((mapping or {}).values()))
    guessed = V.guess_mapping(headers, mapping=mapping, exclude=pii)
    if rows:
        id_col = guessed.get("incident_id")
        if id_col is None:
            id_col = "incident_id"  # no header is an identifier synonym: this one is free
            data[id_col] = [None] * len(rows)
        by_row = [{c: data[c][i] for c in guessed.values()} for i in range(len(rows))]
        data[id_col] = [v if v is not None else content_id(by_row[i], guessed)
                        for i, v in enumerate(data[id_col])]
    frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in data.items()})
    return Source(path, "records", sha, frame=frame, malformed=tuple(bad))


def records_key(row: Mapping[str, str | None]) -> tuple[tuple[str, str | None], ...]:
    """A record's content in a canonical order (for hashing)."""
    return tuple(sorted(row.items()))
