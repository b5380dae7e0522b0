"""Strings of the app shell, page titles, filters and crime groups (see :mod:`ui.i18n`)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # --- app shell
    "app.title": {"es": "Vigía", "en": "Vigía"},
    "app.tagline": {"es": "Análisis de patrones delictivos", "en": "Crime pattern analysis"},
    "app.language": {"es": "Idioma", "en": "Language"},
    "app.demo_mode": {"es": "Modo demostración: sin usuarios configurados, acceso como "
                            "administrador. Cree un usuario con `python -m analytics users add`.",
                      "en": "Demo mode: no users configured, full admin access. Create a user "
                            "with `python -m analytics users add`."},
    "app.role": {"es": "Rol: {role}", "en": "Role: {role}"},
    "app.public_mode": {"es": "Modo público: solo agregados, celdas de resolución 8 o mayor "
                              "tamaño, cifras pequeñas ocultas.",
                        "en": "Public mode: aggregates only, resolution 8 or coarser, small "
                              "counts hidden."},
    "app.no_store": {"es": "Aún no hay datos cargados. Vaya a **Datos** para importar un "
                           "archivo, o ejecute `make run` para cargar la demostración.",
                     "en": "No data loaded yet. Go to **Data** to import a file, or run "
                           "`make run` to load the demo."},
    "app.store_error": {"es": "No se pudo abrir el almacén de datos: {msg}",
                        "en": "The data store could not be opened: {msg}"},
    "app.store_damaged": {"es": "el archivo {path} está dañado o incompleto.",
                          "en": "the file {path} is damaged or incomplete."},
    "app.retry": {"es": "Reintentar", "en": "Retry"},
    "table.first_rows": {"es": "Se muestran las primeras {n} de {total} filas.",
                         "en": "Showing the first {n} of {total} rows."},
    "app.empty_filter": {"es": "Ningún incidente cumple los filtros actuales.",
                         "en": "No incident matches the current filters."},
    "app.error": {"es": "{msg}", "en": "Error (message in Spanish): {msg}"},
    "app.unexpected": {"es": "Ocurrió un error inesperado ({kind}). Revise los filtros o "
                             "contacte al administrador.",
                       "en": "An unexpected error occurred ({kind}). Check the filters or "
                             "contact the administrator."},
    "role.admin": {"es": "administrador", "en": "administrator"},
    "role.comandante": {"es": "comandante", "en": "commander"},
    "role.analista": {"es": "analista", "en": "analyst"},
    "role.publico": {"es": "público", "en": "public"},
    # --- page titles
    "page.inicio": {"es": "Inicio", "en": "Home"},
    "page.mapa": {"es": "Mapa", "en": "Map"},
    "page.patrones": {"es": "Patrones", "en": "Patterns"},
    "page.datos": {"es": "Datos", "en": "Data"},
    "page.pronostico": {"es": "Pronóstico", "en": "Forecast"},
    "page.zonas_criticas": {"es": "Zonas críticas", "en": "Hotspots"},
    "page.plan_patrullaje": {"es": "Plan de patrullaje", "en": "Patrol plan"},
    "page.reportes": {"es": "Reportes", "en": "Reports"},
    "page.admin": {"es": "Administración", "en": "Administration"},
    # --- filters
    "filters.title": {"es": "Filtros", "en": "Filters"},
    "filters.dates": {"es": "Periodo", "en": "Period"},
    "filters.dates_help": {"es": "Por defecto, los últimos 90 días con datos.",
                           "en": "By default, the last 90 days with data."},
    "filters.groups": {"es": "Grupos de delito", "en": "Crime groups"},
    "filters.types": {"es": "Tipos de delito (modalidad)", "en": "Crime types"},
    "filters.shifts": {"es": "Turnos", "en": "Shifts"},
    "filters.weekdays": {"es": "Días de la semana", "en": "Weekdays"},
    "filters.districts": {"es": "Distritos", "en": "Districts"},
    "filters.resolution": {"es": "Tamaño de hexágono (resolución H3)",
                           "en": "Hexagon size (H3 resolution)"},
    "filters.resolution_help": {"es": "7 ≈ 5 km², 8 ≈ 0,7 km², 9 ≈ 0,1 km² (una manzana "
                                      "grande), 10 ≈ 0,015 km².",
                                "en": "7 ≈ 5 km², 8 ≈ 0.7 km², 9 ≈ 0.1 km² (a large block), "
                                      "10 ≈ 0.015 km²."},
    "filters.all": {"es": "Todos", "en": "All"},
    "filters.reset": {"es": "Restablecer filtros", "en": "Reset filters"},
    "filters.public_period": {"es": "Periodo publicado", "en": "Published period"},
    "filters.public_period_help": {
        "es": "La versión pública se publica por trimestres completos; un año es la suma de "
              "sus trimestres publicados. No hay filtros por día, hora, turno, día de la "
              "semana ni tipo de delito: permitirían deducir cifras pequeñas por diferencia.",
        "en": "The public version is published by whole quarters; a year is the sum of its "
              "published quarters. There are no day, hour, shift, weekday or crime-type "
              "filters: they would let small counts be deduced by difference."},
    "filters.public_partial": {"es": "{label} (incompleto)", "en": "{label} (incomplete)"},
    "filters.public_resolution_help": {
        "es": "8 ≈ 0,7 km², 7 ≈ 5 km², 6 ≈ 36 km². Las celdas grandes suman las celdas de "
              "resolución 8 publicadas; violencia familiar y sexual solo en resolución 6.",
        "en": "8 ≈ 0.7 km², 7 ≈ 5 km², 6 ≈ 36 km². Larger cells add up the published "
              "resolution-8 cells; family and sexual violence only at resolution 6."},
    # --- crime groups in English (Spanish labels come from settings.CRIME_GROUPS)
    "group.patrimonio": {"en": "Property"},
    "group.vida_cuerpo_salud": {"en": "Life, body and health"},
    "group.violencia_familiar": {"en": "Violence against women and family members"},
    "group.libertad_sexual": {"en": "Sexual freedom"},
    "group.libertad": {"en": "Personal freedom"},
    "group.seguridad_publica": {"en": "Public safety"},
    "group.faltas": {"en": "Misdemeanours"},
    "group.otro": {"en": "Other"},
}
