"""Intervention evaluation: published numbers, geometry, verdicts, bad input, CLI, real data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from analytics import displacement as dsp, interventions as iv
from analytics._errors import (
    IncidentSchemaError,
    InputFileError,
    InsufficientHistoryError,
    InterventionError,
)
from analytics._intervention_text import pct_text, verdict_text

LIMA = (-77.02, -12.07)  # lon, lat
COVERAGE = (pd.Timestamp("2023-01-01"), pd.Timestamp("2025-01-01"))


# --------------------------------------------------------------------------- published numbers
def test_wdd_wheeler_ratcliffe_example() -> None:
    """Wheeler & Ratcliffe (2018): control 308→318, treated 207→110, displacement control
    150→140, displacement 178→157: WDD −118, SE √1568 ≈ 39.6, Z ≈ −2.98."""
    r = dsp.weighted_displacement_difference((207, 110), (308, 318), (178, 157), (150, 140))
    assert r.wdd == -118
    assert r.se == pytest.approx(math.sqrt(1568))
    assert round(r.se, 1) == 39.6
    assert round(r.z, 2) == -2.98
    assert r.p_value < 0.01


def test_wdq_bowers_johnson_same_counts() -> None:
    """WDQ of treated (207, 110), buffer (178, 157), control (308, 318) is 0.258."""
    wdq = dsp.weighted_displacement_quotient((207, 110), (178, 157), (308, 318))
    assert wdq is not None and round(wdq, 3) == 0.258
    key, _ = dsp.wdq_reading(wdq, treated=(207, 110), control=(308, 318))
    assert key == "difusion"


def test_res_farrington_welsh() -> None:
    """RES = 1.943, 95 % CI 1.469–2.569 with a, b = treated before/after and c, d = control
    before/after: RES = a·d/(b·c). Vigía's effect: (1/RES − 1)·100 = −48.5 %."""
    e = dsp.relative_effect_size((207, 110), (308, 318))
    assert (round(e.res, 3), round(e.res_low, 3), round(e.res_high, 3)) == (1.943, 1.469, 2.569)
    assert e.effect_pct == pytest.approx((1 / e.res - 1) * 100)
    assert round(e.effect_pct, 1) == -48.5
    assert e.ci_low_pct < e.effect_pct < e.ci_high_pct < 0
    # a reduction in the treated area relative to the control is negative; a rise positive
    assert dsp.relative_effect_size((100, 150), (300, 300)).effect_pct == pytest.approx(50)


def test_total_net_effect_is_minus_one_control_wdd() -> None:
    tne = dsp.total_net_effect((207, 110), (178, 157), (308, 318))
    k = 318 / 308
    assert tne == pytest.approx((207 * k - 110) + (178 * k - 157))
    one = dsp.weighted_displacement_difference_one_control((207, 110), (178, 157), (308, 318))
    assert one.wdd == pytest.approx(-tne)
    kk = (207 + 178) / 308
    assert one.se ** 2 == pytest.approx(207 + 110 + 178 + 157 + kk * kk * (308 + 318))


@pytest.mark.parametrize(("treated", "buffer", "control", "key"), [
    ((100, 50), (100, 50), (100, 100), "difusion"),
    ((100, 50), (100, 101), (100, 100), "neutro"),
    ((100, 50), (100, 130), (100, 100), "desplazamiento_parcial"),
    ((100, 50), (100, 170), (100, 100), "desplazamiento_mayor"),
    ((100, 150), (100, 100), (100, 100), "no_aplica"),
    ((100, 100), (100, 120), (100, 100), "indefinido"),
], ids=["diffusion", "neutral", "partial", "erased", "worse", "no-change"])
def test_wdq_readings(treated: tuple[int, int], buffer: tuple[int, int],
                      control: tuple[int, int], key: str) -> None:
    wdq = dsp.weighted_displacement_quotient(treated, buffer, control)
    assert dsp.wdq_reading(wdq, treated=treated, control=control)[0] == key
    if key == "indefinido":
        assert wdq is None


def test_res_with_zero_count_raises() -> None:
    with pytest.raises(InsufficientHistoryError, match="conteo cero"):
        dsp.relative_effect_size((10, 0), (100, 100))


# --------------------------------------------------------------------------- count model
def test_did_fit_totals_variance_is_res_variance() -> None:
    post = np.array([False] * 4 + [True] * 3)
    r = np.array([50, 52, 55, 50, 30, 40, 40])
    c = np.array([300, 310, 320, 301, 310, 300, 308])
    fit = dsp.did_fit(r, c, post, monthly=False)
    e = dsp.relative_effect_size((r[~post].sum(), r[post].sum()), (c[~post].sum(), c[post].sum()))
    assert float(fit.beta[0]) == pytest.approx(-math.log(e.res))
    assert math.sqrt(float(fit.variance[0])) == pytest.approx(e.log_se)


