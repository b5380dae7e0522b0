"""Near-repeat alerts: after a robbery, the blocks around it are at higher risk for some days.

The rule of each crime type comes from the store's own data: a Knox test
(:func:`analytics.hotspots.near_repeat.near_repeat`) over the last
``settings.ALERT_KNOX_HISTORY_DAYS`` days of that type. A type is *prone* when
its first band (``0–100 m``, ``0–7 días`` with the default bands) holds
significantly more pairs than expected; the rule then covers the distance and
time bands that keep a significant excess next to it, and its risk ratio is
the Knox ratio of the bands covered (observed / expected pairs). A type with too
few incidents to be measured (fewer than ``settings.ALERT_KNOX_MIN_INCIDENTS``)
takes the default rule (``settings.ALERT_DEFAULT_DISTANCE_M`` m,
``settings.ALERT_DEFAULT_DAYS`` days, no ratio) when it is one of the types
known to repeat nearby (``settings.ALERT_PRONE_KEYWORDS``: robberies, thefts,
burglaries); else it raises no alert. Sensitive groups and types
(``settings.SENSITIVE_GROUPS`` / ``SENSITIVE_TYPES``) never raise alerts.

An incident of a prone type whose time lies within its rule's days before
``now`` raises an alert on every H3 cell (``settings.ALERT_RESOLUTION``) whose
centre lies within the rule's distance of it (its own cell always):
``starts_at`` is the incident's time and ``expires_at`` that time plus the
rule's days. A cell near several such incidents keeps one alert per crime
type: the one of the latest incident (``n_incidents`` counts them all).

Pure functions (:func:`knox_rule`, :func:`rules_from_incidents`,
:func:`alerts_from_incidents`, :func:`rule_text`) and the store side
(:func:`refresh_rules`, :func:`refresh_alerts`, :func:`active_alerts`; SQL in
:mod:`analytics.store.alerts`). Times are local wall time, like incidents.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

import duckdb
import numpy as np
import pandas as pd

from analytics import geo, settings
from analytics._errors import AnalyticsError
from analytics._validate import strip_accents
from analytics.store import alerts as store_alerts

#: Columns of a rules frame (``store.alerts.RULE_COLUMNS``).
RULE_FIELDS: Final = tuple(c for c, _ in store_alerts.RULE_COLUMNS)
#: Columns of an alerts frame (``store.alerts.ALERT_COLUMNS``).
ALERT_FIELDS: Final = tuple(c for c, _ in store_alerts.ALERT_COLUMNS)
#: Most recent incidents of one type a Knox test reads (time and memory grow with pairs).
KNOX_MAX_INCIDENTS: Final = 20_000


def _local_now() -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(settings.TIMEZONE)).replace(tzinfo=None, microsecond=0)


def _naive(now: datetime | pd.Timestamp | str | None) -> datetime:
    if now is None:
        return _local_now()
    ts = pd.Timestamp(now)
    if ts.tzinfo is not None:
        ts = ts.tz_convert(settings.TIMEZONE).tz_localize(None)
    out: datetime = ts.to_pydatetime()
    return out


def sensitive(crime_type: object, crime_group: object) -> bool:
    """Whether a type or group is sensitive (never raises an alert)."""
    return (str(crime_group) in settings.SENSITIVE_GROUPS
            or str(crime_type) in settings.SENSITIVE_TYPES)


def prone_by_default(crime_type: object) -> bool:
    """Whether a type is assumed prone to near repeats (``settings.ALERT_PRONE_KEYWORDS``)."""
    plain = strip_accents(str(crime_type or "")).lower()
    return any(k in plain for k in settings.ALERT_PRONE_KEYWORDS)


# --------------------------------------------------------------------------- rules
def knox_rule(result: Any, *, alpha: float = settings.ALPHA
              ) -> tuple[bool, float, int, float, float]:
    """``(prone, distance_m, days, ratio, p_value)`` from a Knox result.

    Prone when the first band shows a significant excess (``p < alpha`` and
    ratio > 1); the rule then grows along the distance bands (at the first time
    band) and along the time bands (at the first distance band) while the next
    band keeps a significant excess. ``ratio`` is observed / expected pairs over
    the bands covered; ``p_value`` the largest p-value among them.

    Parameters
    ----------
    result
        A :class:`analytics.hotspots.near_repeat.NearRepeatResult`.
    """
    obs = np.asarray(result.observed, dtype=np.float64)
    exp = np.asarray(result.expected, dtype=np.float64)
    p = np.asarray(result.p_value, dtype=np.float64)
    d_edges = np.asarray(result.distance_edges, dtype=np.float64)
    t_edges = np.asarray(result.time_edges, dtype=np.float64)
    nd, nt = d_edges.size - 1, t_edges.size - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(exp > 0, obs / exp, np.nan)
    sig = (p < alpha) & (ratio > 1)
    if not sig[0, 0]:
        r0 = float(ratio[0, 0]) if np.isfinite(ratio[0, 0]) else math.nan
        return False, math.nan, 0, r0, float(p[0, 0])
    i = 0
    while i + 1 < nd and sig[i + 1, 0]:
        i += 1
    j = 0
    while j + 1 < nt and sig[0, j + 1]:
        j += 1
    o, e = obs[: i + 1, : j + 1].sum(), exp[: i + 1, : j + 1].sum()
    covered = np.concatenate([p[: i + 1, 0], p[0, : j + 1]])
    return (True, float(d_edges[i + 1]), int(t_edges[j + 1]),
            float(o / e) if e > 0 else math.nan, float(covered.max()))


def _default_row(crime_type: str, crime_group: str, n: int, now: datetime) -> dict[str, Any]:
    prone = prone_by_default(crime_type) and not sensitive(crime_type, crime_group)
    return {"crime_type": crime_type, "crime_group": crime_group, "prone": prone,
            "distance_m": settings.ALERT_DEFAULT_DISTANCE_M if prone else math.nan,
            "days": settings.ALERT_DEFAULT_DAYS if prone else 0, "ratio": math.nan,
            "p_value": math.nan, "n_incidents": int(n), "basis": "defecto", "computed_at": now}


def rules_from_incidents(incidents: pd.DataFrame, *, now: datetime | str | None = None,
                         min_incidents: int = settings.ALERT_KNOX_MIN_INCIDENTS,
                         distance_bands_m: Sequence[float] = settings.ALERT_KNOX_DISTANCE_BANDS_M,
                         time_bands_days: Sequence[int] = settings.ALERT_KNOX_TIME_BANDS_DAYS,
                         permutations: int = settings.ALERT_KNOX_PERMUTATIONS,
                         seed: int | None = settings.ALERT_KNOX_SEED,
                         alpha: float = settings.ALPHA) -> pd.DataFrame:
    """The near-repeat rule of every crime type in ``incidents`` (a Knox test each).

    Parameters
    ----------
    incidents
        Canonical incidents (``occurred_at``, ``lat``, ``lon``, ``crime_type``,
        ``crime_group``), usually the last ``settings.ALERT_KNOX_HISTORY_DAYS``.
    now
        When the rules are computed (stored with them).
    min_incidents
        Fewer incidents of a type than this: the default rule (see the module notes).
    distance_bands_m, time_bands_days, permutations, seed, alpha
        The Knox test's bands, Monte Carlo permutations, seed and level.

    Returns
    -------
    pandas.DataFrame
        One row per type (:data:`RULE_FIELDS`); ``basis`` is ``knox`` or ``defecto``.
    """
    from analytics.hotspots.near_repeat import near_repeat

    stamp = _naive(now)
    rows: list[dict[str, Any]] = []
    if len(incidents):
        groups = incidents.groupby(["crime_type", "crime_group"], dropna=False, sort=True)
        for (ctype, cgroup), part in groups:
            ctype_s, cgroup_s = str(ctype), str(cgroup)
            n = len(part)
            if sensitive(ctype_s, cgroup_s) or n < max(2, min_incidents):
                rows.append(_default_row(ctype_s, cgroup_s, n, stamp))
                continue
            part = part.sort_values("occurred_at").tail(KNOX_MAX_INCIDENTS)
            try:
                res = near_repeat(part, distance_bands_m=distance_bands_m,
                                  time_bands_days=time_bands_days, permutations=permutations,
                                  seed=seed, alpha=alpha)
            except AnalyticsError:  # too many close pairs, or unusable data: default rule
                rows.append(_default_row(ctype_s, cgroup_s, n, stamp))
                continue
            prone, dist, days, ratio, p = knox_rule(res, alpha=alpha)
            rows.append({"crime_type": ctype_s, "crime_group": cgroup_s, "prone": prone,
                         "distance_m": dist, "days": days, "ratio": ratio, "p_value": p,
                         "n_incidents": n, "basis": "knox", "computed_at": stamp})
    frame = pd.DataFrame(rows, columns=list(RULE_FIELDS))
    return frame.astype({"prone": bool, "days": "int64", "n_incidents": "int64"})


def _fmt_number(x: float, digits: int) -> str:
    return f"{x:,.{digits}f}".replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def rule_text(rule: Any) -> str:
    """The rule of one type in plain Spanish (a row of a rules frame, or a mapping).

    Examples: "Cada robo eleva el riesgo a menos de 200 m durante 7 días: en sus
    datos, 2,1 veces lo esperado." or, with the default rule, "... (regla por
    defecto: sus datos aún no bastan para medirlo)."
    """
    ctype = str(rule["crime_type"])
    if not bool(rule["prone"]):
        if rule["basis"] == "knox":
            return (f"{ctype.capitalize()}: en sus datos no hay más casos cerca en los días "
                    "siguientes de lo que el azar explica; no genera alertas.")
        return f"{ctype.capitalize()}: no genera alertas."
    head = (f"Cada {ctype} eleva el riesgo a menos de {_fmt_number(float(rule['distance_m']), 0)}"
            f" m durante {int(rule['days'])} días")
    ratio = float(rule["ratio"]) if rule["ratio"] is not None else math.nan
    if rule["basis"] == "knox" and math.isfinite(ratio):
        return f"{head}: en sus datos, {_fmt_number(ratio, 1)} veces lo esperado."
    return f"{head} (regla por defecto: sus datos aún no bastan para medirlo)."


def rules_in_force(rules: pd.DataFrame, crime_types: Iterable[object] = ()) -> pd.DataFrame:
    """The rules that raise alerts (:data:`RULE_FIELDS`).

    The prone cached ones, plus the default rule of the ``crime_types`` given
    that were not measured yet.
    """
    known = set(rules["crime_type"].astype(str)) if len(rules) else set()
    extra = [_default_row(str(c), "", 0, _local_now()) for c in sorted(map(str, crime_types))
             if str(c) not in known]
    frames = [f for f in (rules, pd.DataFrame(extra, columns=list(RULE_FIELDS))) if len(f)]
    if not frames:
        return pd.DataFrame(columns=list(RULE_FIELDS))
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return out.loc[out["prone"].astype(bool)].reset_index(drop=True)


# --------------------------------------------------------------------------- alerts
@functools.lru_cache(maxsize=65_536)
def _disk(cell: str, k: int) -> tuple[tuple[str, ...], np.ndarray]:
    import h3

    cells = tuple(sorted(h3.grid_disk(cell, k)))
    centres = np.array([h3.cell_to_latlng(c) for c in cells], dtype=np.float64)
    return cells, centres



def _rule_lookup(rules: pd.DataFrame, crime_types: np.ndarray, crime_groups: np.ndarray
                 ) -> dict[str, tuple[bool, float, int, float, str]]:
    """Type -> ``(prone, distance_m, days, ratio, basis)``: the cached rule, else the default."""
    out: dict[str, tuple[bool, float, int, float, str]] = {}
    for r in rules.itertuples(index=False):
        out.setdefault(str(r.crime_type), (bool(r.prone), float(r.distance_m),
                                           int(r.days) if pd.notna(r.days) else 0,
                                           float(r.ratio), str(r.basis)))
    for t, g in set(zip(crime_types.tolist(), crime_groups.tolist(), strict=True)):
        if t not in out:
            d = _default_row(t, g, 0, _local_now())
            out[t] = (bool(d["prone"]), float(d["distance_m"]), int(d["days"]),
                      float(d["ratio"]), str(d["basis"]))
    return out


def alerts_from_incidents(incidents: pd.DataFrame, rules: pd.DataFrame, *,
                          now: datetime | str | None = None,
                          resolution: int = settings.ALERT_RESOLUTION) -> pd.DataFrame:
    """The alerts active at ``now`` raised by ``incidents`` under ``rules``.

    Parameters
    ----------
    incidents
        Canonical incidents (``incident_id``, ``occurred_at``, ``lat``, ``lon``,
        ``crime_type``, ``crime_group``); only those of prone, non-sensitive types
        within their rule's days before ``now`` count.
    rules
        A rules frame (:func:`rules_from_incidents`, :func:`stored_rules`); types
        not in it take the default rule.
    now
        The moment the alerts are computed for (default: now, local time).
    resolution
        H3 resolution of the alert cells.

    Returns
    -------
    pandas.DataFrame
        One row per (cell, crime type) (:data:`ALERT_FIELDS`), newest expiry first.
    """
    import h3

    at = pd.Timestamp(_naive(now))
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in ALERT_FIELDS})
    if incidents.empty:
        return empty
    ctype = incidents["crime_type"].astype(str).to_numpy()
    cgroup = incidents["crime_group"].astype(str).to_numpy()
    lookup = _rule_lookup(rules, ctype, cgroup)
    rule = [lookup[t] for t in ctype]
    prone = np.array([r[0] for r in rule], dtype=bool)
    dist = np.array([r[1] for r in rule], dtype=np.float64)
    days = np.array([r[2] for r in rule], dtype=np.int64)
    ts = pd.to_datetime(incidents["occurred_at"]).to_numpy()
    expires = ts + days.astype("timedelta64[D]")
    lat = incidents["lat"].to_numpy(dtype=np.float64)
    lon = incidents["lon"].to_numpy(dtype=np.float64)
    bad = np.array([sensitive(t, g) for t, g in zip(ctype, cgroup, strict=True)], dtype=bool)
    keep = (prone & ~bad & (ts <= at.to_datetime64()) & (expires > at.to_datetime64())
            & np.isfinite(lat) & np.isfinite(lon) & np.isfinite(dist))
    idx = np.flatnonzero(keep)
    if not idx.size:
        return empty
    idx = idx[np.lexsort((incidents["incident_id"].astype(str).to_numpy()[idx], ts[idx]))]
    spacing = h3.average_hexagon_edge_length(resolution, "m") * math.sqrt(3)
    names_l: list[np.ndarray] = []
    centres_l: list[np.ndarray] = []
    origin_l: list[str] = []
    sizes = np.empty(idx.size, dtype=np.int64)
    for n, i in enumerate(idx):
        origin = h3.latlng_to_cell(float(lat[i]), float(lon[i]), resolution)
        cells, centres = _disk(origin, int(math.ceil(dist[i] / spacing)) + 1)
        names_l.append(np.asarray(cells, dtype=object))
        centres_l.append(centres)
        origin_l.append(origin)
        sizes[n] = len(cells)
    owner = np.repeat(idx, sizes)
    names = np.concatenate(names_l)
    centres_all = np.concatenate(centres_l)
    d = geo.haversine_m(lat[owner], lon[owner], centres_all[:, 0], centres_all[:, 1])
    within = (d <= dist[owner]) | (names == np.repeat(np.asarray(origin_l, dtype=object), sizes))
    owner, names, d, centres_all = owner[within], names[within], d[within], centres_all[within]
    hit = pd.DataFrame({"h3": names, "crime_type": ctype[owner]})
    n_per = hit.groupby(["h3", "crime_type"], sort=False)["h3"].transform("size").to_numpy()
    last = ~hit.duplicated(["h3", "crime_type"], keep="last").to_numpy()  # chronological order
    o = owner[last]
    out = pd.DataFrame({
        "h3": names[last], "crime_type": ctype[o], "crime_group": cgroup[o],
        "starts_at": ts[o], "expires_at": expires[o],
        "trigger_incident_id": incidents["incident_id"].astype(str).to_numpy()[o],
        "risk_ratio": np.array([rule[i][3] for i in o], dtype=np.float64),
        "distance_m": dist[o], "days": days[o], "cell_distance_m": np.round(d[last], 1),
        "n_incidents": n_per[last].astype(np.int64),
        "lat": centres_all[last, 0], "lon": centres_all[last, 1],
        "basis": np.array([rule[i][4] for i in o], dtype=object)})
    return out.sort_values(["expires_at", "h3", "crime_type"], ascending=[False, True, True],
                           kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- the store
def _read_incidents(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime
                    ) -> pd.DataFrame:
    return con.execute(
        "SELECT incident_id, occurred_at, lat, lon, crime_type, crime_group FROM incidents "
        "WHERE occurred_at >= ? AND occurred_at <= ? AND lat IS NOT NULL AND lon IS NOT NULL",
        [start, end]).df()


def stored_rules(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The cached rules (:data:`RULE_FIELDS`); empty before the first :func:`refresh_rules`."""
    return store_alerts.rules_frame(con)


