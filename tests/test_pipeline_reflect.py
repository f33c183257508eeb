"""Error reflection (code review from the traceback) and planning reconstruction."""

from __future__ import annotations

import pytest
from test_pipeline_world import ANSWER, CODE, PLAN, SCAFFOLD, make_world

from toolcoder_repl.coder import events as ev


@pytest.fixture
def world(home, loopback, monkeypatch):
    yield from make_world(home, loopback, monkeypatch)

BAD_CODE = '''```python
def count_directed_movies(director_name: str) -> int:
    """Count the movies a person directed."""
    # Step 1: find the person's id with tmdb.search_person
    person_id = tmdb.search_person(query=director_name)["results"][0]["id"]
    # Step 2: get the credits with tmdb.person_movie_credits and count the Director jobs
    credits = tmdb.person_movie_credits(person_id=person_id)
    return sum(1 for c in credits["crews"] if c["job"] == "Director")


result = count_directed_movies("Sofia Coppola")
```'''
BAD_LINE = 7  # `return sum(... credits["crews"] ...)`


def _types(events):
    return [e.type for e in events if e.type != ev.TOKEN]


def test_traceback_goes_back_with_the_exact_line_and_the_fix_succeeds(world):
    p = world.pipeline([SCAFFOLD, PLAN, BAD_CODE, CODE, ANSWER])
    events = list(p.run_turn(p.new_session(), "How many movies did Sofia Coppola direct?"))
    assert events[-1]["status"] == "done"
    tb = next(e for e in events if e.type == ev.TRACEBACK)
    assert tb["line"] == BAD_LINE and tb["error_type"] == "KeyError" and tb["kind"] == "review"
    assert f"line {BAD_LINE}" in tb["text"]
    review = world.prompts()[3]["messages"][-1]["content"]
    assert f'File "main.py", line {BAD_LINE}' in review
    assert f"The error is on line {BAD_LINE}: `return sum(1 for c in credits[\"crews\"]" in review
    assert "KeyError: 'crews'" in review
    # The review shows what the tools returned, so the model can see the real keys.
    assert '"crew": [' in review and "tmdb.person_movie_credits(person_id=1) -> 200" in review
    codes = [e for e in events if e.type == ev.CODE]
    assert [c["round"] for c in codes] == [0, 1]
    assert [e["round"] for e in events if e.type == ev.EXEC_STARTED] == [0, 1]
    assert next(e for e in events if e.type == ev.ANSWER)["value"] == 2
    types = _types(events)
    assert types.index(ev.TRACEBACK) < types.index(ev.FUNCTION_SAVED)


def test_rounds_stop_at_the_limit_with_a_clear_failure_then_next_turn_works(world):
    p = world.pipeline([SCAFFOLD, PLAN, BAD_CODE, BAD_CODE, BAD_CODE,
                        SCAFFOLD, PLAN, CODE, ANSWER], max_reflect_rounds=2)
    session = p.new_session()
    events = list(p.run_turn(session, "How many movies did Sofia Coppola direct?"))
    assert events[-1].type == ev.TURN_DONE and events[-1]["status"] == "failed"
    failed = next(e for e in events if e.type == ev.FAILED)
    assert failed["reason"] == (f"the code still fails after 2 repair rounds: KeyError: 'crews' "
                                f"(line {BAD_LINE})")
    assert len([e for e in events if e.type == ev.TRACEBACK]) == 3
    assert ev.FUNCTION_SAVED not in _types(events)
    assert world.store.turns(session)[0]["status"] == "failed"
    assert world.library.count() == 0
    again = list(p.run_turn(session, "How many movies did Sofia Coppola direct?"))
    assert again[-1]["status"] == "done"


