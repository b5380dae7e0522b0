"""The interventions register: validate, flag overlaps, audit, and evaluate from the store.

Policy on top of :mod:`analytics.store.interventions` (the SQL). Every entry is checked
with :func:`analytics.intervention_areas.intervention_from_record` before it is written;
an entry meeting another one in space and time is registered with a Spanish warning
(the evaluation of either will say the effect may be of both), and refused only when it
is identical (same kind, same dates, the same area within :data:`IDENTICAL_AREA_SHARE`).
Every addition, change and removal is written to the audit log in the same transaction.

:func:`evaluate_in_store` and :func:`evaluate_registered` read the incidents of the
evaluation windows from the store and call :func:`analytics.interventions.evaluate_intervention`
(the ``evaluate`` command and the Evaluación page share them).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from analytics import access, intervention_areas as ia, settings, store
from analytics._errors import InterventionError, StoreError
from analytics._personal import personal_data_problems
from analytics._text import clip_text
from analytics.area_sources import area_to_geojson
from analytics.store import interventions as sql

if TYPE_CHECKING:
    from analytics.interventions import InterventionEvaluation

#: Kinds of intervention (key -> Spanish label).
INTERVENTION_KINDS: Final = MappingProxyType({
    "patrullaje_focalizado": "Patrullaje focalizado",
    "barrio_seguro": "Barrio Seguro",
    "camaras": "Cámaras de videovigilancia",
    "iluminacion": "Iluminación",
    "recuperacion_espacios": "Recuperación de espacios públicos",
    "otro": "Otro",
})
#: Longest name and responsible body stored, in characters.
MAX_NAME_CHARS: Final = 120
MAX_BODY_CHARS: Final = 120
#: Two areas are "the same" when they differ by at most this share of their union.
IDENTICAL_AREA_SHARE: Final = 0.01
#: Incident columns the evaluation reads from the store.
EVALUATION_COLUMNS: Final = ("occurred_at", "lat", "lon", "crime_type", "crime_group",
                             "district")
#: A valid small square: stands in for an invalid area while the dates are checked.
_STAND_IN_AREA: Final = ('{"type":"Polygon","coordinates":[[[0,0],[0.001,0],[0.001,0.001],'
                         '[0,0.001],[0,0]]]}')
#: Columns of :func:`list_interventions`.
LIST_COLUMNS: Final = ("id", "name", "kind", "kind_label", "start", "end", "body",
                       "area_km2", "created_at", "created_by", "updated_at", "updated_by")


class _Keep:
    """Marks an argument of :func:`update_intervention` left unchanged."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = _Keep()


@dataclass(frozen=True)
class RegisterChange:
    """The id written and the Spanish warnings to show (overlaps, linked commitments)."""

    id: str
    warnings: tuple[str, ...] = ()


def _now() -> datetime:
    return datetime.now(ZoneInfo(settings.TIMEZONE)).replace(tzinfo=None, microsecond=0)


def _fold(text: str) -> str:
    s = unicodedata.normalize("NFKD", str(text).strip().lower())
    return "".join(c for c in s if not unicodedata.combining(c)).replace(" ", "_")


def kind_key(value: str) -> str:
    """Key of :data:`INTERVENTION_KINDS` from a key or a label (case and accents ignored).

    Raises
    ------
    InterventionError
        Unknown kind (the message lists the options).
    """
    folded = _fold(value)
    for key, label in INTERVENTION_KINDS.items():
        if folded in (key, _fold(label)):
            return key
    options = ", ".join(f"{k} ({v})" for k, v in INTERVENTION_KINDS.items())
    msg = f"Tipo de intervención desconocido: {value!r}. Opciones: {options}."
    raise InterventionError(msg)


def _text(value: object, what: str, limit: int, problems: list[str], *,
          required: bool) -> str:
    text = clip_text(value, limit).strip()
    if required and not text:
        problems.append(f"Falta {what.lower()}.")
    problems.extend(personal_data_problems(text, what))
    return text


def _as_date(ts: pd.Timestamp | None) -> date | None:
    return None if ts is None else ts.date()


