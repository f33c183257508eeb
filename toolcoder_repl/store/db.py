"""Opening the database, running migrations, and the session/turn/event/usage records.

Rows are committed as they are written (autocommit through sqlite-utils): killing the program
loses at most the step in flight.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils

from .migrations import MIGRATIONS


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating) the database in WAL mode and apply pending migrations."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # One connection shared by the UI thread and the pipeline's worker thread (Store locks).
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=5.0, isolation_level=None)
    db = sqlite_utils.Database(conn)
    if db.journal_mode != "wal":
        db.enable_wal()
    migrate(db)
    return db


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply migrations that have not run; returns their names. Safe to call repeatedly."""
    db["_migrations"].create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
    done = {row["name"] for row in db["_migrations"].rows}
    applied = []
    for fn in MIGRATIONS:
        if fn.__name__ in done:
            continue
        with db.conn:
            fn(db)
            db["_migrations"].insert({"name": fn.__name__, "applied_at": now()})
        applied.append(fn.__name__)
    return applied


class Store:
    """Session, turn, event and usage records. Thread-safe for one writer at a time."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: str | Path) -> Store:
        return cls(open_db(path))

    # -- sessions ---------------------------------------------------------------------------
    def new_session(self, model: str | None = None, title: str = "") -> int:
        with self._lock:
            return self.db["sessions"].insert(
                {"created_at": now(), "title": title, "model": model or ""}
            ).last_pk

    def sessions(self, limit: int = 50) -> list[dict[str, Any]]:
        """Newest first, each with its first question as the title when none was set."""
        sql = """
            select s.id, s.created_at, s.model,
                   coalesce(nullif(s.title, ''), (select query from turns t where t.session_id = s.id
                                                  order by t.id limit 1), '') as title,
                   (select count(*) from turns t where t.session_id = s.id) as turns
            from sessions s order by s.id desc limit ?
        """
        return [dict(r) for r in self.db.query(sql, [limit])]

    # -- turns ------------------------------------------------------------------------------
    def start_turn(self, session_id: int, query: str) -> int:
        with self._lock:
            return self.db["turns"].insert(
                {"session_id": session_id, "query": query, "status": "running", "started_at": now()}
            ).last_pk

    def finish_turn(
        self,
        turn_id: int,
        status: str,
        answer: str = "",
        value: Any = None,
        function_name: str = "",
    ) -> None:
        with self._lock:
            self.db["turns"].update(
                turn_id,
                {
                    "status": status,
                    "answer": answer,
                    "value_json": json.dumps(value, default=repr),
                    "function_name": function_name,
                    "finished_at": now(),
                },
            )

    def turns(self, session_id: int) -> list[dict[str, Any]]:
        return list(self.db["turns"].rows_where("session_id = ?", [session_id], order_by="id"))

    def close_dangling_turns(self) -> int:
        """Turns left 'running' by a killed process are marked cancelled; returns how many."""
        with self._lock:
            cur = self.db.execute(
                "update turns set status = 'cancelled', finished_at = ? where status = 'running'",
                [now()],
            )
            self.db.conn.commit()
            return cur.rowcount

    # -- events and usage -------------------------------------------------------------------
    def add_event(self, session_id: int | None, turn_id: int | None, seq: int, type_: str,
                  payload: dict[str, Any]) -> None:
        with self._lock:
            self.db["events"].insert(
                {
                    "session_id": session_id,
                    "turn_id": turn_id,
                    "seq": seq,
                    "type": type_,
                    "payload": json.dumps(payload, default=repr),
                    "ts": now(),
                }
            )

    def events(self, turn_id: int) -> list[dict[str, Any]]:
        rows = self.db["events"].rows_where("turn_id = ?", [turn_id], order_by="seq")
        return [{**r, "payload": json.loads(r["payload"])} for r in rows]

    def add_usage(self, session_id: int | None, turn_id: int | None, stage: str, model: str,
                  prompt_tokens: int, completion_tokens: int, seconds: float) -> None:
        with self._lock:
            self.db["usage"].insert(
                {
                    "session_id": session_id,
                    "turn_id": turn_id,
                    "stage": stage,
                    "model": model,
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "seconds": seconds,
                    "ts": now(),
                }
            )

    def session_tokens(self, session_id: int) -> int:
        row = self.db.execute(
            "select coalesce(sum(prompt_tokens + completion_tokens), 0) from usage where session_id = ?",
            [session_id],
        ).fetchone()
        return int(row[0])
