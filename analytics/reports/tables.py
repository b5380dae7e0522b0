"""The Codisec report as Spanish tables: internal (from incidents) and public (from the release)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any, Final

import numpy as np
import pandas as pd

from analytics import disclosure, hexbin, settings
from analytics._errors import IncidentSchemaError
from analytics._labels import (
    PERIODS as PERIODS,
    district_key as district_key,
    label_to_period as label_to_period,
    months_in as _months,
    period_label as period_label,
    period_span as period_span,
    times_to_periods as times_to_periods,
)
from analytics.disclosure import public_counts as public_counts
from analytics.reports.indicators import (
    _pct_change,
    _population_by_key,
    _target_period,
    district_hotspots,
    district_indicators,
    plan_coverage,
)

# --------------------------------------------------------------------------- #
# Report tables (Spanish, ready to show or export)
# --------------------------------------------------------------------------- #
#: Spanish header of every column the report functions produce.
COLUMN_LABELS: Final = MappingProxyType({
    "district": "Distrito",
    "crime_group": "Grupo de delito",
    "crime_type": "Tipo de delito",
    "period": "Periodo",
    "count": "Incidentes",
    "complete": "Periodo completo",
    "population": "Población",
    "rate_10k": "Tasa por 10 mil hab.",
    "previous_period": "Periodo anterior",
    "previous_count": "Inc. periodo anterior",
    "previous_change_pct": "Var. % vs anterior",
    "last_year_period": "Mismo periodo año anterior",
    "last_year_count": "Inc. año anterior",
    "last_year_change_pct": "Var. % interanual",
    "baseline_period": "Periodo de línea base",
    "baseline_count": "Línea base",
    "baseline_change_pct": "Var. % vs línea base",
    "goal_pct": "Meta (% vs línea base)",
    "goal_count": "Meta (incidentes)",
    "status": "Estado",
    "rank": "Puesto",
    "h3": "Celda H3",
    "share_pct": "% del distrito",
    "in_plan": "En zonas de patrullaje",
    "plan_windows": "Ventanas de plan",
})


_COUNT_HEADER: Final = COLUMN_LABELS["count"]


#: Columns :func:`check_public_tables` checks (a count must be at least k, or missing).
_PUBLIC_COUNT_HEADERS: Final = frozenset({"count", "previous_count", _COUNT_HEADER,
                                          COLUMN_LABELS["previous_count"]})


def district_labels(population: pd.DataFrame | None = None) -> dict[str, str]:
    """District key -> display name (``label`` column of the population table)."""
    if population is None or "label" not in population.columns or "district" not in population:
        return {}
    return {k: str(v) for k, v in zip(population["district"].map(district_key),
                                      population["label"], strict=False) if k and pd.notna(v)}


def _display_district(keys: pd.Series, labels: dict[str, str]) -> pd.Series:
    def one(k: object) -> str:
        s = str(k)
        return labels.get(s, s.title().replace(" De ", " de ").replace(" Del ", " del "))
    return keys.map(one).astype(str)


def _present(frame: pd.DataFrame, labels: dict[str, str], *, drop: Sequence[str] = (),
             decimals: int = 1) -> pd.DataFrame:
    out = frame.drop(columns=[c for c in drop if c in frame.columns]).copy()
    if "district" in out:
        out["district"] = _display_district(out["district"], labels)
    if "crime_group" in out:
        out["crime_group"] = out["crime_group"].map(
            lambda g: settings.CRIME_GROUPS.get(str(g), str(g))).astype(str)
    if "complete" in out:
        out["complete"] = np.where(out["complete"], "sí", "no")
    for c in out.columns:
        if out[c].dtype.kind == "f":
            whole = c.endswith("count") or c in ("count", "population")
            out[c] = out[c].round(1 if whole and c in ("baseline_count", "goal_count")
                                  else 0 if whole else decimals)
    return out.rename(columns=dict(COLUMN_LABELS))


def report_tables(incidents: pd.DataFrame, *, target: str,
                  districts: Sequence[str] | None = None, baseline: str | None = None,
                  goal_pct: float | None = None, population: pd.DataFrame | None = None,
                  plans: pd.DataFrame | None = None,
                  resolution: int = settings.H3_RESOLUTION, top: int = 10,
                  coverage: tuple[object, object] | None = None,
                  compliance: pd.DataFrame | None = None
                  ) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Tables and notes of the internal Codisec report (Spanish headers).

    ``compliance`` is the patrol-compliance table of the period
    (:func:`analytics.compliance.report_compliance`): internal only, the public
    report never has it.

    Returns
    -------
    tables : dict of str to pandas.DataFrame
        ``Indicadores`` (all incidents), ``Por grupo``, ``Por tipo`` (types
        with incidents in the period or a year before), ``Zonas críticas``
        (top ``top`` cells at ``resolution`` per district), when plans are
        given, ``Patrullaje`` and, with ``compliance``, ``Cumplimiento de
        patrullaje``.
    notes : list of str
        The periods compared, the baseline scaling, the population source and
        warnings (incomplete period).
    """
    opts: dict[str, Any] = {"target": target, "baseline": baseline, "goal_pct": goal_pct,
                            "population": population, "districts": districts,
                            "coverage": coverage}
    total = district_indicators(incidents, **opts)
    by_group = district_indicators(incidents, by="crime_group", **opts)
    by_type = district_indicators(incidents, by="crime_type", **opts)
    by_type = by_type.loc[(by_type["count"].fillna(0) > 0)
                          | (by_type["last_year_count"].fillna(0) > 0)]
    labels = district_labels(population)
    drop = ["period", "previous_period", "last_year_period", "baseline_period", "goal_pct"]
    compact = ["population", "previous_count", "last_year_count", "complete"]
    tables = {
        "Indicadores": _present(total, labels, drop=drop),
        "Por grupo": _present(by_group, labels, drop=drop + compact),
        "Por tipo": _present(by_type, labels, drop=drop + compact),
        "Zonas críticas": _present(
            district_hotspots(incidents, target=target, resolution=resolution, top=top,
                              districts=districts), labels),
    }
    if plans is not None and not plans.empty:
        tables["Patrullaje"] = _present(
            plan_coverage(incidents, plans, target=target, districts=districts), labels)
    patrol_notes: list[str] = []
    if compliance is not None:
        from analytics import compliance as comp

        tables[comp.REPORT_TABLE] = _present(compliance, labels).rename(
            columns=dict(comp.REPORT_LABELS))
        patrol_notes.append(comp.REPORT_NOTE)
    row = total.iloc[0] if len(total) else None
    notes = [f"Periodo del informe: {period_label(label_to_period(target))}."]
    if row is not None:
        notes.append(f"Comparaciones: periodo anterior {row['previous_period']}; mismo periodo "
                     f"del año anterior {row['last_year_period']}.")
        if baseline is not None:
            bp = label_to_period(baseline)
            tp = label_to_period(target)
            scaled = ("" if _months(bp) == _months(tp) else
                      f" (escalada a la duración del periodo: × {_months(tp)}/{_months(bp)})")
            notes.append(f"Línea base: {period_label(bp)}{scaled}.")
        if goal_pct is not None:
            notes.append(f"Meta: {goal_pct:+g} % respecto de la línea base; «cumple» si los "
                         "incidentes del periodo no superan la meta.")
        if not bool(row["complete"]):
            notes.append("Atención: los datos no cubren el periodo completo; las cifras son "
                         "parciales.")
    if population is not None:
        src = (sorted(population["source"].dropna().astype(str).unique())
               if "source" in population.columns else [])
        notes.append("Tasa por 10 000 habitantes del periodo (no anualizada). Población: "
                     + ("; ".join(src) if src else "tabla proporcionada por el usuario") + ".")
    notes.append(f"Zonas críticas: celdas H3 de resolución {resolution}, las {top} con más "
                 "incidentes por distrito.")
    notes.extend(patrol_notes)
    notes.append("Documento de uso interno: contiene ubicaciones de incidentes (Ley 29733).")
    return tables, notes