def _validated(ident: str, *, name: object, kind: str, area: Any, start: Any, end: Any,
               body: object) -> tuple[ia.Intervention, dict[str, Any]]:
    """The :class:`Intervention` and its table row; every problem raised at once."""
    problems: list[str] = []
    clean_name = _text(name, "El nombre", MAX_NAME_CHARS, problems, required=True)
    clean_body = _text(body, "El responsable", MAX_BODY_CHARS, problems, required=False)
    try:
        key = kind_key(kind)
    except InterventionError as exc:
        problems.append(str(exc))
        key = "otro"
    geom = ia.check_area(area, what="El área de la intervención", problems=problems)
    geojson = None if geom is None else area_to_geojson(geom)
    record = {"id": ident, "name": clean_name, "kind": key, "area_geojson": geojson,
              "start": start, "end": end, "body": clean_body}
    inter = None
    if geom is not None:
        try:
            inter = ia.intervention_from_record(record)
        except InterventionError as exc:
            problems.append(str(exc))
    else:  # report the dates' problems too
        try:
            ia.intervention_from_record({**record, "area_geojson": _STAND_IN_AREA})
        except InterventionError as exc:
            problems.append(str(exc))
    if problems or inter is None:
        raise InterventionError(" ".join(dict.fromkeys(problems)))
    row = {**record, "start": _as_date(inter.start), "end": _as_date(inter.end)}
    return inter, row


# --------------------------------------------------------------------------- reading
def registered_interventions(con: duckdb.DuckDBPyConnection) -> list[ia.Intervention]:
    """Every valid entry of the register (an unreadable row is skipped)."""
    out = []
    for rec in sql.intervention_rows(con).to_dict(orient="records"):
        try:
            out.append(ia.intervention_from_record(rec))
        except InterventionError:
            continue
    return out


def get_intervention(con: duckdb.DuckDBPyConnection, ident: str) -> ia.Intervention:
    """One entry of the register.

    Raises
    ------
    InterventionError
        No entry with that id (or it cannot be read).
    """
    rec = sql.intervention_row(con, str(ident).strip())
    if rec is None:
        msg = (f"No existe la intervención {str(ident)!r} en el registro (vea python -m "
               "analytics interventions list).")
        raise InterventionError(msg)
    return ia.intervention_from_record(rec)


def list_interventions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The register as a table (:data:`LIST_COLUMNS`; ``end`` exclusive, ``area_km2``)."""
    rows = sql.intervention_rows(con)
    out = rows.drop(columns=["area_geojson"]).copy()
    out["kind_label"] = [INTERVENTION_KINDS.get(str(k), str(k)) for k in rows["kind"]]
    out["area_km2"] = [_area_km2(g) for g in rows["area_geojson"]]
    return out.reindex(columns=list(LIST_COLUMNS))


def _area_km2(geojson: object) -> float | None:
    """Area of a stored GeoJSON polygon in km² (UTM zone of its centroid)."""
    import numpy as np
    import shapely

    try:
        geom = ia.check_area(str(geojson))
    except InterventionError:
        return None
    tr = ia.utm_transformer(ia.utm_epsg(geom.centroid.x, geom.centroid.y))

    def to_metres(xy: Any) -> Any:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return round(float(shapely.transform(geom, to_metres).area) / 1e6, 4)


# --------------------------------------------------------------------------- overlaps
def _same_area(a: Any, b: Any) -> bool:
    union = a.union(b).area
    return bool(union > 0 and a.symmetric_difference(b).area <= IDENTICAL_AREA_SHARE * union)


def _until(end: pd.Timestamp | None) -> str:
    return "en curso" if end is None else f"hasta el {end:%d/%m/%Y}"


def clash_warnings(new: ia.Intervention, others: Iterable[ia.Intervention]) -> list[str]:
    """Spanish warnings on entries meeting ``new`` in space and time.

    Raises
    ------
    InterventionError
        An entry is identical to ``new`` (same kind and dates, the same area).
    """
    others = list(others)
    for o in others:
        if (o.id != new.id and o.kind == new.kind and o.start == new.start and o.end == new.end
                and _same_area(o.area, new.area)):
            msg = (f"Ya existe una intervención idéntica: {o.id} «{o.name}» (mismo tipo, misma "
                   "zona y mismas fechas). Edítela en lugar de registrarla otra vez.")
            raise InterventionError(msg)
    names = {o.id: o.name for o in others}
    out = []
    for c in ia.overlapping_interventions(new, others):
        km2 = f"{c.shared_km2:.2f}".replace(".", ",")
        out.append(f"Se superpone con {c.id} «{names.get(c.id) or c.id}» ({km2} km² en común, "
                   f"desde el {c.start:%d/%m/%Y}, {_until(c.end)}): al evaluar cualquiera de "
                   "las dos, el efecto medido puede ser de ambas.")
    return out


def clash_notes(con: duckdb.DuckDBPyConnection, new: ia.Intervention, *,
                buffer_m: float) -> list[str]:
    """Notes for an evaluation: other entries meeting ``new``'s area or ring in its period."""
    others = registered_interventions(con)
    notes = []
    for c in ia.overlapping_interventions(new, others, buffer_m=buffer_m):
        notes.append(f"Otra intervención se superpone con el área o su anillo en el mismo "
                     f"periodo: {c.name or c.id} (desde el {c.start:%d/%m/%Y}, {_until(c.end)}); "
                     "el efecto medido puede ser de ambas.")
    return notes


