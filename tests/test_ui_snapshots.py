"""Layout snapshots (pytest-textual-snapshot): chat after a full turn, functions, first run,
in each bundled theme. The chat turn comes from a fixed event script, so the pictures do not
move when prompts or timings change. Regenerate with `pytest tests/test_ui_snapshots.py
--snapshot-update` after an intended layout change."""

from __future__ import annotations

import pytest
from test_ui_fakes import CALC_GOOD, CALC_QUERY, make_app, wait_for

from toolcoder_repl.config import Home
from toolcoder_repl.runtime import Runtime
from toolcoder_repl.ui.app import ToolcoderApp
from toolcoder_repl.ui.widgets.prompt import PromptInput

THEMES = ["toolcoder-dark", "toolcoder-light", "toolcoder-high-contrast"]
SIZE = (110, 48)


@pytest.fixture
def rt(home):
    runtime = Runtime(Home(home))
    yield runtime
    runtime.close()


@pytest.mark.parametrize("theme", THEMES)
def test_chat_after_a_full_turn(snap_compare, rt, theme):
    rt.theme = theme
    rt.use_model("scripted:demo.json")
    app = make_app(rt)

    async def run_before(pilot) -> None:
        await wait_for(pilot, lambda: bool(app.screen.query(PromptInput)))
        app.chat.start_turn("What is JohnDoe's balance? (password pass123)")
        await wait_for(pilot, lambda: app.chat.turns_finished == 1)
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
def test_functions_screen(snap_compare, rt, theme):
    rt.theme = theme
    rt.use_model("scripted:demo.json")
    tools = {t.qualname: t for t in rt.catalog.tools()}
    code = CALC_GOOD.strip("`").removeprefix("python\n")
    rt.library.save_from_code(code, tools_by_name=tools, query=CALC_QUERY, session_id=None,
                              turn_id=None)
    app = make_app(rt)
    assert snap_compare(app, terminal_size=SIZE, press=["f2", "_"])


@pytest.mark.parametrize("theme", THEMES)
def test_first_run_screen(snap_compare, rt, theme):
    rt.theme = theme
    app = ToolcoderApp(rt, isolation_probe=lambda: ("rlimits", ""))
    assert snap_compare(app, terminal_size=SIZE)
