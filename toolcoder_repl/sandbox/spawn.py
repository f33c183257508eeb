"""Start one sandbox child for an isolation level, and kill everything it started.

A child is `python -I child/bootstrap.py REQ_FD RESP_FD SETUP` (under bwrap for the
bubblewrap level). It gets two pipes to the host plus one for raw fd 1/2 output, a scrubbed
environment, its own session/process group, and a setup dict telling it how to confine
itself before it reads its request (see child/confine.py).
"""

from __future__ import annotations

import functools
import json
import os
import py_compile
import random
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..config import SandboxLimits
from .isolation import IsolationLevel, python_executable, python_roots

CHILD_DIR = Path(__file__).resolve().parent / "child"
BWRAP_CHILD_DIR = "/run/toolcoder-child"
MB = 1024 * 1024
# Imported by the child while it starts (in the warm pool, before any request): user code
# often needs them, and it keeps the first import off the measured path.
PREIMPORT = ["re", "math", "datetime", "collections", "itertools", "functools", "urllib.parse"]
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin")


def _under_usr(path: str) -> bool:
    return path == "/usr" or path.startswith("/usr/")


def bwrap_prefix(bwrap: str, tmp_mb: int) -> list[str]:
    """bwrap arguments up to (not including) the command: no network, no home, read-only system."""
    args = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--hostname", "sandbox", "--clearenv"]
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for root in python_roots():
        if not _under_usr(root):
            args += ["--ro-bind", root, root]
    args += ["--ro-bind", str(CHILD_DIR), BWRAP_CHILD_DIR,
             "--size", str(tmp_mb * MB), "--tmpfs", "/tmp",
             "--proc", "/proc", "--dev", "/dev", "--remount-ro", "/", "--chdir", "/tmp"]
    return args


def _child_env(tmp: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": tmp,
            "TMPDIR": tmp, "PYTHONIOENCODING": "utf-8"}


def _unused_uid() -> int:
    # A fresh uid per child: it owns no file, can signal no other process, and its
    # RLIMIT_NPROC count starts at zero.
    return 1_000_000_000 + random.randrange(100_000_000)


@dataclass
class Child:
    proc: subprocess.Popen
    level: str
    req_w: int  # host writes requests / tool replies
    resp_r: int  # host reads tool requests / the result
    out_r: int  # raw fd 1/2 of the child (interpreter crashes, os.write(1, ...))
    tmp: str | None = None  # host-side private tmp (fallback levels)
    uid: int | None = None
    started: float = field(default_factory=time.perf_counter)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """Kill the child's whole process group (and, for a private uid, every process of it)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not ignorable
            pass
        if self.uid is not None:
            _kill_uid(self.uid)
        for fd in (self.req_w, self.resp_r, self.out_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self.req_w = self.resp_r = self.out_r = -1
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


def _live_pids_of(uid: int) -> list[int]:
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.stat(f"/proc/{name}").st_uid != uid:
                continue
            with open(f"/proc/{name}/stat", "rb") as fh:
                state = fh.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in (b"Z", b"X"):
            pids.append(int(name))
    return pids


def _kill_uid(uid: int) -> None:
    """Anything the child left behind under its private uid (escaped its process group)."""
    for _ in range(50):
        pids = _live_pids_of(uid)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)


@functools.cache
def _precompile() -> None:
    """Byte-compile the child's helper once: inside bwrap its folder is read-only."""
    try:
        py_compile.compile(str(CHILD_DIR / "confine.py"), doraise=True)
    except (OSError, py_compile.PyCompileError):
        pass


def spawn(level: IsolationLevel, limits: SandboxLimits) -> Child:
    """Start a child that confines itself and then waits for one request."""
    _precompile()
    is_root = os.geteuid() == 0
    uid = _unused_uid() if is_root and level.name != "bubblewrap" else None
    rlimits = {"cpu": max(1, int(limits.cpu_seconds)), "as": int(limits.memory_mb) * MB,
               "fsize": int(limits.file_size_mb) * MB, "nofile": 256, "core": 0,
               "nproc": 64 if uid is not None else None}
    tmp = None
    if level.name == "bubblewrap":
        child_tmp = "/tmp"
        bootstrap = f"{BWRAP_CHILD_DIR}/bootstrap.py"
        tmp_mb = max(64, 4 * int(limits.file_size_mb))
        prefix = bwrap_prefix(shutil.which("bwrap") or "bwrap", tmp_mb)
        for key, value in _child_env(child_tmp).items():
            prefix += ["--setenv", key, value]
        env = {"PATH": "/usr/bin:/bin"}
    else:
        tmp = tempfile.mkdtemp(prefix="toolcoder-sbx-")
        if uid is not None:
            os.chown(tmp, uid, uid)
        os.chmod(tmp, 0o700)
        child_tmp = tmp
        bootstrap = str(CHILD_DIR / "bootstrap.py")
        prefix = []
        env = _child_env(tmp)
    setup = {
        "rlimits": rlimits, "drop_uid": uid, "tmp": child_tmp, "python_roots": python_roots(),
        "pdeathsig": level.name != "bubblewrap", "seccomp": True, "preimport": PREIMPORT,
        "landlock": None,
        # Nothing confines the filesystem at the rlimits level: refuse file writes instead.
        "no_writes": level.name == "rlimits",
    }
    if level.name == "landlock":
        ro = [*SYSTEM_DIRS, *python_roots(), str(CHILD_DIR), "/dev/urandom", "/dev/random",
              "/dev/zero"]
        setup["landlock"] = {"ro": ro, "rw": [child_tmp], "rw_files": ["/dev/null"]}
    req_r, req_w = os.pipe()
    resp_r, resp_w = os.pipe()
    out_r, out_w = os.pipe()
    cmd = [*prefix, python_executable(), "-I", bootstrap, str(req_r), str(resp_w),
           json.dumps(setup)]
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w,
                                pass_fds=(req_r, resp_w), start_new_session=True, env=env,
                                cwd=tmp or "/", close_fds=True)
    except BaseException:
        for fd in (req_r, req_w, resp_r, resp_w, out_r, out_w):
            os.close(fd)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    for fd in (req_r, resp_w, out_w):
        os.close(fd)
    for fd in (req_w, resp_r, out_r):
        os.set_inheritable(fd, False)
    return Child(proc, level.name, req_w, resp_r, out_r, tmp, uid)
