"""CLI command ``zone-forecast``: expected incidents per zone (district or polygon) and window.

Contract (other programs call it)::

    python -m analytics zone-forecast (--db DB | --incidents PATH) [--map district=COLUMN]
        [--zones LAYER | --layer NAME[@VERSION]] [--zone-name COLUMN] [--tz TZ] [--country CC]
        --train-until YYYY-MM-DD --horizon-days N [--by day|shift|hour|period]
        [--interval 0.8] (--out PATH | --store) [--json]

Writes one row per zone with history before the cut and window: ``zone,
window_start, window_end, expected, lower, upper, model``. ``--json`` prints
``{"zones", "seconds", "models"}`` on stdout. No incident on or after
``--train-until`` is read from the store or kept from a file.

``--store`` (with the store as source, ``--db`` or the default one) also
writes the forecast into the store's ``forecasts`` tables
(:mod:`analytics.store.forecasts`) with its cut-off, model and time, so the
app reads it instantly; ``--out`` is then optional, and ``--json`` adds
``run_id``, ``train_until`` and ``made_at``. ``--layer`` takes the zones from
a layer stored with ``zones add`` (its latest version, or ``@VERSION``).
``--by period`` forecasts the whole horizon as one window per zone with an
interval for the sum (:func:`analytics.zone_period.forecast_period`; the
Codisec reports compare a period's count against it).

Zones: without ``--zones``, the ``district`` field (``--map district=COLUMN``
names the column of a file). With ``--zones LAYER``, points are placed in the
layer's polygons; rows without a point use the ``district`` field when it
names a zone of the layer, if ``--map district=COLUMN`` is given.

Files: ``--incidents`` goes through the ingest rules
(:func:`analytics.ingest.read_incidents`), which need coordinates today. A file
without coordinate columns whose zones come from ``--map district=COLUMN``
is read as a plain table instead: only the date (``occurred_at``, or
``date`` plus ``time``; ISO or dd/mm/yyyy) and the district are parsed, rows
without either are skipped and counted. (The ingest will soon accept rows
without coordinates; this path can then go.)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from typing import Any

import numpy as np
import pandas as pd

from analytics import settings
from analytics._errors import IncidentSchemaError
from analytics.cli import DB_HELP


def add_parser(subparsers: Any) -> None:
    """Register ``zone-forecast``."""
    p = subparsers.add_parser(
        "zone-forecast",
        help="pronosticar incidentes por zona (distrito, sector, cuadrante) y día, turno u hora",
        description="Pronostica incidentes esperados por zona y ventana, con intervalo, a partir "
                    "de los incidentes anteriores a --train-until (Prophet, comparado con las "
                    "líneas base en una evaluación previa al corte).")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--db", default=None,
                     help=DB_HELP)
    src.add_argument("--incidents", default=None, metavar="PATH",
                     help="archivo de incidentes (cualquier formato que lea la ingesta)")
    p.add_argument("--map", action="append", default=[], metavar="campo=columna",
                   help="columna de un campo (repetible), p. ej. --map district=SECTOR")
    p.add_argument("--zones", default=None, metavar="CAPA",
                   help="capa de polígonos de zonas (GeoJSON, Shapefile, GPKG)")
    p.add_argument("--layer", default=None, metavar="NOMBRE",
                   help="capa de zonas guardada en el almacén (zones add); NOMBRE@VERSIÓN "
                        "para una versión anterior")
    p.add_argument("--zone-name", default=None, metavar="COLUMNA",
                   help="columna de la capa con el nombre de cada zona (por defecto se detecta)")
    p.add_argument("--tz", default=settings.TIMEZONE,
                   help="zona horaria de las horas de --incidents "
                        f"(por defecto {settings.TIMEZONE})")
    p.add_argument("--country", default=None,
                   help="país de los feriados (código ISO, por defecto PE)")
    p.add_argument("--train-until", required=True, metavar="YYYY-MM-DD",
                   help="fecha de corte: solo se usan incidentes anteriores a este día")
    p.add_argument("--horizon-days", type=int, required=True, metavar="N",
                   help="días a pronosticar desde la fecha de corte")
    p.add_argument("--by", default="day", choices=["day", "shift", "hour", "period"],
                   help="ventanas: día, turno, hora o todo el horizonte como un periodo "
                        "(por defecto day)")
    p.add_argument("--interval", type=float, default=0.8,
                   help="probabilidad central del intervalo lower–upper (por defecto 0.8)")
    p.add_argument("--out", default=None, metavar="PATH",
                   help="salida (.csv, .csv.gz, .parquet o .xlsx); obligatoria sin --store")
    p.add_argument("--store", action="store_true",
                   help="guardar el pronóstico en el almacén (lo leen las páginas)")
    p.add_argument("--json", action="store_true",
                   help="imprimir {zones, seconds, models} como JSON")
    p.set_defaults(run=run)


def _cutoff(text: str) -> pd.Timestamp:
    """``YYYY-MM-DD`` only: ``03/04/2025`` would be read month-first, not as 3 April."""
    ts = None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        try:
            ts = pd.Timestamp(text.strip())
        except ValueError:
            ts = None
    if ts is None or pd.isna(ts):
        msg = f"Fecha de corte no válida: {text!r} (formato AAAA-MM-DD)."
        raise IncidentSchemaError(msg)
    return ts


def _parse_times(values: pd.Series, tz: str) -> pd.Series:
    """Local naive times from text or datetimes: ISO first, then day-first (dd/mm/yyyy)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        t = pd.Series(values)
    else:
        text = values.astype("string").str.strip()
        t = pd.to_datetime(text, errors="coerce", format="ISO8601")
        rest = t.isna() & text.notna()
        if rest.any():
            t = t.astype("datetime64[ns]")
            t[rest] = pd.to_datetime(text[rest], errors="coerce", dayfirst=True,
                                     format="mixed").astype("datetime64[ns]")
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_convert(tz).dt.tz_localize(None)
    return t.astype("datetime64[ns]")


