"""`toolcoder doctor`: what is installed, configured and available, in one screen."""

from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import sys

from .errors import ToolcoderError
from .runtime import Runtime


def _version(dist: str) -> str:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return "not installed"


def collect(rt: Runtime, load_model: bool = True) -> dict:
    info: dict = {
        "python": sys.version.split()[0],
        "home": str(rt.home.path),
        "packages": {d: _version(d) for d in ("textual", "prompt_toolkit", "openai",
                                               "llama_cpp_python", "sqlite-utils", "httpx")},
        "model": rt.model_spec,
        "model_status": "not configured",
        "keys": rt.home.key_names(),
    }
    if rt.model_spec and load_model:
        try:
            rt.model()
            info["model_status"] = "loads"
        except ToolcoderError as exc:
            info["model_status"] = f"error: {exc}"
    try:
        from .sandbox.isolation import probe_isolation

        level = probe_isolation()
        info["sandbox"] = {"level": level.name, "warning": level.warning}
    except ImportError:
        info["sandbox"] = {"level": "unavailable", "warning": "sandbox module missing"}
    return info


def doctor_command(args: argparse.Namespace, rt: Runtime) -> int:
    info = collect(rt)
    if args.json:
        print(json.dumps(info))
        return 0
    print(f"python      {info['python']}")
    print(f"home        {info['home']}")
    for name, ver in info["packages"].items():
        print(f"  {name:<18}{ver}")
    print(f"model       {info['model'] or '-'} ({info['model_status']})")
    sandbox = info["sandbox"]
    print(f"sandbox     {sandbox['level']}" + (f"  WARNING: {sandbox['warning']}" if sandbox["warning"] else ""))
    print(f"keys        {', '.join(info['keys']) or '-'}")
    if not info["model"]:
        from .llm.spec import FIRST_RUN_HELP

        print()
        print(FIRST_RUN_HELP)
    return 0
