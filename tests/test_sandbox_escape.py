"""Escape suite: every attempt must fail inside the sandbox and leave the host unaffected.

Runs under bubblewrap and under both fallback levels (forced). What "fail" means per attempt:
- reads (home secret, keys file, parent environment): the secret never reaches the result;
- writes outside the sandbox's tmp: no file appears on the host;
- network (TCP to a loopback server, DNS): an exception in the child, no request on the server;
- processes (subprocess, os.system, posix_spawn, fork_exec, fork bomb, libc via ctypes): the
  call errors (seccomp refuses fork/exec/socket; ctypes itself loads, every escape through it fails);
- signals: the host process survives and the sandbox still works afterwards;
- resources (8 GB, 1 GB file, 100 MB of output, infinite loop, sleep): a clear limit error;
- a __del__/atexit/thread running after the result: cannot change the result, leaves nothing.
At the `rlimits` level nothing confines the filesystem, so seccomp refuses every file write
(opens with a write flag, creating, removing or renaming paths); the child can still read
world-readable files, but it runs as a private unprivileged uid, so 0700/0600 files (a home
folder, keys.json) stay out of reach.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from toolcoder_repl.config import Home, SandboxLimits
from toolcoder_repl.sandbox.isolation import probe_isolation
from toolcoder_repl.sandbox.runner import Sandbox
from toolcoder_repl.sandbox.spawn import _live_pids_of

LEVELS = ["bubblewrap", "landlock", "rlimits"]
LIMITS = SandboxLimits(wall_seconds=3, cpu_seconds=2, memory_mb=512, file_size_mb=8,
                       output_bytes=100_000, max_tool_calls=5)
SECRET = "s3cr3t-d0-not-leak-7781"


def _available(level: str) -> bool:
    if level == "bubblewrap":
        return shutil.which("bwrap") is not None and probe_isolation().name == "bubblewrap"
    if level == "landlock":
        return probe_isolation().name in ("bubblewrap", "landlock")
    return True


@pytest.fixture(scope="module", params=LEVELS)
def sandbox(request):
    if not _available(request.param):
        pytest.skip(f"{request.param} is not available on this machine")
    sb = Sandbox(LIMITS, isolation=request.param)
    yield sb
    sb.close()


def leaked(result, *secrets: str) -> bool:
    blob = json.dumps(result.to_json())
    return any(s in blob for s in secrets)


def attempt(sandbox: Sandbox, body: str, **kw):
    """Run `body` (a function body returning a report) and return the ExecResult."""
    code = "def attempt():\n" + "".join(f"    {line}\n" for line in body.strip().splitlines())
    return sandbox.run(code, entry="attempt()", **kw)


def test_read_planted_home_secret(sandbox: Sandbox, tmp_path: Path) -> None:
    home = tmp_path / "userhome"
    home.mkdir()
    secret = home / ".netrc"
    secret.write_text(SECRET)
    secret.chmod(0o644)  # even a world-readable file in the home folder
    r = attempt(sandbox, f"""
out = []
for p in [{str(secret)!r}, os.path.expanduser('~/.netrc'), '/root/.bashrc', '/etc/shadow']:
    try:
        out.append(open(p).read())
    except Exception as exc:
        out.append(type(exc).__name__)
return out
""".replace("out = []", "import os\nout = []"))
    assert r.ok, r.traceback
    assert not leaked(r, SECRET)
    assert all(isinstance(v, str) and v.endswith("Error") for v in r.value), r.value


def test_read_keys_file(sandbox: Sandbox, home: Path) -> None:
    Home(home).set_key("TMDB_API_KEY", SECRET)
    keys = home / "keys.json"
    r = attempt(sandbox, f"""
try:
    return open({str(keys)!r}).read()
except Exception as exc:
    return type(exc).__name__
""")
    assert r.ok and not leaked(r, SECRET)
    assert r.value.endswith("Error")


@pytest.mark.parametrize("level", LEVELS)
def test_parent_environment_is_not_visible(level: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if not _available(level):
        pytest.skip(f"{level} is not available on this machine")
    monkeypatch.setenv("TOOLCODER_TEST_SECRET", SECRET)
    with Sandbox(LIMITS, isolation=level, warm=False) as sb:
        r = attempt(sb, f"""
import os
found = dict(os.environ)
for pid in (os.getppid(), 1, {os.getpid()}):
    try:
        found[pid] = open(f'/proc/{{pid}}/environ', 'rb').read().decode('latin-1')
    except Exception as exc:
        found[pid] = type(exc).__name__
return found
""")
    assert r.ok, r.traceback
    assert not leaked(r, SECRET), r.value
    assert "TOOLCODER_HOME" not in r.value


def test_write_outside_tmp(sandbox: Sandbox, tmp_path: Path) -> None:
    targets = [tmp_path / "escape.txt", Path("/escape-toolcoder-test"),
               Path(__file__).resolve().parent / "escape-toolcoder-test.txt",
               Path(sys.prefix) / "escape-toolcoder-test"]
    r = attempt(sandbox, f"""
