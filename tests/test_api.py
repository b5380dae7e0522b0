"""The ingest API, tested over real HTTP against ``python -m analytics serve-api``.

One service (module scope) serves most tests; the crash test and the rate-limit
test start their own. Every wait is on a condition with a bounded timeout.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import h3
import pandas as pd
import pytest

from analytics import store
from tests import _api_server as api
from tests._store_factory import make_store

DATA = Path(__file__).resolve().parent / "data" / "ingest"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A seeded store, tokens of both roles, and the service over it."""
    tmp = tmp_path_factory.mktemp("api")
    db = make_store(tmp / "vigia.duckdb")
    toks = {"ingest": api.add_token(db, "c4-lima"), "read": api.add_token(db, "lector", "read"),
            "hostile": api.add_token(db, "pruebas")}
    with api.running(db, tmp / "serve.log", extra=("--rate-limit", "100000")) as server:
        yield {"server": server, "db": db, "tokens": toks, "tmp": tmp}


def consistency(db: Path) -> dict[str, int]:
    """Check every import's rows add up and match the rows it left; return the totals."""
    with store.reading(db) as con:
        imports = con.execute(
            "SELECT import_id, rows_read, accepted, duplicates, quarantined, repeated_file "
            "FROM imports").fetchall()
        per_inc = dict(con.execute("SELECT import_id, count(*) FROM incidents "
                                   "GROUP BY 1").fetchall())
        per_q = dict(con.execute("SELECT import_id, count(*) FROM quarantine "
                                 "GROUP BY 1").fetchall())
        dup_ids = con.execute("SELECT count(*) FROM (SELECT incident_id FROM incidents "
                              "GROUP BY 1 HAVING count(*) > 1)").fetchall()[0][0]
        n = con.execute("SELECT count(*) FROM incidents").fetchall()[0][0]
    for iid, rows, acc, dup, q, repeated in imports:
        assert rows == acc + dup + q, iid
        assert per_inc.get(iid, 0) == acc, iid
        if not repeated:
            assert per_q.get(iid, 0) == q, iid
    assert sum(per_inc.values()) == n  # no incident outside a recorded import
    assert dup_ids == 0
    return {"imports": len(imports), "incidents": n}


# --------------------------------------------------------------------------- contract
def test_health_needs_no_token_and_shows_no_data(served: dict[str, Any]) -> None:
    status, _, body = served["server"].request("GET", "/api/v1/health")
    assert status == 200 and body["status"] == "ok"
    assert set(body) <= {"status", "api", "queued_posts"}


def test_post_accepts_validates_and_is_idempotent(served: dict[str, Any]) -> None:
    server, tok = served["server"], served["tokens"]["ingest"]
    records = [api.incident("c4-0001", minutes_ago=30, dni_victima="12345678"),
               api.incident(None, minutes_ago=40, lat=-12.0690),  # no id: from its content
               {"fecha_hora": "2025-02-31 10:00", "latitud": "-12.07", "longitud": "-77.02",
                "tipo": "hurto"},
               api.incident("c4-0001", minutes_ago=30)]  # the same id again in the post
    status, _, body = server.post(records, tok)
    assert status == 200, body
    assert (body["rows_read"], body["accepted"], body["duplicates"], body["quarantined"]) == \
        (4, 2, 1, 1)
    assert body["quarantine_reasons"] == {"fecha_invalida": 1}
    assert body["pii_keys_dropped"] == ["dni_victima"]
    # a retried post (same content, ids or not) changes nothing
    status, _, again = server.post(records, tok)
    assert status == 200 and again["accepted"] == 0 and again["duplicates"] == 3
    with store.reading(served["db"]) as con:
        ids = [r[0] for r in con.execute("SELECT incident_id FROM incidents WHERE source = 'api' "
                                         "ORDER BY 1").fetchall()]
        audit = con.execute("SELECT token_name, status, rows_read, accepted FROM api_posts "
                            "WHERE token_name = 'c4-lima' ORDER BY posted_at").fetchall()
        columns = [r[0] for r in con.execute("DESCRIBE api_posts").fetchall()]
    assert "c4-0001" in ids and any(i.startswith("api-") for i in ids)
    assert ("c4-lima", 200, 4, 2) in audit and ("c4-lima", 200, 4, 0) in audit
    assert "body" not in columns and not any("12345678" in str(r) for r in audit)
    consistency(served["db"])


def test_english_keys_and_the_wrapped_form(served: dict[str, Any]) -> None:
    server, tok = served["server"], served["tokens"]["ingest"]
    when = api.lima_now().isoformat()
    status, _, body = server.post({"incidents": [{"incident_id": "en-1", "occurred_at": when,
                                                  "lat": -12.05, "lon": -77.04,
                                                  "crime_type": "theft", "x_extra": True}]},
                                  tok)
    assert status == 200 and body["accepted"] == 1


