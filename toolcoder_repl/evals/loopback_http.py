"""JSON over HTTP on loopback, served from a thread: the base of the demo service, the RestBench
mock and the tests' fixture server (stdlib only, so nothing heavy loads with the demo)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class JsonHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    # Headers and body go out in separate writes; without this each keep-alive request waits
    # ~40 ms for a delayed ACK.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def reply(self, status: int, data: bytes, content_type: str | None = "application/json",
              headers: dict[str, str] | None = None) -> None:
        """Send a whole response; a client that went away is not an error."""
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


class ThreadedServer:
    """A ThreadingHTTPServer on host:port (0 = a free port), served from a daemon thread."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1",
                 port: int = 0, name: str = "http") -> None:
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.name = name
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.httpd.server_address[0]}:{self.port}"

    def start(self, poll_interval: float = 0.2) -> ThreadedServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name=self.name,
                                        kwargs={"poll_interval": poll_interval}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.httpd.server_close()
