"""`toolcoder eval restbench-tmdb|restbench-spotify|apibank-l1|apibank-l2 [--limit N] [--json]`.

Runs the benchmark offline in a throwaway home (harness.EvalEnv): nothing is written to the
user's home. Without --json: one row per item as it finishes, then a summary table. With
--json: one JSON object per item (`"type": "item"`) and then one `"type": "summary"` object,
one per line. Exit 0 when the run completed (items may have failed: that is the score).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from ..errors import ConfigError, UsageError
from . import apibank_eval, metrics, restbench
from .harness import EvalEnv, EvalItem, ItemRecord, run_items

BENCHMARKS = (*restbench.BENCHMARKS, *apibank_eval.BENCHMARKS)


def load_benchmark(name: str, data: str | None) -> list[EvalItem]:
    if name in restbench.BENCHMARKS:
        return restbench.load_items(restbench.BENCHMARKS[name], data)
    if name in apibank_eval.BENCHMARKS:
        return apibank_eval.load_items(apibank_eval.BENCHMARKS[name], data)
    raise UsageError(f"unknown benchmark '{name}'; choose one of {', '.join(BENCHMARKS)}")


def eval_command(args: argparse.Namespace, rt: Any) -> int:
    name = args.benchmark
    limit = getattr(args, "limit", None)
    if limit is not None and limit < 1:
        raise UsageError("--limit must be at least 1")
    items = load_benchmark(name, getattr(args, "data", None))
    if limit is not None:
        items = items[:limit]
    out = sys.stdout
    as_json = bool(getattr(args, "json", False))
    model = rt.model()  # fail fast (and once) on a bad --model
    with EvalEnv(rt) as env:
        score, before, keys = _setup(name, env, args)
        table = _Table(out, keys) if not as_json else None
        records: list[dict[str, Any]] = []
        for rec in run_items(env.pipeline(), items, score, before_item=before):
            row = rec.to_json()
            records.append(row)
            if as_json:
                out.write(json.dumps(row, ensure_ascii=False, default=repr) + "\n")
                out.flush()
            else:
                table.row(rec)
        summary = {"type": "summary", "benchmark": name, "model": getattr(model, "name", ""),
                   **metrics.summarise(records, keys)}
    if as_json:
        out.write(json.dumps(summary, ensure_ascii=False) + "\n")
    else:
        table.summary(summary)
    return 0


def _setup(name: str, env: EvalEnv, args: argparse.Namespace):
    """(scorer, before_item, score keys) with the benchmark's toolset registered in `env`."""
    if name in restbench.BENCHMARKS:
        toolset = restbench.BENCHMARKS[name]
        spec = restbench.load_spec(toolset, getattr(args, "data", None))
        mock = restbench.MockRestService(spec).start()
        env.on_close(mock)
        restbench.register(env.catalog, toolset, spec, mock.url)
        return restbench.scorer(env.tool_endpoint), None, ("path_correct",)

    import httpx

    from .apibank.register import ensure_registered

    ensure_registered(env.catalog)
    toolset = env.catalog.toolset(apibank_eval.TOOLSET)
    if toolset is None:
        raise ConfigError("the API-Bank demo toolset could not be registered; run "
                          "`toolcoder doctor` to see why")
    url = env.rt.resolve_base_url(toolset).rstrip("/")
    client = httpx.Client(timeout=30.0)
    env.on_close(client)

    def post(api: str, params: dict) -> Any:
        return client.post(f"{url}/{api}", json=params).json()

    def before(item: EvalItem) -> None:
        apibank_eval.prepare_state(url, item, client)

    return apibank_eval.scorer(env.tool_endpoint, post), before, ("correct", "api_called")


class _Table:
    def __init__(self, out: TextIO, keys: tuple[str, ...]) -> None:
        self.out = out
        self.key = keys[0]
        self.write(f"{'item':<42} {'status':<9} {'exec':<5} {self.key:<13} {'calls':>5} "
                   f"{'repairs':>7} {'secs':>7}")

    def write(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def row(self, rec: ItemRecord) -> None:
        mark = "yes" if rec.scores.get(self.key) else "no"
        self.write(f"{rec.id[:42]:<42} {rec.status:<9} {'yes' if rec.executed else 'no':<5} "
                   f"{mark:<13} {len(rec.final_calls()):>5} {rec.repair_rounds:>7} "
                   f"{rec.seconds:>7.2f}")

    def summary(self, s: dict[str, Any]) -> None:
        self.write("")
        self.write(f"{s['benchmark']}  model {s['model']}  items {s['items']}")
        for key, value in s.items():
            if key in ("type", "benchmark", "model", "items"):
                continue
            if key.endswith("_rate") and value is not None:
                value = f"{100 * value:.1f}%"
            self.write(f"  {key:<20} {value}")