def test_did_fit_monthly_matches_statsmodels_nb_glm(rng: np.random.Generator) -> None:
    """NB2 with the control as exposure: same β and standard error as statsmodels' GLM with
    the same α (plus the control's Poisson variance)."""
    sm = pytest.importorskip("statsmodels.api")
    post = np.arange(24) >= 12
    c = rng.poisson(900, 24).astype(float)
    mu = c * 0.05 * np.where(post, 0.7, 1.0)
    y = rng.negative_binomial(1 / 0.08, (1 / 0.08) / (1 / 0.08 + mu))
    fit = dsp.did_fit(y, c, post, monthly=True)
    alpha = float(fit.dispersion[0])
    assert alpha > 0
    X = np.column_stack([np.ones(24), post.astype(float)])
    ref = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=alpha), offset=np.log(c)).fit()
    assert float(fit.beta[0]) == pytest.approx(ref.params[1], abs=1e-7)
    ctl = 1 / c[~post].sum() + 1 / c[post].sum()
    assert float(fit.variance[0]) == pytest.approx(ref.bse[1] ** 2 + ctl, rel=1e-5)
    # the moment equation holds at the Poisson means
    mu0 = c * np.where(post, y[post].sum() / c[post].sum(), y[~post].sum() / c[~post].sum())
    assert np.sum((y - mu0) ** 2 / (mu0 * (1 + alpha * mu0))) == pytest.approx(22, rel=1e-6)


def test_did_fit_poisson_months_have_no_dispersion() -> None:
    post = np.arange(12) >= 6
    c = np.full(12, 1000.0)
    y = np.array([50, 50, 50, 50, 50, 50, 40, 40, 40, 40, 40, 40])
    fit = dsp.did_fit(y, c, post)
    assert float(fit.dispersion[0]) == 0.0
    assert float(fit.beta[0]) == pytest.approx(math.log(0.8))


def test_drift_variance_dersimonian_laird() -> None:
    assert dsp.drift_variance(np.zeros(10), np.full(10, 0.01)) == 0.0
    d = np.array([-0.3, 0.3] * 10)
    v = np.full(20, 0.01)
    q = np.sum((d - 0) ** 2 / 0.01)
    expected = (q - 19) / (20 / 0.01 - 20 / 0.01 ** 2 / (20 / 0.01))
    assert dsp.drift_variance(d, v) == pytest.approx(expected)
    assert dsp.drift_variance(d, v) == pytest.approx(0.09 - 0.01 * 19 / 20 / 1, rel=0.1)
    with pytest.raises(InsufficientHistoryError):
        dsp.drift_variance(np.array([0.1]), np.array([0.01]))


# --------------------------------------------------------------------------- geometry
@pytest.mark.parametrize(("lon", "lat", "epsg"), [
    (-77.03, -12.06, 32718), (-79.03, -8.11, 32717), (-75.16, 39.95, 32618),
    (2.35, 48.85, 32631),
], ids=["lima", "trujillo", "philadelphia", "paris"])
def test_utm_epsg(lon: float, lat: float, epsg: int) -> None:
    assert iv.utm_epsg(lon, lat) == epsg


def _utm_to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = iv.utm_transformer(32718, inverse=True).transform(x, y)
    return np.asarray(lon), np.asarray(lat)


def _square(x0: float, y0: float, half: float) -> shapely.Polygon:
    """A square of side ``2·half`` metres (UTM 18S) around ``(x0, y0)``, in EPSG:4326."""
    xs = np.array([x0 - half, x0 + half, x0 + half, x0 - half])
    ys = np.array([y0 - half, y0 - half, y0 + half, y0 + half])
    lon, lat = _utm_to_lonlat(xs, ys)
    return shapely.Polygon(np.column_stack([lon, lat]))


def _centre() -> tuple[float, float]:
    x, y = iv.utm_transformer(32718).transform(LIMA[0], LIMA[1])
    return float(x), float(y)


