"""Stub rendering (what the model sees), child descriptors, BM25 search, nearest tools."""

from __future__ import annotations

import ast

import pytest

from toolcoder_repl.toolset.importer import load_spec, tools_from_spec
from toolcoder_repl.toolset.search import nearest_tools, search_tools
from toolcoder_repl.toolset.stubs import child_descriptor, render_stub, render_toolset_stubs


@pytest.fixture(scope="module")
def tmdb():
    tools, _ = tools_from_spec(load_spec("tmdb"), "tmdb")
    return tools


def tool(tools, name):
    return next(t for t in tools if t.name == name)


def test_stub_shape(tmdb):
    stub = render_stub(tool(tmdb, "search_person"))
    first = stub.splitlines()[0]
    assert first == ("def search_person(query: str, page: int = 1, include_adult: bool = False, "
                     "region: str = None) -> dict:")
    assert "[GET /search/person]" in stub
    assert "-> {results: [{id: int, name: str" in stub
    ast.parse(stub)  # valid Python


def test_enum_hint_and_required_first(tmdb):
    stub = render_stub(tool(tmdb, "get_trending"))
    assert "media_type: str, time_window: str" in stub
    assert "one of all|movie|tv|person" in stub and "one of day|week" in stub


def test_whole_tmdb_toolset_is_compact_and_parses(tmdb):
    text = render_toolset_stubs(tmdb)
    ast.parse(text)
    assert text.startswith("# toolset `tmdb`")
    assert len(text) < 25_000, len(text)
    assert max(len(render_stub(t)) for t in tmdb) < 2_500


def test_child_descriptor(tmdb):
    d = child_descriptor(tool(tmdb, "discover_movie"))
    assert d["qualname"] == "tmdb.discover_movie" and d["toolset"] == "tmdb"
    names = [p["name"] for p in d["params"]]
    assert "primary_release_date_gte" in names  # Python-safe name for primary_release_date.gte
    page = next(p for p in d["params"] if p["name"] == "page")
    assert page == {"name": "page", "required": False, "default": 1, "kind": "query", "type": "integer"}
    assert d["doc"].startswith("Movie Discover")
    import json
    json.dumps(d)  # plain data for the child


def test_search_ranks_relevant_tools(tmdb):
    ranked = search_tools(tmdb, "top rated movies", k=3)
    assert ranked[0][0].name == "get_movie_top_rated"
    assert ranked[0][1] > ranked[1][1] > 0
    assert search_tools(tmdb, "search people by name")[0][0].name == "search_person"
    assert search_tools(tmdb, "season episode credits")[0][0].name == "get_tv_season_episode_credits"
    assert search_tools(tmdb, "zzzz qqqq") == []


@pytest.mark.parametrize("unknown,expected", [
    ("tmdb.search_people", "search_person"),
    ("GET /person/{id}/movies", "get_person_movie_credits"),
    ("tmdb.movie_credits", "get_movie_credits"),
    ("tmdb.get_movie_details", "get_movie"),
])
def test_nearest_tools(tmdb, unknown, expected):
    names = [t.name for t in nearest_tools(unknown, tmdb, k=3)]
    assert expected in names, names


def test_return_annotation_follows_documented_response():
    def op(responses):
        return {"get": {"operationId": "x", "responses": responses}}

    spec = {"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {
        "/undocumented": op({"200": {"description": "ok"}}),
        "/empty": op({"204": {"description": "done"}}),
        "/json": op({"200": {"description": "ok", "content": {"application/json": {
            "schema": {"type": "object", "properties": {"id": {"type": "integer"}}}}}}}),
    }}
    tools, _ = tools_from_spec(spec, "t")
    returns = {t.path: render_stub(t).splitlines()[0].rsplit("->", 1)[1] for t in tools}
    assert returns == {"/undocumented": " Any:", "/empty": " None:", "/json": " dict:"}
