"""Measure the geocoder honestly: hide true points, geocode, compare.

Protocol (:func:`evaluate_geocoding`), on a file whose rows all have a true
point and a written address:

1. keep ``keep`` (15 %) of the rows exact; move ``force`` (25 %) onto one
   point per district (the same coordinates for all of them, at a real
   place of the district, as a comisaría centroid would be); blank the rest;
2. optionally rewrite the addresses in Peruvian style with varied, seeded
   spellings (:func:`addresses_to_peru_style`);
3. run :func:`analytics.location.locate_incidents` on the hidden file: it
   must detect the forced points, learn from the kept exact rows only and
   geocode every other row;
4. compare with the true points, on the rows without a true point.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from analytics import geo, location
from analytics.gazetteer import district_keys

#: Rows kept exact, and rows forced onto one point per district, in the protocol.
KEEP_SHARE: Final = 0.15
FORCE_SHARE: Final = 0.25

_US_TYPE_TO_PE: Final = {
    "AVE": ("AV.", "AVENIDA", "Av", "Av.", "AVE.", "Avenida", "AV", "Avda."),
    "AV": ("AV.", "AVENIDA", "Av", "Av.", "Avenida", "AV"),
    "ST": ("JR.", "JIRON", "Jirón", "CALLE", "CA.", "CL.", "Calle", "JR", "Jr.", "CLL."),
    "RD": ("CARRETERA", "CARR.", "CTRA.", "Carretera"),
    "BLVD": ("ALAMEDA", "ALAM.", "Alameda", "AV.", "AVENIDA"),
    "LN": ("PSJE.", "PJE.", "PASAJE", "Pasaje"),
    "PL": ("PSJE.", "PASAJE", "PJE."),
    "DR": ("MALECON", "Malecón", "AV."),
    "PKWY": ("AV.", "AVENIDA"),
    "TER": ("PSJE.", "PASAJE"),
    "CT": ("PSJE.", "PASAJE"),
}
_DIR_TO_PE: Final = {"N": ("NORTE", "Norte", "N."), "S": ("SUR", "Sur", "S."),
                     "E": ("ESTE", "Este", "E."), "W": ("OESTE", "Oeste", "O.")}
_BLOCK_FORMS: Final = ("CDRA. {b}", "CDRA {b}", "CUADRA {b}", "C/{b}", "C/ {b}", "cdra. {b}",
                       "Cdra. {b}", "CDRA.{b}", "Cuadra {b}", "ALT. CDRA. {b}")
_NUMBER_FORMS: Final = ("{n}", "N° {n}", "NRO. {n}", "#{n}", "Nro {n}", "No. {n}", "N {n}",
                        "NUM. {n}", "nro. {n}", "Nº {n}")
_CROSS_FORMS: Final = ("{a} ESQ. {b}", "{a} ESQUINA {b}", "{a} CON {b}", "{a} Y {b}",
                       "CRUCE DE {a} CON {b}", "{a} / {b}", "{a} esq. {b}", "{a} Esq {b}",
                       "{a} ESQ {b}", "Cruce {a} con {b}")
_NOISE: Final = ("", "", "", "", " FRENTE AL PARQUE", " REF: FRENTE AL MERCADO", " INT. 3",
                 " DPTO 201", " PISO 2", " (ALTURA DEL GRIFO)", " ALT. DEL COLEGIO",
                 " - CERCA A LA BODEGA", " frente al paradero", " Int. B", " (REF. POSTA)")
_RE_US_BLOCK: Final = re.compile(r"^\s*(\d+)\s+BLOCK\s+(.*?)\s*$", re.I)
_RE_US_STREET: Final = re.compile(
    r"^(?:(N|S|E|W)\s+)?(.+?)(?:\s+(AVE|AV|ST|RD|BLVD|LN|PL|DR|PKWY|TER|CT|WAY|CIR|PIKE))?"
    r"(?:\s+[A-Z0-9]{1,5})?$", re.I)


def _pe_street(text: str, rng: np.random.Generator) -> str:
    m = _RE_US_STREET.match(text.strip().upper())
    if not m:
        return text
    d, name, t = m.group(1), m.group(2), m.group(3)
    forms = _US_TYPE_TO_PE.get(t or "", ("",))
    typ = forms[int(rng.integers(len(forms)))]
    if d:
        dforms = _DIR_TO_PE[d]
        u = rng.random()
        name = f"{name} {dforms[int(rng.integers(len(dforms)))]}" if u < 0.8 else f"{d} {name}"
    if rng.random() < 0.3:
        name = name.title()
    return f"{typ} {name}".strip()


def _pe_variant(addr: str, rng: np.random.Generator) -> str:
    s = str(addr).strip()
    noise = _NOISE[int(rng.integers(len(_NOISE)))]
    m = _RE_US_BLOCK.match(s)
    if m:
        num = int(m.group(1))
        street = _pe_street(m.group(2), rng)
        if rng.random() < 0.55:
            form = _BLOCK_FORMS[int(rng.integers(len(_BLOCK_FORMS)))]
            out = f"{street} {form.format(b=num // 100)}"
        else:
            form = _NUMBER_FORMS[int(rng.integers(len(_NUMBER_FORMS)))]
            out = f"{street} {form.format(n=num + int(rng.integers(0, 100)))}"
        return out + noise
    for sep in ("&", " / ", " AND "):
        if sep in s.upper():
            a, b = re.split(re.escape(sep.strip()) if sep != " AND " else r"\s+AND\s+", s,
                            maxsplit=1, flags=re.I)
            form = _CROSS_FORMS[int(rng.integers(len(_CROSS_FORMS)))]
            return form.format(a=_pe_street(a, rng), b=_pe_street(b, rng)) + noise
    return s


def addresses_to_peru_style(addresses: Sequence[Any] | pd.Series | np.ndarray, *,
                            seed: int | None, variants: int = 6) -> np.ndarray:
    """Rewrite US block addresses in Peruvian style with varied spellings.

    ``"1100 BLOCK WAGNER AVE"`` becomes e.g. ``"AV. WAGNER CDRA. 11"``,
    ``"Avenida WAGNER CUADRA 11"`` or ``"Av Wagner 1145"`` (a made-up house
    number inside the block), ``"N 5TH ST & W GIRARD AVE"`` becomes
    ``"JR. 5TH NORTE ESQ. AV. GIRARD OESTE"`` and so on, with random street
    types, direction words, cuadra and number forms, case and trailing
    references. Each distinct address gets ``variants`` spellings; each row
    draws one (seeded).
    """
    rng = np.random.default_rng(seed)
    s = pd.Series(np.asarray(addresses, dtype=object)).fillna("").astype(str)
    codes, uniq = pd.factorize(s, use_na_sentinel=False)
    table = np.array([[_pe_variant(u, rng) for _ in range(variants)] for u in uniq],
                     dtype=object).reshape(len(uniq), variants)
    pick = rng.integers(0, variants, len(codes))
    out: np.ndarray = table[codes, pick]
    return out


def hide_points(lat: np.ndarray, lon: np.ndarray, district: np.ndarray, *,
                keep: float = KEEP_SHARE, force: float = FORCE_SHARE, seed: int | None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep ``keep`` of the points, force ``force`` onto one point per district, blank the rest.

    The forced point of a district is the true point of one of its rows (the
    one nearest the district's median point), as a comisaría centroid is a
    real place. Returns the hidden lat, lon and each row's role (``exact``,
    ``forced``, ``blank``).
    """
    rng = np.random.default_rng(seed)
    n = len(lat)
    u = rng.random(n)
    role = np.where(u < keep, "exact", np.where(u < keep + force, "forced", "blank"))
    hl = np.where(role == "exact", lat, np.nan)
    ho = np.where(role == "exact", lon, np.nan)
    dk = district_keys(district)
    frame = pd.DataFrame({"d": dk, "lat": lat, "lon": lon})
    med = frame.groupby("d")[["lat", "lon"]].transform("median")
    dist = (frame["lat"] - med["lat"]) ** 2 + (frame["lon"] - med["lon"]) ** 2
    anchor = dist.groupby(frame["d"]).idxmin()
    alat = frame["lat"].to_numpy()[anchor.reindex(dk).to_numpy()]
    alon = frame["lon"].to_numpy()[anchor.reindex(dk).to_numpy()]
    f = role == "forced"
    hl[f], ho[f] = alat[f], alon[f]
    return hl, ho, role


