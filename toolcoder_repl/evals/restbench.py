"""RestBench (TMDB, Spotify) offline: query sets, a loopback mock of each API, path scoring.

The mock serves, for every operation of the benchmark's OpenAPI spec, the documented success
response: the spec's own example when it has one (every TMDB operation does), otherwise a value
built from the response schema (Spotify's spec has schemas but no examples). The code therefore
runs on correctly shaped data; the answers are not the real ones, so only the path metric and
the execution rate are meaningful offline (the sets hold no gold answers anyway).

The spec is registered through the normal importer, as toolset `tmdb` / `spotify`, inside the
eval's own throwaway database (harness.EvalEnv) with the mock's URL as base URL and no auth.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import UsageError
from ..resources import package_dir
from ..toolset.refs import RefResolver
from . import metrics
from .harness import EvalItem, ItemRecord
from .loopback_http import JsonHandler, ThreadedServer

BENCHMARKS = {"restbench-tmdb": "tmdb", "restbench-spotify": "spotify"}
METHODS = ("get", "post", "put", "patch", "delete")


# -- data ---------------------------------------------------------------------------------------
def default_data_dir() -> Path | None:
    """`../shared/data` next to the checkout, when present."""
    candidate = package_dir().parent.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


def restbench_dir(data: str | Path | None) -> Path:
    """The folder holding restgpt/datasets and restgpt/specs (accepts the data root too)."""
    base = Path(data).expanduser() if data else default_data_dir()
    if base is None:
        raise UsageError("RestBench data not found next to the checkout; pass --data DIR "
                         "(the folder holding restbench/restgpt/datasets and specs)")
    for cand in (base, base / "restbench", base.parent):
        if (cand / "restgpt" / "datasets").is_dir() and (cand / "restgpt" / "specs").is_dir():
            return cand
    raise UsageError(f"{base} holds no restgpt/datasets and restgpt/specs; pass --data with the "
                     "shared data folder or its restbench/ folder")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None


def load_items(name: str, data: str | Path | None = None) -> list[EvalItem]:
    """RestBench queries for `tmdb` or `spotify`: gold = the ordered solution path."""
    rows = _read_json(restbench_dir(data) / "restgpt" / "datasets" / f"{name}.json")
    return [EvalItem(id=f"{name}-{i + 1}", query=row["query"], gold=list(row["solution"]))
            for i, row in enumerate(rows)]


def load_spec(name: str, data: str | Path | None = None) -> dict[str, Any]:
    return _read_json(restbench_dir(data) / "restgpt" / "specs" / f"{name}_oas.json")


# -- responses from the spec ----------------------------------------------------------------------
def _resolve(spec: dict[str, Any], node: Any) -> Any:
    # The mock answers whatever it can: a ref the importer would reject just yields {}.
    try:
        return RefResolver(spec).resolve(node)
    except UsageError:
        return {}


def example_from_schema(spec: dict[str, Any], schema: Any, depth: int = 0) -> Any:
    """A small value of the schema's shape (one item per array; bounded depth for cycles)."""
    schema = _resolve(spec, schema)
    if not isinstance(schema, dict) or depth > 6:
        return None
    if "example" in schema:
        return schema["example"]
    if "enum" in schema and schema["enum"]:
        return schema["enum"][0]
    for key in ("allOf", "oneOf", "anyOf"):
        if schema.get(key):
            if key == "allOf":
                merged: dict[str, Any] = {}
                for part in schema["allOf"]:
                    value = example_from_schema(spec, part, depth + 1)
                    if isinstance(value, dict):
                        merged.update(value)
                return merged
            return example_from_schema(spec, schema[key][0], depth + 1)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {k: example_from_schema(spec, v, depth + 1)
                for k, v in (schema.get("properties") or {}).items()}
    if kind == "array":
        item = example_from_schema(spec, schema.get("items") or {}, depth + 1)
        return [] if item is None else [item]
    return {"integer": 1, "number": 1.0, "boolean": True}.get(kind, "string")


def success_response(spec: dict[str, Any], op: dict[str, Any]) -> tuple[int, Any]:
    """(status, JSON body or None) of an operation's documented success response."""
    responses = op.get("responses") or {}
    codes = sorted(c for c in responses if str(c).startswith("2")) or ["200"]
    code = str(codes[0])
    resp = _resolve(spec, responses.get(code) or responses.get(int(code)) or {})
    content = (resp.get("content") or {}) if isinstance(resp, dict) else {}
    media = content.get("application/json") or next(iter(content.values()), {}) if content else {}
    if not media:
        return (204, None) if code == "204" else (int(code), {})
    if "example" in media:
        return int(code), media["example"]
    for example in (media.get("examples") or {}).values():
        example = _resolve(spec, example)
        if isinstance(example, dict) and "value" in example:
            return int(code), example["value"]
    return int(code), example_from_schema(spec, media.get("schema") or {})


# -- the mock service -----------------------------------------------------------------------------
Route = tuple[str, "re.Pattern[str]", str, int, Any]


def routes_from_spec(spec: dict[str, Any]) -> list[Route]:
    """(METHOD, path regex, 'METHOD /template', status, body) for every operation; literal
    segments win over templated ones (/me/albums before /{id}/albums style clashes)."""
    routes = []
    for template, item in (spec.get("paths") or {}).items():
        for method, op in (item or {}).items():
            if method not in METHODS or not isinstance(op, dict):
                continue
            pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template.rstrip("/") or "/"))
            status, body = success_response(spec, op)
            routes.append((method.upper(), re.compile(f"^{pattern}/?$"),
                           f"{method.upper()} {template}", status, body))
    routes.sort(key=lambda r: r[2].count("{"))
    return routes


class MockRestService:
    """A loopback HTTP server answering every spec operation with its documented response.

    `calls` lists the "METHOD /template" of each request served (for tests and debugging).
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        self.routes = routes_from_spec(spec)
        self.calls: list[str] = []
        self._server: ThreadedServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the service first"
        return self._server.url

    def match(self, method: str, path: str) -> Route | None:
        for route in self.routes:
            if route[0] == method and route[1].match(path):
                return route
        return None

    def start(self) -> MockRestService:
        service = self

        class _Handler(JsonHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                path = urlsplit(self.path).path
                route = service.match(self.command, path)
                if route is None:
                    status, body = 404, {"status_code": 34, "status_message":
                                         f"The resource {self.command} {path} could not be found."}
                else:
                    service.calls.append(route[2])
                    status, body = route[3], route[4]
                if status == 204:
                    self.reply(status, b"", content_type=None)
                else:
                    self.reply(status, json.dumps(body).encode())

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        self._server = ThreadedServer(_Handler, name="restbench-mock").start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


def register(catalog: Any, name: str, spec: dict[str, Any], base_url: str) -> int:
    """Import the spec as toolset `name` pointing at the mock (no auth). Returns #tools."""
    from ..toolset.importer import import_spec_dict

    _, tools = import_spec_dict(catalog, spec, name=name, base_url=base_url, auth="none",
                                source=f"restbench:{name}")
    return len(tools)


# -- scoring ------------------------------------------------------------------------------------
def scorer(endpoint: Callable[[str], str | None]) -> Callable[[EvalItem, ItemRecord], dict]:
    """Path correctness over the final round's calls; `endpoint` maps a qualname to 'GET /x'."""

    def score(item: EvalItem, rec: ItemRecord) -> dict[str, Any]:
        made = [endpoint(c["tool"]) or f"? {c['tool']}" for c in rec.final_calls()]
        return {"gold_path": item.gold, "path": made,
                "path_correct": metrics.path_correct(item.gold, made)}

    return score
