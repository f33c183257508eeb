"""Toolset benchmark: spec import time, executor overhead vs bare httpx, stub sizes.

    python bench/bench_toolset.py [--calls 300]

Everything runs in one process against a loopback server, so the ratios compare like with like.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from loopback import LoopbackServer  # noqa: E402

from toolcoder_repl.store.db import Store  # noqa: E402
from toolcoder_repl.toolset.catalog import Catalog  # noqa: E402
from toolcoder_repl.toolset.http import ToolExecutor  # noqa: E402
from toolcoder_repl.toolset.importer import import_spec, import_spec_dict  # noqa: E402
from toolcoder_repl.toolset.stubs import render_stub, render_toolset_stubs  # noqa: E402

SPEC = {"openapi": "3.0.0", "info": {"title": "b", "version": "1"},
        "paths": {"/movie/{movie_id}": {"get": {"operationId": "getMovie", "parameters": [
            {"name": "movie_id", "in": "path", "required": True, "schema": {"type": "integer"}},
            {"name": "language", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok"}}}}}}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def bench_import(tmp: Path, name: str, runs: int = 5) -> float:
    times = []
    for i in range(runs):
        catalog = Catalog(Store.open(tmp / f"imp-{name}-{i}.db").db)
        start = time.perf_counter()
        import_spec(catalog, name)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_calls(tmp: Path, calls: int) -> tuple[float, float, float]:
    server = LoopbackServer()
    server.route("GET", "/movie/{movie_id}",
                 lambda r: (200, {"id": int(r.params["movie_id"]), "title": "x" * 200}))
    server.start()
    # The stdlib server writes headers and body separately; without TCP_NODELAY every
    # keep-alive request waits ~40 ms for a delayed ACK, which would swamp what we measure.
    httpd = server._httpd
    accept = httpd.get_request

    def get_request():
        conn, addr = accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, addr

    httpd.get_request = get_request
    try:
        store = Store.open(tmp / "calls.db")
        catalog = Catalog(store.db)
        import_spec_dict(catalog, SPEC, name="bench", base_url=server.url)
        plain = ToolExecutor(catalog, lambda n: None)
        recorded = ToolExecutor(catalog, lambda n: None, store=store)
        client = httpx.Client()

        def bare(i: int) -> None:
            r = client.get(f"{server.url}/movie/{i}", params={"language": "en"})
            r.json()

        def ours(ex: ToolExecutor, i: int) -> None:
            assert ex.call("bench.get_movie", {"movie_id": i, "language": "en"}).ok

        runners = {"bare": bare, "plain": lambda i: ours(plain, i),
                   "recorded": lambda i: ours(recorded, i)}
        for i in range(20):  # warm up connections
            for fn in runners.values():
                fn(i)
        results: dict[str, list[float]] = {k: [] for k in runners}
        for i in range(calls):  # interleaved so load on the shared machine hits all three alike
            for key, fn in runners.items():
                start = time.perf_counter()
                fn(i)
                results[key].append(time.perf_counter() - start)
        client.close(), plain.close(), recorded.close()
        return tuple(statistics.median(results[k]) for k in ("bare", "plain", "recorded"))
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        rows = []
        for name in ("tmdb", "spotify"):
            rows.append((f"import {name} (load+parse+save, median of 5)", ms(bench_import(tmp, name))))
        bare, plain, recorded = bench_calls(tmp, args.calls)
        rows.append((f"bare httpx GET, median of {args.calls}", ms(bare)))
        rows.append(("ToolExecutor.call (no store)", f"{ms(plain)}  ({plain / bare:.2f}x bare)"))
        rows.append(("ToolExecutor.call (+ tool_calls row)", f"{ms(recorded)}  ({recorded / bare:.2f}x bare)"))
        for name in ("tmdb", "spotify"):
            catalog = Catalog(Store.open(tmp / f"imp-{name}-0.db").db)
            tools = catalog.tools(name)
            sizes = sorted(len(render_stub(t)) for t in tools)
            total = len(render_toolset_stubs(tools))
            rows.append((f"{name} stubs: {len(tools)} tools, whole toolset",
                         f"{total} chars (~{total // 4} tokens)"))
            rows.append((f"{name} stub chars per tool: mean / median / max",
                         f"{sum(sizes) // len(sizes)} / {sizes[len(sizes) // 2]} / {sizes[-1]}"))
    width = max(len(r[0]) for r in rows)
    print(f"| {'measure':<{width}} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for label, value in rows:
        print(f"| {label:<{width}} | {value} |")


if __name__ == "__main__":
    main()