@pytest.mark.parametrize(("header", "expect"), [
    (None, 401), ("Bearer", 401), ("Bearer vg_not-a-real-token-at-all-000000", 401),
    ("Basic dXNlcjpwYXNz", 401), ("bearer " + "x" * 5000, 401)],
    ids=["none", "empty", "unknown", "basic", "huge"])
def test_unauthenticated_posts_are_refused(served: dict[str, Any], header: str | None,
                                           expect: int) -> None:
    server = served["server"]
    before = consistency(served["db"])
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Authorization"] = header
    status, h, body = server.request("POST", "/api/v1/incidents",
                                     body=json.dumps([api.incident("x-1")]).encode(),
                                     headers=headers)
    assert status == expect and "token" in body["error"].lower()
    assert h.get("www-authenticate", "").startswith("Bearer")
    assert consistency(served["db"]) == before


def test_read_token_reads_alerts_but_cannot_post(served: dict[str, Any]) -> None:
    server, toks = served["server"], served["tokens"]
    status, _, body = server.post([api.incident("r-1")], toks["read"])
    assert status == 403 and "lector" in body["error"]
    status, _, body = server.request("GET", "/api/v1/alerts", token=toks["read"])
    assert status == 200 and isinstance(body, list)
    assert server.request("GET", "/api/v1/alerts")[0] == 401


def test_revoked_token_is_refused_at_once(served: dict[str, Any]) -> None:
    server, db = served["server"], served["db"]
    tok = api.add_token(db, "temporal")
    assert server.post([api.incident("t-1")], tok)[0] == 200
    out = api.cli("tokens", "revoke", "temporal", db=db)
    assert out.returncode == 0, out.stderr
    status, _, body = server.post([api.incident("t-2")], tok)
    assert status == 401 and "revocado" in body["error"]
    assert server.request("GET", "/api/v1/alerts", token=tok)[0] == 401
    listed = api.cli("tokens", "list", db=db).stdout
    assert "temporal" in listed and tok not in listed


# --------------------------------------------------------------------------- hostile bodies
def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


HOSTILE = [
    ("malformed", b'[{"id": "a", ', "application/json", 400),
    ("not_json", b"id,fecha\n1,2", "application/json", 400),
    ("nan", b'[{"id": "a", "latitud": NaN}]', "application/json", 400),
    ("huge_int", b'[{"id": 1' + b"9" * 5000 + b"}]", "application/json", 400),
    ("invalid_utf8", b'[{"id": "\xff\xfe\xfa"}]', "application/json", 400),
    ("deep_nesting", _nested(100_000), "application/json", 400),
    ("object", b'{"id": "a", "fecha_hora": "2025-01-01"}', "application/json", 422),
    ("scalar", b"42", "application/json", 422),
    ("empty_list", b"[]", "application/json", 422),
    ("empty_body", b"", "application/json", 400),
    ("million_elements", b"[" + b"0," * 999_999 + b"0]", "application/json", 422),
    ("too_many_rows", json.dumps([{"id": i} for i in range(10_001)]).encode(),
     "application/json", 422),
    ("no_date_keys", b'[{"id": "a", "latitud": 1, "longitud": 2}]', "application/json", 422),
    ("all_nested", b'[{"a": {"b": 1}}, [1, 2]]', "application/json", 422),
    ("text_plain", b'[{"id": "a"}]', "text/plain", 415),
    ("form", b"id=a", "application/x-www-form-urlencoded", 415),
    ("no_type", b'[{"id": "a"}]', "", 415),
]


@pytest.mark.parametrize(("body", "ctype", "expect"), [h[1:] for h in HOSTILE],
                         ids=[h[0] for h in HOSTILE])
def test_hostile_bodies_get_4xx_and_write_nothing(served: dict[str, Any], body: bytes,
                                                   ctype: str, expect: int) -> None:
    server, tok = served["server"], served["tokens"]["hostile"]
    before = consistency(served["db"])
    headers = {"Content-Type": ctype} if ctype else {}
    status, _, answer = server.request("POST", "/api/v1/incidents", body=body, token=tok,
                                       headers=headers)
    assert status == expect, answer
    assert isinstance(answer["error"], str) and answer["error"]
    assert consistency(served["db"]) == before


