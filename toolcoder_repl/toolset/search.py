"""Finding tools by words: BM25 over what a tool says about itself, and a lexical
"nearest tools" ranking used when the model names a tool that does not exist."""

from __future__ import annotations

import math
import re
from collections import Counter
from difflib import SequenceMatcher

from .model import Tool

K1, B = 1.2, 0.75
STOP = {"a", "an", "the", "of", "for", "to", "in", "on", "and", "or", "by", "with", "is", "are",
        "get", "what", "which", "who", "me", "my", "i", "do", "does", "how", "from", "at", "be",
        "that", "this", "it", "its", "can", "you", "about", "all", "list", "find", "show"}
# Field weights: a word in the name or path says more than one deep in the description.
WEIGHTS = {"name": 3, "path": 3, "summary": 2, "params": 1, "description": 1}


def words(text: str) -> list[str]:
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text or "")
    out = []
    for w in re.findall(r"[a-z0-9]+", text.lower()):
        if w in STOP:
            continue
        out.append(w)
        if len(w) > 4 and w.endswith("s"):  # naive plural folding: movies -> movie
            out.append(w[:-1])
    return out


def _fields(tool: Tool) -> dict[str, str]:
    return {
        "name": tool.name,
        "path": re.sub(r"[{}]", " ", tool.path),
        "summary": tool.summary,
        "params": " ".join(p.name for p in tool.parameters),
        "description": tool.description,
    }


def _document(tool: Tool) -> Counter:
    bag: Counter = Counter()
    for field, text in _fields(tool).items():
        for w in words(text):
            bag[w] += WEIGHTS[field]
    return bag


def search_tools(tools: list[Tool], query: str, k: int = 5) -> list[tuple[Tool, float]]:
    """The k best tools for `query`, with BM25 scores (best first; zero scores left out)."""
    if not tools:
        return []
    docs = [_document(t) for t in tools]
    n = len(docs)
    avg = sum(sum(d.values()) for d in docs) / n or 1.0
    df: Counter = Counter()
    for d in docs:
        df.update(d.keys())
    terms = set(words(query))
    scored = []
    for tool, doc in zip(tools, docs, strict=True):
        length = sum(doc.values())
        score = 0.0
        for term in terms:
            tf = doc.get(term, 0)
            if not tf:
                continue
            idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
            score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avg))
        if score > 0:
            scored.append((tool, round(score, 4)))
    scored.sort(key=lambda pair: (-pair[1], pair[0].qualname))
    return scored[:k]


def _segments(text: str) -> list[str]:
    """Words of a name or an endpoint: `GET /person/{id}/movies` -> get person id movies."""
    return [w for w in re.findall(r"[a-z0-9]+", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text).lower())]


def _similarity(query: str, tool: Tool) -> float:
    q = _segments(query.split(".", 1)[1] if re.match(r"^\w+\.\w", query) else query)
    if not q:
        return 0.0
    cand = (set(_segments(tool.name)) | set(_segments(f"{tool.method} {tool.path}"))
            | set(_segments(tool.summary)))
    qs = set(q)
    # Word overlap (with prefix matches: movie ~ movies, credit ~ credits), then string likeness.
    hits = sum(1 for w in qs if w in cand or any(c.startswith(w) or w.startswith(c)
                                                 for c in cand if min(len(c), len(w)) >= 4))
    overlap = hits / len(qs | cand) ** 0.5 / len(qs) ** 0.5
    flat = "_".join(q)
    ratio = max(SequenceMatcher(None, flat, tool.name).ratio(),
                SequenceMatcher(None, flat, "_".join(_segments(tool.path))).ratio())
    bonus = 0.1 if query.startswith(f"{tool.toolset}.") else 0.0
    return overlap + 0.5 * ratio + bonus


def nearest_tools(name: str, tools: list[Tool], k: int = 5) -> list[Tool]:
    """Real tools ranked by likeness to an unknown name ("tmdb.get_director", "GET /person/{id}/movies")."""
    ranked = sorted(tools, key=lambda t: (-_similarity(name, t), t.qualname))
    return ranked[:k]