def _child_seeds(seed: int | None) -> tuple[int, int]:
    """Derive two independent seeds from one.

    The same seed in two generators draws the same numbers, which would tie the
    spellings to which rows keep their point.
    """
    a, b = np.random.SeedSequence(seed).spawn(2)
    return int(a.generate_state(1)[0]), int(b.generate_state(1)[0])


def evaluate_geocoding(addresses: Sequence[Any] | np.ndarray, district: Sequence[Any] |
                       np.ndarray, lat: Sequence[float] | np.ndarray,
                       lon: Sequence[float] | np.ndarray, *, keep: float = KEEP_SHARE,
                       force: float = FORCE_SHARE, peru_style: bool = False,
                       seed: int | None = 0) -> dict[str, Any]:
    """Run the hide-and-geocode protocol and score it (see the module docstring).

    Returns
    -------
    dict
        ``rows``, ``rows_scored`` (rows without a true point), ``placed``
        (share with a point better than the district), ``median_m``
        (median error of placed rows), ``within_100``, ``within_250`` (shares
        of *all* scored rows, unplaced rows counting as misses), ``by_precision``
        (rows and median error per precision), ``forced_recall`` (forced
        rows detected), ``false_forced`` (exact rows wrongly flagged),
        ``seconds`` (locate_incidents only).
    """
    la = np.asarray(lat, dtype=np.float64)
    lo = np.asarray(lon, dtype=np.float64)
    dist = np.asarray(district, dtype=object)
    addr = np.asarray(addresses, dtype=object)
    seed_rewrite, seed_hide = _child_seeds(seed)
    if peru_style:
        addr = addresses_to_peru_style(addr, seed=seed_rewrite)
    hl, ho, role = hide_points(la, lo, dist, keep=keep, force=force, seed=seed_hide)
    t0 = time.perf_counter()
    res = location.locate_incidents(addr, dist, hl, ho)
    seconds = time.perf_counter() - t0
    f = res.frame
    scored = role != "exact"
    prec = f["location_precision"].to_numpy(dtype=object)
    placed = scored & np.isin(prec, ("cuadra", "via", "zona"))
    err = np.full(len(la), np.inf)
    err[placed] = geo.haversine_m(la[placed], lo[placed], f["lat"].to_numpy()[placed],
                               f["lon"].to_numpy()[placed])
    e = err[scored]
    by = {}
    for p in location.LOCATION_PRECISIONS[1:]:
        m = scored & (prec == p)
        by[p] = {"rows": int(m.sum()),
                 "median_m": float(np.median(err[m])) if m.any() and p != "distrito" else None}
    forced_rows = role == "forced"
    return {
        "rows": len(la), "rows_scored": int(scored.sum()),
        "placed": float(placed.sum() / max(scored.sum(), 1)),
        "median_m": float(np.median(err[placed])) if placed.any() else float("nan"),
        "median_all_m": float(np.median(e)) if len(e) else float("nan"),
        "within_100": float(np.mean(e <= 100)), "within_250": float(np.mean(e <= 250)),
        "by_precision": by,
        "forced_recall": float(f["forced"].to_numpy()[forced_rows].mean())
        if forced_rows.any() else float("nan"),
        "false_forced": int(f["forced"].to_numpy()[role == "exact"].sum()),
        "forced_points": len(res.forced_points),
        "offset_weight": res.gazetteer.offset_weight,
        "seconds": seconds,
    }
