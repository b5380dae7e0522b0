"""The Dask path equals the single-machine path exactly (a 2-worker LocalCluster)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import cli, distributed, partitions
from analytics.query import IncidentQuery

R7 = IncidentQuery(resolution=7)
R8 = IncidentQuery(resolution=8)

distributed_pkg = pytest.importorskip("distributed")

BY = [None, "hour", "shift", "weekday", "date"]
UBIGEOS = ("150115", "150122", "130101")


@pytest.fixture(scope="module")
def client() -> Iterator[distributed_pkg.Client]:
    cluster = distributed_pkg.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=":0", memory_limit="1GiB")
    c = distributed_pkg.Client(cluster, set_as_default=False)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


@pytest.fixture(scope="module")
def flat_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """3,000 seeded incidents, 13 months (2024-01 to 2025-01), 3 districts, in 3 flat files."""
    rng = np.random.default_rng(8)
    n = 3000
    centre = np.array([(-12.068, -77.018), (-12.121, -77.030), (-8.112, -79.029)])
    k = rng.integers(0, 3, n)
    df = pd.DataFrame({
        "incident_id": [f"d{i:05d}" for i in range(n)],
        "occurred_at": (pd.Timestamp("2024-01-01")
                        + pd.to_timedelta(rng.integers(0, 396 * 1440, n), unit="min")),
        "lat": centre[k, 0] + rng.normal(0, 0.01, n),
        "lon": centre[k, 1] + rng.normal(0, 0.01, n),
        "crime_type": rng.choice(["robo", "hurto", "extorsión"], n),
        "district": np.array(["LA VICTORIA", "MIRAFLORES", "TRUJILLO"])[k],
        "ubigeo": np.array(UBIGEOS)[k],
    })
    base = tmp_path_factory.mktemp("flat")
    paths = []
    for i in range(3):
        p = base / f"raw{i}.parquet"
        df.iloc[i * 1000:(i + 1) * 1000].to_parquet(p)
        paths.append(p)
    return paths


@pytest.fixture(scope="module")
def dataset(flat_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("local") / "ds"
    distributed.parquet_to_partitions(flat_files, root, source="prueba", address="local")
    return root


def test_dask_ingest_equals_local(client: distributed_pkg.Client, flat_files: list[Path],
                                  dataset: Path, tmp_path: Path) -> None:
    rep = distributed.parquet_to_partitions(flat_files, tmp_path / "ds", source="prueba",
                                            client=client)
    assert rep.rows == 3000 and len(rep.months) == 13
    assert all(p.name.startswith("d") for p in rep.files)  # written by the workers
    pd.testing.assert_frame_equal(partitions.read_incidents(tmp_path / "ds"),
                                  partitions.read_incidents(dataset))


@pytest.mark.parametrize("by", BY, ids=[str(b) for b in BY])
def test_dask_counts_equal_duckdb(client: distributed_pkg.Client, dataset: Path,
                                  by: str | None) -> None:
    q = IncidentQuery.build(resolution=9, start="2024-03-15", end="2024-11-30",
                            ubigeos=UBIGEOS[:2])
    local = distributed.counts_by_cell(dataset, q, by=by, address="local")
    remote = distributed.counts_by_cell(dataset, q, by=by, client=client)
    pd.testing.assert_frame_equal(remote, local)
    assert local["count"].sum() > 1000


def test_dask_counts_whole_dataset_sum_to_n(client: distributed_pkg.Client,
                                            dataset: Path) -> None:
    remote = distributed.counts_by_cell(dataset, R7, client=client)
    assert remote["count"].sum() == 3000
    pd.testing.assert_frame_equal(remote, partitions.counts_by_cell(dataset, R7))


@pytest.mark.parametrize("model", ["retro_shift", "prospective"])
def test_dask_district_forecasts_equal_local(client: distributed_pkg.Client, dataset: Path,
                                             model: str) -> None:
    kw = {"train_until": "2025-01-01", "model": model, "horizon_days": 7, "seed": 1}
    local = distributed.forecasts_by_district(dataset, address="local", **kw)
    remote = distributed.forecasts_by_district(dataset, client=client, **kw)
    pd.testing.assert_frame_equal(remote, local)
    assert local["ubigeo"].unique().tolist() == sorted(UBIGEOS)
    assert local.attrs["sin_historia"] == []


def test_env_var_routes_to_cluster(client: distributed_pkg.Client, dataset: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def transitions() -> int:
        return int(client.run_on_scheduler(
            lambda dask_scheduler: dask_scheduler.transition_counter))

    monkeypatch.setenv(distributed.ENV_VAR, client.scheduler.address)
    before = transitions()
    got = distributed.counts_by_cell(dataset, R8)
    assert transitions() > before
    pd.testing.assert_frame_equal(got, partitions.counts_by_cell(dataset, R8))
    before = transitions()
    distributed.counts_by_cell(dataset, R8, address=distributed.LOCAL)
    assert transitions() == before


def test_resolve_address() -> None:
    assert distributed.resolve_address(environ={}) is None
    assert distributed.resolve_address(environ={"VIGIA_DASK": "tcp://h:8786"}) == "tcp://h:8786"
    assert distributed.resolve_address("local", environ={"VIGIA_DASK": "tcp://h:8786"}) is None
    assert distributed.resolve_address("tcp://x:1", environ={}) == "tcp://x:1"


def test_cli_dask_flag_equals_local(client: distributed_pkg.Client, dataset: Path,
                                    tmp_path: Path) -> None:
    args = ["district-forecasts", "--parquet", str(dataset), "--train-until", "2025-01-01",
            "--model", "retro_shift", "--ubigeo", "150115", "--ubigeo", "130101"]
    assert cli.main([*args, "--out", str(tmp_path / "d.csv"),
                     "--dask", client.scheduler.address]) == 0
    assert cli.main([*args, "--out", str(tmp_path / "l.csv"), "--dask", "local"]) == 0
    remote, local = pd.read_csv(tmp_path / "d.csv"), pd.read_csv(tmp_path / "l.csv")
    pd.testing.assert_frame_equal(remote, local)
    assert local["ubigeo"].astype(str).unique().tolist() == ["130101", "150115"]


def test_unreachable_scheduler_is_one_spanish_error(dataset: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT_S", 1)
    monkeypatch.setenv(distributed.ENV_VAR, "tcp://127.0.0.1:9")
    with pytest.raises(distributed.ClusterError, match="No se pudo conectar"):
        distributed.counts_by_cell(dataset)
    assert cli.main(["aggregate", "--parquet", str(dataset)]) == cli.EXIT_USER_ERROR
    assert "VIGIA_DASK" in capsys.readouterr().err
