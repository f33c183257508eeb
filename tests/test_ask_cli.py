"""`toolcoder ask` round trip through the real command line (scripted model, loopback API)."""

from __future__ import annotations

import json

from conftest import run_cli
from test_pipeline_world import ANSWER, install_routes, movie_spec, standard_replies

Q = "How many movies did Sofia Coppola direct?"


def _register(home, loopback, tmp_path):
    install_routes(loopback)
    spec = tmp_path / "movies.json"
    spec.write_text(json.dumps(movie_spec()))
    r = run_cli("tools", "import", str(spec), "--name", "tmdb", "--base-url", loopback.url, home=home)
    assert r.returncode == 0, r.stderr


def test_ask_json_prints_one_event_per_line(home, loopback, tmp_path, script):
    _register(home, loopback, tmp_path)
    r = run_cli("--model", script(standard_replies()), "ask", Q, "--json", home=home)
    assert r.returncode == 0, r.stderr
    events = [json.loads(line) for line in r.stdout.splitlines()]
    types = [e["type"] for e in events]
    assert "token" not in types
    assert types[0] == "turn_started" and types[-1] == "turn_done"
    for t in ("scaffold", "plan", "code", "tool_call", "function_saved", "answer", "usage"):
        assert t in types
    assert all(e["turn"] == events[0]["turn"] for e in events)
    answer = next(e for e in events if e["type"] == "answer")
    assert answer["value"] == 2 and answer["text"] == ANSWER

    listed = run_cli("functions", "list", "--json", home=home)
    assert listed.returncode == 0, listed.stderr
    names = {f["name"] for f in json.loads(listed.stdout)}
    assert names == {"find_person_id", "count_directed_movies"}


def test_ask_readable_trace(home, loopback, tmp_path, script):
    _register(home, loopback, tmp_path)
    r = run_cli("--model", script(standard_replies()), "ask", Q, home=home)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "── scaffold" in out and "── plan" in out and "── code" in out and "── answer" in out
    assert "def count_directed_movies(director_name: str) -> int:" in out
    assert "-> tmdb.search_person(query='Sofia Coppola') 200 ok" in out
    assert ANSWER in out and "value: 2" in out
    assert out.index("── scaffold") < out.index("── plan") < out.index("── answer")


def test_ask_failed_turn_exits_1_with_one_line(home, loopback, tmp_path, script):
    _register(home, loopback, tmp_path)
    r = run_cli("--model", script(["", ""]), "ask", Q, "--json", home=home)
    assert r.returncode == 1
    events = [json.loads(line) for line in r.stdout.splitlines()]
    assert events[-1] == {**events[-1], "type": "turn_done", "status": "failed"}
    assert any(e["type"] == "failed" for e in events)
    assert r.stderr.strip().count("\n") == 0 and "the reply was empty" in r.stderr