def rules_stale(con: duckdb.DuckDBPyConnection, *, now: datetime | str | None = None,
                max_age_h: float = settings.ALERT_RULES_MAX_AGE_H) -> bool:
    """Whether the cached rules are missing or older than ``max_age_h`` hours."""
    when = store_alerts.rules_computed_at(con)
    return when is None or _naive(now) - when > timedelta(hours=max_age_h)


def compute_rules(con: duckdb.DuckDBPyConnection, *, now: datetime | str | None = None,
                  history_days: int = settings.ALERT_KNOX_HISTORY_DAYS,
                  seed: int | None = settings.ALERT_KNOX_SEED) -> pd.DataFrame:
    """:func:`rules_from_incidents` over the store's last ``history_days`` (writes nothing).

    The history ends at ``now`` or at the store's last incident, whichever is
    earlier (a store of past data still gets its rules measured).
    """
    at = _naive(now)
    last = con.execute("SELECT max(occurred_at) FROM incidents WHERE occurred_at <= ?",
                       [at]).fetchall()[0][0]
    end = min(at, last) if isinstance(last, datetime) else at
    frame = _read_incidents(con, end - timedelta(days=history_days), end)
    return rules_from_incidents(frame, now=at, seed=seed)


def save_rules(con: duckdb.DuckDBPyConnection, rules: pd.DataFrame) -> None:
    """Replace the cached rules (run inside the caller's transaction, or autocommit)."""
    store_alerts.replace_rules(con, rules)


