"""`toolcoder` / `toolcoder chat [--plain]`: the TUI, or the line REPL.

Only the chosen front end is imported; the TUI imports Textual here, after argument parsing.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..runtime import Runtime


def chat_command(args: argparse.Namespace, rt: Runtime) -> int:
    plain = getattr(args, "plain", False)
    if not plain and not (sys.stdin.isatty() and sys.stdout.isatty()):
        plain = True  # no terminal to draw on: the line REPL works with pipes
    if plain:
        from .plain import run_plain

        return run_plain(rt)
    from .app import ToolcoderApp

    rt.store.close_dangling_turns()
    app = ToolcoderApp(rt)
    app.run()
    return app.return_code or 0