def _read_plain(path: str, mapping: dict[str, str], tz: str) -> pd.DataFrame:
    """Date and district of a file without coordinates (see the module notes)."""
    from analytics import _validate as V, files

    raw = files.read_table(path)
    headers = [str(c) for c in raw.columns]
    pii = V.pii_columns(headers, keep=mapping.values())
    m = V.guess_mapping(headers, mapping=mapping, exclude=pii)
    problems = []
    if "occurred_at" not in m and "date" not in m:
        problems.append("no se reconoce la columna de fecha (use --map occurred_at=COLUMNA)")
    if "district" not in m:
        problems.append("falta la columna de zona (use --map district=COLUMNA)")
    if problems:
        raise IncidentSchemaError(f"No se puede leer {path} sin coordenadas: "
                                  + "; ".join(problems) + ".")
    if "occurred_at" in m:
        t = _parse_times(raw[m["occurred_at"]], tz)
    else:
        text = raw[m["date"]].astype("string").str.strip()
        if "time" in m:
            text = text + " " + raw[m["time"]].astype("string").fillna("00:00").str.strip()
        t = _parse_times(text, tz)
    district = raw[m["district"]].map(
        lambda v: None if pd.isna(v) else V.normalize_district(str(v)))
    df = pd.DataFrame({"occurred_at": t.to_numpy(), "district": district.to_numpy(dtype=object)})
    return df


def _has_coordinates(path: str, mapping: dict[str, str]) -> bool:
    from analytics import _validate as V, ingest

    prev = ingest.preview_file(path, n_rows=5)
    headers = [*map(str, prev.columns), *map(str, prev.pii_columns)]
    m = V.guess_mapping(headers, mapping=mapping, exclude=prev.pii_columns)
    return ("lat" in m and "lon" in m) or "_geom_lat" in headers


