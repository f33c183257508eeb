"""The common evaluation loop: for each item a fresh session, one `run_turn`, the events
collected into a per-item record, then scored and summarised.

The harness is one more consumer of the pipeline's event stream, like the UI: it builds a
Pipeline and reads events; it never looks inside a turn.

Where the eval writes: nowhere in the user's home. `EvalEnv` opens its own database in a
throwaway temporary folder (its own catalog with the benchmark toolsets, its own library,
sessions, turns and events) and deletes it at the end, so the user's `tmdb` toolset, library
and history stay untouched. Only the model (spec, keys, downloaded weights) and the sandbox
limits come from the user's runtime, read-only. The library starts empty and grows across the
items of one run, as in ToolCoder's cumulative setting.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..coder import events as ev
from ..coder.events import Event


@dataclass
class EvalItem:
    id: str
    query: str
    gold: Any
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class ItemRecord:
    """What one item's event stream says, plus the benchmark's scores (`scores`)."""

    id: str
    query: str
    status: str = "failed"  # turn_done status: done | failed | cancelled
    executed: bool = False  # the last execution round ran without an exception
    answer: str = ""
    value: Any = None
    failure: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)  # every tool_call, with its round
    rounds: int = 0  # execution rounds (1 + repairs)
    repair_rounds: int = 0
    replans: int = 0
    reused: list[str] = field(default_factory=list)
    saved: list[str] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    scores: dict[str, Any] = field(default_factory=dict)

    def final_calls(self) -> list[dict[str, Any]]:
        """The calls of the last execution round: what the code that stands actually did."""
        last = max((c["round"] for c in self.calls), default=0)
        return [c for c in self.calls if c["round"] == last]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        scores = data.pop("scores")
        data["value"] = _jsonable(self.value)
        return {"type": "item", **data, **scores}


def _jsonable(value: Any, limit: int = 2000) -> Any:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)[:limit]
    return value if len(text) <= limit else text[:limit] + "..."


def record_from_events(item: EvalItem, events: Iterable[Event]) -> ItemRecord:
    """Fold one turn's events into a record (pure: no pipeline, no store)."""
    rec = ItemRecord(id=item.id, query=item.query)
    round_ = 0
    failed_rounds: set[int] = set()
    started = False
    for e in events:
        t = e.type
        if t == ev.EXEC_STARTED:
            round_ = int(e.get("round", 0) or 0)
            rec.rounds += 1
            started = True
        elif t == ev.TOOL_CALL:
            rec.calls.append({"tool": e.get("tool"), "arguments": e.get("arguments") or {},
                              "ok": bool(e.get("ok")), "status": e.get("status"),
                              "round": round_})
        elif t == ev.TRACEBACK:
            failed_rounds.add(int(e.get("round", round_) or 0))
        elif t == ev.CODE:
            rec.repair_rounds = max(rec.repair_rounds, int(e.get("round", 0) or 0))
        elif t == ev.REPLAN:
            rec.replans += 1
        elif t == ev.FUNCTION_REUSED:
            rec.reused.append(e.get("name"))
        elif t == ev.FUNCTION_SAVED:
            rec.saved.append(e.get("name"))
        elif t == ev.USAGE:
            rec.prompt_tokens += int(e.get("prompt_tokens") or 0)
            rec.completion_tokens += int(e.get("completion_tokens") or 0)
        elif t == ev.ANSWER:
            rec.answer, rec.value = e.get("text", ""), e.get("value")
        elif t == ev.FAILED:
            rec.failure = f"{e.get('stage')}: {e.get('reason')}"
        elif t == ev.TURN_DONE:
            rec.status = e.get("status", "failed")
    rec.executed = started and round_ not in failed_rounds
    return rec


Scorer = Callable[[EvalItem, ItemRecord], dict[str, Any]]


def run_items(pipeline: Any, items: Iterable[EvalItem], score: Scorer, *,
              before_item: Callable[[EvalItem], None] | None = None,
              cancel: Any = None) -> Iterator[ItemRecord]:
    """Run each item in a fresh session and yield its scored record as soon as it is done."""
    for item in items:
        if before_item is not None:
            before_item(item)
        session = pipeline.new_session()
        started = time.perf_counter()
        events = list(pipeline.run_turn(session, item.query, cancel))
        rec = record_from_events(item, events)
        rec.seconds = round(time.perf_counter() - started, 3)
        rec.scores = score(item, rec)
        yield rec
        if cancel is not None and cancel.is_set():
            return


class EvalEnv:
    """A throwaway home for one eval run: database, catalog, executor, library, pipeline."""

    def __init__(self, rt: Any) -> None:
        from ..library.repository import Library
        from ..store.db import Store
        from ..toolset.catalog import Catalog
        from ..toolset.http import ToolExecutor

        self.rt = rt
        self._tmp = tempfile.TemporaryDirectory(prefix="toolcoder-eval-")
        self.path = Path(self._tmp.name)
        self.store = Store.open(self.path / "toolcoder.db")
        self.catalog = Catalog(self.store.db)
        # Benchmark services need no keys: the executor gets none of the user's.
        self.executor = ToolExecutor(self.catalog, key_lookup=lambda name: None,
                                     resolve_base_url=rt.resolve_base_url, store=self.store)
        self.library = Library(self.store.db)
        self._closers: list[Any] = []

    def on_close(self, obj: Any) -> None:
        self._closers.append(obj)

    def pipeline(self) -> Any:
        from ..coder.pipeline import Pipeline

        return Pipeline(model=self.rt.model(), catalog=self.catalog, executor=self.executor,
                        sandbox=self.rt.sandbox, library=self.library, store=self.store,
                        settings=self.rt.config.pipeline, secrets=self.rt.home.secret_values())

    def tool_endpoint(self, qualname: str) -> str | None:
        """'tmdb.search_person' -> 'GET /search/person' (None for a name the catalog lacks)."""
        tool = self.catalog.get(qualname)
        return f"{tool.method.upper()} {tool.path}" if tool else None

    def close(self) -> None:
        for obj in reversed(self._closers):
            try:
                obj.close()
            except Exception:  # noqa: BLE001 - shutting down
                pass
        self._closers.clear()
        try:
            self.executor.close()
        finally:
            try:
                self.store.db.conn.close()
            finally:
                self._tmp.cleanup()

    def __enter__(self) -> EvalEnv:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
