"""Sandbox.run: results, tracebacks, tool round trips against a real loopback server, the warm
pool, protocol abuse, and `toolcoder exec`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

from toolcoder_repl.config import Home, SandboxLimits
from toolcoder_repl.sandbox.isolation import probe_isolation
from toolcoder_repl.sandbox.runner import Sandbox

LIMITS = SandboxLimits(wall_seconds=5, cpu_seconds=4, memory_mb=512, file_size_mb=8,
                       output_bytes=50_000, max_tool_calls=3)

SPEC = {
    "openapi": "3.0.0",
    "info": {"title": "demo", "version": "1"},
    "paths": {
        "/search/person": {"get": {
            "operationId": "search_person", "summary": "Search people",
            "parameters": [
                {"name": "query", "in": "query", "required": True, "schema": {"type": "string"}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "default": 1}}],
            "responses": {"200": {"description": "ok"}}}},
        "/movie/{movie_id}": {"get": {
            "operationId": "movie_details", "summary": "Movie details",
            "parameters": [{"name": "movie_id", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "ok"}}}},
    },
}


@pytest.fixture(scope="module")
def sandbox():
    sb = Sandbox(LIMITS)
    yield sb
    sb.close()


@pytest.fixture
def toolbox(home: Path, loopback):
    """A real catalog + executor wired to the loopback server: (descriptors, handler, server)."""
    from toolcoder_repl.store.db import Store
    from toolcoder_repl.toolset.catalog import Catalog
    from toolcoder_repl.toolset.http import ToolExecutor
    from toolcoder_repl.toolset.importer import import_spec_dict
    from toolcoder_repl.toolset.stubs import child_descriptor

    loopback.route("GET", "/search/person", lambda req: (
        200, {"results": [{"name": req.query["query"][0], "page": req.query.get("page", ["1"])[0]}]}))
    loopback.route("GET", "/movie/{movie_id}", lambda req: (
        (404, {"status_message": "The resource you requested could not be found."})
        if req.params["movie_id"] == "999" else (200, {"id": int(req.params["movie_id"])})))
    store = Store.open(home / "toolcoder.db")
    catalog = Catalog(store.db)
    import_spec_dict(catalog, SPEC, name="demo", base_url=loopback.url)
    executor = ToolExecutor(catalog, key_lookup=Home(home).get_key, store=store, max_retries=0)

    def handler(qualname: str, args: dict) -> dict:
        return executor.call(qualname, args).to_json()

    yield [child_descriptor(t) for t in catalog.tools()], handler, loopback
    executor.close()


def test_value_stdout_preload_and_entry(sandbox: Sandbox) -> None:
    r = sandbox.run("def double(x):\n    print('doubling', x)\n    return helper(x) * 2\n",
                    preload="def helper(x):\n    return x + 1\n", entry="double(20)")
    assert r.ok, r.traceback
    assert r.value == 42 and r.stdout == "doubling 20\n"
    assert r.isolation == sandbox.isolation.name and r.elapsed_ms > 0


def test_non_json_value_falls_back_to_repr(sandbox: Sandbox) -> None:
    r = sandbox.run("class Movie:\n    def __repr__(self):\n        return '<Movie 7>'\n",
                    entry="Movie()")
    assert r.ok and r.value is None and r.value_repr == "<Movie 7>"


def test_traceback_names_the_shown_line(sandbox: Sandbox) -> None:
    code = "\n".join([
        "def count(names):",            # 1
        "    total = 0",                 # 2
        "    for n in names:",           # 3
        "        total += 1",            # 4
        "    return total",              # 5
        "",                              # 6
        "result = count(None) + 1",      # 7
    ])
    r = sandbox.run(code)
    assert not r.ok and r.error_type == "TypeError" and r.error_line == 3
    assert 'File "main.py", line 7, in <module>' in r.traceback
    assert "result = count(None) + 1" in r.traceback
    assert 'File "main.py", line 3, in count' in r.traceback
    assert "bootstrap" not in r.traceback and "confine" not in r.traceback

    r = sandbox.run("a = 1\nb = 2\nc = 3\nd = 4\ne = 5\nf = 6\ng = {}['missing']\n")
    assert r.error_line == 7 and "g = {}['missing']" in r.traceback and r.error_type == "KeyError"


def test_syntax_error_line(sandbox: Sandbox) -> None:
    r = sandbox.run("x = 1\ny = (\n", filename="solution.py")
    assert not r.ok and r.error_type == "SyntaxError" and r.error_line == 2
    assert "solution.py" in r.traceback


def test_tool_round_trip(sandbox: Sandbox, toolbox) -> None:
    tools, handler, server = toolbox
    r = sandbox.run("people = demo.search_person('Tom Hanks', page=2)\n"
                    "movie = demo.movie_details(movie_id=13)\n",
                    tools=tools, tool_handler=handler, entry="[people, movie]")
    assert r.ok, r.traceback
    assert r.value == [{"results": [{"name": "Tom Hanks", "page": "2"}]}, {"id": 13}]
    assert [c["tool"] for c in r.tool_calls] == ["demo.search_person", "demo.movie_details"]
    assert r.tool_calls[0]["arguments"] == {"query": "Tom Hanks", "page": 2}
    assert all(c["ok"] and c["status"] == 200 for c in r.tool_calls)
    assert [req.path for req in server.requests] == ["/search/person", "/movie/13"]


def test_tool_error_from_404(sandbox: Sandbox, toolbox) -> None:
    tools, handler, _ = toolbox
    code = "x = 1\n\ndef details(i):\n    return demo.movie_details(movie_id=i)\n\nm = details(999)\n"
    r = sandbox.run(code, tools=tools, tool_handler=handler)
    assert not r.ok and r.error_type == "ToolError" and r.error_line == 4
    assert "demo.movie_details" in r.error_message and "404" in r.error_message
    assert "could not be found" in r.error_message
    assert "m = details(999)" in r.traceback and r.tool_calls[0]["status"] == 404
    # The child can catch it and read the fields.
    r = sandbox.run("try:\n    demo.movie_details(999)\nexcept ToolError as e:\n"
                    "    got = [e.tool, e.status, 'could not be found' in e.body]\n",
                    tools=tools, tool_handler=handler, entry="got")
    assert r.value == ["demo.movie_details", 404, True]


def test_tool_bad_arguments(sandbox: Sandbox, toolbox) -> None:
    tools, handler, server = toolbox
    r = sandbox.run("demo.search_person(name='x')", tools=tools, tool_handler=handler)
    assert not r.ok and r.error_type == "TypeError" and "unexpected keyword" in r.error_message
    r = sandbox.run("demo.movie_details()", tools=tools, tool_handler=handler)
    assert r.error_type == "TypeError" and "movie_id" in r.error_message
    assert server.requests == [] and r.tool_calls == []


def test_tool_call_cap(sandbox: Sandbox, toolbox) -> None:
    tools, handler, server = toolbox
    r = sandbox.run("for i in range(10):\n    demo.movie_details(i)\n",
                    tools=tools, tool_handler=handler)
    assert not r.ok and r.error_type == "ToolError" and "limit" in r.error_message
    assert len(r.tool_calls) == LIMITS.max_tool_calls == len(server.requests)


def test_no_tool_handler(sandbox: Sandbox) -> None:
    desc = {"qualname": "x.y", "toolset": "x", "name": "y", "doc": "", "params": []}
    r = sandbox.run("x.y()", tools=[desc])
    assert not r.ok and r.error_type == "ToolError"


def test_garbage_and_oversized_frames(sandbox: Sandbox) -> None:
    for payload in (b"\xff\xff\xff\xffjunk", b"\x00\x00\x00\x04nope", b"\x00\x00\x00\x02[]"):
        code = ("import os\nfor fd in range(3, 40):\n    try:\n"
                f"        os.write(fd, {payload!r})\n    except OSError:\n        pass\n"
                "import time\ntime.sleep(2)\n")
        r = sandbox.run(code)
        assert not r.ok and r.killed == "protocol", r
        assert "sandbox child" in r.error_message
    assert sandbox.run("1", entry="1 + 1").value == 2


def test_warm_pool_and_close() -> None:
    sb = Sandbox(LIMITS)
    first = sb.run("x = 1", entry="x")
    assert first.ok
    warm = sb._pool.wait_ready()
    assert warm is not None and warm.alive()
    sb.close()
    assert warm.proc.poll() is not None
    with pytest.raises(RuntimeError):
        sb.run("1")


def test_cold_sandbox_without_pool() -> None:
    with Sandbox(LIMITS, warm=False) as sb:
        assert sb.run("import sys", entry="sys.argv").value == ["main.py"]
        assert sb._pool._child is None


def test_forced_level_and_bad_level(monkeypatch: pytest.MonkeyPatch) -> None:
    from toolcoder_repl.errors import ConfigError

    monkeypatch.setenv("TOOLCODER_SANDBOX", "rlimits")
    level = probe_isolation()
    assert level.name == "rlimits" and level.warning
    monkeypatch.setenv("TOOLCODER_SANDBOX", "chroot")
    with pytest.raises(ConfigError):
        probe_isolation()


# -- toolcoder exec ----------------------------------------------------------------------------
def test_exec_command_json(home: Path, tmp_path: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text("import math\nprint('pi', round(math.pi, 2))\n")
    proc = run_cli("exec", str(script), "--json", home=home)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    for key in ("ok", "value", "stdout", "stderr", "traceback", "tool_calls", "isolation",
                "elapsed_ms"):
        assert key in out
    assert out["ok"] and out["stdout"] == "pi 3.14\n" and out["isolation"]


def test_exec_command_failure_and_usage(home: Path, tmp_path: Path) -> None:
    script = tmp_path / "bad.py"
    script.write_text("a = 1\nb = a / 0\n")
    proc = run_cli("exec", str(script), home=home)
    assert proc.returncode == 1
    assert 'File "bad.py", line 2' in proc.stderr and "ZeroDivisionError" in proc.stderr
    proc = run_cli("exec", str(tmp_path / "missing.py"), home=home)
    assert proc.returncode == 2 and "no such file" in proc.stderr


def test_exec_command_with_registered_tools(home: Path, tmp_path: Path, toolbox) -> None:
    script = tmp_path / "tools.py"
    script.write_text("r = demo.search_person(query='Ada')\nprint(r['results'][0]['name'])\n")
    proc = run_cli("exec", str(script), "--json", home=home)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["stdout"] == "Ada\n"
    assert out["tool_calls"][0]["tool"] == "demo.search_person"


def test_cancel_threads_and_asyncio(sandbox: Sandbox, toolbox) -> None:
    import threading

    tools, handler, _ = toolbox
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    r = sandbox.run("import time\ntime.sleep(30)\n", cancel=cancel)
    assert not r.ok and r.killed == "cancelled"
    code = """
import asyncio
from concurrent.futures import ThreadPoolExecutor

async def twice(x):
    await asyncio.sleep(0)
    return x * 2

with ThreadPoolExecutor(4) as pool:
    ids = sorted(m['id'] for m in pool.map(lambda i: demo.movie_details(movie_id=i), range(3)))
"""
    r = sandbox.run(code, tools=tools, tool_handler=handler, entry="[asyncio.run(twice(21)), ids]")
    assert r.ok, r.traceback
    assert r.value == [42, [0, 1, 2]]
