"""Home folder, config file and keys.

Everything the program writes lives under one home folder (`--home`, `TOOLCODER_HOME`, or the
platform's user data dir). Keys live in a separate `keys.json` with 0600 permissions, like
simonw/llm; an environment variable of the same name overrides a stored key. Key values are
never written anywhere else: not the database, logs, events, prompts or the sandbox.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

APP_NAME = "toolcoder-repl"


@dataclass
class SandboxLimits:
    wall_seconds: float = 20.0
    cpu_seconds: int = 15
    memory_mb: int = 1024
    file_size_mb: int = 16
    output_bytes: int = 200_000
    max_tool_calls: int = 50


@dataclass
class PipelineSettings:
    mode: str = "staged"  # "staged" (default) or "single" (one reply: scaffold+plan+code)
    max_reflect_rounds: int = 3
    max_replan_rounds: int = 2
    library_matches: int = 5
    tools_in_prompt: int = 12  # all tools when the catalogue is at most this big; top-k otherwise


@dataclass
class LlamaSettings:
    n_ctx: int = 8192
    n_threads: int | None = None
    chat_format: str | None = None  # None: the template inside the GGUF


@dataclass
class Config:
    model: str | None = None
    theme: str = "toolcoder-dark"
    base_url: str | None = None  # for openai: any OpenAI-compatible endpoint
    sandbox: SandboxLimits = field(default_factory=SandboxLimits)
    pipeline: PipelineSettings = field(default_factory=PipelineSettings)
    llama: LlamaSettings = field(default_factory=LlamaSettings)
    models: list[str] = field(default_factory=list)  # model specs offered by the model picker

    def to_dict(self) -> dict[str, Any]:
        # TOML has no null: drop unset values at every level ([llama] n_threads = None, ...)
        def strip(d: dict[str, Any]) -> dict[str, Any]:
            return {k: strip(v) if isinstance(v, dict) else v for k, v in d.items() if v is not None}

        return strip(asdict(self))


def _fill(cls: type, raw: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown setting '{key}'; remove it or check the spelling")
        kwargs[key] = value
    return cls(**kwargs)


class Home:
    """The folder holding the database, config, keys, history and downloaded models."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        chosen = path or os.environ.get("TOOLCODER_HOME") or platformdirs.user_data_dir(APP_NAME)
        self.path = Path(chosen).expanduser().resolve()

    def ensure(self) -> Home:
        self.path.mkdir(parents=True, exist_ok=True)
        return self

    @property
    def db_path(self) -> Path:
        return self.path / "toolcoder.db"

    @property
    def config_path(self) -> Path:
        return self.path / "config.toml"

    @property
    def keys_path(self) -> Path:
        return self.path / "keys.json"

    @property
    def history_path(self) -> Path:
        return self.path / "history.txt"

    @property
    def models_dir(self) -> Path:
        return self.path / "models"

    # -- config -----------------------------------------------------------------------------
    def load_config(self) -> Config:
        if not self.config_path.exists():
            return Config()
        try:
            raw = tomllib.loads(self.config_path.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{self.config_path} is not valid TOML ({exc}); fix or delete it") from exc
        sections = {"sandbox": SandboxLimits, "pipeline": PipelineSettings, "llama": LlamaSettings}
        top: dict[str, Any] = {}
        for key, value in raw.items():
            if key in sections:
                if not isinstance(value, dict):
                    raise ConfigError(f"{self.config_path}: [{key}] must be a table")
                top[key] = _fill(sections[key], value, f"{self.config_path} [{key}]")
            else:
                top[key] = value
        return _fill(Config, top, str(self.config_path))

    def save_config(self, config: Config) -> None:
        import tomli_w

        self.ensure()
        tmp = self.config_path.with_suffix(".tmp")
        tmp.write_text(tomli_w.dumps(config.to_dict()))
        tmp.replace(self.config_path)

    # -- keys -------------------------------------------------------------------------------
    def _read_keys(self) -> dict[str, str]:
        if not self.keys_path.exists():
            return {}
        try:
            data = json.loads(self.keys_path.read_text())
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{self.keys_path} is not valid JSON; fix or delete it") from exc
        return {str(k): str(v) for k, v in data.items()}

    def get_key(self, name: str) -> str | None:
        """Env var of the same name first, then keys.json."""
        return os.environ.get(name) or self._read_keys().get(name)

    def set_key(self, name: str, value: str) -> None:
        self.ensure()
        keys = self._read_keys()
        keys[name] = value
        # Create with 0600 from the start so the value is never briefly world-readable.
        tmp = self.keys_path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(keys, fh, indent=2)
        os.chmod(tmp, 0o600)
        tmp.replace(self.keys_path)

    def key_names(self) -> list[str]:
        return sorted(self._read_keys())

    def secret_values(self) -> list[str]:
        """Every known secret value (stored keys); used to redact text before it is stored."""
        return [v for v in self._read_keys().values() if len(v) >= 4]


def redact(text: str, secrets: list[str]) -> str:
    for value in secrets:
        if value and value in text:
            text = text.replace(value, "***")
    return text