def test_zones_on_toy_square() -> None:
    """A 500 m square, a 400 m ring: hand-placed points land in R, D or C (the ring's
    corners are round: 300 m beyond both edges is 424 m away, so control)."""
    x0, y0 = _centre()
    area = _square(x0, y0, 250)
    # (dx, dy) from the centre, metres; the square's edge is at 250
    spots = {"R": [(0, 0), (200, -200)], "D": [(450, 0), (0, -640), (500, 500)],
             "C": [(900, 0), (550, 550), (0, 2000)]}
    rows = []
    for zone, pts in spots.items():
        for k, (dx, dy) in enumerate(pts):
            for when, n in (("2023-06-15", 3), ("2024-06-15", 2)):
                lon, lat = _utm_to_lonlat(np.array([x0 + dx]), np.array([y0 + dy]))
                rows += [{"occurred_at": pd.Timestamp(when) + pd.Timedelta(hours=k),
                          "lat": float(lat[0]), "lon": float(lon[0]), "zone": zone}] * n
    rows.append({"occurred_at": pd.Timestamp("2023-07-01"), "lat": np.nan, "lon": np.nan,
                 "zone": "-"})
    df = pd.DataFrame(rows)
    res = iv.evaluate_intervention(df, area, start="2024-01-01", coverage=COVERAGE,
                                   by_group=False, placebos=0)
    o = res.overall
    assert (o.area_before, o.area_after) == (2 * 3, 2 * 2)
    assert (o.buffer_before, o.buffer_after) == (3 * 3, 3 * 2)
    assert (o.control_before, o.control_after) == (3 * 3, 3 * 2)
    assert res.excluded_no_location == 1
    assert res.epsg == 32718
    assert res.area_km2 == pytest.approx(0.25, rel=1e-3)
    # ring = four 500 × 400 strips + four quarter discs of radius 400 (polygonised)
    assert res.buffer_km2 == pytest.approx((4 * 500 * 400 + math.pi * 400 ** 2) / 1e6, rel=2e-3)
    assert not o.enough and o.effect_pct is None
    assert o.verdict.startswith("Muy pocos incidentes para evaluar (n = 10")
    s = res.series
    assert s["area"].sum() == 10 and s["buffer"].sum() == 15 and s["control"].sum() == 15
    assert len(s) == 24 and s["post"].sum() == 12


def test_control_polygon_and_auto_district(rng: np.random.Generator) -> None:
    df = _synthetic(rng, n=20000)
    df["district"] = np.where(df["lon"] < LIMA[0], "OESTE", "ESTE")
    x0, y0 = _centre()
    area = _square(x0 - 1500, y0, 400)  # west
    res = iv.evaluate_intervention(df, area, start="2024-01-01", by_group=False, placebos=0)
    assert res.control_label == "resto del distrito OESTE"
    in_west = (df["lon"] < LIMA[0]).sum()
    o = res.overall
    assert o.area_before + o.area_after + o.buffer_before + o.buffer_after \
        + o.control_before + o.control_after == in_west
    assert res.outside_control == len(df) - in_west
    ctl = _square(x0 + 1500, y0, 600)
    res2 = iv.evaluate_intervention(df, area, start="2024-01-01", control=ctl, by_group=False,
                                    placebos=0)
    assert res2.control_label == "zona de control indicada"
    inside = shapely.contains_xy(ctl, df["lon"].to_numpy(), df["lat"].to_numpy())
    assert res2.overall.control_before + res2.overall.control_after == int(inside.sum())


def test_area_from_cells_unites_hexagons() -> None:
    import h3

    c = h3.latlng_to_cell(LIMA[1], LIMA[0], 9)
    cells = list(h3.grid_disk(c, 1))
    geom = iv.area_from_cells(cells)
    assert geom.geom_type == "Polygon"
    one = iv.area_from_cells([c])
    assert geom.area == pytest.approx(7 * one.area, rel=0.02)
    assert iv.area_from_cells([h3.str_to_int(c)]).equals(one)
    with pytest.raises(InterventionError, match="no válida"):
        iv.area_from_cells(["zz"])


