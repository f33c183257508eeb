"""Stage 6, error reflection: the traceback (line-exact) and the code go back to the model.

Two prompts, as in ToolCoder: a NameError/AttributeError on a tool that does not exist is a
planning problem ("reflect_replan": the unknown names and the nearest real tools); any other
error gets a code review ("review": traceback, the failing line, the tool calls made and what
they returned). Either way the model returns the complete corrected code.
"""

from __future__ import annotations

import json
import re
from typing import Any

from . import events as ev
from .check_plan import nearest_map, nearest_stubs, unknown_lines
from .execute import Outcome
from .implement import EXPECTED, program_parser, reused_names
from .parsing import Program, Scaffold, numbered, tool_references
from .prompts import render
from .toolview import ToolView
from .turn import Stage, Turn, code_grammar, system_message

_ATTR = re.compile(r"'(\w+)' object has no attribute '(\w+)'|module '(\w+)' has no attribute '(\w+)'")
_NAME = re.compile(r"name '(\w+)' is not defined")
DATA_CHARS = 400


def unknown_tools(outcome: Outcome, program: Program, view: ToolView) -> list[str]:
    """Tools the failed code named that do not exist ([] when the error is something else)."""
    result = outcome.result
    if result.error_type not in ("NameError", "AttributeError", "UnboundLocalError"):
        return []
    _, unknown = tool_references(program.code, view.toolsets)
    message = result.error_message or ""
    line = error_line_text(program, result.error_line)
    m = _NAME.search(message)
    if m:
        name = m.group(1)
        short = {t for names in view.toolsets.values() for t in names}
        dotted = re.search(rf"(?<![\w.]){re.escape(name)}\.(\w+)", line)
        if dotted and name not in view.toolsets:
            ref = f"{name}.{dotted.group(1)}"
            return [ref] + [u for u in unknown if u != ref]
        if name in short:
            return [name] + [u for u in unknown if u != name]
    m = _ATTR.search(message)
    if m:
        owner, attr = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        owner = owner if owner in view.toolsets else next(
            (ts for ts in view.toolsets if re.search(rf"(?<![\w.]){ts}\.{attr}\b", line)), None)
        if owner is not None:
            ref = f"{owner}.{attr}"
            return [ref] + [u for u in unknown if u != ref]
    return []


def error_line_text(program: Program, line: int | None) -> str:
    lines = program.code.splitlines()
    if line and 1 <= line <= len(lines):
        return lines[line - 1].strip()
    return ""


def traceback_text(result: Any) -> str:
    text = result.traceback or f"{result.error_type}: {result.error_message}"
    if result.killed:
        text += f"\n(the run was stopped: {result.killed})"
    return text.strip()


def _calls_summary(outcome: Outcome) -> str:
    if not outcome.calls:
        return ""
    lines = ["Tool calls made before the error (what they returned):"]
    for call in outcome.calls[-6:]:
        args = ", ".join(f"{k}={v!r}" for k, v in (call.get("arguments") or {}).items())
        if call["ok"]:
            data = json.dumps(call.get("data"), ensure_ascii=False, default=repr)
            if len(data) > DATA_CHARS:
                data = data[:DATA_CHARS] + "…"
            lines.append(f"- {call['tool']}({args}) -> {call.get('status')}: {data}")
        else:
            error = call.get("error") or {}
            lines.append(f"- {call['tool']}({args}) -> FAILED {error.get('status') or ''} "
                         f"{error.get('reason', '')} {error.get('body_excerpt', '')[:200]}".rstrip())
    return "\n" + "\n".join(lines) + "\n"


def traceback_event(turn: Turn, outcome: Outcome, program: Program, round_: int, kind: str):
    result = outcome.result
    return turn.event(ev.TRACEBACK, round=round_, text=traceback_text(result),
                      line=result.error_line, error_type=result.error_type,
                      message=result.error_message, kind=kind,
                      line_text=error_line_text(program, result.error_line))


def run(turn: Turn, program: Program, outcome: Outcome, round_: int, max_rounds: int, *,
        unknown: list[str], scaffold: Scaffold, offered: list[Any], view: ToolView,
        candidates: list[Any] = ()) -> Stage:
    """Returns the corrected Program (round_ = 1 for the first repair)."""
    yield turn.start("reflect")
    result = outcome.result
    known, _ = tool_references(program.code, view.toolsets)
    common = {"round": round_, "max_rounds": max_rounds, "traceback": traceback_text(result),
              "line": result.error_line if result.error_line is not None else "?",
              "line_text": error_line_text(program, result.error_line)}
    if unknown:
        nearest = nearest_map(view, unknown)
        yield turn.event(ev.REPLAN, round=round_, unknown=unknown, nearest=nearest, stage="reflect")
        prompt = render("reflect_replan", **common, unknown=unknown_lines(nearest),
                        nearest=nearest_stubs(view, nearest), code=program.code)
    else:
        tools = (view.pick(known) or view.pick([t for f in offered for t in f.tools])
                 or list(candidates))
        prompt = render("review", **common, numbered=numbered(program.code),
                        tool_calls=_calls_summary(outcome), tools=view.stubs(tools))
    messages = [system_message(), {"role": "user", "content": prompt}]
    fixed: Program
    fixed, _ = yield from turn.ask_parsed("reflect", messages, program_parser(scaffold, offered),
                                          EXPECTED, grammar=code_grammar(turn.model))
    yield turn.done("reflect", fixed.code)
    yield turn.event(ev.CODE, code=fixed.code, round=round_, reused=reused_names(fixed, offered))
    return fixed
