"""OpenAPI / Swagger import: bundled RestBench specs, small specs of our own, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolcoder_repl.errors import UsageError
from toolcoder_repl.store.db import Store
from toolcoder_repl.toolset.catalog import Catalog
from toolcoder_repl.toolset.importer import import_spec, load_spec, tools_from_spec

SPECS = Path(__file__).parent / "specs"


@pytest.fixture
def catalog(tmp_path):
    return Catalog(Store.open(tmp_path / "t.db").db)


def by_name(tools):
    return {t.name: t for t in tools}


def params(tool):
    return {p.pyname: p for p in tool.parameters}


def test_tmdb_bundled_imports_54_tools(catalog):
    toolset, tools = import_spec(catalog, "tmdb")
    assert len(tools) == 54 and len(catalog.tools("tmdb")) == 54
    assert (toolset.base_url, toolset.auth_kind, toolset.auth_param, toolset.key_name) == \
        ("https://api.themoviedb.org/3", "query", "api_key", "TMDB_API_KEY")
    t = by_name(tools)
    sp = t["search_person"]
    assert (sp.method, sp.path, sp.qualname) == ("GET", "/search/person", "tmdb.search_person")
    p = params(sp)
    assert list(p) == ["query", "page", "include_adult", "region"]
    assert p["query"].required and p["query"].location == "query" and p["query"].type == "string"
    assert p["page"].type == "integer" and p["page"].default == 1 and not p["page"].required
    assert "results: [{id: int, name: str" in sp.response_shape
    credits = t["get_movie_credits"]
    assert credits.path == "/movie/{movie_id}/credits"
    assert [(x.name, x.location, x.type, x.required) for x in credits.parameters] == \
        [("movie_id", "path", "integer", True)]
    assert "crew: [{id: int, name: str, job: str" in credits.response_shape
    ep = t["get_tv_season_episode_credits"]
    assert [x.name for x in ep.parameters] == ["tv_id", "season_number", "episode_number"]
    trending = params(t["get_trending"])
    assert trending["media_type"].enum == ["all", "movie", "tv", "person"]
    assert trending["time_window"].enum == ["day", "week"]
    discover = params(t["discover_movie"])
    assert discover["primary_release_date_gte"].name == "primary_release_date.gte"
    assert discover["sort_by"].default == "popularity.desc"
    assert len({x.name for x in tools}) == 54


def test_spotify_bundled_imports_40_tools(catalog):
    toolset, tools = import_spec(catalog, "spotify")
    assert len(tools) == 40
    assert toolset.auth_kind == "bearer" and toolset.key_name == "SPOTIFY_TOKEN"
    t = by_name(tools)
    search = params(t["search"])
    assert search["q"].required and search["type"].required and search["type"].type == "array"
    assert search["type"].enum[:3] == ["album", "artist", "playlist"]
    assert search["limit"].default == 20  # "20" in the spec, coerced to the param's type
    album = params(t["get_an_album"])  # parameters given by $ref to components
    assert album["id"].location == "path" and album["market"].location == "query"
    assert not album["market"].required  # spec says required: "false" (a string)
    create = t["create_playlist"]
    assert create.method == "POST" and create.path == "/users/{user_id}/playlists"
    cp = params(create)
    assert cp["user_id"].location == "path"
    assert cp["name"].location == "body" and cp["name"].required
    assert cp["public"].location == "body" and cp["public"].type == "boolean"
    # body property `ids` duplicates the query parameter: the query one is kept, once
    save = t["save_albums_user"]
    assert [(x.name, x.location) for x in save.parameters] == [("ids", "query")]


def test_swagger2(catalog):
    tools, info = tools_from_spec(load_spec(str(SPECS / "petstore_swagger2.json")), "pets")
    assert info["base_url"] == "https://pets.example.com/v2"
    assert (info["auth_kind"], info["auth_param"]) == ("header", "X-Api-Key")
    t = by_name(tools)
    assert set(t) == {"add_pet", "find_pets_by_status", "get_pet_by_id", "delete_pet"}
    add = params(t["add_pet"])  # `in: body` schema flattened into keyword params
    assert add["name"].location == "body" and add["name"].required
    assert add["status"].enum == ["available", "pending", "sold"]
    assert t["add_pet"].body_schema["properties"]["category"]["properties"]["name"] == {"type": "string"}
    get = params(t["get_pet_by_id"])  # path-level $ref param + op-level param
    assert get["petId"].location == "path" and get["petId"].required
    assert get["verbose"].default is False
    delete = params(t["delete_pet"])  # no operationId: slug of method + path
    assert delete["api_reason"].name == "api-reason" and delete["api_reason"].location == "header"
    assert t["delete_pet"].response_shape == "None"
    assert t["find_pets_by_status"].response_shape.startswith("[{id: int, name: str")


def test_openapi31_yaml_nullable_recursive_duplicates(catalog):
    toolset, tools = import_spec(catalog, str(SPECS / "oas31_nullable.yaml"), name="books")
    assert toolset.base_url == "https://books.example.com/api"  # server variable filled
    assert toolset.auth_kind == "bearer" and toolset.key_name == "BOOKS_API_KEY"
    t = by_name(tools)
    assert set(t) == {"get_book", "get_book_2", "update_books", "create_tree"}  # duplicate ids
    lang = params(t["get_book"])["lang"]
    assert lang.type == "string" and lang.default == "fr"  # op-level overrides path-level
    assert params(t["get_book"])["X_Trace"].location == "header"
    assert params(t["update_books"])["lang"].default == "en"
    body = params(t["update_books"])  # allOf merged, 3.1 nullable type
    assert body["subtitle"].type == "string" and body["title"].location == "body"
    assert "{id: int, title: str, subtitle: str}" == t["get_book"].response_shape
    tree = t["get_book_2"].response_shape  # recursive $ref: finite, names the cycle
    assert tree.startswith("{id: int, label: str, children: [")
    raw = t["create_tree"]
    assert raw.raw_body and [(p.name, p.type) for p in raw.parameters] == [("body", "array")]
    again = catalog.get("books.create_tree")
    assert again.raw_body and again.hash == raw.hash


def test_recursive_body_schema_expands_finitely(catalog):
    spec = {"openapi": "3.0.0", "info": {"title": "r", "version": "1"},
            "servers": [{"url": "http://r.test"}],
            "components": {"schemas": {
                "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"},
                                                       "name": {"type": "string"}}},
                "B": {"allOf": [{"$ref": "#/components/schemas/A"},
                                {"type": "object", "properties": {"x": {"type": "integer"}}}]}}},
            "paths": {"/a": {"post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}},
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/B"}}}}}}}}}
    tools, _ = tools_from_spec(spec, "r")
    assert tools[0].name == "create_a"
    assert {p.name for p in tools[0].parameters} == {"b", "name"}
    assert "x-recursive" in str(tools[0].body_schema)
    assert tools[0].response_shape


def test_hash_is_stable_and_sensitive(catalog):
    a, _ = tools_from_spec(load_spec(str(SPECS / "petstore_swagger2.json")), "pets")
    b, _ = tools_from_spec(load_spec(str(SPECS / "petstore_swagger2.json")), "pets")
    assert [t.hash for t in a] == [t.hash for t in b] and len(a[0].hash) == 16
    a[0].parameters[0].required = not a[0].parameters[0].required
    assert a[0].compute_hash() != b[0].hash


def test_catalog_replace_remove_version(catalog):
    v0 = catalog.version()
    import_spec(catalog, str(SPECS / "petstore_swagger2.json"), name="pets")
    v1 = catalog.version()
    assert v1 != v0 and len(catalog.tools()) == 4
    import_spec(catalog, str(SPECS / "petstore_swagger2.json"), name="pets")  # re-import replaces
    assert len(catalog.tools()) == 4 and catalog.version() != v1
    assert catalog.get("pets.add_pet").qualname == "pets.add_pet"
    assert catalog.toolset("pets").source.endswith("petstore_swagger2.json")
    assert catalog.remove("pets") and not catalog.remove("pets")
    assert catalog.tools() == [] and catalog.toolsets() == []


@pytest.mark.parametrize("source,message", [
    (str(SPECS / "not_openapi.json"), "not an OpenAPI/Swagger document"),
    (str(SPECS / "invalid.yaml"), "neither valid JSON nor valid YAML"),
    (str(SPECS / "no_operations.json"), "no operations"),
    ("http://127.0.0.1:9/spec.json", "could not fetch"),
    ("no_such_bundled_spec", "no spec file or bundled spec"),
])
def test_bad_input_is_one_line_and_nothing_saved(catalog, source, message):
    import_spec(catalog, str(SPECS / "petstore_swagger2.json"), name="pets")
    before = [t.qualname for t in catalog.tools()]
    with pytest.raises(UsageError) as err:
        import_spec(catalog, source, name="pets")
    assert message in str(err.value) and "\n" not in str(err.value)
    assert [t.qualname for t in catalog.tools()] == before


def test_failure_mid_save_leaves_catalog_untouched(catalog):
    import_spec(catalog, str(SPECS / "petstore_swagger2.json"), name="pets")
    _, tools = import_spec(catalog, "tmdb")
    broken = list(tools)
    broken[10].parameters = object()  # not serialisable: fails halfway through the inserts
    with pytest.raises(TypeError):
        catalog.save(catalog.toolset("tmdb"), broken)
    assert len(catalog.tools("tmdb")) == 54 and len(catalog.tools("pets")) == 4


def test_bad_toolset_name(catalog):
    with pytest.raises(UsageError, match="lowercase Python identifier"):
        import_spec(catalog, str(SPECS / "petstore_swagger2.json"), name="Pet Store")