# --------------------------------------------------------------------------- verdicts
def _comp(**kw: object) -> iv.AreaComparison:
    base: dict[str, object] = dict(crime_group=None, label="Todos", area_before=150,
                                   area_after=100, buffer_before=300, buffer_after=300,
                                   control_before=5000, control_after=5000, enough=True,
                                   method="nb_monthly", drift_sd=0.1)
    base.update(kw)
    return iv.AreaComparison(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kw", "expected"), [
    (dict(effect_pct=-28.4, ci_low_pct=-37.2, ci_high_pct=-19.1, buffer_effect_pct=1.0,
          buffer_ci_low_pct=-10.0, buffer_ci_high_pct=12.0),
     "Reducción del 28 % (IC 95 %: −37 % a −19 %) frente a la zona de control; sin indicios de "
     "desplazamiento hacia el anillo de 400 m."),
    (dict(effect_pct=-12.2, ci_low_pct=-30.4, ci_high_pct=8.7, buffer_effect_pct=1.0,
          buffer_ci_low_pct=-10.0, buffer_ci_high_pct=12.0),
     "No se puede afirmar un efecto: el intervalo incluye el cero (cambio estimado −12 %; "
     "IC 95 %: −30 % a +9 %); sin indicios de desplazamiento hacia el anillo de 400 m."),
    (dict(area_before=4, area_after=3, enough=False),
     "Muy pocos incidentes para evaluar (n = 7 en el área antes y después): se necesitan al "
     "menos 20."),
    (dict(effect_pct=-30.0, ci_low_pct=-40.0, ci_high_pct=-20.0, buffer_effect_pct=18.0,
          buffer_ci_low_pct=4.0, buffer_ci_high_pct=33.0, wdq=-0.8,
          wdq_key="desplazamiento_parcial"),
     "Reducción del 30 % (IC 95 %: −40 % a −20 %) frente a la zona de control; indicios de "
     "desplazamiento: el anillo de 400 m aumentó un 18 % (IC 95 %: +4 % a +33 %) frente a la "
     "zona de control, WDQ = −0,80; aun así hay beneficio neto."),
    (dict(effect_pct=21.0, ci_low_pct=3.0, ci_high_pct=42.0, buffer_effect_pct=-15.0,
          buffer_ci_low_pct=-25.0, buffer_ci_high_pct=-4.0, wdq=None, wdq_key="no_aplica"),
     "Aumento del 21 % (IC 95 %: +3 % a +42 %) frente a la zona de control; difusión de "
     "beneficios: el anillo de 400 m bajó un 15 % (IC 95 %: −25 % a −4 %) frente a la zona "
     "de control."),
], ids=["reduction", "inconclusive", "too-few", "displacement", "increase"])
def test_verdict_text(kw: dict[str, object], expected: str) -> None:
    assert verdict_text(_comp(**kw), buffer_m=400, alpha=0.05) == expected


def test_verdict_uncalibrated_warns() -> None:
    c = _comp(effect_pct=-30.0, ci_low_pct=-40.0, ci_high_pct=-20.0, drift_sd=None)
    assert "sin calibrar" in verdict_text(c, buffer_m=400, alpha=0.05)
    assert pct_text(-0.4) == "0 %" and pct_text(9.0, signed=True) == "+9 %"


# --------------------------------------------------------------------------- end to end
def _synthetic(rng: np.random.Generator, *, n: int = 40000, half_deg: float = 0.04
               ) -> pd.DataFrame:
    lat = LIMA[1] + rng.uniform(-half_deg, half_deg, n)
    lon = LIMA[0] + rng.uniform(-half_deg, half_deg, n)
    t = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.uniform(0, 731, n), unit="D")
    groups = rng.choice(np.array(["patrimonio", "vida_cuerpo_salud"]), n, p=[0.7, 0.3])
    return pd.DataFrame({"occurred_at": t.floor("min"), "lat": lat, "lon": lon,
                         "crime_type": np.where(groups == "patrimonio", "robo", "lesiones"),
                         "crime_group": groups})


def _after_in(df: pd.DataFrame, area: shapely.Polygon) -> np.ndarray:
    inside = shapely.contains_xy(area, df["lon"].to_numpy(), df["lat"].to_numpy())
    return inside & (df["occurred_at"] >= "2024-01-01").to_numpy()


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    return _synthetic(np.random.default_rng(5))


def test_recovers_injected_reduction(synthetic: pd.DataFrame) -> None:
    rng = np.random.default_rng(1)
    x0, y0 = _centre()
    area = _square(x0, y0, 600)
    hit = _after_in(synthetic, area) & (rng.random(len(synthetic)) < 0.4)
    res = iv.evaluate_intervention(synthetic.loc[~hit], area, start="2024-01-01")
    o = res.overall
    assert o.method == "nb_monthly" and res.calibrated and o.placebos >= iv.MIN_PLACEBOS
    assert o.ci_low_pct < -40 < o.ci_high_pct < 0
    assert o.verdict.startswith("Reducción del ")
    assert "sin indicios de desplazamiento" in o.verdict
    assert {g.crime_group for g in res.groups} == {"patrimonio", "vida_cuerpo_salud"}
    s = res.series
    after = s[s["post"]]
    assert (after["counterfactual_low"] <= after["counterfactual"]).all()
    assert after["area"].sum() < after["counterfactual"].sum()


