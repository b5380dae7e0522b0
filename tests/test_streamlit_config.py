"""``.streamlit/config.toml``: every option exists in this Streamlit, security ones are on."""

from __future__ import annotations

import tomllib
from pathlib import Path

import streamlit.config as st_config

CONFIG = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"


def _options() -> dict[str, object]:
    data = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    return {f"{section}.{key}": value for section, table in data.items()
            for key, value in table.items()}


def test_every_option_is_known_to_streamlit() -> None:
    known = st_config._config_options_template
    unknown = [k for k in _options() if k not in known]
    assert not unknown, f"typos or options this Streamlit does not have: {unknown}"


def test_security_options() -> None:
    opts = _options()
    assert opts["server.enableXsrfProtection"] is True
    assert opts["server.enableCORS"] is True
    assert opts["server.address"] == "127.0.0.1"  # only the reverse proxy reaches it
    assert opts["global.developmentMode"] is False
    # a browser cannot send megabytes per run (a 5 MB user name went through the default 25)
    assert int(opts["server.maxWidgetStateSize"]) <= 2  # type: ignore[call-overload]
