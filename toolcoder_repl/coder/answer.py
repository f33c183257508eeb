"""Stage 7, the answer: the function's value and a short natural-language answer, streamed.

The turn has already succeeded when this runs, so a model problem here does not fail it: the
answer falls back to the value itself, with a warning.
"""

from __future__ import annotations

import json
from typing import Any

from . import events as ev
from .parsing import strip_reasoning
from .prompts import render
from .turn import Stage, StageFailed, Turn

VALUE_CHARS = 3000
STDOUT_CHARS = 800


def value_text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= VALUE_CHARS else text[:VALUE_CHARS] + "…"


def run(turn: Turn, function: str, value: Any, stdout: str = "") -> Stage:
    yield turn.start("answer")
    out = stdout.strip()
    out_block = f"It printed:\n```\n{out[-STDOUT_CHARS:]}\n```\n" if out else ""
    messages = [{"role": "user", "content": render("answer", query=turn.query, function=function,
                                                   value=value_text(value), stdout=out_block)}]
    try:
        text = yield from turn.ask("answer", messages)
        text = strip_reasoning(text).strip()
    except StageFailed as exc:
        yield turn.event(ev.WARNING, text=f"{exc.reason}; the answer is the raw value")
        text = ""
    if not text:
        text = value_text(value)
    yield turn.done("answer", text)
    yield turn.event(ev.ANSWER, text=text, value=value)
    return text