def test_plan_with_unknown_tool_triggers_reconstruction_with_nearest_tools(world):
    bad_plan = PLAN.replace("tmdb.person_movie_credits", "tmdb.get_movie_credits")
    p = world.pipeline([SCAFFOLD, bad_plan, PLAN, CODE, ANSWER])
    events = list(p.run_turn(p.new_session(), "How many movies did Sofia Coppola direct?"))
    assert events[-1]["status"] == "done"
    replan = next(e for e in events if e.type == ev.REPLAN)
    assert replan["unknown"] == ["tmdb.get_movie_credits"] and replan["round"] == 1
    assert "tmdb.person_movie_credits" in replan["nearest"]["tmdb.get_movie_credits"]
    prompt = world.prompts()[2]["messages"][-1]["content"]
    assert "Planning reconstruction" in prompt
    assert "`tmdb.get_movie_credits` does not exist" in prompt
    assert "nearest real tools: " in prompt and "tmdb.person_movie_credits" in prompt
    assert "def person_movie_credits(" in prompt  # the real tool's stub
    plans = [e for e in events if e.type == ev.PLAN]
    assert plans[0]["unknown"] == ["tmdb.get_movie_credits"] and plans[1]["unknown"] == []


def test_replan_rounds_are_bounded_then_the_turn_goes_on(world):
    bad_plan = PLAN.replace("tmdb.person_movie_credits", "tmdb.get_movie_credits")
    p = world.pipeline([SCAFFOLD, bad_plan, bad_plan, CODE, ANSWER], max_replan_rounds=1)
    events = list(p.run_turn(p.new_session(), "How many movies did Sofia Coppola direct?"))
    assert len([e for e in events if e.type == ev.REPLAN]) == 1
    assert any(e.type == ev.WARNING and "unknown tools" in e["text"] for e in events)
    assert events[-1]["status"] == "done"


def test_unknown_tool_at_run_time_gets_the_replan_prompt(world):
    wrong = CODE.replace("tmdb.person_movie_credits(", "tmdb.movie_credits_for(")
    p = world.pipeline([SCAFFOLD, PLAN, wrong, CODE, ANSWER])
    events = list(p.run_turn(p.new_session(), "How many movies did Sofia Coppola direct?"))
    assert events[-1]["status"] == "done"
    tb = next(e for e in events if e.type == ev.TRACEBACK)
    assert tb["error_type"] == "AttributeError" and tb["kind"] == "replan"
    prompt = world.prompts()[3]["messages"][-1]["content"]
    assert "calls a tool that does not exist" in prompt
    assert "`tmdb.movie_credits_for` does not exist" in prompt and "tmdb.person_movie_credits" in prompt
    assert f"line {tb['line']}" in prompt


def test_invented_toolset_name_error_is_a_replan(world):
    wrong = CODE.replace("tmdb.person_movie_credits(", "imdb.person_movie_credits(")
    p = world.pipeline([SCAFFOLD, PLAN, wrong, CODE, ANSWER])
    events = list(p.run_turn(p.new_session(), "How many movies did Sofia Coppola direct?"))
    tb = next(e for e in events if e.type == ev.TRACEBACK)
    assert tb["error_type"] == "NameError" and tb["kind"] == "replan"
    assert "`imdb.person_movie_credits` does not exist" in world.prompts()[3]["messages"][-1]["content"]
    assert events[-1]["status"] == "done"


def test_tool_http_error_is_reviewed_with_status_and_body(world):
    wrong = CODE.replace("person_id=person_id)", "person_id=999)")
    p = world.pipeline([SCAFFOLD, PLAN, wrong, CODE, ANSWER])
    events = list(p.run_turn(p.new_session(), "How many movies did Sofia Coppola direct?"))
    tb = next(e for e in events if e.type == ev.TRACEBACK)
    assert tb["error_type"] == "ToolError" and tb["kind"] == "review"
    assert "404" in tb["text"] and "person not found" in tb["text"]
    failed_call = next(e for e in events if e.type == ev.TOOL_CALL and not e["ok"])
    assert failed_call["status"] == 404
    assert events[-1]["status"] == "done"
