"""The llama.cpp backend on a real (tiny, random-weight) GGUF: loading, streaming, grammars."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import run_cli

from toolcoder_repl.config import LlamaSettings
from toolcoder_repl.errors import ModelError
from toolcoder_repl.llm import grammars
from toolcoder_repl.llm.base import Model, complete
from toolcoder_repl.llm.hub import choose_gguf, download_gguf, parse_repo_spec
from toolcoder_repl.llm.llama_cpp_backend import LlamaCppModel

SETTINGS = LlamaSettings(n_ctx=2048, n_threads=1)
MESSAGES = [{"role": "user", "content": "Write a function that adds two numbers."}]
TRIES = 20


@pytest.fixture
def model(tiny_gguf: Path) -> LlamaCppModel:
    model = LlamaCppModel.from_path(tiny_gguf, SETTINGS)
    model.llm.set_seed(1234)  # reproducible sampling across runs
    return model


def test_loads_and_streams_text(model: LlamaCppModel) -> None:
    assert isinstance(model, Model)
    assert model.supports_grammar
    chunks = list(model.stream(MESSAGES, max_tokens=24, temperature=0.8))
    assert all(isinstance(c, str) for c in chunks)
    usage = model.last_usage
    assert usage.prompt_tokens > 10  # the ChatML-formatted prompt
    assert 0 < usage.completion_tokens <= 24 or chunks == []
    assert usage.seconds > 0


def test_chat_template_comes_from_the_gguf(model: LlamaCppModel) -> None:
    assert model.llm.chat_format == "chat_template.default"
    assert "<|im_start|>" in model.llm.metadata["tokenizer.chat_template"]


def test_model_is_loaded_once_and_reused(tiny_gguf: Path) -> None:
    a = LlamaCppModel.from_path(tiny_gguf, SETTINGS)
    b = LlamaCppModel.from_path(str(tiny_gguf), SETTINGS)
    assert a.llm is b.llm
    other = LlamaCppModel.from_path(tiny_gguf, LlamaSettings(n_ctx=1024, n_threads=1))
    assert other.llm is not a.llm
    assert other.llm.n_ctx() == 1024


def test_explicit_chat_format(tiny_gguf: Path) -> None:
    model = LlamaCppModel.from_path(tiny_gguf, LlamaSettings(n_ctx=512, n_threads=1,
                                                              chat_format="chatml"))
    assert model.llm.chat_format == "chatml"
    complete(model, MESSAGES, max_tokens=4)
    with pytest.raises(ModelError, match="unknown chat_format"):
        LlamaCppModel.from_path(tiny_gguf, LlamaSettings(n_ctx=512, chat_format="nonsense"))


def test_stop_strings_and_max_tokens(model: LlamaCppModel) -> None:
    text = complete(model, MESSAGES, max_tokens=200, temperature=0.8, stop=["\n", "`"])
    assert "\n" not in text and "`" not in text
    complete(model, MESSAGES, max_tokens=5, temperature=0.8)
    assert model.last_usage.completion_tokens <= 5


@pytest.mark.parametrize("grammar, shape", [
    ("PYTHON_CODE_BLOCK", r"\A```python\n((?:[^`\n][^\n]*)?\n)+```\Z"),
    ("PYTHON_FUNCTION_BLOCK", r"\A```python\n(?:(?:import |from )[^\n]*\n)*def [A-Za-z_]\w*\("
                              r"[^\n]*\n((?:[^`\n][^\n]*)?\n)*```\Z"),
])
def test_code_grammars_force_valid_output(model: LlamaCppModel, grammar: str, shape: str) -> None:
    fence = re.compile(shape)
    good = 0
    for _ in range(TRIES):
        text = complete(model, MESSAGES, max_tokens=1000, temperature=0.8,
                        grammar=getattr(grammars, grammar))
        good += bool(fence.match(text))
    assert good == TRIES


def test_json_schema_forces_valid_output(model: LlamaCppModel) -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 12},
            "count": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 6}, "maxItems": 3},
        },
        "required": ["name", "count"],
    }
    good = 0
    for _ in range(TRIES):
        text = complete(model, MESSAGES, max_tokens=500, temperature=0.8, json_schema=schema)
        data = json.loads(text)  # strict: no raw control characters inside strings
        good += isinstance(data["name"], str) and isinstance(data["count"], int) \
            and len(data["name"]) <= 12 and set(data) <= {"name", "count", "tags"}
    assert good == TRIES


def test_json_object_grammar(model: LlamaCppModel) -> None:
    for _ in range(5):
        text = complete(model, MESSAGES, max_tokens=2000, temperature=0.5,
                        grammar=grammars.JSON_OBJECT)
        assert isinstance(json.loads(text), dict)


def test_invalid_grammar_is_a_clear_error_not_a_crash(model: LlamaCppModel) -> None:
    # llama.cpp segfaults on a grammar it cannot parse; we check it first
    with pytest.raises(ModelError, match="invalid GBNF grammar"):
        complete(model, MESSAGES, grammar="root ::= [")
    with pytest.raises(ModelError, match="invalid GBNF grammar"):
        complete(model, MESSAGES, grammar="root ::= undefined-rule")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="GGUF file not found: .*nope.gguf"):
        LlamaCppModel.from_path(tmp_path / "nope.gguf")


def test_corrupt_files(tmp_path: Path, tiny_gguf: Path, capfd: pytest.CaptureFixture) -> None:
    bad_header = tmp_path / "bad.gguf"
    bad_header.write_bytes(b"not a model at all" * 10)
    with pytest.raises(ModelError, match="cannot load .*bad.gguf.*not a valid GGUF"):
        LlamaCppModel.from_path(bad_header)
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(tiny_gguf.read_bytes()[:5000])  # right magic, broken body
    with pytest.raises(ModelError, match="cannot load .*truncated.gguf.*not a valid GGUF"):
        LlamaCppModel.from_path(truncated)
    out, err = capfd.readouterr()
    assert "llama" not in err.lower()  # llama.cpp's loader noise is suppressed


# -- hub ------------------------------------------------------------------------------------

def test_choose_gguf_prefers_q4_k_m() -> None:
    files = ["README.md", "m-Q8_0.gguf", "m-Q4_K_M.gguf", "m-f16-00001-of-00002.gguf",
             "mmproj-m-f16.gguf", "m-Q2_K.gguf"]
    assert choose_gguf(files) == "m-Q4_K_M.gguf"
    assert choose_gguf(["a.gguf", "b.gguf"]) == "a.gguf"
    assert choose_gguf(["README.md"]) is None


def test_parse_repo_spec() -> None:
    assert parse_repo_spec("Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF") == (
        "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF", None)
    assert parse_repo_spec("a/b:c-Q4_K_M.gguf") == ("a/b", "c-Q4_K_M.gguf")
    with pytest.raises(ModelError, match="not a hub repo"):
        parse_repo_spec("just-a-name")


def test_hub_uses_downloaded_file_without_network(tmp_path: Path, tiny_gguf: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # Any network use would fail: offline mode on and an unroutable endpoint.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    models = tmp_path / "models"
    local = models / "someone--tiny-GGUF" / "tiny-Q4_K_M.gguf"
    local.parent.mkdir(parents=True)
    local.write_bytes(tiny_gguf.read_bytes())
    assert download_gguf("someone/tiny-GGUF", None, models) == local
    assert download_gguf("someone/tiny-GGUF", "tiny-Q4_K_M.gguf", models) == local
    model = LlamaCppModel.from_hub("someone/tiny-GGUF", models, SETTINGS)
    assert model.name == "hf:someone/tiny-GGUF:tiny-Q4_K_M.gguf"
    complete(model, MESSAGES, max_tokens=3)


def test_hub_offline_without_file_is_a_clear_error(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match=r"cannot download someone/tiny-GGUF.*models pull.*gguf:PATH"):
        download_gguf("someone/tiny-GGUF", "tiny.gguf", tmp_path / "models")


class FakeHub:
    """Just enough of the hub's HTTP API (tree listing, HEAD/GET resolve) for huggingface_hub."""

    def __init__(self, repo: str, files: dict[str, bytes]) -> None:
        self.repo, self.files = repo, files
        self.requests: list[tuple[str, str]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                hub.requests.append((self.command, path))
                if path == f"/api/models/{hub.repo}/tree/main":
                    listing = [{"type": "file", "path": name, "size": len(data), "oid": "0" * 40}
                               for name, data in hub.files.items()]
                    return self._send(200, json.dumps(listing).encode(),
                                      {"Content-Type": "application/json"})
                name = path.removeprefix(f"/{hub.repo}/resolve/main/")
                if name in hub.files:
                    data = hub.files[name]
                    return self._send(200, data, {
                        "X-Repo-Commit": "a" * 40,
                        "ETag": f'"{hashlib.sha256(data).hexdigest()}"',
                        "Content-Type": "application/octet-stream"})
                self._send(404, b'{"error": "not found"}', {"Content-Type": "application/json",
                                                            "X-Error-Code": "EntryNotFound"})

            do_HEAD = do_GET

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def repo_requests(self) -> list[tuple[str, str]]:
        return [r for r in self.requests if self.repo in r[1]]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_hub_pull_downloads_once_then_works_offline(home: Path, tiny_gguf: Path) -> None:
    """The real download code (huggingface_hub against a local hub), then offline use."""
    files = {"README.md": b"# tiny", "tiny-Q8_0.gguf": b"GGUF-not-this-one",
             "tiny-Q4_K_M.gguf": tiny_gguf.read_bytes()}
    hub = FakeHub("someone/tiny-GGUF", files)
    try:
        env = {"HF_ENDPOINT": hub.url}
        result = run_cli("models", "pull", "someone/tiny-GGUF", home=home, env=env)
        assert result.returncode == 0, result.stderr
        local = home / "models" / "someone--tiny-GGUF" / "tiny-Q4_K_M.gguf"  # Q4_K_M preferred
        assert local.read_bytes() == files["tiny-Q4_K_M.gguf"]
        assert f"gguf:{local}" in result.stdout
        assert ("GET", "/someone/tiny-GGUF/resolve/main/tiny-Q4_K_M.gguf") in hub.requests
        seen = len(hub.repo_requests())
        # offline from now on: the hub is not asked again, with or without a file name
        for spec in ("hf:someone/tiny-GGUF", "hf:someone/tiny-GGUF:tiny-Q4_K_M.gguf"):
            result = run_cli("--model", spec, "doctor", "--json", home=home,
                             env={**env, "HF_HUB_OFFLINE": "1"})
            assert json.loads(result.stdout)["model_status"] == "loads", result.stdout
        assert len(hub.repo_requests()) == seen
        listed = run_cli("models", "list", "--json", home=home)
        assert {"spec": f"gguf:{local}", "default": False, "source": "downloaded"} in json.loads(
            listed.stdout)
        missing = run_cli("models", "pull", "someone/tiny-GGUF", "--file", "nope.gguf",
                          home=home, env=env)
        assert missing.returncode == 2
        assert "nope.gguf is not in hub repo someone/tiny-GGUF" in missing.stderr
    finally:
        hub.close()
