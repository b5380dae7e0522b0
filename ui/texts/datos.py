"""Strings of Datos and the data tables (``es`` and ``en``; see :mod:`ui.i18n`)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # --- datos
    "datos.title": {"es": "Datos: importación y calidad", "en": "Data: import and quality"},
    "datos.upload": {"es": "Archivo de incidentes (CSV, Excel o Parquet)",
                     "en": "Incident file (CSV, Excel or Parquet)"},
    "datos.upload_help": {"es": "Se muestra una vista previa y la correspondencia de columnas "
                                "antes de importar. Las columnas con datos personales (DNI, "
                                "nombres, teléfonos) se descartan.",
                          "en": "A preview and the column mapping are shown before importing. "
                                "Columns with personal data (ID numbers, names, phones) are "
                                "dropped."},
    "datos.preview": {"es": "Vista previa (primeras filas)", "en": "Preview (first rows)"},
    "datos.cancel": {"es": "Cancelar", "en": "Cancel"},
    "datos.cancelled": {"es": "Importación cancelada; el archivo subido se eliminó del "
                              "servidor.",
                        "en": "Import cancelled; the uploaded file was deleted from the "
                              "server."},
    "upload.button": {"es": "Elegir archivo", "en": "Choose file"},
    "upload.drop": {"es": "Arrastre el archivo aquí · máx. {mb} MB",
                    "en": "Drag the file here · max. {mb} MB"},
    "upload.dragging": {"es": "Suelte el archivo aquí", "en": "Drop the file here"},
    "datos.mapping": {"es": "Correspondencia de columnas", "en": "Column mapping"},
    "datos.mapping_help": {"es": "Revise qué columna del archivo corresponde a cada campo. "
                                 "Deje «(ninguna)» si el archivo no lo tiene.",
                           "en": "Check which file column holds each field. Leave "
                                 "“(none)” if the file does not have it."},
    "datos.none": {"es": "(ninguna)", "en": "(none)"},
    "datos.pii": {"es": "Columnas con datos personales que se descartarán: {cols}",
                  "en": "Columns with personal data that will be dropped: {cols}"},
    "datos.source": {"es": "Fuente (p. ej. SIDPOL, Serenazgo)",
                     "en": "Source (e.g. SIDPOL, Serenazgo)"},
    "datos.import": {"es": "Importar", "en": "Import"},
    "datos.importing": {"es": "Importando…", "en": "Importing…"},
    "datos.summary": {"es": "Resumen de la importación", "en": "Import summary"},
    "datos.rows_read": {"es": "Filas leídas", "en": "Rows read"},
    "datos.accepted": {"es": "Aceptadas", "en": "Accepted"},
    "datos.duplicates": {"es": "Duplicadas", "en": "Duplicates"},
    "datos.quarantined": {"es": "En cuarentena", "en": "Quarantined"},
    "datos.done": {"es": "Importación terminada: {accepted} incidentes nuevos.",
                   "en": "Import finished: {accepted} new incidents."},
    "datos.reasons": {"es": "Motivos de cuarentena", "en": "Quarantine reasons"},
    "datos.stacked": {"es": "Puntos apilados detectados", "en": "Stacked points detected"},
    "datos.quarantine": {"es": "Filas en cuarentena", "en": "Quarantined rows"},
    "datos.quarantine_none": {"es": "No hay filas en cuarentena.", "en": "No quarantined rows."},
    "datos.download": {"es": "Descargar cuarentena (CSV)", "en": "Download quarantine (CSV)"},
    "datos.history": {"es": "Historial de importaciones", "en": "Import history"},
    "datos.history_none": {"es": "Aún no hay importaciones.", "en": "No imports yet."},
    "datos.bad_file": {"es": "No se pudo leer el archivo: {msg}",
                       "en": "The file could not be read: {msg}"},
    "datos.locked": {"es": "El almacén está en uso por otro proceso (por ejemplo una "
                           "importación desde la línea de comandos). Espere a que termine y "
                           "reintente.",
                     "en": "The store is in use by another process (for example a "
                           "command-line import). Wait for it to finish and retry."},
    "datos.no_io": {"es": "El módulo de importación aún no está disponible en esta instalación.",
                    "en": "The import module is not available in this installation yet."},
    "datos.forbidden": {"es": "Su rol no permite importar datos.",
                        "en": "Your role does not allow importing data."},
    "datos.undo": {"es": "Deshacer una importación", "en": "Undo an import"},
    "datos.undo_help": {"es": "Elimina sus incidentes, sus filas en cuarentena y su registro. "
                              "Queda en la auditoría.",
                        "en": "Deletes its incidents, its quarantined rows and its record. It is "
                              "audited."},
    "datos.undo_pick": {"es": "Importación", "en": "Import"},
    "datos.undo_button": {"es": "Eliminar esta importación…", "en": "Delete this import…"},
    "datos.undo_confirm": {"es": "¿Eliminar la importación {id} ({file})? Se borrarán "
                                 "{incidents} incidentes y {quarantine} filas en cuarentena. "
                                 "No se puede deshacer.",
                           "en": "Delete import {id} ({file})? {incidents} incidents and "
                                 "{quarantine} quarantined rows will be deleted. This cannot be "
                                 "undone."},
    "datos.undo_yes": {"es": "Sí, eliminar", "en": "Yes, delete"},
    "datos.undo_no": {"es": "Cancelar", "en": "Cancel"},
    "datos.undo_done": {"es": "Importación {id} eliminada: {incidents} incidentes y "
                              "{quarantine} filas en cuarentena.",
                        "en": "Import {id} deleted: {incidents} incidents and {quarantine} "
                              "quarantined rows."},
    "field.incident_id": {"es": "Identificador", "en": "Identifier"},
    "field.occurred_at": {"es": "Fecha y hora del hecho", "en": "Date and time"},
    "field.date": {"es": "Fecha del hecho", "en": "Date"},
    "field.time": {"es": "Hora del hecho", "en": "Time"},
    "field.lat": {"es": "Latitud", "en": "Latitude"},
    "field.lon": {"es": "Longitud", "en": "Longitude"},
    "field.crime_type": {"es": "Tipo de delito / modalidad", "en": "Crime type"},
    "field.district": {"es": "Distrito", "en": "District"},
    "field.ubigeo": {"es": "Ubigeo", "en": "Ubigeo"},
    "field.crime_subtype": {"es": "Subtipo de delito", "en": "Crime subtype"},
    "field.modalidad": {"es": "Modalidad", "en": "Modus operandi"},
    # --- data tables (quarantine, import history)
    "dcol.import_id": {"es": "Importación", "en": "Import"},
    "dcol.imported_at": {"es": "Fecha de importación", "en": "Imported at"},
    "dcol.source": {"es": "Fuente", "en": "Source"},
    "dcol.file_name": {"es": "Archivo", "en": "File"},
    "dcol.row_number": {"es": "Fila", "en": "Row"},
    "dcol.reason": {"es": "Motivo", "en": "Reason"},
    "dcol.reason_text": {"es": "Explicación", "en": "Explanation"},
    "dcol.incident_id": {"es": "Identificador", "en": "Identifier"},
    "dcol.occurred_at_raw": {"es": "Fecha y hora (texto)", "en": "Date-time (raw)"},
    "dcol.date_raw": {"es": "Fecha (texto)", "en": "Date (raw)"},
    "dcol.time_raw": {"es": "Hora (texto)", "en": "Time (raw)"},
    "dcol.lat_raw": {"es": "Latitud (texto)", "en": "Latitude (raw)"},
    "dcol.lon_raw": {"es": "Longitud (texto)", "en": "Longitude (raw)"},
    "dcol.crime_type_raw": {"es": "Tipo (texto)", "en": "Type (raw)"},
    "dcol.district_raw": {"es": "Distrito (texto)", "en": "District (raw)"},
    "dcol.rows_read": {"es": "Filas leídas", "en": "Rows read"},
    "dcol.accepted": {"es": "Aceptadas", "en": "Accepted"},
    "dcol.duplicates": {"es": "Duplicadas", "en": "Duplicates"},
    "dcol.quarantined": {"es": "En cuarentena", "en": "Quarantined"},
}
