"""Stage 4, implementation: the full code from the plan, the tool stubs and fitting saved
functions (offered as stubs; the sandbox preloads their source so the code can call them)."""

from __future__ import annotations

from typing import Any

from . import events as ev
from .parsing import Plan, Program, Scaffold, called_names, parse_program
from .prompts import render
from .toolview import ToolView
from .turn import Stage, Turn, code_grammar, system_message

EXPECTED = "the complete code: helper functions, the function, then the call line `result = ...`"


def library_block(offered: list[Any]) -> str:
    if not offered:
        return ""
    return render("library", functions="\n\n".join(f.stub() for f in offered))


def reused_names(program: Program, offered: list[Any]) -> list[str]:
    """Saved functions the code calls without redefining them."""
    called = called_names(program.code)
    return [f.name for f in offered if f.name in called and f.name not in program.functions]


def program_parser(scaffold: Scaffold, offered: list[Any]):
    known = frozenset(f.name for f in offered)
    return lambda text: parse_program(text, scaffold.name, scaffold.call, known)


def run(turn: Turn, scaffold: Scaffold, plan: Plan, candidates: list[Any], offered: list[Any],
        view: ToolView) -> Stage:
    yield turn.start("implement")
    tools = view.pick(plan.tools) or candidates
    for fn in offered:  # the tools saved functions call, so their stubs make sense
        tools += [t for t in view.pick(fn.tools) if t not in tools]
    call = scaffold.call or f"{scaffold.name}(...)"
    messages = [system_message(), {"role": "user", "content": render(
        "implement", scaffold=scaffold.code, plan=plan.code, tools=view.stubs(tools), library=library_block(offered),
        call=call)}]
    program: Program
    program, _ = yield from turn.ask_parsed("implement", messages,
                                            program_parser(scaffold, offered), EXPECTED,
                                            grammar=code_grammar(turn.model))
    yield turn.done("implement", program.code)
    yield turn.event(ev.CODE, code=program.code, round=0, reused=reused_names(program, offered))
    return program
