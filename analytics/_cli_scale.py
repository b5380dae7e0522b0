"""``python -m analytics partition | aggregate | district-forecasts``: national volumes.

``partition``
    Export the DuckDB store (``--db``) or bin flat Parquet files (``--input``)
    into the month-partitioned Parquet dataset (:mod:`analytics.partitions`).
``aggregate``
    Incidents per H3 cell (and hour/shift/weekday/date) for a period, a city
    or districts, read from the dataset with DuckDB, or on a Dask cluster.
``district-forecasts``
    One forecast per district, fitted in parallel on a Dask cluster when
    one is given (the nightly batch job).

The cluster is ``--dask tcp://host:8786`` or ``$VIGIA_DASK``; ``--dask local``
forces this process even when the variable is set.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import pandas as pd

from analytics import distributed, partitions, settings


def _add_dask(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dask", default=None, metavar="DIRECCION",
                   help=f"planificador Dask (tcp://host:8786); por defecto ${distributed.ENV_VAR}; "
                        f"'{distributed.LOCAL}' para calcular en este proceso")


def _add_place(p: argparse.ArgumentParser) -> None:
    p.add_argument("--city", default=None,
                   help="ciudad de los límites incluidos (lima, trujillo): sus ubigeos")
    p.add_argument("--ubigeo", action="append", default=None, help="ubigeo (repetible)")
    p.add_argument("--district", action="append", default=None,
                   help="distrito por nombre (repetible)")


def add_parser(subparsers: Any) -> None:
    """Register ``partition``, ``aggregate`` and ``district-forecasts``."""
    p = subparsers.add_parser(
        "partition",
        help="exportar incidentes a un conjunto Parquet particionado por mes",
        description=("Escribe los incidentes del almacén DuckDB (--db) o de archivos Parquet "
                     "planos (--input) en CARPETA/year=AAAA/month=M/*.parquet, sin cargarlos "
                     "todos en memoria. Las filas se añaden a las existentes, salvo con "
                     "--replace."),
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--db", type=Path, help="almacén DuckDB de Vigía")
    src.add_argument("--input", type=Path, nargs="+",
                     help="archivos Parquet con columnas canónicas (h3_r12 se calcula si falta)")
    p.add_argument("--out", type=Path, required=True, help="carpeta del conjunto Parquet")
    p.add_argument("--start", default=None, help="desde (AAAA-MM-DD, incluido; solo con --db)")
    p.add_argument("--end", default=None, help="hasta (AAAA-MM-DD, excluido; solo con --db)")
    p.add_argument("--replace", action="store_true",
                   help="(con --db) rehacer los meses completos del periodo para que coincidan "
                        "con el almacén, en lugar de añadir filas")
    p.add_argument("--source", default=None, help="valor de 'source' si falta (--input)")
    _add_dask(p)
    p.set_defaults(run=run_partition)

    a = subparsers.add_parser(
        "aggregate",
        help="contar incidentes por celda H3 en un conjunto Parquet (DuckDB o Dask)",
        description=("Cuenta incidentes por celda H3 y, si se pide, por hora, turno, día de la "
                     "semana o fecha, para un periodo y un lugar. Lee solo los meses necesarios."),
    )
    a.add_argument("--parquet", type=Path, required=True, help="carpeta del conjunto Parquet")
    a.add_argument("--resolution", type=int, default=settings.H3_RESOLUTION,
                   help=f"resolución H3 (por defecto {settings.H3_RESOLUTION})")
    a.add_argument("--by", choices=partitions.TIME_KEYS, default=None,
                   help="clave de tiempo adicional")
    a.add_argument("--start", default=None, help="desde (AAAA-MM-DD, incluido)")
    a.add_argument("--end", default=None, help="hasta (AAAA-MM-DD, excluido)")
    a.add_argument("--group", action="append", default=None,
                   help="grupo delictivo (repetible): " + ", ".join(settings.CRIME_GROUPS))
    _add_place(a)
    a.add_argument("--out", type=Path, default=None,
                   help="archivo de salida (.csv, .parquet, .xlsx); sin él, un resumen")
    _add_dask(a)
    a.set_defaults(run=run_aggregate)

    f = subparsers.add_parser(
        "district-forecasts",
        help="pronóstico por distrito, en paralelo (Dask) o en este proceso",
        description=("Ajusta un pronóstico por distrito (ubigeo) con los incidentes anteriores "
                     "a --train-until. Con un clúster Dask los distritos se reparten entre los "
                     "trabajadores; el resultado es idéntico."),
    )
    f.add_argument("--parquet", type=Path, required=True, help="carpeta del conjunto Parquet")
    f.add_argument("--train-until", required=True, help="fecha de corte (AAAA-MM-DD, 00:00)")
    f.add_argument("--history-days", type=int, default=None,
                   help="días de historia leídos antes del corte (por defecto todos)")
    f.add_argument("--horizon-days", type=int, default=None, help="días de pronóstico")
    f.add_argument("--windows", choices=("shift", "hourly", "week"), default=None,
                   help="ventanas: turno, hora o semana")
    f.add_argument("--resolution", type=int, default=None, help="resolución H3")
    f.add_argument("--model", default=None, help="modelo (default, retro28, retro_shift, …)")
    f.add_argument("--crime-group", default=None, help="solo este grupo delictivo")
    f.add_argument("--seed", type=int, default=None, help="semilla del modelo")
    _add_place(f)
    f.add_argument("--out", type=Path, required=True, help="archivo de salida")
    _add_dask(f)
    f.set_defaults(run=run_district_forecasts)


def _ubigeos(args: argparse.Namespace) -> list[str] | None:
    out: list[str] = []
    if args.city:
        from analytics import geo

        out.extend(str(u) for u in geo.read_boundaries(city=args.city)["ubigeo"])
    if args.ubigeo:
        out.extend(args.ubigeo)
    return sorted(set(out)) if (args.city or args.ubigeo) else None


def run_partition(args: argparse.Namespace) -> int:
    """Run ``partition``; return the exit code."""
    t0 = time.perf_counter()
    if args.db is not None:
        from analytics import store

        con = store.connect(args.db, read_only=True)
        try:
            rep = partitions.store_to_partitions(con, args.out, start=args.start, end=args.end,
                                                 replace=args.replace)
        finally:
            con.close()
    else:
        rep = distributed.parquet_to_partitions(args.input, args.out, source=args.source,
                                                address=args.dask)
    secs = time.perf_counter() - t0
    summary = partitions.dataset_summary(args.out)
    print(f"{rep.rows:,} incidentes escritos en {len(rep.files)} archivos "
          f"({len(rep.months)} meses) en {secs:.1f} s; el conjunto {args.out} tiene "
          f"{summary.rows:,} incidentes en {summary.files} archivos "
          f"({summary.bytes / 2**20:,.0f} MiB).")
    return 0


def run_aggregate(args: argparse.Namespace) -> int:
    """Run ``aggregate``; return the exit code."""
    t0 = time.perf_counter()
    from analytics.query import IncidentQuery

    # --end is exclusive on the command line; the query's last day is inclusive.
    last = None if args.end is None else pd.Timestamp(args.end) - pd.Timedelta(days=1)
    query = IncidentQuery.build(start=args.start, end=last, ubigeos=_ubigeos(args),
                                districts=args.district, groups=args.group,
                                resolution=args.resolution)
    counts = distributed.counts_by_cell(args.parquet, query, by=args.by, address=args.dask)
    secs = time.perf_counter() - t0
    if args.out is not None:
        from analytics import files

        files.write_table(counts, args.out)
    info = {"filas": len(counts), "incidentes": int(counts["count"].sum()),
            "segundos": round(secs, 3), "salida": str(args.out) if args.out else None}
    print(json.dumps(info, ensure_ascii=False))
    return 0


def run_district_forecasts(args: argparse.Namespace) -> int:
    """Run ``district-forecasts``; return the exit code."""
    t0 = time.perf_counter()
    ubigeos = _ubigeos(args)
    if args.district:
        from analytics import files, geo

        b = geo.read_boundaries()
        ubigeos = sorted(set(ubigeos or []) | set(b.loc[b["district"].isin(
            [d.upper() for d in args.district]), "ubigeo"]))
    out = distributed.forecasts_by_district(
        args.parquet, train_until=args.train_until, ubigeos=ubigeos,
        history_days=args.history_days, horizon_days=args.horizon_days,
        resolution=args.resolution, windows=args.windows, crime_group=args.crime_group,
        model=args.model, seed=args.seed, address=args.dask)
    from analytics import files, geo

    files.write_table(out, args.out)
    info = {"distritos": int(out["ubigeo"].nunique()) if len(out) else 0, "filas": len(out),
            "sin_historia": out.attrs.get("sin_historia", []),
            "segundos": round(time.perf_counter() - t0, 3), "salida": str(args.out)}
    print(json.dumps(info, ensure_ascii=False))
    return 0
