"""TUI benchmark: launch-to-ready time, and rendering a 2,000-token streamed answer.

    python bench/bench_ui.py [--runs 5] [--tokens 2000]

Launch: (1) a fresh interpreter that builds the Runtime and the app and exits on Textual's
Ready event (first screen composed and painted, headless); (2) the real `toolcoder` command in
tmux, timed until the welcome text is on the pane (what a person sees). Target: <= 1 s.
Streaming: a fake pipeline yields an answer of N tokens at a fixed model speed (and once as
fast as it can); we time how long after the last token the UI has the whole answer rendered,
and count Markdown appends (tokens are batched by Markdown.get_stream, not re-rendered).
Ratios are within one run on this machine; absolute times depend on the load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

LAUNCH_CHILD = r"""
import time, sys
t0 = time.perf_counter()
from toolcoder_repl.config import Home
from toolcoder_repl.runtime import Runtime
from toolcoder_repl.ui.app import ToolcoderApp
t_import = time.perf_counter()

class Bench(ToolcoderApp):
    def on_ready(self):
        self.exit(time.perf_counter())

rt = Runtime(Home(sys.argv[1]), model_spec="scripted:none.json")
ready = Bench(rt).run(headless=True, size=(120, 40))
print(f"{t_import - t0:.4f} {ready - t0:.4f}")
"""


def bench_launch_headless(runs: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"import": [], "ready": [], "process": []}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-c", LAUNCH_CHILD, home], capture_output=True,
                                  text=True, cwd=REPO, timeout=60,
                                  env={**os.environ, "TOOLCODER_HOME": home})
            total = time.perf_counter() - start
            if proc.returncode != 0:
                raise SystemExit(proc.stderr)
            imp, ready = (float(x) for x in proc.stdout.split()[-2:])
            out["import"].append(imp)
            out["ready"].append(ready)
            out["process"].append(total)
    return out


def bench_launch_tmux(runs: int) -> list[float]:
    if shutil.which("tmux") is None:
        return []
    times = []
    for i in range(runs):
        sock = f"toolcoder-bench-{os.getpid()}-{i}"
        with tempfile.TemporaryDirectory() as home:
            cmd = (f"cd {REPO} && env -u COLUMNS -u LINES TOOLCODER_HOME={home} "
                   f"TERM=xterm-256color {sys.executable} -m toolcoder_repl --model scripted:x.json")
            start = time.perf_counter()
            subprocess.run(["tmux", "-L", sock, "new-session", "-d", "-s", "b", "-x", "120",
                            "-y", "40", cmd], check=True)
            try:
                while True:
                    screen = subprocess.run(["tmux", "-L", sock, "capture-pane", "-p", "-t", "b"],
                                            capture_output=True, text=True).stdout
                    if "Ask a question" in screen:
                        times.append(time.perf_counter() - start)
                        break
                    if time.perf_counter() - start > 30:
                        raise SystemExit("the TUI did not show its first screen in 30 s")
                    time.sleep(0.01)
            finally:
                subprocess.run(["tmux", "-L", sock, "kill-server"], capture_output=True)
    return times


class TokenPipeline:
    """Yields a turn whose answer is `tokens` tokens at `rate` tokens/s (0: as fast as possible)."""

    def __init__(self, tokens: int, rate: float) -> None:
        self.tokens, self.rate = tokens, rate
        self.first = self.last = 0.0

    def run_turn(self, session_id, query, cancel: threading.Event | None = None):
        from toolcoder_repl.coder.events import Event

        words = ["The", " answer", " uses", " **bold**", " and", " `code`", " with", " numbers",
                 " 1,234", ".\n\n"]
        yield Event("turn_started", 1, {"query": query, "session": session_id})
        yield Event("stage_started", 1, {"stage": "answer"})
        gap = 1.0 / self.rate if self.rate else 0.0
        self.first = time.perf_counter()
        next_at = self.first
        text = []
        for i in range(self.tokens):
            if gap:
                next_at += gap
                pause = next_at - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            chunk = words[i % len(words)]
            text.append(chunk)
            yield Event("token", 1, {"stage": "answer", "text": chunk})
        self.last = time.perf_counter()
        yield Event("answer", 1, {"text": "".join(text), "value": None})
        yield Event("turn_done", 1, {"status": "done"})


async def _render_once(tokens: int, rate: float) -> dict[str, float]:
    from textual.widgets import Markdown

    from toolcoder_repl.config import Home
    from toolcoder_repl.runtime import Runtime
    from toolcoder_repl.ui.app import ToolcoderApp
    from toolcoder_repl.ui.widgets.turn import TurnView

    appends = 0
    original = Markdown.append

    def counting(self, markdown):
        nonlocal appends
        appends += 1
        return original(self, markdown)

    Markdown.append = counting
    try:
        with tempfile.TemporaryDirectory() as home:
            rt = Runtime(Home(home), model_spec="scripted:bench")
            pipeline = TokenPipeline(tokens, rate)
            app = ToolcoderApp(rt, pipeline_factory=lambda: pipeline,
                               isolation_probe=lambda: ("rlimits", ""))
            async with app.run_test(size=(120, 40)) as pilot:
                app.chat.start_turn("stream a long answer")
                while app.chat.turns_finished < 1:
                    await asyncio.sleep(0.002)
                await pilot.pause()
                done = time.perf_counter()
                view = app.chat.query_one(TurnView)
                assert len(view.answer_text) > tokens  # every token arrived
            rt.close()
    finally:
        Markdown.append = original
    produce = pipeline.last - pipeline.first
    return {"produce": produce, "render": done - pipeline.first, "lag": done - pipeline.last,
            "appends": appends}


def bench_render(tokens: int, rate: float, runs: int) -> dict[str, float]:
    results = [asyncio.run(_render_once(tokens, rate)) for _ in range(runs)]
    return {k: statistics.median(r[k] for r in results) for k in results[0]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=2000)
    args = parser.parse_args()

    launch = bench_launch_headless(args.runs)
    tmux = bench_launch_tmux(args.runs)
    med = statistics.median
    print(f"Launch to ready (median of {args.runs}; target <= 1.0 s)")
    print(f"{'measure':<52} {'seconds':>8}")
    print(f"{'imports (Textual + app) in the child':<52} {med(launch['import']):>8.3f}")
    print(f"{'child start (before imports) -> Ready (headless)':<52} {med(launch['ready']):>8.3f}")
    print(f"{'whole child process incl. Python start and exit':<52} {med(launch['process']):>8.3f}")
    if tmux:
        print(f"{'real `toolcoder` in tmux -> welcome text on pane':<52} {med(tmux):>8.3f}")
    print()
    print(f"Streaming a {args.tokens}-token answer (median of {args.runs})")
    print(f"{'model speed':<16} {'produce s':>10} {'rendered s':>11} {'lag s':>7} "
          f"{'render/produce':>15} {'md appends':>11}")
    for rate in (200.0, 1000.0, 0.0):
        r = bench_render(args.tokens, rate, args.runs)
        label = f"{rate:.0f} tok/s" if rate else "unthrottled"
        ratio = r["render"] / r["produce"] if r["produce"] > 0 else float("nan")
        print(f"{label:<16} {r['produce']:>10.3f} {r['render']:>11.3f} {r['lag']:>7.3f} "
              f"{ratio:>15.2f} {r['appends']:>11.0f}")


if __name__ == "__main__":
    main()