# --------------------------------------------------------------------------- writing
def _describe(inter: ia.Intervention) -> str:
    label = INTERVENTION_KINDS.get(inter.kind, inter.kind)
    return (f"{inter.id} «{inter.name}» ({label}, desde {inter.start:%Y-%m-%d}"
            + ("" if inter.end is None else f" hasta {inter.end:%Y-%m-%d}") + ")")


def add_intervention(con: duckdb.DuckDBPyConnection, *, name: str, kind: str, area: Any,
                     start: Any, end: Any = None, body: str = "", user: str | None
                     ) -> RegisterChange:
    """Validate and register an intervention; audited (``intervention_add``).

    Parameters
    ----------
    con
        Writable store connection.
    name, kind, body
        Name, kind (key or label of :data:`INTERVENTION_KINDS`) and responsible body (an
        institution, never a person).
    area
        The area: anything :func:`analytics.intervention_areas.check_area` accepts.
    start, end
        First day and end (exclusive; ``None`` while ongoing).
    user
        Who registers it (``None``: demo mode or the CLI without a user).

    Returns
    -------
    RegisterChange
        The new id and the overlap warnings.

    Raises
    ------
    InterventionError
        Every problem at once; an identical entry already registered.
    """
    store.migrate(con)
    others = registered_interventions(con)
    inter, row = _validated("I0", name=name, kind=kind, area=area, start=start, end=end,
                            body=body)
    warnings = clash_warnings(inter, others)
    ident = sql.next_intervention_id(con)
    inter = replace(inter, id=ident)
    row.update(id=ident, created_at=_now(), created_by=user or "(sin usuario)")

    def work() -> None:
        sql.insert_intervention(con, row)
        access.record_audit(con, user=user, action="intervention_add",
                            detail=f"{_describe(inter)}"
                                   + (f"; {len(warnings)} superposición(es)" if warnings
                                      else ""))

    store.in_transaction(con, work, migrate_first=True)
    return RegisterChange(ident, tuple(warnings))


