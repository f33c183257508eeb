"""The function library inside turns: reuse in a later turn, dedupe, staleness."""

from __future__ import annotations

import pytest
from test_pipeline_world import (
    ANSWER,
    CODE,
    PLAN,
    SCAFFOLD,
    make_world,
    movie_spec,
    standard_replies,
)

from toolcoder_repl.coder import events as ev
from toolcoder_repl.toolset.stubs import child_descriptor


@pytest.fixture
def world(home, loopback, monkeypatch):
    yield from make_world(home, loopback, monkeypatch)

SCAFFOLD2 = '''```python
def list_directed_movies(director_name: str) -> list:
    """Titles of the movies a person directed, oldest first."""
    pass

result = list_directed_movies("Greta Gerwig")
```'''
PLAN2 = '''```python
def list_directed_movies(director_name: str) -> list:
    # Step 1: find the person's id with tmdb.search_person
    # Step 2: get the credits with tmdb.person_movie_credits, keep the Director jobs
```'''
CODE2 = '''```python
def list_directed_movies(director_name: str) -> list:
    """Titles of the movies a person directed, oldest first."""
    # Step 1: find the person's id (saved function)
    person_id = find_person_id(director_name)
    # Step 2: the credits, Director jobs only
    crew = tmdb.person_movie_credits(person_id=person_id)["crew"]
    jobs = sorted((c for c in crew if c["job"] == "Director"), key=lambda c: c["release_date"])
    return [c["title"] for c in jobs]

result = list_directed_movies("Greta Gerwig")
```'''
Q1 = "How many movies did Sofia Coppola direct?"
Q2 = "Which movies did Greta Gerwig direct, as a list of person movie titles?"


def test_second_similar_question_reuses_the_saved_function(world):
    p = world.pipeline(standard_replies() + [SCAFFOLD2, PLAN2, CODE2, "Lady Bird and Barbie."])
    session = p.new_session()
    list(p.run_turn(session, Q1))
    events = list(p.run_turn(session, Q2))
    assert events[-1]["status"] == "done"
    implement_prompt = world.prompts()[6]["messages"][-1]["content"]
    assert "Saved functions from earlier tasks" in implement_prompt
    assert "def find_person_id(name: str) -> int:" in implement_prompt
    assert "saved function, already defined" in implement_prompt
    assert next(e for e in events if e.type == ev.ANSWER)["value"] == ["Lady Bird", "Barbie"]
    assert [e["name"] for e in events if e.type == ev.FUNCTION_REUSED] == ["find_person_id"]
    assert next(e for e in events if e.type == ev.CODE)["reused"] == ["find_person_id"]
    helper = world.library.get("find_person_id")
    assert helper.uses == 2 and helper.successes == 2
    # The new function carries the saved helper it called, so it runs on its own later.
    new = world.library.get("list_directed_movies")
    assert "def find_person_id" in new.source
    assert new.tools == ["tmdb.search_person", "tmdb.person_movie_credits"]


def test_identical_logic_is_saved_once(world):
    reformatted = CODE.replace("    # Step 1: find the person's id with tmdb.search_person\n", "") \
                      .replace('"""Id of the first person whose name matches."""', '"""Other words."""')
    p = world.pipeline(standard_replies() + [SCAFFOLD, PLAN, reformatted, ANSWER])
    session = p.new_session()
    list(p.run_turn(session, Q1))
    events = list(p.run_turn(session, Q1))
    assert events[-1]["status"] == "done"
    saved = [e for e in events if e.type == ev.FUNCTION_SAVED]
    assert {e["name"]: (e["new"], e["uses"]) for e in saved} == {
        "find_person_id": (False, 2), "count_directed_movies": (False, 2)}
    assert world.library.count() == 2


def test_changed_tool_marks_function_stale_and_it_is_not_offered(world):
    p = world.pipeline(standard_replies() + [SCAFFOLD2, PLAN2,
                                             CODE2.replace("find_person_id(director_name)",
                                                           "tmdb.search_person(query=director_name)"
                                                           "['results'][0]['id']"),
                                             "ok"])
    session = p.new_session()
    list(p.run_turn(session, Q1))
    spec = movie_spec()
    spec["paths"]["/search/person"]["get"]["summary"] = "Search people (v2)"
    world.reimport(spec)
    events = list(p.run_turn(session, Q2))
    assert events[-1]["status"] == "done"
    warning = next(e for e in events if e.type == ev.WARNING)
    assert "stale" in warning["text"] and "find_person_id" in warning["text"]
    assert world.library.get("find_person_id").stale
    assert "find_person_id" not in world.prompts()[6]["messages"][-1]["content"]
    assert all(f.name != "find_person_id" for f in world.library.search("find person id"))
    assert any(f.name == "find_person_id"
               for f in world.library.search("find person id", include_stale=True))


def test_successful_run_revalidates_a_stale_function(world):
    p = world.pipeline(standard_replies() * 2)
    session = p.new_session()
    list(p.run_turn(session, Q1))
    spec = movie_spec()
    spec["paths"]["/search/person"]["get"]["summary"] = "Search people (v2)"
    world.reimport(spec)
    events = list(p.run_turn(session, Q1))  # the same code again, now against the new tool
    assert events[-1]["status"] == "done"
    fn = world.library.get("find_person_id")
    assert not fn.stale
    assert fn.tool_hashes["tmdb.search_person"] == world.catalog.get("tmdb.search_person").hash


def test_export_uses_the_real_tool_stubs(world):
    p = world.pipeline(standard_replies())
    list(p.run_turn(p.new_session(), Q1))
    text = world.library.export(["count_directed_movies"], catalog=world.catalog)
    assert "def _tmdb__search_person(query: str)" in text
    assert "tmdb = _types.SimpleNamespace(search_person=_tmdb__search_person," in text
    namespace: dict = {}
    exec(compile(text, "exported.py", "exec"), namespace)  # runs outside toolcoder too
    with pytest.raises(NotImplementedError, match="tmdb.search_person"):
        namespace["count_directed_movies"]("Greta Gerwig")
    result = world.sandbox.run(text, tools=[child_descriptor(t) for t in world.catalog.tools()],
                               tool_handler=lambda q, a: world.executor.call(q, a).to_json(),
                               entry="count_directed_movies('Greta Gerwig')")
    assert result.ok and result.value == 2  # runs as is where the tools exist
