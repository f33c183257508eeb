"""The openai backend against real servers: llama-cpp-python's OpenAI-compatible server serving the
tiny GGUF (streaming and non-streaming), and a loopback server for the error statuses."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import run_cli

from toolcoder_repl.errors import ModelError
from toolcoder_repl.llm.base import Model, complete
from toolcoder_repl.llm.openai_backend import OpenAIModel

MESSAGES = [{"role": "user", "content": "Say something."}]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(tiny_gguf: Path, tmp_path_factory: pytest.TempPathFactory):
    """`python -m llama_cpp.server` on a free loopback port; yields its /v1 base URL."""
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(tiny_gguf),
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "1"],
            stdout=fh, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=1) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def model(llama_server: str) -> OpenAIModel:
    model = OpenAIModel("tiny", base_url=llama_server, timeout=30)
    model.check()
    return model


def test_streaming_against_real_server(model: OpenAIModel) -> None:
    assert isinstance(model, Model)
    assert not model.supports_grammar
    chunks = list(model.stream(MESSAGES, max_tokens=16, temperature=0.8))
    assert all(isinstance(c, str) and c for c in chunks)
    usage = model.last_usage
    assert usage.completion_tokens <= 16
    assert usage.seconds > 0


def test_non_streaming_against_real_server(llama_server: str) -> None:
    model = OpenAIModel("tiny", base_url=llama_server, timeout=30, stream=False)
    text = complete(model, MESSAGES, max_tokens=16, temperature=0.8)
    assert isinstance(text, str)
    usage = model.last_usage  # the server's own count, not an estimate
    assert usage.prompt_tokens > 5
    assert 0 < usage.completion_tokens <= 16
    # the per-call switch works both ways
    again = complete(model, MESSAGES, max_tokens=8, temperature=0.8, stream=True)
    assert isinstance(again, str)


def test_streaming_and_non_streaming_agree_at_temperature_zero(model: OpenAIModel) -> None:
    streamed = complete(model, MESSAGES, max_tokens=12, temperature=0.0)
    whole = complete(model, MESSAGES, max_tokens=12, temperature=0.0, stream=False)
    assert streamed == whole


def test_json_schema_is_sent_and_honoured(model: OpenAIModel) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    for stream in (True, False):
        text = complete(model, MESSAGES, max_tokens=60, temperature=0.8, json_schema=schema,
                        stream=stream)
        assert isinstance(json.loads(text)["n"], int)


def test_stop_sequences_beyond_the_api_limit(model: OpenAIModel) -> None:
    stops = ["\u2603", "\u2604", "\u2605", "\u2606", "\n", "`"]  # the last two are applied locally
    for _ in range(3):
        text = complete(model, MESSAGES, max_tokens=40, temperature=0.8, stop=stops)
        assert "\n" not in text and "`" not in text


def test_cli_reaches_the_server(llama_server: str, home: Path) -> None:
    result = run_cli("--model", "openai:tiny", "--base-url", llama_server, "doctor", "--json",
                     home=home)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["model_status"] == "loads"


# -- errors ---------------------------------------------------------------------------------

def test_no_key_for_the_default_endpoint() -> None:
    with pytest.raises(ModelError, match="no OpenAI API key.*keys set OPENAI_API_KEY"):
        OpenAIModel("gpt-4o-mini", api_key=None)
    OpenAIModel("local", api_key=None, base_url="http://127.0.0.1:1/v1")  # dummy key is fine


def test_unreachable_base_url() -> None:
    port = _free_port()  # nothing listens there
    model = OpenAIModel("m", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0)
    with pytest.raises(ModelError, match=rf"cannot reach http://127.0.0.1:{port}/v1: start the "
                                         "server or fix --base-url"):
        model.check()
    with pytest.raises(ModelError, match="cannot reach"):
        complete(model, MESSAGES)


def _error_body(message: str, code: str) -> dict:
    return {"error": {"message": message, "type": code, "code": code}}


def test_bad_key_401(loopback) -> None:
    loopback.route("GET", "/v1/models", lambda r: (401, _error_body("Incorrect API key", "auth")))
    loopback.route("POST", "/v1/chat/completions",
                   lambda r: (401, _error_body("Incorrect API key", "auth")))
    model = OpenAIModel("gpt-x", api_key="sk-wrong", base_url=loopback.url + "/v1")
    with pytest.raises(ModelError, match=r"API key was rejected .*\(401\).*keys set"):
        model.check()
    with pytest.raises(ModelError, match=r"\(401\)") as info:
        complete(model, MESSAGES)
    assert "sk-wrong" not in str(info.value)
    assert loopback.requests[-1].headers["authorization"] == "Bearer sk-wrong"


def test_rate_limited_after_retries(loopback) -> None:
    headers = {"retry-after-ms": "5"}
    loopback.route("POST", "/v1/chat/completions",
                   lambda r: (429, _error_body("Rate limit reached", "rate_limit"), headers))
    model = OpenAIModel("gpt-x", api_key="k", base_url=loopback.url + "/v1", max_retries=2)
    with pytest.raises(ModelError, match=r"rate limited .*\(429\) after 2 retries"):
        complete(model, MESSAGES)
    assert len([r for r in loopback.requests if r.method == "POST"]) == 3


def test_model_not_found(loopback) -> None:
    loopback.route("POST", "/v1/chat/completions",
                   lambda r: (404, _error_body("The model `nope` does not exist", "not_found")))
    model = OpenAIModel("nope", api_key="k", base_url=loopback.url + "/v1")
    model.check()  # no GET /models on this server: reachability is all check() needs
    with pytest.raises(ModelError, match="model 'nope' not found at .*check the name"):
        complete(model, MESSAGES, stream=False)


def test_server_without_stream_usage_or_json_schema(loopback) -> None:
    """A minimal compatible server: rejects stream_options, streams SSE without usage."""
    seen = []

    def chat(req):
        body = req.json()
        seen.append(body)
        if "stream_options" in body:
            return 400, _error_body("unknown field stream_options", "invalid_request_error")
        if not body.get("stream"):
            return 200, {"id": "1", "object": "chat.completion", "created": 0, "model": "m",
                         "choices": [{"index": 0, "finish_reason": "stop",
                                      "message": {"role": "assistant", "content": "hi there"}}]}
        events = []
        for piece in ["hi", " there", "!"]:
            chunk = {"id": "1", "object": "chat.completion.chunk", "created": 0, "model": "m",
                     "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            events.append(f"data: {json.dumps(chunk)}\n\n")
        events.append("data: [DONE]\n\n")
        return 200, "".join(events), {"Content-Type": "text/event-stream"}

    loopback.route("POST", "/v1/chat/completions", chat)
    model = OpenAIModel("m", base_url=loopback.url + "/v1")
    assert complete(model, MESSAGES) == "hi there!"
    assert model.last_usage.completion_tokens == 3  # estimated: one piece ~ one token
    assert complete(model, MESSAGES) == "hi there!"
    assert "stream_options" not in seen[-1]  # remembered, not retried every call
    assert complete(model, MESSAGES, stream=False) == "hi there"
    assert model.last_usage.completion_tokens > 0
