"""Strings of Mapa (``es`` and ``en``; see :mod:`ui.i18n`)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # --- mapa
    "mapa.title": {"es": "Mapa de calor por hexágonos", "en": "Hexagon heat map"},
    "mapa.metric": {"es": "Colorear por", "en": "Colour by"},
    "mapa.metric_count": {"es": "Número de incidentes", "en": "Number of incidents"},
    "mapa.metric_rate": {"es": "Incidentes por km²", "en": "Incidents per km²"},
    "mapa.view3d": {"es": "Vista 3D", "en": "3D view"},
    "mapa.points": {"es": "Mostrar puntos (al acercarse)", "en": "Show points (when zoomed in)"},
    "mapa.points_help": {"es": "Los 5 000 incidentes más recientes como puntos. Nunca se "
                               "muestran puntos de violencia contra la mujer ni delitos "
                               "sexuales.",
                         "en": "The 5,000 most recent incidents as points. Violence against "
                               "women and sexual offences are never shown as points."},
    "mapa.points_public": {"es": "Los puntos no están disponibles en modo público.",
                           "en": "Points are not available in public mode."},
    "mapa.step": {"es": "Reproducir en el tiempo", "en": "Time player"},
    "mapa.step_none": {"es": "Todo el periodo", "en": "Whole period"},
    "mapa.step_hour": {"es": "Por hora del día", "en": "By hour of day"},
    "mapa.step_week": {"es": "Por semana", "en": "By week"},
    "mapa.play": {"es": "▶ Reproducir", "en": "▶ Play"},
    "mapa.frame": {"es": "Momento", "en": "Frame"},
    "mapa.frame_hour": {"es": "{h:02d}:00–{h:02d}:59", "en": "{h:02d}:00–{h:02d}:59"},
    "mapa.frame_week": {"es": "Semana del {d}", "en": "Week of {d}"},
    "mapa.legend": {"es": "Leyenda", "en": "Legend"},
    "mapa.legend_fixed": {"es": "Escala fija para todo el recorrido.",
                          "en": "Scale fixed for the whole player."},
    "mapa.tooltip": {"es": "<b>{n}</b> incidentes<br/>{rate} por km²<br/>{top}<br/>Hora pico: "
                           "{peak}:00",
                     "en": "<b>{n}</b> incidents<br/>{rate} per km²<br/>{top}<br/>Peak hour: "
                           "{peak}:00"},
    "mapa.tooltip_frame": {"es": "<b>{n}</b> incidentes en este momento",
                           "en": "<b>{n}</b> incidents in this frame"},
    "mapa.basemap_off": {"es": "Sin conexión al mapa base: se muestran los límites distritales.",
                         "en": "No basemap connection: district outlines are shown."},
    "mapa.summary": {"es": "{n} incidentes en {cells} hexágonos (resolución {res}).",
                     "en": "{n} incidents in {cells} hexagons (resolution {res})."},
    "mapa.suppressed": {"es": "Versión pública: cada hexágono suma las cifras publicadas "
                              "del periodo (por trimestre, distrito y grupo, al menos {k} "
                              "incidentes cada una; otras se suprimen). Violencia familiar y "
                              "sexual solo en hexágonos de resolución 6.",
                        "en": "Public version: each hexagon adds up the period's published "
                              "figures (by quarter, district and group, at least {k} incidents "
                              "each; others are suppressed). Family and sexual violence only in "
                              "resolution-6 hexagons."},
    "mapa.profile": {"es": "Perfil del hexágono", "en": "Hexagon profile"},
    "mapa.pick_cell": {"es": "Hexágono (haga clic en el mapa o elija aquí)",
                       "en": "Hexagon (click on the map or choose here)"},
    "mapa.profile_head": {"es": "{n} incidentes en {cell} ({district}).",
                          "en": "{n} incidents in {cell} ({district})."},
    "mapa.hours": {"es": "Por hora del día", "en": "By hour of day"},
    "mapa.weekdays": {"es": "Por día de la semana", "en": "By weekday"},
    "mapa.types": {"es": "Tipos de delito", "en": "Crime types"},
    "mapa.trend": {"es": "Tendencia semanal", "en": "Weekly trend"},
}
