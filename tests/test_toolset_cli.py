"""`toolcoder tools ...` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

SPECS = Path(__file__).parent / "specs"


def test_tools_cli_round_trip(home):
    r = run_cli("tools", "import", "tmdb", home=home)
    assert r.returncode == 0, r.stderr
    assert "Imported 54 tools as toolset 'tmdb'" in r.stdout
    r = run_cli("tools", "import", str(SPECS / "petstore_swagger2.json"), "--name", "pets",
                "--base-url", "http://127.0.0.1:1/v2", "--auth", "bearer", "--key-env", "PETS",
                "--json", home=home)
    data = json.loads(r.stdout)
    assert data["toolset"]["base_url"] == "http://127.0.0.1:1/v2"
    assert data["toolset"]["key_name"] == "PETS" and len(data["tools"]) == 4

    r = run_cli("tools", "list", "--json", home=home)
    tools = [t for t in json.loads(r.stdout) if t["toolset"] in ("tmdb", "pets")]
    assert len(tools) == 58  # (other toolsets, e.g. the demo's, may be registered too)
    assert set(tools[0]) == {"toolset", "name", "method", "path", "summary", "parameters", "hash"}

    r = run_cli("tools", "search", "top rated movies", "-k", "2", "--json", home=home)
    hits = json.loads(r.stdout)  # (the demo toolset, when registered, has no movie tools)
    assert [h["name"] for h in hits][0] == "get_movie_top_rated" and hits[0]["score"] >= hits[1]["score"]

    r = run_cli("tools", "show", "tmdb.search_person", home=home)
    assert "def search_person(query: str" in r.stdout

    r = run_cli("tools", "remove", "pets", home=home)
    assert r.returncode == 0
    r = run_cli("tools", "list", "pets", home=home)
    assert r.returncode == 2 and "no toolset named 'pets'" in r.stderr


def test_tools_cli_bad_input(home, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 3.0.0\npaths: [unclosed\n")
    r = run_cli("tools", "import", str(bad), home=home)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "nor valid YAML" in r.stderr
    r = run_cli("tools", "list", "--json", home=home)
    assert [t for t in json.loads(r.stdout) if t["toolset"] == "bad"] == []
