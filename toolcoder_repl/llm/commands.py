"""`toolcoder models ...` and `toolcoder keys ...`."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from ..errors import UsageError
from ..runtime import Runtime
from .spec import split_spec


def keys_command(args: argparse.Namespace, rt: Runtime) -> int:
    if args.action == "path":
        print(rt.home.keys_path)
    elif args.action == "list":
        for name in rt.home.key_names():
            print(name)
    elif args.action == "set":
        value = args.value
        if value is None:
            value = getpass.getpass(f"{args.name}: ") if sys.stdin.isatty() else sys.stdin.readline()
        value = value.strip()
        if not value:
            raise UsageError(f"no value given for {args.name}; pipe it on stdin or type it at the prompt")
        rt.home.set_key(args.name, value)
        print(f"stored {args.name} in {rt.home.keys_path}")
    return 0


def models_command(args: argparse.Namespace, rt: Runtime) -> int:
    if args.action == "default":
        split_spec(args.spec)  # validates; raises a one-line error
        config = rt.config
        config.model = args.spec
        if args.spec not in config.models:
            config.models.append(args.spec)
        rt.home.save_config(config)
        print(f"default model: {args.spec}")
        return 0
    if args.action == "pull":
        from .hub import download_gguf

        path = download_gguf(args.repo, args.file, rt.home.models_dir)
        print(f"downloaded {path}\nuse it with: --model gguf:{path}")
        return 0
    # list
    rows = []
    seen = set()
    for spec in [rt.model_spec, *rt.config.models]:
        if spec and spec not in seen:
            seen.add(spec)
            rows.append({"spec": spec, "default": spec == rt.config.model, "source": "config"})
    if rt.home.models_dir.exists():
        for path in sorted(rt.home.models_dir.rglob("*.gguf")):
            spec = f"gguf:{path}"
            if spec not in seen:
                rows.append({"spec": spec, "default": False, "source": "downloaded"})
    if args.json:
        print(json.dumps(rows))
    elif not rows:
        print("no models configured; see `toolcoder doctor` for the three ways to get one")
    else:
        for row in rows:
            print(("* " if row["default"] else "  ") + row["spec"])
    return 0
