"""Altair charts for the pages; every function copies its input and returns a chart."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.i18n import lang, t, weekday_name

_RED = "#b3261e"


def _date_axis() -> alt.Axis:
    """Numeric day/month labels (Vega's month names would be English)."""
    return alt.Axis(format="%d/%m/%y" if lang() == "es" else "%Y-%m-%d", labelAngle=0)


def _date_tip(field: str, title: str) -> alt.Tooltip:
    return alt.Tooltip(field, title=title, format="%d/%m/%Y" if lang() == "es" else "%Y-%m-%d")


def hour_weekday_heatmap(matrix: pd.DataFrame) -> alt.Chart:
    """Heat map of ``weekday × hour`` counts (columns ``weekday, hour, n``)."""
    df = matrix.copy()
    df["day"] = [weekday_name(d) for d in df["weekday"]]
    order = [weekday_name(d) for d in range(7)]
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("hour:O", title=t("col.hour")),
        y=alt.Y("day:N", sort=order, title=None),
        color=alt.Color("n:Q", title=t("series.count"), scale=alt.Scale(scheme="yelloworangered")),
        tooltip=[alt.Tooltip("day:N", title=t("col.weekday")),
                 alt.Tooltip("hour:O", title=t("col.hour")),
                 alt.Tooltip("n:Q", title=t("series.count"))],
    ).properties(height=230)


def weekly_with_ma(series: pd.Series, ma: pd.Series) -> alt.LayerChart:
    """Weekly counts (bars) with a moving average (line)."""
    df = pd.DataFrame({"week": series.index, "n": series.to_numpy(), "ma": ma.to_numpy()})
    base = alt.Chart(df).encode(x=alt.X("week:T", title=t("col.week"), axis=_date_axis()))
    width = max(2, min(40, int(700 / max(len(df), 1) * 0.7)))
    bars = base.mark_bar(color="#f4a582", opacity=0.8, size=width).encode(
        y=alt.Y("n:Q", title=t("series.weekly")),
        tooltip=[_date_tip("week:T", t("col.week")),
                 alt.Tooltip("n:Q", title=t("series.count"))])
    line = base.mark_line(color=_RED, strokeWidth=2.5).encode(
        y="ma:Q", tooltip=[alt.Tooltip("ma:Q", title=t("series.ma"), format=".1f")])
    return (bars + line).properties(height=260)


def daily_with_marks(series: pd.Series, marks: pd.DataFrame) -> alt.LayerChart:
    """Daily counts with vertical rules on holidays (red) and paydays (grey)."""
    df = pd.DataFrame({"date": series.index, "n": series.to_numpy()})
    line = alt.Chart(df).mark_line(color="#444").encode(
        x=alt.X("date:T", title=t("col.date"), axis=_date_axis()),
        y=alt.Y("n:Q", title=t("series.count")),
        tooltip=[_date_tip("date:T", t("col.date")),
                 alt.Tooltip("n:Q", title=t("series.count"))])
    m = marks.copy()
    m["label"] = [t(f"mark.{k}") for k in m["kind"]]
    rules = alt.Chart(m).mark_rule(strokeDash=[4, 3]).encode(
        x="date:T",
        color=alt.Color("label:N", title=t("mark.kind"),
                        scale=alt.Scale(domain=[t("mark.feriado"), t("mark.pago")],
                                        range=[_RED, "#888"])),
        tooltip=[_date_tip("date:T", t("col.date")),
                 alt.Tooltip("name:N", title=t("mark.name"))])
    return (rules + line).properties(height=240)


def stl_panels(stl: pd.DataFrame) -> alt.Chart:
    """Observed, trend, seasonal and residual stacked as small multiples."""
    names = {c: t(f"series.{c}") for c in ("observed", "trend", "seasonal", "resid")}
    df = stl.rename_axis("date").reset_index().melt("date", var_name="part", value_name="v")
    df["part"] = df["part"].map(names)
    return alt.Chart(df).mark_line(color=_RED).encode(
        x=alt.X("date:T", title=None, axis=_date_axis()), y=alt.Y("v:Q", title=None),
    ).properties(height=90, width=820).facet(
        row=alt.Row("part:N", sort=list(names.values()), title=None),
    ).resolve_scale(y="independent")