def public_report_tables(release: disclosure.PublicRelease, *, target: str,
                         districts: Sequence[str] | None = None,
                         population: pd.DataFrame | None = None
                         ) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Tables and notes of the public report, read from the public release only.

    Every figure is a sum of published rows of ``release`` over the base
    periods inside ``target`` (a quarter, or a year as the sum of its
    published quarters); the previous period is compared only when all its
    base periods are published. Rates use the published sums.

    Returns
    -------
    tables : dict of str to pandas.DataFrame
        ``Incidentes por grupo`` (district, period, group, count, rate per
        10,000, previous period, its count and the change) and ``Celdas``
        (published cells of the chosen districts, each at its own
        resolution: 8, or 6 for sensitive incidents).
    notes : list of str
    """
    problems: list[str] = []
    tp = _target_period(target, problems)
    pop = _population_by_key(population, problems)
    if problems:
        raise IncidentSchemaError(" ".join(problems))
    assert tp is not None
    label = period_label(tp)
    members = disclosure.label_members(release, label)
    prev = disclosure.label_previous(release, label)
    wanted = [k for k in map(district_key, districts or []) if k]
    cur = disclosure.district_counts(release, periods=members, districts=wanted)
    cur.insert(1, "period", label)
    cur["rate_10k"] = cur["count"] / cur["district"].map(pop).astype("float64") * 10_000.0
    prev_label = period_label(tp - 1)
    cur["previous_period"] = prev_label
    if prev is not None:
        old = disclosure.district_counts(release, periods=prev, districts=wanted)
        old_n = old.set_index(["district", "crime_group"])["count"]
        idx = pd.MultiIndex.from_frame(cur[["district", "crime_group"]])
        cur["previous_count"] = old_n.reindex(idx).to_numpy(dtype="float64")
    else:
        cur["previous_count"] = np.nan
    cur["previous_change_pct"] = _pct_change(cur["count"], cur["previous_count"])
    order = {g: i for i, g in enumerate(settings.CRIME_GROUPS)}
    cur = cur.sort_values(["district", "crime_group"],
                          key=lambda c: c.map(order) if c.name == "crime_group" else c)
    cells = disclosure.cell_rows(release, periods=members, districts=wanted)
    cells.insert(1, "period", label)
    cells = cells[["district", "period", "crime_group", "h3", "count"]]
    labels = district_labels(population)
    tables = {
        "Incidentes por grupo": _present(cur.reset_index(drop=True), labels),
        "Celdas": _present(cells.reset_index(drop=True), labels),
    }
    k, s_k = release.k, release.sensitive_k
    unit = "trimestres" if release.period == "Q" else "meses"
    notes = [f"Periodo: {label}. Solo agregados; sin coordenadas ni datos personales."]
    if not members:
        notes.append(f"No hay cifras publicadas para {label}: solo se publican {unit} "
                     "completos.")
    elif set(members) != set(disclosure.label_base(release, label)):
        notes.append(f"Suma de los {unit} publicados: {', '.join(members)}.")
    notes += [
        f"Cada cifra es una suma de cifras publicadas ({unit} completos, por distrito y grupo). "
        f"Se suprimen las cifras menores que {k} (menores que {s_k} para violencia familiar y "
        "violencia sexual) y, para impedir el cálculo por diferencia, otras cifras del mismo "
        "periodo, grupo o distrito; por eso las sumas pueden ser menores que el total real.",
        f"Periodo anterior ({prev_label}): " + (
            "suma de las cifras publicadas de los mismos distritos y grupos." if prev is not None
            else "no se compara porque no está publicado completo."),
        f"Celdas H3 de resolución {release.resolution} "
        f"(~{hexbin.cell_area_km2(release.resolution):.1f} km²), solo dentro de cifras de "
        f"distrito publicadas; violencia familiar, violencia sexual y feminicidio solo en "
        f"celdas de resolución {release.sensitive_resolution} "
        f"(~{hexbin.cell_area_km2(release.sensitive_resolution):.0f} km²).",
        "Tasa por 10 000 habitantes del periodo (no anualizada), con las cifras publicadas.",
    ]
    return tables, notes


def h3_resolution(cell: str) -> int:
    """Resolution of a hex cell id."""
    return int(hexbin.cells_resolution(np.array([int(cell, 16)], dtype=np.uint64))[0])


def check_public_tables(tables: dict[str, pd.DataFrame], *,
                        k: int = settings.PUBLIC_MIN_COUNT) -> None:
    """Refuse tables unfit for the public: a count below ``k`` or a coordinate column.

    Raises
    ------
    IncidentSchemaError
        Listing every problem found.
    """
    problems = []
    forbidden = re.compile(r"^(lat|lon|lng|latitud|longitud|latitude|longitude|x|y|"
                           r"coordenadas?|direcci[oó]n|address|incident_id|descripci[oó]n|"
                           r"notas?|indicador vinculado|intervenci[oó]n vinculada)$",
                           re.IGNORECASE)
    for name, t in tables.items():
        bad_cols = [c for c in t.columns if forbidden.match(str(c).strip())]
        if bad_cols:
            problems.append(f"La tabla «{name}» tiene columnas no publicables: "
                            f"{', '.join(map(str, bad_cols))}.")
        for col in (c for c in t.columns if str(c) in _PUBLIC_COUNT_HEADERS):
            v = pd.to_numeric(t[col], errors="coerce")
            if (v < k).any():
                problems.append(f"La tabla «{name}» tiene cifras menores que {k}.")
    if problems:
        raise IncidentSchemaError(" ".join(problems))
