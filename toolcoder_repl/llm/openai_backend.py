"""OpenAI and any OpenAI-compatible server (vLLM, llama.cpp server, Ollama) through the openai SDK.

Streaming asks for usage in the last chunk (`stream_options.include_usage`); servers that reject
the option are asked again without it and usage is estimated. A non-streaming path exists too
(`stream=False`), because some servers and proxies only do that well. Every SDK error becomes a
one-line ModelError that says what to do.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from ..errors import ModelError
from .base import Message, Usage

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DUMMY_KEY = "sk-no-key-needed"  # local servers ignore the key, but the SDK wants one
MAX_STOP = 4  # OpenAI's limit on stop sequences; extra ones are applied on our side


def _one_line(text: Any, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _server_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return _one_line(err["message"])
        if isinstance(err, str):
            return _one_line(err)
    return _one_line(getattr(exc, "message", None) or exc)


class OpenAIModel:
    supports_grammar = False

    def __init__(self, model: str, api_key: str | None = None, base_url: str | None = None,
                 timeout: float = 60.0, max_retries: int = 2, stream: bool = True) -> None:
        from openai import OpenAI

        self.model = model
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.custom_url = bool(base_url) and "api.openai.com" not in self.base_url
        if not api_key:
            if not self.custom_url:
                raise ModelError("no OpenAI API key: run `toolcoder keys set OPENAI_API_KEY` or "
                                 "export OPENAI_API_KEY (or use --base-url for a local server)")
            api_key = DUMMY_KEY
        self.name = f"openai:{model}" + (f"@{self.base_url}" if self.custom_url else "")
        self.timeout = timeout
        self.max_retries = max_retries
        self.use_stream = stream
        self._include_usage = True  # switched off when a server rejects stream_options
        self._max_tokens_key = "max_tokens"  # newer OpenAI models want max_completion_tokens
        self._schema_as_json_object = False  # llama-cpp-python's server: no json_schema type
        self._usage = Usage()
        self.client = OpenAI(api_key=api_key, base_url=self.base_url, timeout=timeout,
                             max_retries=max_retries)

    @property
    def last_usage(self) -> Usage:
        return self._usage

    # -- errors -----------------------------------------------------------------------------
    def _error(self, exc: Exception) -> ModelError:
        import openai

        url = self.base_url
        if isinstance(exc, openai.APITimeoutError):
            return ModelError(f"no reply from {url} within {self.timeout:g}s; the server is "
                              "overloaded or the model too slow: retry, or raise the timeout")
        if isinstance(exc, openai.APIConnectionError):
            return ModelError(f"cannot reach {url}: start the server or fix --base-url")
        if isinstance(exc, openai.AuthenticationError):
            return ModelError(f"the API key was rejected by {url} (401); set a valid one with "
                              "`toolcoder keys set OPENAI_API_KEY`")
        if isinstance(exc, openai.PermissionDeniedError):
            return ModelError(f"{url} denied access (403): {_server_message(exc)}")
        if isinstance(exc, openai.RateLimitError):
            return ModelError(f"rate limited by {url} (429) after {self.max_retries} retries: "
                              f"{_server_message(exc)}; wait a moment or check your quota")
        if isinstance(exc, openai.NotFoundError):
            return ModelError(f"model '{self.model}' not found at {url} (404); check the name "
                              f"(GET {url}/models lists what the server has)")
        if isinstance(exc, openai.APIStatusError):
            return ModelError(f"{url} answered {exc.status_code}: {_server_message(exc)}")
        return ModelError(f"request to {url} failed: {_one_line(exc)}")

    def check(self) -> None:
        """Fail fast (one short request, no retries) if the server is unreachable or the key is
        refused. A server without GET /models is fine: only reachability and auth matter here."""
        import openai

        try:
            self.client.with_options(max_retries=0, timeout=min(self.timeout, 10.0)).models.list()
        except (openai.NotFoundError, openai.BadRequestError, openai.InternalServerError):
            return
        except openai.OpenAIError as exc:
            raise self._error(exc) from exc

    # -- generation -------------------------------------------------------------------------
    def _params(self, messages: list[Message], max_tokens: int | None, stop: list[str] | None,
                temperature: float, json_schema: dict[str, Any] | None) -> dict[str, Any]:
        params: dict[str, Any] = {"model": self.model, "messages": messages,
                                  "temperature": temperature}
        if max_tokens:
            params[self._max_tokens_key] = max_tokens
        if stop:
            params["stop"] = list(stop)[:MAX_STOP]
        if json_schema is not None and self._schema_as_json_object:
            params["response_format"] = {"type": "json_object", "schema": json_schema}
        elif json_schema is not None:
            params["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "output", "schema": json_schema},
            }
        return params

    def _create(self, params: dict[str, Any]) -> Any:
        """One request, adapting (at most twice) to servers that reject an optional parameter:
        stream_options, max_tokens (newer OpenAI models), response_format json_schema
        (llama-cpp-python's server wants {"type": "json_object", "schema": ...})."""
        import openai

        for _ in range(3):
            try:
                return self.client.chat.completions.create(**params)
            except (openai.BadRequestError, openai.UnprocessableEntityError,
                    openai.InternalServerError) as exc:
                adapted = self._adapt(params, _server_message(exc).lower())
                if adapted is None:
                    raise self._error(exc) from exc
                params = adapted
            except openai.OpenAIError as exc:
                raise self._error(exc) from exc
        raise ModelError(f"{self.base_url} kept rejecting the request; check the server's logs")

    def _adapt(self, params: dict[str, Any], message: str) -> dict[str, Any] | None:
        params = dict(params)
        if "stream_options" in params and "stream_options" in message:
            self._include_usage = False
            del params["stream_options"]
            return params
        if "max_tokens" in params and "max_completion_tokens" in message:
            self._max_tokens_key = "max_completion_tokens"
            params["max_completion_tokens"] = params.pop("max_tokens")
            return params
        fmt = params.get("response_format") or {}
        if fmt.get("type") == "json_schema" and ("json_schema" in message
                                                 or "response_format" in message):
            self._schema_as_json_object = True
            params["response_format"] = {"type": "json_object",
                                         "schema": fmt["json_schema"]["schema"]}
            return params
        return None

    def stream(self, messages: list[Message], *, max_tokens: int | None = None,
               stop: list[str] | None = None, temperature: float = 0.2,
               grammar: str | None = None, json_schema: dict[str, Any] | None = None,
               stream: bool | None = None) -> Iterator[str]:
        """Yield the reply's text. `grammar` is ignored (no OpenAI equivalent)."""
        params = self._params(messages, max_tokens, stop, temperature, json_schema)
        extra_stops = list(stop or [])[MAX_STOP:]
        started = time.perf_counter()
        self._usage = Usage()
        use_stream = self.use_stream if stream is None else stream
        if use_stream:
            chunks = self._stream_chunks(params, started)
        else:
            chunks = self._complete(params, started)
        if not extra_stops:
            yield from chunks
            return
        text = ""
        for chunk in chunks:  # stop sequences beyond the API's limit: cut on our side
            text += chunk
            cut = min((text.find(s) for s in extra_stops if s in text), default=-1)
            if cut >= 0:
                yield text[:cut]
                return
            keep = max(len(s) for s in extra_stops) - 1
            if len(text) > keep:
                yield text[: len(text) - keep]
                text = text[len(text) - keep:]
        if text:
            yield text

    def _complete(self, params: dict[str, Any], started: float) -> Iterator[str]:
        response = self._create(params)
        choices = getattr(response, "choices", None) or []
        text = (choices[0].message.content or "") if choices else ""
        usage = getattr(response, "usage", None)
        if usage is not None:
            self._usage = Usage(usage.prompt_tokens or 0, usage.completion_tokens or 0,
                                time.perf_counter() - started)
        else:
            self._usage = self._estimate(params, len(text) // 4, started)
        if text:
            yield text

    def _stream_chunks(self, params: dict[str, Any], started: float) -> Iterator[str]:
        import openai

        params = {**params, "stream": True}
        if self._include_usage:
            params["stream_options"] = {"include_usage": True}
        response = self._create(params)
        pieces = 0
        usage = None
        try:
            for chunk in response:
                if getattr(chunk, "usage", None) is not None:
                    usage = chunk.usage
                for choice in chunk.choices or []:
                    text = choice.delta.content if choice.delta else None
                    if text:
                        pieces += 1
                        yield text
        except openai.OpenAIError as exc:
            raise self._error(exc) from exc
        except Exception as exc:  # the transport (httpx) failing mid-stream
            if type(exc).__module__.split(".")[0].startswith("httpx"):
                raise ModelError(f"the connection to {self.base_url} broke mid-reply "
                                 f"({type(exc).__name__}); retry") from exc
            raise
        finally:
            response.close()
        if usage is not None:
            self._usage = Usage(usage.prompt_tokens or 0, usage.completion_tokens or 0,
                                time.perf_counter() - started)
        else:  # one streamed piece is about one token
            self._usage = self._estimate(params, pieces, started)

    @staticmethod
    def _estimate(params: dict[str, Any], completion: int, started: float) -> Usage:
        prompt_chars = sum(len(str(m.get("content", ""))) for m in params["messages"])
        return Usage(prompt_chars // 4, completion, time.perf_counter() - started)
