"""Areas, windows and the register model of an intervention evaluation.

The geometry half of :mod:`analytics.interventions`: validate an area (polygon,
multipolygon, GeoJSON, H3 cells), build the ring and control in the UTM zone of the area's
centroid (32718 for Lima, 32717 for Trujillo, 32618 for Philadelphia), the before/after
monthly windows checked against the data's span, and the :class:`Intervention` record of the
register with :func:`overlapping_interventions`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from analytics._errors import InsufficientHistoryError, InterventionError

#: Default ring width beyond the area's edge, metres.
BUFFER_M: Final = 400.0
#: Largest ring width accepted, metres.
MAX_BUFFER_M: Final = 5000.0
#: Default months before and after the start.
MONTHS_BEFORE: Final = 12
MONTHS_AFTER: Final = 12
#: The monthly model needs at least this many months before / after (else RES on totals).
MIN_MONTHS_BEFORE: Final = 6
MIN_MONTHS_AFTER: Final = 3
#: Windows may start or end this many days beyond the data's first/last day.
EDGE_TOLERANCE_DAYS: Final = 7
#: Fewest days after the start.
MIN_DAYS_AFTER: Final = 7


# --------------------------------------------------------------------------- areas
def _as_geometry(area: Any, what: str, problems: list[str]) -> Any:
    """Shapely geometry from a geometry, a GeoJSON mapping/string or a GeoSeries/GeoDataFrame."""
    import shapely
    from shapely.geometry import shape

    obj = area
    try:
        if hasattr(obj, "geometry") and hasattr(obj, "crs"):  # GeoDataFrame / GeoSeries
            gs = obj.geometry
            if gs.crs is not None and gs.crs.to_epsg() != 4326:
                gs = gs.to_crs(4326)
            return shapely.union_all(np.asarray(gs.values, dtype=object))
        if isinstance(obj, (str, bytes)):
            obj = json.loads(obj)
        if isinstance(obj, Mapping):
            kind = obj.get("type")
            if kind == "FeatureCollection":
                geoms = [shape(f["geometry"]) for f in obj.get("features", []) if f.get("geometry")]
                return shapely.union_all(geoms) if geoms else shapely.Polygon()
            if kind == "Feature":
                return shape(obj["geometry"])
            return shape(obj)
        if isinstance(obj, shapely.Geometry):
            return obj
    except (ValueError, TypeError, KeyError, AttributeError, json.JSONDecodeError) as exc:
        problems.append(f"{what}: no se pudo leer la geometría ({type(exc).__name__}).")
        return None
    problems.append(f"{what}: se esperaba un polígono (GeoJSON o geometría), no "
                    f"{type(area).__name__}.")
    return None


def check_area(area: Any, *, what: str = "El área", problems: list[str] | None = None) -> Any:
    """Validate an area and return it as one (multi)polygon in EPSG:4326.

    Parameters
    ----------
    area
        Shapely geometry, GeoJSON (geometry, Feature or FeatureCollection; dict or text)
        or a GeoDataFrame/GeoSeries (reprojected to EPSG:4326). Polygons are united.
    what
        Name used in messages.
    problems
        Collect messages here instead of raising.

    Raises
    ------
    InterventionError
        Not polygonal, empty, invalid (self-intersection…) or not in degrees.
    """
    import shapely
    from shapely.validation import explain_validity

    own = problems is None
    probs: list[str] = [] if problems is None else problems
    geom = _as_geometry(area, what, probs)
    if geom is not None:
        if geom.geom_type == "GeometryCollection":
            parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon",
                                                                          "MultiPolygon")]
            geom = shapely.union_all(parts) if parts else shapely.Polygon()
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            probs.append(f"{what} debe ser un polígono, no {geom.geom_type}.")
            geom = None
        elif geom.is_empty:
            probs.append(f"{what} está vacía (sin superficie).")
            geom = None
        else:
            minx, miny, maxx, maxy = geom.bounds
            if min(minx, maxx) < -180 or max(minx, maxx) > 180 or min(miny, maxy) < -90 \
                    or max(miny, maxy) > 90:
                probs.append(f"{what} no está en grados (EPSG:4326): límites {geom.bounds}.")
                geom = None
            elif not geom.is_valid:
                probs.append(f"{what} no es un polígono válido: {explain_validity(geom)}.")
                geom = None
            elif geom.area <= 0:
                probs.append(f"{what} está vacía (sin superficie).")
                geom = None
    if own and probs:
        raise InterventionError(" ".join(probs))
    return geom


def area_from_cells(cells: Iterable[int | str]) -> Any:
    """Union of H3 cells (integer or hexadecimal ids) as one (multi)polygon in EPSG:4326."""
    import h3
    import shapely

    polys = []
    for cell in cells:
        s = cell if isinstance(cell, str) else h3.int_to_str(int(cell))
        if not h3.is_valid_cell(s):
            msg = f"Celda H3 no válida: {cell!r}."
            raise InterventionError(msg)
        polys.append(shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(s)]))
    if not polys:
        msg = "No se indicó ninguna celda H3."
        raise InterventionError(msg)
    return shapely.union_all(polys)


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS 84 UTM zone holding ``(lon, lat)`` (32718 for Lima)."""
    zone = min(60, max(1, int((lon + 180.0) // 6.0) + 1))
    return (32600 if lat >= 0 else 32700) + zone


def utm_transformer(epsg: int, *, inverse: bool = False) -> Any:
    """Return the pyproj transformer EPSG:4326 → ``epsg`` (``inverse``: back), lon/lat order."""
    from pyproj import Transformer

    a, b = ("EPSG:4326", f"EPSG:{epsg}") if not inverse else (f"EPSG:{epsg}", "EPSG:4326")
    return Transformer.from_crs(a, b, always_xy=True)


def _project(geom: Any, tr: Any) -> Any:
    import shapely

    def fn(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


@dataclass(frozen=True)
class StudyAreas:
    """The target, ring and (optional) control polygon in a local metric projection.

    Attributes
    ----------
    target, ring, full
        ``R``, ``D`` (``R`` buffered by ``buffer_m`` minus ``R``) and ``R ∪ D``, in metres.
    control
        User control polygon minus ``R ∪ D`` in metres, or ``None`` (automatic control).
    epsg
        UTM zone used (e.g. 32718).
    buffer_m
        Ring width.
    """

    target: Any
    ring: Any
    full: Any
    control: Any
    epsg: int
    buffer_m: float

    def to_wgs84(self) -> dict[str, Any]:
        """``{"area", "buffer", "control"}`` as shapely geometries in EPSG:4326 (for maps)."""
        inv = utm_transformer(self.epsg, inverse=True)
        out = {"area": _project(self.target, inv), "buffer": _project(self.ring, inv)}
        out["control"] = None if self.control is None else _project(self.control, inv)
        return out


def study_areas(area: Any, *, buffer_m: float = BUFFER_M, control: Any = None) -> StudyAreas:
    """Build ``R``, its ring and the control polygon in the UTM zone of ``R``'s centroid.

    Parameters
    ----------
    area
        The intervention area (anything :func:`check_area` accepts).
    buffer_m
        Ring width beyond ``R``'s edge, metres (0 < ``buffer_m`` ≤ :data:`MAX_BUFFER_M`).
    control
        ``None`` or ``"auto"`` (decided from the incidents), or a control polygon; ``R``
        and the ring are removed from it.

    Raises
    ------
    InterventionError
        Every problem found (invalid polygons, bad buffer, empty control).
    """
    import shapely

    problems: list[str] = []
    geom = check_area(area, problems=problems)
    ctrl = None
    if control is not None and not (isinstance(control, str) and control == "auto"):
        ctrl = check_area(control, what="La zona de control", problems=problems)
    try:
        b = float(buffer_m)
    except (TypeError, ValueError):
        b = math.nan
    if not (0 < b <= MAX_BUFFER_M):
        problems.append(f"El ancho del anillo debe estar entre 0 y {MAX_BUFFER_M:g} m "
                        f"(se pidió {buffer_m}).")
    if problems or geom is None:
        raise InterventionError(" ".join(problems))
    c = geom.centroid
    epsg = utm_epsg(c.x, c.y)
    tr = utm_transformer(epsg)
    target = _project(geom, tr)
    full = target.buffer(b)
    ring = full.difference(target)
    control_m = None
    if ctrl is not None:
        control_m = _project(ctrl, tr).difference(full)
        if control_m.is_empty or control_m.area <= 0:
            msg = "La zona de control queda vacía al quitarle el área y su anillo."
            raise InterventionError(msg)
    for g in (target, ring, full) + (() if control_m is None else (control_m,)):
        shapely.prepare(g)
    return StudyAreas(target=target, ring=ring, full=full, control=control_m, epsg=epsg,
                      buffer_m=b)


# --------------------------------------------------------------------------- register model
@dataclass(frozen=True)
class Intervention:
    """One entry of the interventions register (table ``interventions``).

    Attributes
    ----------
    id, name, kind, body
        Identifier, name, kind (e.g. ``patrullaje``, ``alumbrado``) and responsible body.
    area
        (Multi)polygon in EPSG:4326.
    start, end
        First day and (exclusive) end; ``end=None`` for an ongoing intervention.
    """

    id: str
    name: str
    area: Any
    start: pd.Timestamp
    end: pd.Timestamp | None = None
    kind: str = ""
    body: str = ""


def _timestamp(value: Any, what: str, problems: list[str]) -> pd.Timestamp | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        ts = None
    if ts is None or pd.isna(ts):
        problems.append(f"{what} no es una fecha válida: {value!r} (formato AAAA-MM-DD).")
        return None
    return ts.tz_localize(None) if ts.tzinfo is not None else ts


def intervention_from_record(record: Mapping[str, Any]) -> Intervention:
    """Build an :class:`Intervention` from a register row.

    The row has ``id, name, kind, area_geojson, start, end, body``; every problem is
    reported at once (:class:`InterventionError`).
    """
    problems: list[str] = []
    ident = record.get("id")
    if ident is None or str(ident).strip() == "":
        problems.append("La intervención no tiene id.")
    area = check_area(record.get("area_geojson"), what="El área de la intervención",
                      problems=problems)
    start = _timestamp(record.get("start"), "El inicio", problems)
    if start is None and not any("inicio" in p for p in problems):
        problems.append("La intervención no tiene fecha de inicio.")
    end = _timestamp(record.get("end"), "El fin", problems)
    if start is not None and end is not None and end <= start:
        problems.append(f"El fin ({end:%Y-%m-%d}) debe ser posterior al inicio "
                        f"({start:%Y-%m-%d}).")
    if problems or start is None:
        raise InterventionError(" ".join(problems))

    def text(key: str) -> str:
        v = record.get(key)
        return "" if v is None else str(v)

    return Intervention(id=str(ident), name=text("name"), area=area, start=start, end=end,
                        kind=text("kind"), body=text("body"))


@dataclass(frozen=True)
class InterventionClash:
    """An existing intervention that overlaps a new one in space and time."""

    id: str
    name: str
    shared_km2: float
    start: pd.Timestamp
    end: pd.Timestamp | None


def overlapping_interventions(new: Intervention, existing: Iterable[Intervention], *,
                              buffer_m: float = 0.0) -> list[InterventionClash]:
    """List the existing interventions that clash with ``new`` in space and time.

    A clash is an area meeting ``new``'s (grown by ``buffer_m``, e.g. its ring) while the
    periods overlap (an open end runs forever). The same id is skipped.
    """
    epsg = utm_epsg(new.area.centroid.x, new.area.centroid.y)
    tr = utm_transformer(epsg)
    mine = _project(new.area, tr)
    if buffer_m > 0:
        mine = mine.buffer(float(buffer_m))
    far = pd.Timestamp.max
    out: list[InterventionClash] = []
    for other in existing:
        if other.id == new.id:
            continue
        if not (new.start < (other.end or far) and other.start < (new.end or far)):
            continue
        theirs = _project(other.area, tr)
        shared = mine.intersection(theirs).area
        if shared > 0 or (buffer_m > 0 and mine.intersects(theirs)):
            out.append(InterventionClash(id=other.id, name=other.name, shared_km2=shared / 1e6,
                                         start=other.start, end=other.end))
    return out


# --------------------------------------------------------------------------- windows
@dataclass(frozen=True)
class EvaluationWindows:
    """Monthly bins before and after the start.

    Attributes
    ----------
    before_start, start, after_end
        ``[before_start, start)`` is before, ``[start, after_end)`` after.
    edges
        Bin edges (months anchored on ``start``; the last bin may be partial).
    months_before, months_after
        Months in each window (``months_after`` may be fractional).
    notes
        Spanish notes on windows shortened to the data.
    """

    before_start: pd.Timestamp
    start: pd.Timestamp
    after_end: pd.Timestamp
    edges: tuple[pd.Timestamp, ...]
    months_before: int
    months_after: float
    notes: tuple[str, ...] = ()

    @property
    def post(self) -> NDArray[np.bool_]:
        """One boolean per bin: after the start."""
        return np.array([e >= self.start for e in self.edges[:-1]], dtype=bool)

    @property
    def monthly(self) -> bool:
        """Whether the monthly model applies (enough months on both sides)."""
        return (self.months_before >= MIN_MONTHS_BEFORE
                and self.months_after >= MIN_MONTHS_AFTER - 1e-9)


def data_coverage(incidents: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(first day, day after the last)`` of ``occurred_at``."""
    t = pd.to_datetime(incidents["occurred_at"])
    if t.notna().sum() == 0:
        msg = "No hay incidentes con fecha para evaluar."
        raise InsufficientHistoryError(msg)
    return (pd.Timestamp(t.min()).normalize(),
            pd.Timestamp(t.max()).normalize() + pd.Timedelta(days=1))


def evaluation_windows(start: Any, *, coverage: tuple[Any, Any], end: Any = None,
                       months_before: int | None = None, months_after: int | None = None
                       ) -> EvaluationWindows:
    """Before/after windows, checked against the data's time span.

    Parameters
    ----------
    start
        Start of the intervention (date).
    coverage
        ``(first day, day after the last)`` of the data (:func:`data_coverage`).
    end
        End of the after window (exclusive); excludes ``months_after``.
    months_before, months_after
        Window lengths in months. When not given: :data:`MONTHS_BEFORE` /
        :data:`MONTHS_AFTER`, shortened to the data (with a note). When given, a window
        that runs outside the data (beyond :data:`EDGE_TOLERANCE_DAYS`) is an error.

    Raises
    ------
    InterventionError
        Every problem: start outside the data, windows outside it, both ``end`` and
        ``months_after``, non-positive lengths.
    """
    s, cov0, cov1, e = _window_dates(start, coverage=coverage, end=end,
                                     months_before=months_before, months_after=months_after)
    problems: list[str] = []
    notes: list[str] = []
    tol = pd.Timedelta(days=EDGE_TOLERANCE_DAYS)
    span = f"{cov0:%Y-%m-%d} a {cov1 - pd.Timedelta(days=1):%Y-%m-%d}"
    if not (cov0 < s < cov1):
        msg = f"La fecha de inicio {s:%Y-%m-%d} está fuera de los datos ({span})."
        raise InterventionError(msg)
    mb = _months_before(s, cov0 - tol, months_before, span=span, problems=problems, notes=notes)
    we = _after_end(s, cov1, tol, end=e, months_after=months_after, span=span,
                    problems=problems, notes=notes)
    if not problems and we - s < pd.Timedelta(days=MIN_DAYS_AFTER):
        problems.append(f"Hay menos de {MIN_DAYS_AFTER} días de datos después del inicio "
                        f"({s:%Y-%m-%d}; datos {span}).")
    if problems:
        raise InterventionError(" ".join(problems))
    edges = [s - pd.DateOffset(months=k) for k in range(mb, 0, -1)] + [s]
    k = 1
    while s + pd.DateOffset(months=k) < we:
        edges.append(s + pd.DateOffset(months=k))
        k += 1
    edges.append(we)
    last = edges[-2]
    full_len = (last + pd.DateOffset(months=1)) - last
    months_after_f = (k - 1) + (we - last) / full_len
    return EvaluationWindows(before_start=edges[0], start=s, after_end=we,
                             edges=tuple(pd.Timestamp(x) for x in edges), months_before=mb,
                             months_after=float(months_after_f), notes=tuple(notes))


def _window_dates(start: Any, *, coverage: tuple[Any, Any], end: Any,
                  months_before: int | None, months_after: int | None
                  ) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp, pd.Timestamp | None]:
    """Start, data coverage and end as timestamps; one ``InterventionError`` for every problem."""
    problems: list[str] = []
    s = _timestamp(start, "La fecha de inicio", problems)
    if s is None and not problems:
        problems.append("Falta la fecha de inicio.")
    cov0 = _timestamp(coverage[0], "El inicio de los datos", problems)
    cov1 = _timestamp(coverage[1], "El fin de los datos", problems)
    e = _timestamp(end, "La fecha de fin", problems)
    for n, what in ((months_before, "Los meses antes"), (months_after, "Los meses después")):
        if n is not None and (not isinstance(n, (int, np.integer)) or n < 1):
            problems.append(f"{what} deben ser un entero ≥ 1 (se pidió {n}).")
    if end is not None and months_after is not None:
        problems.append("Indique la fecha de fin o los meses después, no ambos.")
    if problems or s is None or cov0 is None or cov1 is None:
        raise InterventionError(" ".join(problems))
    return s, cov0, cov1, e


def _months_before(s: pd.Timestamp, earliest: pd.Timestamp, months_before: int | None, *,
                   span: str, problems: list[str], notes: list[str]) -> int:
    """Months of the before window: as asked, or the default shortened to the data.

    ``earliest`` is the first day of data less the edge tolerance.
    """
    if months_before is not None:
        mb = int(months_before)
        ws = s - pd.DateOffset(months=mb)
        if ws < earliest:
            problems.append(f"La ventana anterior ({mb} meses, desde {ws:%Y-%m-%d}) empieza "
                            f"antes de los datos ({span}).")
        return mb
    mb = MONTHS_BEFORE
    while mb > 0 and s - pd.DateOffset(months=mb) < earliest:
        mb -= 1
    if mb == 0:
        problems.append(f"No hay un mes completo de datos antes del {s:%Y-%m-%d} ({span}).")
    elif mb < MONTHS_BEFORE:
        notes.append(f"Solo hay {mb} meses de datos antes del inicio: la ventana anterior "
                     f"se acortó a {mb} meses.")
    return mb


def _after_end(s: pd.Timestamp, cov1: pd.Timestamp, tol: pd.Timedelta, *,
               end: pd.Timestamp | None, months_after: int | None, span: str,
               problems: list[str], notes: list[str]) -> pd.Timestamp:
    """End of the after window: ``end``, ``months_after``, or the default shortened to the data."""
    if end is not None:
        we = end
        if we <= s:
            problems.append(f"La fecha de fin ({we:%Y-%m-%d}) debe ser posterior al inicio.")
        elif we > cov1 + tol:
            problems.append(f"La ventana posterior termina el {we:%Y-%m-%d}, después de los "
                            f"datos ({span}).")
    elif months_after is not None:
        we = s + pd.DateOffset(months=int(months_after))
        if we > cov1 + tol:
            problems.append(f"La ventana posterior ({int(months_after)} meses, hasta el "
                            f"{we:%Y-%m-%d}) termina después de los datos ({span}).")
    else:
        we = s + pd.DateOffset(months=MONTHS_AFTER)
        if we > cov1 + tol:
            we = cov1
            notes.append(f"Los datos terminan el {cov1 - pd.Timedelta(days=1):%Y-%m-%d}: la "
                         f"ventana posterior se acortó.")
    return we
