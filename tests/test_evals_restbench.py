"""RestBench offline: data loading, the loopback mock built from the specs, and whole eval
runs with a scripted model, the real mock service and the real sandbox."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import httpx
import pytest
from conftest import SHARED_DATA

from toolcoder_repl.errors import UsageError
from toolcoder_repl.evals import restbench

pytestmark = pytest.mark.skipif(not (SHARED_DATA / "restbench").is_dir(),
                                reason="shared RestBench data not present")


def tmdb_replies(tool: str = "get_person_movie_credits", broken_first: bool = False) -> list[str]:
    """Scripted replies (scaffold, plan, code[, repaired code], answer) for TMDB item 1,
    'give me the number of movies directed by Sofia Coppola'."""
    scaffold = '''```python
def count_directed_movies(director_name: str) -> int:
    """Count the movies a person directed."""
    pass

result = count_directed_movies("Sofia Coppola")
```'''
    plan = f'''```python
def count_directed_movies(director_name: str) -> int:
    # Step 1: find the person's id with tmdb.search_person
    person_id = tmdb.search_person(query=director_name)["results"][0]["id"]
    # Step 2: get the credits with tmdb.{tool} and count the Director jobs
    credits = tmdb.{tool}(person_id=person_id)
    return count
```'''

    def code(key: str) -> str:
        return f'''```python
def count_directed_movies(director_name: str) -> int:
    """Count the movies a person directed."""
    person_id = tmdb.search_person(query=director_name)["results"][0]["id"]
    credits = tmdb.{tool}(person_id=person_id)
    return sum(1 for c in credits["{key}"] if c.get("job") == "Director")


result = count_directed_movies("Sofia Coppola")
```'''

    codes = [code("crews"), code("crew")] if broken_first else [code("crew")]
    return [scaffold, plan, *codes, "She directed that many movies."]


DARK_KNIGHT = [
    '''```python
def lead_actor(title: str) -> str:
    """Name of the first-billed actor of a movie."""
    pass

result = lead_actor("The Dark Knight")
```''',
    '''```python
def lead_actor(title: str) -> str:
    # Step 1: find the movie with tmdb.search_movie
    # Step 2: read the cast with tmdb.get_movie_credits
    return name
```''',
    '''```python
def lead_actor(title: str) -> str:
    """Name of the first-billed actor of a movie."""
    movie_id = tmdb.search_movie(query=title)["results"][0]["id"]
    return tmdb.get_movie_credits(movie_id=movie_id)["cast"][0]["name"]


result = lead_actor("The Dark Knight")
```''',
    "The lead actor is someone.",
]


def run_eval(benchmark: str, replies: list, tmp_path: Path, capsys, *, limit: int = 1,
             as_json: bool = True) -> tuple[int, list]:
    from toolcoder_repl.config import Home
    from toolcoder_repl.evals.eval_command import eval_command
    from toolcoder_repl.runtime import Runtime

    script = tmp_path / f"script-{len(list(tmp_path.glob('script-*')))}.json"
    script.write_text(json.dumps(replies))
    rt = Runtime(Home(), model_spec=f"scripted:{script}")
    args = argparse.Namespace(benchmark=benchmark, limit=limit, data=None, json=as_json)
    try:
        rc = eval_command(args, rt)
    finally:
        rt.close()
    out = capsys.readouterr().out
    return rc, [json.loads(line) for line in out.splitlines()] if as_json else out


# -- data and mock ------------------------------------------------------------------------------
def test_query_sets_load_from_the_shared_data():
    tmdb = restbench.load_items("tmdb")
    spotify = restbench.load_items("spotify")
    assert len(tmdb) == 100 and len(spotify) == 57
    assert tmdb[0].id == "tmdb-1"
    assert tmdb[0].gold == ["GET /search/person", "GET /person/{person_id}/movie_credits"]
    # --data may name the data root or its restbench folder
    assert len(restbench.load_items("tmdb", SHARED_DATA / "restbench")) == 100


def test_missing_data_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="--data"):
        restbench.load_items("tmdb", tmp_path)


def test_mock_serves_documented_examples_and_schema_shaped_values():
    tmdb = restbench.MockRestService(restbench.load_spec("tmdb")).start()
    spotify = restbench.MockRestService(restbench.load_spec("spotify")).start()
    try:
        r = httpx.get(f"{tmdb.url}/search/person", params={"query": "x"})
        assert r.status_code == 200 and r.json()["results"][0]["id"] == 51329  # the spec's example
        assert httpx.get(f"{tmdb.url}/person/7/movie_credits").json()["crew"]
        assert httpx.get(f"{tmdb.url}/movie/popular").status_code == 200  # literal beats {movie_id}
        missing = httpx.get(f"{tmdb.url}/no/such/path")
        assert missing.status_code == 404 and "could not be found" in missing.text
        assert tmdb.calls == ["GET /search/person", "GET /person/{person_id}/movie_credits",
                              "GET /movie/popular"]
        search = httpx.get(f"{spotify.url}/search", params={"q": "x", "type": "track"})
        assert search.status_code == 200 and isinstance(search.json()["tracks"]["items"], list)
        assert httpx.post(f"{spotify.url}/users/u1/playlists", json={"name": "n"}).status_code == 201
        assert httpx.put(f"{spotify.url}/me/player/pause").status_code == 204
    finally:
        tmdb.close()
        spotify.close()


def test_example_from_schema_handles_refs_and_cycles():
    spec = {"components": {"schemas": {"Node": {"type": "object", "properties": {
        "name": {"type": "string"}, "child": {"$ref": "#/components/schemas/Node"}}}}}}
    value = restbench.example_from_schema(spec, {"$ref": "#/components/schemas/Node"})
    assert value["name"] == "string" and isinstance(value["child"], dict)


# -- whole runs -----------------------------------------------------------------------------------
def test_code_calling_the_gold_tools_is_path_correct(tmp_path, capsys, home):
    rc, lines = run_eval("restbench-tmdb", tmdb_replies(), tmp_path, capsys)
    assert rc == 0
    item, summary = lines
    assert item["type"] == "item" and item["id"] == "tmdb-1"
    assert item["status"] == "done" and item["executed"] and item["path_correct"]
    assert item["path"] == ["GET /search/person", "GET /person/{person_id}/movie_credits"]
    assert [c["tool"] for c in item["calls"]] == ["tmdb.search_person",
                                                  "tmdb.get_person_movie_credits"]
    assert item["prompt_tokens"] > 0 and item["saved"] == ["count_directed_movies"]
    assert summary["type"] == "summary" and summary["benchmark"] == "restbench-tmdb"
    assert summary["items"] == 1 and summary["path_correct_rate"] == 1.0
    assert summary["executed_rate"] == 1.0
    # The eval wrote nothing into the user's home.
    assert list(home.iterdir()) == []


def test_code_calling_a_wrong_tool_is_not_path_correct(tmp_path, capsys):
    rc, (item, summary) = run_eval("restbench-tmdb", tmdb_replies("get_person_tv_credits"),
                                   tmp_path, capsys)
    assert rc == 0
    assert item["executed"] and not item["path_correct"]
    assert item["path"][-1] == "GET /person/{person_id}/tv_credits"
    assert summary["path_correct_rate"] == 0.0 and summary["executed_rate"] == 1.0


def test_two_items_with_a_repair_round_and_a_table(tmp_path, capsys):
    replies = tmdb_replies(broken_first=True) + DARK_KNIGHT
    rc, out = run_eval("restbench-tmdb", replies, tmp_path, capsys, limit=2, as_json=False)
    assert rc == 0
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith("tmdb-")}
    assert rows["tmdb-1"][1:5] == ["done", "yes", "yes", "2"]
    assert rows["tmdb-1"][5] == "1"  # one repair round
    assert rows["tmdb-2"][1:6] == ["done", "yes", "yes", "2", "0"]
    assert "path_correct_rate    100.0%" in out and "items_with_repairs   1" in out
