"""Where an intervention area comes from: a polygon file, a district, H3 cells.

Every function returns one shapely (multi)polygon in EPSG:4326, ready for
:func:`analytics.intervention_areas.check_area`, or raises a Spanish error. Shared by the
``evaluate`` and ``interventions`` commands and the Evaluación page (which stages an
upload to a private temporary file and calls :func:`read_area` on it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

from analytics._errors import InputFileError, InterventionError
from analytics._labels import district_key
from analytics.intervention_areas import area_from_cells as area_from_cells

#: File suffixes :func:`read_area` accepts (a Shapefile comes zipped with its companions).
AREA_SUFFIXES: Final = (".geojson", ".json", ".zip", ".gpkg", ".shp")
#: Most H3 cells accepted in one area.
MAX_CELLS: Final = 2000
_CELL_SPLIT: Final = re.compile(r"[\s,;]+")


def read_area(path: str | Path, *, what: str = "el área") -> Any:
    """Union of the polygons of a GeoJSON / Shapefile (``.shp`` or zipped) / GPKG layer.

    Parameters
    ----------
    path
        The file; other layers than the first are ignored.
    what
        Name used in messages (``"la zona de control"``).

    Returns
    -------
    shapely geometry
        (Multi)polygon in EPSG:4326 (reprojected when the file says another CRS).

    Raises
    ------
    InputFileError
        The file does not exist or cannot be read.
    InterventionError
        No geometries, or none of them polygonal.
    """
    import geopandas as gpd
    import shapely

    p = Path(path)
    if not p.exists():
        msg = f"No existe el archivo con {what}: {p}"
        raise InputFileError(msg)
    try:
        g = gpd.read_file(p)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a user-fixable file problem
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        msg = f"No se pudo leer {what} en {p.name}: {first}"
        raise InputFileError(msg) from None
    if len(g) == 0 or g.geometry.isna().all():
        msg = f"El archivo con {what} no tiene geometrías: {p.name}"
        raise InterventionError(msg)
    if g.crs is not None and g.crs.to_epsg() != 4326:
        g = g.to_crs(4326)
    geoms = [x for x in g.geometry.values if x is not None and not x.is_empty]
    polys = [x for x in geoms if x.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        kinds = ", ".join(sorted({x.geom_type for x in geoms})) or "ninguna"
        msg = f"El archivo con {what} no tiene polígonos (tiene: {kinds}): {p.name}"
        raise InterventionError(msg)
    return shapely.union_all(polys)


def district_names(boundaries: Any) -> list[str]:
    """District names of a boundaries frame (``analytics.geo.read_boundaries``), sorted."""
    return sorted({str(d) for d in boundaries["district"].dropna()})


def area_from_district(boundaries: Any, district: str) -> Any:
    """The polygon of one district, by name (accents and case ignored) or ubigeo.

    Parameters
    ----------
    boundaries
        GeoDataFrame with ``district`` (and ``ubigeo``) columns in EPSG:4326, e.g.
        ``analytics.geo.read_boundaries()``.
    district
        ``"La Victoria"``, ``"LA VICTORIA"`` or ``"150115"``.

    Raises
    ------
    InterventionError
        Unknown district, or a name shared by districts of several provinces (use the
        ubigeo).
    """
    import shapely

    text = str(district).strip()
    if "ubigeo" in boundaries.columns and text.isdigit():
        rows = boundaries[boundaries["ubigeo"].astype(str).str.zfill(6) == text.zfill(6)]
    else:
        key = district_key(text)
        rows = boundaries[boundaries["district"].map(district_key) == key]
    if rows.empty:
        msg = f"Distrito desconocido: {text!r} (use el nombre o el ubigeo de un distrito)."
        raise InterventionError(msg)
    if len(rows) > 1 and "ubigeo" in rows.columns and rows["ubigeo"].nunique() > 1:
        codes = ", ".join(sorted(rows["ubigeo"].astype(str)))
        msg = f"Hay varios distritos llamados {text!r}: indique el ubigeo ({codes})."
        raise InterventionError(msg)
    gs = rows.geometry
    if gs.crs is not None and gs.crs.to_epsg() != 4326:
        gs = gs.to_crs(4326)
    return shapely.union_all(list(gs.values))


def parse_cells(text: str | Iterable[str]) -> list[str]:
    """H3 cell ids from pasted text (commas, spaces, semicolons or new lines), deduplicated.

    Raises
    ------
    InterventionError
        No cells, invalid ids (all listed) or more than :data:`MAX_CELLS`.
    """
    import h3

    parts = _CELL_SPLIT.split(text) if isinstance(text, str) else [str(x) for x in text]
    cells = list(dict.fromkeys(p.strip().lower() for p in parts if p and p.strip()))
    if not cells:
        msg = "No se indicó ninguna celda H3."
        raise InterventionError(msg)
    bad = [c for c in cells if not h3.is_valid_cell(c)]
    if bad:
        shown = ", ".join(repr(b[:20]) for b in bad[:5]) + (" …" if len(bad) > 5 else "")
        msg = f"Celdas H3 no válidas: {shown}."
        raise InterventionError(msg)
    if len(cells) > MAX_CELLS:
        msg = f"Demasiadas celdas H3 ({len(cells)}); el máximo es {MAX_CELLS}."
        raise InterventionError(msg)
    return cells


def area_to_geojson(area: Any) -> str:
    """A (multi)polygon as compact GeoJSON text (coordinates rounded to ~1 cm)."""
    import shapely

    return json.dumps(json.loads(shapely.to_geojson(shapely.set_precision(area, 1e-7))),
                      separators=(",", ":"))