def test_untouched_area_includes_zero(synthetic: pd.DataFrame) -> None:
    x0, y0 = _centre()
    res = iv.evaluate_intervention(synthetic, _square(x0 + 300, y0 - 200, 600),
                                   start="2024-01-01", by_group=False)
    o = res.overall
    assert o.ci_low_pct < 0 < o.ci_high_pct
    assert o.verdict.startswith("No se puede afirmar un efecto")


def test_finds_injected_displacement(synthetic: pd.DataFrame) -> None:
    rng = np.random.default_rng(2)
    x0, y0 = _centre()
    area = _square(x0, y0, 600)
    hit = _after_in(synthetic, area) & (rng.random(len(synthetic)) < 0.4)
    areas = iv.study_areas(area)
    moved = synthetic.copy()
    # move them 200 m east or west: into the ring
    xs, ys = iv.utm_transformer(32718).transform(moved.loc[hit, "lon"].to_numpy(),
                                                 moved.loc[hit, "lat"].to_numpy())
    side = np.where(np.asarray(xs) > x0, 1.0, -1.0)
    nx = x0 + side * (600 + 200) + rng.uniform(-100, 100, hit.sum())
    assert shapely.contains_xy(areas.ring, nx, np.asarray(ys)).all()
    lon, lat = _utm_to_lonlat(nx, np.asarray(ys))
    moved.loc[hit, "lon"], moved.loc[hit, "lat"] = lon, lat
    o = iv.evaluate_intervention(moved, area, start="2024-01-01", by_group=False).overall
    assert o.wdq is not None and -1.5 < o.wdq < -0.5
    assert "indicios de desplazamiento:" in o.verdict
    assert o.buffer_ci_low_pct is not None and o.buffer_ci_low_pct > 0


def test_short_windows_use_res_on_totals(synthetic: pd.DataFrame) -> None:
    x0, y0 = _centre()
    res = iv.evaluate_intervention(synthetic, _square(x0, y0, 600), start="2024-01-01",
                                   months_before=4, months_after=2, by_group=False, placebos=0)
    o = res.overall
    assert o.method == "res_totals" and not res.calibrated
    e = dsp.relative_effect_size((o.area_before, o.area_after),
                                 (o.control_before, o.control_after))
    assert o.effect_pct == pytest.approx(e.effect_pct)
    assert (o.ci_low_pct, o.ci_high_pct) == pytest.approx((e.ci_low_pct, e.ci_high_pct))
    assert any("RES sobre los totales" in n for n in res.notes)


def test_same_seed_same_result(synthetic: pd.DataFrame) -> None:
    x0, y0 = _centre()
    a = iv.evaluate_intervention(synthetic, _square(x0, y0, 500), start="2024-01-01",
                                 by_group=False, seed=3)
    b = iv.evaluate_intervention(synthetic, _square(x0, y0, 500), start="2024-01-01",
                                 by_group=False, seed=3)
    assert a.to_dict() == b.to_dict()


# --------------------------------------------------------------------------- bad input
def _bowtie() -> shapely.Polygon:
    lon, lat = LIMA
    return shapely.Polygon([(lon, lat), (lon + 0.01, lat + 0.01), (lon + 0.01, lat),
                            (lon, lat + 0.01)])


@pytest.mark.parametrize(("kw", "match"), [
    (dict(area="bowtie"), "no es un polígono válido"),
    (dict(area=shapely.LineString([(-77.0, -12.0), (-77.01, -12.01)])), "debe ser un polígono"),
    (dict(area=shapely.box(500000, 8600000, 501000, 8601000)), "no está en grados"),
    (dict(area=shapely.box(2.3, 48.8, 2.4, 48.9)), "no se superpone con los datos"),
    (dict(start="2019-05-01"), "fuera de los datos"),
    (dict(months_before=36), "empieza antes de los datos"),
    (dict(months_after=24), "termina después de los datos"),
    (dict(end="2024-06-01", months_after=3), "no ambos"),
    (dict(end="2023-06-01"), "posterior al inicio"),
    (dict(buffer_m=-5), "ancho del anillo"),
    (dict(crime_group="robos"), "Grupo delictivo desconocido"),
    (dict(start="2024-13-01"), "no es una fecha válida"),
], ids=["invalid-polygon", "line", "projected", "no-overlap", "start-outside", "before-outside",
        "after-outside", "end-and-months", "end-before-start", "buffer", "group", "bad-date"])
def test_bad_input(synthetic: pd.DataFrame, kw: dict[str, object], match: str) -> None:
    x0, y0 = _centre()
    args: dict[str, object] = dict(area=_square(x0, y0, 300), start="2024-01-01")
    args.update(kw)
    if args["area"] == "bowtie":
        args["area"] = _bowtie()
    area = args.pop("area")
    with pytest.raises(InterventionError, match=match):
        iv.evaluate_intervention(synthetic, area, by_group=False, placebos=0, **args)