def type_mix_area(mix: pd.DataFrame, labels: dict[str, str] | None = None) -> alt.Chart:
    """Stacked weekly areas per category (columns ``week, category, n``)."""
    df = mix.copy()
    if labels:
        df["category"] = [labels.get(c, c) for c in df["category"]]
    return alt.Chart(df).mark_area().encode(
        x=alt.X("week:T", title=t("col.week"), axis=_date_axis()),
        y=alt.Y("n:Q", stack="zero", title=t("series.count")),
        color=alt.Color("category:N", title=None),
        tooltip=[_date_tip("week:T", t("col.week")), "category:N",
                 alt.Tooltip("n:Q", title=t("series.count"))],
    ).properties(height=260)


def bars(values: pd.Series, *, x_title: str, labels: list[str] | None = None,
         height: int = 180) -> alt.Chart:
    """Simple bar chart of a small series (hours, weekdays…)."""
    df = pd.DataFrame({"k": labels if labels is not None else [str(i) for i in values.index],
                       "n": values.to_numpy()})
    return alt.Chart(df).mark_bar(color=_RED).encode(
        x=alt.X("k:N", sort=None, title=x_title), y=alt.Y("n:Q", title=t("series.count")),
        tooltip=[alt.Tooltip("k:N", title=x_title), alt.Tooltip("n:Q", title=t("series.count"))],
    ).properties(height=height)


def trend_line(series: pd.Series) -> alt.Chart:
    """Weekly line for one cell."""
    df = pd.DataFrame({"week": series.index, "n": series.to_numpy()})
    return alt.Chart(df).mark_line(point=True, color=_RED).encode(
        x=alt.X("week:T", title=t("col.week"), axis=_date_axis()),
        y=alt.Y("n:Q", title=t("series.count")),
        tooltip=[_date_tip("week:T", t("col.week")), alt.Tooltip("n:Q", title=t("series.count"))],
    ).properties(height=180)


def hit_rate_curve(curve: pd.DataFrame, labels: dict[str, str] | None = None, *,
                   max_area: float = 0.5) -> alt.Chart:
    """Hit rate versus share of the area flagged, one line per model.

    ``curve`` has ``model, coverage, hit_rate`` (shares 0–1, as
    ``analytics.evaluation.hit_rate_curve``); only shares up to ``max_area`` are drawn
    (patrols cover small areas). A dashed diagonal shows patrolling at random.
    """
    df = curve.loc[curve["coverage"] <= max_area + 1e-9].copy()
    df["model"] = [(labels or {}).get(m, m) for m in df["model"]]
    df["area"] = df["coverage"].astype(float) * 100
    df["hit"] = df["hit_rate"].astype(float) * 100
    top = 100 * max_area
    x = alt.X("area:Q", title=t("pronostico.curve_x"), scale=alt.Scale(domain=[0, top]))
    y = alt.Y("hit:Q", title=t("pronostico.curve_y"), scale=alt.Scale(domain=[0, 100]))
    lines = alt.Chart(df).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=x, y=y, color=alt.Color("model:N", title=t("pronostico.col_model"),
                                  legend=alt.Legend(orient="bottom", columns=2, labelLimit=320)),
        tooltip=[alt.Tooltip("model:N", title=t("pronostico.col_model")),
                 alt.Tooltip("area:Q", title=t("pronostico.curve_x"), format=".1f"),
                 alt.Tooltip("hit:Q", title=t("pronostico.curve_y"), format=".1f")])
    diag = alt.Chart(pd.DataFrame({"area": [0.0, top], "hit": [0.0, top]})).mark_line(
        color="#999", strokeDash=[4, 3]).encode(x="area:Q", y="hit:Q")
    return (diag + lines).properties(height=440)  # the legend below takes ~120 px
