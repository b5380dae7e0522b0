"""The string tables of the app, one module per area (each defines ``TEXTS``).

``ui.i18n`` merges them; a key defined twice is an error (checked by a test). Add a
new area as a module here and list it in :data:`AREAS`.
"""

from __future__ import annotations

from typing import Final

AREAS: Final = ("app", "inicio", "mapa", "patrones", "datos", "zonas_criticas", "pronostico",
                "cuentas_reportes", "plan", "cumplimiento", "evaluacion", "por_zona",
                "alertas", "ubicacion")