out = []
for p in {[str(t) for t in targets]!r}:
    try:
        with open(p, 'w') as fh:
            fh.write('pwned')
        out.append('written')
    except Exception as exc:
        out.append(type(exc).__name__)
return out
""")
    assert r.ok, r.traceback
    assert "written" not in r.value
    for target in targets:
        assert not target.exists(), target


def test_write_to_host_tmp(sandbox: Sandbox) -> None:
    """The sandbox's /tmp is private: nothing written there shows up on the host."""
    marker = f"/tmp/toolcoder-escape-{os.getpid()}"
    r = attempt(sandbox, f"""
try:
    open({marker!r}, 'w').write('x')
    return 'written'
except Exception as exc:
    return type(exc).__name__
""")
    assert r.ok
    assert not os.path.exists(marker)


def test_tcp_to_loopback_server(sandbox: Sandbox, loopback) -> None:
    port = int(loopback.url.rsplit(":", 1)[1])
    r = attempt(sandbox, f"""
import socket, urllib.request
out = []
try:
    socket.create_connection(('127.0.0.1', {port}), timeout=1)
    out.append('connected')
except Exception as exc:
    out.append(type(exc).__name__)
try:
    urllib.request.urlopen({loopback.url!r} + '/x', timeout=1).read()
    out.append('fetched')
except Exception as exc:
    out.append(type(exc).__name__)
return out
""")
    assert r.ok, r.traceback
    assert "connected" not in r.value and "fetched" not in r.value
    assert loopback.requests == []


def test_dns_resolution(sandbox: Sandbox) -> None:
    r = attempt(sandbox, """
import socket
try:
    return socket.getaddrinfo('pypi.org', 443)
except Exception as exc:
    return type(exc).__name__
""")
    assert r.ok and isinstance(r.value, str), r.value


def test_spawn_subprocess(sandbox: Sandbox) -> None:
    r = attempt(sandbox, """
import os, subprocess, _posixsubprocess
out = {}
try:
    out['subprocess'] = subprocess.run(['/bin/echo', 'ESCAPED'], capture_output=True).stdout.decode()
except Exception as exc:
    out['subprocess'] = type(exc).__name__
try:
    out['os.system'] = os.system('echo ESCAPED')
except Exception as exc:
    out['os.system'] = type(exc).__name__
try:
    out['posix_spawn'] = os.posix_spawn('/bin/echo', ['echo', 'ESCAPED'], {})
except Exception as exc:
    out['posix_spawn'] = type(exc).__name__
try:
    ep_r, ep_w = os.pipe()
    args = [[b'/bin/sh'], [b'/bin/sh'], True, (), None, None, -1, -1, -1, -1, -1, -1,
            ep_r, ep_w, True, False, -1, None, None, None, -1, None]
    try:
        out['fork_exec'] = _posixsubprocess.fork_exec(*args)
    except TypeError:  # the signature varies between versions (allow_vfork since 3.11.x)
        out['fork_exec'] = _posixsubprocess.fork_exec(*args, False)
except Exception as exc:
    out['fork_exec'] = type(exc).__name__
try:
    out['fork'] = os.fork()
    if out['fork'] == 0:
        os._exit(0)
except Exception as exc:
    out['fork'] = type(exc).__name__
return out
""")
    assert r.ok, r.traceback
    assert "ESCAPED" not in r.stdout + r.stderr
    v = r.value
    assert v["subprocess"] == "PermissionError"
    assert v["os.system"] != 0  # -1: fork refused
    assert v["posix_spawn"] == "PermissionError"
    assert v["fork_exec"] == "PermissionError"
    assert v["fork"] == "PermissionError"


def test_libc_through_ctypes(sandbox: Sandbox, loopback) -> None:
    port = int(loopback.url.rsplit(":", 1)[1])
    r = attempt(sandbox, f"""
import ctypes, struct
libc = ctypes.CDLL('libc.so.6', use_errno=True)
out = {{}}
out['fork'] = libc.fork()
out['system'] = libc.system(b'echo ESCAPED')
out['execv'] = libc.execv(b'/bin/sh', (ctypes.c_char_p * 2)(b'sh', None))
s = libc.socket(2, 1, 0)
out['socket'] = s
addr = struct.pack('!HH4s8x', 2, {port}, bytes([127, 0, 0, 1]))
out['connect'] = libc.connect(s, addr, len(addr)) if s >= 0 else -1
out['kill_host'] = libc.kill({os.getpid()}, 9)
out['unshare'] = libc.unshare(0x10000000)
out['setuid0'] = libc.setuid(0) if libc.getuid() != 0 else -1
return out
""")
    assert r.ok, r.traceback
    assert "ESCAPED" not in r.stdout + r.stderr
    v = r.value
    assert v["fork"] == -1 and v["execv"] == -1 and v["socket"] == -1 and v["connect"] == -1
    assert v["system"] != 0 and v["kill_host"] == -1 and v["unshare"] == -1
    assert v["setuid0"] == -1
    assert loopback.requests == []


