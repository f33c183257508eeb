"""The registered toolsets and tools, in the database (tables `toolsets` and `tools`)."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from .model import Tool, Toolset

# One version counter per database file: a Catalog built later on the same file still sees
# changes made through another Catalog object in this process.
_VERSIONS: dict[str, int] = {}
_LOCK = threading.Lock()


class Catalog:
    def __init__(self, db) -> None:  # sqlite_utils.Database
        self.db = db
        self._key = str(id(db.conn))
        self._cache: tuple[int, list[Tool]] | None = None

    # -- reading ----------------------------------------------------------------------------
    def toolsets(self) -> list[Toolset]:
        rows = self.db["toolsets"].rows_where(order_by="name")
        return [self._toolset(r) for r in rows]

    def toolset(self, name: str) -> Toolset | None:
        rows = list(self.db["toolsets"].rows_where("name = ?", [name]))
        return self._toolset(rows[0]) if rows else None

    @staticmethod
    def _toolset(row: dict) -> Toolset:
        return Toolset(name=row["name"], base_url=row["base_url"] or "",
                       auth_kind=row["auth_kind"] or "none", auth_param=row["auth_param"] or "",
                       key_name=row["key_name"] or "", source=row["source"] or "")

    def tools(self, toolset: str | None = None) -> list[Tool]:
        version = self.version()
        if self._cache is None or self._cache[0] != version:
            rows = self.db["tools"].rows_where(order_by="rowid")
            self._cache = (version, [Tool.from_row(r) for r in rows])
        tools = self._cache[1]
        return [t for t in tools if t.toolset == toolset] if toolset else list(tools)

    def get(self, qualname: str) -> Tool | None:
        for tool in self.tools():
            if tool.qualname == qualname:
                return tool
        return None

    def version(self) -> int:
        """Changes whenever the catalogue does: a per-process counter bumped by save/remove,
        combined with the table's size and newest rowid (which see other processes' edits)."""
        with _LOCK:
            local = _VERSIONS.get(self._key, 0)
        count, newest = self.db.execute(
            "select count(*), coalesce(max(rowid), 0) from tools").fetchone()
        return local * 1_000_003 + newest * 1_009 + count

    def _bump(self) -> None:
        with _LOCK:
            _VERSIONS[self._key] = _VERSIONS.get(self._key, 0) + 1
        self._cache = None

    # -- writing ----------------------------------------------------------------------------
    def save(self, toolset: Toolset, tools: list[Tool]) -> None:
        """Replace the toolset and all its tools in one transaction."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        conn = self.db.conn
        with _LOCK:
            conn.execute("begin immediate")
            try:
                conn.execute("delete from tools where toolset = ?", [toolset.name])
                conn.execute("delete from toolsets where name = ?", [toolset.name])
                conn.execute(
                    "insert into toolsets (name, base_url, auth_kind, auth_param, key_name, "
                    "source, created_at) values (?, ?, ?, ?, ?, ?, ?)",
                    [toolset.name, toolset.base_url, toolset.auth_kind, toolset.auth_param,
                     toolset.key_name, toolset.source, now])
                for tool in tools:
                    tool.toolset = toolset.name
                    if not tool.hash:
                        tool.hash = tool.compute_hash()
                    row = tool.to_row()
                    cols = ", ".join(row)
                    marks = ", ".join("?" for _ in row)
                    conn.execute(f"insert into tools ({cols}) values ({marks})", list(row.values()))
                conn.execute("commit")
            except BaseException:
                conn.execute("rollback")
                raise
        self._bump()

    def remove(self, name: str) -> bool:
        conn = self.db.conn
        with _LOCK:
            conn.execute("begin immediate")
            try:
                conn.execute("delete from tools where toolset = ?", [name])
                cur = conn.execute("delete from toolsets where name = ?", [name])
                conn.execute("commit")
            except BaseException:
                conn.execute("rollback")
                raise
        self._bump()
        return cur.rowcount > 0
