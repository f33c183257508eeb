"""The Model protocol: one streaming method, usage reported after each call.

Backends (openai, llama_cpp, scripted) sit beside each other and are chosen by a model SPEC
string (`spec.py`). Like httpx's transports, the scripted backend is the test implementation of
the same interface, not a mock of a backend's internals.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

Message = dict[str, str]  # {"role": "system"|"user"|"assistant", "content": "..."}


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0


@dataclass
class GenerateOptions:
    """What a caller may ask of one generation; backends ignore what they cannot honour
    except a grammar/json_schema, which only llama_cpp enforces (others get a prompt hint)."""

    max_tokens: int | None = None
    stop: list[str] = field(default_factory=list)
    temperature: float = 0.2
    grammar: str | None = None  # GBNF text
    json_schema: dict[str, Any] | None = None


@runtime_checkable
class Model(Protocol):
    name: str  # the spec it was made from, for display and usage records

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        stop: list[str] | None = None,
        temperature: float = 0.2,
        grammar: str | None = None,
        json_schema: dict[str, Any] | None = None,
    ) -> Iterator[str]:
        """Yield text chunks. After the iterator is exhausted, `last_usage` holds the usage."""
        ...

    @property
    def last_usage(self) -> Usage: ...

    @property
    def supports_grammar(self) -> bool: ...


def complete(model: Model, messages: list[Message], **kwargs: Any) -> str:
    """Run a stream to the end and return the whole text."""
    return "".join(model.stream(messages, **kwargs))
