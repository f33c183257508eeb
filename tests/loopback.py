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
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


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
        self._httpd: ThreadingHTTPServer | None = None

    def route(self, method: str, template: str, handler: Handler) -> None:
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self.routes.append((method.upper(), re.compile(f"^{pattern}$"), handler))

    @property
    def url(self) -> str:
        assert self._httpd is not None, "start() the server first"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LoopbackServer:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; without this each keep-alive request
            # waits ~40 ms for a delayed ACK.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

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
                if isinstance(body, (dict, list)):
                    data = json.dumps(body).encode()
                    headers.setdefault("Content-Type", "application/json")
                elif isinstance(body, str):
                    data = body.encode()
                    headers.setdefault("Content-Type", "text/plain")
                else:
                    data = body
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