def refresh_rules(con: duckdb.DuckDBPyConnection, *, now: datetime | str | None = None,
                  seed: int | None = settings.ALERT_KNOX_SEED) -> pd.DataFrame:
    """Recompute every type's rule from the store and cache it (writable ``con``)."""
    rules = compute_rules(con, now=now, seed=seed)
    con.execute("BEGIN TRANSACTION")
    try:
        save_rules(con, rules)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return rules


def refresh_alerts(con: duckdb.DuckDBPyConnection, *, now: datetime | str | None = None,
                   resolution: int = settings.ALERT_RESOLUTION, transaction: bool = True
                   ) -> pd.DataFrame:
    """Rebuild the stored alerts from the store's recent incidents; return the active ones.

    Uses the cached rules (:func:`refresh_rules`; the default rule for types
    not measured yet). Consistent whatever wrote the incidents (the API, a CLI
    or app import): call it after every write of incidents.

    Parameters
    ----------
    con
        Writable store connection.
    now
        The moment the alerts are computed for (default: now, local time).
    resolution
        H3 resolution of the alert cells.
    transaction
        ``True``: in a transaction of its own; ``False``: inside the caller's.
    """
    at = _naive(now)
    rules = stored_rules(con)
    prone = rules.loc[rules["prone"].astype(bool)] if len(rules) else rules
    max_days = max([settings.ALERT_DEFAULT_DAYS, *(int(d) for d in prone["days"])])
    recent = _read_incidents(con, at - timedelta(days=max_days), at)
    found = alerts_from_incidents(recent, rules, now=at, resolution=resolution)
    if transaction:
        con.execute("BEGIN TRANSACTION")
    try:
        store_alerts.replace_alerts(con, found, computed_at=at)
        if transaction:
            con.execute("COMMIT")
    except BaseException:
        if transaction:
            con.execute("ROLLBACK")
        raise
    return found


def active_alerts(con: duckdb.DuckDBPyConnection, *, now: datetime | str | None = None
                  ) -> pd.DataFrame:
    """The stored alerts active at ``now`` (:data:`ALERT_FIELDS`), newest expiry first."""
    return store_alerts.alerts_frame(con, active_at=_naive(now))


def alerts_version(con: duckdb.DuckDBPyConnection) -> str:
    """A short string that changes whenever the stored alerts are rebuilt (cache key)."""
    return store_alerts.alerts_version(con)


def frame_to_json(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of an alerts or rules frame as JSON objects (times ISO local, NaN as null)."""
    out: list[dict[str, Any]] = []
    for rec in frame.to_dict("records"):
        row: dict[str, Any] = {}
        for k, v in rec.items():
            if isinstance(v, (pd.Timestamp, datetime)):
                row[k] = pd.Timestamp(v).isoformat(timespec="seconds")
            elif isinstance(v, float) and not math.isfinite(v):
                row[k] = None
            elif hasattr(v, "item"):
                row[k] = v.item()
            else:
                row[k] = v
        out.append(row)
    return out
