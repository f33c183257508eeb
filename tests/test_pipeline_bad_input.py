"""Bad model output and broken tools end the turn with a clear `failed` event, never an
exception, and the session carries on with the next turn."""

from __future__ import annotations

import socket

import pytest
from test_pipeline_world import CODE, PLAN, SCAFFOLD, make_world, movie_spec, standard_replies

from toolcoder_repl.coder import events as ev


@pytest.fixture
def world(home, loopback, monkeypatch):
    yield from make_world(home, loopback, monkeypatch)

Q = "How many movies did Sofia Coppola direct?"


def _run(p, session, query=Q):
    events = list(p.run_turn(session, query))
    assert events[-1].type == ev.TURN_DONE
    return events


def _failed(events):
    assert events[-1]["status"] == "failed"
    fails = [e for e in events if e.type == ev.FAILED]
    assert len(fails) == 1
    return fails[0]


def test_unparseable_replies_fail_after_one_retry_then_next_turn_works(world):
    p = world.pipeline(["I would love to help, but let me think about it.", "Still thinking.",
                        *standard_replies()])
    session = p.new_session()
    failed = _failed(_run(p, session))
    assert failed["stage"] == "scaffold"
    assert failed["reason"] == ("the model's scaffold reply could not be used after a retry: no "
                                "Python function definition (`def name(...) -> type:`) was found")
    retry_prompt = world.prompts()[1]["messages"][-1]["content"]
    assert "I could not use your reply" in retry_prompt
    assert _run(p, session)[-1]["status"] == "done"
    assert [t["status"] for t in world.store.turns(session)] == ["failed", "done"]


def test_retry_recovers_when_the_second_reply_parses(world):
    p = world.pipeline([SCAFFOLD, "no steps here, sorry", PLAN, CODE, "Two."])
    events = _run(p, p.new_session())
    assert events[-1]["status"] == "done"
    assert any(e.type == ev.WARNING and "asking again" in e["text"] for e in events)


def test_empty_reply(world):
    p = world.pipeline(["", "", *standard_replies()])
    session = p.new_session()
    failed = _failed(_run(p, session))
    assert failed["reason"].endswith("the reply was empty")
    assert _run(p, session)[-1]["status"] == "done"


def test_model_error_mid_stream(world):
    p = world.pipeline([SCAFFOLD, {"error": "connection reset", "after": "```python\ndef count"},
                        *standard_replies()])
    session = p.new_session()
    events = _run(p, session)
    failed = _failed(events)
    assert failed["stage"] == "plan"
    assert failed["reason"] == "the model failed during plan: model error: connection reset"
    assert any(e.type == ev.TOKEN and e["stage"] == "plan" for e in events)  # partial text streamed
    assert _run(p, session)[-1]["status"] == "done"


def test_script_exhausted_is_a_failed_turn(world):
    p = world.pipeline([SCAFFOLD])
    failed = _failed(_run(p, p.new_session()))
    assert failed["stage"] == "plan" and "no reply left" in failed["reason"]


def test_tool_server_down(world):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    from toolcoder_repl.toolset.importer import import_spec_dict

    import_spec_dict(world.catalog, movie_spec(), name="tmdb", base_url=dead)
    p = world.pipeline([*standard_replies(), *standard_replies()])
    session = p.new_session()
    events = _run(p, session)
    failed = _failed(events)
    assert failed["stage"] == "execute"
    assert failed["reason"].startswith("tool server unreachable: tmdb.search_person: request failed")
    assert ev.TRACEBACK in [e.type for e in events]
    world.reimport(movie_spec())  # the server is back
    p.model.index = 4
    assert _run(p, session)[-1]["status"] == "done"


def test_answer_stage_model_failure_still_answers_with_the_value(world):
    p = world.pipeline([SCAFFOLD, PLAN, CODE, {"error": "overloaded"}])
    events = _run(p, p.new_session())
    assert events[-1]["status"] == "done"
    answer = next(e for e in events if e.type == ev.ANSWER)
    assert answer["text"] == "2" and answer["value"] == 2
    assert any(e.type == ev.WARNING and "overloaded" in e["text"] for e in events)


def test_code_that_never_parses_is_run_and_repaired(world):
    broken = "```python\ndef count_directed_movies(director_name: str) -> int:\n    return (\n```"
    p = world.pipeline([SCAFFOLD, PLAN, broken, CODE, "Two."])
    events = _run(p, p.new_session())
    assert events[-1]["status"] == "done"
    tb = next(e for e in events if e.type == ev.TRACEBACK)
    assert tb["error_type"] == "SyntaxError" and tb["kind"] == "review"
