"""Scripted model: replies from a JSON list, in order. For tests and demos.

With TOOLCODER_RECORD_PROMPTS=FILE every prompt received is appended there as one JSON line
({"messages": [...], "options": {...}}), so tests can assert what the model was shown.
A reply may be a string, or {"error": "message"} to simulate a model failure mid-stream
({"error": ..., "after": "partial text"} streams the partial text first).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ModelError
from .base import Message, Usage


class ScriptExhausted(ModelError):
    pass


class ScriptedModel:
    supports_grammar = False

    def __init__(self, replies: list[Any], name: str = "scripted", chunk: int = 16,
                 delay: float = 0.0) -> None:
        self.replies = list(replies)
        self.name = name
        self.index = 0
        self.chunk = max(1, chunk)
        self.delay = delay
        self._usage = Usage()

    @classmethod
    def from_file(cls, path: str | Path) -> ScriptedModel:
        path = Path(path)
        if not path.exists():
            raise ModelError(f"scripted model file {path} not found; pass a JSON list of replies")
        try:
            replies = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise ModelError(f"scripted model file {path} is not valid JSON ({exc.msg})") from exc
        if not isinstance(replies, list):
            raise ModelError(f"scripted model file {path} must hold a JSON list of replies")
        return cls(replies, name=f"scripted:{path.name}")

    @property
    def last_usage(self) -> Usage:
        return self._usage

    def stream(self, messages: list[Message], *, max_tokens: int | None = None,
               stop: list[str] | None = None, temperature: float = 0.2,
               grammar: str | None = None, json_schema: dict[str, Any] | None = None,
               ) -> Iterator[str]:
        record = os.environ.get("TOOLCODER_RECORD_PROMPTS")
        if record:
            with open(record, "a", encoding="utf-8") as fh:
                options = {"max_tokens": max_tokens, "stop": stop, "grammar": grammar is not None,
                           "json_schema": json_schema}
                fh.write(json.dumps({"messages": messages, "options": options}) + "\n")
        if self.index >= len(self.replies):
            raise ScriptExhausted(
                f"the scripted model has no reply left (used all {len(self.replies)}); "
                "add replies to the script"
            )
        reply = self.replies[self.index]
        self.index += 1
        started = time.perf_counter()
        prompt_tokens = sum(len(m.get("content", "")) for m in messages) // 4
        if isinstance(reply, dict) and "error" in reply:
            partial = str(reply.get("after", ""))
            if partial:
                yield partial
            raise ModelError(f"model error: {reply['error']}")
        text = str(reply)
        if stop:
            cut = min((text.find(s) for s in stop if s in text), default=-1)
            if cut >= 0:
                text = text[:cut]
        for i in range(0, len(text), self.chunk):
            if self.delay:
                time.sleep(self.delay)
            yield text[i : i + self.chunk]
        self._usage = Usage(prompt_tokens, len(text) // 4, time.perf_counter() - started)
