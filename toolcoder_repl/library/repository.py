"""The library of saved functions: save after a successful run, search, reuse, staleness.

Rows live in the `functions` table (store/migrations.py) with an FTS5 index (`functions_fts`)
over name, docstring, tools used and the originating question. A function records the
definition hash of every tool it calls; when a tool's definition changes it becomes stale and
is not offered again until a successful run re-validates it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .extract import extract_functions

_STOP = frozenset(
    "a an and are as at be by did do does for from get has have how i in is it its me my of on "
    "or out show tell than that the their them then there these this to use was were what when "
    "where which who whom whose why will with you your".split()
)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass
class SavedFunction:
    id: int
    name: str
    signature: str
    docstring: str
    source: str
    hash: str
    tools: list[str] = field(default_factory=list)
    tool_hashes: dict[str, str] = field(default_factory=dict)
    query: str = ""
    session_id: int | None = None
    turn_id: int | None = None
    created_at: str = ""
    last_used_at: str = ""
    uses: int = 0
    successes: int = 0
    failures: int = 0
    stale: bool = False

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SavedFunction:
        return cls(
            id=row["id"], name=row["name"], signature=row["signature"] or "",
            docstring=row["docstring"] or "", source=row["source"] or "", hash=row["hash"],
            tools=json.loads(row["tools"] or "[]"), tool_hashes=json.loads(row["tool_hashes"] or "{}"),
            query=row["query"] or "", session_id=row["session_id"], turn_id=row["turn_id"],
            created_at=row["created_at"] or "", last_used_at=row["last_used_at"] or "",
            uses=row["uses"] or 0, successes=row["successes"] or 0, failures=row["failures"] or 0,
            stale=bool(row["stale"]),
        )

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "signature": self.signature, "docstring": self.docstring,
                "tools": self.tools, "uses": self.uses, "stale": self.stale,
                "created_at": self.created_at}

    def stub(self) -> str:
        """What the implement prompt shows: signature and docstring (the body is preloaded)."""
        lines = [f"{self.signature}:"]
        doc = self.docstring.strip().replace('"""', "'''")
        if doc:
            lines.append('    """' + doc.replace("\n", "\n    ") + '"""')
        note = f"; tools: {', '.join(self.tools)}" if self.tools else ""
        lines.append(f"    ...  # saved function, already defined{note}")
        return "\n".join(lines)


def fts_query(text: str) -> str:
    """A natural-language question -> an FTS5 OR-query of its content words (quoted)."""
    words = []
    for word in re.findall(r"[A-Za-z0-9]+", text.replace("_", " ").lower()):
        if len(word) > 1 and word not in _STOP and word not in words:
            words.append(word)
    return " OR ".join(f'"{w}"' for w in words[:32])


def _hash_of(tool: Any) -> str:
    return tool if isinstance(tool, str) else str(getattr(tool, "hash", ""))


