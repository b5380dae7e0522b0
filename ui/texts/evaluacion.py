"""Strings of Evaluación and of the commitments section of Reportes (``es`` and ``en``)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "page.evaluacion": {"es": "Evaluación", "en": "Evaluation"},
    # --- evaluación: page
    "eval.title": {"es": "Evaluación de intervenciones", "en": "Intervention evaluation"},
    "eval.intro": {"es": "¿Funcionó la intervención? Vigía compara los incidentes del área "
                         "intervenida, de un anillo alrededor (para ver si el delito se "
                         "desplazó) y de una zona de control, antes y después del inicio. El "
                         "veredicto nunca afirma más de lo que el intervalo permite.",
                   "en": "Did the intervention work? Vigía compares the incidents of the "
                         "area, of a ring around it (did crime move?) and of a control zone, "
                         "before and after the start. The verdict never claims more than the "
                         "interval allows."},
    "eval.tab_evaluate": {"es": "Evaluar", "en": "Evaluate"},
    "eval.tab_register": {"es": "Registro de intervenciones", "en": "Interventions register"},
    "eval.empty_register": {"es": "El registro está vacío: registre una intervención en la "
                                  "pestaña «Registro de intervenciones».",
                            "en": "The register is empty: add an intervention in the "
                                  "«Interventions register» tab."},
    "eval.pick": {"es": "Intervención", "en": "Intervention"},
    "eval.pick_label": {"es": "{id} — {name} ({kind}, desde el {start})",
                        "en": "{id} — {name} ({kind}, from {start})"},
    "eval.details": {"es": "Responsable: {body} · inicio {start} · último día: {end}",
                     "en": "Responsible body: {body} · start {start} · last day: {end}"},
    "eval.manage": {"es": "Editar o eliminar esta intervención",
                    "en": "Edit or remove this intervention"},
    "eval.months_before": {"es": "Meses antes", "en": "Months before"},
    "eval.months_after": {"es": "Meses después", "en": "Months after"},
    "eval.months_help": {"es": "0 = automático: hasta 12 meses, acortados a los datos "
                               "disponibles (después: hasta el fin de la intervención).",
                         "en": "0 = automatic: up to 12 months, shortened to the data "
                               "(after: up to the end of the intervention)."},
    "eval.buffer": {"es": "Anillo (m)", "en": "Ring (m)"},
    "eval.buffer_help": {"es": "Ancho del anillo alrededor del área donde se busca "
                               "desplazamiento o difusión de beneficios.",
                         "en": "Width of the ring around the area where displacement or a "
                               "diffusion of benefits is looked for."},
    "eval.group": {"es": "Delitos", "en": "Crimes"},
    "eval.all_groups": {"es": "Todos los delitos", "en": "All crimes"},
    "eval.control": {"es": "Zona de control", "en": "Control zone"},
    "eval.control_auto": {"es": "Automática (resto del distrito o de los datos)",
                          "en": "Automatic (rest of the district or of the data)"},
    "eval.control_file": {"es": "Subir un polígono", "en": "Upload a polygon"},
    "eval.control_upload": {"es": "Polígono de la zona de control", "en": "Control polygon"},
    "eval.control_missing": {"es": "Suba el polígono de la zona de control para evaluar.",
                             "en": "Upload the control polygon to evaluate."},
    "eval.control_whole": {"es": "La zona de control es toda el área con datos fuera del área "
                                 "y del anillo (no se dibuja).",
                           "en": "The control is the whole area with data outside the area "
                                 "and the ring (not drawn)."},
    "eval.run": {"es": "Evaluar", "en": "Evaluate"},
    "eval.run_help": {"es": "Elija las opciones y pulse «Evaluar».",
                      "en": "Choose the options and press «Evaluate»."},
    "eval.computing": {"es": "Evaluando (con áreas placebo para calibrar el intervalo)…",
                       "en": "Evaluating (with placebo areas to calibrate the interval)…"},
    "eval.result_title": {"es": "Resultado: {name}", "en": "Result: {name}"},
    "eval.windows": {"es": "Antes: {b0} a {b1} ({mb} meses) · después: {a0} a {a1} ({ma} "
                           "meses) · control: {control} · área {km2} km²",
                     "en": "Before: {b0} to {b1} ({mb} months) · after: {a0} to {a1} ({ma} "
                           "months) · control: {control} · area {km2} km²"},
    "eval.map_legend": {"es": "Zonas comparadas", "en": "Zones compared"},
    "eval.zone_area": {"es": "Área intervenida", "en": "Intervention area"},
    "eval.zone_buffer": {"es": "Anillo", "en": "Ring"},
    "eval.zone_control": {"es": "Zona de control", "en": "Control zone"},
    "eval.series_title": {"es": "Incidentes por mes", "en": "Incidents per month"},
    "eval.series_help": {"es": "Línea discontinua vertical: inicio de la intervención. Banda "
                               "gris: lo esperable en el área sin intervención (su nivel "
                               "anterior llevado por la zona de control).",
                         "en": "Dashed vertical line: start of the intervention. Grey band: "
                               "what the area could expect without it (its earlier level "
                               "carried by the control)."},
    "eval.month": {"es": "Mes", "en": "Month"},
    "eval.count": {"es": "Incidentes", "en": "Incidents"},
    "eval.counterfactual": {"es": "Esperado sin intervención",
                            "en": "Expected without intervention"},
    "eval.tab_counts": {"es": "Conteos", "en": "Counts"},
    "eval.tab_effects": {"es": "Efectos y desplazamiento", "en": "Effects and displacement"},
    "eval.tab_groups": {"es": "Por grupo delictivo", "en": "By crime group"},
    "eval.no_groups": {"es": "Evaluación de un solo grupo delictivo.",
                       "en": "One crime group evaluated."},
    "eval.how": {"es": "Cómo se calculó", "en": "How it was computed"},
    "eval.no_export": {"es": "Su rol no puede descargar informes.",
                       "en": "Your role cannot download reports."},
    "eval.prepare_pdf": {"es": "Preparar PDF", "en": "Prepare PDF"},
    "eval.download_pdf": {"es": "Descargar PDF", "en": "Download PDF"},
    "eval.pdf_subtitle": {"es": "Uso interno · preparado por {user}",
                          "en": "Internal use · prepared by {user}"},
    "eval.demo_user": {"es": "modo demostración", "en": "demo mode"},
    "eval.audit_failed": {"es": "No se pudo registrar la descarga en la auditoría; inténtelo "
                                "de nuevo.",
                          "en": "The download could not be written to the audit log; try "
                                "again."},
    # --- evaluación: register
    "eval.new_title": {"es": "Registrar una intervención", "en": "Register an intervention"},
    "eval.new_help": {"es": "El área puede ser un distrito, un conjunto de hexágonos H3 o un "
                            "polígono (GeoJSON, Shapefile comprimido en .zip o GPKG). Si se "
                            "superpone con otra intervención en las mismas fechas, Vigía lo "
                            "avisa.",
                      "en": "The area may be a district, a set of H3 hexagons or a polygon "
                            "(GeoJSON, zipped Shapefile or GPKG). Vigía warns when it overlaps "
                            "another intervention in the same period."},
    "eval.list_title": {"es": "Intervenciones registradas", "en": "Registered interventions"},
    "eval.col_id": {"es": "Id", "en": "Id"},
    "eval.col_km2": {"es": "Área (km²)", "en": "Area (km²)"},
    "eval.col_by": {"es": "Registrada por", "en": "Registered by"},
    "eval.name": {"es": "Nombre", "en": "Name"},
    "eval.kind": {"es": "Tipo", "en": "Kind"},
    "eval.body": {"es": "Responsable", "en": "Responsible body"},
    "eval.body_help": {"es": "Institución o cargo (p. ej. «Comisaría La Victoria»), nunca el "
                             "nombre de una persona.",
                       "en": "Institution or role (e.g. «Comisaría La Victoria»), never a "
                             "person's name."},
    "eval.start": {"es": "Inicio", "en": "Start"},
    "eval.last_day": {"es": "Último día", "en": "Last day"},
    "eval.ongoing": {"es": "En curso", "en": "Ongoing"},
    "eval.source": {"es": "Área", "en": "Area"},
    "eval.source_district": {"es": "Un distrito", "en": "A district"},
    "eval.source_cells": {"es": "Hexágonos H3", "en": "H3 hexagons"},
    "eval.source_file": {"es": "Archivo de polígono", "en": "Polygon file"},
    "eval.district": {"es": "Distrito", "en": "District"},
    "eval.district_ph": {"es": "Elija un distrito", "en": "Choose a district"},
    "eval.cells": {"es": "Hexágonos con más incidentes (filtros actuales, resolución {res})",
                   "en": "Hexagons with most incidents (current filters, resolution {res})"},
    "eval.paste": {"es": "…o pegue ids de celdas H3", "en": "…or paste H3 cell ids"},
    "eval.paste_help": {"es": "Separados por comas, espacios o saltos de línea.",
                        "en": "Separated by commas, spaces or new lines."},
    "eval.file": {"es": "Archivo del área", "en": "Area file"},
    "eval.file_help": {"es": "GeoJSON, Shapefile (.zip con .shp, .shx, .dbf y .prj) o GPKG; "
                             "se unen todos sus polígonos.",
                       "en": "GeoJSON, Shapefile (.zip with .shp, .shx, .dbf and .prj) or "
                             "GPKG; all its polygons are joined."},
    "eval.need_district": {"es": "Elija el distrito del área.",
                           "en": "Choose the area's district."},
    "eval.need_file": {"es": "Suba el archivo con el polígono del área.",
                       "en": "Upload the file with the area's polygon."},
    "eval.register": {"es": "Registrar", "en": "Register"},
    "eval.registered": {"es": "Intervención {id} registrada.",
                        "en": "Intervention {id} registered."},
    "eval.edited": {"es": "Intervención {id} actualizada.", "en": "Intervention {id} updated."},
    "eval.removed": {"es": "Intervención {id} eliminada del registro.",
                     "en": "Intervention {id} removed from the register."},
    "eval.save": {"es": "Guardar cambios", "en": "Save changes"},
    "eval.confirm_remove": {"es": "Sí, eliminar {id}", "en": "Yes, remove {id}"},
    "eval.remove": {"es": "Eliminar", "en": "Remove"},
    # --- reportes: commitments section
    "comp.title": {"es": "Compromisos del Codisec", "en": "Codisec commitments"},
    "comp.intro": {"es": "Compromisos acordados en las sesiones del Codisec, su estado al {at} "
                         "y la evaluación de las intervenciones vinculadas. «Vencido» se deduce "
                         "solo: plazo pasado sin reporte de cumplimiento.",
                   "en": "Commitments agreed at Codisec sessions, their status on {at} and the "
                         "evaluation of the linked interventions. «Overdue» is derived: past "
                         "the deadline without a report of fulfilment."},
    "comp.public_note": {"es": "Versión pública: solo qué, quién, plazo y estado.",
                         "en": "Public version: only what, who, deadline and status."},
    "comp.none": {"es": "No hay compromisos para estos distritos y periodo.",
                  "en": "No commitments for these districts and period."},
    "comp.sessions": {"es": "Resumen por sesión", "en": "Summary per session"},
    "comp.col_session": {"es": "Sesión", "en": "Session"},
    "comp.col_agreed": {"es": "Nuevos", "en": "New"},
    "comp.col_total": {"es": "Total", "en": "Total"},
    "comp.col_reported": {"es": "Reportes", "en": "Reports"},
    "comp.add_title": {"es": "Nuevo compromiso", "en": "New commitment"},
    "comp.session": {"es": "Fecha de la sesión", "en": "Session date"},
    "comp.what": {"es": "Compromiso", "en": "Commitment"},
    "comp.who": {"es": "Responsable (institución o cargo)", "en": "Responsible (institution or "
                                                                "role)"},
    "comp.who_help": {"es": "p. ej. «Gerencia de Seguridad Ciudadana», «Comisario de La "
                            "Victoria»; nunca el nombre de una persona.",
                      "en": "e.g. «Gerencia de Seguridad Ciudadana»; never a person's name."},
    "comp.district": {"es": "Distrito", "en": "District"},
    "comp.place": {"es": "Zona (sin números de casa)", "en": "Zone (no house numbers)"},
    "comp.due": {"es": "Plazo", "en": "Deadline"},
    "comp.indicator": {"es": "Indicador vinculado", "en": "Linked indicator"},
    "comp.no_indicator": {"es": "Ninguno", "en": "None"},
    "comp.intervention": {"es": "Intervención vinculada", "en": "Linked intervention"},
    "comp.no_intervention": {"es": "Ninguna", "en": "None"},
    "comp.add": {"es": "Agregar compromiso", "en": "Add commitment"},
    "comp.added": {"es": "Compromiso {id} registrado.", "en": "Commitment {id} registered."},
    "comp.status_title": {"es": "Reportar el estado en una sesión",
                          "en": "Report the status at a session"},
    "comp.pick": {"es": "Compromiso", "en": "Commitment"},
    "comp.status": {"es": "Estado", "en": "Status"},
    "comp.note": {"es": "Nota (uso interno)", "en": "Note (internal)"},
    "comp.record": {"es": "Registrar estado", "en": "Record status"},
    "comp.recorded": {"es": "Estado de {id} registrado.", "en": "Status of {id} recorded."},
    "comp.evaluate": {"es": "Evaluar las intervenciones vinculadas",
                      "en": "Evaluate the linked interventions"},
    "comp.evaluate_help": {"es": "Incluye el veredicto de cada intervención en la tabla y en "
                                 "el informe interno.",
                           "en": "Adds each intervention's verdict to the table and the "
                                 "internal report."},
    "comp.verdict_error": {"es": "No evaluable: {msg}", "en": "Not evaluable: {msg}"},
}