def test_bad_input_collects_every_problem(synthetic: pd.DataFrame) -> None:
    with pytest.raises(InterventionError) as err:
        iv.evaluate_intervention(synthetic, _bowtie(), start="2030-01-01", buffer_m=0)
    text = str(err.value)
    for part in ("no es un polígono válido", "fuera de los datos", "ancho del anillo"):
        assert part in text


def test_missing_columns(synthetic: pd.DataFrame) -> None:
    x0, y0 = _centre()
    with pytest.raises(IncidentSchemaError, match="lat"):
        iv.evaluate_intervention(synthetic.drop(columns=["lat"]), _square(x0, y0, 300),
                                 start="2024-01-01")


def test_default_windows_shorten_to_the_data() -> None:
    w = iv.evaluation_windows("2023-05-01", coverage=COVERAGE)
    assert w.months_before == 4 and w.months_after == 12 and w.monthly is False
    assert any("4 meses" in n for n in w.notes)
    w2 = iv.evaluation_windows("2024-09-15", coverage=COVERAGE)
    assert w2.after_end == pd.Timestamp("2025-01-01") and w2.monthly
    assert w2.edges[-2] == pd.Timestamp("2024-12-15")
    assert w2.months_after == pytest.approx(3 + 17 / 31)


# --------------------------------------------------------------------------- register
def _inter(ident: str, box: tuple[float, float, float, float], start: str,
           end: str | None = None) -> iv.Intervention:
    return iv.Intervention(id=ident, name=f"op {ident}", area=shapely.box(*box),
                           start=pd.Timestamp(start), end=None if end is None
                           else pd.Timestamp(end))


def test_overlapping_interventions() -> None:
    lon, lat = LIMA
    new = _inter("n", (lon, lat, lon + 0.01, lat + 0.01), "2024-03-01", "2024-09-01")
    existing = [
        _inter("a", (lon + 0.005, lat, lon + 0.02, lat + 0.01), "2024-01-01"),  # open-ended
        _inter("b", (lon + 0.005, lat, lon + 0.02, lat + 0.01), "2023-01-01", "2024-03-01"),
        _inter("c", (lon + 0.0130, lat, lon + 0.02, lat + 0.01), "2024-04-01", "2024-05-01"),
        _inter("n", (lon, lat, lon + 0.01, lat + 0.01), "2024-03-01"),  # itself
    ]
    clashes = iv.overlapping_interventions(new, existing)
    assert [c.id for c in clashes] == ["a"]
    assert clashes[0].shared_km2 == pytest.approx(0.005 * 0.01 * 111.32 ** 2 * math.cos(
        math.radians(12.065)), rel=0.02)
    # 'c' is ~330 m east of the new area's edge: within its 400 m ring
    assert [c.id for c in iv.overlapping_interventions(new, existing, buffer_m=400)] == ["a", "c"]


def test_intervention_from_record() -> None:
    area = json.dumps(shapely.geometry.mapping(shapely.box(-77.03, -12.07, -77.02, -12.06)))
    rec = {"id": 4, "name": "Operativo", "kind": "patrullaje", "area_geojson": area,
           "start": "2024-02-01", "end": None, "body": "Codisec"}
    it = iv.intervention_from_record(rec)
    assert (it.id, it.start, it.end, it.kind) == ("4", pd.Timestamp("2024-02-01"), None,
                                                  "patrullaje")
    bad = dict(rec, area_geojson="{", start="2024-02-01", end="2024-01-01")
    with pytest.raises(InterventionError) as err:
        iv.intervention_from_record(bad)
    assert "geometría" in str(err.value) and "posterior al inicio" in str(err.value)


# --------------------------------------------------------------------------- CLI
REQUIRED_KEYS = {"area_before", "area_after", "buffer_before", "buffer_after", "control_before",
                 "control_after", "effect_pct", "ci_low_pct", "ci_high_pct", "wdq",
                 "total_net_effect", "wdd", "wdd_se", "method"}