def _load(args: argparse.Namespace, cutoff: pd.Timestamp, mapping: dict[str, str],
          with_points: bool) -> tuple[pd.DataFrame, int]:
    """Incidents before the cut (``occurred_at``, ``district``, maybe ``lat``/``lon``)."""
    from analytics import ingest, store

    skipped = 0
    if args.incidents is not None:
        path = str(args.incidents)
        if _has_coordinates(path, mapping):
            df = ingest.read_incidents(path, tz=args.tz, mapping=mapping or None)
        elif "district" in mapping:
            df = _read_plain(path, mapping, args.tz)
            bad = df["occurred_at"].isna().to_numpy() | df["district"].isna().to_numpy()
            skipped = int(bad.sum())
            df = df.loc[~bad]
        else:
            msg = (f"{path} no tiene coordenadas: indique la columna de zona con "
                   "--map district=COLUMNA.")
            raise IncidentSchemaError(msg)
        df = df[df["occurred_at"] < cutoff]
        return df.reset_index(drop=True), skipped
    extra = {k: v for k, v in mapping.items() if not (k == "district" and v == "district")}
    if extra:
        msg = "Con --db, --map solo admite district=district (el almacén ya tiene sus columnas)."
        raise IncidentSchemaError(msg)
    from analytics.cli import default_db

    cols = ["occurred_at", "district"] + (["lat", "lon"] if with_points else [])
    con = store.connect(args.db if args.db is not None else default_db(), read_only=True)
    try:
        return store.load_incidents(con, end=cutoff, columns=cols), 0
    finally:
        con.close()


def _interval(value: float) -> float:
    if not 0.5 <= value <= 0.99:
        msg = f"Intervalo no válido: {value} (entre 0.5 y 0.99)."
        raise IncidentSchemaError(msg)
    return float(value)


_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".xlsx")


def _check_args(args: argparse.Namespace) -> str | None:
    """The output path (``None`` with ``--store`` only); every misuse in one error."""
    out = None if args.out is None else str(args.out)
    problems = []
    if out is None and not args.store:
        problems.append("falta --out PATH (o --store para guardar en el almacén)")
    if out is not None and not out.lower().endswith(_SUFFIXES):
        problems.append(f"la salida debe ser {', '.join(_SUFFIXES)}: {out}")
    if args.zones is not None and args.layer is not None:
        problems.append("use --zones (archivo) o --layer (capa guardada), no ambos")
    if args.incidents is not None and (args.store or args.layer is not None):
        problems.append("--store y --layer usan el almacén: indique --db (o el almacén por "
                        "defecto), no --incidents")
    if args.store and args.zones is not None:
        problems.append("para guardar un pronóstico de una capa, guárdela antes con 'zones add' "
                        "y use --layer")
    if problems:
        raise IncidentSchemaError("Opciones no válidas: " + "; ".join(problems) + ".")
    return out


def _forecast(events: pd.DataFrame, args: argparse.Namespace, *, cutoff: pd.Timestamp,
              interval: float, zones: list[str] | None) -> Any:
    """``forecast_zones``, or ``forecast_period`` for ``--by period``."""
    from analytics import zone_forecast as zf, zone_period as zp

    country = args.country or zf.COUNTRY
    if args.by == "period":
        if not 1 <= int(args.horizon_days) <= zp.MAX_PERIOD_DAYS:
            msg = f"Horizonte no válido: {args.horizon_days} (1 a {zp.MAX_PERIOD_DAYS} días)."
            raise IncidentSchemaError(msg)
        return zp.forecast_period(events, start=cutoff,
                                  end=cutoff + pd.Timedelta(days=int(args.horizon_days)),
                                  interval=interval, country=country, zones=zones)
    return zf.forecast_zones(events, train_until=cutoff, horizon_days=args.horizon_days,
                             by=args.by, interval=interval, country=country, zones=zones)


