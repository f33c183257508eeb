"""Run model-written code in a sandbox child and collect an ExecResult.

The host never executes user code: it sends one request to a confined child (from the warm
pool), serves the child's tool calls through `tool_handler` (the executor holds the keys,
the child never does), enforces the wall clock, the tool-call cap and the raw output cap,
and kills the child's whole process group when the result is in (or the limits are hit).
"""

from __future__ import annotations

import atexit
import signal
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from ..config import SandboxLimits
from .isolation import IsolationLevel, probe_isolation
from .pool import WarmPool
from .rpc import Cancelled, Deadline, FrameReader, OutputFlood, ProtocolError, write_frame

ToolHandler = Callable[[str, dict], dict]


@dataclass
class ExecResult:
    ok: bool
    value: Any = None
    value_repr: str = "None"
    stdout: str = ""
    stderr: str = ""
    traceback: str | None = None  # filtered to the user's code; line numbers match the code shown
    error_type: str | None = None
    error_message: str | None = None
    error_line: int | None = None
    tool_calls: list[dict] = field(default_factory=list)
    isolation: str = ""
    elapsed_ms: float = 0.0
    # None, or why the run was stopped: "timeout" | "cpu" | "memory" | "output" |
    # "file_size" | "protocol" | "crash" | "cancelled"
    killed: str | None = None

    def to_json(self) -> dict:
        return asdict(self)


def _fail(kind: str, error_type: str, message: str, **extra: Any) -> ExecResult:
    return ExecResult(ok=False, killed=kind, error_type=error_type, error_message=message,
                      traceback=f"{error_type}: {message}\n", **extra)


