"""Which isolation the sandbox can use here, probed once and cached.

Levels, strongest first:
- bubblewrap: empty network namespace, new PID/IPC/UTS namespaces, read-only system, no home,
  private size-capped /tmp, --die-with-parent; plus the child's own rlimits and seccomp filter.
- landlock: the child restricts itself (filesystem read-only except a private tmp and the
  system/python folders readable, no TCP, no signals outside its domain), runs as a private
  unprivileged uid when we are root, rlimits, seccomp.
- rlimits: rlimits, a private unprivileged uid when we are root, seccomp (x86_64/aarch64),
  scrubbed environment. World-readable files stay readable; seccomp refuses every file write
  (nothing else confines the filesystem): a visible warning.
In every level the seccomp filter refuses sockets, fork/exec and namespace syscalls (threads
stay allowed), so subprocesses, fork bombs and network access fail inside the child.

TOOLCODER_SANDBOX=bubblewrap|landlock|rlimits forces a level (tests use it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache

from ..errors import ConfigError

LEVELS = ("bubblewrap", "landlock", "rlimits")
WARN_LANDLOCK = ("sandbox: bubblewrap unavailable; using Landlock + rlimits (no PID or network "
                 "namespace; network blocked by Landlock and seccomp)")
WARN_RLIMITS_ROOT = ("sandbox: no bubblewrap or Landlock; code runs with rlimits, seccomp and a "
                     "private uid only: it can read world-readable files (file writes are refused)")
WARN_RLIMITS_USER = ("sandbox: no bubblewrap or Landlock; code runs with rlimits and seccomp only: "
                     "it can read every file your user can read (file writes are refused)")


@dataclass
class IsolationLevel:
    name: str  # "bubblewrap" | "landlock" | "rlimits"
    warning: str  # "" when strong; otherwise a one-line warning for doctor and the UI


def python_executable() -> str:
    """The real interpreter (a pyenv shim costs ~100 ms per start)."""
    return os.path.realpath(sys.executable)


def python_roots() -> list[str]:
    exe_dir = os.path.dirname(python_executable())
    roots = {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)}
    roots.add(os.path.realpath(os.path.dirname(exe_dir)))
    return sorted(roots)


def _bwrap_works() -> bool:
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return False
    from .spawn import bwrap_prefix

    cmd = bwrap_prefix(bwrap, tmp_mb=4) + [python_executable(), "-I", "-S", "-c", "pass"]
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=10,
                              env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


def _landlock_works() -> bool:
    code = ("import ctypes,sys;l=ctypes.CDLL(None);l.syscall.restype=ctypes.c_long;"
            "sys.exit(0 if l.syscall(444,None,ctypes.c_size_t(0),ctypes.c_uint32(1))>=1 else 1)")
    try:
        proc = subprocess.run([python_executable(), "-I", "-S", "-c", code],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


def _level(name: str) -> IsolationLevel:
    rlimits = WARN_RLIMITS_ROOT if os.geteuid() == 0 else WARN_RLIMITS_USER
    warning = {"bubblewrap": "", "landlock": WARN_LANDLOCK, "rlimits": rlimits}[name]
    return IsolationLevel(name, warning)


@cache
def _probe(force: str | None) -> IsolationLevel:
    if force:
        if force not in LEVELS:
            raise ConfigError(f"TOOLCODER_SANDBOX={force!r} is not one of {', '.join(LEVELS)}")
        return _level(force)
    if sys.platform == "linux":
        if _bwrap_works():
            return _level("bubblewrap")
        if _landlock_works():
            return _level("landlock")
    return _level("rlimits")


def probe_isolation(force: str | None = None) -> IsolationLevel:
    """The strongest level that works here (cached). `force` or TOOLCODER_SANDBOX picks one."""
    return _probe(force or os.environ.get("TOOLCODER_SANDBOX") or None)
