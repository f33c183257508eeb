"""The turn view on event scripts the scripted model cannot easily produce: re-plan, failure,
warnings, a tool error, a pipeline that raises."""

from __future__ import annotations

import pytest
from test_ui_fakes import FakePipeline, make_app, wait_for

from toolcoder_repl.coder.events import Event
from toolcoder_repl.config import Home
from toolcoder_repl.errors import ModelError
from toolcoder_repl.runtime import Runtime
from toolcoder_repl.ui.widgets.turn import TurnView


@pytest.fixture
def rt(home):
    runtime = Runtime(Home(home))
    yield runtime
    runtime.close()


def e(type_: str, **data) -> Event:
    return Event(type_, 1, data)


async def test_replan_failure_and_warnings(rt):
    events = [
        e("turn_started", query="q", session=1),
        e("warning", text="saved functions whose tools changed are stale: old_fn"),
        e("stage_started", stage="plan"),
        e("plan", text="# Step 1: use bank.nope", tools=["bank.nope"]),
        e("replan", round=1, unknown=["bank.nope"], nearest={"bank.nope": ["bank.query_balance"]}),
        e("stage_started", stage="plan"),
        e("plan", text="# Step 1: use bank.query_balance", tools=["bank.query_balance"]),
        e("stage_started", stage="implement"),
        e("code", code="x = bank.query_balance(token='t')", round=0, reused=["get_token"]),
        e("exec_started", round=0, isolation="rlimits"),
        e("tool_call", tool="bank.query_balance", arguments={"token": "t"}, status=401, ok=False,
          latency_ms=4.2, bytes=10, error="401 Unauthorized: invalid token"),
        e("failed", stage="execute", reason="the tool service refused the token"),
        e("turn_done", status="failed"),
    ]
    app = make_app(rt, FakePipeline(events))
    async with app.run_test(size=(100, 40)) as pilot:
        app.chat.start_turn("q")
        await wait_for(pilot, lambda: app.chat.turns_finished == 1)
        view = app.chat.query_one(TurnView)
        assert list(view.panels) == ["plan", "replan-1", "code", "run-0"]
        assert view.panels["replan-1"].title == "Re-plan 1 · 1 tool"
        assert "bank.query_balance" in str(view.panels["replan-1"].query(".note").first().render())
        assert view.panels["run-0"].title == "Tool calls (1, 1 failed)"
        assert "401 Unauthorized" in str(view.panels["run-0"].query("Static").last().render())
        assert "reuses saved: get_token" in str(view.panels["code"].query(".note").first().render())
        assert "refused the token" in str(view.query_one(".failed").render())
        assert view.query(".warning")
        assert view.status == "failed" and app.chat.status.state == "failed"


async def test_a_pipeline_that_raises_ends_the_turn_with_a_message(rt):
    class Broken:
        def run_turn(self, session_id, query, cancel=None):
            yield e("turn_started", query=query, session=session_id)
            raise ModelError("the model server went away; start it again")

    app = make_app(rt, Broken())
    async with app.run_test(size=(100, 40)) as pilot:
        app.chat.start_turn("q")
        await wait_for(pilot, lambda: app.chat.turns_finished == 1)
        view = app.chat.query_one(TurnView)
        assert "model server went away" in str(view.query_one(".failed").render())
        assert view.status == "failed" and app.chat.running is None


async def test_single_mode_keeps_scaffold_and_plan_above_the_code(rt):
    code = "def f() -> int:\n    return 1\n\nresult = f()"
    events = [
        e("turn_started", query="q", session=1),
        e("stage_started", stage="implement"),
        e("token", stage="implement", text=code),
        e("scaffold", code="def f() -> int:\n    pass", name="f", call="f()"),
        e("plan", text="# Step 1: return 1", tools=[]),
        e("code", code=code, round=0, reused=[]),
        e("answer", text="1", value=1),
        e("turn_done", status="done"),
    ]
    app = make_app(rt, FakePipeline(events))
    async with app.run_test(size=(100, 40)) as pilot:
        app.chat.start_turn("q")
        await wait_for(pilot, lambda: app.chat.turns_finished == 1)
        view = app.chat.query_one(TurnView)
        assert list(view.panels) == ["scaffold", "plan", "code"]
        order = [w for w in view.children if w in view.panels.values()]
        assert [p.key for p in order] == ["scaffold", "plan", "code"]
        assert not view.query(".live")