class Sandbox:
    def __init__(self, limits: SandboxLimits | None = None, isolation: str | None = None,
                 warm: bool = True) -> None:
        self.limits = limits or SandboxLimits()
        self._isolation = probe_isolation(isolation)
        self._pool = WarmPool(self._isolation, self.limits, enabled=warm)
        self._closed = False
        # The host may exit without calling close(): the warm child must not outlive it.
        atexit.register(_close_ref, weakref.ref(self))

    @property
    def isolation(self) -> IsolationLevel:
        return self._isolation

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._pool.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- run ----------------------------------------------------------------------------------
    def run(self, code: str, *, tools: Iterable[dict] = (), tool_handler: ToolHandler | None = None,
            preload: str = "", entry: str | None = None, filename: str = "main.py",
            cancel: threading.Event | None = None) -> ExecResult:
        """Run `code` (after `preload`) in a fresh confined child; never raises for user errors.

        `entry` is an expression evaluated last; its value (JSON, or None plus `value_repr`)
        is the result's value. Setting `cancel` stops the run (killed="cancelled").
        """
        if self._closed:
            raise RuntimeError("Sandbox.run() after close()")
        started = time.perf_counter()
        deadline = time.monotonic() + float(self.limits.wall_seconds)
        child, _warm = self._pool.take()
        request = {"type": "run", "code": code, "preload": preload, "entry": entry,
                   "filename": filename, "tools": list(tools),
                   "max_output": int(self.limits.output_bytes)}
        calls: list[dict] = []
        reader = FrameReader(child.resp_r, child.out_r, int(self.limits.output_bytes))
        try:
            result = self._converse(child, reader, request, deadline, tool_handler, calls,
                                    cancel)
        finally:
            child.kill()
            self._pool.refill()
        raw = reader.raw.decode("utf-8", "replace")
        if raw:
            result.stderr = (result.stderr + raw) if result.stderr else raw
        if result.killed is None and not result.ok and result.error_type == "MemoryError":
            result.killed = "memory"
        result.tool_calls = calls
        result.isolation = self._isolation.name
        result.elapsed_ms = (time.perf_counter() - started) * 1000
        return result

    def _converse(self, child, reader: FrameReader, request: dict, deadline: float,
                  tool_handler: ToolHandler | None, calls: list[dict],
                  cancel: threading.Event | None = None) -> ExecResult:
        limits = self.limits
        try:
            write_frame(child.req_w, request, deadline)
            while True:
                frame = reader.read(deadline, cancel)
                kind = frame.get("type")
                if kind == "tool":
                    reply = self._tool(frame, tool_handler, calls)
                    write_frame(child.req_w, {"type": "tool_result", "result": reply}, deadline)
                elif kind == "result":
                    return self._result(frame)
                else:
                    raise ProtocolError(f"the sandbox child sent an unknown message {kind!r}")
        except Deadline:
            return _fail("timeout", "TimeoutError",
                         f"the code ran longer than the {limits.wall_seconds:g} s wall-clock "
                         "limit and was stopped")
        except Cancelled:
            return _fail("cancelled", "Cancelled", "the run was cancelled")
        except OutputFlood:
            return _fail("output", "OutputLimitExceeded",
                         f"the code wrote more than {limits.output_bytes} bytes of output "
                         "and was stopped")
        except ProtocolError as exc:
            return self._died(child, reader, str(exc))

    def _died(self, child, reader: FrameReader, message: str) -> ExecResult:
        """The child went away without a proper result: say why as precisely as we can."""
        try:
            code = child.proc.wait(timeout=1)
        except Exception:  # noqa: BLE001 - still running: it broke the protocol
            code = None
        reader.drain_raw(0.2)
        if code is not None and code > 128 and child.level == "bubblewrap":
            code = 128 - code  # bwrap exits with 128+N when its command died of signal N
        if code is not None and code < 0:
            sig = -code
            if sig == signal.SIGXCPU:
                return _fail("cpu", "CPUTimeLimitExceeded",
                             f"the code used more than {self.limits.cpu_seconds} s of CPU time "
                             "and was stopped")
            if sig == signal.SIGXFSZ:
                return _fail("file_size", "FileSizeLimitExceeded",
                             f"the code wrote a file larger than {self.limits.file_size_mb} MB")
            if sig in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
                return _fail("crash", "SandboxCrash",
                             f"the interpreter crashed ({signal.Signals(sig).name}); "
                             "possibly out of memory")
            name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else sig
            return _fail("crash", "SandboxCrash", f"the sandbox process was killed ({name})")
        if "exited without a result" in message and code is not None:
            return _fail("crash", "SandboxCrash",
                         f"the sandbox process exited (status {code}) without a result")
        return _fail("protocol", "SandboxProtocolError", message)

    def _result(self, frame: dict) -> ExecResult:
        if frame.get("setup_error"):
            return _fail("crash", "SandboxSetupError",
                         f"the sandbox could not be set up: {frame['setup_error']}")
        res = ExecResult(
            ok=bool(frame.get("ok")), value=frame.get("value"),
            value_repr=str(frame.get("value_repr", "")), stdout=str(frame.get("stdout", "")),
            stderr=str(frame.get("stderr", "")), traceback=frame.get("traceback"),
            error_type=frame.get("error_type"), error_message=frame.get("error_message"),
            error_line=frame.get("error_line") if isinstance(frame.get("error_line"), int) else None,
        )
        if frame.get("output_exceeded"):
            res.killed = "output"
        return res

    def _tool(self, frame: dict, handler: ToolHandler | None, calls: list[dict]) -> dict:
        qualname = str(frame.get("tool", ""))
        args = frame.get("args")
        if not isinstance(args, dict):
            args = {}
        if len(calls) >= self.limits.max_tool_calls:
            return {"ok": False, "status": None, "data": None,
                    "error": {"tool": qualname, "status": None, "body_excerpt": "",
                              "reason": f"tool call limit reached (at most "
                                        f"{self.limits.max_tool_calls} calls per run)"}}
        t0 = time.perf_counter()
        if handler is None:
            reply = {"ok": False, "status": None, "data": None,
                     "error": {"tool": qualname, "status": None, "body_excerpt": "",
                               "reason": "no tools are available in this run"}}
        else:
            try:
                reply = handler(qualname, args)
            except Exception as exc:  # noqa: BLE001 - a handler bug must not kill the run
                reply = {"ok": False, "status": None, "data": None,
                         "error": {"tool": qualname, "status": None, "body_excerpt": "",
                                   "reason": f"{type(exc).__name__}: {exc}"}}
        elapsed = reply.get("elapsed_ms")
        calls.append({"tool": qualname, "arguments": args, "ok": bool(reply.get("ok")),
                      "status": reply.get("status"), "error": reply.get("error"),
                      "elapsed_ms": elapsed if isinstance(elapsed, (int, float))
                      else (time.perf_counter() - t0) * 1000})
        return reply


def _close_ref(ref: weakref.ref) -> None:
    sandbox = ref()
    if sandbox is not None:
        sandbox.close()

