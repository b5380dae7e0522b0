"""Every public number: sums of published release rows (periods, districts, cells, KPIs)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from analytics import hexbin, settings
from analytics._errors import IncidentSchemaError
from analytics._labels import (
    district_key,
    label_to_period,
    period_label,
    period_span,
)
from analytics.disclosure.release import PublicRelease


# --------------------------------------------------------------------------- #
# Periods of a release
# --------------------------------------------------------------------------- #
def _base_of(label: str, base: str) -> list[str]:
    """Base periods (``Q`` or ``M``) inside a period label."""
    p = label_to_period(label)
    if p.freqstr[0] == "M" and base == "Q":
        return []  # a month is finer than the base period: nothing can be summed
    start, stop = period_span(p)
    return [period_label(q) for q in pd.period_range(start, stop - pd.Timedelta(days=1),
                                                     freq=base)]


def period_options(release: PublicRelease) -> dict[str, list[tuple[str, bool]]]:
    """Periods a public view may ask for, newest first, with a completeness flag.

    Keys: ``"M"`` (only for a monthly release), ``"Q"``, ``"Y"``. A period is
    listed when at least one of its base periods is published, and flagged
    complete when all are.
    """
    published = set(release.periods)
    kinds = ("M", "Q", "Y") if release.period == "M" else ("Q", "Y")
    out: dict[str, list[tuple[str, bool]]] = {}
    for kind in kinds:
        labels: dict[str, bool] = {}
        for base in release.periods:
            start, _ = period_span(label_to_period(base))
            lab = period_label(pd.Period(start, freq=kind))
            if lab not in labels:
                labels[lab] = all(b in published for b in _base_of(lab, release.period))
        out[kind] = sorted(labels.items(), key=lambda kv: label_to_period(kv[0]).start_time,
                           reverse=True)
    return out


def label_members(release: PublicRelease, label: str) -> tuple[str, ...]:
    """Published base periods inside a period label (empty for a month of a quarterly release)."""
    published = set(release.periods)
    return tuple(b for b in _base_of(label, release.period) if b in published)


def label_base(release: PublicRelease, label: str) -> tuple[str, ...]:
    """Every base period inside a period label, published or not."""
    return tuple(_base_of(label, release.period))


def label_previous(release: PublicRelease, label: str) -> tuple[str, ...] | None:
    """Base periods of the period before ``label`` matching its published ones, or ``None``.

    A quarter: the previous quarter; a year: the same quarters of the year
    before. ``None`` unless every one of them is published.
    """
    return previous_members(release, label_members(release, label),
                            len(_base_of(label, release.period)))


def label_bounds(label: str) -> tuple[date, date]:
    """First and last day (inclusive) of a period label."""
    start, stop = period_span(label_to_period(label))
    return start.date(), (stop - pd.Timedelta(days=1)).date()


def span_members(release: PublicRelease, start: date | None, end: date | None
                 ) -> tuple[str, ...]:
    """Published base periods lying entirely inside ``[start, end]`` (days, inclusive)."""
    out = []
    for base in release.periods:
        s, stop = period_span(label_to_period(base))
        if (start is None or s.date() >= start) and (
                end is None or (stop - pd.Timedelta(days=1)).date() <= end):
            out.append(base)
    return tuple(out)


def _touched(release: PublicRelease, start: date | None, end: date | None) -> int:
    """How many base periods ``[start, end]`` touches (the step back to its previous period)."""
    if start is None or end is None or end < start:
        return len(release.periods)
    return len(pd.period_range(pd.Timestamp(start), pd.Timestamp(end), freq=release.period))


def previous_members(release: PublicRelease, members: Sequence[str], step: int
                     ) -> tuple[str, ...] | None:
    """The base periods ``step`` periods before ``members``; ``None`` unless all published."""
    if not members or step < 1:
        return None
    published = set(release.periods)
    back = tuple(period_label(label_to_period(m) - step) for m in members)
    return back if all(b in published for b in back) else None


def _bounds(members: Sequence[str]) -> tuple[date | None, date | None]:
    if not members:
        return None, None
    first, _ = label_bounds(members[0])
    _, last = label_bounds(members[-1])
    return first, last


# --------------------------------------------------------------------------- #
# Views: every value a sum of published base rows
# --------------------------------------------------------------------------- #
def _select(frame: pd.DataFrame, periods: Iterable[str], groups: Iterable[str],
            districts: Iterable[str]) -> pd.DataFrame:
    keep = frame["period"].isin(list(periods))
    g = [str(v) for v in groups]
    if g:
        keep &= frame["crime_group"].isin(g)
    d = [district_key(v) for v in districts]
    if d:
        keep &= frame["district"].isin([v for v in d if v])
    return frame.loc[keep]


def district_counts(release: PublicRelease, *, periods: Iterable[str],
                    groups: Iterable[str] = (), districts: Iterable[str] = ()) -> pd.DataFrame:
    """Sums of published district rows over base ``periods``, per district and group.

    Returns
    -------
    pandas.DataFrame
        ``district``, ``crime_group``, ``count`` (int64, at least ``k``); no
        zero rows. Empty ``groups`` or ``districts`` mean all.
    """
    sel = _select(release.districts, periods, groups, districts)
    out = sel.groupby(["district", "crime_group"], as_index=False)["count"].sum()
    return out.astype({"district": str, "crime_group": str, "count": "int64"})


def cell_rows(release: PublicRelease, *, periods: Iterable[str], groups: Iterable[str] = (),
              districts: Iterable[str] = ()) -> pd.DataFrame:
    """Published cell rows summed over base ``periods``, each at its own resolution.

    Columns ``district``, ``crime_group``, ``h3``, ``resolution``, ``count``.
    """
    sel = _select(release.cells, periods, groups, districts)
    out = sel.groupby(["district", "crime_group", "h3", "resolution"], as_index=False)[
        "count"].sum()
    return out.astype({"district": str, "crime_group": str, "h3": str, "resolution": "int64",
                       "count": "int64"})


def cell_counts(release: PublicRelease, *, periods: Iterable[str], groups: Iterable[str] = (),
                districts: Iterable[str] = (), resolution: int | None = None) -> pd.DataFrame:
    """Published cells rolled up to ``resolution``, per district part and group.

    A cell at ``resolution`` is the sum of its published finer rows: the fine
    layer always, the coarse (sensitive) layer only when ``resolution`` is
    that coarse. A cell spanning several districts has one row per part.

    Returns
    -------
    pandas.DataFrame
        ``h3`` (hex string at ``resolution``), ``district``, ``crime_group``,
        ``count`` (int64).
    """
    res = release.resolution if resolution is None else int(resolution)
    if not settings.H3_MIN_RESOLUTION <= res <= release.resolution:
        msg = (f"La resolución pública debe estar entre {settings.H3_MIN_RESOLUTION} y "
               f"{release.resolution} (se pidió {res}).")
        raise IncidentSchemaError(msg)
    rows = cell_rows(release, periods=periods, groups=groups, districts=districts)
    rows = rows.loc[rows["resolution"] >= res]
    cols = ["h3", "district", "crime_group", "count"]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "count" else str) for c in cols})
    ids = np.fromiter((int(h, 16) for h in rows["h3"]), dtype=np.uint64, count=len(rows))
    rows = rows.assign(h3=hexbin.cells_to_strings(hexbin.cells_to_parent(ids, resolution=res)))
    out = rows.groupby(["h3", "district", "crime_group"], as_index=False)["count"].sum()
    return out[cols].astype({"h3": str, "district": str, "crime_group": str, "count": "int64"})


def cell_map(release: PublicRelease, *, periods: Iterable[str], groups: Iterable[str] = (),
             districts: Iterable[str] = (), resolution: int | None = None) -> pd.DataFrame:
    """One row per published cell of :func:`cell_counts` (district parts and groups summed).

    Returns
    -------
    pandas.DataFrame
        Largest first: ``h3`` (uint64), ``h3_id``, ``n`` (int64), ``rate_km2``,
        ``top_types`` (the published groups with their sums, Spanish labels),
        ``district`` (the part with most incidents), ``lat``, ``lon``.
    """
    res = release.resolution if resolution is None else int(resolution)
    parts = cell_counts(release, periods=periods, groups=groups, districts=districts,
                        resolution=res)
    cols = ["h3", "h3_id", "n", "rate_km2", "top_types", "district", "lat", "lon"]
    if parts.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    by_group = parts.groupby(["h3", "crime_group"], as_index=False)["count"].sum()
    by_group = by_group.sort_values(["h3", "count", "crime_group"], ascending=[True, False, True])
    text = [f"{settings.CRIME_GROUPS.get(g, g)} ({n})"
            for g, n in zip(by_group["crime_group"], by_group["count"], strict=True)]
    top = by_group.assign(txt=text).groupby("h3")["txt"].agg(", ".join)
    by_d = parts.groupby(["h3", "district"], as_index=False)["count"].sum()
    main = (by_d.sort_values(["h3", "count", "district"], ascending=[True, False, True])
            .drop_duplicates("h3").set_index("h3")["district"])
    out = parts.groupby("h3", as_index=False)["count"].sum().rename(
        columns={"h3": "h3_id", "count": "n"})
    out = out.sort_values(["n", "h3_id"], ascending=[False, True]).reset_index(drop=True)
    cells = np.fromiter((int(h, 16) for h in out["h3_id"]), dtype=np.uint64, count=len(out))
    out["h3"] = cells
    out["n"] = out["n"].astype("int64")
    out["rate_km2"] = out["n"] / hexbin.cell_area_km2(res)
    out["top_types"] = out["h3_id"].map(top).fillna("").astype(str)
    out["district"] = out["h3_id"].map(main).astype(str)
    out["lat"], out["lon"] = hexbin.cells_to_centers(cells)
    return out[cols]


@dataclass(frozen=True)
class PublicKpis:
    """Published totals of a period against the previous one (sums of published rows).

    ``previous``/``change_pct`` are ``None`` when the previous period is not
    wholly published. ``by_group``: ``crime_group, n, previous, change_pct``
    for the groups with a published value in the period, largest first.
    """

    periods: tuple[str, ...]
    previous_periods: tuple[str, ...] | None
    start: date | None
    end: date | None
    prev_start: date | None
    prev_end: date | None
    total: int
    previous: int | None
    change_pct: float | None
    by_group: pd.DataFrame = field(repr=False)


def _pct(now: float, before: float | None) -> float | None:
    return None if not before else 100.0 * (now - before) / before


def period_kpis(release: PublicRelease, *, start: date | None = None, end: date | None = None,
                groups: Iterable[str] = (), districts: Iterable[str] = ()) -> PublicKpis:
    """Totals and totals by group for the base periods inside ``[start, end]``.

    The previous period is the same number of base periods the span touches,
    just before (a quarter: the previous quarter; a year: the same quarters
    of the year before).
    """
    groups, districts = tuple(groups), tuple(districts)
    members = span_members(release, start, end)
    prev = previous_members(release, members, _touched(release, start, end))
    now = district_counts(release, periods=members, groups=groups, districts=districts)
    cur = now.groupby("crime_group")["count"].sum()
    if prev is not None:
        before = district_counts(release, periods=prev, groups=groups, districts=districts)
        old = before.groupby("crime_group")["count"].sum()
    else:
        old = pd.Series(dtype="int64")
    g = pd.DataFrame({"crime_group": cur.index.astype(str), "n": cur.to_numpy(dtype="int64")})
    g["previous"] = g["crime_group"].map(old).astype("float64") if prev is not None else np.nan
    g["change_pct"] = [_pct(a, None if pd.isna(b) else b)
                       for a, b in zip(g["n"], g["previous"], strict=True)]
    g = g.sort_values(["n", "crime_group"], ascending=[False, True]).reset_index(drop=True)
    total = int(g["n"].sum())
    previous = int(old.sum()) if prev is not None else None
    s, e = _bounds(members)
    ps, pe = _bounds(prev or ())
    return PublicKpis(members, prev, s, e, ps, pe, total, previous, _pct(total, previous), g)


def district_trend(release: PublicRelease, *, districts: Iterable[str], until: str, n: int
                   ) -> pd.DataFrame:
    """Published district totals (sums of published groups) per base period.

    The last ``n`` published base periods up to the end of period ``until``.
    Columns ``period``, ``district`` (key), ``count``.
    """
    _, last = label_bounds(until)
    upto = [b for b in release.periods if label_bounds(b)[1] <= last][-int(n):]
    sel = _select(release.districts, upto, (), districts)
    out = sel.groupby(["period", "district"], as_index=False)["count"].sum()
    return out.astype({"period": str, "district": str, "count": "int64"})
