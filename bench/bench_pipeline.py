"""Pipeline overhead per turn with a zero-latency scripted model, split by stage.

    python bench/bench_pipeline.py [--turns 20]

Everything is real except the model: store (SQLite file), catalogue, HTTP executor against a
loopback server, sandbox child processes, library. For each stage: wall time minus the time
spent inside the model's stream (the model is instant, so this is the pipeline's own cost:
prompt building, parsing, events written to the store, retrieval, the sandbox run...).
Two scenarios: a clean turn (scaffold, plan, implement, execute, answer) and a turn with one
repair round (the first code raises, reflect fixes it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from loopback import LoopbackServer  # noqa: E402
from test_pipeline_reflect import BAD_CODE  # noqa: E402
from test_pipeline_world import ANSWER, CODE, PLAN, SCAFFOLD, install_routes, movie_spec  # noqa: E402

from toolcoder_repl.coder.pipeline import Pipeline  # noqa: E402
from toolcoder_repl.config import PipelineSettings  # noqa: E402
from toolcoder_repl.library.repository import Library  # noqa: E402
from toolcoder_repl.llm.scripted import ScriptedModel  # noqa: E402
from toolcoder_repl.sandbox.runner import Sandbox  # noqa: E402
from toolcoder_repl.store.db import Store  # noqa: E402
from toolcoder_repl.toolset.catalog import Catalog  # noqa: E402
from toolcoder_repl.toolset.http import ToolExecutor  # noqa: E402
from toolcoder_repl.toolset.importer import import_spec_dict  # noqa: E402

STAGES = ("scaffold", "plan", "implement", "execute", "reflect", "answer")


def scenario(name: str, replies: list, turns: int, world: dict) -> dict:
    model = ScriptedModel(replies * turns)
    pipeline = Pipeline(model=model, catalog=world["catalog"], executor=world["executor"],
                        sandbox=world["sandbox"], library=world["library"], store=world["store"],
                        settings=PipelineSettings())
    session = pipeline.new_session()
    rows = []
    for _ in range(turns):
        started = time.perf_counter()
        events = list(pipeline.run_turn(session, "How many movies did Sofia Coppola direct?"))
        total = time.perf_counter() - started
        assert events[-1]["status"] == "done", [e.to_json() for e in events if e.type == "failed"]
        turn = pipeline.last_turn
        model_s = sum(turn.model_seconds.values())
        row = {"total": total, "model": model_s, "overhead": total - model_s,
               "events": len(events)}
        for stage in STAGES:
            row[stage] = turn.stage_seconds.get(stage, 0.0) - turn.model_seconds.get(stage, 0.0)
        row["between"] = total - sum(turn.stage_seconds.values())
        rows.append(row)
    return {"name": name, "rows": rows[1:] or rows}  # the first turn warms caches


def median_ms(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = LoopbackServer()
        install_routes(server)
        server.start()
        store = Store.open(Path(tmp) / "bench.db")
        catalog = Catalog(store.db)
        import_spec_dict(catalog, movie_spec(), name="tmdb", base_url=server.url)
        executor = ToolExecutor(catalog, key_lookup=lambda n: None, store=store)
        sandbox = Sandbox()
        world = {"store": store, "catalog": catalog, "executor": executor, "sandbox": sandbox,
                 "library": Library(store.db)}
        try:
            results = [
                scenario("clean turn", [SCAFFOLD, PLAN, CODE, ANSWER], args.turns, world),
                scenario("1 repair round", [SCAFFOLD, PLAN, BAD_CODE, CODE, ANSWER], args.turns,
                         world),
            ]
        finally:
            sandbox.close()
            executor.close()
            server.stop()
    print(f"pipeline overhead per turn, median of {args.turns - 1} turns (model time excluded; "
          f"sandbox: {sandbox.isolation.name})\n")
    cols = [*STAGES, "between", "overhead", "model", "total"]
    print(f"{'scenario':<16}" + "".join(f"{c:>11}" for c in cols) + f"{'events':>8}")
    for res in results:
        rows = res["rows"]
        cells = "".join(f"{median_ms(rows, c):>9.1f}ms" for c in cols)
        print(f"{res['name']:<16}{cells}{statistics.median(r['events'] for r in rows):>8.0f}")
    clean = results[0]["rows"]
    execute = median_ms(clean, "execute")
    overhead = median_ms(clean, "overhead")
    print(f"\nclean turn: execute (sandbox run + 2 HTTP tool calls) is {execute / overhead:.0%} of "
          f"the overhead; everything else (prompts, parsing, events, store, library) "
          f"{overhead - execute:.1f} ms")


if __name__ == "__main__":
    main()
