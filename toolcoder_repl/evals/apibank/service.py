"""Embedded services started on demand: `local:NAME` base URLs resolve here.

`ServiceManager.shared().url_for("apibank")` starts the API-Bank service in a background
thread on a free loopback port the first time it is needed and reuses it afterwards.
"""

from __future__ import annotations

import threading
from typing import ClassVar

from ...errors import UsageError
from .server import ApiBankServer

SERVICES = {"apibank": ApiBankServer}


class ServiceManager:
    _shared: ClassVar[ServiceManager | None] = None
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        self._servers: dict[str, ApiBankServer] = {}
        self._lock = threading.Lock()

    @classmethod
    def shared(cls) -> ServiceManager:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def url_for(self, name: str) -> str:
        """Base URL of the named service, starting it on first use."""
        factory = SERVICES.get(name)
        if factory is None:
            raise UsageError(f"unknown embedded service 'local:{name}'; known: "
                             f"{', '.join(sorted(SERVICES))}")
        with self._lock:
            server = self._servers.get(name)
            if server is None:
                server = factory().start()
                self._servers[name] = server
            return server.url

    def running(self) -> dict[str, str]:
        with self._lock:
            return {name: server.url for name, server in self._servers.items()}

    def reset(self, name: str) -> None:
        """Back to the packaged databases (the service keeps its port)."""
        with self._lock:
            server = self._servers.get(name)
        if server is not None:
            server.service.reset()

    def close(self) -> None:
        """Stop every service; a later url_for() starts a fresh one."""
        with self._lock:
            servers, self._servers = list(self._servers.values()), {}
        for server in servers:
            server.stop()
