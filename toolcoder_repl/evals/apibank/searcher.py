"""ToolSearcher: pick the API that best fits a few keywords, lexically.

API-Bank's original embeds the keywords and each API's "split-camel-case name + description"
with a sentence-transformers model downloaded at run time. Offline, we rank the same texts
with BM25 plus a small table of everyday words for the APIs' vocabulary. The result has
API-Bank's shape: the best API's description, wrapped as `[GetUserToken, best]` when the best
API takes a token.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from .misc import BM25
from .registry import api, api_meta
from .state import ApiError, State

# Everyday words -> the words the APIs' names and descriptions use.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "schedule": ("agenda", "add"), "scheduler": ("agenda",), "plan": ("agenda",),
    "event": ("agenda",), "calendar": ("agenda",),
    "reservation": ("meeting",), "conference": ("meeting",),
    "cancel": ("delete",), "cancellation": ("delete",), "remove": ("delete",),
    "change": ("modify",), "update": ("modify",), "edit": ("modify",), "reschedule": ("modify",),
    "create": ("add",), "new": ("add",), "set": ("add",), "make": ("add",),
    "check": ("query",), "find": ("query",), "show": ("query",), "look": ("query",),
    "get": ("query",),
    "date": ("today",), "current": ("today",), "day": ("today",),
    "rash": ("symptom",), "illness": ("symptom",), "sick": ("symptom",), "pain": ("symptom",),
    "disease": ("symptom",), "ache": ("symptom",),
    "doctor": ("appointment",), "hospital": ("appointment",),
    "calculate": ("calculator", "arithmetic"), "math": ("calculator",),
    "square": ("calculator",), "compute": ("calculator",),
    "book": ("add",), "room": ("hotel",),
    "record": ("record",), "health": ("health",),
    "history": ("history",), "stock": ("stock",), "price": ("stock",),
    "password": ("password",), "login": ("token",), "token": ("token",),
    "music": ("music",), "song": ("music",), "play": ("music",),
    "email": ("email",), "mail": ("email",),
    "translate": ("translate",), "translation": ("translate",),
    "define": ("dictionary",), "definition": ("dictionary",), "word": ("dictionary",),
}
FORMS = {"setting": "set", "adding": "add", "deleting": "delete", "removing": "remove",
         "modifying": "modify", "querying": "query", "getting": "get", "booking": "book",
         "registering": "register", "searching": "search", "recording": "record",
         "ordering": "order", "opening": "open", "sending": "send", "registers": "register",
         "cancels": "cancel", "deletes": "delete", "modifies": "modify", "queries": "query",
         "adds": "add", "records": "record", "searches": "search", "orders": "order"}
HIDDEN = {"ToolSearcher", "CheckToken"}  # not offered as search results


def split_name(name: str) -> str:
    return " ".join(re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name))


def words(text: str) -> list[str]:
    """Lower-case words of a text or a CamelCase name, with a crude plural strip."""
    out = []
    for w in split_name(text).lower().split():
        w = FORMS.get(w, w)
        out.append(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w)
    return out


def public_meta(name: str) -> dict[str, Any]:
    m = api_meta()[name]
    return {k: m[k] for k in ("name", "description", "input_parameters", "output_parameters")}


@cache
def _index() -> tuple[list[str], BM25]:
    names = [n for n in sorted(api_meta()) if n not in HIDDEN]
    docs = []
    for n in names:
        m = api_meta()[n]
        # The name counts three times: it is the most specific text an API has.
        docs.append(words(n) * 3 + words(m["description"]))
    return names, BM25(docs)


def search(keywords: str, k: int = 5) -> list[tuple[str, float]]:
    query = []
    for w in words(keywords):
        query.append(w)
        query.extend(SYNONYMS.get(w, ()))
    names, index = _index()
    scores = index.scores(query)
    ranked = sorted(zip(names, scores, strict=True), key=lambda p: -p[1])
    return [(n, s) for n, s in ranked[:k] if s > 0]


@api("ToolSearcher")
def tool_searcher(state: State, keywords: str) -> Any:
    if not keywords or not keywords.strip():
        raise ApiError("The keywords cannot be empty.")
    found = search(keywords, k=1)
    if not found:
        raise ApiError(f"No tool matches '{keywords}'.")
    best = found[0][0]
    if "token" in api_meta()[best]["input_parameters"]:
        return [public_meta("GetUserToken"), public_meta(best)]
    return public_meta(best)
