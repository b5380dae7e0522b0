"""Strings of login, Reportes and Administración (``es`` and ``en``; see :mod:`ui.i18n`)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # --- login, reportes, admin
    "login.title": {"es": "Iniciar sesión", "en": "Sign in"},
    "login.intro": {"es": "Vigía tiene usuarios configurados: ingrese con su usuario y "
                          "contraseña. Si no tiene cuenta, pídala al administrador.",
                    "en": "Vigía has users configured: sign in with your user name and "
                          "password. Ask the administrator for an account."},
    "login.username": {"es": "Usuario", "en": "User name"},
    "login.password": {"es": "Contraseña", "en": "Password"},
    "login.submit": {"es": "Ingresar", "en": "Sign in"},
    "login.empty": {"es": "Ingrese usuario y contraseña.",
                    "en": "Enter your user name and password."},
    "login.wrong": {"es": "Usuario o contraseña incorrectos.",
                    "en": "Wrong user name or password."},
    "login.too_many": {"es": "Demasiados intentos fallidos. Espere {s} segundos y vuelva a "
                             "intentarlo.",
                       "en": "Too many failed attempts. Wait {s} seconds and try again."},
    "login.store_error": {"es": "No se pudo verificar el usuario: {msg}",
                          "en": "The user could not be checked: {msg}"},
    "login.user": {"es": "Usuario: {user}", "en": "User: {user}"},
    "login.logout": {"es": "Cerrar sesión", "en": "Sign out"},
    "login.forbidden": {"es": "Sin permiso: su rol ({role}) no puede abrir esta página. Elija "
                              "otra página del menú o pida acceso al administrador.",
                        "en": "No permission: your role ({role}) cannot open this page. Choose "
                              "another page from the menu or ask the administrator."},
    "login.idle": {"es": "Su sesión se cerró tras {n} minutos sin actividad. Ingrese de nuevo.",
                   "en": "Your session was closed after {n} minutes without activity. Sign in "
                         "again."},
    "login.session_changed": {"es": "Su sesión se cerró porque cambió su contraseña o su rol. "
                                    "Ingrese de nuevo.",
                              "en": "Your session was closed because your password or role "
                                    "changed. Sign in again."},
    "reportes.title": {"es": "Reportes Codisec", "en": "Codisec reports"},
    "reportes.intro": {"es": "Indicadores por distrito para el periodo elegido, comparados con "
                             "el periodo anterior, el mismo periodo del año anterior y la línea "
                             "base. Este informe no usa los filtros de la barra lateral: cuenta "
                             "todos los delitos del distrito.",
                       "en": "Indicators per district for the chosen period, compared with the "
                             "previous period, the same period last year and the baseline. This "
                             "report ignores the sidebar filters: it counts every crime in the "
                             "district."},
    "reportes.districts": {"es": "Distritos", "en": "Districts"},
    "reportes.freq": {"es": "Tipo de periodo", "en": "Kind of period"},
    "reportes.freq_M": {"es": "Mes", "en": "Month"},
    "reportes.freq_Q": {"es": "Trimestre", "en": "Quarter"},
    "reportes.freq_Y": {"es": "Año", "en": "Year"},
    "reportes.period": {"es": "Periodo del informe", "en": "Report period"},
    "reportes.incomplete": {"es": "{label} (datos incompletos)", "en": "{label} (incomplete data)"},
    "reportes.baseline": {"es": "Línea base", "en": "Baseline"},
    "reportes.baseline_help": {"es": "Periodo de referencia; si es más largo que el informe (p. "
                                     "ej. un año para un trimestre) se escala a la misma "
                                     "duración.",
                               "en": "Reference period; a longer one (e.g. a year for a quarter) "
                                     "is scaled to the same length."},
    "reportes.no_baseline": {"es": "(sin línea base)", "en": "(no baseline)"},
    "reportes.baseline_opt": {"es": "{label} ({kind})", "en": "{label} ({kind})"},
    "reportes.goal": {"es": "Meta (% respecto de la línea base)",
                      "en": "Goal (% change vs baseline)"},
    "reportes.goal_help": {"es": "-10 significa reducir los incidentes un 10 % respecto de la "
                                 "línea base.",
                           "en": "-10 means reducing incidents by 10 % against the baseline."},
    "reportes.top": {"es": "Zonas críticas por distrito", "en": "Hotspots per district"},
    "reportes.public": {"es": "Versión pública", "en": "Public version"},
    "reportes.public_help": {"es": "La publicación pública: trimestres completos (un año es "
                                   "la suma de sus trimestres), cifras por distrito y grupo y "
                                   "celdas de resolución 8 o mayores, cifras menores que {k} "
                                   "suprimidas (y otras para impedir deducirlas por "
                                   "diferencia); sin puntos ni texto libre.",
                             "en": "The public release: whole quarters (a year is the sum of "
                                   "its quarters), figures by district and group and cells of "
                                   "resolution 8 or coarser, counts below {k} suppressed (and "
                                   "others so they cannot be deduced by difference); no points "
                                   "or free text."},
    "reportes.public_forced": {"es": "Su rol solo puede ver y descargar la versión pública.",
                               "en": "Your role can only see and download the public version."},
    "reportes.population": {"es": "Población por distrito (editable)",
                            "en": "Population per district (editable)"},
    "reportes.population_help": {"es": "Corrija la población si tiene una cifra más reciente; "
                                       "los cambios valen solo para su sesión.",
                                 "en": "Correct the population if you have a newer figure; "
                                       "changes apply to your session only."},
    "reportes.population_reset": {"es": "Restablecer población", "en": "Reset population"},
    "reportes.col_source": {"es": "Fuente", "en": "Source"},
    "reportes.population_edited": {"es": "Población editada en esta sesión.",
                                   "en": "Population edited in this session."},
    "reportes.no_districts": {"es": "Elija al menos un distrito.",
                              "en": "Choose at least one district."},
    "reportes.no_periods": {"es": "No hay periodos con datos.", "en": "No periods with data."},
    "reportes.incomplete_warn": {"es": "Los datos no cubren todo el periodo {label}: las cifras "
                                       "son parciales.",
                                 "en": "The data does not cover the whole period {label}: "
                                       "figures are partial."},
    "reportes.metric_count": {"es": "{district}: incidentes", "en": "{district}: incidents"},
    "reportes.metric_rate": {"es": "Tasa por 10 mil hab.", "en": "Rate per 10k inhabitants"},
    "reportes.metric_base": {"es": "vs línea base", "en": "vs baseline"},
    "reportes.metric_goal": {"es": "Meta: {goal} incidentes", "en": "Goal: {goal} incidents"},
    "reportes.delta_prev": {"es": "{pct} % vs anterior", "en": "{pct} % vs previous"},
    "reportes.tab_indicators": {"es": "Indicadores", "en": "Indicators"},
    "reportes.tab_groups": {"es": "Por grupo", "en": "By group"},
    "reportes.tab_types": {"es": "Por tipo", "en": "By type"},
    "reportes.tab_hotspots": {"es": "Zonas críticas", "en": "Hotspots"},
    "reportes.tab_maps": {"es": "Mapas", "en": "Maps"},
    "reportes.tab_notes": {"es": "Notas", "en": "Notes"},
    "reportes.tab_public": {"es": "Incidentes por grupo", "en": "Incidents by group"},
    "reportes.tab_cells": {"es": "Celdas publicadas", "en": "Published cells"},
    "reportes.chart_groups": {"es": "Incidentes por grupo de delito en {period}",
                              "en": "Incidents by crime group in {period}"},
    "reportes.chart_trend": {"es": "Tendencia mensual (últimos {n} meses)",
                             "en": "Monthly trend (last {n} months)"},
    "reportes.chart_trend_public": {"es": "Suma de las cifras publicadas de cada trimestre.",
                                    "en": "Sum of the published figures of each quarter."},
    "reportes.chart_trend_q": {"es": "Tendencia trimestral (últimos {n} trimestres publicados)",
                               "en": "Quarterly trend (last {n} published quarters)"},
    "reportes.col_month": {"es": "Mes", "en": "Month"},
    "reportes.col_kind": {"es": "Serie", "en": "Series"},
    "reportes.series_period": {"es": "Periodo", "en": "Period"},
    "reportes.series_base": {"es": "Línea base", "en": "Baseline"},
    "reportes.user_notes": {"es": "Observaciones para el informe",
                            "en": "Remarks for the report"},
    "reportes.user_notes_help": {"es": "Se añaden a las notas del Excel y del PDF. No escriba "
                                       "nombres, direcciones ni datos personales.",
                                 "en": "Added to the notes of the Excel and PDF files. Do not "
                                       "write names, addresses or personal data."},
    "reportes.downloads": {"es": "Descargas", "en": "Downloads"},
    "reportes.prepare": {"es": "Preparar Excel y PDF", "en": "Prepare Excel and PDF"},
    "reportes.prepare_help": {"es": "Genera los archivos del informe tal como se ve en pantalla "
                                    "y registra la exportación en la auditoría.",
                              "en": "Builds the report files as shown on screen and records the "
                                    "export in the audit log."},
    "reportes.preparing": {"es": "Preparando los documentos…", "en": "Preparing the documents…"},
    "reportes.ready": {"es": "Documentos listos (exportación registrada en la auditoría).",
                       "en": "Documents ready (export recorded in the audit log)."},
    "reportes.xlsx": {"es": "Descargar Excel", "en": "Download Excel"},
    "reportes.pdf": {"es": "Descargar PDF", "en": "Download PDF"},
    "reportes.audit_failed": {"es": "No se pudo registrar la exportación en la auditoría (el "
                                    "almacén está en uso por otro proceso). Por seguridad no se "
                                    "entregan los archivos: reintente en unos segundos.",
                              "en": "The export could not be recorded in the audit log (the "
                                    "store is in use by another process). For safety the files "
                                    "are not handed out: retry in a few seconds."},
    "reportes.no_export": {"es": "Su rol no permite exportar esta versión.",
                           "en": "Your role cannot export this version."},
    "reportes.doc_title": {"es": "Informe Codisec: {districts}"},
    "reportes.doc_internal": {"es": "Documento de uso interno (Ley 29733). Preparado por: "
                                    "{user}."},
    "reportes.doc_public": {"es": "Versión pública: solo agregados, cifras pequeñas suprimidas."},
    "reportes.doc_user_note": {"es": "Observaciones: {text}"},
    "admin.title": {"es": "Administración", "en": "Administration"},
    "admin.demo": {"es": "Modo demostración: aún no hay usuarios. El primer usuario debe ser "
                         "administrador; al crearlo, su sesión continúa con ese usuario y la "
                         "aplicación pedirá iniciar sesión a todos los demás.",
                   "en": "Demo mode: no users yet. The first user must be an administrator; "
                         "once created, your session continues as that user and everybody "
                         "else must sign in."},
    "admin.users": {"es": "Usuarios", "en": "Users"},
    "admin.no_users": {"es": "No hay usuarios configurados.", "en": "No users configured."},
    "admin.col_user": {"es": "Usuario", "en": "User"},
    "admin.col_role": {"es": "Rol", "en": "Role"},
    "admin.col_created": {"es": "Creado", "en": "Created"},
    "admin.col_updated": {"es": "Actualizado", "en": "Updated"},
    "admin.col_time": {"es": "Fecha y hora", "en": "Time"},
    "admin.col_action": {"es": "Acción", "en": "Action"},
    "admin.col_detail": {"es": "Detalle", "en": "Detail"},
    "admin.add": {"es": "Agregar usuario", "en": "Add user"},
    "admin.username": {"es": "Nombre de usuario", "en": "User name"},
    "admin.username_help": {"es": "3 a 32 caracteres: minúsculas sin tildes, números, punto, "
                                  "guion o guion bajo.",
                            "en": "3 to 32 characters: lower-case letters, digits, dot, dash "
                                  "or underscore."},
    "admin.role": {"es": "Rol", "en": "Role"},
    "admin.password": {"es": "Contraseña", "en": "Password"},
    "admin.password2": {"es": "Repita la contraseña", "en": "Repeat the password"},
    "admin.password_help": {"es": "Al menos {n} caracteres.", "en": "At least {n} characters."},
    "admin.mismatch": {"es": "Las contraseñas no coinciden.", "en": "The passwords do not match."},
    "admin.added": {"es": "Usuario {user} creado con el rol {role}.",
                    "en": "User {user} created with role {role}."},
    "admin.first_admin": {"es": "El primer usuario debe tener el rol administrador.",
                          "en": "The first user must be an administrator."},
    "admin.manage": {"es": "Modificar un usuario", "en": "Change a user"},
    "admin.pick_user": {"es": "Usuario", "en": "User"},
    "admin.new_role": {"es": "Nuevo rol", "en": "New role"},
    "admin.set_role": {"es": "Cambiar rol", "en": "Change role"},
    "admin.role_changed": {"es": "Rol de {user} cambiado a {role}.",
                           "en": "Role of {user} changed to {role}."},
    "admin.new_password": {"es": "Nueva contraseña", "en": "New password"},
    "admin.reset": {"es": "Restablecer contraseña", "en": "Reset password"},
    "admin.reset_done": {"es": "Contraseña de {user} restablecida.",
                         "en": "Password of {user} reset."},
    "admin.remove": {"es": "Eliminar usuario", "en": "Remove user"},
    "admin.remove_confirm": {"es": "Confirmo que quiero eliminar a {user}",
                             "en": "I confirm I want to remove {user}"},
    "admin.removed": {"es": "Usuario {user} eliminado.", "en": "User {user} removed."},
    "admin.locked": {"es": "El almacén está en uso por otro proceso; no se guardó el cambio. "
                           "Reintente en unos segundos.",
                     "en": "The store is in use by another process; the change was not "
                           "saved. Retry in a few seconds."},
    "admin.audit": {"es": "Registro de auditoría", "en": "Audit log"},
    "admin.audit_help": {"es": "Quién importó, exportó, planificó o cambió qué, y cuándo (hora "
                               "de Lima), de la más reciente a la más antigua, {n} entradas por "
                               "página.",
                         "en": "Who imported, exported, planned or changed what, and when (Lima "
                               "time), newest first, {n} entries per page."},
    "admin.filter_from": {"es": "Desde", "en": "From"},
    "admin.filter_to": {"es": "Hasta", "en": "To"},
    "admin.audit_page": {"es": "Página", "en": "Page"},
    "admin.audit_range": {"es": "Entradas {a}–{b} de {n} (página {p} de {pages}).",
                          "en": "Entries {a}–{b} of {n} (page {p} of {pages})."},
    "admin.audit_csv_help": {"es": "Las entradas con los filtros elegidos (como máximo {n}).",
                             "en": "The entries matching the filters (at most {n})."},
    "admin.filter_user": {"es": "Filtrar por usuario", "en": "Filter by user"},
    "admin.filter_action": {"es": "Filtrar por acción", "en": "Filter by action"},
    "admin.all": {"es": "(todos)", "en": "(all)"},
    "admin.audit_empty": {"es": "No hay entradas de auditoría con estos filtros.",
                          "en": "No audit entries match these filters."},
    "admin.audit_csv": {"es": "Descargar auditoría (CSV)", "en": "Download audit log (CSV)"},
}
