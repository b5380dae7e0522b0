"""Strings of the Alertas page: the live view of a shift (``es`` and ``en``)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "page.alertas": {"es": "Alertas", "en": "Alerts"},
    "alertas.title": {"es": "Alertas en vivo", "en": "Live alerts"},
    "alertas.intro": {"es": "Incidentes del turno y alertas de repetición cercana: tras un robo, "
                            "las cuadras de alrededor corren más riesgo unos días. La página se "
                            "actualiza sola cada {s} s.",
                      "en": "Incidents of the shift and near-repeat alerts: after a robbery, the "
                            "blocks around it are at higher risk for some days. The page "
                            "refreshes itself every {s} s."},
    "alertas.updated": {"es": "Actualizado a las {time} (turno {shift}, desde las {start}).",
                        "en": "Updated at {time} ({shift} shift, since {start})."},
    "alertas.busy": {"es": "El almacén está ocupado (una importación en curso); se reintentará "
                           "en la próxima actualización.",
                     "en": "The store is busy (an import is running); retrying at the next "
                           "refresh."},
    "alertas.m_incidents": {"es": "Incidentes del turno", "en": "Incidents this shift"},
    "alertas.m_incidents_help": {"es": "Desde el inicio del turno {shift} ({start}).",
                                 "en": "Since the start of the {shift} shift ({start})."},
    "alertas.m_alerts": {"es": "Celdas en alerta", "en": "Cells on alert"},
    "alertas.m_alerts_help": {"es": "Celdas H3 (~76 m de lado) cerca de un incidente reciente de "
                                    "un tipo que se repite en la zona.",
                              "en": "H3 cells (~76 m edge) near a recent incident of a type that "
                                    "repeats nearby."},
    "alertas.m_types": {"es": "Tipos con alerta", "en": "Types on alert"},
    "alertas.m_next": {"es": "Próximo vencimiento", "en": "Next expiry"},
    "alertas.map": {"es": "Alertas activas", "en": "Active alerts"},
    "alertas.no_alerts": {"es": "No hay alertas activas.", "en": "No active alerts."},
    "alertas.tooltip": {"es": "<b>{crime_types}</b><br/>Vence: {vence}<br/>Incidentes cerca: "
                              "{n_incidents}<br/>Riesgo: {riesgo}",
                        "en": "<b>{crime_types}</b><br/>Expires: {vence}<br/>Incidents nearby: "
                              "{n_incidents}<br/>Risk: {riesgo}"},
    "alertas.ratio": {"es": "{x} veces lo esperado", "en": "{x} times the expected"},
    "alertas.ratio_default": {"es": "regla por defecto", "en": "default rule"},
    "alertas.by_type": {"es": "Incidentes del turno por tipo", "en": "Incidents of the shift "
                                                                     "by type"},
    "alertas.last": {"es": "Últimos incidentes del turno", "en": "Latest incidents of the "
                                                                 "shift"},
    "alertas.no_incidents": {"es": "Aún no hay incidentes en este turno.",
                             "en": "No incidents in this shift yet."},
    "alertas.rules": {"es": "Reglas de alerta (de sus propios datos)",
                      "en": "Alert rules (from your own data)"},
    "alertas.rules_none": {"es": "Aún no se midieron las reglas (python -m analytics alerts "
                                 "refresh, o el servicio de la API cada noche): se usa la regla "
                                 "por defecto para robos y hurtos.",
                           "en": "Rules not measured yet (python -m analytics alerts refresh, or "
                                 "the API service nightly): the default rule applies to "
                                 "robberies and thefts."},
    "alertas.col_time": {"es": "Hora", "en": "Time"},
    "alertas.col_type": {"es": "Tipo", "en": "Type"},
    "alertas.col_group": {"es": "Grupo", "en": "Group"},
    "alertas.col_district": {"es": "Distrito", "en": "District"},
    "alertas.col_source": {"es": "Fuente", "en": "Source"},
    "alertas.col_n": {"es": "Incidentes", "en": "Incidents"},
    "alertas.col_cell": {"es": "Celda", "en": "Cell"},
    "alertas.col_expires": {"es": "Vence", "en": "Expires"},
    "alertas.col_trigger": {"es": "Incidente que la activó", "en": "Triggering incident"},
    "alertas.table": {"es": "Celdas en alerta", "en": "Cells on alert"},
}
