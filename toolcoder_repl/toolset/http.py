"""Host-side execution of tool calls over HTTP (httpx), with the user's credentials.

The sandboxed code never sees a key or the network: it asks the host to call `tmdb.search_person`
with some arguments, and this module validates them, builds the request, adds auth, talks only
to hosts of registered toolsets, retries politely, caps the response size, and records the call.
It never raises for HTTP problems: callers get a ToolResult with ok=False and a structured error.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx

from ..config import redact
from .model import Tool, Toolset

RETRY_STATUSES = {429, 502, 503, 504}
EXCERPT = 500
SECRET_NAMES = re.compile(r"(^|_)(api_?key|key|token|access_token|secret|password|passwd|"
                          r"authorization|auth)$", re.IGNORECASE)


@dataclass
class ToolResult:
    ok: bool
    status: int | None
    data: Any
    error: dict | None  # {"status", "reason", "body_excerpt", "tool"}
    elapsed_ms: float = 0.0
    bytes: int = 0
    truncated: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "status": self.status, "data": self.data, "error": self.error,
                "elapsed_ms": round(self.elapsed_ms, 2), "bytes": self.bytes,
                "truncated": self.truncated}


def _fail(tool: str, reason: str, status: int | None = None, excerpt: str = "") -> ToolResult:
    return ToolResult(ok=False, status=status, data=None,
                      error={"status": status, "reason": reason, "body_excerpt": excerpt, "tool": tool})


def _wire_value(value: Any) -> str:
    """Query/path/header values: booleans as true/false, lists comma-joined, objects as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_wire_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _retry_after(value: str | None, fallback: float, cap: float) -> float:
    if value:
        try:
            return min(max(float(value), 0.0), cap)
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
                return min(max((when - datetime.now(timezone.utc)).total_seconds(), 0.0), cap)
            except (TypeError, ValueError):
                pass
    return min(fallback, cap)


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


