"""ToolExecutor against a real HTTP server on loopback (tests/loopback.py)."""

from __future__ import annotations

import json
import time

import pytest

from toolcoder_repl.store.db import Store
from toolcoder_repl.toolset.catalog import Catalog
from toolcoder_repl.toolset.http import ToolExecutor
from toolcoder_repl.toolset.importer import import_spec_dict

SPEC = {
    "openapi": "3.0.0",
    "info": {"title": "loop", "version": "1"},
    "paths": {
        "/movie/{movie_id}/credits": {
            "parameters": [{"name": "movie_id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "get": {"operationId": "movieCredits",
                    "parameters": [{"name": "language", "in": "query", "schema": {"type": "string"}},
                                   {"name": "ids", "in": "query",
                                    "schema": {"type": "array", "items": {"type": "integer"}}},
                                   {"name": "adult", "in": "query", "schema": {"type": "boolean"}},
                                   {"name": "X-Trace", "in": "header", "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok"}}},
        },
        "/items": {
            "post": {"operationId": "createItem",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["name"],
                         "properties": {"name": {"type": "string"}, "tags": {"type": "array"}}}}}},
                     "responses": {"201": {"description": "ok"}}},
        },
        "/status/{code}": {"get": {"operationId": "status", "parameters": [
            {"name": "code", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "ok"}}}},
        "/flaky": {"get": {"operationId": "flaky", "responses": {"200": {"description": "ok"}}}},
        "/slow": {"get": {"operationId": "slow", "responses": {"200": {"description": "ok"}}}},
        "/big": {"get": {"operationId": "big", "responses": {"200": {"description": "ok"}}}},
        "/text": {"get": {"operationId": "text", "responses": {"200": {"description": "ok"}}}},
        "/hop": {"get": {"operationId": "hop", "responses": {"200": {"description": "ok"}}}},
    },
}


@pytest.fixture
def setup(loopback, tmp_path):
    store = Store.open(tmp_path / "t.db")
    catalog = Catalog(store.db)
    keys = {"LOOP_KEY": "s3cret-value"}

    def make(auth="none", auth_param=None, **kw):
        import_spec_dict(catalog, SPEC, name="loop", base_url=loopback.url, auth=auth,
                         auth_param=auth_param, key_name="LOOP_KEY")
        kw.setdefault("backoff", 0.01)
        return ToolExecutor(catalog, keys.get, store=store, **kw)

    yield loopback, store, make


def test_path_query_header_placement(setup):
    server, store, make = setup
    server.route("GET", "/movie/{movie_id}/credits", lambda r: (200, {"id": r.params["movie_id"]}))
    ex = make()
    res = ex.call("loop.movie_credits", {"movie_id": "a b/c", "language": "en", "ids": [1, 2],
                                         "adult": False, "X_Trace": "t-1"})
    assert res.ok and res.status == 200, res.error
    req = server.requests[-1]
    assert req.path == "/movie/a%20b%2Fc/credits"
    assert req.query == {"language": ["en"], "ids": ["1,2"], "adult": ["false"]}
    assert req.headers["x-trace"] == "t-1"
    assert res.data == {"id": "a%20b%2Fc"}  # the server sees the raw (encoded) segment
    ex.close()


def test_json_body_placement(setup):
    server, store, make = setup
    server.route("POST", "/items", lambda r: (201, {"got": r.json()}))
    ex = make()
    res = ex.call("loop.create_item", {"name": "x", "tags": ["a"]})
    assert res.ok and res.status == 201
    assert res.data == {"got": {"name": "x", "tags": ["a"]}}
    assert server.requests[-1].headers["content-type"] == "application/json"


def test_validation_errors_list_valid_params(setup):
    server, store, make = setup
    ex = make()
    res = ex.call("loop.create_item", {"nme": "x"})
    assert not res.ok and res.status is None
    assert "unknown parameter" in res.error["reason"] and "name" in res.error["reason"]
    res = ex.call("loop.create_item", {"tags": []})
    assert "missing required parameter(s) 'name'" in res.error["reason"]
    res = ex.call("loop.nope", {})
    assert "unknown tool" in res.error["reason"]
    assert server.requests == []


@pytest.mark.parametrize("auth,param,where", [
    ("bearer", None, "header"), ("header", "X-Api-Key", "header"),
    ("query", "api_key", "query"), ("basic", None, "header")])
