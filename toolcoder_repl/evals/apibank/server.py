"""The API-Bank service over HTTP on loopback (standard library ThreadingHTTPServer).

POST /{ApiName}  JSON object of parameters -> {"api_name", "input", "output", "exception"}
                 (API errors: 200 with `exception` set, exactly as API-Bank records them;
                 malformed requests: 400 in the same envelope; unknown API: 404 with the names)
POST /reset      back to the packaged databases
GET  /openapi.json, GET /health, GET /  (list of APIs)
"""

from __future__ import annotations

import json
import logging
from typing import Any

from ..loopback_http import JsonHandler, ThreadedServer
from .openapi import openapi_spec
from .registry import BadRequest, all_apis, call, envelope
from .state import State

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000


class ApiBankService:
    """The API table bound to one State; thread-safe (one call at a time per instance)."""

    def __init__(self) -> None:
        self.state = State()
        self.apis = all_apis()

    def reset(self) -> None:
        self.state.reset()

    def handle(self, name: str, params: Any) -> tuple[int, dict[str, Any]]:
        if name not in self.apis:
            return 404, {"error": f"unknown API '{name}'", "apis": sorted(self.apis)}
        with self.state.lock:
            try:
                return 200, call(self.state, name, params)
            except BadRequest as exc:
                inp = params if isinstance(params, dict) else None
                return 400, envelope(name, inp, None, str(exc))
            except Exception as exc:  # noqa: BLE001 - a bug in one API must not be a 500
                log.exception("API %s failed", name)
                inp = params if isinstance(params, dict) else None
                return 400, envelope(name, inp, None, f"{type(exc).__name__}: {exc}")


class _Handler(JsonHandler):
    timeout = 30  # a client that stalls mid-request does not hold a thread forever
    server_version = "apibank-demo/1"
    service: ApiBankService  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s " + format, self.address_string(), *args)

    def _send(self, status: int, body: Any) -> None:
        self.reply(status, json.dumps(body, ensure_ascii=False).encode("utf-8"),
                   "application/json; charset=utf-8")

    def _path(self) -> str:
        return self.path.split("?", 1)[0].rstrip("/") or "/"

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        path = self._path()
        if path == "/health":
            self._send(200, {"status": "ok", "apis": len(self.service.apis)})
        elif path == "/openapi.json":
            spec = openapi_spec()
            # Imported from this URL, the tools should call this very server.
            host, port = self.server.server_address[:2]
            spec["servers"] = [{"url": f"http://{host}:{port}"}]
            self._send(200, spec)
        elif path == "/":
            self._send(200, {"apis": sorted(self.service.apis)})
        else:
            self._send(404, {"error": f"no such resource {path}; POST /ApiName with a JSON "
                             "object of parameters", "apis": sorted(self.service.apis)})

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        path = self._path()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            self._send(413 if length > MAX_BODY else 400, {"error": "bad Content-Length"})
            return
        raw = self.rfile.read(length) if length else b""
        if path == "/reset":
            self.service.reset()
            self._send(200, {"status": "reset"})
            return
        name = path.lstrip("/")
        if name not in self.service.apis:
            self._send(404, {"error": f"unknown API '{name}'", "apis": sorted(self.service.apis)})
            return
        try:
            params = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except (UnicodeDecodeError, ValueError) as exc:
            self._send(400, envelope(name, None, None, f"malformed JSON body: {exc}"))
            return
        status, body = self.service.handle(name, params)
        self._send(status, body)

    def do_PUT(self) -> None:  # noqa: N802 - stdlib name
        self._send(405, {"error": "use POST /ApiName"})

    do_DELETE = do_PATCH = do_PUT  # noqa: N815


class ApiBankServer:
    """One service instance on 127.0.0.1 (port 0 = a free port), served from a thread."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self.service = ApiBankService()
        handler = type("Handler", (_Handler,), {"service": self.service})
        self._server = ThreadedServer(handler, host, port, name="apibank")
        self.httpd = self._server.httpd

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ApiBankServer:
        self._server.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.5)

    def stop(self) -> None:
        self._server.stop()
