"""CLI commands ``forecast`` (expected incidents per cell and window) and ``backtest``.

``forecast`` contract::

    python -m analytics forecast (--db DB | --incidents PATH) --train-until YYYY-MM-DD
        --horizon-days N [--shifts 06-14,14-22,22-06 | --hourly | --weekly] [--model M]
        [--resolution R] [--crime-group G] [--country CC] (--out PATH | --store) [--json]

``--store`` (store as source: ``--db`` or the default one; the configured shifts)
also writes the forecast into the store's ``forecasts`` tables with its cut-off,
model and time (:mod:`analytics.store.forecasts`), fitted with the pages' seed, so
the Pronóstico and Plan pages read it instead of fitting; ``--out`` is then
optional. ``--json`` prints ``{"cells", "windows", "rows", "seconds"}`` and, when
stored, ``run_id``, ``train_until``, ``made_at``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any, Literal

import pandas as pd

from analytics import settings
from analytics._errors import IncidentSchemaError
from analytics.cli import DB_HELP


def _add_source(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group()
    src.add_argument("--db", default=None,
                     help=DB_HELP)
    src.add_argument("--incidents", default=None, metavar="PATH",
                     help="archivo de incidentes (cualquier formato que lea la ingesta)")
    p.add_argument("--tz", default=settings.TIMEZONE,
                   help="zona horaria de las horas de --incidents "
                        f"(por defecto {settings.TIMEZONE})")
    p.add_argument("--resolution", type=int, default=settings.H3_RESOLUTION,
                   help=f"resolución H3 (por defecto {settings.H3_RESOLUTION})")
    p.add_argument("--crime-group", default=None, choices=list(settings.CRIME_GROUPS),
                   metavar="G", help="solo este grupo delictivo")
    p.add_argument("--country", default=None,
                   help="país de los feriados (código ISO, por defecto PE)")


def add_parser(subparsers: Any) -> None:
    """Register ``forecast`` and ``backtest``."""
    from analytics import forecast as fc

    models = ", ".join(("default", *fc.MODEL_NAMES))
    p = subparsers.add_parser(
        "forecast", help="pronosticar incidentes esperados por celda H3 y turno",
        description="Pronostica incidentes esperados por celda H3 y ventana (turno, hora o "
                    "semana) a partir de los incidentes anteriores a --train-until.")
    _add_source(p)
    p.add_argument("--train-until", required=True, metavar="YYYY-MM-DD",
                   help="fecha de corte: solo se usan incidentes anteriores a este día")
    p.add_argument("--horizon-days", type=int, required=True, metavar="N",
                   help="días a pronosticar desde la fecha de corte")
    win = p.add_mutually_exclusive_group()
    win.add_argument("--shifts", default=None, metavar="06-14,14-22,22-06",
                     help="turnos (horas locales); por defecto los de settings")
    win.add_argument("--hourly", action="store_true", help="ventanas de una hora")
    win.add_argument("--weekly", action="store_true", help="una ventana por todo el horizonte")
    p.add_argument("--model", default="default", help=f"modelo ({models})")
    p.add_argument("--out", default=None, metavar="PATH",
                   help="salida .csv o .parquet; obligatoria sin --store")
    p.add_argument("--store", action="store_true",
                   help="guardar el pronóstico en el almacén (lo leen las páginas)")
    p.add_argument("--json", action="store_true",
                   help="imprimir {cells, windows, rows, seconds} como JSON")
    p.set_defaults(run=run_forecast)

    b = subparsers.add_parser(
        "backtest", help="evaluar pronósticos con orígenes móviles (tasa de aciertos, PAI, PEI)",
        description="Evalúa modelos con orígenes móviles: para cada origen entrena con lo "
                    "anterior y mide tasa de aciertos, PAI y PEI de las celdas señaladas.")
    _add_source(b)
    b.add_argument("--origins", default=None, metavar="YYYY-MM-DD,...",
                   help="fechas de corte; por defecto las 4 últimas semanas completas")
    b.add_argument("--horizon-days", type=int, default=fc.HORIZON_DAYS, metavar="N")
    win = b.add_mutually_exclusive_group()
    win.add_argument("--shifts", default=None, metavar="06-14,14-22,22-06")
    win.add_argument("--hourly", action="store_true", help="ventanas de una hora")
    win.add_argument("--weekly", action="store_true", help="solo ventanas semanales")
    b.add_argument("--models", default=None, metavar="a,b",
                   help=f"modelos a comparar ({models}); por defecto todos")
    b.add_argument("--coverages", default="0.01,0.02,0.05,0.10", metavar="p,...",
                   help="proporciones de celdas señaladas")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--json", action="store_true", help="imprimir la tabla como JSON")
    b.set_defaults(run=run_backtest)


def parse_shifts(text: str | None) -> tuple[tuple[str, int, int], ...]:
    """``"06-14,14-22,22-06"`` -> shift tuples (names from settings when hours match)."""
    if text is None:
        return settings.SHIFTS
    known = {(s, e): n for n, s, e in settings.SHIFTS}
    out = []
    for part in text.split(","):
        m = re.fullmatch(r"\s*(\d{1,2})(?::00)?-(\d{1,2})(?::00)?\s*", part)
        if not m:
            msg = f"Turnos no válidos: {text!r} (ejemplo: 06-14,14-22,22-06)."
            raise IncidentSchemaError(msg)
        s, e = int(m.group(1)), int(m.group(2))
        out.append((known.get((s, e), f"{s:02d}-{e:02d}"), s, e))
    return tuple(out)


#: Columns ``forecast --store`` reads: those of the pages' own fit (``ui.cache.forecast``),
#: so the stored map is the one the Pronóstico and Plan pages would draw.
PAGE_COLUMNS = ("occurred_at", "h3_r12", "crime_group", "district")


def _load(args: argparse.Namespace, *, end: pd.Timestamp | None,
          columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    from analytics import ingest, store

    # cell forecasts use incidents placed precisely enough for hexagons (settings.HEX_PRECISIONS)
    if args.incidents is not None:
        df = ingest.read_incidents(args.incidents, tz=args.tz,
                                   precisions=settings.HEX_PRECISIONS)
        if end is not None:
            df = df[df["occurred_at"] < end]
        return df
    from analytics.cli import default_db

    con = store.connect(args.db if args.db is not None else default_db(), read_only=True)
    try:
        df = store.load_incidents(con, end=end, precisions=settings.HEX_PRECISIONS,
                                  columns=None if columns is None else list(columns))
    finally:
        con.close()
    if columns is not None and "h3_r12" in columns:  # located incidents only, as the pages
        df = df.loc[df["h3_r12"].notna() & (df["h3_r12"] > 0)].reset_index(drop=True)
    return df


def _cutoff(text: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(text)
    except ValueError:
        ts = None
    if ts is None or pd.isna(ts) or ts != ts.normalize():
        msg = f"Fecha no válida: {text!r} (formato AAAA-MM-DD)."
        raise IncidentSchemaError(msg)
    return ts


def _country(args: argparse.Namespace) -> str:
    from analytics import forecast as fc

    return args.country or fc.HOLIDAY_COUNTRY


def _forecast_target(args: argparse.Namespace) -> str | None:
    """The output path (``None`` with ``--store`` only); every misuse in one error."""
    out = None if args.out is None else str(args.out)
    problems = []
    if out is None and not args.store:
        problems.append("falta --out PATH (o --store para guardar en el almacén)")
    if out is not None and not out.lower().endswith((".csv", ".parquet")):
        problems.append(f"la salida debe ser .csv o .parquet: {out}")
    if args.store and args.incidents is not None:
        problems.append("--store guarda en el almacén: indique --db (o el almacén por defecto), "
                        "no --incidents")
    if args.store and args.shifts is not None:
        problems.append("--store guarda los turnos configurados: quite --shifts")
    if problems:
        raise IncidentSchemaError("Opciones no válidas: " + "; ".join(problems) + ".")
    return out


def run_forecast(args: argparse.Namespace) -> int:
    """Write (or store) one row per (domain cell, window)."""
    import time

    from analytics import files, forecast as fc

    t0 = time.perf_counter()
    out = _forecast_target(args)
    cutoff = _cutoff(args.train_until)
    shifts = parse_shifts(args.shifts)
    kind: Literal["shift", "hourly", "week"] = (
        "hourly" if args.hourly else "week" if args.weekly else "shift")
    df = _load(args, end=cutoff, columns=PAGE_COLUMNS if args.store else None)
    seed = None
    if args.store:
        from analytics.forecast import day as fday

        seed = fday.SEED  # the pages' seed: the stored map is the one they would draw
    frame = fc.forecast_cells(df, train_until=cutoff, horizon_days=args.horizon_days,
                              resolution=args.resolution, windows=kind, shifts=shifts,
                              crime_group=args.crime_group, model=args.model,
                              country=_country(args), seed=seed)
    n_cells = frame["h3"].nunique()
    lines = [f"{len(frame)} filas ({n_cells} celdas × {len(frame) // max(n_cells, 1)} ventanas)"]
    if out is not None:
        written = frame
        if out.lower().endswith(".csv"):
            written = frame.copy()
            for c in ("window_start", "window_end"):
                written[c] = written[c].dt.strftime("%Y-%m-%dT%H:%M:%S")
        files.write_table(written, out)
        lines[0] += f" en {out}"
    saved = None
    if args.store:
        saved = _store_cells(args, frame, cutoff=cutoff, kind=kind,
                             seconds=time.perf_counter() - t0)
        lines.append(f"guardado en el almacén ({saved.run_id})")
    print("; ".join(lines), file=sys.stderr)
    if args.json:
        doc: dict[str, Any] = {"cells": int(n_cells),
                               "windows": int(frame["window_start"].nunique()),
                               "rows": len(frame), "seconds": round(time.perf_counter() - t0, 3)}
        if saved is not None:
            doc.update(run_id=saved.run_id, train_until=f"{saved.train_until:%Y-%m-%d}",
                       made_at=saved.made_at.isoformat())
        print(json.dumps(doc, ensure_ascii=False))
    ev = frame.attrs.get("evidence")
    if ev is not None and ev["hit_rates"]:
        rates = ev["hit_rates"]
        print(f"modelo automático: {ev['chosen']}; en las {ev['weeks']} semanas anteriores, "
              f"acierta el {100 * rates[ev['chosen']]['shift@0.01']:.1f} % de los incidentes "
              f"de cada turno con el 1 % del área (últimos 28 días: "
              f"{100 * rates['retro28']['shift@0.01']:.1f} %)", file=sys.stderr)
    elif ev is not None:
        print(f"modelo automático: {ev['chosen']} (pocos datos para comparar modelos)",
              file=sys.stderr)
    return 0


def _store_cells(args: argparse.Namespace, frame: pd.DataFrame, *, cutoff: pd.Timestamp,
                 kind: str, seconds: float) -> Any:
    """Write a cell forecast into the store (and prune old cut-offs)."""
    from analytics import access, forecast as fc, store
    from analytics.cli import default_db
    from analytics.store import forecasts as sf

    model = fc.DEFAULT_MODEL if args.model == "default" else str(args.model)
    with store.writing(args.db if args.db is not None else default_db()) as con:
        saved = sf.save_forecast(
            con, frame, kind="cell", windows=kind, train_until=cutoff,
            horizon_days=int(args.horizon_days), resolution=int(args.resolution),
            crime_group=args.crime_group, model=model,
            interval=round(fc.INTERVAL[1] - fc.INTERVAL[0], 6),
            made_by=access.cli_actor(), seconds=seconds,
            params={"country": _country(args), "seed": 0,
                    "evidence": frame.attrs.get("evidence")})
        sf.prune_forecasts(con)
    return saved


def default_origins(df: pd.DataFrame, *, horizon_days: int, n: int = 4) -> list[pd.Timestamp]:
    """The ``n`` latest weekly origins whose horizon ends by the last incident's day."""
    if df.empty:
        msg = "No hay incidentes para evaluar."
        raise IncidentSchemaError(msg)
    last = pd.Timestamp(df["occurred_at"].max()).normalize() + pd.Timedelta(days=1)
    first = last - pd.Timedelta(days=horizon_days)
    return [first - pd.Timedelta(days=7 * k) for k in reversed(range(n))]


