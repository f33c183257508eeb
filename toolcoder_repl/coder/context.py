"""A compact summary of the session's earlier turns, so follow-ups ("and his latest movie?")
can be resolved: each earlier question with its function and (short) answer."""

from __future__ import annotations

import json
from typing import Any

MAX_TURNS = 6
ANSWER_CHARS = 200
VALUE_CHARS = 160


def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary(store: Any, session_id: int, before_turn: int | None = None) -> str:
    """Text block for prompts ("" on the first turn)."""
    rows = [r for r in store.turns(session_id)
            if (before_turn is None or r["id"] < before_turn) and r["status"] in ("done", "failed")]
    if not rows:
        return ""
    lines = []
    for row in rows[-MAX_TURNS:]:
        line = f"- Q: {_short(row['query'], 200)}"
        if row["status"] != "done":
            lines.append(line + " (failed)")
            continue
        if row.get("function_name"):
            line += f"\n  function: {row['function_name']}"
        value = row.get("value_json")
        if value and value != "null":
            try:
                value = json.dumps(json.loads(value), ensure_ascii=False)
            except ValueError:
                pass
            line += f"\n  value: {_short(value, VALUE_CHARS)}"
        if row.get("answer"):
            line += f"\n  answer: {_short(row['answer'], ANSWER_CHARS)}"
        lines.append(line)
    return "Earlier in this conversation:\n" + "\n".join(lines) + "\n\n"
