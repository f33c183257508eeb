"""Sandbox child: runs model-written code in a fresh CPython and reports back over a pipe.

Standard library only (it runs inside the sandbox, where the package is not importable).
Started as `python -I bootstrap.py REQ_FD RESP_FD SETUP_JSON`. It confines itself first
(rlimits, optional uid drop, Landlock, seccomp: see confine.py), then blocks reading one
request frame, runs it, writes one result frame and `os._exit`s, so no `__del__`/atexit
hook can run after the result is sent.

Frames are a 4-byte big-endian length followed by UTF-8 JSON, in both directions.
"""

from __future__ import annotations

import builtins
import io
import json
import linecache
import os
import signal
import struct
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import confine  # noqa: E402  (sibling module, stdlib only)

del sys.path[0]

BOOT_FILES = {os.path.abspath(__file__), os.path.abspath(confine.__file__)}
MAX_VALUE_BYTES = 1_000_000


# -- framing -----------------------------------------------------------------------------------
def read_exact(fd: int, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise EOFError("host closed the pipe")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> dict:
    (length,) = struct.unpack(">I", read_exact(fd, 4))
    return json.loads(read_exact(fd, length))


def write_frame(fd: int, obj: dict, strict: bool = False) -> None:
    text = json.dumps(obj, ensure_ascii=False) if strict else \
        json.dumps(obj, ensure_ascii=False, default=repr)
    data = text.encode("utf-8", "replace")
    view = memoryview(struct.pack(">I", len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


# -- captured output ---------------------------------------------------------------------------
class OutputLimitExceeded(Exception):
    """Raised in the user's code when it prints more than the run's output cap."""


class CappedWriter(io.TextIOBase):
    def __init__(self, shared: dict, name: str) -> None:
        self.shared, self.name, self.parts = shared, name, []

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        room = self.shared["cap"] - self.shared["used"]
        if len(s) > room:
            self.parts.append(s[: max(room, 0)])
            self.shared["used"] = self.shared["cap"]
            self.shared["exceeded"] = True
            raise OutputLimitExceeded(f"output limit of {self.shared['cap']} characters exceeded")
        self.parts.append(s)
        self.shared["used"] += len(s)
        return len(s)

    def getvalue(self) -> str:
        return "".join(self.parts)

    @property
    def encoding(self) -> str:  # some code inspects sys.stdout.encoding
        return "utf-8"


# -- tools ---------------------------------------------------------------------------------------
class ToolError(Exception):
    """A tool call failed: non-2xx status, timeout, refused, bad arguments or the call cap."""

    def __init__(self, tool: str, status: int | None, body: str = "", reason: str = "") -> None:
        self.tool, self.status, self.body, self.reason = tool, status, body, reason
        if status is not None:
            msg = f"{tool} returned HTTP {status}"
            if reason:
                msg += f" {reason}"
            if body:
                msg += f": {body}"
        else:
            msg = f"{tool} failed: {reason or body or 'unknown error'}"
        super().__init__(msg)


class Channel:
    def __init__(self, req_fd: int, resp_fd: int) -> None:
        self.req_fd, self.resp_fd = req_fd, resp_fd
        self.lock = threading.Lock()  # user code may call tools from several threads

    def call(self, qualname: str, args: dict) -> object:
        with self.lock:
            try:
                write_frame(self.resp_fd, {"type": "tool", "tool": qualname, "args": args}, True)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"{qualname}(): arguments must be JSON values ({exc})") from None
            reply = read_frame(self.req_fd)
        result = reply.get("result") or {}
        if result.get("ok"):
            return result.get("data")
        err = result.get("error") or {}
        status = err.get("status", result.get("status"))
        raise ToolError(qualname, status, str(err.get("body_excerpt") or ""),
                        str(err.get("reason") or ""))


class Toolset:
    """`tmdb` in `tmdb.search_person(query="x")`."""

    def __init__(self, name: str) -> None:
        self.__name__ = name

    def __repr__(self) -> str:
        names = sorted(k for k in vars(self) if not k.startswith("_"))
        return f"<toolset {self.__name__}: {', '.join(names)}>"


def make_tool(desc: dict, channel: Channel):
    qualname = desc["qualname"]
    params = [p["name"] for p in desc.get("params", [])]
    required = [p["name"] for p in desc.get("params", []) if p.get("required")]

    def tool(*args, **kwargs):
        if len(args) > len(params):
            raise TypeError(f"{qualname}() takes {len(params)} positional arguments "
                            f"but {len(args)} were given")
        call = dict(zip(params, args, strict=False))
        for key, value in kwargs.items():
            if key not in params:
                raise TypeError(f"{qualname}() got an unexpected keyword argument '{key}'"
                                f" (parameters: {', '.join(params) or 'none'})")
            if key in call:
                raise TypeError(f"{qualname}() got multiple values for argument '{key}'")
            call[key] = value
        missing = [name for name in required if name not in call]
        if missing:
            raise TypeError(f"{qualname}() missing required argument(s): {', '.join(missing)}")
        return channel.call(qualname, call)

    tool.__name__ = tool.__qualname__ = desc.get("name") or qualname.rsplit(".", 1)[-1]
    sig = desc.get("signature") or ""
    tool.__doc__ = f"{sig}\n{desc.get('doc') or ''}".strip()
    return tool


# -- running -------------------------------------------------------------------------------------
def register_source(filename: str, source: str) -> None:
    lines = source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    linecache.cache[filename] = (len(source), None, lines, filename)


def to_json_value(value: object) -> tuple[object, str]:
    text = safe_repr(value)
    try:
        data = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return None, text
    if len(data) > MAX_VALUE_BYTES:
        return None, text
    return value, text


def safe_repr(value: object, limit: int = 2000) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # noqa: BLE001 - a broken __repr__ must not break the report
        text = f"<{type(value).__name__} object (repr failed: {type(exc).__name__})>"
    return text if len(text) <= limit else text[:limit] + "..."


def _filter(te: traceback.TracebackException, user_files: set) -> None:
    frames = [f for f in te.stack if os.path.abspath(f.filename) not in BOOT_FILES
              and f.filename != "<string>"]
    # Drop frames before the first user frame (nothing of ours should remain, but be sure).
    for i, frame in enumerate(frames):
        if frame.filename in user_files:
            frames = frames[i:]
            break
    te.stack = traceback.StackSummary.from_list(frames)
    for nested in (te.__cause__, te.__context__):
        if nested is not None:
            _filter(nested, user_files)


def describe_error(exc: BaseException, filename: str, user_files: set) -> dict:
    te = traceback.TracebackException(type(exc), exc, exc.__traceback__, compact=True)
    _filter(te, user_files)
    line = None
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        line = exc.lineno
    else:
        for frame in te.stack:
            if frame.filename == filename:
                line = frame.lineno
    try:
        message = str(exc)
    except Exception:  # noqa: BLE001
        message = "<unprintable>"
    return {"traceback": "".join(te.format()), "error_type": type(exc).__name__,
            "error_message": message, "error_line": line}


def run(req: dict, channel: Channel) -> dict:
    filename = req.get("filename") or "main.py"
    shared = {"cap": int(req.get("max_output", 200_000)), "used": 0, "exceeded": False}
    out, err = CappedWriter(shared, "stdout"), CappedWriter(shared, "stderr")
    namespaces: dict[str, Toolset] = {}
    for desc in req.get("tools", []):
        ts = namespaces.setdefault(desc["toolset"], Toolset(desc["toolset"]))
        tool = make_tool(desc, channel)
        setattr(ts, tool.__name__, tool)
    builtins.ToolError = ToolError
    glb: dict = {"__name__": "__main__", "__builtins__": builtins, **namespaces}
    user_files = {filename, "library.py", "<entry>"}
    result: dict = {"ok": True, "value": None, "value_repr": "None", "traceback": None,
                    "error_type": None, "error_message": None, "error_line": None}
    sys.stdout, sys.stderr = out, err
    sys.argv = [filename]
    try:
        preload = req.get("preload") or ""
        if preload.strip():
            register_source("library.py", preload)
            exec(compile(preload, "library.py", "exec"), glb)
        code = req.get("code") or ""
        register_source(filename, code)
        exec(compile(code, filename, "exec"), glb)
        entry = req.get("entry")
        if entry:
            register_source("<entry>", entry)
            value = eval(compile(entry, "<entry>", "eval"), glb)
            result["value"], result["value_repr"] = to_json_value(value)
    except BaseException as exc:  # noqa: BLE001 - SystemExit/KeyboardInterrupt are user errors too
        result["ok"] = False
        result.update(describe_error(exc, filename, user_files))
        if isinstance(exc, SystemExit) and exc.code in (None, 0) and not req.get("entry"):
            # sys.exit(0) ends a script successfully; with an entry call it is an error.
            result.update(ok=True, traceback=None, error_type=None, error_message=None,
                          error_line=None)
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    result["stdout"], result["stderr"] = out.getvalue(), err.getvalue()
    result["output_exceeded"] = shared["exceeded"]
    return result


def main() -> None:
    req_fd, resp_fd = int(sys.argv[1]), int(sys.argv[2])
    setup = json.loads(sys.argv[3])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # over-size writes raise OSError instead
    try:
        notes = confine.apply(setup)
    except Exception as exc:  # noqa: BLE001 - report why the sandbox could not be set up
        write_frame(resp_fd, {"type": "result", "ok": False, "setup_error": f"{exc}"})
        os._exit(3)
    channel = Channel(req_fd, resp_fd)
    try:
        req = read_frame(req_fd)
    except EOFError:
        os._exit(0)  # a warm child whose host went away
    started = time.perf_counter()
    result = run(req, channel)
    result.update(type="result", confinement=notes,
                  child_ms=(time.perf_counter() - started) * 1000)
    try:
        write_frame(resp_fd, result)
    finally:
        os._exit(0)  # never run finalizers, atexit hooks or lingering threads after the result


if __name__ == "__main__":
    main()
