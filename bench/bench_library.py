"""Library search latency (FTS5 + bm25) at 1k, 10k and 100k saved functions.

    python bench/bench_library.py [--sizes 1000,10000,100000] [--queries 200]

Functions are synthetic but shaped like real ones (snake_case names from a verb/noun
vocabulary, one-sentence docstrings, 1-3 tools, an originating question), inserted through the
`functions` table so the FTS triggers index them as in real use. Queries are natural-language
questions like those the pipeline searches with. Reports p50/p95 of Library.search(k=5) and
the ratio to the 1k case.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from toolcoder_repl.library.repository import Library  # noqa: E402
from toolcoder_repl.store.db import Store  # noqa: E402

VERBS = "get list count find search fetch compute sum filter rank group book cancel update " \
        "delete add check convert summarize compare".split()
NOUNS = "movie person director actor album track artist playlist user account balance meeting " \
        "reminder alarm stock weather flight hotel order product review genre credit episode " \
        "season company tweet song".split()
QUALS = "by_name by_id latest top recent popular total average yearly monthly for_user " \
        "in_genre with_rating by_date".split()
TOOLSETS = {"tmdb": NOUNS[:8], "spotify": NOUNS[8:14], "bank": NOUNS[14:24]}


def make_row(i: int, rng: random.Random) -> dict:
    verb, noun, qual = rng.choice(VERBS), rng.choice(NOUNS), rng.choice(QUALS)
    name = f"{verb}_{noun}s_{qual}_{i}"
    other = rng.choice(NOUNS)
    tools = [f"{ts}.{rng.choice(['get', 'search', 'list'])}_{rng.choice(nouns)}"
             for ts, nouns in rng.sample(list(TOOLSETS.items()), rng.randint(1, 3))]
    return {"name": name, "signature": f"def {name}(x: str) -> list",
            "docstring": f"{verb.capitalize()} the {noun}s {qual.replace('_', ' ')} of a {other}.",
            "source": f"def {name}(x: str) -> list:\n    return []\n", "hash": f"h{i}",
            "tools": json.dumps(tools), "tool_hashes": json.dumps({t: "x" for t in tools}),
            "query": f"{verb} {noun}s {qual.replace('_', ' ')} for {other}", "created_at": "",
            "last_used_at": "", "uses": 1, "successes": 1, "failures": 0, "stale": 0}


def queries(n: int, rng: random.Random) -> list[str]:
    out = []
    for _ in range(n):
        out.append(f"How many {rng.choice(NOUNS)}s did the {rng.choice(NOUNS)} "
                   f"{rng.choice(VERBS)} {rng.choice(QUALS).replace('_', ' ')}?")
    return out


def bench(size: int, nq: int) -> dict:
    rng = random.Random(size)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "lib.db")
        t0 = time.perf_counter()
        store.db["functions"].insert_all((make_row(i, rng) for i in range(size)), batch_size=2000)
        insert_s = time.perf_counter() - t0
        lib = Library(store.db)
        qs = queries(nq, rng)
        for q in qs[:10]:  # warm the page cache
            lib.search(q)
        times, hits = [], []
        for q in qs:
            t = time.perf_counter()
            found = lib.search(q, k=5)
            times.append(time.perf_counter() - t)
            hits.append(len(found))
        store.db.conn.close()
    times.sort()
    return {"size": size, "p50": statistics.median(times) * 1000,
            "p95": times[int(len(times) * 0.95) - 1] * 1000, "insert": insert_s,
            "hits": statistics.mean(hits)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    results = [bench(int(s), args.queries) for s in args.sizes.split(",")]
    base = results[0]["p50"]
    print(f"library search (FTS5 bm25, k=5), {args.queries} queries per size\n")
    print(f"{'functions':>10}{'p50':>10}{'p95':>10}{'p50 vs first':>14}{'results':>9}{'insert':>10}")
    for r in results:
        print(f"{r['size']:>10}{r['p50']:>8.2f}ms{r['p95']:>8.2f}ms{r['p50'] / base:>13.1f}x"
              f"{r['hits']:>9.1f}{r['insert']:>9.1f}s")


if __name__ == "__main__":
    main()
