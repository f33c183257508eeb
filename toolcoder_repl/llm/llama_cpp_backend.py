"""llama.cpp in-process through llama-cpp-python: `gguf:PATH` and `hf:REPO[:FILE]`.

The weights are loaded once per process and reused (a module-level cache keyed by file and
settings), so re-creating the model for a new session costs nothing. Output can be constrained
by a GBNF grammar or a JSON schema; both are checked before sampling because llama.cpp crashes
the process on a grammar it cannot parse.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..config import LlamaSettings
from ..errors import ModelError
from .base import Message, Usage

_CACHE: dict[tuple, Any] = {}  # (path, mtime, size, settings...) -> llama_cpp.Llama
_CACHE_LOCK = threading.Lock()
GGUF_MAGIC = b"GGUF"


def _check_gguf(path: Path) -> None:
    if not path.is_file():
        raise ModelError(f"GGUF file not found: {path}; check the path or download one with "
                         "`toolcoder models pull REPO`")
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic != GGUF_MAGIC:
        raise ModelError(f"cannot load {path}: not a valid GGUF file (bad header); "
                         "re-download it or pick another file")


def _load(path: Path, settings: LlamaSettings) -> Any:
    """Load (or reuse) the llama_cpp.Llama for this file and settings."""
    _check_gguf(path)
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size, settings.n_ctx, settings.n_threads,
           settings.chat_format)
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
        try:
            from llama_cpp import Llama
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise ModelError("llama-cpp-python is not installed; pip install llama-cpp-python"
                             ) from exc
        if settings.chat_format:
            from llama_cpp.llama_chat_format import LlamaChatCompletionHandlerRegistry

            known = LlamaChatCompletionHandlerRegistry()._chat_handlers
            if settings.chat_format not in known:
                raise ModelError(f"unknown chat_format '{settings.chat_format}' in [llama]; "
                                 f"use one of: {', '.join(sorted(known)[:12])}, ...")
        kwargs: dict[str, Any] = {"model_path": str(path), "n_ctx": settings.n_ctx,
                                  "verbose": False}  # verbose=False also silences llama.cpp's log
        if settings.n_threads:
            kwargs["n_threads"] = settings.n_threads
        if settings.chat_format:
            kwargs["chat_format"] = settings.chat_format
        try:
            llm = Llama(**kwargs)
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(f"cannot load {path}: not a valid GGUF model for this llama.cpp "
                             f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); "
                             "re-download it or pick another file") from exc
        _CACHE[key] = llm
        return llm


class LlamaCppModel:
    supports_grammar = True

    def __init__(self, llm: Any, name: str, path: Path) -> None:
        self.llm = llm
        self.name = name
        self.path = path
        self._usage = Usage()
        self._grammars: dict[str, Any] = {}
        # one generation at a time per loaded model: the llama context is not re-entrant
        self._lock = _model_lock(llm)

    @classmethod
    def from_path(cls, path: str | Path, settings: LlamaSettings | None = None) -> LlamaCppModel:
        path = Path(path).expanduser().resolve()
        llm = _load(path, settings or LlamaSettings())
        return cls(llm, f"gguf:{path}", path)

    @classmethod
    def from_hub(cls, repo_spec: str, models_dir: Path,
                 settings: LlamaSettings | None = None) -> LlamaCppModel:
        from .hub import download_gguf, parse_repo_spec

        repo, filename = parse_repo_spec(repo_spec)
        path = download_gguf(repo, filename, Path(models_dir))
        model = cls.from_path(path, settings)
        model.name = f"hf:{repo}:{path.name}"
        return model

    @property
    def last_usage(self) -> Usage:
        return self._usage

    def _grammar(self, text: str) -> Any:
        """A LlamaGrammar for GBNF `text`, validated once (a bad grammar segfaults llama.cpp)."""
        if text not in self._grammars:
            from llama_cpp import LlamaGrammar
            from llama_cpp import llama_cpp as C
            from llama_cpp._utils import suppress_stdout_stderr

            vocab = getattr(getattr(self.llm, "_model", None), "vocab", None)
            with suppress_stdout_stderr(disable=False):
                sampler = C.llama_sampler_init_grammar(vocab, text.encode("utf-8"), b"root") \
                    if vocab is not None else True  # internals moved: skip the pre-check
            if not sampler:
                first = text.strip().splitlines()[0][:60] if text.strip() else "(empty)"
                raise ModelError(f"invalid GBNF grammar (starting '{first}'); fix the grammar text")
            if sampler is not True:
                C.llama_sampler_free(sampler)
            self._grammars[text] = LlamaGrammar.from_string(text, verbose=False)
        return self._grammars[text]

    def _schema_grammar(self, schema: dict[str, Any]) -> Any:
        from .grammars import json_schema_grammar

        try:
            text = json_schema_grammar(schema)
        except Exception as exc:  # the converter raises plain exceptions on unsupported schemas
            raise ModelError(f"cannot turn the JSON schema into a grammar: {exc}") from exc
        return self._grammar(text)

    def stream(self, messages: list[Message], *, max_tokens: int | None = None,
               stop: list[str] | None = None, temperature: float = 0.2,
               grammar: str | None = None, json_schema: dict[str, Any] | None = None,
               ) -> Iterator[str]:
        kwargs: dict[str, Any] = {"messages": messages, "stream": True, "temperature": temperature,
                                  "max_tokens": max_tokens, "stop": list(stop or [])}
        if grammar:
            kwargs["grammar"] = self._grammar(grammar)
        elif json_schema is not None:
            kwargs["grammar"] = self._schema_grammar(json_schema)
        started = time.perf_counter()
        self._usage = Usage()
        with self._lock:
            llm = self.llm
            prompt_tokens: int | None = None
            finish = None
            try:
                for chunk in llm.create_chat_completion(**kwargs):
                    if prompt_tokens is None:
                        # first chunk: the prompt is evaluated and one token sampled, not yet fed
                        prompt_tokens = llm.n_tokens
                    choice = chunk["choices"][0]
                    finish = choice.get("finish_reason") or finish
                    text = choice.get("delta", {}).get("content")
                    if text:
                        yield text
            except ValueError as exc:  # e.g. "Requested tokens (9000) exceed context window"
                raise ModelError(f"{self.name}: {exc}; shorten the conversation or raise "
                                 "n_ctx in [llama]") from exc
            total = llm.n_tokens + (1 if finish == "length" else 0)
        prompt = prompt_tokens or 0
        self._usage = Usage(prompt, max(0, total - prompt), time.perf_counter() - started)


_MODEL_LOCKS: dict[int, threading.Lock] = {}


def _model_lock(llm: Any) -> threading.Lock:
    with _CACHE_LOCK:
        return _MODEL_LOCKS.setdefault(id(llm), threading.Lock())