def test_oversized_bodies_are_refused_while_streaming(served: dict[str, Any]) -> None:
    import http.client

    server, tok = served["server"], served["tokens"]["hostile"]
    before = consistency(served["db"])
    big = b"[" + b'"' + b"x" * (6 * 2**20) + b'"]'
    status, _, answer = server.request("POST", "/api/v1/incidents", body=big, token=tok,
                                       headers={"Content-Type": "application/json"})
    assert status == 413 and "MB" in answer["error"]
    # chunked (no Content-Length): refused once the limit is passed, before the end
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=api.REQUEST_TIMEOUT)
    conn.putrequest("POST", "/api/v1/incidents")
    conn.putheader("Authorization", f"Bearer {tok}")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    sent = 0
    try:
        while sent < 64 * 2**20:  # would be 64 MB; the server stops reading past 5 MB
            chunk = b"[" * 2**20 if sent == 0 else b" " * 2**20
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        conn.send(b"0\r\n\r\n")
    except OSError:
        pass  # the server answered and closed while we were still sending
    resp = conn.getresponse()
    assert resp.status == 413
    conn.close()
    assert sent < 64 * 2**20 or resp.status == 413
    assert consistency(served["db"]) == before


def test_hostile_rows_are_quarantined_not_500(served: dict[str, Any]) -> None:
    server, tok = served["server"], served["tokens"]["hostile"]
    rows = [
        api.incident("h-sql", tipo="robo'); DROP TABLE incidents; --"),
        api.incident("h-types", latitud=True, longitud=[1]),        # nested: malformed row
        api.incident("h-bool", minutes_ago=5, latitud=False),      # not a number
        api.incident("h-long", tipo="x" * 100_000),                 # over-long field
        api.incident("h-uni", tipo="robo 🚨 \u202e\u0000 ñandú \ud800", distrito="Lima\u0301"),
        {"id": "h-key", "k" * 10_000: 1},                           # absurd key: malformed
        api.incident("h-num", latitud=1e308, longitud=-1e308),
        api.incident("h-null", latitud=None),
        "not an object", 7, None,
        api.incident("h-ok", minutes_ago=15),
    ]
    status, _, body = server.post(rows, tok)
    assert status == 200, body
    assert body["rows_read"] == len(rows)
    assert body["rows_read"] == body["accepted"] + body["duplicates"] + body["quarantined"]
    reasons = body["quarantine_reasons"]
    assert reasons["fila_malformada"] == 5 and reasons["campo_demasiado_largo"] == 1
    with store.reading(served["db"]) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables")
                  .fetchall()}
        kept = dict(con.execute("SELECT incident_id, crime_type FROM incidents "
                                "WHERE incident_id IN ('h-sql', 'h-uni', 'h-ok')").fetchall())
    assert "incidents" in tables and set(kept) == {"h-sql", "h-uni", "h-ok"}
    assert "drop table" in kept["h-sql"]  # stored as text, never run
    consistency(served["db"])


def test_unknown_route_and_method_answer_json(served: dict[str, Any]) -> None:
    server = served["server"]
    status, _, body = server.request("GET", "/api/v1/nada")
    assert status == 404 and "Ruta" in body["error"]
    status, _, body = server.request("GET", "/api/v1/incidents")
    assert status == 405 and body["error"]


# --------------------------------------------------------------------------- alerts
def test_three_robberies_raise_an_alert_visible_in_the_api(served: dict[str, Any]) -> None:
    server, toks = served["server"], served["tokens"]
    base = (-12.0560, -77.0310)
    posts = [api.incident(f"nr-{k}", minutes_ago=180 - 60 * k, lat=base[0] + 0.0003 * k,
                          lon=base[1] + 0.0002 * k) for k in range(3)]
    for rec in posts:  # three separate posts, as they come in
        status, _, body = server.post([rec], toks["ingest"])
        assert status == 200 and body["accepted"] == 1
    status, headers, body = server.request("GET", "/api/v1/alerts", token=toks["read"])
    assert status == 200 and headers["x-vigia-at"]
    here = {a["h3"]: a for a in body if a["crime_type"] == "robo"}
    cell = h3.latlng_to_cell(base[0], base[1], 10)
    assert cell in here
    alert = here[cell]
    assert alert["trigger_incident_id"] == "nr-2" and alert["n_incidents"] == 3
    assert alert["distance_m"] == 200 and alert["days"] == 7
    last_robbery = pd.Timestamp(api.lima_now() - timedelta(minutes=60))
    expiry = pd.Timestamp(alert["expires_at"])
    assert abs((expiry - last_robbery - pd.Timedelta(days=7)).total_seconds()) < 120
    assert {"h3", "starts_at", "expires_at", "trigger_incident_id", "crime_type",
            "risk_ratio", "distance_m"} <= set(alert)
    # the alert is over a week after the last robbery
    later = (api.lima_now() + timedelta(days=8)).isoformat()
    status, _, body = server.request("GET", f"/api/v1/alerts?at={later}", token=toks["read"])
    assert status == 200 and cell not in {a["h3"] for a in body}
    assert server.request("GET", "/api/v1/alerts?at=ma%C3%B1ana", token=toks["read"])[0] == 422


