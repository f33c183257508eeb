"""The scripted backend (tests and demos) and model SPEC parsing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolcoder_repl.config import Config, Home
from toolcoder_repl.errors import ModelError
from toolcoder_repl.llm.base import Model, complete
from toolcoder_repl.llm.scripted import ScriptedModel, ScriptExhausted
from toolcoder_repl.llm.spec import FIRST_RUN_HELP, load_model, split_spec

MESSAGES = [{"role": "user", "content": "hello"}]


def test_replies_in_order_then_exhausted() -> None:
    model = ScriptedModel(["first reply", "second"], chunk=4)
    assert isinstance(model, Model)
    chunks = list(model.stream(MESSAGES))
    assert chunks == ["firs", "t re", "ply"]
    assert model.last_usage.completion_tokens == len("first reply") // 4
    assert complete(model, MESSAGES) == "second"
    with pytest.raises(ScriptExhausted, match="no reply left .*used all 2.*add replies"):
        complete(model, MESSAGES)


def test_error_reply_mid_stream() -> None:
    model = ScriptedModel([{"error": "server melted", "after": "partial "}, "ok"])
    got = []
    with pytest.raises(ModelError, match="server melted"):
        for chunk in model.stream(MESSAGES):
            got.append(chunk)
    assert got == ["partial "]
    assert complete(model, MESSAGES) == "ok"  # the next call goes on with the script


def test_stop_strings() -> None:
    model = ScriptedModel(["abc STOP def"])
    assert complete(model, MESSAGES, stop=["STOP"]) == "abc "


def test_records_prompts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = tmp_path / "prompts.jsonl"
    monkeypatch.setenv("TOOLCODER_RECORD_PROMPTS", str(record))
    model = ScriptedModel(["a", "b"])
    complete(model, MESSAGES, max_tokens=7)
    complete(model, [{"role": "user", "content": "again"}], grammar="root ::= \"x\"")
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    assert lines[0]["messages"] == MESSAGES
    assert lines[0]["options"]["max_tokens"] == 7
    assert lines[1]["options"]["grammar"] is True


def test_from_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        ScriptedModel.from_file(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        ScriptedModel.from_file(bad)
    obj = tmp_path / "obj.json"
    obj.write_text('{"a": 1}')
    with pytest.raises(ModelError, match="JSON list"):
        ScriptedModel.from_file(obj)


def test_split_spec() -> None:
    assert split_spec("openai:gpt-4o-mini") == ("openai", "gpt-4o-mini")
    assert split_spec("gguf:/m/x.gguf") == ("gguf", "/m/x.gguf")
    assert split_spec("hf:a/b:c.gguf") == ("hf", "a/b:c.gguf")
    for bad in ("gpt-4o", "ollama:llama3", "openai:", ""):
        with pytest.raises(ModelError, match="unknown model spec"):
            split_spec(bad)


def test_load_model_specs(tmp_path: Path, script, tiny_gguf: Path) -> None:
    home = Home(tmp_path / "h")
    config = Config()
    with pytest.raises(ModelError) as info:
        load_model(None, home, config)
    assert str(info.value) == FIRST_RUN_HELP
    model = load_model(script(["hi"]), home, config)
    assert complete(model, MESSAGES) == "hi"
    config.llama.n_ctx = 512
    gguf = load_model(f"gguf:{tiny_gguf}", home, config)
    assert gguf.supports_grammar and gguf.name == f"gguf:{tiny_gguf}"
