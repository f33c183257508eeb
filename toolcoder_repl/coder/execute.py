"""Stage 5, execution in the sandbox. Tool calls cross to the host through the executor.

The sandbox call blocks, so it runs in a worker thread while this generator relays each tool
call as a TOOL_CALL event the moment it happens (the UI shows them live). A cancelled turn
makes every further tool call fail at once, so the code stops at its next call.
"""

from __future__ import annotations

import json
import queue
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from . import events as ev
from .parsing import Program, tool_references
from .toolview import ToolView
from .turn import Stage, StageFailed, Turn, one_line

ALL_TOOLS_UP_TO = 200  # catalogues this small are exposed whole (code may reach any tool)
_UNREACHABLE = re.compile(r"^(request failed|timed out)", re.IGNORECASE)


@dataclass
class Outcome:
    result: Any  # sandbox.runner.ExecResult
    calls: list[dict] = field(default_factory=list)  # {"tool","arguments","ok","status","data","error"}


def _error_text(error: dict | None) -> str:
    if not error:
        return ""
    reason = str(error.get("reason") or "")
    excerpt = str(error.get("body_excerpt") or "")
    return one_line(f"{reason}: {excerpt}" if excerpt else reason, 300)


def tools_for(program: Program, preload_tools: list[str], view: ToolView) -> list[str]:
    if len(view.tools) <= ALL_TOOLS_UP_TO:
        return list(view.by_name)
    known, _ = tool_references(program.code, view.toolsets)
    return list(dict.fromkeys([*known, *preload_tools]))


def unreachable(outcome: Outcome) -> str:
    """The reason when a tool's server could not be reached at all (repairing code can't help)."""
    if outcome.result.ok or outcome.result.error_type != "ToolError":
        return ""
    for call in reversed(outcome.calls):
        error = call.get("error") or {}
        if not call["ok"] and call.get("status") is None and _UNREACHABLE.match(str(error.get("reason", ""))):
            return f"tool server unreachable: {call['tool']}: {one_line(error.get('reason', ''), 200)}"
    return ""


def run(turn: Turn, program: Program, round_: int, *, view: ToolView, sandbox: Any,
        executor: Any, preload: str, preload_tools: list[str]) -> Stage:
    yield turn.start("execute")
    isolation = getattr(getattr(sandbox, "isolation", None), "name", "")
    yield turn.event(ev.EXEC_STARTED, round=round_, isolation=isolation)
    updates: queue.Queue = queue.Queue()
    calls: list[dict] = []

    def handler(qualname: str, args: dict) -> dict:
        if turn.cancel is not None and turn.cancel.is_set():
            return {"ok": False, "status": None, "data": None,
                    "error": {"tool": qualname, "status": None, "reason": "turn cancelled",
                              "body_excerpt": ""}}
        result = executor.call(qualname, args, session_id=turn.session_id, turn_id=turn.turn_id)
        reply = result.to_json()
        updates.put(("call", qualname, args, reply))
        return reply

    def work() -> None:
        try:
            result = sandbox.run(program.code, tools=view.descriptors(tools_for(program, preload_tools, view)),
                                 tool_handler=handler, preload=preload, entry=program.entry)
            updates.put(("done", result))
        except Exception as exc:  # noqa: BLE001 - reported as a failed turn below
            updates.put(("error", exc))

    worker = threading.Thread(target=work, name=f"sandbox-turn-{turn.turn_id}", daemon=True)
    worker.start()
    result = None
    while result is None:
        try:
            item = updates.get(timeout=0.2)
        except queue.Empty:
            continue
        if item[0] == "call":
            _, qualname, args, reply = item
            calls.append({"tool": qualname, "arguments": args, "ok": bool(reply.get("ok")),
                          "status": reply.get("status"), "data": reply.get("data"),
                          "error": reply.get("error")})
            yield turn.event(ev.TOOL_CALL, tool=qualname, arguments=args, status=reply.get("status"),
                             ok=bool(reply.get("ok")), latency_ms=reply.get("elapsed_ms"),
                             bytes=reply.get("bytes"), error=_error_text(reply.get("error")))
        elif item[0] == "error":
            exc = item[1]
            raise StageFailed("execute", f"the sandbox failed: {type(exc).__name__}: {one_line(exc)}")
        else:
            result = item[1]
    worker.join()
    turn.check_cancel()
    outcome = Outcome(result=result, calls=calls)
    if result.ok:
        text = result.value_repr
    else:
        text = result.traceback or f"{result.error_type}: {result.error_message}"
    yield turn.done("execute", text)
    return outcome


def value_of(result: Any) -> Any:
    """The run's value if it is JSON-able, else its repr."""
    try:
        json.dumps(result.value)
    except (TypeError, ValueError):
        return result.value_repr
    if result.value is None and result.value_repr not in ("", "None"):
        return result.value_repr
    return result.value
