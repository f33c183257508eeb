"""Pure scoring functions and the event-to-record fold of the evaluation harness."""

from __future__ import annotations

import pytest

from toolcoder_repl.coder import events as ev
from toolcoder_repl.coder.events import Event
from toolcoder_repl.evals import metrics
from toolcoder_repl.evals.harness import EvalItem, record_from_events


@pytest.mark.parametrize(("gold", "made", "expected"), [
    ([], [], True),
    ([], ["a"], True),
    (["a"], [], False),
    (["a", "b"], ["a", "b"], True),
    (["a", "b"], ["x", "a", "y", "b", "z"], True),  # gaps allowed
    (["a", "b"], ["b", "a"], False),  # order matters
    (["a", "a"], ["a"], False),  # a repeated gold call needs two calls
    (["a", "a"], ["a", "x", "a"], True),
    (["a", "b", "c"], ["a", "b"], False),
    (["a", "b"], ["a", "a", "b"], True),
])
def test_in_order_subsequence(gold, made, expected):
    assert metrics.in_order_subsequence(gold, made) is expected


def test_in_order_subsequence_consumes_made_once():
    # "b" found after the first "a" must not be re-used for a later gold "b".
    assert not metrics.in_order_subsequence(["a", "b", "a", "b"], ["a", "b", "a"])


def test_normalise_call_and_path_correct():
    assert metrics.normalise_call("get /person/{person_id}/") == "GET /person/{}"
    assert metrics.normalise_call("GET //search//person?x=1") == "GET /search/person"
    assert metrics.normalise_call("GET /") == "GET /"
    assert metrics.path_correct(["GET /person/{person_id}/movie_credits"],
                                ["GET /search/person", "GET /person/{id}/movie_credits"])
    assert not metrics.path_correct(["POST /x"], ["GET /x"])


def test_rate_and_jaccard():
    assert metrics.rate(1, 4) == 0.25
    assert metrics.rate(3, 0) == 0.0
    assert metrics.jaccard("Meeting with the team", "meeting with the team") == 0.6
    assert metrics.jaccard("Meeting with the team", "meeting with the team", lower=True) == 1.0
    assert metrics.jaccard("", "") == 1.0


def test_summarise_weights_and_empty():
    records = [
        {"correct": True, "weight": 2, "executed": True, "status": "done", "repair_rounds": 1,
         "calls": [{}, {}], "prompt_tokens": 10, "completion_tokens": 5, "seconds": 1.0,
         "reused": ["f"], "saved": ["g"]},
        {"correct": False, "executed": False, "status": "failed", "calls": [], "seconds": 3.0},
    ]
    s = metrics.summarise(records, ["correct", "missing"])
    assert s["items"] == 2
    assert s["correct_rate"] == round(2 / 3, 4)  # the first item counts twice
    assert s["missing_rate"] is None
    assert s["executed_rate"] == 0.5 and s["done_rate"] == 0.5
    assert s["mean_repair_rounds"] == 0.5 and s["items_with_repairs"] == 1
    assert s["reuse_rate"] == 0.5 and s["functions_saved"] == 1
    assert s["mean_tool_calls"] == 1 and s["prompt_tokens"] == 10 and s["mean_tokens"] == 7.5
    assert s["mean_seconds"] == 2.0 and s["total_seconds"] == 4.0
    empty = metrics.summarise([], ["correct"])
    assert empty["items"] == 0 and empty["correct_rate"] is None and empty["executed_rate"] == 0.0


def _e(type_: str, **data) -> Event:
    return Event(type_, 1, data)


def test_record_from_events_tracks_rounds_calls_and_usage():
    events = [
        _e(ev.TURN_STARTED, query="q", session=1),
        _e(ev.USAGE, stage="scaffold", prompt_tokens=100, completion_tokens=20),
        _e(ev.REPLAN, round=1, unknown=["t.x"], nearest={}),
        _e(ev.CODE, round=0, code="", reused=[]),
        _e(ev.EXEC_STARTED, round=0, isolation="rlimits"),
        _e(ev.TOOL_CALL, tool="t.a", arguments={"q": 1}, status=200, ok=True),
        _e(ev.TRACEBACK, round=0, text="KeyError", kind="review"),
        _e(ev.CODE, round=1, code="", reused=["helper"]),
        _e(ev.EXEC_STARTED, round=1, isolation="rlimits"),
        _e(ev.TOOL_CALL, tool="t.a", arguments={"q": 1}, status=200, ok=True),
        _e(ev.TOOL_CALL, tool="t.b", arguments={}, status=404, ok=False),
        _e(ev.FUNCTION_REUSED, name="helper"),
        _e(ev.FUNCTION_SAVED, name="main", new=True, uses=0),
        _e(ev.USAGE, stage="answer", prompt_tokens=50, completion_tokens=5),
        _e(ev.ANSWER, text="the answer", value=[1, 2]),
        _e(ev.TURN_DONE, status="done"),
    ]
    rec = record_from_events(EvalItem("i1", "q", gold=None), events)
    assert rec.status == "done" and rec.executed
    assert rec.rounds == 2 and rec.repair_rounds == 1 and rec.replans == 1
    assert [c["round"] for c in rec.calls] == [0, 1, 1]
    assert [c["tool"] for c in rec.final_calls()] == ["t.a", "t.b"]
    assert rec.reused == ["helper"] and rec.saved == ["main"]
    assert (rec.prompt_tokens, rec.completion_tokens) == (150, 25)
    assert rec.answer == "the answer" and rec.value == [1, 2]
    out = rec.to_json()
    assert out["type"] == "item" and out["id"] == "i1" and "scores" not in out


def test_record_of_a_failed_turn():
    events = [
        _e(ev.EXEC_STARTED, round=0),
        _e(ev.TRACEBACK, round=0, text="boom"),
        _e(ev.FAILED, stage="reflect", reason="the code failed: ValueError: boom"),
        _e(ev.TURN_DONE, status="failed"),
    ]
    rec = record_from_events(EvalItem("i2", "q", gold=None), events)
    assert rec.status == "failed" and not rec.executed
    assert rec.failure == "reflect: the code failed: ValueError: boom"
    assert rec.final_calls() == []
    never_ran = record_from_events(EvalItem("i3", "q", None), [_e(ev.TURN_DONE, status="failed")])
    assert not never_ran.executed and never_ran.rounds == 0
