"""Read and write files: the only module of Vigía that touches the disk.

Ingest takes any incident table a user has (CSV plain or gzip, UTF-8 with or
without BOM, Latin-1, UTF-16, ``,``/``;``/tab separated, decimal commas;
Excel with the header on any of the first rows; Parquet; GeoJSON points),
recognises its columns (Spanish or English, accent/case-insensitive, or an
explicit ``mapping``), and sorts every row into exactly one outcome:

* **accepted** into the store's ``incidents`` table, binned into H3 (res 12);
* **duplicate** (same ``incident_id`` already stored or earlier in the batch,
  or same ``occurred_at`` + place rounded to ~1 m + ``crime_type``);
* **quarantined** with a reason key (see :data:`analytics._validate.REASONS`).

The work is done once, in DuckDB SQL (read, parse, date/number checks) and
numpy (study area, swapped coordinates, H3 via h3ronpy, stacked points); no
Python loop touches individual rows. Columns with personal data are never
read into the store, not even into quarantine.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import gzip
import hashlib
import json
import math
import re
import threading
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from analytics import _safe, geo, hexbin, settings, store
from analytics import _validate as V
from analytics._errors import IncidentSchemaError, InputFileError

Progress = Callable[[float, str], None]

_MIN_DATE = "1970-01-01"
_HEAD_BYTES = 256 * 1024
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d/%m/%y", "%d-%m-%y", "%Y/%m/%d", "%d.%m.%Y")
_TIME_SUFFIXES = (" %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p")
_CODE = {k: i for i, k in enumerate(V.REASON_CODES)}


# --------------------------------------------------------------------------- results

@dataclass(frozen=True)
class IngestReport:
    """What an ingest did. ``rows_read == accepted + duplicates + quarantined``.

    ``personal_data_masked`` counts the rows whose crime-type or district text
    held personal data (a DNI, a phone, a name after "agraviado"...), masked
    before anything was stored (:func:`_validate.mask_personal_text`).
    """

    rows_read: int
    accepted: int
    duplicates: int
    quarantined: int
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    pii_columns_dropped: list[str] = field(default_factory=list)
    stacked_points: list[dict[str, Any]] = field(default_factory=list)
    swapped_coordinates: int = 0
    import_ids: list[int] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    repeated_files: list[str] = field(default_factory=list)
    mappings: dict[str, dict[str, str]] = field(default_factory=dict)
    personal_data_masked: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict."""
        return asdict(self)


@dataclass(frozen=True)
class FilePreview:
    """First rows of a file as read (personal-data columns removed) and the guessed mapping."""

    columns: list[str]
    frame: pd.DataFrame
    mapping: dict[str, str]
    pii_columns: list[str]


@dataclass(frozen=True)
class _Source:
    path: Path
    kind: str  # csv | parquet | excel | geojson
    sha: str | Future[str]  # content hash, computed in a background thread
    encoding: str = "utf-8"
    delimiter: str = ","
    skip: int = 0
    quote: str = '"'
    header: tuple[str, ...] = ()  # CSV header as sniffed (used when DuckDB cannot sniff)

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the file's bytes (waits for the background hash)."""
        return self.sha if isinstance(self.sha, str) else self.sha.result()


@dataclass
class _FileResult:
    import_id: int
    rows_read: int
    accepted: int
    duplicates: int
    quarantined: int
    reasons: dict[str, int]
    pii: list[str]
    stacked: list[dict[str, Any]]
    swapped: int
    repeated: bool
    mapping: dict[str, str]
    masked: int = 0


# --------------------------------------------------------------------------- sniffing

def _fail(path: Path, why: str) -> InputFileError:
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
        raise _fail(path, f"archivo dañado ({exc})") from None


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
        raise _fail(path, "el archivo está vacío")
    delim, skip = _sniff_layout(path, lines)
    n_cols = all_lines[skip].count(delim) + 1 if skip < len(all_lines) else 0
    if n_cols > settings.MAX_COLUMNS:
        raise _too_many_columns(path, n_cols, at_least=not complete)
    if complete and not any(ln.strip() for ln in all_lines[skip + 1:]):
        raise _no_rows(path)
    return delim, skip


def _too_many_columns(path: Path, n: int, *, at_least: bool = False) -> InputFileError:
    more = "al menos " if at_least else ""
    return _fail(path, f"tiene {more}{n:,} columnas; el máximo es "
                       f"{settings.MAX_COLUMNS:,}".replace(",", "."))


def _no_rows(path: Path) -> InputFileError:
    return _fail(path, "el archivo no tiene filas de datos (solo el encabezado)")


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
        raise _fail(path, "no parece una tabla (no hay columnas separadas por , ; tabulador o |)")
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
        raise _fail(path, "no es un archivo Parquet válido") from None
    if meta.num_columns > settings.MAX_COLUMNS:
        raise _too_many_columns(path, meta.num_columns)
    if meta.num_rows == 0:
        raise _no_rows(path)


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
        raise _fail(path, "no es un libro Excel .xlsx válido") from None
    mb = total / 2**20
    if total > settings.XLSX_MAX_UNCOMPRESSED_BYTES:
        raise _fail(path, f"el libro Excel se descomprime a {mb:,.0f} MB (máximo "
                          f"{settings.XLSX_MAX_UNCOMPRESSED_BYTES / 2**20:,.0f} MB)")
    if total > settings.XLSX_RATIO_FROM_BYTES and total > settings.XLSX_MAX_RATIO * max(size, 1):
        raise _fail(path, f"el libro Excel se descomprime a {mb:,.0f} MB, "
                          f"{total / max(size, 1):,.0f} veces su tamaño (posible bomba zip)")