def run(args: argparse.Namespace) -> int:
    """Write (or store) the zone forecast; print the JSON summary when asked."""
    from analytics import access, files, store, zones as zn
    from analytics.cli import default_db
    from analytics.store import forecasts as sf, zones as sz

    t0 = time.perf_counter()
    out = _check_args(args)
    cutoff = _cutoff(args.train_until)
    interval = _interval(args.interval)
    from analytics._cli_ingest import parse_map

    mapping = parse_map(args.map)
    db = args.db if args.db is not None else default_db()
    layer = None
    layer_id: int | None = None
    if args.zones is not None:
        layer = zn.read_zone_layer(args.zones, name_column=args.zone_name)
    elif args.layer is not None:
        with store.reading(db) as con:
            layer = sz.load_zone_layer(con, args.layer)
        layer_id = int(layer.attrs["layer_id"])
    df, skipped = _load(args, cutoff, mapping, with_points=layer is not None)
    # a stored layer: rows without a point use their district when it names a zone, as the
    # app does (ui.cache.zones.zone_events)
    zone_column = ("district" if (layer is None or "district" in mapping or layer_id is not None)
                   else None)
    if layer is not None and not {"lat", "lon"} <= set(df.columns):
        df = df.assign(lat=np.nan, lon=np.nan)
    events = zn.incidents_to_zone_events(df, zones=layer, zone_column=zone_column)
    if events.empty:
        msg = ("Ningún incidente anterior al corte tiene zona: indique la columna con "
               "--map district=COLUMNA o una capa con --zones.")
        raise IncidentSchemaError(msg)
    res = _forecast(events, args, cutoff=cutoff, interval=interval,
                    zones=None if layer is None else list(layer["zone"]))
    frame = res.table
    n_zones = int(frame["zone"].nunique())
    lines = [f"{len(frame)} filas ({n_zones} zonas × {len(frame) // max(n_zones, 1)} ventanas)"]
    if out is not None:
        if out.lower().endswith((".csv", ".csv.gz")):
            frame = frame.copy()
            for c in ("window_start", "window_end"):
                frame[c] = frame[c].dt.strftime("%Y-%m-%dT%H:%M:%S")
        files.write_table(frame, out, sheet_name="pronostico_zonas")
        lines[0] += f" en {out}"
    saved = None
    if args.store:
        label = "distritos" if layer is None else (
            f"{layer.attrs.get('name')} (v{layer.attrs.get('version')})")
        with store.writing(db) as con:
            saved = sf.save_forecast(
                con, res.table, kind="zone", windows=args.by, train_until=cutoff,
                horizon_days=int(args.horizon_days), layer_id=layer_id, model="zone",
                interval=interval, made_by=access.cli_actor(), seconds=res.seconds,
                no_history=res.no_history, notes=res.notes,
                params={"country": args.country or "PE", "zones": label})
            sf.prune_forecasts(con)
        lines.append(f"guardado en el almacén ({label}, {saved.run_id})")
    dropped = int(events.attrs.get("without_zone", 0)) + skipped
    if dropped:
        lines.append(f"{dropped} incidentes sin zona o sin fecha no se usaron")
    if res.no_history:
        shown = ", ".join(res.no_history[:10]) + (" …" if len(res.no_history) > 10 else "")
        lines.append(f"zonas sin incidentes antes del corte (sin pronóstico): {shown}")
    print("; ".join(lines), file=sys.stderr)
    if args.json:
        doc: dict[str, Any] = {"zones": n_zones, "seconds": round(time.perf_counter() - t0, 3),
                               "models": res.model_counts()}
        if saved is not None:
            doc.update(run_id=saved.run_id, train_until=f"{saved.train_until:%Y-%m-%d}",
                       made_at=saved.made_at.isoformat())
        print(json.dumps(doc, ensure_ascii=False))
    return 0
