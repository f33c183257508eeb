"""Plain-text rendering of turn events, for the plain REPL (and any line-oriented output).

Stages are printed as they complete (scaffold, plan, code with line numbers that match the
tracebacks, tool calls, repairs, functions); the answer streams token by token. The TUI reuses
the small formatting helpers so both front ends describe a tool call the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..coder import events as ev

Write = Callable[[str], None]

STAGE_LABELS = {
    "scaffold": "scaffold",
    "plan": "plan",
    "implement": "code",
    "execute": "run",
    "reflect": "repair",
    "answer": "answer",
}


def format_args(args: Any, limit: int = 120) -> str:
    """Call arguments as `key=value, ...` (JSON values), shortened to `limit` characters."""
    if isinstance(args, dict):
        text = ", ".join(f"{k}={json.dumps(v, default=repr)}" for k, v in args.items())
    else:
        text = json.dumps(args, default=repr)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_tool_call(data: dict[str, Any]) -> str:
    """One line: `ok  200  bank.GetUserToken(username="x")  12 ms`."""
    status = data.get("status")
    mark = "ok " if data.get("ok") else "ERR"
    latency = data.get("latency_ms")
    took = f"{latency:.0f} ms" if isinstance(latency, (int, float)) else ""
    line = f"{mark} {status if status is not None else '---':>3}  {data.get('tool', '?')}" \
           f"({format_args(data.get('arguments', {}))})  {took}".rstrip()
    error = data.get("error")
    if error and not data.get("ok"):
        reason = error.get("reason") if isinstance(error, dict) else str(error)
        if reason:
            line += f"\n      {reason}"
    return line


def number_lines(code: str) -> str:
    """Code with 1-based line numbers: the numbers tracebacks refer to."""
    lines = code.splitlines() or [""]
    width = len(str(len(lines)))
    return "\n".join(f"{i:>{width}} | {line}" for i, line in enumerate(lines, 1))


def value_text(value: Any, limit: int = 400) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=repr, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class PlainRenderer:
    """Turns events into text written through `write` (stdout in the REPL)."""

    def __init__(self, write: Write, *, progress: bool = True) -> None:
        self.write = write
        self.progress = progress  # "… planning" lines; off for pipes to keep the output clean
        self._answer_streamed = False
        self._in_answer = False

    def _section(self, title: str, body: str = "") -> None:
        self._end_answer_line()
        self.write(f"── {title} " + "─" * max(3, 60 - len(title)) + "\n")
        if body:
            self.write(body.rstrip("\n") + "\n")

    def _end_answer_line(self) -> None:
        if self._in_answer:
            self.write("\n")
            self._in_answer = False

    def handle(self, event: ev.Event) -> None:
        t, d = event.type, event.data
        if t == ev.TURN_STARTED:
            self._answer_streamed = False
        elif t == ev.STAGE_STARTED:
            if self.progress and d.get("stage") != "answer":
                self._end_answer_line()
                self.write(f"… {STAGE_LABELS.get(d.get('stage', ''), d.get('stage', ''))}\n")
        elif t == ev.TOKEN:
            if d.get("stage") == "answer":
                if not self._answer_streamed:
                    self._section("answer")
                self._answer_streamed = self._in_answer = True
                self.write(d.get("text", ""))
        elif t == ev.SCAFFOLD:
            self._section("scaffold", d.get("code", ""))
        elif t == ev.PLAN:
            tools = d.get("tools") or []
            body = d.get("text", "")
            if tools:
                body = body.rstrip("\n") + "\ntools: " + ", ".join(tools)
            self._section("plan", body)
        elif t == ev.REPLAN:
            nearest = d.get("nearest") or {}
            lines = [f"unknown tool {name}; nearest: {', '.join(nearest.get(name, [])) or '-'}"
                     for name in d.get("unknown", [])]
            self._section(f"re-plan {d.get('round', '')}".strip(), "\n".join(lines))
        elif t == ev.CODE:
            rnd = d.get("round", 0)
            title = "code" if not rnd else f"code (repair {rnd})"
            reused = d.get("reused") or []
            body = number_lines(d.get("code", ""))
            if reused:
                body += "\nreuses: " + ", ".join(reused)
            self._section(title, body)
        elif t == ev.EXEC_STARTED:
            if self.progress:
                self.write(f"… running in the sandbox ({d.get('isolation', '?')})\n")
        elif t == ev.TOOL_CALL:
            self._end_answer_line()
            self.write("  tool " + format_tool_call(d) + "\n")
        elif t == ev.TRACEBACK:
            self._section(f"error (round {d.get('round', 0)})", d.get("text", ""))
        elif t == ev.FUNCTION_SAVED:
            state = "saved" if d.get("new", True) else "updated"
            self._end_answer_line()
            self.write(f"  function {state}: {d.get('name')}\n")
        elif t == ev.FUNCTION_REUSED:
            self._end_answer_line()
            self.write(f"  function reused: {d.get('name')}\n")
        elif t == ev.ANSWER:
            if not self._answer_streamed:
                self._section("answer", d.get("text", "") or value_text(d.get("value")))
            self._end_answer_line()
        elif t == ev.FAILED:
            self._section("failed", f"{d.get('stage', '')}: {d.get('reason', '')}")
        elif t == ev.WARNING:
            self._end_answer_line()
            self.write(f"warning: {d.get('text', '')}\n")
        elif t == ev.TURN_DONE:
            self._end_answer_line()
            status = d.get("status", "done")
            if status != "done":
                self.write(f"[turn {status}]\n")


def stored_events(store: Any, turn_id: int) -> list[ev.Event]:
    """A past turn's events as Event objects (tokens dropped: the final events carry the text)."""
    out = []
    for row in store.events(turn_id):
        if row["type"] == ev.TOKEN:
            continue
        payload = dict(row["payload"])
        payload.pop("type", None)
        payload.pop("turn", None)
        out.append(ev.Event(row["type"], turn_id, payload))
    return out
