"""Stage 3, planning reconstruction: every tool the plan names must exist.

Unknown names go back to the model with the nearest real tools (lexical ranking from the
toolset) and the plan is redone, at most settings.max_replan_rounds times. A plan that still
names unknown tools is carried on with a warning: the sandbox will raise on the bad name and
reflection gets another chance with the traceback.
"""

from __future__ import annotations

from ..llm.base import Message
from . import events as ev
from .parsing import Plan, parse_plan
from .plan import EXPECTED, plan_event
from .prompts import render
from .toolview import ToolView
from .turn import Stage, Turn, code_grammar


def nearest_map(view: ToolView, unknown: list[str], k: int = 3) -> dict[str, list[str]]:
    return {name: [t.qualname for t in view.nearest(name, k)] for name in unknown}


def nearest_stubs(view: ToolView, nearest: dict[str, list[str]]) -> str:
    seen: list[str] = []
    for names in nearest.values():
        seen += [n for n in names if n not in seen]
    return view.stubs(view.pick(seen))


def unknown_lines(nearest: dict[str, list[str]]) -> str:
    return "\n".join(f"- `{name}` does not exist" + (f"; nearest real tools: {', '.join(near)}"
                                                      if near else "")
                     for name, near in nearest.items())


def run(turn: Turn, plan: Plan, messages: list[Message], view: ToolView, max_rounds: int) -> Stage:
    rounds = 0
    while plan.unknown and rounds < max_rounds:
        rounds += 1
        nearest = nearest_map(view, plan.unknown)
        yield turn.event(ev.REPLAN, round=rounds, unknown=plan.unknown, nearest=nearest)
        yield turn.start("plan")
        messages = [*messages, {"role": "user", "content": render(
            "replan", unknown=unknown_lines(nearest), nearest=nearest_stubs(view, nearest),
            plan=plan.code)}]
        plan, text = yield from turn.ask_parsed("plan", messages,
                                                lambda t: parse_plan(t, view.toolsets), EXPECTED,
                                                grammar=code_grammar(turn.model))
        messages.append({"role": "assistant", "content": text})
        yield turn.done("plan", plan.code)
        yield plan_event(turn, plan, round=rounds)
    if plan.unknown:
        yield turn.event(ev.WARNING, text=f"the plan still names unknown tools after {rounds} "
                         f"re-plan round(s): {', '.join(plan.unknown)}; continuing")
    return plan
