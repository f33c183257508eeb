"""API-Bank demo service benchmark: requests/s on loopback and the replay check's total time.

    python bench/bench_apibank.py [--requests 3000] [--data ../shared/data/api-bank]

One service in a background thread of this process; one keep-alive client (httpx, and the
standard library's http.client for comparison) sends a bounded loop of requests. A read API
(GetUserToken) and a write API (AddAlarm, which appends to the Alarm table) are measured.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from toolcoder_repl.evals.apibank.replay import default_data_dir, replay  # noqa: E402
from toolcoder_repl.evals.apibank.server import ApiBankServer  # noqa: E402

JOHN = "a9s8d7f6g5h4j3k2l1"
READ = ("GetUserToken", {"username": "JohnDoe", "password": "pass123"})


def write_params(i: int) -> dict:
    return {"token": JOHN, "time": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d} "
                                  f"{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}"}


def run_httpx(url: str, name: str, make, n: int) -> list[float]:
    lat = []
    with httpx.Client(base_url=url, timeout=10) as client:
        client.post("/reset")
        for i in range(n):
            t = time.perf_counter()
            resp = client.post(f"/{name}", json=make(i))
            lat.append(time.perf_counter() - t)
            assert resp.status_code == 200 and resp.json()["exception"] is None, resp.text
    return lat


def run_stdlib(port: int, name: str, make, n: int) -> list[float]:
    lat = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/reset", body=b"")
    conn.getresponse().read()
    for i in range(n):
        body = json.dumps(make(i)).encode()
        t = time.perf_counter()
        conn.request("POST", f"/{name}", body=body, headers={"Content-Type": "application/json"})
        data = conn.getresponse().read()
        lat.append(time.perf_counter() - t)
        assert b'"exception": null' in data, data
    conn.close()
    return lat


def row(label: str, lat: list[float], base: float | None) -> str:
    total = sum(lat)
    rps = len(lat) / total
    p50 = statistics.median(lat) * 1000
    p99 = sorted(lat)[int(len(lat) * 0.99) - 1] * 1000
    ratio = f"{rps / base:.2f}x" if base else "1.00x"
    return f"| {label:<34} | {len(lat):>6} | {rps:>9.0f} | {p50:>7.3f} | {p99:>7.3f} | {ratio:>6} |"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--data", default=None, help="API-Bank data folder for the replay timing")
    args = ap.parse_args()
    n = args.requests

    server = ApiBankServer().start()
    try:
        run_httpx(server.url, READ[0], lambda i: READ[1], 200)  # warm-up
        results = [
            ("read  GetUserToken (httpx)", run_httpx(server.url, READ[0], lambda i: READ[1], n)),
            ("write AddAlarm     (httpx)", run_httpx(server.url, "AddAlarm", write_params, n)),
            ("read  GetUserToken (http.client)",
             run_stdlib(server.port, READ[0], lambda i: READ[1], n)),
            ("write AddAlarm     (http.client)",
             run_stdlib(server.port, "AddAlarm", write_params, n)),
        ]
    finally:
        server.stop()

    print("| case                               | reqs   | req/s     | p50 ms  | p99 ms  | vs 1st |")
    print("|------------------------------------|--------|-----------|---------|---------|--------|")
    base = None
    for label, lat in results:
        print(row(label, lat, base))
        base = base or len(lat) / sum(lat)

    data = args.data or default_data_dir()
    if data is None:
        print("\nreplay: API-Bank data not found; pass --data DIR")
        return 0
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        report = replay(data)
        runs.append(time.perf_counter() - t)
    print(f"\nreplay check (fresh service, {report.dialogues} dialogues, {report.total} calls): "
          f"{report.reproduced}/{report.total} reproduced ({100 * report.rate:.1f}%); "
          f"total time median of 3 = {statistics.median(runs):.2f} s "
          f"(min {min(runs):.2f} s, {report.total / statistics.median(runs):.0f} calls/s incl. "
          f"start/stop and per-dialogue resets)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