class ToolExecutor:
    def __init__(self, catalog, key_lookup: Callable[[str], str | None], *,
                 transport: httpx.BaseTransport | None = None,
                 resolve_base_url: Callable[[Toolset], str] | None = None, store=None,
                 timeout: float = 20.0, max_retries: int = 2, max_bytes: int = 5_000_000,
                 max_retry_wait: float = 10.0, backoff: float = 0.5) -> None:
        self.catalog = catalog
        self.key_lookup = key_lookup
        self.resolve_base_url = resolve_base_url
        self.store = store
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_bytes = max_bytes
        self.max_retry_wait = max_retry_wait
        self.backoff = backoff
        self._client = httpx.Client(transport=transport, timeout=timeout, follow_redirects=False,
                                    headers={"User-Agent": "toolcoder-repl", "Accept": "application/json"})
        self._bases: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    # -- public -----------------------------------------------------------------------------
    def call(self, qualname: str, args: dict, *, session_id: int | None = None,
             turn_id: int | None = None) -> ToolResult:
        started = time.perf_counter()
        secrets: list[str] = []
        tool = self.catalog.get(qualname)
        if tool is None:
            result = _fail(qualname, self._unknown_tool(qualname))
        else:
            toolset = self.catalog.toolset(tool.toolset)
            try:
                result = self._call(tool, toolset, dict(args or {}), secrets)
            except Exception as exc:  # noqa: BLE001 - a bug must not kill the turn; report it
                result = _fail(qualname, f"internal error: {type(exc).__name__}: {exc}")
        result.elapsed_ms = (time.perf_counter() - started) * 1000
        if result.error:
            result.error = json.loads(redact(json.dumps(result.error), secrets))
        self._record(qualname, tool, args, result, secrets, session_id, turn_id)
        return result

    def close(self) -> None:
        self._client.close()

    # -- building the request ---------------------------------------------------------------
    def _unknown_tool(self, qualname: str) -> str:
        from .search import nearest_tools

        near = ", ".join(t.qualname for t in nearest_tools(qualname, self.catalog.tools(), k=3))
        return f"unknown tool '{qualname}'" + (f"; nearest: {near}" if near else "")

    def validate(self, tool: Tool, args: dict) -> tuple[dict[str, Any], str | None]:
        """Arguments keyed by wire name (None values dropped), or an error message."""
        by_name = {}
        for p in tool.parameters:
            by_name[p.pyname] = p
            by_name.setdefault(p.name, p)
        valid = ", ".join(f"{p.pyname}{'' if p.required else '?'}" for p in tool.parameters) or "none"
        unknown = [k for k in args if k not in by_name]
        if unknown:
            return {}, (f"{tool.qualname}() got unknown parameter(s) {', '.join(map(repr, unknown))}; "
                        f"valid parameters: {valid} (? = optional)")
        given = {by_name[k].name: v for k, v in args.items() if v is not None}
        missing = [p.pyname for p in tool.parameters if p.required and p.name not in given]
        if missing:
            return {}, (f"{tool.qualname}() missing required parameter(s) {', '.join(map(repr, missing))}; "
                        f"valid parameters: {valid} (? = optional)")
        return given, None

    def base_url(self, toolset: Toolset) -> str:
        key = (toolset.name, toolset.base_url)
        with self._lock:
            if key not in self._bases:
                url = self.resolve_base_url(toolset) if self.resolve_base_url else toolset.base_url
                self._bases[key] = url.rstrip("/")
            return self._bases[key]

    def allowed_hosts(self) -> set[str]:
        """Hosts of registered toolsets (`local:` ones only once they have been started)."""
        hosts = {_host(url) for url in self._bases.values()}
        for ts in self.catalog.toolsets():
            if not ts.base_url.startswith("local:"):
                hosts.add(_host(ts.base_url))
        return hosts

    def _call(self, tool: Tool, toolset: Toolset | None, args: dict, secrets: list[str]) -> ToolResult:
        if toolset is None:
            return _fail(tool.qualname, f"toolset '{tool.toolset}' is not registered")
        values, problem = self.validate(tool, args)
        if problem:
            return _fail(tool.qualname, problem)
        path, query, headers, body = tool.path, {}, {}, {}
        for p in tool.parameters:
            if p.name not in values:
                continue
            value = values[p.name]
            if p.location == "path":
                path = path.replace("{" + p.name + "}", quote(_wire_value(value), safe=""))
            elif p.location == "query":
                query[p.name] = _wire_value(value)
            elif p.location == "header":
                headers[p.name] = _wire_value(value)
            else:
                body[p.name] = value
        auth = self._auth(toolset, query, headers, secrets)
        if auth:
            return _fail(tool.qualname, auth)
        try:
            base = self.base_url(toolset)
        except Exception as exc:  # noqa: BLE001 - e.g. the local service failed to start
            return _fail(tool.qualname, f"cannot reach toolset '{toolset.name}': {exc}")
        content = None
        if tool.raw_body and "body" in body:
            content = json.dumps(body["body"]).encode()
        elif body:
            content = json.dumps(body).encode()
        if content is not None:
            headers["Content-Type"] = "application/json"
        url = base + path
        return self._send(tool, tool.method, url, query, headers, content)

    def _auth(self, toolset: Toolset, query: dict, headers: dict, secrets: list[str]) -> str | None:
        if toolset.auth_kind in ("none", ""):
            return None
        key = self.key_lookup(toolset.key_name) if toolset.key_name else None
        if not key:
            name = toolset.key_name or f"{toolset.name.upper()}_API_KEY"
            return (f"no API key '{name}' for toolset '{toolset.name}': run `toolcoder keys set "
                    f"{name}` or export {name}")
        secrets.append(key)
        if toolset.auth_kind == "bearer":
            headers["Authorization"] = f"Bearer {key}"
        elif toolset.auth_kind == "header":
            headers[toolset.auth_param or "Authorization"] = key
        elif toolset.auth_kind == "query":
            query[toolset.auth_param or "api_key"] = key
        elif toolset.auth_kind == "basic":
            user, _, password = key.partition(":")
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
            secrets.append(token)
        return None

    # -- sending ----------------------------------------------------------------------------
    def _send(self, tool: Tool, method: str, url: str, query: dict, headers: dict,
              content: bytes | None) -> ToolResult:
        name = tool.qualname
        attempt = 0
        hops = 0
        while True:
            try:
                request = self._client.build_request(method, url, params=query or None,
                                                     headers=headers, content=content)
                response = self._client.send(request, stream=True)
            except httpx.TimeoutException:
                return _fail(name, f"timed out after {self.timeout:g}s (the API did not answer)")
            except httpx.HTTPError as exc:
                if attempt < self.max_retries and isinstance(exc, httpx.ConnectError):
                    attempt += 1
                    time.sleep(min(self.backoff * 2 ** (attempt - 1), self.max_retry_wait))
                    continue
                return _fail(name, f"request failed: {type(exc).__name__}: {exc}")
            try:
                status = response.status_code
                if status in RETRY_STATUSES and attempt < self.max_retries:
                    wait = _retry_after(response.headers.get("Retry-After"),
                                        self.backoff * 2 ** attempt, self.max_retry_wait)
                    attempt += 1
                    time.sleep(wait)
                    continue
                if 300 <= status < 400 and response.headers.get("Location"):
                    target = urljoin(url, response.headers["Location"])
                    hops += 1
                    if hops > 5:
                        return _fail(name, "too many redirects", status)
                    if _host(target) not in self.allowed_hosts():
                        return _fail(name, f"redirect to {urlsplit(target).hostname} refused: only "
                                     "hosts of registered toolsets can be reached", status)
                    if status in (301, 302, 303):
                        method, content = "GET", None
                        headers.pop("Content-Type", None)
                    url, query = target, {}
                    continue
                return self._read(name, response)
            except httpx.TimeoutException:
                return _fail(name, f"timed out after {self.timeout:g}s while reading the answer")
            except httpx.HTTPError as exc:
                return _fail(name, f"reading the answer failed: {type(exc).__name__}: {exc}")
            finally:
                response.close()

    def _read(self, name: str, response: httpx.Response) -> ToolResult:
        chunks, size, truncated = [], 0, False
        for chunk in response.iter_bytes():
            if size + len(chunk) > self.max_bytes:
                chunks.append(chunk[: self.max_bytes - size])
                size, truncated = self.max_bytes, True
                break
            chunks.append(chunk)
            size += len(chunk)
        raw = b"".join(chunks)
        text = raw.decode(response.encoding or "utf-8", errors="replace")
        status = response.status_code
        if not 200 <= status < 300:
            result = _fail(name, response.reason_phrase or f"HTTP {status}", status, text[:EXCERPT])
        elif truncated:
            result = _fail(name, f"response larger than {self.max_bytes} bytes; it was cut. Ask for "
                           "less (a page, a limit, a filter)", status, text[:EXCERPT])
        else:
            data: Any = text
            ctype = response.headers.get("Content-Type", "")
            if raw and ("json" in ctype or text.lstrip()[:1] in ("{", "[")):
                try:
                    data = json.loads(text)
                except ValueError:
                    data = text
            elif not raw:
                data = None
            result = ToolResult(ok=True, status=status, data=data, error=None)
        result.bytes, result.truncated = size, truncated
        return result

    # -- recording --------------------------------------------------------------------------
    def _record(self, qualname: str, tool: Tool | None, args: Any, result: ToolResult,
                secrets: list[str], session_id: int | None, turn_id: int | None) -> None:
        if self.store is None:
            return
        safe = {}
        for k, v in (args or {}).items() if isinstance(args, dict) else []:
            safe[k] = "***" if SECRET_NAMES.search(str(k)) else v
        arguments = redact(json.dumps(safe, default=repr), secrets)
        error = redact(json.dumps(result.error), secrets) if result.error else None
        row = {"session_id": session_id, "turn_id": turn_id, "tool": qualname,
               "arguments": arguments, "status": result.status, "ok": int(result.ok),
               "latency_ms": round(result.elapsed_ms, 2), "bytes": result.bytes, "error": error,
               "ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds")}
        lock = getattr(self.store, "_lock", None) or threading.Lock()
        try:
            with lock:
                self.store.db["tool_calls"].insert(row)
        except Exception:  # noqa: BLE001 - recording must never break the call itself
            pass