ALL_KEYS = REQUIRED_KEYS | {
    "name", "crime_group", "label", "enough", "p_value", "buffer_effect_pct",
    "buffer_ci_low_pct", "buffer_ci_high_pct", "res", "res_ci_low", "res_ci_high", "wdq_key",
    "interval_multiplier",
    "wdq_reading", "wdd_z", "dispersion", "drift_sd", "buffer_drift_sd", "placebos", "verdict",
    "start", "before_start", "after_end", "months_before", "months_after", "buffer_m",
    "area_km2", "buffer_km2", "control", "epsg", "excluded_no_location", "outside_control",
    "calibrated", "confidence", "notes", "groups", "series"}


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A store with two years of synthetic incidents (35 % fewer inside a square from
    2024-01-01) and the square as GeoJSON."""
    from analytics import hexbin, settings, store

    rng = np.random.default_rng(9)
    df = _synthetic(rng, n=20000)
    x0, y0 = _centre()
    area = _square(x0, y0, 600)
    df = df.loc[~(_after_in(df, area) & (rng.random(len(df)) < 0.35))].reset_index(drop=True)
    df["incident_id"] = [f"s{i}" for i in range(len(df))]
    df["district"] = "LA VICTORIA"
    df["ubigeo"] = "150115"
    df["source"] = "prueba"
    df["h3_r12"] = hexbin.points_to_cells(df["lat"].to_numpy(), df["lon"].to_numpy())
    df["import_id"] = 1
    root = tmp_path_factory.mktemp("evaluate")
    db = root / "vigia.duckdb"
    con = store.connect(db)
    cols = [c for c, _ in settings.INCIDENT_COLUMNS]
    con.register("src", df[cols])
    con.execute(f"INSERT INTO incidents BY NAME SELECT {', '.join(cols)} FROM src")
    con.close()
    path = root / "area.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"nombre": "zona"},
         "geometry": shapely.geometry.mapping(area)}]}), encoding="utf-8")
    return db, path


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from analytics import cli

    code = cli.main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_area_json(cli_store: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                       tmp_path: Path) -> None:
    db, area = cli_store
    pdf = tmp_path / "informe.pdf"
    code, out, err = _cli(["evaluate", "--db", str(db), "--area", str(area), "--start",
                           "2024-01-01", "--json", "--out", str(pdf)], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == ALL_KEYS
    assert doc["method"] == "nb_monthly" and doc["control"] == "resto del distrito LA VICTORIA"
    assert doc["ci_low_pct"] < -35 < doc["ci_high_pct"] < 0
    assert len(doc["series"]) == 24
    assert set(doc["series"][0]) == {"month_start", "post", "area", "buffer", "control",
                                     "counterfactual", "counterfactual_low",
                                     "counterfactual_high"}
    assert pdf.read_bytes().startswith(b"%PDF")


def test_cli_text_and_group(cli_store: tuple[Path, Path],
                            capsys: pytest.CaptureFixture[str]) -> None:
    db, area = cli_store
    code, out, err = _cli(["evaluate", "--db", str(db), "--area", str(area), "--start",
                           "2024-01-01", "--months-before", "6", "--months-after", "3",
                           "--crime-group", "patrimonio", "--buffer-m", "300"], capsys)
    assert code == 0, err
    assert "Anillo de 300 m" in out
    assert out.splitlines()[0].startswith(("Reducción", "Aumento", "No se puede afirmar"))


@pytest.mark.parametrize(("extra", "match"), [
    (["--intervention", "9", "--start", "2024-01-01"], "No existe la intervención '9'"),
    (["--area", "no_existe.geojson", "--start", "2024-01-01"], "No existe el archivo"),
    (["--area", "AREA"], "Falta --start"),
    (["--area", "AREA", "--start", "2030-01-01"], "fuera de los datos"),
    (["--area", "AREA", "--start", "2024-01-01", "--out", "x.txt"], ".pdf"),
    (["--start", "2024-01-01"], "argumentos obligatorios"),
    (["--area", "POINTS", "--start", "2024-01-01"], "no tiene polígonos"),
], ids=["no-register", "missing-file", "no-start", "start-outside", "not-pdf", "no-source",
        "points"])
def test_cli_errors(cli_store: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                    tmp_path: Path, extra: list[str], match: str) -> None:
    db, area = cli_store
    points = tmp_path / "points.geojson"
    points.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "Point", "coordinates": list(LIMA)}}]}), encoding="utf-8")
    args = [str(area) if a == "AREA" else str(points) if a == "POINTS" else a for a in extra]
    try:
        code, _, err = _cli(["evaluate", "--db", str(db), *args], capsys)
    except SystemExit as exc:  # argparse usage errors
        code, err = int(exc.code or 0), capsys.readouterr().err
    assert code == 2
    assert match in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_cli_intervention_from_register(cli_store: tuple[Path, Path], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from analytics import store
    from analytics._cli_evaluate import intervention_area

    db0, area = cli_store
    db = tmp_path / "con_registro.duckdb"
    shutil.copy(db0, db)
    from analytics import intervention_register as reg

    geo = json.loads(area.read_text(encoding="utf-8"))["features"][0]["geometry"]
    con = store.connect(db)
    first = reg.add_intervention(con, name="Operativo Centro", kind="patrullaje_focalizado",
                                 area=geo, start="2024-01-01", body="Codisec", user="ana")
    second = reg.add_intervention(con, name="Alumbrado", kind="iluminacion", area=geo,
                                  start="2023-06-01", body="Municipalidad", user="ana")
    assert (first.id, second.id) == ("I1", "I2")
    assert "Operativo Centro" in second.warnings[0]
    assert intervention_area(con, "I9") is None
    assert intervention_area(con, "I1").name == "Operativo Centro"
    con.close()
    code, out, err = _cli(["evaluate", "--db", str(db), "--intervention", "I1", "--json"],
                          capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["name"] == "Operativo Centro" and doc["start"] == "2024-01-01"
    assert doc["ci_high_pct"] < 0
    assert any("Alumbrado" in n and "se superpone" in n for n in doc["notes"])


def test_read_area_reprojects_and_unites(tmp_path: Path) -> None:
    gpd = pytest.importorskip("geopandas")
    from analytics._cli_evaluate import read_area

    x0, y0 = _centre()
    g = gpd.GeoDataFrame({"n": [1, 2]}, geometry=[shapely.box(x0, y0, x0 + 100, y0 + 100),
                                                  shapely.box(x0 + 100, y0, x0 + 200, y0 + 100)],
                         crs="EPSG:32718")
    path = tmp_path / "zona.gpkg"
    g.to_file(path)
    geom = read_area(path)
    assert geom.geom_type == "Polygon"
    assert geom.bounds[0] == pytest.approx(LIMA[0], abs=0.001)
    with pytest.raises(InputFileError):
        read_area(tmp_path / "nada.shp")


# --------------------------------------------------------------------------- real data
@pytest.mark.realdata
def test_philadelphia_injected_effects(philadelphia_path: Path) -> None:
    """Real Philadelphia incidents, 2022–2023, start 2023-01-01: injected reductions are
    recovered inside the interval at three sizes, injected displacement gives WDQ near −1,
    and untouched areas mostly include zero."""
    from bench import _interventions_harness as H

    df = H.load_philadelphia(philadelphia_path, start="2022-01-01", end="2024-01-01")
    cov = (pd.Timestamp("2016-01-01"), pd.Timestamp("2026-01-01"))
    start = "2023-01-01"
    rng = np.random.default_rng(2026)

    def run(data: pd.DataFrame, area: object) -> iv.AreaComparison:
        return iv.evaluate_intervention(data, area, start=start, coverage=cov,
                                        by_group=False).overall

    cases = [(H.random_disc(df, rng, 250), 0.5), (H.random_disc(df, rng, 700), 0.3),
             (H.district_area(philadelphia_path, 22), 0.2)]
    for area, share in cases:
        o = run(H.inject_reduction(df, area, start, share, rng), area)
        truth = -100 * share
        assert o.method == "nb_monthly" and o.drift_sd is not None
        assert o.ci_low_pct is not None and o.ci_high_pct is not None
        assert o.ci_low_pct < truth < o.ci_high_pct, (share, o)
        if o.area_before >= 300:  # enough incidents to detect it, not only to cover it
            assert o.ci_high_pct < 0, (share, o)
    # displacement: a ring holding about as many incidents as the area (a 250 m ring around
    # a busy 700 m disc); the WDQ's noise grows with the ring's count over the area's
    disc = H.random_disc(df, rng, 700, min_incidents=3000)

    def run_ring(data: pd.DataFrame) -> iv.AreaComparison:
        return iv.evaluate_intervention(data, disc, start=start, coverage=cov, by_group=False,
                                        buffer_m=250).overall

    o = run_ring(H.inject_displacement(df, disc, start, 0.5, rng, buffer_m=250))
    assert o.wdq is not None and -1.6 < o.wdq < -0.5, o
    assert o.buffer_ci_low_pct is not None and o.buffer_ci_low_pct > 0, o
    assert "indicios de desplazamiento:" in o.verdict
    o = run_ring(H.inject_reduction(df, disc, start, 0.5, rng))
    assert o.wdq is not None and abs(o.wdq) < 0.5, o
    assert "sin indicios de desplazamiento" in o.verdict
    false_pos = 0
    for _ in range(8):
        o = run(df, H.random_disc(df, rng, float(rng.uniform(200, 1200))))
        if o.ci_low_pct is not None and o.ci_high_pct is not None and \
                not (o.ci_low_pct <= 0 <= o.ci_high_pct):
            false_pos += 1
    assert false_pos <= 2
