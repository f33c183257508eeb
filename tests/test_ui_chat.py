"""Pilot tests of the chat screen driving the real pipeline with a scripted model."""

from __future__ import annotations

import pytest
from test_ui_fakes import CALC_QUERY, calc_replies, wait_for

from toolcoder_repl.config import Home
from toolcoder_repl.llm.scripted import ScriptedModel
from toolcoder_repl.runtime import Runtime
from toolcoder_repl.ui.app import ToolcoderApp
from toolcoder_repl.ui.widgets.prompt import PromptInput
from toolcoder_repl.ui.widgets.turn import TurnView

SIZE = (110, 50)


@pytest.fixture
def rt(home):
    runtime = Runtime(Home(home))
    yield runtime
    runtime.close()


def scripted_app(rt: Runtime, replies: list, delay: float = 0.0, chunk: int = 16) -> ToolcoderApp:
    rt.use_model("scripted:test",
                 ScriptedModel(replies, name="scripted:test", delay=delay, chunk=chunk))
    return ToolcoderApp(rt, pipeline_factory=rt.pipeline,
                        isolation_probe=lambda: ("rlimits", ""))


async def ask(pilot, text: str) -> None:
    prompt = pilot.app.screen.query_one(PromptInput)
    prompt.load_text(text)
    await pilot.press("enter")


async def test_turn_shows_panels_in_order_and_the_answer(rt):
    app = scripted_app(rt, calc_replies())
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, CALC_QUERY)
        await wait_for(pilot, lambda: app.chat.turns_finished == 1)
        view = app.chat.query_one(TurnView)
        assert view.status == "done"
        assert [k.split("-")[0] for k in view.panels] == ["scaffold", "plan", "code", "run",
                                                          "functions"]
        assert view.panel_titles()[0] == "Scaffold · compute_total"
        assert view.panel_titles()[3] == "Tool calls (1)"
        assert "84" in view.answer_text
        md = view.query_one("Markdown.answer")
        assert "84" in md.source
        assert app.chat.status.tokens > 0 and app.chat.status.session == 1
        assert view.panels["scaffold"].collapsed and not view.panels["code"].collapsed
        # history: the question is recalled with Up
        prompt = app.chat.query_one(PromptInput)
        await pilot.press("up")
        assert prompt.text == CALC_QUERY


async def test_failing_code_shows_a_repair_round(rt):
    app = scripted_app(rt, calc_replies(repair=True))
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, CALC_QUERY)
        await wait_for(pilot, lambda: app.chat.turns_finished == 1)
        view = app.chat.query_one(TurnView)
        keys = list(view.panels)
        assert keys == ["scaffold", "plan", "code", "run-0", "repair-1", "run-1", "functions"]
        assert view.panels["repair-1"].title.startswith("Repair 1 · KeyError")
        traceback = view.panels["repair-1"].query_one(".traceback")
        assert "KeyError" in str(traceback.render())
        assert view._code_views[0].highlight is not None  # the failing line is marked
        assert view.status == "done" and "84" in view.answer_text


async def test_escape_cancels_a_running_turn(rt):
    app = scripted_app(rt, calc_replies(), delay=0.02, chunk=2)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, CALC_QUERY)
        view = app.chat.running
        await wait_for(pilot, lambda: "scaffold" in view.panels)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.chat.turns_finished == 1)
        assert view.status == "cancelled"
        assert app.chat.running is None
        turns = rt.store.turns(1)
        assert [t["status"] for t in turns] == ["cancelled"]
        assert view.query(".status")  # "turn cancelled" shown


async def test_resume_a_session_replays_its_turns(rt):
    app = scripted_app(rt, calc_replies())
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, CALC_QUERY)
        await wait_for(pilot, lambda: app.chat.turns_finished == 1)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert not app.chat.query(TurnView) and app.session_id is None
        await pilot.press("f4")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "SessionsScreen"
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(app.chat.query(TurnView)) and app.screen is app.chat)
        await wait_for(pilot, lambda: app.chat.query_one(TurnView).status == "done")
        view = app.chat.query_one(TurnView)
        assert view.query_text == CALC_QUERY
        assert list(view.panels) == ["scaffold", "plan", "code", "run-0", "functions"]
        assert "84" in view.answer_text
        assert app.session_id == 1


async def test_functions_screen_lists_what_the_turn_saved(rt):
    app = scripted_app(rt, calc_replies())
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, CALC_QUERY)
        await wait_for(pilot, lambda: app.chat.turns_finished == 1)
        await pilot.press("f2")
        await pilot.pause()
        screen = app.screen
        assert [f.name for f in screen.functions] == ["compute_total"]
        assert "compute_total" in screen.query_one("#source").code
        assert CALC_QUERY in str(screen.query_one("#meta").render())
        # run it in the sandbox with other arguments
        screen.query_one("#args").value = '"2*21"'
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "42" in str(screen.query_one("#result").render()))
        await pilot.press("ctrl+s")  # mark stale
        await pilot.pause()
        assert rt.library.get("compute_total").stale


async def test_slash_commands_complete_and_switch_theme(rt):
    app = scripted_app(rt, [])
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.chat.query_one(PromptInput)
        prompt.load_text("/th")
        await pilot.press("tab")
        assert prompt.text == "/theme "
        prompt.load_text("/theme toolcoder-light")
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "toolcoder-light"
        assert Home(rt.home.path).load_config().theme == "toolcoder-light"
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.theme != "toolcoder-light"


async def test_first_run_without_a_model_explains_instead_of_crashing(rt):
    app = ToolcoderApp(rt, isolation_probe=lambda: ("rlimits", ""))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.__class__.__name__ == "FirstRunScreen"
        assert "three ways" in str(app.screen.query_one("#help").render())


async def test_copy_answer_and_code_to_the_clipboard(rt):
    app = scripted_app(rt, calc_replies())
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, CALC_QUERY)
        await wait_for(pilot, lambda: app.chat.turns_finished == 1)
        await pilot.press("f8")
        assert app.clipboard == "The total is **84**."
        await pilot.press("f9")
        assert app.clipboard.startswith("def compute_total(formula: str) -> float:")


async def test_quitting_mid_turn_records_the_turn_as_cancelled(rt):
    app = scripted_app(rt, calc_replies(), delay=0.02, chunk=2)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, CALC_QUERY)
        view = app.chat.running
        await wait_for(pilot, lambda: "scaffold" in view.panels)
        await pilot.press("ctrl+q")
    assert [t["status"] for t in rt.store.turns(1)] == ["cancelled"]


async def test_model_picker_and_sessions_by_slash(rt):
    rt.config.models = ["scripted:other.json"]
    app = scripted_app(rt, calc_replies())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "ModelPicker"
        options = app.screen.query_one("#models")
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == [
            "scripted:test", "scripted:other.json"]
        await pilot.press("escape")
        prompt = app.chat.query_one(PromptInput)
        prompt.load_text("/sessions 99")
        await pilot.press("enter")
        await pilot.pause()
        assert app.session_id is None  # no such session: nothing changed
        prompt.load_text("/help")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HelpScreen"
        assert "/model [SPEC]" in str(app.screen.query_one("#help-card").query("Static")[1].render())
