"""The event vocabulary of a turn. The pipeline emits these; every front end only consumes them.

An event is a type, the turn it belongs to, and a flat JSON-able payload. `to_json()` is the
shape `toolcoder ask --json` prints and the store keeps: {"type", "turn", ...payload}.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

# Types, with the payload keys each carries (all JSON-able).
TURN_STARTED = "turn_started"  # query, session
STAGE_STARTED = "stage_started"  # stage
TOKEN = "token"  # stage, text (a streamed chunk of model output)
STAGE_DONE = "stage_done"  # stage, text
SCAFFOLD = "scaffold"  # code, name, call
PLAN = "plan"  # text, tools (list of "toolset.name" named by the plan)
REPLAN = "replan"  # round, unknown (names), nearest ({unknown: [real names]})
CODE = "code"  # code, round (0 = first implementation, n = after n repairs), reused (names)
EXEC_STARTED = "exec_started"  # round, isolation
TOOL_CALL = "tool_call"  # tool, arguments, status, ok, latency_ms, bytes, error
TRACEBACK = "traceback"  # round, text, line, error_type, message, kind ("replan" | "review")
FUNCTION_SAVED = "function_saved"  # name, new (bool), uses
FUNCTION_REUSED = "function_reused"  # name
ANSWER = "answer"  # text, value
FAILED = "failed"  # stage, reason (one line the user can act on)
USAGE = "usage"  # stage, model, prompt_tokens, completion_tokens, seconds
TURN_DONE = "turn_done"  # status: done | failed | cancelled
WARNING = "warning"  # text

STAGES = ("scaffold", "plan", "implement", "execute", "reflect", "answer")


@dataclass
class Event:
    type: str
    turn: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    ts: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "turn": self.turn, **self.data}

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)
