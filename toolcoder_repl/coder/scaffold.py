"""Stage 1, task-to-code: the question becomes a function scaffold (signature, docstring, call)."""

from __future__ import annotations

from . import events as ev
from .parsing import Scaffold, parse_scaffold
from .prompts import render
from .turn import Stage, Turn, code_grammar, system_message

EXPECTED = "the function scaffold: `def name(params) -> type:`, its docstring, `pass`, then the call line"


def run(turn: Turn, context: str) -> Stage:
    yield turn.start("scaffold")
    messages = [system_message(),
                {"role": "user", "content": render("scaffold", context=context, query=turn.query)}]
    scaffold: Scaffold
    scaffold, _ = yield from turn.ask_parsed("scaffold", messages, parse_scaffold, EXPECTED,
                                             grammar=code_grammar(turn.model))
    yield turn.done("scaffold", scaffold.code)
    yield turn.event(ev.SCAFFOLD, code=scaffold.code, name=scaffold.name, call=scaffold.call,
                     signature=scaffold.signature, docstring=scaffold.docstring)
    return scaffold