def _sniff(path_like: str | Path) -> _Source:
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
        raise _fail(path, f"sin permiso o error de lectura ({exc.strerror})") from None
    if size == 0:
        raise _fail(path, "el archivo está vacío")
    suffixes = [s.lower() for s in path.suffixes]
    suffix = suffixes[-1] if suffixes else ""
    sha = _hash_file(path)
    if magic.startswith(b"PAR1") or suffix == ".parquet":
        if not magic.startswith(b"PAR1"):
            raise _fail(path, "no es un archivo Parquet válido")
        _check_parquet(path)
        return _Source(path, "parquet", sha)
    if suffix in _EXCEL_SUFFIXES or (magic.startswith(b"PK") and suffix not in {".gz"}):
        if not zipfile.is_zipfile(path):
            raise _fail(path, "no es un libro Excel .xlsx válido")
        _check_xlsx(path, size)
        return _Source(path, "excel", sha)
    if suffix == ".xls" or magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise _fail(path, "formato Excel antiguo (.xls) no admitido; guárdelo como .xlsx o CSV")
    if suffix in {".geojson", ".json"}:
        return _Source(path, "geojson", sha)
    gz = magic.startswith(b"\x1f\x8b")
    inner = suffixes[-2] if gz and len(suffixes) >= 2 else suffix
    if not gz and suffix == ".gz":
        raise _fail(path, "no es un archivo gzip válido")
    if inner not in _CSV_SUFFIXES and not (gz and inner in {"", ".gz"}) and inner != "":
        raise _fail(path, f"formato desconocido '{suffix}' "
                          "(use CSV, CSV.GZ, XLSX, Parquet o GeoJSON)")
    head = _head_bytes(path, gz)
    if not head.strip():
        raise _fail(path, "el archivo está vacío")
    encoding, text = _decode_head(head)
    if encoding != "utf-16" and b"\x00" in head[:8192]:
        raise _fail(path, "es un archivo binario, no una tabla de texto")
    text = text.lstrip("\ufeff")
    delim, skip = _sniff_text(path, text, complete=len(head) < _HEAD_BYTES)
    quote = _sniff_quote(text, delim)
    return _Source(path, "csv", sha, encoding=encoding, delimiter=delim, skip=skip, quote=quote,
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

def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _sql_str(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _path_sql(path: Path) -> str:
    """Quote a path as an SQL literal naming exactly one file for DuckDB's readers.

    DuckDB expands ``*``, ``?`` and ``[...]`` in file names as globs (a file
    named ``a*.csv`` would also read ``ab.csv``): each is written as a
    one-character class (``[*]``), which matches only itself.
    """
    return _sql_str(re.sub(r"([*?\[])", r"[\1]", str(path.resolve())))


def _cell_to_text(v: Any) -> Any:
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


def _excel_frame(src: _Source, *, n_rows: int | None = None) -> pd.DataFrame:
    try:
        raw = pd.read_excel(src.path, header=None, dtype=object, nrows=None if n_rows is None
                            else n_rows + 40, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds on a broken workbook
        raise _fail(src.path, f"libro Excel ilegible ({type(exc).__name__})") from None
    raw = raw.dropna(how="all").dropna(axis=1, how="all")
    if raw.empty:
        raise _fail(src.path, "la hoja está vacía")
    if raw.shape[1] > settings.MAX_COLUMNS:
        raise _too_many_columns(src.path, raw.shape[1])
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
        raise _no_rows(src.path)
    if n_rows is not None:
        body = body.head(n_rows)
    data = {h: pd.Series([_cell_to_text(v) for v in body.iloc[:, j]], dtype=object)
            for j, h in enumerate(header)}
    return pd.DataFrame(data)


def _geojson_frame(src: _Source) -> tuple[pd.DataFrame, np.ndarray]:
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
        raise _fail(src.path, "el JSON está anidado a demasiada profundidad") from None
    except (ValueError, UnicodeDecodeError):
        raise _fail(src.path, "no es un GeoJSON válido") from None
    bad: list[int] = []
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        feats = doc.get("features")
        if feats is None:
            feats = []
        if not isinstance(feats, list):
            raise _fail(src.path, "en la FeatureCollection, 'features' no es una lista")
    elif isinstance(doc, dict) and doc.get("type") == "Feature":
        feats = [doc]
    elif isinstance(doc, list) and all(isinstance(r, dict) for r in doc):
        if not doc:
            raise _no_rows(src.path)
        _check_keys(src.path, doc)
        frame = pd.DataFrame([{k: _cell_to_text(v) for k, v in r.items()} for r in doc])
        return frame, np.empty(0, dtype=np.int64)
    else:
        raise _fail(src.path, "el JSON no es una FeatureCollection ni una lista de registros")
    if not feats:
        raise _fail(src.path, "el GeoJSON no tiene elementos (filas de datos)")
    rows = []
    for pos, f in enumerate(feats, start=1):
        props = f.get("properties") if isinstance(f, dict) else None
        geom = f.get("geometry") if isinstance(f, dict) else None
        if (not isinstance(f, dict) or not isinstance(props, (dict, type(None)))
                or not isinstance(geom, (dict, type(None)))):
            bad.append(pos)
            continue
        row = {str(k): _cell_to_text(v) for k, v in (props or {}).items()}
        row["_geom_lon"] = row["_geom_lat"] = None
        if geom is not None and geom.get("type") == "Point":
            coords = geom.get("coordinates")
            if coords is not None:
                if not (isinstance(coords, list) and len(coords) >= 2
                        and all(isinstance(c, (int, float)) and not isinstance(c, bool)
                                for c in coords[:2])):
                    bad.append(pos)
                    continue
                row["_geom_lon"], row["_geom_lat"] = (_cell_to_text(float(coords[0])),
                                                      _cell_to_text(float(coords[1])))
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
            raise _too_many_columns(path, len(keys), at_least=True)


def _drop_rejects(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP TABLE IF EXISTS _vg_rej")
    con.execute("DROP TABLE IF EXISTS _vg_rejscan")


def _csv_sql(src: _Source, *, limit: int | None = None,
             columns: Sequence[str] | None = None) -> str:
    """Return a ``read_csv`` SELECT (every column as text).

    Without ``columns`` DuckDB sniffs the dialect; with the header's column
    names (from a first sniffing read) the dialect is given explicitly, which
    skips sniffing the file again on every later read.
    """
    opts = ["all_varchar = true", "header = true", f"delim = {_sql_str(src.delimiter)}",
            f"skip = {src.skip}", f"encoding = {_sql_str(src.encoding)}",
            "store_rejects = true", "rejects_table = '_vg_rej'", "rejects_scan = '_vg_rejscan'",
            f"max_line_size = {int(settings.MAX_LINE_BYTES)}"]
    if columns is None:
        opts += ["auto_detect = true", "sample_size = 20480"]
    else:
        spec = ", ".join(f"{_sql_str(c)}: 'VARCHAR'" for c in columns)
        opts += ["auto_detect = false", f"quote = {_sql_str(src.quote)}",
                 f"escape = {_sql_str(src.quote)}", f"columns = {{{spec}}}"]
    sql = f"SELECT * FROM read_csv({_path_sql(src.path)}, {', '.join(opts)})"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql


class _EncodingRetry(Exception):
    """Internal: a CSV that looked like UTF-8 has Latin-1 bytes further down."""

    def __str__(self) -> str:
        return "unicode"


def _source_sql(con: duckdb.DuckDBPyConnection, src: _Source,
                columns: Sequence[str] | None = None) -> tuple[str, np.ndarray]:
    """Return a SELECT over the file and the positions of rows left out as malformed.

    Excel/GeoJSON frames are registered as ``_vg_frame``; malformed GeoJSON
    features are not in it (see :func:`_geojson_frame`).
    """
    none = np.empty(0, dtype=np.int64)
    if src.kind == "csv":
        return _csv_sql(src, columns=columns), none
    if src.kind == "parquet":
        return f"SELECT * FROM read_parquet({_path_sql(src.path)})", none
    if src.kind == "excel":
        frame, bad = _excel_frame(src), none
    else:
        frame, bad = _geojson_frame(src)
    con.register("_vg_frame", frame)
    return "SELECT * FROM _vg_frame", bad


def _load_raw(con: duckdb.DuckDBPyConnection, src: _Source, table: str,
              mapping: Mapping[str, str] | None, *, materialize: bool = True,
              tz: str = settings.TIMEZONE
              ) -> tuple[_Source, dict[str, str], dict[str, str], list[str], np.ndarray,
                         np.ndarray, bool]:
    """Read a file's header, guess the mapping, load the mapped columns into temp ``table``.

    The table keeps only the mapped columns (personal data never enters it);
    ``_row`` is the data-row ordinal (1-based, file order); the cheap parses
    of :func:`_fast_exprs` and ``_long`` (a mapped text longer than
    ``settings.MAX_FIELD_BYTES``) are stored alongside. Returns the (possibly
    re-encoded) source, column types, mapping, dropped personal-data
    columns, the data-row numbers of lines that could not be read and their
    reason codes, and whether the fast columns exist.
    """
    con.execute(f"DROP TABLE IF EXISTS {table}")
    rejected = np.empty(0, dtype=np.int64)
    rejected_codes = np.empty(0, dtype=np.int8)
    try:
        sql, malformed = _source_sql(con, src)
        if malformed.size:
            rejected = malformed
            rejected_codes = np.full(malformed.size, _CODE["fila_malformada"], dtype=np.int8)
        try:
            _drop_rejects(con)
            types = _describe(con, sql, src)
            headers = list(types)
            if src.kind == "csv" and len(headers) < 2:
                raise _fail(src.path, "no parece una tabla (una sola columna)")
            if src.kind == "geojson" and "_geom_lat" in headers:
                explicit = dict(mapping or {})
                explicit.setdefault("lat", "_geom_lat")
                explicit.setdefault("lon", "_geom_lon")
                mapping = explicit
            explicit_cols = set((mapping or {}).values())
            pii = V.pii_columns([h for h in headers if not h.startswith("_geom_")],
                                keep=explicit_cols)
            guessed = V.guess_mapping(headers, mapping=mapping, exclude=pii)
            V.check_mapping(guessed, file_name=src.path.name)
            if materialize:
                if src.kind == "csv":
                    sql = _csv_sql(src, columns=headers)
                fast = _fast_exprs(con, sql, guessed, types, tz=tz)
                fast["_long"] = _long_expr(guessed, types)
                _drop_rejects(con)
                cols = ", ".join(_quote(c) for c in dict.fromkeys(guessed.values()))
                extra = ", ".join(f"{e} AS {n}" for n, e in fast.items())
                con.execute(f"CREATE TEMP TABLE {table} AS SELECT row_number() OVER () AS _row, "
                            f"{cols}, {extra} FROM ({sql})")
                if src.kind == "csv":
                    bad_enc = con.execute("SELECT count(*) FROM _vg_rej "
                                          "WHERE error_type = 'INVALID ENCODING'").fetchall()
                    if bad_enc[0][0] and src.encoding == "utf-8":
                        # Valid UTF-8 at the start, Latin-1 further down: read it all as Latin-1.
                        raise _EncodingRetry
                    lines = con.execute(
                        "SELECT line, bool_or(error_type = 'LINE SIZE OVER MAXIMUM') AS long "
                        "FROM _vg_rej GROUP BY line ORDER BY line").fetchnumpy()
                    rejected = np.asarray(lines["line"], dtype=np.int64) - src.skip - 1
                    rejected_codes = np.where(np.asarray(lines["long"], dtype=bool),
                                              _CODE["campo_demasiado_largo"],
                                              _CODE["fila_malformada"]).astype(np.int8)
        finally:
            if src.kind in {"excel", "geojson"}:
                con.unregister("_vg_frame")
            if src.kind == "csv":
                _drop_rejects(con)
    except (duckdb.Error, _EncodingRetry) as exc:
        first = str(exc).splitlines()[0] if str(exc) else "unicode"
        if src.kind == "csv" and "unicode" in first.lower() and src.encoding == "utf-8":
            con.execute(f"DROP TABLE IF EXISTS {table}")
            latin = dataclasses.replace(src, encoding="latin-1")
            return _load_raw(con, latin, table, mapping, materialize=materialize, tz=tz)
        raise _fail(src.path, f"no se pudo leer como tabla ({first})") from None
    used = {c: types[c] for c in guessed.values()}
    return src, used, guessed, pii, rejected, rejected_codes, materialize


def _describe(con: duckdb.DuckDBPyConnection, sql: str, src: _Source) -> dict[str, str]:
    """Column name -> DuckDB type of a SELECT over the file.

    DuckDB's CSV sniffer fails when a line longer than
    ``settings.MAX_LINE_BYTES`` is among the rows it samples; the header is
    then taken from the sniffed head (every column as text) and the long line
    is quarantined when the file is read. Files are described on a connection
    of their own, so that a sniffing error cannot abort the store's transaction.
    """
    own = src.kind in {"csv", "parquet"}
    dcon = duckdb.connect() if own else con
    try:
        desc = dcon.execute(f"DESCRIBE {sql}").fetchall()
    except duckdb.Error as exc:
        if src.kind == "csv" and src.header and "maximum line size" in str(exc).lower():
            return dict.fromkeys(src.header, "VARCHAR")
        raise
    finally:
        if own:
            dcon.close()
    types = {str(r[0]): str(r[1]) for r in desc}
    if len(types) > settings.MAX_COLUMNS:
        raise _too_many_columns(src.path, len(types))
    return types


def _long_expr(mapping: Mapping[str, str], types: Mapping[str, str]) -> str:
    """Return an SQL test: some mapped text is longer than ``settings.MAX_FIELD_BYTES``."""
    limit = int(settings.MAX_FIELD_BYTES)
    parts = [f"coalesce(strlen({_quote(c)}) > {limit}, false)"
             for c in dict.fromkeys(mapping.values()) if types[c].upper() == "VARCHAR"]
    return " OR ".join(parts) if parts else "false"


# --------------------------------------------------------------------------- SQL parsing

_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL")


def _is_numeric(t: str) -> bool:
    return t.upper().startswith(_NUMERIC)


def _text(col: str, t: str) -> str:
    if t.upper() == "VARCHAR":
        return f"NULLIF(trim({_quote(col)}), '')"
    return f"NULLIF(trim(CAST({_quote(col)} AS VARCHAR)), '')"


def _number_expr(col: str, t: str) -> str:
    if _is_numeric(t):
        return f"CAST({_quote(col)} AS DOUBLE)"
    s = _text(col, t)
    slow = f"TRY_CAST(replace(replace({s}, ' ', ''), ',', '.') AS DOUBLE)"
    if t.upper() == "VARCHAR":
        return f"coalesce(TRY_CAST({_quote(col)} AS DOUBLE), {slow})"
    return slow


def _ampm(s: str) -> str:
    return rf"regexp_replace(lower({s}), '\s*([ap])\.?\s*m\.?$', ' \1m')"


_ISO_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d")


def _best_format(con: duckdb.DuckDBPyConnection, raw: str, col: str,
                 formats: Sequence[str], *, as_time: bool = False) -> str | None:
    """Find the strptime format that parses most of the first non-empty values (or None).

    Used as a fast path only: rows it does not parse go through the full,
    tolerant expression, so a mixed file is still read correctly.
    """
    q = _quote(col)
    counts = ", ".join(f"count(try_strptime(v, {_sql_str(f)}))" for f in formats)
    sql = (f"SELECT {counts} FROM (SELECT CAST({q} AS VARCHAR) AS v FROM {raw} "
           f"WHERE {q} IS NOT NULL LIMIT 5000)")
    row = con.execute(sql).fetchall()[0]
    best = int(np.argmax(row)) if row else 0
    return formats[best] if row and row[best] > 0 else None


def _datetime_expr(col: str, t: str, tz: str, *, date_only: bool = False,
                   fast: str | None = None) -> str:
    """TIMESTAMP (local wall time) from a column of any type; NULL when unreadable."""
    full = _datetime_expr_full(col, t, tz, date_only=date_only)
    if fast is None or t.upper() != "VARCHAR":
        return full
    return f"coalesce(try_strptime({_quote(col)}, {_sql_str(fast)}), {full})"


def _datetime_expr_full(col: str, t: str, tz: str, *, date_only: bool = False) -> str:
    tu = t.upper()
    q = _quote(col)
    if tu.startswith("TIMESTAMP WITH TIME ZONE") or tu == "TIMESTAMPTZ":
        return f"timezone({_sql_str(tz)}, {q})"
    if tu.startswith("TIMESTAMP") or tu == "DATE":
        return f"CAST({q} AS TIMESTAMP)"
    if _is_numeric(t):
        return (f"CASE WHEN {q} BETWEEN 1 AND 2958465 THEN TIMESTAMP '1899-12-30' + "
                f"to_microseconds(CAST(round(CAST({q} AS DOUBLE) * 86400000000) AS BIGINT)) END")
    s = _text(col, t)
    with_time = [f + suf for f in _DATE_FORMATS for suf in _TIME_SUFFIXES]
    fmts = list(_DATE_FORMATS) + with_time if date_only else with_time + list(_DATE_FORMATS)
    # ISO first (explicit formats: a plain CAST would read dd/mm/yy as yy/mm/dd).
    fmts = list(_ISO_FORMATS) + fmts
    fmt_list = "[" + ", ".join(_sql_str(f) for f in fmts) + "]"
    return (
        "CASE "
        f"WHEN {s} IS NULL THEN NULL "
        rf"WHEN regexp_full_match({s}, '\d{{5}}(\.\d+)?') THEN "
        "TIMESTAMP '1899-12-30' + "
        f"to_microseconds(CAST(round(CAST({s} AS DOUBLE) * 86400000000) AS BIGINT)) "
        rf"WHEN regexp_matches({s}, '\d[T ]\d{{1,2}}:\d\d(:\d\d(\.\d+)?)?\s*"
        r"(Z|[+-]\d\d(:?\d\d)?)$') THEN "
        f"timezone({_sql_str(tz)}, TRY_CAST({s} AS TIMESTAMPTZ)) "
        f"ELSE coalesce(try_strptime({s}, {fmt_list}), "
        f"CASE WHEN contains(lower({s}), 'm') THEN try_strptime({_ampm(s)}, {fmt_list}) END) END"
    )


def _time_expr(col: str, t: str, *, fast: str | None = None) -> str:
    """TIME from a column of any type (HH:MM, HH:MM:SS, HHMM, H, h:mm a. m.)."""
    full = _time_expr_full(col, t)
    if fast is None or t.upper() != "VARCHAR":
        return full
    return f"coalesce(CAST(try_strptime({_quote(col)}, {_sql_str(fast)}) AS TIME), {full})"


def _time_expr_full(col: str, t: str) -> str:
    tu = t.upper()
    q = _quote(col)
    if tu == "TIME":
        return q
    if tu.startswith("TIMESTAMP"):
        return f"CAST({q} AS TIME)"
    s = _text(col, t)
    if _is_numeric(t):
        s = f"CAST(CAST({q} AS BIGINT) AS VARCHAR)"
    digits = f"TRY_CAST({s} AS INTEGER)"
    return (
        "CASE "
        f"WHEN {s} IS NULL THEN NULL "
        rf"WHEN regexp_full_match({s}, '\d{{1,2}}') THEN "
        f"CASE WHEN {digits} < 24 THEN make_time({digits}, 0, 0) END "
        rf"WHEN regexp_full_match({s}, '\d{{3,4}}') THEN "
        f"CASE WHEN {digits} // 100 < 24 AND {digits} % 100 < 60 "
        f"THEN make_time({digits} // 100, {digits} % 100, 0) END "
        f"ELSE coalesce(TRY_CAST({s} AS TIME), "
        f"CAST(try_strptime({_ampm(s)}, ['%I:%M %p', '%I:%M:%S %p']) AS TIME), "
        rf"CASE WHEN regexp_matches({s}, '^\d{{4}}-') "
        f"THEN CAST(TRY_CAST({s} AS TIMESTAMP) AS TIME) END) END"
    )


def _century(col: str, src: str | None) -> str:
    """Two-digit years read as years 0–99 (``%Y`` on ``dd/mm/yy``) become 1970–2069.

    Only when the source text ``src`` really writes the year with two digits
    (``03/02/25``); ``0001-01-01`` or ``01/01/0099`` stay in year 1 or 99 (and
    are quarantined as impossible). Typed dates (``src`` None) are never moved.
    """
    if src is None:
        return col
    two_digit = rf"regexp_matches({src}, '^\s*\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{1,2}}(\D|$)')"
    return (f"CASE WHEN year({col}) < 100 AND {two_digit} THEN {col} + "
            f"to_years(CASE WHEN year({col}) < 70 THEN 2000 ELSE 1900 END) ELSE {col} END")


def _key_text(col: str, t: str) -> str:
    """Raw text of a column as a join key ('' when missing); trimmed later, per distinct value."""
    if t.upper() == "VARCHAR":
        return f"coalesce({_quote(col)}, '')"
    return f"coalesce(CAST({_quote(col)} AS VARCHAR), '')"


def _key_cols(mapping: Mapping[str, str], types: Mapping[str, str],
              fields: Sequence[str]) -> list[str]:
    return [_key_text(mapping[f], types[mapping[f]]) if f in mapping else "''" for f in fields]


_TYPE_FIELDS = ("crime_type", "crime_subtype", "modalidad")
_DIST_FIELDS = ("district", "ubigeo")


def _fast_exprs(con: duckdb.DuckDBPyConnection, sql: str, mapping: Mapping[str, str],
                types: Mapping[str, str], *, tz: str) -> dict[str, str]:
    """Cheap parse expressions (``_fd``, ``_ft``, ``_fla``, ``_flo``) for the common case.

    Text dates and times get the single strptime format that reads most of
    the file's first values; coordinates a plain cast. Rows these leave NULL
    go through the full, tolerant expressions (see :func:`_stage_sql`), which
    are costly enough that running them only on those rows pays.
    """
    m = mapping
    src = f"({sql}) AS _s"
    with_time = tuple(f + suf for f in _DATE_FORMATS for suf in _TIME_SUFFIXES)
    out: dict[str, str] = {}
    date_col = m.get("occurred_at", m.get("date"))
    assert date_col is not None
    t = types[date_col]
    if t == "VARCHAR":
        cands = (_ISO_FORMATS + with_time) if "occurred_at" in m else (_ISO_FORMATS[-1:]
                                                                         + _DATE_FORMATS)
        fmt = _best_format(con, src, date_col, cands)
        out["_fd"] = (f"try_strptime({_quote(date_col)}, {_sql_str(fmt)})" if fmt
                      else "CAST(NULL AS TIMESTAMP)")
    else:
        out["_fd"] = _datetime_expr_full(date_col, t, tz)
    if "occurred_at" not in m and "time" in m:
        c = m["time"]
        if types[c] == "VARCHAR":
            fmt = _best_format(con, src, c, ("%H:%M", "%H:%M:%S"))
            out["_ft"] = (f"CAST(try_strptime({_quote(c)}, {_sql_str(fmt)}) AS TIME)" if fmt
                          else "CAST(NULL AS TIME)")
        else:
            out["_ft"] = _time_expr_full(c, types[c])
    for f, name in (("lat", "_fla"), ("lon", "_flo")):
        c = m[f]
        out[name] = (f"CAST({_quote(c)} AS DOUBLE)" if _is_numeric(types[c])
                     else f"TRY_CAST({_quote(c)} AS DOUBLE)")
    return out


def _stage_sql(con: duckdb.DuckDBPyConnection, raw: str, mapping: Mapping[str, str],
               types: Mapping[str, str], *, tz: str, now_local: datetime, sha: str,
               fast: bool = False) -> str:
    """SELECT that parses every row of ``raw`` into typed fields plus a reason code.

    Rows whose fast columns (``_fd``, ``_ft``, ``_fla``, ``_flo``, computed
    while loading, see :func:`_fast_exprs`) are all set take a cheap branch;
    the rest take the full, tolerant expressions. Joins the small
    ``_vg_types`` / ``_vg_dist`` tables (distinct raw values -> codes) so
    that only numbers and the two stored strings leave SQL.
    """
    m = mapping
    min_ts = f"TIMESTAMP '{_MIN_DATE}'"
    now_sql = f"TIMESTAMP {_sql_str(now_local.strftime('%Y-%m-%d %H:%M:%S'))}"
    gen = f"{_sql_str(sha[:12] + '-')} || CAST(_row AS VARCHAR)"
    if "incident_id" in m:
        c = m["incident_id"]
        raw_id = _quote(c) if types[c] == "VARCHAR" else f"CAST({_quote(c)} AS VARCHAR)"
        ident = f"CASE WHEN {raw_id} IS NULL OR {raw_id} = '' THEN {gen} ELSE {raw_id} END"
    else:
        ident = gen
    lat_c, lon_c = m["lat"], m["lon"]
    tkeys = _key_cols(m, types, _TYPE_FIELDS)
    dkeys = _key_cols(m, types, _DIST_FIELDS)
    keys = (f"{tkeys[0]} AS _k1, {tkeys[1]} AS _k2, {tkeys[2]} AS _k3, "
            f"{dkeys[0]} AS _k4, {dkeys[1]} AS _k5")
    has_time = "occurred_at" not in m and "time" in m

    # Full branch: every tolerated format, every reason.
    if "occurred_at" in m:
        c = m["occurred_at"]
        inner_ts = (f"{_datetime_expr(c, types[c], tz)} AS _ts0, "
                    f"{_quote(c)} AS _dsrc")
        fix = f"{_century('_ts0', '_dsrc' if types[c] == 'VARCHAR' else None)} AS _ts"
        combine = "_ts"
        date_case = (
            f"WHEN _ts IS NULL AND {_text('_dsrc', types[c])} IS NULL "
            f"THEN {_CODE['fecha_faltante']} "
            f"WHEN _ts IS NULL OR _ts < {min_ts} THEN {_CODE['fecha_invalida']} "
            f"WHEN _ts > {now_sql} THEN {_CODE['fecha_futura']} "
        )
    else:
        c = m["date"]
        inner_ts = (f"{_datetime_expr(c, types[c], tz, date_only=True)} AS _d0, "
                    f"{_quote(c)} AS _dsrc")
        fix = f"{_century('_d0', '_dsrc' if types[c] == 'VARCHAR' else None)} AS _d"
        date_case = (
            f"WHEN _d IS NULL AND {_text('_dsrc', types[c])} IS NULL "
            f"THEN {_CODE['fecha_faltante']} "
            f"WHEN _d IS NULL OR _d < {min_ts} THEN {_CODE['fecha_invalida']} "
        )
        if has_time:
            ct = m["time"]
            inner_ts += (f", {_time_expr(ct, types[ct])} AS _tm, "
                         f"{_quote(ct)} AS _tsrc")
            date_case += (
                f"WHEN _tm IS NULL AND {_text('_tsrc', types[ct])} IS NULL "
                f"THEN {_CODE['hora_faltante']} "
                f"WHEN _tm IS NULL THEN {_CODE['hora_invalida']} "
            )
        else:
            inner_ts += ", TIME '00:00:00' AS _tm"
        combine = "CAST(CAST(_d AS DATE) + _tm AS TIMESTAMP)"
        date_case += f"WHEN {combine} > {now_sql} THEN {_CODE['fecha_futura']} "
    cols = (
        f"_row, {ident} AS incident_id, {inner_ts}, "
        f"{_number_expr(lat_c, types[lat_c])} AS lat, "
        f"{_number_expr(lon_c, types[lon_c])} AS lon, "
        f"{_quote(lat_c)} AS _latsrc, {_quote(lon_c)} AS _lonsrc, {keys}, _long"
    )
    too_long = f"WHEN _long THEN {_CODE['campo_demasiado_largo']} "
    reason = (
        f"CAST(CASE {too_long}{date_case}"
        f"WHEN (lat IS NULL OR lon IS NULL) AND ({_text('_latsrc', types[lat_c])} IS NULL "
        f"OR {_text('_lonsrc', types[lon_c])} IS NULL) THEN {_CODE['coordenadas_faltantes']} "
        f"WHEN lat IS NULL OR lon IS NULL OR NOT isfinite(lat) OR NOT isfinite(lon) "
        f"THEN {_CODE['numero_invalido']} ELSE 0 END AS TINYINT)"
    )
    out_cols = "_row, incident_id, occurred_at, lat, lon, reason, _k1, _k2, _k3, _k4, _k5"
    if fast:
        fast_cond = "_fd IS NOT NULL AND _fla IS NOT NULL AND _flo IS NOT NULL"
        if has_time:
            fast_cond += " AND _ft IS NOT NULL"
        slow_where = f" WHERE NOT ({fast_cond})"
    else:
        slow_where = ""
    full_branch = (
        f"SELECT _row, incident_id, {combine} AS occurred_at, lat, lon, {reason} AS reason, "
        f"_k1, _k2, _k3, _k4, _k5 FROM (SELECT *, {fix} FROM "
        f"(SELECT {cols} FROM {raw}{slow_where}))"
    )
    if fast:
        dc = m.get("occurred_at", m.get("date"))
        assert dc is not None
        fd = _century("_fd", _quote(dc) if types[dc] == "VARCHAR" else None)
        if "occurred_at" in m:
            ts_fast = fd
        elif has_time:
            ts_fast = f"CAST(CAST({fd} AS DATE) + _ft AS TIMESTAMP)"
        else:
            ts_fast = f"CAST(CAST({fd} AS DATE) AS TIMESTAMP)"
        fast_reason = (
            f"CAST(CASE {too_long}WHEN occurred_at < {min_ts} THEN {_CODE['fecha_invalida']} "
            f"WHEN occurred_at > {now_sql} THEN {_CODE['fecha_futura']} "
            f"WHEN NOT isfinite(lat) OR NOT isfinite(lon) THEN {_CODE['numero_invalido']} "
            "ELSE 0 END AS TINYINT)"
        )
        fast_branch = (
            f"SELECT _row, incident_id, occurred_at, lat, lon, {fast_reason} AS reason, "
            f"_k1, _k2, _k3, _k4, _k5 FROM (SELECT _row, {ident} AS incident_id, "
            f"{ts_fast} AS occurred_at, _fla AS lat, _flo AS lon, {keys}, _long "
            f"FROM {raw} WHERE {fast_cond})"
        )
        body = f"{fast_branch} UNION ALL {full_branch}"
    else:
        body = full_branch
    return (
        f"SELECT p._row, p.incident_id, p.occurred_at, p.lat, p.lon, p.reason, "
        f"t.code AS _tc, d.code AS _dc, hash(p.incident_id) AS _ih "
        f"FROM (SELECT {out_cols} FROM ({body})) p "
        "JOIN _vg_types t ON p._k1 = t._k1 AND p._k2 = t._k2 AND p._k3 = t._k3 "
        "JOIN _vg_dist d ON p._k4 = d._k4 AND p._k5 = d._k5"
    )


# --------------------------------------------------------------------------- boundaries

#: The shipped district polygons (see :mod:`analytics.geo`, which reads them).
BOUNDARIES_PATH = geo.BOUNDARIES_PATH

#: District polygons as a GeoDataFrame (:func:`analytics.geo.read_boundaries`).
read_boundaries = geo.read_boundaries


# --------------------------------------------------------------------------- core pipeline

def _check_tz(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        msg = f"Zona horaria desconocida '{tz}' (p. ej. America/Lima, America/New_York)."
        raise IncidentSchemaError(msg) from None


def _type_map(con: duckdb.DuckDBPyConnection, raw: str, mapping: Mapping[str, str],
              types: Mapping[str, str]) -> pd.DataFrame:
    """Distinct raw (tipo, subtipo, modalidad) -> code, crime_type, crime_group."""
    k = _key_cols(mapping, types, _TYPE_FIELDS)
    rows = con.execute(f"SELECT DISTINCT {k[0]}, {k[1]}, {k[2]} FROM {raw}").fetchall()
    out = []
    for i, (ct, cs, cm) in enumerate(rows):
        masked = False
        if _too_long(ct, cs, cm):  # the row is quarantined (campo_demasiado_largo)
            t, g = "otro", "otro"
        else:
            parts = []
            for v in (ct, cs, cm):
                clean, n = V.mask_personal_text(v) if v else (v, 0)
                parts.append(clean)
                masked |= n > 0
            t, g = V.crime_fields_to_type(*parts)
        out.append((ct, cs, cm, i, t, g, masked))
    cols = list(zip(*out, strict=True)) if out else [()] * 7
    return pd.DataFrame({
        "_k1": pd.Series(cols[0], dtype=object), "_k2": pd.Series(cols[1], dtype=object),
        "_k3": pd.Series(cols[2], dtype=object), "code": np.arange(len(out), dtype=np.int32),
        "crime_type": pd.Series(cols[4], dtype=object),
        "crime_group": pd.Series(cols[5], dtype=object),
        "masked": np.asarray(cols[6], dtype=bool)})


def _district_map(con: duckdb.DuckDBPyConnection, raw: str, mapping: Mapping[str, str],
                  types: Mapping[str, str], recs: Sequence[Mapping[str, str]]) -> pd.DataFrame:
    """Distinct raw (district, ubigeo) -> code, normalised district and ubigeo."""
    k = _key_cols(mapping, types, _DIST_FIELDS)
    rows = con.execute(f"SELECT DISTINCT {k[0]}, {k[1]} FROM {raw}").fetchall()
    by_name = {r["district"]: r["ubigeo"] for r in recs}
    by_code = {r["ubigeo"]: r["district"] for r in recs}
    out = []
    for i, (dr, ur) in enumerate(rows):
        masked = 0
        if _too_long(dr, ur):  # the row is quarantined (campo_demasiado_largo)
            dr_ok, ur_ok = None, None
        else:
            dr_ok, masked = V.mask_personal_text(dr) if dr else (dr, 0)
            ur_ok = ur
        d = V.normalize_district(dr_ok) if dr_ok else None
        u = V.normalize_ubigeo(ur_ok) if ur_ok else None
        if d is None and u is not None:
            d = by_code.get(u)
        if u is None and d is not None:
            u = by_name.get(d)
        out.append((dr, ur, i, d, u, masked > 0))
    cols = list(zip(*out, strict=True)) if out else [()] * 6
    return pd.DataFrame({
        "_k4": pd.Series(cols[0], dtype=object), "_k5": pd.Series(cols[1], dtype=object),
        "code": np.arange(len(out), dtype=np.int32),
        "district": pd.Series(cols[3], dtype=object),
        "ubigeo": pd.Series(cols[4], dtype=object),
        "masked": np.asarray(cols[5], dtype=bool)})


def _masked_values(values: pd.Series, *, letters_only: bool = False) -> pd.Series:
    """Mask personal data in raw texts (:func:`_validate.mask_personal_text`), per distinct value.

    ``letters_only``: leave values without a letter alone (dates and times such
    as ``20250203`` are not document numbers).
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    clean = []
    for u in uniques:
        text = str(u)
        if letters_only and not re.search(r"[^\W\d_]", text):
            clean.append(text)
        else:
            clean.append(V.mask_personal_text(text)[0])
    table = np.asarray(clean + [None], dtype=object)
    return pd.Series(table[codes], index=values.index, dtype=object)


def _too_long(*values: str | None) -> bool:
    """Whether some text is longer than ``settings.MAX_FIELD_BYTES`` (cheap upper bound first)."""
    limit = settings.MAX_FIELD_BYTES
    return any(v is not None and len(v) * 4 > limit and len(v.encode("utf-8")) > limit
               for v in values)


def _first_occurrence(*keys: np.ndarray) -> np.ndarray:
    """Mask of rows whose key tuple has not been seen in an earlier row (exact).

    Several integer keys are mixed into one 64-bit hash (one hash-table pass
    instead of one per key); rows the hash calls repeats are then checked
    against their first occurrence key by key, so a hash collision can never
    drop a row.
    """
    if len(keys) == 1:
        only: np.ndarray = ~pd.Series(keys[0]).duplicated(keep="first").to_numpy()
        return only
    cols = [np.asarray(k).astype(np.int64).view(np.uint64) for k in keys]
    h = np.zeros(cols[0].shape, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i, c in enumerate(cols):
            h = (h ^ (c + np.uint64(0x9E3779B97F4A7C15 + i))) * np.uint64(0xBF58476D1CE4E5B9)
            h ^= h >> np.uint64(31)
    codes, uniques = pd.factorize(h)
    first_pos = np.empty(len(uniques), dtype=np.int64)
    first_pos[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    seen_before = first_pos[codes] != np.arange(len(codes))
    rep = np.flatnonzero(seen_before)
    if rep.size:
        j = first_pos[codes[rep]]
        same = np.ones(rep.size, dtype=bool)
        for c in cols:
            same &= c[rep] == c[j]
        if not same.all():  # a genuine 64-bit collision: fall back to the exact path
            frame = pd.DataFrame({f"k{i}": k for i, k in enumerate(keys)})
            exact: np.ndarray = ~frame.duplicated(keep="first").to_numpy()
            return exact
    out: np.ndarray = ~seen_before
    return out


def _dictionary(codes: np.ndarray, names: Sequence[Any]) -> pa.Array:
    """Arrow dictionary array (nulls where ``codes < 0`` or the name is None), as strings."""
    clean = [None if n is None or (isinstance(n, float) and math.isnan(n)) else str(n)
             for n in names]
    names_arr = pa.array(clean, type=pa.string())
    codes = np.asarray(codes, dtype=np.int32)
    mask = codes < 0
    null_names = np.flatnonzero(np.asarray([n is None for n in clean], dtype=bool))
    if null_names.size:
        mask = mask | np.isin(codes, null_names)
    idx = pa.array(np.where(codes < 0, 0, codes), type=pa.int32(), mask=mask)
    return pa.DictionaryArray.from_arrays(idx, names_arr).cast(pa.string())


def _ingest_one(con: duckdb.DuckDBPyConnection, src: _Source, *, source: str | None, tz: str,
                mapping: Mapping[str, str] | None, study_area: Any, import_id: int,
                write: bool, progress: Progress | None, base: float, span: float
                ) -> _FileResult:
    def tick(frac: float, what: str) -> None:
        if progress is not None:
            progress(min(1.0, base + span * frac), f"{src.path.name}: {what}")

    raw = "_vg_raw"
    tick(0.0, "leyendo")
    src, types, mp, pii, rejected, rejected_codes, has_fast = _load_raw(con, src, raw, mapping,
                                                                       tz=tz)
    if not len(rejected) and not con.execute(f"SELECT count(*) FROM {raw}").fetchall()[0][0]:
        raise _no_rows(src.path)  # e.g. blank lines only, past the sniffed head
    now_local = datetime.now(_check_tz(tz)).replace(tzinfo=None)
    tick(0.3, "validando")
    recs = geo.boundary_records()
    type_map = _type_map(con, raw, mp, types)
    dist_map = _district_map(con, raw, mp, types, recs)
    con.register("_vg_types", type_map)
    con.register("_vg_dist", dist_map)
    try:
        tbl = con.sql(_stage_sql(con, raw, mp, types, tz=tz, now_local=now_local,
                                 sha=src.sha256, fast=has_fast)).to_arrow_table()
    finally:
        con.unregister("_vg_types")
        con.unregister("_vg_dist")
    rows = tbl["_row"].to_numpy().astype(np.int64)  # file order, not necessarily sorted
    reason0 = tbl["reason"].to_numpy(zero_copy_only=False).astype(np.int8)
    lat, lon, reason, swapped = V.check_coordinates(
        tbl["lat"].to_numpy(zero_copy_only=False).astype(np.float64),
        tbl["lon"].to_numpy(zero_copy_only=False).astype(np.float64),
        reason0, study_area=study_area)
    ok = reason == 0
    tcode = tbl["_tc"].to_numpy(zero_copy_only=False).astype(np.int32)
    dcode = tbl["_dc"].to_numpy(zero_copy_only=False).astype(np.int32)
    # Rows whose crime or district text held personal data (masked before storing).
    masked = int((type_map["masked"].to_numpy()[tcode]
                  | dist_map["masked"].to_numpy()[dcode]).sum())
    # District: from the file (name or ubigeo), otherwise the polygon holding the point.
    n_dist = len(dist_map)
    nodist = dist_map["district"].isna().to_numpy()[dcode]
    need = ok & nodist
    if need.any() and recs:
        if len(recs) != len(geo.district_index().geoms):
            msg = f"{geo.BOUNDARIES_PATH.name}: polígonos y atributos no coinciden."
            raise InputFileError(msg)
        sj = geo.points_to_districts(lat[need], lon[need])
        dcode = dcode.copy()
        dcode[need] = np.where(sj >= 0, n_dist + sj.astype(np.int32), -1)
    dist_names = list(dist_map["district"]) + [r["district"] for r in recs]
    ubigeo_names = list(dist_map["ubigeo"]) + [r["ubigeo"] for r in recs]
    tick(0.6, "duplicados")
    # Duplicates among the valid rows, first occurrence (file order) wins:
    # same id, then same time + place (~1 m) + crime type.
    keep = np.zeros(rows.shape, dtype=bool)
    idx = np.flatnonzero(ok)
    idx = idx[np.argsort(rows[idx], kind="stable")]  # file order: the first occurrence wins
    type_names = list(type_map["crime_type"])
    if idx.size:
        ih = tbl["_ih"].to_numpy(zero_copy_only=False).astype(np.uint64)[idx]
        idx2 = idx[_first_occurrence(ih)]
        same_type = pd.factorize(pd.Series(type_names, dtype=object))[0].astype(np.int32)
        ts_us = tbl["occurred_at"].cast(pa.int64()).to_numpy(zero_copy_only=False)
        la5 = np.round(lat[idx2] * 1e5).astype(np.int64)  # ~1 m
        lo5 = np.round(lon[idx2] * 1e5).astype(np.int64)
        ty = same_type[tcode[idx2]].astype(np.int64)
        if len(type_names) < (1 << 12):
            # Exact packing: lat (25 bits) | lon (26 bits) | type (12 bits) in one int64.
            place = ((la5 + 9_000_000) << 38) | ((lo5 + 18_000_000) << 12) | ty
            first_key = _first_occurrence(ts_us[idx2], place)
        else:
            first_key = _first_occurrence(ts_us[idx2], la5, lo5, ty)
        keep[idx2[first_key]] = True

    def accepted_table(mask: np.ndarray) -> pa.Table:
        take = pa.array(np.flatnonzero(mask))
        return pa.table({
            "incident_id": tbl["incident_id"].take(take),
            "occurred_at": tbl["occurred_at"].take(take),
            "lat": lat[mask], "lon": lon[mask],
            "crime_type": _dictionary(tcode[mask], type_names),
            "crime_group": _dictionary(tcode[mask], list(type_map["crime_group"])),
            "district": _dictionary(dcode[mask], dist_names),
            "ubigeo": _dictionary(dcode[mask], ubigeo_names),
            "h3_r12": h3[mask], "_row": rows[mask],
        })

    src_name = source or None  # the file name is kept once, in imports.file_name
    h3 = np.zeros(rows.shape, dtype=np.uint64)  # filled for the accepted rows only
    if keep.any() and store.incident_count(con):
        con.register("_vg_new", accepted_table(keep))
        seen = con.execute(
            "SELECT n._row FROM _vg_new n JOIN incidents i ON n.incident_id = i.incident_id "
            "UNION SELECT n._row FROM _vg_new n JOIN incidents i ON n.occurred_at = i.occurred_at "
            "AND n.crime_type = i.crime_type AND round(n.lat * 100000) = round(i.lat * 100000) "
            "AND round(n.lon * 100000) = round(i.lon * 100000)").fetchnumpy()["_row"]
        con.unregister("_vg_new")
        if len(seen):
            keep &= ~np.isin(rows, np.asarray(seen, dtype=np.int64))
    tick(0.7, "celdas H3")
    if keep.any():
        h3[keep] = hexbin.points_to_cells(lat[keep], lon[keep],
                                          resolution=settings.H3_STORE_RESOLUTION)
    new = accepted_table(keep)
    accepted = int(keep.sum())
    n_valid = int(ok.sum())
    repeated = store.file_already_imported(con, src.sha256)
    tick(0.8, "guardando")
    stacked = V.stacked_points(lat[keep], lon[keep])
    for s in stacked:
        s["file"] = src.path.name
    if write and accepted:
        con.register("_vg_new", new)
        # Row order in the table carries no meaning (reads sort): let DuckDB write in parallel.
        con.execute("SET preserve_insertion_order = false")
        try:
            con.execute(
                "INSERT INTO incidents SELECT incident_id, occurred_at, lat, lon, crime_type, "
                f"crime_group, district, ubigeo, ?, h3_r12, {int(import_id)} "
                "FROM _vg_new", [src_name])
        finally:
            con.execute("RESET preserve_insertion_order")
            con.unregister("_vg_new")
    codes, counts = np.unique(np.concatenate([reason[reason > 0], rejected_codes]),
                              return_counts=True)
    reasons = {V.REASON_CODES[int(c)]: int(n) for c, n in zip(codes, counts, strict=True)}
    quarantined = int((reason > 0).sum()) + int(len(rejected))
    if write and quarantined and not repeated:
        bad = reason > 0
        n_total = len(rows) + len(rejected)
        if len(rejected):
            # Row numbers as in the file's data rows, counting the malformed lines too.
            good_pos = np.setdiff1d(np.arange(1, n_total + 1, dtype=np.int64), rejected)
            row_number = good_pos[rows[bad] - 1]
        else:
            row_number = rows[bad]
        names = np.asarray(V.REASON_CODES, dtype=object)
        qt = pa.table({"_row": rows[bad], "row_number": row_number,
                       "reason": _dictionary(reason[bad].astype(np.int32), list(names)),
                       "incident_id": tbl["incident_id"].take(pa.array(np.flatnonzero(bad)))})
        qt = pa.concat_tables([qt, pa.table({
            "_row": np.full(len(rejected), -1, dtype=np.int64), "row_number": rejected,
            "reason": pa.array([V.REASON_CODES[int(c)] for c in rejected_codes],
                               type=pa.string()),
            "incident_id": pa.nulls(len(rejected), type=pa.string())})])
        cut = int(settings.QUARANTINE_RAW_CHARS)

        def raw_col(f: str) -> str:
            return f"left(CAST(r.{_quote(mp[f])} AS VARCHAR), {cut})" if f in mp else "NULL"
        con.register("_vg_q", qt)
        qcols = [c for c, _ in store.QUARANTINE_COLUMNS]
        qdf = con.execute(
            f"SELECT {int(import_id)}, {_sql_str(src.path.name)}, {_sql_str(src.sha256)}, "
            f"q.row_number, q.reason, left(q.incident_id, {cut}), "
            f"{raw_col('occurred_at')}, {raw_col('date')}, {raw_col('time')}, "
            f"{raw_col('lat')}, {raw_col('lon')}, {raw_col('crime_type')}, {raw_col('district')} "
            f"FROM _vg_q q LEFT JOIN {raw} r ON r._row = q._row ORDER BY q.row_number").df()
        con.unregister("_vg_q")
        qdf.columns = qcols
        for col in ("crime_type_raw", "district_raw"):
            qdf[col] = _masked_values(qdf[col])
        for col in ("occurred_at_raw", "date_raw", "time_raw"):  # dates: only text with letters
            qdf[col] = _masked_values(qdf[col], letters_only=True)
        con.register("_vg_qdf", qdf)
        con.execute(f"INSERT INTO quarantine ({', '.join(qcols)}) SELECT * FROM _vg_qdf")
        con.unregister("_vg_qdf")
    con.execute(f"DROP TABLE IF EXISTS {raw}")
    rows_read = len(rows) + len(rejected)
    result = _FileResult(import_id=import_id, rows_read=rows_read, accepted=accepted,
                         duplicates=n_valid - accepted, quarantined=quarantined, reasons=reasons,
                         pii=pii, stacked=stacked, swapped=swapped, repeated=repeated,
                         mapping=dict(mp), masked=masked)
    if write:
        icols = [c for c, _ in store.IMPORT_COLUMNS] + ["personal_data_masked"]
        values = ["?"] * len(icols)
        values[icols.index("imported_at")] = "timezone('UTC', now())"
        con.execute(
            f"INSERT INTO imports ({', '.join(icols)}) VALUES ({', '.join(values)})",
            [import_id, src_name, src.path.name, src.sha256, tz, rows_read, accepted,
             result.duplicates, quarantined, json.dumps(reasons, ensure_ascii=False),
             json.dumps(pii, ensure_ascii=False), json.dumps(stacked, ensure_ascii=False),
             swapped, repeated, json.dumps(dict(mp), ensure_ascii=False), masked])
    tick(1.0, "listo")
    return result


def _parse_study_area(study_area: Any) -> Any:
    if isinstance(study_area, str):
        parts = [p for p in re.split(r"[,\s]+", study_area.strip()) if p]
        try:
            study_area = tuple(float(p) for p in parts)
        except ValueError:
            msg = "Recuadro del área de estudio no válido: use MINLON,MINLAT,MAXLON,MAXLAT."
            raise IncidentSchemaError(msg) from None
    V.check_study_area(study_area)
    return study_area


def ingest_files(paths: str | Path | Iterable[str | Path], *, db: str | Path | None = None,
                 con: duckdb.DuckDBPyConnection | None = None, source: str | None = None,
                 tz: str = settings.TIMEZONE, mapping: Mapping[str, str] | None = None,
                 study_area: Any = None, progress: Progress | None = None) -> IngestReport:
    """Import incident files into the store.

    Parameters
    ----------
    paths
        One path or several. All are checked for readability first; if any
        cannot be read, nothing is written.
    db, con
        Store path (default :func:`store.default_path`) or an open writable
        connection (wins over ``db``) with no transaction open: the whole
        batch runs in one transaction of its own (all files or none).
    source
        Label stored with every incident (e.g. ``"SIDPOL"``; default none). The
        file name is stored once, in the ``imports`` record.
    tz
        Zone of the file's wall times; explicit UTC offsets are converted to it.
    mapping
        Explicit ``field -> column`` overrides (see :data:`_validate.MAPPABLE_FIELDS`).
    study_area
        ``None`` (within ``settings.STUDY_RADIUS_KM`` of the median point),
        a ``(min_lon, min_lat, max_lon, max_lat)`` bbox, or a shapely Polygon.
    progress
        Called with ``(fraction 0–1, Spanish message)``.

    Returns
    -------
    IngestReport

    Raises
    ------
    InputFileError
        A file is missing, empty, of unknown format or not a table.
    IncidentSchemaError
        A file lacks a date or coordinates column, a mapping or option is wrong.
    """
    path_list = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    if not path_list:
        raise InputFileError("No se indicó ningún archivo para importar.")
    _check_tz(tz)
    area = _parse_study_area(study_area)
    if progress is not None:
        progress(0.0, "revisando archivos")
    sources = [_sniff(p) for p in path_list]
    own = con is None
    conn = store.connect(db) if own else con
    assert conn is not None
    try:
        # Check every file's columns before writing anything (a single file is
        # checked as it loads: the transaction below leaves the store unchanged).
        if len(sources) > 1:
            for src in sources:
                _precheck(conn, src, mapping)
        results: list[_FileResult] = []
        conn.execute("BEGIN TRANSACTION")
        try:
            next_id = store.next_import_id(conn)
            for i, src in enumerate(sources):
                results.append(_ingest_one(conn, src, source=source, tz=tz, mapping=mapping,
                                           study_area=area, import_id=next_id + i, write=True,
                                           progress=progress, base=i / len(sources),
                                           span=1 / len(sources)))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        if own:
            conn.close()
    return _merge(results, [s.path for s in sources])


def _precheck(con: duckdb.DuckDBPyConnection, src: _Source,
              mapping: Mapping[str, str] | None) -> None:
    """Check that a file is a readable table with the required columns (writes nothing)."""
    _load_raw(con, src, "_vg_check", mapping, materialize=False)


def _merge(results: Sequence[_FileResult], paths: Sequence[Path]) -> IngestReport:
    reasons: dict[str, int] = {}
    pii: list[str] = []
    stacked: list[dict[str, Any]] = []
    for r in results:
        for k, v in r.reasons.items():
            reasons[k] = reasons.get(k, 0) + v
        pii.extend(p for p in r.pii if p not in pii)
        stacked.extend(r.stacked)
    return IngestReport(
        rows_read=sum(r.rows_read for r in results),
        accepted=sum(r.accepted for r in results),
        duplicates=sum(r.duplicates for r in results),
        quarantined=sum(r.quarantined for r in results),
        quarantine_reasons=dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
        pii_columns_dropped=pii,
        stacked_points=stacked,
        swapped_coordinates=sum(r.swapped for r in results),
        import_ids=[r.import_id for r in results],
        files=[str(p) for p in paths],
        repeated_files=[str(p) for p, r in zip(paths, results, strict=True) if r.repeated],
        mappings={str(p): r.mapping for p, r in zip(paths, results, strict=True)},
        personal_data_masked=sum(r.masked for r in results),
    )


def read_incidents(path: str | Path, *, tz: str = settings.TIMEZONE,
                   mapping: Mapping[str, str] | None = None, study_area: Any = None
                   ) -> pd.DataFrame:
    """Parse and validate an incident file without a store; accepted rows only.

    Same rules as :func:`ingest_files` (duplicates and quarantined rows are
    left out). Returns canonical columns (``source`` empty, ``import_id`` = 0).
    """
    con = store.connect(":memory:")
    try:
        ingest_files([path], con=con, tz=tz, mapping=mapping, study_area=study_area)
        df = store.load_incidents(con)
    finally:
        con.close()
    df["import_id"] = 0
    return df


def preview_file(path: str | Path, *, n_rows: int = 20) -> FilePreview:
    """First rows of a file as read, with the guessed column mapping.

    Personal-data columns are listed in ``pii_columns`` and left out of
    ``columns`` and ``frame``.
    """
    src = _sniff(path)
    con = duckdb.connect()
    try:
        if src.kind == "csv":
            try:
                _drop_rejects(con)
                frame = con.execute(_csv_sql(src, limit=n_rows)).df()
            except duckdb.Error:
                src = dataclasses.replace(src, encoding="latin-1")
                _drop_rejects(con)
                try:
                    frame = con.execute(_csv_sql(src, limit=n_rows)).df()
                except duckdb.Error as exc:
                    raise _fail(src.path, f"no se pudo leer como tabla "
                                          f"({str(exc).splitlines()[0]})") from None
        elif src.kind == "parquet":
            frame = con.execute(f"SELECT * FROM read_parquet({_path_sql(src.path)}) "
                                f"LIMIT {int(n_rows)}").df()
        elif src.kind == "excel":
            frame = _excel_frame(src, n_rows=n_rows)
        else:
            frame = _geojson_frame(src)[0].head(n_rows)
    finally:
        con.close()
    headers = [str(c) for c in frame.columns]
    pii = V.pii_columns([h for h in headers if not h.startswith("_geom_")])
    mapping = V.guess_mapping(headers, exclude=pii)
    if "_geom_lat" in headers:
        mapping.setdefault("lat", "_geom_lat")
        mapping.setdefault("lon", "_geom_lon")
    keep = [h for h in headers if h not in pii]
    return FilePreview(columns=keep, frame=frame[keep].reset_index(drop=True), mapping=mapping,
                       pii_columns=pii)


# --------------------------------------------------------------------------- plain tables

def read_table(path: str | Path) -> pd.DataFrame:
    """Read a plain table (CSV/CSV.GZ, Parquet, XLSX, GeoJSON properties) as it is."""
    src = _sniff(path)
    if src.kind == "parquet":
        return pd.read_parquet(src.path)
    if src.kind == "excel":
        try:
            return pd.read_excel(src.path, engine="openpyxl")
        except Exception as exc:
            raise _fail(src.path, f"libro Excel ilegible ({type(exc).__name__})") from None
    if src.kind == "geojson":
        return _geojson_frame(src)[0]
    enc = "utf-8-sig" if src.encoding == "utf-8" else src.encoding
    try:
        return pd.read_csv(src.path, sep=src.delimiter, skiprows=src.skip, encoding=enc,
                           compression="infer")
    except UnicodeDecodeError:
        return pd.read_csv(src.path, sep=src.delimiter, skiprows=src.skip, encoding="latin-1",
                           compression="infer")
    except (ValueError, pd.errors.ParserError) as exc:
        raise _fail(src.path, f"no se pudo leer como tabla ({str(exc).splitlines()[0]})") from None


def _for_export(frame: pd.DataFrame, *, excel: bool) -> pd.DataFrame:
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == np.uint64 and (c.startswith("h3") or excel):
            out[c] = hexbin.cells_to_strings(out[c].to_numpy()) if c.startswith("h3") \
                else out[c].astype(str)
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
    p = Path(path) if path is not None else BOUNDARIES_PATH.with_name("population.csv")
    if not p.is_file():
        raise InputFileError(f"No existe el archivo de población {p}.")
    return pd.read_csv(p, dtype={"ubigeo": str, "district": str, "label": str, "source": str})
