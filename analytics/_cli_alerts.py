"""``python -m analytics alerts``: near-repeat alert rules and the active alerts.

``alerts refresh`` recomputes every crime type's rule (a Knox test over the
store's own data, :mod:`analytics.alerts`) and rebuilds the alerts; run it
nightly (the API service also does, when its rules are a day old).
``alerts list`` prints the rules in plain Spanish and the active alerts.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from analytics.cli import DB_HELP


def add_parser(subparsers: Any) -> None:
    """Register ``alerts``."""
    p = subparsers.add_parser(
        "alerts",
        help="alertas de repetición cercana (recalcular reglas y alertas, listar)",
        description=("Alertas de repetición cercana: tras un robo, las cuadras de alrededor "
                     "corren más riesgo unos días; la regla de cada tipo sale de sus datos "
                     "(prueba de Knox)."),
    )
    p.add_argument("--db", default=None, help=DB_HELP)
    sub = p.add_subparsers(dest="alerts_command", metavar="ACCIÓN", required=True)
    r = sub.add_parser("refresh", help="recalcular las reglas por tipo y las alertas activas")
    r.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    r.add_argument("--now", default=None, metavar="FECHA_HORA",
                   help="momento de referencia (hora local; por defecto ahora)")
    ls = sub.add_parser("list", help="listar las reglas y las alertas activas")
    ls.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    ls.add_argument("--now", default=None, metavar="FECHA_HORA",
                    help="momento de referencia (hora local; por defecto ahora)")
    ls.add_argument("--json", action="store_true", help="imprimir un objeto JSON")
    p.set_defaults(run=run)


def _now(text: str | None) -> Any:
    import pandas as pd

    from analytics._errors import UserError

    if text is None:
        return None
    try:
        ts = pd.Timestamp(text) if text.strip() else pd.NaT
    except ValueError:
        ts = pd.NaT
    if pd.isna(ts):
        msg = f"--now no válido: {text!r} (use p. ej. 2025-07-01T20:00)."
        raise UserError(msg)
    return ts.to_pydatetime()


def run(args: argparse.Namespace) -> int:
    """Run ``alerts``."""
    from analytics import alerts, store

    now = _now(args.now)
    if args.alerts_command == "refresh":
        with store.writing(args.db) as con:
            rules = alerts.refresh_rules(con, now=now)
            found = alerts.refresh_alerts(con, now=now)
        prone = rules.loc[rules["prone"].astype(bool)] if len(rules) else rules
        print(f"Reglas: {len(rules)} tipos, {len(prone)} con repetición cercana. "
              f"Alertas activas: {len(found)} celdas.")
        for _, rule in prone.iterrows():
            print("  " + alerts.rule_text(rule))
        return 0
    with store.reading(args.db) as con:
        rules = alerts.stored_rules(con)
        active = alerts.active_alerts(con, now=now)
    if args.json:
        print(json.dumps({"rules": [{**r, "text": alerts.rule_text(r)}
                                    for r in alerts.frame_to_json(rules)],
                          "alerts": alerts.frame_to_json(active)}, ensure_ascii=False))
        return 0
    if rules.empty:
        print("Sin reglas calculadas todavía (python -m analytics alerts refresh); "
              "se usa la regla por defecto para robos y hurtos.")
    for _, rule in rules.iterrows():
        if bool(rule["prone"]):
            print(alerts.rule_text(rule))
    print(f"Alertas activas: {len(active)}")
    for row in active.itertuples(index=False):
        print(f"  {row.h3}\t{row.crime_type}\thasta {row.expires_at:%Y-%m-%d %H:%M}\t"
              f"{row.n_incidents} incidente(s)")
    return 0
