"""The real `toolcoder` command line: help, version, doctor, first run, and bad input."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import pytest
from conftest import run_cli

from toolcoder_repl import __version__


def _turn_rows(home: Path) -> int:
    db = home / "toolcoder.db"
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    try:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        return conn.execute("select count(*) from turns").fetchone()[0] if "turns" in tables else 0
    finally:
        conn.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_help_and_version(home: Path) -> None:
    result = run_cli("--help", home=home)
    assert result.returncode == 0
    for word in ("ask", "tools", "functions", "exec", "models", "keys", "doctor", "--model",
                 "--home", "--base-url"):
        assert word in result.stdout
    result = run_cli("--version", home=home)
    assert result.returncode == 0
    assert result.stdout.strip() == f"toolcoder {__version__}"


def test_doctor_without_a_model_shows_the_first_run_help(home: Path) -> None:
    result = run_cli("doctor", home=home)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert str(home.resolve()) in out
    assert "not configured" in out and "sandbox" in out
    assert "No model is configured" in out
    assert "OPENAI_API_KEY" in out and "--base-url" in out and "gguf:" in out and "hf:" in out


def test_doctor_json_with_a_working_model(home: Path, tiny_gguf: Path) -> None:
    result = run_cli("--model", f"gguf:{tiny_gguf}", "doctor", "--json", home=home)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["home"] == str(home.resolve())
    assert info["model"] == f"gguf:{tiny_gguf}"
    assert info["model_status"] == "loads"
    assert info["packages"]["llama_cpp_python"] != "not installed"
    assert info["sandbox"]["level"]
    assert result.stderr == ""  # llama.cpp's loading chatter is silenced


def test_doctor_reports_a_broken_model(home: Path, tmp_path: Path) -> None:
    result = run_cli("--model", f"gguf:{tmp_path / 'gone.gguf'}", "doctor", "--json", home=home)
    assert result.returncode == 0
    assert json.loads(result.stdout)["model_status"].startswith("error: GGUF file not found")


def test_first_run_message_when_no_model_is_configured(home: Path) -> None:
    result = run_cli("ask", "what is 2+2", home=home)
    assert result.returncode == 2
    assert "No model is configured" in result.stderr
    for way in ("OPENAI_API_KEY", "--base-url", "gguf:", "hf:"):
        assert way in result.stderr
    assert "Traceback" not in result.stderr
    assert _turn_rows(home) == 0


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    corrupt = tmp_path / "corrupt.gguf"
    corrupt.write_bytes(b"GGUF" + b"\x00garbage" * 64)
    port = _free_port()
    return {
        "unknown spec": (["--model", "llama3:8b"], "unknown model spec 'llama3:8b'; use openai:"),
        "missing gguf": (["--model", f"gguf:{tmp_path / 'missing.gguf'}"],
                         "GGUF file not found: "),
        "corrupt gguf": (["--model", f"gguf:{corrupt}"],
                         f"cannot load {corrupt}: not a valid GGUF"),
        "unreachable": (["--model", "openai:local", "--base-url", f"http://127.0.0.1:{port}/v1"],
                        f"cannot reach http://127.0.0.1:{port}/v1: start the server or fix "
                        "--base-url"),
    }


@pytest.mark.parametrize("case", ["unknown spec", "missing gguf", "corrupt gguf", "unreachable"])
def test_bad_input_is_one_line_exit_2_and_nothing_stored(case: str, home: Path,
                                                         tmp_path: Path) -> None:
    args, message = _bad_inputs(tmp_path)[case]
    result = run_cli(*args, "ask", "how many movies?", home=home)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("toolcoder: ") and message in lines[0]
    assert result.stdout == ""
    assert _turn_rows(home) == 0


def test_no_openai_key(home: Path) -> None:
    result = run_cli("--model", "openai:gpt-4o-mini", "ask", "hi", home=home)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "toolcoder: no OpenAI API key: run `toolcoder keys set OPENAI_API_KEY` or export "
        "OPENAI_API_KEY (or use --base-url for a local server)"]
    assert _turn_rows(home) == 0


def test_models_default_and_list(home: Path, tiny_gguf: Path) -> None:
    spec = f"gguf:{tiny_gguf}"
    result = run_cli("models", "default", spec, home=home)
    assert result.returncode == 0, result.stderr
    assert f'model = "{spec}"' in (home / "config.toml").read_text()
    listed = json.loads(run_cli("models", "list", "--json", home=home).stdout)
    assert {"spec": spec, "default": True, "source": "config"} in listed
    bad = run_cli("models", "default", "nonsense", home=home)
    assert bad.returncode == 2 and "unknown model spec" in bad.stderr


def test_models_pull_offline_is_a_clear_error(home: Path) -> None:
    result = run_cli("models", "pull", "someone/tiny-GGUF", home=home,
                     env={"HF_HUB_OFFLINE": "1"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "toolcoder: cannot download someone/tiny-GGUF: the hub is unreachable or offline mode "
        "is on; run `toolcoder models pull someone/tiny-GGUF` when online, or use --model "
        "gguf:PATH"]
