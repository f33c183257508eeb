"""`toolcoder ask`: one turn, non-interactive."""

from __future__ import annotations

import argparse
import json
import sys

from ..llm.base import Message
from ..runtime import Runtime


def ask_command(args: argparse.Namespace, rt: Runtime) -> int:
    # Foundation version: a plain streamed model reply. The pipeline issue replaces this with
    # a full ToolCoder turn that emits events.
    model = rt.model()
    messages: list[Message] = [{"role": "user", "content": args.query}]
    text = []
    for chunk in model.stream(messages):
        text.append(chunk)
        if not args.json:
            sys.stdout.write(chunk)
            sys.stdout.flush()
    if args.json:
        print(json.dumps({"type": "answer", "turn": None, "text": "".join(text)}))
    else:
        print()
    return 0
