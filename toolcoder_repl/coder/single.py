"""Single-call mode (settings.mode == "single"): scaffold, plan and code in one reply.

For strong models this cuts three round trips to one. The reply is still read as the three
artefacts (the scaffold is the main function's signature and docstring, the plan its
`# Step N:` comments), so the same events come out and reflection works the same way.
"""

from __future__ import annotations

import re
from typing import Any

from . import events as ev
from .implement import library_block, reused_names
from .parsing import (
    ParseError,
    Plan,
    Program,
    Scaffold,
    parse_program,
    parse_scaffold,
    tool_references,
)
from .prompts import render
from .toolview import ToolView
from .turn import Stage, Turn, code_grammar, system_message

EXPECTED = ("the function with its docstring and `# Step N:` comments, its code, then the call "
            "line `result = ...`")
_STEP = re.compile(r"#\s*Step\s*\d+\s*[:.)-]?\s*(.*)", re.IGNORECASE)


def run(turn: Turn, context: str, view: ToolView, tools_in_prompt: int, offered: list[Any]
        ) -> Stage:
    """Returns (scaffold, plan, program, candidate tools)."""
    yield turn.start("implement")
    candidates, tool_map = view.candidates(turn.query, tools_in_prompt)
    messages = [system_message(), {"role": "user", "content": render(
        "single", context=context, query=turn.query, tools=view.stubs(candidates),
        tool_map=tool_map, library=library_block(offered))}]
    known = frozenset(f.name for f in offered)
    program: Program
    program, _ = yield from turn.ask_parsed("implement", messages,
                                            lambda t: parse_program(t, "", "", known), EXPECTED,
                                            grammar=code_grammar(turn.model))
    yield turn.done("implement", program.code)
    try:
        scaffold = parse_scaffold(program.code)
        if scaffold.name != program.main:
            raise ParseError("main function differs")
    except ParseError:
        scaffold = Scaffold(code="", name=program.main, params=[], returns="", docstring="",
                            call=program.entry or "")
    yield turn.event(ev.SCAFFOLD, code=scaffold.code, name=scaffold.name, call=scaffold.call,
                     signature=scaffold.signature, docstring=scaffold.docstring)
    known_tools, unknown = tool_references(program.code, view.toolsets)
    plan = Plan(code=program.code, steps=[m.group(1).strip() for m in _STEP.finditer(program.code)],
                tools=known_tools, unknown=unknown)
    yield turn.event(ev.PLAN, text=plan.code, tools=plan.tools, steps=plan.steps,
                     unknown=plan.unknown)
    yield turn.event(ev.CODE, code=program.code, round=0, reused=reused_names(program, offered))
    return scaffold, plan, program, candidates
