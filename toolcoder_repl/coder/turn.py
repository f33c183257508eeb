"""One turn in flight: event emission (stored as it happens), model calls, cancellation.

Stages are generators that yield Events and `return` their result, composed with `yield from`;
a stage that cannot go on raises StageFailed (one line for the user), a cancelled turn raises
Cancelled. Both are caught by the pipeline, which always ends the turn with `turn_done`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from ..config import redact
from ..errors import ToolcoderError
from ..llm.base import Message
from . import events as ev
from .events import Event
from .parsing import ParseError
from .prompts import render, template

Stage = Generator[Event, None, Any]


class StageFailed(Exception):
    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(reason)
        self.stage = stage
        self.reason = reason


class Cancelled(Exception):
    pass


def redact_obj(value: Any, secrets: list[str]) -> Any:
    """Secrets replaced by *** in every string of a JSON-able structure."""
    if not secrets:
        return value
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {k: redact_obj(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_obj(v, secrets) for v in value]
    return value


def one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Turn:
    store: Any
    model: Any
    session_id: int
    turn_id: int
    query: str
    secrets: list[str] = field(default_factory=list)
    cancel: threading.Event | None = None
    seq: int = 0
    stage_seconds: dict[str, float] = field(default_factory=dict)  # wall time per stage
    model_seconds: dict[str, float] = field(default_factory=dict)  # time inside the model
    _stage_started: dict[str, float] = field(default_factory=dict)

    # -- events -------------------------------------------------------------------------------
    def event(self, type_: str, **data: Any) -> Event:
        """Build an event and store it (TOKEN events are not stored: stage_done has the text)."""
        data = redact_obj(data, self.secrets)
        event = Event(type_, self.turn_id, data)
        if type_ != ev.TOKEN:
            self.seq += 1
            self.store.add_event(self.session_id, self.turn_id, self.seq, type_, data)
        return event

    def start(self, stage: str) -> Event:
        self.check_cancel()
        self._stage_started[stage] = time.perf_counter()
        return self.event(ev.STAGE_STARTED, stage=stage)

    def done(self, stage: str, text: str) -> Event:
        elapsed = time.perf_counter() - self._stage_started.pop(stage, time.perf_counter())
        self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + elapsed
        return self.event(ev.STAGE_DONE, stage=stage, text=text, ms=round(elapsed * 1000, 2))

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled()

    # -- model calls --------------------------------------------------------------------------
    def ask(self, stage: str, messages: list[Message], *, grammar: str | None = None,
            max_tokens: int | None = None) -> Stage:
        """Stream one model reply as TOKEN events; returns the full text."""
        self.check_cancel()
        messages = [{**m, "content": redact(m["content"], self.secrets)} for m in messages]
        chunks: list[str] = []
        hold = _Holdback(self.secrets)
        in_model = 0.0
        try:
            stream = iter(self.model.stream(messages, grammar=grammar, max_tokens=max_tokens))
            while True:
                t0 = time.perf_counter()
                try:
                    chunk = next(stream)
                except StopIteration:
                    in_model += time.perf_counter() - t0
                    break
                in_model += time.perf_counter() - t0
                self.check_cancel()
                chunks.append(chunk)
                shown = hold.feed(chunk)
                if shown:
                    yield self.event(ev.TOKEN, stage=stage, text=shown)
            rest = hold.flush()
            if rest:
                yield self.event(ev.TOKEN, stage=stage, text=rest)
        except (Cancelled, GeneratorExit):
            raise
        except ToolcoderError as exc:
            raise StageFailed(stage, f"the model failed during {stage}: {one_line(exc)}") from exc
        except Exception as exc:  # noqa: BLE001 - backend bugs/network errors end the turn cleanly
            raise StageFailed(stage, f"the model failed during {stage}: "
                                     f"{type(exc).__name__}: {one_line(exc)}") from exc
        self.model_seconds[stage] = self.model_seconds.get(stage, 0.0) + in_model
        usage = self.model.last_usage
        self.store.add_usage(self.session_id, self.turn_id, stage, self.model.name,
                             usage.prompt_tokens, usage.completion_tokens, usage.seconds)
        yield self.event(ev.USAGE, stage=stage, model=self.model.name,
                         prompt_tokens=usage.prompt_tokens,
                         completion_tokens=usage.completion_tokens,
                         seconds=round(usage.seconds, 4))
        # Whatever the model wrote is redacted before anything (parser, sandbox, library) sees it.
        return redact("".join(chunks), self.secrets)

    def ask_parsed(self, stage: str, messages: list[Message], parse: Callable[[str], Any],
                   expected: str, *, grammar: str | None = None) -> Stage:
        """A model call whose reply must parse; one retry that quotes the reason, then fail."""
        text = yield from self.ask(stage, messages, grammar=grammar)
        try:
            return parse(text), text
        except ParseError as exc:
            yield self.event(ev.WARNING, text=f"{stage}: could not use the reply ({exc}); asking again")
            retry = [*messages, {"role": "assistant", "content": text or "(empty reply)"},
                     {"role": "user", "content": render("retry", reason=str(exc), expected=expected)}]
        text = yield from self.ask(stage, retry, grammar=grammar)
        try:
            return parse(text), text
        except ParseError as exc:
            raise StageFailed(stage, f"the model's {stage} reply could not be used after a retry: "
                                     f"{exc}") from exc


class _Holdback:
    """Streams text with secrets redacted even when a secret is split across chunks: the
    last len(longest secret) - 1 characters wait for the next chunk."""

    def __init__(self, secrets: list[str]) -> None:
        self.secrets = secrets
        self.keep = max((len(s) for s in secrets), default=1) - 1
        self.pending = ""

    def feed(self, chunk: str) -> str:
        if not self.secrets:
            return chunk
        self.pending = redact(self.pending + chunk, self.secrets)
        if len(self.pending) <= self.keep:
            return ""
        cut = len(self.pending) - self.keep
        out, self.pending = self.pending[:cut], self.pending[cut:]
        return out

    def flush(self) -> str:
        out, self.pending = redact(self.pending, self.secrets), ""
        return out


def system_message() -> Message:
    return {"role": "system", "content": template("system").strip()}


def code_grammar(model: Any) -> str | None:
    """The GBNF for one fenced block defining a function, when the backend enforces grammars."""
    if not getattr(model, "supports_grammar", False):
        return None
    from ..llm.grammars import PYTHON_FUNCTION_BLOCK

    return PYTHON_FUNCTION_BLOCK
