"""Home folder, config file and keys."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from toolcoder_repl.config import Config, Home, redact
from toolcoder_repl.errors import ConfigError


def test_home_resolution(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert Home().path == home.resolve()  # TOOLCODER_HOME (set by the autouse fixture)
    assert Home(tmp_path / "explicit").path == (tmp_path / "explicit").resolve()  # --home wins
    monkeypatch.delenv("TOOLCODER_HOME")
    assert "toolcoder-repl" in str(Home().path)  # the platform's user data dir
    h = Home(tmp_path / "x")
    assert h.db_path.parent == h.path and h.models_dir == h.path / "models"


def test_config_round_trip(tmp_path: Path) -> None:
    home = Home(tmp_path / "h")
    assert home.load_config() == Config()  # no file: defaults
    config = Config(model="gguf:/m.gguf", theme="light", base_url="http://127.0.0.1:8000/v1")
    config.sandbox.wall_seconds = 5.0
    config.llama.n_ctx = 4096
    config.llama.chat_format = "chatml"
    config.models.append("openai:gpt-4o-mini")
    home.save_config(config)
    again = home.load_config()
    assert again == config
    assert "n_ctx = 4096" in home.config_path.read_text()


def test_config_errors_are_one_line_with_a_fix(tmp_path: Path) -> None:
    home = Home(tmp_path / "h").ensure()
    home.config_path.write_text("model = \n")
    with pytest.raises(ConfigError, match="not valid TOML.*fix or delete it"):
        home.load_config()
    home.config_path.write_text('modle = "x"\n')
    with pytest.raises(ConfigError, match="unknown setting 'modle'"):
        home.load_config()
    home.config_path.write_text("[llama]\nn_ctxx = 5\n")
    with pytest.raises(ConfigError, match=r"\[llama\]: unknown setting 'n_ctxx'"):
        home.load_config()
    home.config_path.write_text('llama = "x"\n')
    with pytest.raises(ConfigError, match="must be a table"):
        home.load_config()


def test_keys_file_is_0600_and_env_overrides(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    home = Home(tmp_path / "h")
    home.set_key("TMDB_API_KEY", "secret-one")
    home.set_key("OTHER", "secret-two")
    assert stat.S_IMODE(home.keys_path.stat().st_mode) == 0o600
    assert home.get_key("TMDB_API_KEY") == "secret-one"
    assert home.key_names() == ["OTHER", "TMDB_API_KEY"]
    monkeypatch.setenv("TMDB_API_KEY", "from-env")
    assert home.get_key("TMDB_API_KEY") == "from-env"
    assert home.get_key("MISSING") is None
    assert sorted(home.secret_values()) == ["secret-one", "secret-two"]
    assert not list(home.path.glob("*.tmp"))
    home.keys_path.write_text("{broken")
    with pytest.raises(ConfigError, match="not valid JSON"):
        home.get_key("OTHER")


def test_redact() -> None:
    assert redact("key=abcd1234 and abcd1234", ["abcd1234"]) == "key=*** and ***"
    assert redact("nothing here", ["abcd1234", ""]) == "nothing here"
