"""Tokens/s through our LlamaCppModel vs raw llama_cpp.Llama, same tiny GGUF and prompt.

    python bench/bench_llm.py [--runs 5] [--tokens 256] [--model PATH.gguf]

Both sides stream a chat completion with greedy sampling (temperature 0), so they generate the
same tokens; with and without a grammar (the coder's PYTHON_CODE_BLOCK). Runs alternate between
the two sides so that machine noise hits both alike; the table shows the median of the runs and
the ratio ours/raw (target >= 0.95), and the ratio of the best runs (less sensitive to other
processes on a shared machine). Without --model, the random-weight test model is written
to a temporary folder (tests/tinymodel.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from toolcoder_repl.config import LlamaSettings  # noqa: E402
from toolcoder_repl.llm.grammars import PYTHON_CODE_BLOCK  # noqa: E402
from toolcoder_repl.llm.llama_cpp_backend import LlamaCppModel  # noqa: E402

MESSAGES = [
    {"role": "system", "content": "You write Python functions that call REST tools."},
    {"role": "user", "content": "Write a function that returns the number of movies directed by "
                                "a given person, using tmdb.search_person and tmdb.person_credits."},
]


def raw_run(llm, tokens: int, grammar) -> tuple[int, float]:
    """Raw llama-cpp-python: stream the same chat completion, count generated tokens."""
    started = time.perf_counter()
    n_prompt = None
    finish = None
    for chunk in llm.create_chat_completion(MESSAGES, stream=True, max_tokens=tokens,
                                            temperature=0.0, grammar=grammar):
        if n_prompt is None:
            n_prompt = llm.n_tokens
        finish = chunk["choices"][0].get("finish_reason") or finish
    elapsed = time.perf_counter() - started
    generated = llm.n_tokens + (1 if finish == "length" else 0) - (n_prompt or 0)
    return generated, elapsed


def ours_run(model: LlamaCppModel, tokens: int, grammar: str | None) -> tuple[int, float]:
    started = time.perf_counter()  # timed from outside, like the raw side
    for _ in model.stream(MESSAGES, max_tokens=tokens, temperature=0.0, grammar=grammar):
        pass
    return model.last_usage.completion_tokens, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=256)
    parser.add_argument("--model", help="a GGUF file (default: the tiny test model)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        if args.model:
            path = Path(args.model)
        else:
            from tinymodel import write_tiny_gguf

            path = write_tiny_gguf(Path(tmp) / "tiny.gguf")
        settings = LlamaSettings(n_ctx=2048, n_threads=args.threads)
        ours = LlamaCppModel.from_path(path, settings)

        from llama_cpp import Llama, LlamaGrammar

        raw = Llama(model_path=str(path), n_ctx=2048, n_threads=args.threads, verbose=False)
        raw_grammar = LlamaGrammar.from_string(PYTHON_CODE_BLOCK, verbose=False)

        rows = []
        for label, grammar in (("no grammar", None), ("PYTHON_CODE_BLOCK", PYTHON_CODE_BLOCK)):
            # one warm-up each (prompt cache, first-call allocations)
            raw_run(raw, 8, raw_grammar if grammar else None)
            ours_run(ours, 8, grammar)
            raw_tps, ours_tps, counts = [], [], set()
            for _ in range(args.runs):
                n, s = raw_run(raw, args.tokens, raw_grammar if grammar else None)
                raw_tps.append(n / s)
                m, t = ours_run(ours, args.tokens, grammar)
                ours_tps.append(m / t)
                counts.add((n, m))
            raw_med, ours_med = statistics.median(raw_tps), statistics.median(ours_tps)
            rows.append((label, counts, raw_med, ours_med, ours_med / raw_med,
                         max(ours_tps) / max(raw_tps)))

    print(f"model: {path.name}  runs: {args.runs}  max_tokens: {args.tokens}  "
          f"threads: {args.threads}")
    print(f"{'case':<20}{'tokens raw/ours':>16}{'raw tok/s':>11}{'ours tok/s':>12}"
          f"{'ratio(median)':>15}{'ratio(best)':>13}")
    for label, counts, raw_med, ours_med, ratio, best in rows:
        tok = ",".join(f"{n}/{m}" for n, m in sorted(counts))
        print(f"{label:<20}{tok:>16}{raw_med:>11.0f}{ours_med:>12.0f}{ratio:>15.3f}{best:>13.3f}")
    worst = min(r[4] for r in rows)
    print(f"worst ratio {worst:.3f} (target >= 0.95): {'ok' if worst >= 0.95 else 'BELOW TARGET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