def test_auth_placement_and_redaction(setup, auth, param, where):
    server, store, make = setup
    server.route("GET", "/status/{code}", lambda r: (200, {"ok": True}))
    ex = make(auth=auth, auth_param=param)
    res = ex.call("loop.status", {"code": 200})
    assert res.ok
    req = server.requests[-1]
    if auth == "bearer":
        assert req.headers["authorization"] == "Bearer s3cret-value"
    elif auth == "header":
        assert req.headers["x-api-key"] == "s3cret-value"
    elif auth == "query":
        assert req.query["api_key"] == ["s3cret-value"]
    else:
        assert req.headers["authorization"].startswith("Basic ")
    rows = list(store.db["tool_calls"].rows)
    assert rows and rows[-1]["tool"] == "loop.status" and rows[-1]["status"] == 200
    dump = json.dumps(list(store.db["tool_calls"].rows))
    assert "s3cret-value" not in dump


def test_missing_key_is_a_clear_error(setup):
    server, store, make = setup
    ex = make(auth="bearer")
    ex.key_lookup = lambda name: None
    res = ex.call("loop.status", {"code": 200})
    assert not res.ok and "toolcoder keys set LOOP_KEY" in res.error["reason"]


def test_404_and_500_are_structured_errors(setup):
    server, store, make = setup
    server.route("GET", "/status/{code}",
                 lambda r: (int(r.params["code"]), {"status_message": "nope " + r.params["code"]}))
    ex = make(max_retries=0)
    for code in (404, 500):
        res = ex.call("loop.status", {"code": code})
        assert not res.ok and res.status == code
        assert res.error["status"] == code and res.error["tool"] == "loop.status"
        assert f"nope {code}" in res.error["body_excerpt"]
        assert res.error["reason"]
    rows = list(store.db["tool_calls"].rows)
    assert [r["ok"] for r in rows] == [0, 0]


def test_429_then_200_honours_retry_after(setup):
    server, store, make = setup
    hits = []

    def flaky(req):
        hits.append(1)
        if len(hits) == 1:
            return (429, {"error": "slow down"}, {"Retry-After": "0"})
        if len(hits) == 2:
            return (503, "busy")
        return (200, {"ok": True})

    server.route("GET", "/flaky", flaky)
    ex = make(max_retries=2)
    res = ex.call("loop.flaky", {})
    assert res.ok and res.data == {"ok": True} and len(hits) == 3


def test_retries_give_up(setup):
    server, store, make = setup
    server.route("GET", "/flaky", lambda r: (429, {"e": 1}, {"Retry-After": "0"}))
    res = make(max_retries=1).call("loop.flaky", {})
    assert not res.ok and res.status == 429 and len(server.requests) == 2


def test_timeout(setup):
    server, store, make = setup

    def slow(req):
        time.sleep(1.0)
        return (200, {"late": True})

    server.route("GET", "/slow", slow)
    res = make(timeout=0.2).call("loop.slow", {})
    assert not res.ok and res.status is None and "timed out" in res.error["reason"]


def test_big_response_is_cut_at_cap(setup):
    server, store, make = setup
    blob = b"x" * (20 * 1024 * 1024)
    server.route("GET", "/big", lambda r: (200, blob, {"Content-Type": "text/plain"}))
    res = make(max_bytes=1_000_000).call("loop.big", {})
    assert res.truncated and res.bytes == 1_000_000
    assert not res.ok and "larger than 1000000 bytes" in res.error["reason"]


def test_non_json_body_returned_as_text(setup):
    server, store, make = setup
    server.route("GET", "/text", lambda r: (200, "<html>hello</html>", {"Content-Type": "text/html"}))
    res = make().call("loop.text", {})
    assert res.ok and res.data == "<html>hello</html>"
    assert res.to_json()["data"] == "<html>hello</html>"


def test_redirect_to_foreign_host_refused(setup):
    server, store, make = setup
    server.route("GET", "/hop", lambda r: (302, "", {"Location": "http://evil.example.com/x"}))
    server.route("GET", "/text", lambda r: (200, "fine"))
    res = make().call("loop.hop", {})
    assert not res.ok and "refused" in res.error["reason"]
    server.routes.clear()
    server.route("GET", "/hop", lambda r: (302, "", {"Location": "/text"}))
    server.route("GET", "/text", lambda r: (200, "fine"))
    res = make().call("loop.hop", {})
    assert res.ok and res.data == "fine"


def test_local_base_url_resolved_by_callback(loopback, tmp_path):
    store = Store.open(tmp_path / "t.db")
    catalog = Catalog(store.db)
    import_spec_dict(catalog, SPEC, name="loop", base_url="local:loopsvc")
    loopback.route("GET", "/text", lambda r: (200, "local ok"))
    seen = []

    def resolve(ts):
        seen.append(ts.base_url)
        return loopback.url

    ex = ToolExecutor(catalog, lambda n: None, resolve_base_url=resolve)
    assert ex.call("loop.text", {}).data == "local ok"
    assert ex.call("loop.text", {}).data == "local ok"
    assert seen == ["local:loopsvc"]
