"""A full ToolCoder turn with a scripted model, a real loopback API and the real sandbox."""

from __future__ import annotations

import pytest
from test_pipeline_world import ANSWER, CODE, PLAN, SCAFFOLD, make_world, standard_replies

from toolcoder_repl.coder import events as ev


@pytest.fixture
def world(home, loopback, monkeypatch):
    yield from make_world(home, loopback, monkeypatch)


def test_full_turn_events_in_order_and_stored(world):
    p = world.pipeline(standard_replies())
    session = p.new_session()
    events = list(p.run_turn(session, "How many movies did Sofia Coppola direct?"))
    types = [e.type for e in events if e.type != ev.TOKEN]
    assert types[0] == ev.TURN_STARTED and types[-1] == ev.TURN_DONE
    assert events[-1]["status"] == "done"
    order = [ev.SCAFFOLD, ev.PLAN, ev.CODE, ev.EXEC_STARTED, ev.TOOL_CALL, ev.FUNCTION_SAVED,
             ev.ANSWER, ev.TURN_DONE]
    positions = [types.index(t) for t in order]
    assert positions == sorted(positions)
    assert ev.FAILED not in types and ev.TRACEBACK not in types

    scaffold = next(e for e in events if e.type == ev.SCAFFOLD)
    assert scaffold["name"] == "count_directed_movies"
    assert scaffold["call"] == "count_directed_movies('Sofia Coppola')"
    plan = next(e for e in events if e.type == ev.PLAN)
    assert plan["tools"] == ["tmdb.search_person", "tmdb.person_movie_credits"]
    assert len(plan["steps"]) == 2
    calls = [e for e in events if e.type == ev.TOOL_CALL]
    assert [c["tool"] for c in calls] == ["tmdb.search_person", "tmdb.person_movie_credits"]
    assert all(c["ok"] and c["status"] == 200 for c in calls)
    answer = next(e for e in events if e.type == ev.ANSWER)
    assert answer["value"] == 2 and answer["text"] == ANSWER
    tokens = [e for e in events if e.type == ev.TOKEN and e["stage"] == "answer"]
    assert "".join(t["text"] for t in tokens) == ANSWER
    usage = [e for e in events if e.type == ev.USAGE]
    assert [u["stage"] for u in usage] == ["scaffold", "plan", "implement", "answer"]

    # Everything but tokens is in the store, in order; the turn row is finished.
    turn_id = events[0].turn
    stored = world.store.events(turn_id)
    assert [r["type"] for r in stored] == types
    assert [r["seq"] for r in stored] == list(range(1, len(types) + 1))
    row = world.store.turns(session)[0]
    assert row["status"] == "done" and row["answer"] == ANSWER
    assert row["function_name"] == "count_directed_movies"
    assert world.store.db["usage"].count_where("turn_id = ?", [turn_id]) == 4
    tool_rows = list(world.store.db["tool_calls"].rows_where("turn_id = ?", [turn_id]))
    assert len(tool_rows) == 2 and all(r["session_id"] == session for r in tool_rows)

    saved = {e["name"]: e for e in events if e.type == ev.FUNCTION_SAVED}
    assert set(saved) == {"find_person_id", "count_directed_movies"}
    fn = world.library.get("count_directed_movies")
    assert fn.tools == ["tmdb.search_person", "tmdb.person_movie_credits"]
    assert "def find_person_id" in fn.source  # self-contained: carries its helper


def test_prompts_carry_each_stage(world):
    p = world.pipeline(standard_replies())
    list(p.run_turn(p.new_session(), "How many movies did Sofia Coppola direct?"))
    prompts = [r["messages"][-1]["content"] for r in world.prompts()]
    assert "How many movies did Sofia Coppola direct?" in prompts[0]
    assert "def count_directed_movies(director_name: str) -> int" in prompts[1]
    assert "def search_person(" in prompts[1] and "def genre_list(" in prompts[1]  # all tools: small catalogue
    assert "# Step 1: find the person's id with tmdb.search_person" in prompts[2]
    assert "result = count_directed_movies('Sofia Coppola')" in prompts[2]
    assert "2" in prompts[3] and "How many movies" in prompts[3]


def test_follow_up_turn_sees_conversation_summary(world):
    p = world.pipeline(standard_replies() + [SCAFFOLD, PLAN, CODE, ANSWER])
    session = p.new_session()
    list(p.run_turn(session, "How many movies did Sofia Coppola direct?"))
    list(p.run_turn(session, "and how many did she direct before 2005?"))
    scaffold_prompt = world.prompts()[4]["messages"][-1]["content"]
    assert "Earlier in this conversation" in scaffold_prompt
    assert "How many movies did Sofia Coppola direct?" in scaffold_prompt
    assert "count_directed_movies" in scaffold_prompt and ANSWER in scaffold_prompt