# --------------------------------------------------------------------------- concurrency
def test_cli_import_and_readers_work_while_the_api_serves(served: dict[str, Any]) -> None:
    server, tok, db = served["server"], served["tokens"]["ingest"], served["db"]
    stop = threading.Event()
    answers: list[int] = []

    def poster() -> None:
        k = 0
        while not stop.is_set() and k < 400:
            answers.append(server.post([api.incident(f"cc-{k}", minutes_ago=10 + k % 50)],
                                       tok)[0])
            k += 1

    th = threading.Thread(target=poster)
    th.start()
    try:
        deadline = time.monotonic() + 60
        while len(answers) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        out = api.cli("ingest", str(DATA / "utf8_bom.csv"), db=db)
        assert out.returncode == 0, out.stderr
        with store.reading(db) as con:  # a reader (the app) gets in too
            assert con.execute("SELECT count(*) FROM incidents").fetchall()[0][0] > 0
    finally:
        stop.set()
        th.join(120)
    assert answers and set(answers) == {200}
    consistency(db)


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    db = make_store(tmp_path / "v.duckdb", n=50)
    tok = api.add_token(db, "limitado")
    with api.running(db, tmp_path / "serve.log", extra=("--rate-limit", "3")) as server:
        statuses = [server.post([api.incident(f"rl-{k}")], tok) for k in range(5)]
    codes = [s[0] for s in statuses]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    assert int(statuses[3][1]["retry-after"]) >= 1
    with store.reading(db) as con:
        audit = con.execute("SELECT status, detail FROM api_posts WHERE status = 429").fetchall()
    assert audit and "2 envío" in audit[0][1]


def test_acknowledged_incidents_survive_kill_9(tmp_path: Path) -> None:
    """Post from several threads, SIGKILL the service mid-stream, restart it, finish:
    every acknowledged incident is in the store exactly once (and so is every other)."""
    db = make_store(tmp_path / "v.duckdb", n=50)
    tok = api.add_token(db, "carga")
    log = tmp_path / "serve.log"
    server = api.start(db, log, extra=("--rate-limit", "100000"))
    port = server.port
    acked: set[str] = set()
    sent: set[str] = set()
    lock = threading.Lock()
    errors: list[str] = []
    n_threads, n_posts = 4, 30

    def client(t: int) -> None:
        for k in range(n_posts):
            ids = [f"k{t}-{k}-{j}" for j in range(1 + (k % 3))]
            recs = [api.incident(i, minutes_ago=5 + (t * 37 + k * 11 + j) % 600,
                                 lat=-12.06 - 0.0001 * k, lon=-77.03 + 0.0001 * j)
                    for j, i in enumerate(ids)]
            deadline = time.monotonic() + 180
            while True:
                try:
                    status, _, body = server.post(recs, tok, timeout=30)
                except OSError:  # the service is down: retry the same post
                    if time.monotonic() > deadline:
                        errors.append(f"timeout {ids}")
                        return
                    time.sleep(0.1)
                    continue
                if status == 200:
                    with lock:
                        acked.update(ids)
                    break
                errors.append(f"{status} {body}")
                return
            with lock:
                sent.update(ids)

    threads = [threading.Thread(target=client, args=(t,)) for t in range(n_threads)]
    for th in threads:
        th.start()
    try:
        deadline = time.monotonic() + 120
        while len(acked) < 25 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(acked) >= 25, errors
        server.kill()
        with lock:
            before_kill = set(acked)
        server = api.start(db, log, port=port, extra=("--rate-limit", "100000"))
        for th in threads:
            th.join(300)
    finally:
        server.stop()
    assert not errors, errors[:3]
    assert all(not th.is_alive() for th in threads)
    with store.reading(db) as con:
        rows = con.execute("SELECT incident_id, count(*) FROM incidents WHERE incident_id "
                           "LIKE 'k%' GROUP BY 1").fetchall()
    stored = dict(rows)
    assert before_kill <= set(stored)  # acknowledged before the crash: survived it
    assert acked == sent == set(stored)  # and after the restart every post landed
    assert set(stored.values()) == {1}  # exactly once
    consistency(db)


def test_the_example_client_posts_and_reads(served: dict[str, Any], tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("api_client",
                                                  api.ROOT / "docs" / "api_client.py")
    assert spec is not None and spec.loader is not None
    client = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(client)
    server, tok = served["server"], served["tokens"]["ingest"]
    base = f"http://127.0.0.1:{server.port}"
    recs = [api.incident(f"cli-{k}", minutes_ago=20 + k, lat=-12.05 - 0.001 * k)
            for k in range(5)]
    assert client.post_incidents(base, tok, recs, batch=2)["accepted"] == 5
    assert client.post_incidents(base, tok, recs, batch=3)["duplicates"] == 5
    status, _, answer = client.request(f"{base}/api/v1/alerts", tok)
    assert status == 200 and isinstance(answer, list)
