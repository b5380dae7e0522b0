"""CLI commands ``plan`` (hotspots, beats and schedule for one forecast window) and ``plans``.

``plan --save`` keeps the plan in the store (``--db``, else ``$VIGIA_DB``, else the
default store) and prints its ``plan_id``; ``plans list`` lists the saved plans;
``plans sheet PLAN_ID --out hoja.pdf|hoja.csv`` prints its shift sheets
(:mod:`analytics.shift_sheet`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analytics import settings


def add_parser(subparsers: Any) -> None:
    """Register ``plan``."""
    p = subparsers.add_parser(
        "plan", help="plan de patrullaje óptimo para una ventana del pronóstico",
        description="Elige los puntos de patrullaje que cubren más incidentes esperados "
                    "(cobertura máxima, resuelta de forma exacta con HiGHS), los reparte "
                    "entre las unidades y arma el horario de cada una (dosis de Koper).")
    p.add_argument("--forecast", required=True, metavar="PATH",
                   help="pronóstico escrito por 'forecast' (h3, window_start, expected)")
    p.add_argument("--window-start", default=None, metavar="ISO",
                   help="inicio de la ventana a planificar; por defecto la primera del archivo")
    p.add_argument("--units", required=True, type=int, metavar="N", help="unidades disponibles")
    p.add_argument("--radius-m", required=True, type=float, metavar="M",
                   help="radio de cobertura de cada punto, en metros")
    p.add_argument("--dwell-min", type=float, default=settings.PATROL_DWELL_MIN, metavar="MIN",
                   help=f"minutos en cada punto (por defecto {settings.PATROL_DWELL_MIN})")
    p.add_argument("--revisit-min", type=float, default=settings.PATROL_REVISIT_MIN,
                   metavar="MIN", help="máximo de minutos entre visitas a un mismo punto "
                                       f"(por defecto {settings.PATROL_REVISIT_MIN})")
    p.add_argument("--max-per-unit", type=int, default=None, metavar="K",
                   help="máximo de puntos por unidad")
    p.add_argument("--speed-kmh", type=float, default=settings.PATROL_SPEED_KMH, metavar="V",
                   help=f"velocidad media entre puntos (por defecto {settings.PATROL_SPEED_KMH})")
    p.add_argument("--fixed", default="", metavar="h3,...", help="puestos fijos (celdas H3)")
    p.add_argument("--exclude", default="", metavar="h3,...", help="celdas que no se pueden elegir")
    p.add_argument("--time-limit", type=float, default=settings.SOLVER_TIME_LIMIT_S, metavar="S",
                   help=f"segundos para el solver (por defecto {settings.SOLVER_TIME_LIMIT_S:g})")
    p.add_argument("--solver", choices=("highs", "greedy"), default="highs")
    p.add_argument("--out", required=True, metavar="PATH",
                   help="rutas: .csv, .parquet, .xlsx o .geojson")
    p.add_argument("--json", action="store_true", help="imprimir el resumen como JSON")
    p.add_argument("--save", action="store_true",
                   help="guardar el plan en el almacén (imprime su plan_id)")
    p.add_argument("--db", type=Path, default=None,
                   help="almacén DuckDB para --save (por defecto $VIGIA_DB o data/vigia.duckdb)")
    p.add_argument("--resolution", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(run=run)

    ls = subparsers.add_parser("plans", help="planes de patrullaje guardados",
                               description="Lista los planes guardados en el almacén.")
    sub = ls.add_subparsers(dest="plans_command", metavar="ACCIÓN", required=True)
    lst = sub.add_parser("list", help="listar los planes guardados (el más reciente primero)")
    lst.add_argument("--db", type=Path, default=None,
                     help="almacén DuckDB (por defecto $VIGIA_DB o data/vigia.duckdb)")
    lst.add_argument("--limit", type=int, default=200, help="cuántos planes (por defecto 200)")
    lst.add_argument("--json", action="store_true", help="imprimir la lista como JSON")
    sh = sub.add_parser("sheet", help="hoja de ruta por unidad y turno (PDF o CSV)",
                        description="Hoja de ruta imprimible de un plan guardado: una página "
                                    "por unidad con sus puntos en orden, horas de llegada y "
                                    "salida de cada visita del turno, mapa y firmas.")
    sh.add_argument("plan_id", metavar="PLAN_ID", help="plan guardado (vea 'plans list')")
    sh.add_argument("--db", type=Path, default=None,
                    help="almacén DuckDB (por defecto $VIGIA_DB o data/vigia.duckdb)")
    sh.add_argument("--unit", default=None, metavar="U", help="solo esta unidad (1, 2, …)")
    sh.add_argument("--station", default=None, metavar="TEXTO",
                    help="comisaría o base impresa en el encabezado")
    sh.add_argument("--out", required=True, metavar="PATH", help="hoja.pdf o hoja.csv")
    cv = sub.add_parser("coverage", help="parte de los incidentes de un periodo dentro de los "
                                         "planes guardados, por distrito",
                        description="Para cada distrito, cuántos incidentes del periodo "
                                    "ocurrieron dentro del área cubierta por un plan guardado "
                                    "durante su turno.")
    cv.add_argument("--period", required=True, metavar="PERIODO",
                    help="2025-03 (mes), 2025-T1 (trimestre) o 2025 (año)")
    cv.add_argument("--district", action="append", default=None, help="distrito (repetible)")
    cv.add_argument("--db", type=Path, default=None,
                    help="almacén DuckDB (por defecto $VIGIA_DB o data/vigia.duckdb)")
    cv.add_argument("--json", action="store_true", help="imprimir las filas como JSON")
    ls.set_defaults(run=run_plans)


def _split(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def run(args: argparse.Namespace) -> int:
    """Read the forecast, plan the window, write the routes."""
    from analytics import files, geo, hexbin, patrol
    from analytics.patrol.windows import select_window

    fc = files.read_table(args.forecast)
    win = select_window(fc, args.window_start)
    rows, ws, hours = win.cells, win.start, win.hours
    cells = hexbin.to_cells(rows["h3"].to_numpy())
    districts = geo.cells_to_districts(cells)
    plan = patrol.place_patrols_on_cells(
        rows, units=args.units, radius_m=args.radius_m, dwell_min=args.dwell_min,
        revisit_min=args.revisit_min, max_hotspots_per_unit=args.max_per_unit,
        speed_kmh=args.speed_kmh, fixed=_split(args.fixed), excluded=_split(args.exclude),
        districts=districts, window_start=ws, window_hours=hours,
        time_limit=args.time_limit, solver=args.solver)
    out = files.write_table(plan.routes, args.out)
    plan_id = _save(args, plan, fc, rows, ws, hours) if args.save else None
    if args.json:
        summary = plan.to_dict()
        summary.update({"window_start": ws.isoformat(), "out": str(out)})
        if plan_id is not None:
            summary["plan_id"] = plan_id
        print(json.dumps(summary, ensure_ascii=False))
    else:
        gap = "" if np.isnan(plan.gap) else f", brecha {plan.gap:.2%}"
        print(f"{len(plan.routes)} puntos para {plan.units} unidades: cubren "
              f"{plan.objective:.3g} de {plan.total_expected:.3g} incidentes esperados "
              f"({plan.share_of_risk:.1%}); {plan.status_text}{gap}. Rutas en {out}.")
        if plan_id is not None:
            print(f"Plan guardado: {plan_id}")
        if plan.revisit_violations:
            print("Aviso: las unidades " + ", ".join(map(str, plan.revisit_violations))
                  + f" no pueden revisitar cada punto en {args.revisit_min:g} min.",
                  file=sys.stderr)
    return 0


def _save(args: argparse.Namespace, plan: Any, fc: pd.DataFrame, rows: pd.DataFrame,
          ws: pd.Timestamp, hours: float) -> str:
    """Store the plan (audited) and return its id."""
    import hashlib

    from analytics import access, hexbin, store
    from analytics.store import plans

    res = (int(args.resolution) if args.resolution is not None
           else int(hexbin.cells_resolution(hexbin.to_cells(rows["h3"].head(1)))[0]))
    digest = hashlib.sha256(Path(args.forecast).read_bytes()).hexdigest()[:16]
    forecast = {"file": Path(args.forecast).name, "sha256": digest,
                "model": str(fc["model"].iloc[0]) if "model" in fc.columns else None}
    params = {"fixed": _split(args.fixed), "excluded": _split(args.exclude),
              "speed_kmh": args.speed_kmh, "solver": args.solver,
              "max_per_unit": args.max_per_unit}
    actor = access.cli_actor()
    con = store.connect(args.db)
    try:
        plan_id = plans.save_plan(con, plan, author=actor, origin="cli", resolution=res,
                                  dwell_min=args.dwell_min, revisit_min=args.revisit_min,
                                  window_start=ws, window_end=ws + pd.Timedelta(hours=hours),
                                  forecast=forecast, params=params)
        access.record_audit(con, user=actor, action="plan",
                            detail=f"plan {plan_id} guardado: ventana {ws:%Y-%m-%d %H:%M}, "
                                   f"{plan.units} unidades, {len(plan.routes)} puntos")
    finally:
        con.close()
    return plan_id


def run_sheet(args: argparse.Namespace) -> int:
    """``plans sheet``: the shift sheets of a saved plan as PDF or CSV."""
    from analytics import geo, shift_sheet, store
    from analytics._errors import InputFileError
    from analytics.store import plans

    out = Path(args.out)
    kind = out.suffix.lower()
    if kind not in (".pdf", ".csv"):
        msg = f"Formato de hoja desconocido para {out.name} (use .pdf o .csv)."
        raise InputFileError(msg)
    with store.reading(args.db) as con:
        plans.plan_record(con, args.plan_id)  # a clear error for an unknown plan
        stops = plans.plan_stops(con, args.plan_id)
    if kind == ".csv":
        data = shift_sheet.shift_sheet_csv(stops, unit=args.unit)
    else:
        try:
            boundaries = geo.read_boundaries()
        except Exception:  # noqa: BLE001 - the outlines only decorate the map
            boundaries = None
        data = shift_sheet.shift_sheet_pdf(stops, unit=args.unit, boundaries=boundaries,
                                           station=args.station)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    units = sorted(set(stops["unit"].astype(str)), key=lambda u: (len(u), u))
    shown = [str(args.unit).strip()] if args.unit is not None else units
    print(f"Hoja de ruta de {len(shown)} unidad(es) del plan {args.plan_id} en {out}.")
    return 0


def run_plans(args: argparse.Namespace) -> int:
    """``plans list``: the saved plans, newest first; ``plans sheet``: shift sheets."""
    from analytics import store
    from analytics.store import plans

    if args.plans_command == "sheet":
        return run_sheet(args)
    if args.plans_command == "coverage":
        return run_coverage(args)
    con = store.connect(args.db, read_only=True)
    try:
        df = plans.list_plans(con, limit=args.limit)
    finally:
        con.close()
    if args.json:
        recs = [{k: (None if pd.isna(v) else (v.isoformat() if hasattr(v, "isoformat") else v))
                 for k, v in r.items()} for r in df.to_dict(orient="records")]
        print(json.dumps(recs, ensure_ascii=False, default=str))
        return 0
    if df.empty:
        print("No hay planes guardados.")
        return 0
    for r in df.itertuples(index=False):
        print(f"{r.plan_id}  {pd.Timestamp(r.window_start):%Y-%m-%d %H:%M}  {r.units} unidades  "
              f"cubre {r.objective:.3g} ({r.share_of_risk:.0%})  {r.author}  {r.status}")
    return 0


def run_coverage(args: argparse.Namespace) -> int:
    """``plans coverage``: ``reports.plan_coverage`` of the saved plans of a period."""
    from analytics import reports, store
    from analytics.patrol.history import covered_cells
    from analytics.store import plans

    start, end = reports.period_span(reports.label_to_period(args.period))
    con = store.connect(args.db, read_only=True)
    try:
        ids = plans.plans_in_period(con, start, end)["plan_id"].tolist()
        areas = covered_cells(plans.plan_stops(con, ids))
        inc = store.load_incidents(con, start=start, end=end,
                                   columns=["occurred_at", "district", "h3_r12"])
    finally:
        con.close()
    table = reports.plan_coverage(inc, areas, target=args.period, districts=args.district)
    if args.json:
        recs = [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
                for r in table.to_dict(orient="records")]
        print(json.dumps(recs, ensure_ascii=False, default=str))
        return 0
    for r in table.itertuples(index=False):
        share = "—" if r.share_pct != r.share_pct else f"{r.share_pct:.1f} %"
        print(f"{r.district}: {r.in_plan} de {r.count} incidentes dentro de un plan ({share}); "
              f"{r.plan_windows} turnos planificados")
    return 0
