"""Administración (admin only): users and the audit log.

Every change goes through ``analytics.access`` on a short-lived writable
connection and writes an audit entry in the same transaction window. Passwords
never reach session state beyond the form widgets (cleared after each action).
The audit log is read one page at a time (``settings.AUDIT_PAGE_ROWS``) with
filters by user, action and dates: never the whole table.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from analytics import access, files, settings
from analytics._errors import AnalyticsError, StoreError
from ui import auth, cache, login, page
from ui.i18n import role_label, t

ctx = page.context(need_data=False)
assert ctx is not None
sess = ctx.session
ss = st.session_state
if not access.can(sess.role, "manage_users"):
    login.forbidden("page.admin")
    st.stop()

PAGE_ROWS = settings.AUDIT_PAGE_ROWS
ROLES = list(access.ROLES)
K_PAGE = "adm_audit_page"


def _run(change: Callable[..., object], audit_action: str, audit_detail: str,
         ok_msg: str) -> bool:
    """Apply one user change and its audit entry; message in the current language."""
    try:
        with cache.admin_connection() as con:
            change(con)
            access.record_audit(con, user=sess.user, action=audit_action, detail=audit_detail)
    except StoreError:
        ss["_admin_msg"] = ("error", t("admin.locked"))
        return False
    except AnalyticsError as exc:
        ss["_admin_msg"] = ("error", t("app.error", msg=str(exc)))
        return False
    ss["_admin_msg"] = ("success", ok_msg)
    return True


def _clear(*keys: str) -> None:
    for k in keys:
        ss[k] = ""


def _add() -> None:
    name = str(ss.get("adm_new_user") or "").strip().lower()
    role = str(ss.get("adm_new_role") or "analista")
    pw, pw2 = str(ss.get("adm_new_pw") or ""), str(ss.get("adm_new_pw2") or "")
    _clear("adm_new_pw", "adm_new_pw2")
    if pw != pw2:
        ss["_admin_msg"] = ("error", t("admin.mismatch"))
        return
    with cache.read_connection() as con:
        first = not access.has_users(con)
    if first and role != "admin":
        ss["_admin_msg"] = ("error", t("admin.first_admin"))
        return
    done = _run(lambda con: access.add_user(con, name, pw, role), "user_add",
                f"usuario {name}, rol {role}", t("admin.added", user=name, role=role_label(role)))
    if done:
        _clear("adm_new_user")
        if first:  # the demo admin goes on as the first real admin
            login.sign_in(name, role)


def _keep_own_session(name: str) -> None:
    """A change to one's own password or role ends one's *other* sessions, not this one."""
    if name == sess.user:
        found = login.user_session(name)
        if found is not None:
            ss[auth.GEN_KEY] = found[1]


def _set_role(name: str) -> None:
    role = str(ss.get(f"adm_role_new_{name}") or "")
    if _run(lambda con: access.set_role(con, name, role), "user_role",
            f"usuario {name}, rol {role}",
            t("admin.role_changed", user=name, role=role_label(role))):
        _keep_own_session(name)


def _reset(name: str) -> None:
    pw, pw2 = str(ss.get("adm_reset_pw") or ""), str(ss.get("adm_reset_pw2") or "")
    _clear("adm_reset_pw", "adm_reset_pw2")
    if pw != pw2:
        ss["_admin_msg"] = ("error", t("admin.mismatch"))
        return
    if _run(lambda con: access.set_password(con, name, pw), "user_passwd", f"usuario {name}",
            t("admin.reset_done", user=name)):
        _keep_own_session(name)


def _remove(name: str) -> None:
    if not ss.get("adm_remove_ok"):
        return
    ss["adm_remove_ok"] = False
    if _run(lambda con: access.remove_user(con, name), "user_remove", f"usuario {name}",
            t("admin.removed", user=name)) and name == sess.user:
        login.sign_out()


def _audit_download() -> None:
    login.audit("export_audit", "registro de auditoría (CSV)", user=sess.user)


def _first_page() -> None:
    ss[K_PAGE] = 1


st.title(t("admin.title"))
with page.guard():
    with cache.read_connection() as con:
        users = access.list_users(con)
    users_exist = len(users) > 0
    if sess.demo:
        st.warning(t("admin.demo"), icon=":material/science:")
    msg = ss.pop("_admin_msg", None)
    if msg:
        (st.success if msg[0] == "success" else st.error)(msg[1])

    # --- users -----------------------------------------------------------------------------
    st.subheader(t("admin.users"))
    if users_exist:
        st.dataframe(pd.DataFrame({
            t("admin.col_user"): users["username"],
            t("admin.col_role"): [role_label(r) for r in users["role"]],
            t("admin.col_created"): users["created_at"],
            t("admin.col_updated"): users["updated_at"],
        }), hide_index=True, width="stretch", key="adm_users")
    else:
        st.info(t("admin.no_users"), icon=":material/info:")

    left, right = st.columns(2)
    with left, st.form("adm_add_form", border=True):
        st.markdown(f"**{t('admin.add')}**")
        st.text_input(t("admin.username"), key="adm_new_user", help=t("admin.username_help"))
        st.selectbox(t("admin.role"), ROLES if users_exist else ["admin"], key="adm_new_role",
                     index=ROLES.index("analista") if users_exist else 0,
                     format_func=role_label)
        st.text_input(t("admin.password"), type="password", key="adm_new_pw",
                      help=t("admin.password_help", n=access.MIN_PASSWORD_LENGTH),
                      autocomplete="new-password")
        st.text_input(t("admin.password2"), type="password", key="adm_new_pw2",
                      autocomplete="new-password")
        st.form_submit_button(t("admin.add"), on_click=_add, type="primary",
                              icon=":material/person_add:", key="adm_add")

    with right:
        if users_exist:
            st.markdown(f"**{t('admin.manage')}**")
            name = st.selectbox(t("admin.pick_user"), users["username"].tolist(),
                                key="adm_pick")
            current = str(users.loc[users["username"] == name, "role"].iloc[0])
            with st.form("adm_role_form", border=True):
                st.selectbox(t("admin.new_role"), ROLES, index=ROLES.index(current),
                             key=f"adm_role_new_{name}", format_func=role_label)
                st.form_submit_button(t("admin.set_role"), on_click=_set_role, args=(name,),
                                      icon=":material/badge:", key="adm_role_btn")
            with st.form("adm_reset_form", border=True):
                st.text_input(t("admin.new_password"), type="password", key="adm_reset_pw",
                              help=t("admin.password_help", n=access.MIN_PASSWORD_LENGTH),
                              autocomplete="new-password")
                st.text_input(t("admin.password2"), type="password", key="adm_reset_pw2",
                              autocomplete="new-password")
                st.form_submit_button(t("admin.reset"), on_click=_reset, args=(name,),
                                      icon=":material/key:", key="adm_reset_btn")
            with st.form("adm_remove_form", border=True):
                st.checkbox(t("admin.remove_confirm", user=name), key="adm_remove_ok")
                st.form_submit_button(t("admin.remove"), on_click=_remove, args=(name,),
                                      icon=":material/person_remove:", key="adm_remove_btn")

    # --- audit -----------------------------------------------------------------------------
    st.subheader(t("admin.audit"))
    st.caption(t("admin.audit_help", n=PAGE_ROWS))
    with cache.read_connection() as con:
        who_values, what_values = access.audit_filter_values(con)
    all_label = t("admin.all")
    f1, f2, f3, f4 = st.columns(4)
    who = f1.selectbox(t("admin.filter_user"), [all_label, *who_values], key="adm_f_user",
                       on_change=_first_page)
    what = f2.selectbox(t("admin.filter_action"), [all_label, *what_values], key="adm_f_action",
                        on_change=_first_page)
    since = f3.date_input(t("admin.filter_from"), value=None, key="adm_f_from",
                          on_change=_first_page, format="DD/MM/YYYY")
    until = f4.date_input(t("admin.filter_to"), value=None, key="adm_f_to",
                          on_change=_first_page, format="DD/MM/YYYY")
    filters = {"user": None if who == all_label else who,
               "action": None if what == all_label else what,
               "start": since, "end": until}
    with cache.read_connection() as con:
        total = access.audit_count(con, **filters)
    pages = max(1, -(-total // PAGE_ROWS))
    if int(ss.get(K_PAGE, 1)) > pages:
        ss[K_PAGE] = pages
    number = int(st.number_input(t("admin.audit_page"), min_value=1, max_value=pages,
                                 step=1, key=K_PAGE))
    offset = (number - 1) * PAGE_ROWS
    with cache.read_connection() as con:
        view = access.audit_log(con, limit=PAGE_ROWS, offset=offset, **filters)
    if view.empty:
        st.info(t("admin.audit_empty"), icon=":material/info:")
    else:
        st.caption(t("admin.audit_range", a=offset + 1, b=offset + len(view), n=total,
                     p=number, pages=pages))
        labels = {"logged_at": t("admin.col_time"), "username": t("admin.col_user"),
                  "action": t("admin.col_action"), "detail": t("admin.col_detail")}
        st.dataframe(view.rename(columns=labels), hide_index=True, width="stretch",
                     key="adm_audit")
        store_handle = cache.handle()

        def _audit_csv() -> bytes:
            """Built only when the button is clicked, bounded by AUDIT_EXPORT_MAX_ROWS."""
            with store_handle.read() as c:
                rows = access.audit_log(c, limit=settings.AUDIT_EXPORT_MAX_ROWS, **filters)
            return files.table_to_csv_bytes(rows.rename(columns=labels), bom=True)

        st.download_button(t("admin.audit_csv"), _audit_csv, file_name="auditoria_vigia.csv",
                           mime="text/csv", key="adm_audit_csv", on_click=_audit_download,
                           icon=":material/download:",
                           help=t("admin.audit_csv_help", n=settings.AUDIT_EXPORT_MAX_ROWS))
