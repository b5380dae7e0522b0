"""Streamlit-aware helpers of the Vigía app; the only package besides pages/ that imports streamlit.

Modules
-------
i18n     every user-facing string (Spanish default, English), ``t(key, **kw)``
auth     ``current_role()``: role + demo flag of the session
nav      ``PAGES`` registry (one line per page) and the sidebar menu
filters  sidebar widgets -> frozen ``Filters``; URL (query-param) sync; session keys
cache    the only st.cache_data / st.cache_resource; store connection; cached analytics
layers   pydeck layers, colour scales, legends
charts   Altair charts for the pages
"""
