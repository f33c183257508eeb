"""`toolcoder ask`: one full ToolCoder turn, non-interactive.

`--json` prints one JSON object per line for every event except `token` (streamed chunks):
`stage_done` carries each stage's whole text, so scripts lose nothing and the output stays
line-per-step. Without `--json`: a readable trace (stage headers, code, tool calls,
tracebacks) and then the answer, streamed. Exit 0 when the turn is done, 1 when it failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from ..runtime import Runtime
from . import events as ev
from .events import Event

HEADERS = {"scaffold": "scaffold", "plan": "plan", "implement": "code", "reflect": "repair",
           "execute": "run", "answer": "answer"}


def ask_command(args: argparse.Namespace, rt: Runtime) -> int:
    pipeline = rt.pipeline()
    session = pipeline.new_session()
    out = sys.stdout
    status = "failed"
    reason = ""
    trace = Trace(out)
    for event in pipeline.run_turn(session, args.query):
        if event.type == ev.TURN_DONE:
            status = event["status"]
        elif event.type == ev.FAILED:
            reason = event["reason"]
        if args.json:
            if event.type != ev.TOKEN:
                out.write(json.dumps(event.to_json(), default=repr) + "\n")
                out.flush()
        else:
            trace.show(event)
    if status != "done":
        print(f"toolcoder: turn {status}: {reason}" if reason else f"toolcoder: turn {status}",
              file=sys.stderr)
        return 1
    return 0


class Trace:
    """Human-readable rendering of the event stream (plain text, no colour codes)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.streaming = False
        self.last_block = ""  # single-call mode: scaffold, plan and code are the same text

    def block(self, text: str) -> None:
        if text and text != self.last_block:
            self.write(text)
        self.last_block = text

    def write(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def show(self, e: Event) -> None:
        t = e.type
        if t == ev.STAGE_STARTED and e["stage"] in ("scaffold", "plan", "implement", "reflect"):
            self.write(f"── {HEADERS[e['stage']]} " + "─" * 40)
        elif t == ev.SCAFFOLD:
            self.block(e["code"])
        elif t == ev.PLAN:
            self.block(e["text"])
        elif t == ev.REPLAN:
            near = "; ".join(f"{u} -> {', '.join(n) or '?'}" for u, n in e["nearest"].items())
            self.write(f"!! unknown tools, re-planning (round {e['round']}): {near}")
        elif t == ev.CODE:
            self.block(e["code"])
            if e.get("reused"):
                self.write(f"(reuses saved: {', '.join(e['reused'])})")
        elif t == ev.EXEC_STARTED:
            self.write(f"── run (round {e['round']}, sandbox: {e.get('isolation') or '?'}) " + "─" * 20)
        elif t == ev.TOOL_CALL:
            args = ", ".join(f"{k}={v!r}" for k, v in (e.get("arguments") or {}).items())
            mark = "ok" if e["ok"] else "FAILED"
            extra = f" {e['error']}" if e.get("error") else ""
            self.write(f"  -> {e['tool']}({args}) {e.get('status')} {mark}{extra}")
        elif t == ev.TRACEBACK:
            self.write(e["text"])
        elif t == ev.FUNCTION_SAVED:
            self.write(f"saved {e['name']} ({'new' if e['new'] else 'uses: ' + str(e['uses'])})")
        elif t == ev.FUNCTION_REUSED:
            self.write(f"reused {e['name']}")
        elif t == ev.WARNING:
            self.write(f"warning: {e['text']}")
        elif t == ev.STAGE_STARTED and e["stage"] == "answer":
            self.write("── answer " + "─" * 40)
        elif t == ev.TOKEN and e["stage"] == "answer":
            self.out.write(e["text"])
            self.out.flush()
            self.streaming = True
        elif t == ev.ANSWER:
            if self.streaming:
                self.write()
                self.streaming = False
            else:
                self.write(e["text"])
            self.write(f"value: {json.dumps(e.get('value'), ensure_ascii=False, default=repr)[:2000]}")
        elif t == ev.FAILED:
            self.write(f"failed ({e['stage']}): {e['reason']}")
