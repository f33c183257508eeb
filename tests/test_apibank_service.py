"""The API-Bank service over real loopback HTTP: protocol, bad input, lifecycle, registration."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time

import httpx
import pytest
from conftest import REPO

from toolcoder_repl.errors import UsageError
from toolcoder_repl.evals.apibank.openapi import openapi_spec
from toolcoder_repl.evals.apibank.server import ApiBankServer
from toolcoder_repl.evals.apibank.service import ServiceManager

JOHN = "a9s8d7f6g5h4j3k2l1"


@pytest.fixture
def server():
    srv = ApiBankServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


def raw_post(server: ApiBankServer, path: str, body: bytes) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def test_call_returns_api_bank_envelope(client):
    resp = client.post("/GetUserToken", json={"username": "JohnDoe", "password": "pass123"})
    assert resp.status_code == 200
    assert resp.json() == {"api_name": "GetUserToken",
                           "input": {"username": "JohnDoe", "password": "pass123"},
                           "output": {"token": JOHN}, "exception": None}


def test_api_errors_are_200_with_exception(client):
    body = client.post("/GetUserToken", json={"username": "JohnDoe", "password": "no"}).json()
    assert body["output"] is None and body["exception"] == "The password is incorrect."


def test_health_openapi_and_index(server, client):
    assert client.get("/health").json() == {"status": "ok", "apis": 53}
    assert len(client.get("/").json()["apis"]) == 53
    spec = client.get("/openapi.json").json()
    assert len(spec["paths"]) == 53
    assert spec["servers"] == [{"url": server.url}]  # imported from here, tools call here


def test_unknown_api_is_404_with_names(client):
    resp = client.post("/NoSuchApi", json={})
    assert resp.status_code == 404
    assert "GetUserToken" in resp.json()["apis"]
    assert client.get("/nowhere").status_code == 404


@pytest.mark.parametrize("body, fragment", [
    (b"{not json", "malformed JSON"),
    (b"[1, 2]", "JSON object"),
    (b'{"username": "JohnDoe"}', "missing required"),
    (b'{"username": "JohnDoe", "password": "x", "admin": true}', "unknown parameter"),
    (b'{"username": {"a": 1}, "password": "x"}', "must be a string"),
    (b"\xff\xfe", "malformed JSON"),
])
def test_bad_requests_are_400_never_500(server, body, fragment):
    status, data = raw_post(server, "/GetUserToken", body)
    assert status == 400
    assert data["output"] is None and fragment in data["exception"]
    assert data["api_name"] == "GetUserToken"


def test_wrong_type_is_400(client):
    resp = client.post("/BookHotel", json={"hotel_name": "x", "check_in_time": "2023-01-01",
                                           "check_out_time": "2023-01-02", "room_count": "lots",
                                           "adult_count": 1, "child_count": 0})
    assert resp.status_code == 400 and "integer" in resp.json()["exception"]


def test_empty_body_for_parameterless_api(server):
    status, data = raw_post(server, "/GetToday", b"")
    assert status == 200 and data["output"] == "2023-03-31" and data["input"] is None


def test_reset_endpoint(client):
    assert client.post("/DeleteAccount", json={"token": JOHN}).json()["output"] == {"status": "success"}
    assert client.post("/CheckToken", json={"token": JOHN}).json()["exception"]
    assert client.post("/reset").json() == {"status": "reset"}
    assert client.post("/CheckToken", json={"token": JOHN}).json()["output"] == {"username": "JohnDoe"}


def test_two_instances_do_not_share_state():
    a, b = ApiBankServer().start(), ApiBankServer().start()
    try:
        assert a.port != b.port
        httpx.post(f"{a.url}/DeleteAccount", json={"token": JOHN}).raise_for_status()
        assert httpx.post(f"{a.url}/CheckToken", json={"token": JOHN}).json()["exception"]
        assert httpx.post(f"{b.url}/CheckToken", json={"token": JOHN}).json()["output"] == \
            {"username": "JohnDoe"}
    finally:
        a.stop()
        b.stop()


def _refused(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        return True
    return False


def test_service_manager_starts_reuses_and_stops():
    manager = ServiceManager()
    url = manager.url_for("apibank")
    assert url.startswith("http://127.0.0.1:")
    assert manager.url_for("apibank") == url
    assert httpx.get(f"{url}/health").json()["status"] == "ok"
    manager.close()
    assert _refused(url)
    fresh = manager.url_for("apibank")
    assert httpx.get(f"{fresh}/health").status_code == 200
    manager.close()
    with pytest.raises(UsageError, match="local:nope"):
        manager.url_for("nope")


def test_shared_manager_is_a_singleton():
    assert ServiceManager.shared() is ServiceManager.shared()


# -- OpenAPI document ---------------------------------------------------------------------------
def test_openapi_document_types_and_descriptions():
    spec = openapi_spec()
    assert spec["openapi"].startswith("3.")
    ops = {path: item["post"] for path, item in spec["paths"].items()}
    assert len(ops) == 53 and all(op["operationId"] == path[1:] for path, op in ops.items())
    for path, op in ops.items():
        assert op["summary"] and op["responses"]["200"]
        if path == "/GetToday":
            assert "requestBody" not in op
            continue
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        assert schema["type"] == "object" and schema["properties"], path
        for name, prop in schema["properties"].items():
            assert prop["type"] in {"string", "integer", "number", "boolean", "array", "object"}
            assert prop["description"], (path, name)
    props = lambda p: ops[p]["requestBody"]["content"]["application/json"]["schema"]  # noqa: E731
    assert props("/BookHotel")["properties"]["room_count"]["type"] == "integer"
    assert props("/TimedSwitch")["properties"]["on"]["type"] == "boolean"
    assert props("/AddMeeting")["properties"]["attendees"] == {
        "type": "array", "items": {"type": "string"},
        "description": props("/AddMeeting")["properties"]["attendees"]["description"]}
    assert props("/AddAgenda")["properties"]["time"]["description"] == \
        "The time for agenda (format %Y-%m-%d %H:%M:%S)"  # the format survives first-sentence cuts
    assert ops["/BookHotel"]["description"].startswith("`output` = order_id (str)")
    assert props("/ForgotPassword")["required"] == ["status"]
    assert set(props("/GetUserToken")["required"]) == {"username", "password"}


# -- registration as the demo toolset -----------------------------------------------------------
@pytest.fixture
def catalog(tmp_path):
    from toolcoder_repl.store.db import Store
    from toolcoder_repl.toolset.catalog import Catalog

    return Catalog(Store.open(tmp_path / "db.sqlite").db)


def test_ensure_registered_once_and_respects_removal(catalog):
    from toolcoder_repl.evals.apibank.register import ensure_registered

    ensure_registered(catalog)
    toolset = catalog.toolset("bank")
    assert toolset is not None and toolset.base_url == "local:apibank"
    tools = catalog.tools("bank")
    assert len(tools) == 53
    hotel = next(t for t in tools if t.path == "/BookHotel")
    assert {p.name: (p.location, p.type) for p in hotel.parameters}["room_count"] == ("body", "integer")
    version = catalog.version()
    ensure_registered(catalog)
    assert catalog.version() == version
    catalog.remove("bank")
    ensure_registered(catalog)
    assert catalog.toolset("bank") is None


def test_ensure_registered_never_raises(catalog, monkeypatch):
    from toolcoder_repl.evals.apibank import register
    from toolcoder_repl.toolset import importer

    def broken(*args, **kwargs):
        raise RuntimeError("importer exploded")

    monkeypatch.setattr(importer, "import_spec_dict", broken)
    register.ensure_registered(catalog)
    assert catalog.toolset("bank") is None


def test_runtime_calls_bank_tools_through_embedded_service(home):
    from toolcoder_repl.config import Home
    from toolcoder_repl.runtime import Runtime

    rt = Runtime(Home(str(home)))
    try:
        result = rt.executor.call("bank.get_user_token", {"username": "foo", "password": "bar"})
        assert result.ok and result.data["output"] == {"token": "z9x8c7v6b5n4m3q2w1"}
        bad = rt.executor.call("bank.book_hotel", {"hotel_name": "x", "check_in_time": "2023-01-01",
                                                   "check_out_time": "2023-01-02",
                                                   "room_count": "many", "adult_count": 1,
                                                   "child_count": 0})
        assert not bad.ok and bad.status == 400
    finally:
        rt.close()


def test_demo_serve_foreground(home):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "toolcoder_repl", "demo", "serve", "--port",
                             str(port)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert f"127.0.0.1:{port}" in proc.stdout.readline()
        deadline = time.monotonic() + 30
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/health").json()["apis"] == 53
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