def test_secrets_are_redacted_from_prompts_and_events(world):
    leaky = "The key is sk-secret-123, and the answer is 2."  # split across streamed chunks
    p = world.pipeline([SCAFFOLD, PLAN, CODE, leaky])
    session = p.new_session()
    events = list(p.run_turn(session, "How many movies did Sofia Coppola direct? key sk-secret-123"))
    assert events[-1]["status"] == "done"
    tokens = [e["text"] for e in events if e.type == ev.TOKEN and e["stage"] == "answer"]
    assert "".join(tokens) == "The key is ***, and the answer is 2."
    assert "sk-secret-123" not in str(world.store.turns(session)[0])
    assert "sk-secret-123" not in world.prompts_file.read_text()
    stored = world.store.db.execute("select group_concat(payload) from events").fetchone()[0]
    assert "sk-secret-123" not in stored


def test_single_call_mode(world):
    p = world.pipeline([CODE.replace("```python", "Plan and code:\n```python"), ANSWER], mode="single")
    events = list(p.run_turn(p.new_session(), "How many movies did Sofia Coppola direct?"))
    assert events[-1]["status"] == "done"
    types = [e.type for e in events]
    assert ev.SCAFFOLD in types and ev.PLAN in types and ev.CODE in types
    plan = next(e for e in events if e.type == ev.PLAN)
    assert plan["tools"] == ["tmdb.search_person", "tmdb.person_movie_credits"]
    assert next(e for e in events if e.type == ev.ANSWER)["value"] == 2
    assert len(world.prompts()) == 2


def test_cancel_between_stages_finishes_turn_cancelled(world):
    import threading

    cancel = threading.Event()
    p = world.pipeline(standard_replies())
    session = p.new_session()
    seen = []
    for e in p.run_turn(session, "How many movies did Sofia Coppola direct?", cancel):
        seen.append(e)
        if e.type == ev.SCAFFOLD:
            cancel.set()
    assert seen[-1].type == ev.TURN_DONE and seen[-1]["status"] == "cancelled"
    assert world.store.turns(session)[0]["status"] == "cancelled"


def test_abandoned_generator_leaves_no_running_turn(world):
    p = world.pipeline(standard_replies())
    session = p.new_session()
    gen = p.run_turn(session, "How many movies did Sofia Coppola direct?")
    for e in gen:
        if e.type == ev.TOKEN:
            break
    gen.close()
    assert world.store.turns(session)[0]["status"] == "cancelled"


def test_large_catalogue_gets_top_k_stubs_and_a_tool_map(world):
    p = world.pipeline(standard_replies(), tools_in_prompt=2)
    events = list(p.run_turn(p.new_session(), "How many movies did Sofia Coppola direct?"))
    assert events[-1]["status"] == "done"
    plan_prompt = world.prompts()[1]["messages"][-1]["content"]
    assert plan_prompt.count("def ") - plan_prompt.count("def count_directed_movies") == 2
    assert "Other tools exist" in plan_prompt and "tmdb: genre_list" in plan_prompt
    assert "def genre_list(" not in plan_prompt


def test_grammar_backends_get_the_code_grammar_on_code_stages(world):
    from toolcoder_repl.llm.scripted import ScriptedModel

    class GrammarModel(ScriptedModel):
        supports_grammar = True

    p = world.pipeline(standard_replies())
    p.model = GrammarModel(standard_replies())
    events = list(p.run_turn(p.new_session(), "How many movies did Sofia Coppola direct?"))
    assert events[-1]["status"] == "done"
    assert [r["options"]["grammar"] for r in world.prompts()] == [True, True, True, False]


def test_cancel_mid_stream(world):
    import threading

    cancel = threading.Event()
    p = world.pipeline(standard_replies() * 2)
    session = p.new_session()
    events = []
    for e in p.run_turn(session, "How many movies did Sofia Coppola direct?", cancel):
        events.append(e)
        if e.type == ev.TOKEN and e["stage"] == "plan":
            cancel.set()
    assert events[-1]["status"] == "cancelled"
    assert ev.PLAN not in [e.type for e in events] and ev.FAILED not in [e.type for e in events]
    p.model.index = 4
    assert list(p.run_turn(session, "How many movies did Sofia Coppola direct?"))[-1]["status"] == "done"