def run_backtest(args: argparse.Namespace) -> int:
    """Print the backtest table (and the ratio to the best baseline)."""
    from analytics import evaluation as ev, forecast as fc

    shifts = parse_shifts(args.shifts)
    kinds = ["hourly"] if args.hourly else ["week"] if args.weekly else ["shift", "week"]
    models = (list(fc.BASELINES) + [fc.DEFAULT_MODEL] if args.models is None
              else [m.strip() for m in args.models.split(",") if m.strip()])
    try:
        coverages = [float(x) for x in args.coverages.split(",")]
    except ValueError:
        msg = f"Coberturas no válidas: {args.coverages!r}."
        raise IncidentSchemaError(msg) from None
    origins = None if args.origins is None else [_cutoff(o) for o in args.origins.split(",")]
    df = _load(args, end=None)
    if origins is None:
        origins = default_origins(df, horizon_days=args.horizon_days)
    res = ev.backtest(df, origins=origins, horizon_days=args.horizon_days,
                      resolution=args.resolution, windows=kinds, models=models,
                      coverages=coverages, shifts=shifts, crime_group=args.crime_group,
                      country=_country(args), seed=args.seed)
    table = res.table
    has_ratio = fc.DEFAULT_MODEL in set(table["model"]) and set(fc.BASELINES) & set(table["model"])
    ratios = res.ratios() if has_ratio else None
    if args.json:
        doc = {"origins": [o.strftime("%Y-%m-%d") for o in origins],
               "table": json.loads(table.to_json(orient="records")),
               "ratios": None if ratios is None else json.loads(ratios.to_json(orient="records"))}
        print(json.dumps(doc, ensure_ascii=False, indent=1))
    else:
        print("Orígenes: " + ", ".join(o.strftime("%Y-%m-%d") for o in origins))
        with pd.option_context("display.width", 200, "display.max_rows", 500):
            print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
            if ratios is not None:
                print()
                print(ratios.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    return 0

