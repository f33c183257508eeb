"""Shared fixtures: every test gets a fresh home folder; nothing touches the user's real one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/ helpers importable

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh TOOLCODER_HOME for each test, and no stray keys from the developer's shell."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("TOOLCODER_HOME", str(home))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("TOOLCODER_RECORD_PROMPTS", raising=False)
    return home


@pytest.fixture
def script(tmp_path: Path):
    """Write a scripted-model reply list and return its `scripted:` spec."""

    def make(replies: list, name: str = "script.json") -> str:
        path = tmp_path / name
        path.write_text(json.dumps(replies))
        return f"scripted:{path}"

    return make


def run_cli(*args: str, home: Path | None = None, input: str | None = None,
            env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the real `toolcoder` command line in a child process."""
    full_env = {**os.environ, **(env or {})}
    if home is not None:
        full_env["TOOLCODER_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "toolcoder_repl", *args],
        capture_output=True, text=True, input=input, env=full_env, timeout=timeout, cwd=REPO,
    )


@pytest.fixture
def loopback():
    """A started LoopbackServer (tests/loopback.py), stopped afterwards."""
    from loopback import LoopbackServer

    server = LoopbackServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight llama GGUF (tests/tinymodel.py), written once per test session."""
    from tinymodel import write_tiny_gguf

    return write_tiny_gguf(tmp_path_factory.mktemp("models") / "tiny.gguf")