def update_intervention(con: duckdb.DuckDBPyConnection, ident: str, *, user: str | None,
                        name: Any = KEEP, kind: Any = KEEP, area: Any = KEEP,
                        start: Any = KEEP, end: Any = KEEP, body: Any = KEEP
                        ) -> RegisterChange:
    """Change fields of an entry (those not :data:`KEEP`); audited (``intervention_edit``).

    ``end=None`` marks the intervention as ongoing. Raises :class:`InterventionError`
    like :func:`add_intervention`, or when the id does not exist.
    """
    rec = sql.intervention_row(con, str(ident).strip())
    if rec is None:
        get_intervention(con, ident)  # raises the Spanish "no existe"
        raise AssertionError("unreachable")
    ident = str(rec["id"])
    given = {"name": name, "kind": kind, "area": area, "start": start, "end": end,
             "body": body}
    current = {"name": rec["name"], "kind": rec["kind"], "area": rec["area_geojson"],
               "start": rec["start"], "end": None if pd.isna(rec["end"]) else rec["end"],
               "body": rec["body"] or ""}
    merged = {k: current[k] if isinstance(v, _Keep) else v for k, v in given.items()}
    inter, row = _validated(ident, **merged)
    others = [o for o in registered_interventions(con) if o.id != ident]
    warnings = clash_warnings(inter, others)
    changed = {c: row[c] for c in sql.EDITABLE if not isinstance(
        given["area" if c == "area_geojson" else c], _Keep)}

    def work() -> None:
        if changed:
            sql.update_intervention(con, ident, changed, updated_at=_now(),
                                    updated_by=user or "(sin usuario)")
        fields = ", ".join(sorted("area" if c == "area_geojson" else c for c in changed))
        access.record_audit(con, user=user, action="intervention_edit",
                            detail=f"{_describe(inter)}; campos: {fields or 'ninguno'}")

    store.in_transaction(con, work, migrate_first=True)
    return RegisterChange(ident, tuple(warnings))


def remove_intervention(con: duckdb.DuckDBPyConnection, ident: str, *, user: str | None
                        ) -> RegisterChange:
    """Delete an entry; audited (``intervention_remove``).

    Commitments linked to it keep the id (the warning lists them): their reports then say
    the intervention was removed from the register.
    """
    from analytics.store import commitments as csql

    inter = get_intervention(con, ident)
    linked = csql.commitments_of_intervention(con, inter.id)

    def work() -> None:
        sql.delete_intervention(con, inter.id)
        access.record_audit(con, user=user, action="intervention_remove",
                            detail=_describe(inter)
                            + (f"; compromisos vinculados: {', '.join(linked)}" if linked
                               else ""))

    store.in_transaction(con, work, migrate_first=True)
    warn = (f"Los compromisos {', '.join(linked)} seguían vinculados a {inter.id}: conservan "
            "el vínculo, marcado como intervención eliminada.",) if linked else ()
    return RegisterChange(inter.id, warn)


def intervention_json(inter: ia.Intervention) -> dict[str, Any]:
    """An entry as a JSON-ready dict (area as GeoJSON, dates ``AAAA-MM-DD``)."""
    return {"id": inter.id, "name": inter.name, "kind": inter.kind,
            "kind_label": INTERVENTION_KINDS.get(inter.kind, inter.kind), "body": inter.body,
            "start": f"{inter.start:%Y-%m-%d}",
            "end": None if inter.end is None else f"{inter.end:%Y-%m-%d}",
            "area": json.loads(area_to_geojson(inter.area))}


# --------------------------------------------------------------------------- evaluation
def study_geometries(result: InterventionEvaluation, area: Any, *, control: Any = None,
                     boundaries: Any = None) -> dict[str, Any]:
    """The area, ring and control of an evaluation in EPSG:4326, for maps.

    Parameters
    ----------
    result
        The evaluation (its ring width and automatic control districts are used).
    area, control
        The area and the user control polygon given to the evaluation (``None``: auto).
    boundaries
        District polygons (``analytics.geo.read_boundaries()``): the automatic control is
        drawn as the rest of ``result.control_districts``.

    Returns
    -------
    dict
        ``{"area", "buffer", "control"}`` shapely geometries; ``control`` is ``None``
        when it is the whole extent of the data (nothing useful to draw).
    """
    import shapely

    from analytics._labels import district_key

    out = ia.study_areas(area, buffer_m=result.buffer_m, control=control).to_wgs84()
    if out["control"] is None and result.control_districts and boundaries is not None:
        keys = {district_key(d) for d in result.control_districts}
        rows = boundaries[boundaries["district"].map(district_key).isin(keys)]
        if len(rows):
            full = shapely.union_all([out["area"], out["buffer"]])
            out["control"] = shapely.union_all(list(rows.geometry.values)).difference(full)
    return out


