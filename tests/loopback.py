"""A real HTTP server on 127.0.0.1 for tool tests. Routes are plain Python callables.

    server = LoopbackServer()
    server.route("GET", "/movie/{id}", lambda req: (200, {"id": req.params["id"]}))
    server.start(); ... server.url ...; server.stop()

A handler gets a Request and returns (status, body[, headers]); body may be dict/list (JSON),
str or bytes. Every request is kept in `server.requests` for assertions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from toolcoder_repl.evals.loopback_http import JsonHandler, ThreadedServer


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body or b"null")


Handler = Callable[[Request], tuple]


class LoopbackServer:
    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.requests: list[Request] = []
        self._server: ThreadedServer | None = None

    def route(self, method: str, template: str, handler: Handler) -> None:
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self.routes.append((method.upper(), re.compile(f"^{pattern}$"), handler))

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the server first"
        return self._server.url

    def start(self) -> LoopbackServer:
        server = self

        class _Handler(JsonHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                req = Request(self.command, parts.path, parse_qs(parts.query),
                              {k.lower(): v for k, v in self.headers.items()},
                              self.rfile.read(length) if length else b"")
                server.requests.append(req)
                for method, pattern, handler in server.routes:
                    m = pattern.match(parts.path)
                    if m and method == self.command:
                        req.params = m.groupdict()
                        result = handler(req)
                        break
                else:
                    result = (404, {"error": f"no route {self.command} {parts.path}"})
                status, body, *rest = result
                headers = dict(rest[0]) if rest else {}
                content_type = headers.pop("Content-Type", None)
                if isinstance(body, (dict, list)):
                    data, default_type = json.dumps(body).encode(), "application/json"
                elif isinstance(body, str):
                    data, default_type = body.encode(), "text/plain"
                else:
                    data, default_type = body, None
                self.reply(status, data, content_type or default_type, headers)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        self._server = ThreadedServer(_Handler, name="loopback").start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.stop()
            self._server = None