def test_signal_the_parent(sandbox: Sandbox) -> None:
    r = attempt(sandbox, f"""
import os, signal
out = []
for pid in (os.getppid(), {os.getpid()}, -1, 0):
    try:
        os.kill(pid, signal.SIGTERM if pid > 0 else signal.SIGKILL)
        out.append('sent')
    except Exception as exc:
        out.append(type(exc).__name__)
return out
""")
    # kill(0)/kill(-1) may take the child itself down: that is fine, the host must survive.
    assert r.killed in (None, "crash")
    again = sandbox.run("x = 1", entry="x + 1")
    assert again.ok and again.value == 2


def test_fork_bomb(sandbox: Sandbox) -> None:
    r = sandbox.run("import os\nprint(os.getuid())\nwhile True:\n    os.fork()\n")
    assert not r.ok
    assert r.error_type == "PermissionError"
    uid = int(r.stdout.split()[0])
    if sandbox.isolation.name != "bubblewrap" and os.geteuid() == 0:
        assert uid != 0  # a private uid...
        assert _live_pids_of(uid) == []  # ...with nothing left running


def test_allocate_8gb(sandbox: Sandbox) -> None:
    r = sandbox.run("x = bytearray(8 * 1024 ** 3)")
    assert not r.ok and r.error_type == "MemoryError" and r.killed == "memory"


def test_write_1gb_file(sandbox: Sandbox) -> None:
    r = sandbox.run("""
import os
with open(os.path.join(os.environ.get('TMPDIR', '/tmp'), 'big'), 'wb') as fh:
    for _ in range(1024):
        fh.write(b'x' * (1024 * 1024))
""")
    assert not r.ok
    if sandbox.isolation.name == "rlimits":  # no writable folder at all at that level
        assert r.error_type == "PermissionError"
    else:
        assert r.error_type == "OSError" and "too large" in r.error_message.lower()


def test_print_100mb(sandbox: Sandbox) -> None:
    r = sandbox.run("for _ in range(100):\n    print('x' * 1_000_000)\n")
    assert not r.ok and r.killed == "output"
    assert len(r.stdout) + len(r.stderr) <= LIMITS.output_bytes + 10_000


def test_raw_fd_flood(sandbox: Sandbox) -> None:
    r = sandbox.run("import os\nfor _ in range(100):\n    os.write(1, b'x' * 1_000_000)\n")
    assert not r.ok and r.killed == "output"
    assert len(r.stdout) + len(r.stderr) <= LIMITS.output_bytes + 10_000


@pytest.mark.slow
def test_infinite_loop(sandbox: Sandbox) -> None:
    r = sandbox.run("while True:\n    pass\n")
    assert not r.ok and r.killed in ("timeout", "cpu")


@pytest.mark.slow
def test_sleep_past_the_limit(sandbox: Sandbox) -> None:
    r = sandbox.run("import time\ntime.sleep(60)\n")
    assert not r.ok and r.killed == "timeout"
    assert "wall-clock" in r.error_message


def test_finalizers_after_the_result(sandbox: Sandbox) -> None:
    r = sandbox.run("""
import atexit, threading, time

class Late:
    def __del__(self):
        print('DEL RAN')
        time.sleep(30)

keep = Late()
atexit.register(lambda: print('ATEXIT RAN'))
threading.Thread(target=lambda: (time.sleep(0.5), print('THREAD RAN')), daemon=False).start()

def answer():
    import os
    return [42, os.getuid()]
""", entry="answer()")
    assert r.ok and r.value[0] == 42 and r.killed is None
    assert "RAN" not in r.stdout + r.stderr
    if sandbox.isolation.name != "bubblewrap" and os.geteuid() == 0:
        assert _live_pids_of(r.value[1]) == []


def test_no_capabilities_no_new_privileges(sandbox: Sandbox) -> None:
    r = attempt(sandbox, """
try:
    lines = open('/proc/self/status').read().splitlines()
except OSError as exc:
    return type(exc).__name__
return {k: v.strip() for k, v in (line.split(':', 1) for line in lines)
        if k in ('CapEff', 'CapPrm', 'NoNewPrivs', 'Seccomp')}
""")
    assert r.ok, r.traceback
    if sandbox.isolation.name == "landlock":
        assert r.value == "PermissionError"  # /proc is outside the Landlock domain
        return
    assert r.value["CapEff"] == r.value["CapPrm"] == "0000000000000000"
    assert r.value["NoNewPrivs"] == "1" and r.value["Seccomp"] == "2"
