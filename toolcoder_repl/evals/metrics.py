"""Pure scoring functions shared by the benchmark harnesses (no I/O, no package imports).

RestBench's path metric: the gold call list must be an in-order (not necessarily contiguous)
subsequence of the calls the code actually made. API-Bank's call metric compares names and
normalised parameters; its agenda/meeting/reminder checks judge free text by word-set Jaccard.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from statistics import mean
from typing import Any

_PARAM = re.compile(r"\{[^/{}]*\}")


def normalise_call(call: str) -> str:
    """'get /person/{person_id}/' -> 'GET /person/{}': method upper-cased, one slash between
    segments, no trailing slash, path parameters anonymous (specs and gold lists name them
    differently)."""
    method, _, path = call.strip().partition(" ")
    path = re.sub(r"/+", "/", "/" + path.strip().split("?", 1)[0]).rstrip("/") or "/"
    return f"{method.upper()} {_PARAM.sub('{}', path)}"


def in_order_subsequence(gold: Sequence[Any], made: Sequence[Any]) -> bool:
    """True when every gold element appears in `made` in the same order (gaps allowed).

    An empty gold list is trivially contained; repeated gold elements need repeated calls.
    """
    it = iter(made)
    return all(any(m == g for m in it) for g in gold)


def path_correct(gold: Sequence[str], made: Sequence[str]) -> bool:
    """RestBench path correctness on normalised "METHOD /path" strings."""
    return in_order_subsequence([normalise_call(g) for g in gold],
                                [normalise_call(m) for m in made])


def rate(numerator: float, denominator: float) -> float:
    """A ratio in [0, 1]; 0.0 for an empty denominator (no items is not 100%)."""
    return numerator / denominator if denominator else 0.0


def jaccard(a: str, b: str, *, lower: bool = False) -> float:
    """Word-set Jaccard on space-split tokens, as API-Bank's content checks compute it."""
    if lower:
        a, b = a.lower(), b.lower()
    sa, sb = set(str(a).split(" ")), set(str(b).split(" "))
    union = sa | sb
    return len(sa & sb) / len(union) if union else 1.0


def _weighted_rate(records: Sequence[dict[str, Any]], key: str) -> float | None:
    scored = [r for r in records if r.get(key) is not None]
    if not scored:
        return None
    total = sum(float(r.get("weight", 1)) for r in scored)
    hits = sum(float(r.get("weight", 1)) for r in scored if r[key])
    return round(rate(hits, total), 4)


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return round(mean(values), 3) if values else 0.0


def summarise(records: Sequence[dict[str, Any]], score_keys: Sequence[str] = ()) -> dict[str, Any]:
    """One summary object over per-item records (see harness.ItemRecord.to_json()).

    `score_keys` are boolean per-item fields (e.g. "path_correct", "correct") reported as
    rates; items may carry a "weight" (API-Bank counts a few samples twice).
    """
    n = len(records)
    summary: dict[str, Any] = {"items": n}
    for key in score_keys:
        summary[f"{key}_rate"] = _weighted_rate(records, key)
    summary.update({
        "executed_rate": round(rate(sum(1 for r in records if r.get("executed")), n), 4),
        "done_rate": round(rate(sum(1 for r in records if r.get("status") == "done"), n), 4),
        "mean_repair_rounds": _mean(r.get("repair_rounds", 0) for r in records),
        "items_with_repairs": sum(1 for r in records if r.get("repair_rounds", 0) > 0),
        "replans": sum(int(r.get("replans", 0)) for r in records),
        "reuse_rate": round(rate(sum(1 for r in records if r.get("reused")), n), 4),
        "functions_saved": sum(len(r.get("saved") or []) for r in records),
        "mean_tool_calls": _mean(len(r.get("calls") or []) for r in records),
        "prompt_tokens": sum(int(r.get("prompt_tokens", 0)) for r in records),
        "completion_tokens": sum(int(r.get("completion_tokens", 0)) for r in records),
        "mean_tokens": _mean(int(r.get("prompt_tokens", 0)) + int(r.get("completion_tokens", 0))
                             for r in records),
        "mean_seconds": _mean(float(r.get("seconds", 0.0)) for r in records),
        "total_seconds": round(sum(float(r.get("seconds", 0.0)) for r in records), 3),
    })
    return summary