class Library:
    def __init__(self, db: Any) -> None:  # sqlite_utils.Database
        self.db = db
        self._checked_version: int | None = None

    # -- saving ---------------------------------------------------------------------------------
    def save_from_code(self, code: str, *, tools_by_name: dict[str, Any], query: str = "",
                       session_id: int | None = None, turn_id: int | None = None,
                       library_source: str = "") -> list[tuple[SavedFunction, bool]]:
        """Save every top-level function of successful `code`: (function, is_new) each.

        Identical logic (same normalised hash) is saved once: a re-save bumps its use and success
        counts and re-validates it. A new version under an existing name replaces the old one,
        so a name always means one function. `library_source` (the preloaded saved functions)
        resolves calls into the library so each saved source stays self-contained.
        """
        saved = []
        table = self.db["functions"]
        for ex in extract_functions(code, set(tools_by_name), library_source):
            hashes = {t: _hash_of(tools_by_name[t]) for t in ex.tools}
            now = _now()
            row = next(iter(table.rows_where("hash = ?", [ex.hash], limit=1)), None)
            if row is not None:
                table.update(row["id"], {"uses": (row["uses"] or 0) + 1,
                                         "successes": (row["successes"] or 0) + 1,
                                         "last_used_at": now, "stale": 0,
                                         "tool_hashes": json.dumps(hashes)})
                saved.append((self._get_id(row["id"]), False))
                continue
            record = {"name": ex.name, "signature": ex.signature, "docstring": ex.docstring,
                      "source": ex.source, "hash": ex.hash, "tools": json.dumps(ex.tools),
                      "tool_hashes": json.dumps(hashes), "session_id": session_id,
                      "turn_id": turn_id, "query": query, "created_at": now, "last_used_at": now,
                      "uses": 1, "successes": 1, "failures": 0, "stale": 0}
            old = next(iter(table.rows_where("name = ?", [ex.name], limit=1)), None)
            if old is not None:
                table.update(old["id"], record)
                fid = old["id"]
            else:
                fid = table.insert(record).last_pk
            saved.append((self._get_id(fid), True))
        return saved

    # -- reading --------------------------------------------------------------------------------
    def _get_id(self, fid: int) -> SavedFunction:
        return SavedFunction.from_row(self.db["functions"].get(fid))

    def get(self, name: str) -> SavedFunction | None:
        row = next(iter(self.db["functions"].rows_where("name = ?", [name], limit=1)), None)
        return SavedFunction.from_row(row) if row else None

    def list(self, include_stale: bool = True) -> list[SavedFunction]:
        where = None if include_stale else "stale = 0"
        rows = self.db["functions"].rows_where(where, order_by="name")
        return [SavedFunction.from_row(r) for r in rows]

    def count(self) -> int:
        return self.db["functions"].count

    def search(self, query: str, k: int = 5, include_stale: bool = False) -> list[SavedFunction]:
        """Best matches first (bm25: name weighs most, then tools, docstring, question).

        Ranking happens inside the FTS index on rowids alone; only the few best rows are joined
        back to `functions` (joining every match first made search 10x slower at 100k rows).
        Stale rows are skipped afterwards, widening the window when too many of the best were.
        """
        match = fts_query(query)
        if not match or k <= 0:
            return []
        window = k * 4
        while True:
            sql = """
                select f.* from (
                    select rowid, bm25(functions_fts, 4.0, 1.0, 2.0, 1.0) as score
                    from functions_fts where functions_fts match ? order by score limit ?
                ) best join functions f on f.id = best.rowid order by best.score
            """
            rows = [dict(r) for r in self.db.query(sql, [match, window])]
            found = [SavedFunction.from_row(r) for r in rows if include_stale or not r["stale"]]
            if len(found) >= k or len(rows) < window:
                return found[:k]
            window *= 4

    # -- maintenance ----------------------------------------------------------------------------
    def remove(self, name: str) -> bool:
        row = self.get(name)
        if row is None:
            return False
        self.db["functions"].delete(row.id)
        return True

    def mark_stale(self, name: str, stale: bool = True) -> bool:
        """Set by hand (functions screen): a stale function is not offered to the model."""
        fn = self.get(name)
        if fn is None:
            return False
        self.db["functions"].update(fn.id, {"stale": int(stale)})
        return True

    def record_use(self, name: str, ok: bool) -> None:
        """A run called this saved function; a success also re-validates a stale one."""
        fn = self.get(name)
        if fn is None:
            return
        update: dict[str, Any] = {"uses": fn.uses + 1, "last_used_at": _now()}
        if ok:
            update["successes"] = fn.successes + 1
            if fn.stale:
                update["stale"] = 0
                update["tool_hashes"] = json.dumps(self._current_hashes(fn.tools))
        else:
            update["failures"] = fn.failures + 1
        self.db["functions"].update(fn.id, update)

    def _current_hashes(self, tools: list[str]) -> dict[str, str]:
        if not tools or not self.db["tools"].exists():
            return {}
        marks = ",".join("?" * len(tools))
        rows = self.db.query(f"select id, hash from tools where id in ({marks})", tools)
        return {r["id"]: r["hash"] for r in rows}

    def refresh_staleness(self, catalog: Any = None) -> list[str]:
        """Mark functions whose tools changed or vanished as stale; returns their names.

        Compares each function's recorded tool hashes with the `tools` table in one statement;
        with a catalog, skipped when its version has not changed since the last check.
        """
        version = catalog.version() if catalog is not None and hasattr(catalog, "version") else None
        if version is not None and version == self._checked_version:
            return []
        changed_sql = """
            select f.id, f.name from functions f where f.stale = 0 and exists (
                select 1 from json_each(f.tool_hashes) j
                where not exists (select 1 from tools t where t.id = j.key and t.hash = j.value))
        """
        rows = [dict(r) for r in self.db.query(changed_sql)]
        for row in rows:
            self.db["functions"].update(row["id"], {"stale": 1})
        self._checked_version = version
        return [r["name"] for r in rows]

    def export(self, names: list[str] | None = None, catalog: Any = None) -> str:
        from .export import export_module

        if names:
            fns = []
            for name in names:
                fn = self.get(name)
                if fn is None:
                    from ..errors import UsageError

                    raise UsageError(f"no saved function named '{name}'; see `toolcoder functions list`")
                fns.append(fn)
        else:
            fns = self.list(include_stale=False)
        return export_module(fns, catalog)
