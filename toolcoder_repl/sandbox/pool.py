"""A warm pool of one: a child started ahead and blocked reading its request.

Interpreter start-up (and confinement) happens while the previous result is being used,
so `Sandbox.run` only pays for sending the request.

Children are spawned by one long-lived worker thread, not a thread per refill: bwrap's
--die-with-parent (and the fallback child's PR_SET_PDEATHSIG) fire when the *thread* that
forked the child exits, which would kill a warm child as soon as a short-lived thread ended.
"""

from __future__ import annotations

import threading

from ..config import SandboxLimits
from .isolation import IsolationLevel
from .spawn import Child, spawn


class WarmPool:
    def __init__(self, level: IsolationLevel, limits: SandboxLimits, enabled: bool = True) -> None:
        self.level, self.limits, self.enabled = level, limits, enabled
        self._cond = threading.Condition()
        self._child: Child | None = None
        self._wanted = False  # a refill was asked for and has not finished yet
        self._closed = False
        self._worker: threading.Thread | None = None
        if enabled:
            self._worker = threading.Thread(target=self._work, name="sandbox-warm", daemon=True)
            self._worker.start()
            self.refill()

    def take(self) -> tuple[Child, bool]:
        """A started child and whether it came from the pool."""
        with self._cond:
            # A refill in flight is only a Popen away: waiting for it beats a cold start.
            self._cond.wait_for(lambda: not self._wanted or self._closed, timeout=5)
            child, self._child = self._child, None
        if child is not None and child.alive():
            return child, True
        if child is not None:
            child.kill()
        return spawn(self.level, self.limits), False

    def refill(self) -> None:
        if not self.enabled:
            return
        with self._cond:
            if not self._closed:
                self._wanted = True
                self._cond.notify_all()

    def wait_ready(self, timeout: float = 5.0) -> Child | None:
        """The warm child once the pending refill is done (tests and benchmarks)."""
        with self._cond:
            self._cond.wait_for(lambda: not self._wanted or self._closed, timeout=timeout)
            return self._child

    def _work(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._wanted or self._closed)
                if self._closed:
                    return
                have = self._child is not None and self._child.alive()
            child = None
            if not have:
                try:
                    child = spawn(self.level, self.limits)
                except OSError:
                    child = None  # the next run spawns cold and reports the problem
            with self._cond:
                if child is not None:
                    stale, self._child = self._child, child
                else:
                    stale = None
                self._wanted = False
                self._cond.notify_all()
            if stale is not None:
                stale.kill()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._worker is not None and self._worker is not threading.current_thread():
            self._worker.join(timeout=10)
        with self._cond:
            child, self._child = self._child, None
        if child is not None:
            child.kill()
