"""Model SPEC strings -> a Model. Backends are imported lazily so start-up stays fast.

  openai:MODEL        OPENAI_API_KEY (env or keys.json); --base-url for any compatible server
  gguf:/path.gguf     llama.cpp in-process
  hf:REPO[:FILE]      a GGUF from the hub, downloaded once to the home folder, then offline
  scripted:FILE.json  replies from a JSON list (tests, demos)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ModelError
from .base import Model

if TYPE_CHECKING:
    from ..config import Config, Home

FIRST_RUN_HELP = (
    "No model is configured. Choose one of three ways:\n"
    "  1. a hosted model:      toolcoder keys set OPENAI_API_KEY, then --model openai:gpt-4o-mini\n"
    "  2. any OpenAI-compatible server (vLLM, llama.cpp server, Ollama):\n"
    "                          --model openai:NAME --base-url http://127.0.0.1:8000/v1\n"
    "  3. a local GGUF file, fully offline: --model gguf:/path/model.gguf\n"
    "     (or from the hub, downloaded once: --model hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF)\n"
    "Make it the default with: toolcoder models default SPEC"
)

KINDS = ("openai", "gguf", "hf", "scripted")


def split_spec(spec: str) -> tuple[str, str]:
    kind, sep, rest = spec.partition(":")
    if not sep or kind not in KINDS or not rest:
        raise ModelError(
            f"unknown model spec '{spec}'; use openai:MODEL, gguf:PATH, hf:REPO[:FILE] or scripted:FILE"
        )
    return kind, rest


def load_model(spec: str | None, home: Home, config: Config, base_url: str | None = None) -> Model:
    """Build the model a spec names; raises ModelError with a one-line fix on any problem."""
    if not spec:
        raise ModelError(FIRST_RUN_HELP)
    kind, rest = split_spec(spec)
    if kind == "scripted":
        from .scripted import ScriptedModel

        return ScriptedModel.from_file(rest)
    if kind == "openai":
        from .openai_backend import OpenAIModel

        key = home.get_key("OPENAI_API_KEY")
        model = OpenAIModel(rest, api_key=key, base_url=base_url or config.base_url)
        model.check()  # unreachable server / refused key: fail now, before a turn starts
        return model
    from .llama_cpp_backend import LlamaCppModel

    if kind == "gguf":
        return LlamaCppModel.from_path(rest, settings=config.llama)
    return LlamaCppModel.from_hub(rest, models_dir=home.models_dir, settings=config.llama)