def store_coverage(con: duckdb.DuckDBPyConnection) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(first day, day after the last)`` of the store's incidents.

    Raises
    ------
    StoreError
        The store has no incidents.
    """
    from analytics import explore

    fr = explore.data_freshness(con)
    if fr.first is None or fr.last is None:
        msg = "El almacén no tiene incidentes."
        raise StoreError(msg)
    return (pd.Timestamp(fr.first).normalize(),
            pd.Timestamp(fr.last).normalize() + pd.Timedelta(days=1))


@dataclass(frozen=True)
class PreparedEvaluation:
    """What to evaluate and the store's incidents of its windows (read under the lock).

    :meth:`run` computes outside the store connection, so readers hold the store's lock
    only while reading.
    """

    area: Any
    start: Any
    end: Any
    months_before: int | None
    months_after: int | None
    crime_group: str | None
    incidents: pd.DataFrame
    coverage: tuple[pd.Timestamp, pd.Timestamp]
    name: str = ""
    notes: tuple[str, ...] = ()

    def run(self, *, buffer_m: float = ia.BUFFER_M, control: Any = None,
            seed: int | None = 0, placebos: int | None = None) -> InterventionEvaluation:
        """:func:`analytics.interventions.evaluate_intervention` on the prepared data.

        ``placebos=None``: its default; the prepared notes are appended to the result's.
        """
        from analytics import interventions as iv

        extra: dict[str, Any] = {} if placebos is None else {"placebos": int(placebos)}
        res = iv.evaluate_intervention(
            self.incidents, self.area, start=self.start, end=self.end,
            months_before=self.months_before, months_after=self.months_after,
            buffer_m=buffer_m, control=control, crime_group=self.crime_group,
            coverage=self.coverage, seed=seed, name=self.name, **extra)
        return replace(res, notes=(*res.notes, *self.notes)) if self.notes else res


def load_evaluation(con: duckdb.DuckDBPyConnection, area: Any, *, start: Any, end: Any = None,
                    months_before: int | None = None, months_after: int | None = None,
                    crime_group: str | None = None, name: str = "",
                    notes: Sequence[str] = ()) -> PreparedEvaluation:
    """Read the incidents of the evaluation windows of ``area`` from the store.

    Raises
    ------
    InterventionError
        Windows outside the data (every problem at once).
    StoreError
        No incidents in the store.
    """
    coverage = store_coverage(con)
    windows = ia.evaluation_windows(start, coverage=coverage, end=end,
                                    months_before=months_before, months_after=months_after)
    df = store.load_incidents(con, start=windows.before_start, end=windows.after_end,
                              crime_groups=None if crime_group is None else [crime_group],
                              columns=list(EVALUATION_COLUMNS))
    return PreparedEvaluation(area=area, start=start, end=end, months_before=months_before,
                              months_after=months_after, crime_group=crime_group,
                              incidents=df, coverage=coverage, name=name, notes=tuple(notes))


def load_registered(con: duckdb.DuckDBPyConnection, ident: str, *, start: Any = None,
                    end: Any = None, months_before: int | None = None,
                    months_after: int | None = None, crime_group: str | None = None,
                    buffer_m: float = ia.BUFFER_M) -> PreparedEvaluation:
    """:func:`load_evaluation` for a register entry: its area and start (unless ``start``).

    The entry's end closes the after window unless ``end`` or ``months_after`` is given
    or it lies beyond the data (then the default window, shortened to the data, with a
    note). Other entries meeting its area or ring (``buffer_m``) in its period become
    notes.
    """
    inter = get_intervention(con, ident)
    if end is None and months_after is None and inter.end is not None:
        if inter.end <= store_coverage(con)[1]:
            end = inter.end
    return load_evaluation(con, inter.area, start=inter.start if start is None else start,
                           end=end, months_before=months_before, months_after=months_after,
                           crime_group=crime_group, name=inter.name or inter.id,
                           notes=clash_notes(con, inter, buffer_m=buffer_m))
