"""Stage 2, subtask planning and tool selection: `# Step N:` comments naming tools + pseudocode.

Tool retrieval happens here: every tool while the catalogue is small (settings.tools_in_prompt),
otherwise the top-k for the question and scaffold plus a compact map of the other names.
"""

from __future__ import annotations

from typing import Any

from ..llm.base import Message
from . import events as ev
from .parsing import Plan, Scaffold, parse_plan
from .prompts import render
from .toolview import ToolView
from .turn import Stage, Turn, code_grammar, system_message

EXPECTED = "the function with `# Step N: ...` comments naming the tools, and pseudocode under each"


def retrieval_query(query: str, scaffold: Scaffold) -> str:
    return " ".join([query, scaffold.name.replace("_", " "), scaffold.docstring])


def run(turn: Turn, scaffold: Scaffold, view: ToolView, tools_in_prompt: int
        ) -> Stage:
    """Returns (plan, candidate tools, the plan conversation for re-planning)."""
    yield turn.start("plan")
    candidates, tool_map = view.candidates(retrieval_query(turn.query, scaffold), tools_in_prompt)
    messages: list[Message] = [
        system_message(),
        {"role": "user", "content": render("plan", scaffold=scaffold.code,
                                           tools=view.stubs(candidates), tool_map=tool_map)},
    ]
    plan: Plan
    plan, text = yield from turn.ask_parsed("plan", messages,
                                            lambda t: parse_plan(t, view.toolsets), EXPECTED,
                                            grammar=code_grammar(turn.model))
    messages.append({"role": "assistant", "content": text})
    yield turn.done("plan", plan.code)
    yield plan_event(turn, plan)
    return plan, candidates, messages


def plan_event(turn: Turn, plan: Plan, **extra: Any):
    return turn.event(ev.PLAN, text=plan.code, tools=plan.tools, steps=plan.steps,
                      unknown=plan.unknown, **extra)
