"""Shared fixtures: small hand-checkable data, the shared real data when present, and the
AppTest set-up of the page tests (helpers in ``tests/_apptest.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator; tests never use global randomness."""
    return np.random.default_rng(20261122)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data no está disponible")
    return SHARED_DATA


@pytest.fixture(scope="session")
def philadelphia_path(shared_data: Path) -> Path:
    """The real Philadelphia incidents file; skips when absent."""
    p = shared_data / "philadelphia_incidents" / "incidents_2016_2025.parquet"
    if not p.is_file():
        pytest.skip("el archivo de Filadelfia no está disponible")
    return p


@pytest.fixture
def tiny_incidents() -> pd.DataFrame:
    """Six canonical incidents in two places of Lima, hand-checkable."""
    return pd.DataFrame(
        {
            "incident_id": [f"t{i}" for i in range(6)],
            "occurred_at": pd.to_datetime(
                ["2025-03-03 02:10", "2025-03-03 07:30", "2025-03-03 15:00",
                 "2025-03-04 23:59", "2025-03-05 06:00", "2025-03-05 13:59"]),
            "lat": [-12.0680, -12.0680, -12.0681, -12.1100, -12.1100, -12.0680],
            "lon": [-77.0180, -77.0180, -77.0181, -77.0300, -77.0300, -77.0180],
            "crime_type": ["robo", "hurto", "hurto", "extorsión", "lesiones", "robo"],
            "crime_group": ["patrimonio"] * 4 + ["vida_cuerpo_salud", "patrimonio"],
        }
    )


# --------------------------------------------------------------------------- page tests
@pytest.fixture
def apptest_router(monkeypatch: pytest.MonkeyPatch) -> None:
    """AppTest runs app.py (sidebar, filters, menu) before every page, as a server does.

    Page test modules use it for every test: ``pytestmark =
    pytest.mark.usefixtures("apptest_router")``.
    """
    from tests import _apptest

    _apptest.use_router(monkeypatch)


@pytest.fixture
def app_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A seeded 600-incident store (180 days to 2025-06-30, four Lima hotspots, no users:
    demo mode) in VIGIA_DB; offline; caches cleared before and after."""
    from tests import _apptest
    from tests._store_factory import make_store

    yield from _apptest.serving(make_store(tmp_path / "vigia.duckdb"), monkeypatch)
