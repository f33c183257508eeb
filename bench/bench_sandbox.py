"""Sandbox start-up and tool-call overhead, as ratios measured inside one run.

    python bench/bench_sandbox.py [--runs 15] [--calls 200]

1. Median start-to-result time of a trivial execution (`pass`), cold (a fresh child per run)
   and warm (the pool's pre-started child), per isolation level, against a plain
   `python -I -c pass` (target: warm <= 0.5x plain).
2. Per-call cost of a tool call made from inside the sandbox (child -> pipe -> host executor ->
   loopback HTTP server -> back) against a direct `ToolExecutor.call` from the host
   (target <= 1.2x), averaged over many calls in one run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from loopback import LoopbackServer  # noqa: E402

from toolcoder_repl.config import SandboxLimits  # noqa: E402
from toolcoder_repl.sandbox.isolation import LEVELS, probe_isolation, python_executable  # noqa: E402
from toolcoder_repl.sandbox.runner import Sandbox  # noqa: E402

SPEC = {
    "openapi": "3.0.0", "info": {"title": "bench", "version": "1"},
    "paths": {"/movie/{movie_id}": {"get": {
        "operationId": "movie_details",
        "parameters": [{"name": "movie_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "ok"}}}}},
}


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def plain_python(runs: int) -> float:
    exe = python_executable()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([exe, "-I", "-c", "pass"], check=True)
        samples.append(time.perf_counter() - t)
    return median_ms(samples)


def sandbox_trivial(level: str, warm: bool, runs: int) -> float:
    samples = []
    with Sandbox(SandboxLimits(), isolation=level, warm=warm) as sb:
        for _ in range(runs):
            time.sleep(0.15)  # the caller uses the previous result; the pool refills meanwhile
            t = time.perf_counter()
            result = sb.run("pass")
            samples.append(time.perf_counter() - t)
            assert result.ok, result.traceback
    return median_ms(samples)


def tool_calls(calls: int, rounds: int, delay: float = 0.0) -> tuple[float, float, float]:
    """Median per-call ms direct, inside, and the median of the per-round ratios.

    Direct and sandboxed batches alternate so that load from other processes on the machine
    affects both sides alike.
    """
    from toolcoder_repl.store.db import Store
    from toolcoder_repl.toolset.catalog import Catalog
    from toolcoder_repl.toolset.http import ToolExecutor
    from toolcoder_repl.toolset.importer import import_spec_dict
    from toolcoder_repl.toolset.stubs import child_descriptor

    server = LoopbackServer()

    def movie(req) -> tuple:
        if delay:
            time.sleep(delay)  # a server that takes a few ms, like any real API
        return 200, {"id": int(req.params["movie_id"])}

    server.route("GET", "/movie/{movie_id}", movie)
    server.start()
    directs, insides = [], []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.db")
        catalog = Catalog(store.db)
        import_spec_dict(catalog, SPEC, name="bench", base_url=server.url)
        executor = ToolExecutor(catalog, key_lookup=lambda name: None, max_retries=0)

        def handler(qualname: str, args: dict) -> dict:
            return executor.call(qualname, args).to_json()

        code = ("import time\nfor i in range(20):\n    bench.movie_details(i)\n"
                "t = time.perf_counter()\n"
                f"for i in range({calls}):\n    bench.movie_details(movie_id=i)\n"
                f"per_call = (time.perf_counter() - t) / {calls}\n")
        tools = [child_descriptor(x) for x in catalog.tools()]
        limits = SandboxLimits(wall_seconds=120, max_tool_calls=calls + 20)
        try:
            with Sandbox(limits) as sb:
                for i in range(20):  # warm up the connection pool
                    executor.call("bench.movie_details", {"movie_id": i})
                for _ in range(rounds):
                    t = time.perf_counter()
                    for i in range(calls):
                        assert executor.call("bench.movie_details", {"movie_id": i}).ok
                    directs.append((time.perf_counter() - t) / calls)
                    result = sb.run(code, tools=tools, tool_handler=handler, entry="per_call")
                    assert result.ok, result.traceback
                    insides.append(float(result.value))
        finally:
            executor.close()
            server.stop()
    ratio = statistics.median(i / d for i, d in zip(insides, directs, strict=True))
    return median_ms(directs), median_ms(insides), ratio


def rpc_only(calls: int) -> float:
    """Per-call ms of the pipe round trip alone (a handler that returns at once)."""
    desc = {"qualname": "noop.f", "toolset": "noop", "name": "f", "doc": "",
            "params": [{"name": "x", "required": True}]}

    def handler(qualname: str, args: dict) -> dict:
        return {"ok": True, "status": 200, "data": {"id": args["x"]}, "error": None}

    code = (f"import time\nt = time.perf_counter()\nfor i in range({calls}):\n    noop.f(i)\n"
            f"per_call = (time.perf_counter() - t) / {calls}\n")
    with Sandbox(SandboxLimits(wall_seconds=120, max_tool_calls=calls)) as sb:
        result = sb.run(code, tools=[desc], tool_handler=handler, entry="per_call")
    assert result.ok, result.traceback
    return float(result.value) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    best = probe_isolation().name
    levels = LEVELS[LEVELS.index(best):]
    plain = plain_python(args.runs)
    rows = [("python -I -c pass", plain, 1.0, "")]
    for level in levels:
        cold = sandbox_trivial(level, False, args.runs)
        warm = sandbox_trivial(level, True, args.runs)
        rows.append((f"{level} cold", cold, cold / plain, ""))
        rows.append((f"{level} warm", warm, warm / plain, "target <= 0.50"))
    direct, inside, call_ratio = tool_calls(args.calls, args.rounds)
    slow_direct, slow_inside, slow_ratio = tool_calls(max(10, args.calls // 10), args.rounds, 0.005)
    print(f"median of {args.runs} runs; tool calls: median of {args.rounds} alternating "
          f"rounds of {args.calls} calls "
          f"(python {sys.version.split()[0]}, best isolation: {best})\n")
    print(f"{'trivial execution':<28}{'ms':>9}{'x plain':>10}  note")
    for name, ms, ratio, note in rows:
        print(f"{name:<28}{ms:>9.1f}{ratio:>10.2f}  {note}")
    print()
    print(f"{'tool call (loopback HTTP)':<28}{'ms/call':>9}{'x direct':>10}  note")
    print(f"{'direct executor.call':<28}{direct:>9.3f}{1.0:>10.2f}")
    print(f"{'from inside the sandbox':<28}{inside:>9.3f}{call_ratio:>10.2f}  "
          "target <= 1.20 (median of per-round ratios)")
    print(f"{'direct, 5 ms server':<28}{slow_direct:>9.3f}{1.0:>10.2f}")
    print(f"{'inside, 5 ms server':<28}{slow_inside:>9.3f}{slow_ratio:>10.2f}")
    print(f"{'pipe round trip only':<28}{rpc_only(args.calls * 5):>9.3f}{'':>10}  "
          "no-op handler: the sandbox's own cost per call")


if __name__ == "__main__":
    main()
