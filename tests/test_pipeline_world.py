"""Shared set-up for the pipeline tests: a movie API on a real loopback server, registered
through the real importer, a real store, executor, sandbox and library, and a scripted model.

Each test module defines its `world` fixture as `yield from make_world(home, loopback, monkeypatch)`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

PEOPLE = [{"id": 1, "name": "Sofia Coppola"}, {"id": 2, "name": "Greta Gerwig"}]
CREDITS = {
    "1": {"crew": [{"title": "Lost in Translation", "job": "Director", "release_date": "2003-08-31"},
                   {"title": "Marie Antoinette", "job": "Director", "release_date": "2006-05-24"},
                   {"title": "The Godfather Part III", "job": "Actor", "release_date": "1990-12-25"}]},
    "2": {"crew": [{"title": "Lady Bird", "job": "Director", "release_date": "2017-09-01"},
                   {"title": "Barbie", "job": "Director", "release_date": "2023-07-21"}]},
}


def movie_spec() -> dict[str, Any]:
    def op(op_id: str, summary: str, params: list[dict]) -> dict:
        return {"get": {"operationId": op_id, "summary": summary, "parameters": params,
                        "responses": {"200": {"description": "ok", "content": {
                            "application/json": {"schema": {"type": "object"}}}}}}}

    return {
        "openapi": "3.0.0",
        "info": {"title": "movies", "version": "1"},
        "paths": {
            "/search/person": op("search_person", "Search for people by name",
                                 [{"name": "query", "in": "query", "required": True,
                                   "schema": {"type": "string"}}]),
            "/person/{person_id}/movie_credits": op(
                "person_movie_credits", "Movie credits of a person (cast and crew)",
                [{"name": "person_id", "in": "path", "required": True,
                  "schema": {"type": "integer"}}]),
            "/genre/list": op("genre_list", "List the official movie genres", []),
        },
    }


def install_routes(server) -> None:
    def search(req):
        q = (req.query.get("query") or [""])[0].lower()
        return 200, {"results": [p for p in PEOPLE if q in p["name"].lower()]}

    def credits(req):
        data = CREDITS.get(req.params["person_id"])
        return (200, data) if data else (404, {"status_message": "person not found"})

    server.route("GET", "/search/person", search)
    server.route("GET", "/person/{person_id}/movie_credits", credits)
    server.route("GET", "/genre/list", lambda req: (200, {"genres": [{"id": 1, "name": "Drama"}]}))


@dataclass
class World:
    home: Path
    base_url: str
    store: Any
    catalog: Any
    executor: Any
    sandbox: Any
    library: Any
    prompts_file: Path
    pipelines: list = field(default_factory=list)

    def pipeline(self, replies: list, **settings: Any):
        from toolcoder_repl.coder.pipeline import Pipeline
        from toolcoder_repl.config import PipelineSettings
        from toolcoder_repl.llm.scripted import ScriptedModel

        model = ScriptedModel(replies)
        p = Pipeline(model=model, catalog=self.catalog, executor=self.executor,
                     sandbox=self.sandbox, library=self.library, store=self.store,
                     settings=PipelineSettings(**settings), secrets=["sk-secret-123"])
        self.pipelines.append(p)
        return p

    def prompts(self) -> list[dict]:
        if not self.prompts_file.exists():
            return []
        return [json.loads(line) for line in self.prompts_file.read_text().splitlines()]

    def last_user_prompt(self, index: int = -1) -> str:
        return self.prompts()[index]["messages"][-1]["content"]

    def reimport(self, spec: dict) -> None:
        from toolcoder_repl.toolset.importer import import_spec_dict

        import_spec_dict(self.catalog, spec, name="tmdb", base_url=self.base_url)


def make_world(home: Path, loopback, monkeypatch: pytest.MonkeyPatch):
    from toolcoder_repl.library.repository import Library
    from toolcoder_repl.sandbox.runner import Sandbox
    from toolcoder_repl.store.db import Store
    from toolcoder_repl.toolset.catalog import Catalog
    from toolcoder_repl.toolset.http import ToolExecutor
    from toolcoder_repl.toolset.importer import import_spec_dict

    install_routes(loopback)
    prompts_file = home / "prompts.jsonl"
    monkeypatch.setenv("TOOLCODER_RECORD_PROMPTS", str(prompts_file))
    store = Store.open(home / "toolcoder.db")
    catalog = Catalog(store.db)
    import_spec_dict(catalog, movie_spec(), name="tmdb", base_url=loopback.url)
    executor = ToolExecutor(catalog, key_lookup=lambda name: None, store=store, max_retries=0)
    sandbox = Sandbox()
    w = World(home=home, base_url=loopback.url, store=store, catalog=catalog, executor=executor,
              sandbox=sandbox, library=Library(store.db), prompts_file=prompts_file)
    yield w
    sandbox.close()
    executor.close()


# -- scripted replies for the standard question ---------------------------------------------------
SCAFFOLD = '''Here is the scaffold.

```python
def count_directed_movies(director_name: str) -> int:
    """Count the movies a person directed.

    Args:
        director_name: the director's full name.
    Returns:
        The number of movies with the job "Director".
    """
    pass

result = count_directed_movies("Sofia Coppola")
```
'''

PLAN = '''```python
def count_directed_movies(director_name: str) -> int:
    # Step 1: find the person's id with tmdb.search_person
    person_id = tmdb.search_person(query=director_name)["results"][0]["id"]
    # Step 2: get the credits with tmdb.person_movie_credits and count the Director jobs
    credits = tmdb.person_movie_credits(person_id=person_id)
    return count
```'''

CODE = '''```python
def find_person_id(name: str) -> int:
    """Id of the first person whose name matches."""
    results = tmdb.search_person(query=name)["results"]
    if not results:
        raise ValueError(f"nobody named {name}")
    return results[0]["id"]


def count_directed_movies(director_name: str) -> int:
    """Count the movies a person directed."""
    # Step 1: find the person's id with tmdb.search_person
    person_id = find_person_id(director_name)
    # Step 2: get the credits with tmdb.person_movie_credits and count the Director jobs
    credits = tmdb.person_movie_credits(person_id=person_id)
    return sum(1 for c in credits["crew"] if c["job"] == "Director")


result = count_directed_movies("Sofia Coppola")
```'''

ANSWER = "Sofia Coppola directed 2 movies."


def standard_replies() -> list:
    return [SCAFFOLD, PLAN, CODE, ANSWER]
