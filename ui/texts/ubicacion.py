"""Strings of where incidents are: precision, geocoding, forced points (``es`` and ``en``).

Used by Datos (import summary, location quality), Inicio (the low-precision warning)
and every hexagon page (the line saying how many incidents have no precise place).
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "ubic.unplaced": {"es": "{n} incidentes del filtro no están en los hexágonos por no tener un "
                            "lugar preciso (solo distrito, vía sin cuadra o centro de zona); sí "
                            "cuentan en los indicadores por distrito y en los patrones.",
                      "en": "{n} incidents of the filter are not in the hexagons for lack of a "
                            "precise place (district only, street without block or zone "
                            "centre); they do count in district indicators and patterns."},
    "prec.exacta": {"es": "Exacta", "en": "Exact"},
    "prec.cuadra": {"es": "Cuadra o cruce", "en": "Block or crossing"},
    "prec.via": {"es": "Vía (sin cuadra)", "en": "Street (no block)"},
    "prec.zona": {"es": "Zona", "en": "Neighbourhood"},
    "prec.distrito": {"es": "Solo distrito", "en": "District only"},
    "ubic.summary": {"es": "Ubicación de los incidentes aceptados",
                     "en": "Where the accepted incidents are"},
    "ubic.summary_forced": {"es": "Puntos que no son el lugar del hecho (comisarías, puntos de "
                                  "relleno); sus filas se ubicaron por la dirección:",
                            "en": "Points that are not where the incident happened (police "
                                  "stations, filler points); their rows were placed from the "
                                  "address:"},
    "ubic.section": {"es": "Ubicación de los incidentes", "en": "Where incidents are"},
    "ubic.section_help": {"es": "Exacta: punto del archivo. Cuadra o cruce: ubicada por su "
                                "dirección. Vía, zona, solo distrito: cuentan en los indicadores "
                                "por distrito pero no en los mapas de hexágonos.",
                          "en": "Exact: the file's point. Block or crossing: placed from its "
                                "address. Street, neighbourhood, district only: they count in "
                                "district indicators but not on hexagon maps."},
    "ubic.hit_rate": {"es": "Utilizables en mapas (exacta o cuadra)",
                      "en": "Usable on maps (exact or block)"},
    "ubic.hit_rate_help": {"es": "Tasa de acierto de la ubicación. Ratcliffe (2004) estima que "
                                 "por debajo del 85 % los patrones del mapa pueden distorsionarse.",
                           "en": "Location hit rate. Ratcliffe (2004) estimates that below 85 % "
                                 "the map's patterns may be distorted."},
    "ubic.geocoded": {"es": "Sin punto exacto, ubicadas por su dirección",
                      "en": "Without an exact point, placed from the address"},
    "ubic.bar_ok": {"es": "Sobre el mínimo del 85 % (Ratcliffe 2004).",
                    "en": "Above the 85 % minimum (Ratcliffe 2004)."},
    "ubic.bar_low": {"es": "Bajo el mínimo del 85 % (Ratcliffe 2004): los mapas de hexágonos "
                           "subrepresentan las zonas con direcciones incompletas.",
                     "en": "Below the 85 % minimum (Ratcliffe 2004): hexagon maps "
                           "under-represent areas with incomplete addresses."},
    "ubic.by_import": {"es": "Por importación", "en": "By import"},
    "ubic.by_district": {"es": "Por distrito", "en": "By district"},
    "ubic.reasons": {"es": "Por qué no están mejor ubicadas", "en": "Why they are not better "
                                                                    "placed"},
    "ubic.forced": {"es": "Puntos forzados o de relleno", "en": "Forced or filler points"},
    "ubic.forced_help": {"es": "Coordenadas que reúnen filas escritas en muchas direcciones "
                               "distintas, o que la columna de estado marca (p. ej. «GEO "
                               "FORZADA AL CENTROIDE DE COMISARIA»): no se usan como lugar.",
                         "en": "Coordinates holding rows written at many different addresses, "
                               "or flagged by the status column (e.g. «GEO FORZADA AL "
                               "CENTROIDE DE COMISARIA»): not used as places."},
    "ubic.forced_none": {"es": "No se encontraron puntos forzados.",
                         "en": "No forced points were found."},
    "ubic.warn_low": {"es": "Ubicación imprecisa en {districts}: menos del {pct} % de sus "
                            "incidentes tiene punto exacto o cuadra; los mapas de hexágonos "
                            "los subrepresentan (véase Datos).",
                      "en": "Imprecise locations in {districts}: under {pct} % of their "
                            "incidents have an exact point or block; hexagon maps "
                            "under-represent them (see Data)."},
    "dcol.exacta": {"es": "Exacta", "en": "Exact"},
    "dcol.cuadra": {"es": "Cuadra o cruce", "en": "Block or crossing"},
    "dcol.via": {"es": "Vía", "en": "Street"},
    "dcol.zona": {"es": "Zona", "en": "Neighbourhood"},
    "dcol.distrito": {"es": "Solo distrito", "en": "District only"},
    "dcol.total": {"es": "Total", "en": "Total"},
    "dcol.hex_share": {"es": "En mapas (%)", "en": "On maps (%)"},
    "dcol.location_precision": {"es": "Precisión", "en": "Precision"},
    "dcol.location_reason": {"es": "Motivo", "en": "Reason"},
    "dcol.n": {"es": "Incidentes", "en": "Incidents"},
    "dcol.district": {"es": "Distrito", "en": "District"},
    "dcol.rows": {"es": "Filas", "en": "Rows"},
    "dcol.distinct_addresses": {"es": "Direcciones distintas", "en": "Distinct addresses"},
    "dcol.why": {"es": "Motivo", "en": "Why"},
    "field.address": {"es": "Dirección del hecho", "en": "Address"},
    "field.street_type": {"es": "Tipo de vía", "en": "Street type"},
    "field.block": {"es": "Cuadra", "en": "Block"},
    "field.zone": {"es": "Urbanización / AA.HH. / sector", "en": "Neighbourhood"},
    "field.location_status": {"es": "Estado de la coordenada", "en": "Coordinate status"},
}
