"""``python -m analytics dosage``: minutes each unit spent in each planned hotspot (Koper dose).

Reads saved plans (``--plan``, repeatable, or every current plan of a period
with ``--start``/``--end``) and the stored GPS tracks of their units within
their windows, maps device ids to plan units (labels directly, plates through
``tracks aliases``) and writes one row per planned (unit, hotspot): exactly
``unit, h3, planned_min, dwell_min, visits, first_arrival, max_gap_min,
dose_ok`` (:data:`analytics.dosage.DOSAGE_COLUMNS`). ``--json`` prints the
summary (:meth:`analytics.dosage.DosageResult.to_dict`: ``hotspots, dosed,
share_dosed, minutes_in_hotspots, minutes_tracked`` first; km per plan unit;
never a plate).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from analytics.cli import DB_HELP


def add_parser(subparsers: Any) -> None:
    """Register ``dosage``."""
    p = subparsers.add_parser(
        "dosage", help="dosis de patrullaje: minutos de cada unidad en sus puntos (GPS)",
        description="Compara planes guardados con los recorridos GPS importados: minutos en "
                    "cada punto planificado, visitas, mayor intervalo sin visita y si se "
                    "cumplió la dosis de Koper.")
    p.add_argument("--plan", action="append", default=None, metavar="PLAN_ID",
                   help="plan guardado (se puede repetir; vea 'plans list')")
    p.add_argument("--start", default=None, metavar="FECHA",
                   help="en vez de --plan: el plan vigente de cada turno desde esta fecha")
    p.add_argument("--end", default=None, metavar="FECHA", help="... hasta esta fecha (excluida)")
    p.add_argument("--db", type=Path, default=None,
                   help=DB_HELP)
    p.add_argument("--out", required=True, metavar="PATH",
                   help="tabla por unidad y punto: .csv, .parquet o .xlsx")
    p.add_argument("--dwell-min", type=float, default=None, metavar="MIN",
                   help="minutos por visita exigidos (por defecto los del plan)")
    p.add_argument("--rule", choices=("each", "enough"), default="each",
                   help="each: toda visita dura la permanencia (por defecto); enough: basta "
                        "con visitas suficientes")
    p.add_argument("--json", action="store_true", help="imprimir el resumen como JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Measure the plans, write the table, print the summary."""
    import pandas as pd

    from analytics import compliance, dosage, files, store
    from analytics._errors import UserError
    from analytics.store import plans

    if bool(args.plan) == bool(args.start or args.end):
        msg = "Indique --plan PLAN_ID (uno o más) o un periodo con --start y --end, no ambos."
        raise UserError(msg)
    with store.reading(args.db) as con:
        if args.plan:
            ids = list(args.plan)
        else:
            if not (args.start and args.end):
                msg = "El periodo necesita --start y --end."
                raise UserError(msg)
            listed = plans.plans_in_period(con, pd.Timestamp(args.start), pd.Timestamp(args.end))
            listed = listed.loc[pd.to_datetime(listed["window_start"]) >= pd.Timestamp(args.start)]
            ids = compliance.current_plans(listed)
            if not ids:
                msg = f"No hay planes guardados entre {args.start} y {args.end}."
                raise UserError(msg)
        pc = compliance.plans_dosage(con, ids, dwell_min=args.dwell_min, dose_rule=args.rule)
    out = files.write_table(pc.result.table, args.out, sheet_name="dosis")
    if args.json:
        print(json.dumps(pc.result.to_dict(), ensure_ascii=False, default=str))
    else:
        print(dosage.dosage_message(pc.result) + f" {len(ids)} plan(es); tabla en {out}.")
    return 0
