"""Append-only list of named migrations. Never edit or reorder one that has shipped: add a new one.

Each migration is a function taking the sqlite_utils Database; `_migrations` records which ran.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_sessions_turns_events(db: sqlite_utils.Database) -> None:
    db["sessions"].create(
        {"id": int, "created_at": str, "title": str, "model": str}, pk="id", if_not_exists=True
    )
    db["turns"].create(
        {
            "id": int,
            "session_id": int,
            "query": str,
            "status": str,  # running | done | failed | cancelled
            "answer": str,
            "value_json": str,
            "function_name": str,
            "started_at": str,
            "finished_at": str,
        },
        pk="id",
        foreign_keys=[("session_id", "sessions", "id")],
        if_not_exists=True,
    )
    db["events"].create(
        {"id": int, "session_id": int, "turn_id": int, "seq": int, "type": str, "payload": str, "ts": str},
        pk="id",
        if_not_exists=True,
    )
    db["events"].create_index(["turn_id", "seq"], if_not_exists=True)
    db["usage"].create(
        {
            "id": int,
            "session_id": int,
            "turn_id": int,
            "stage": str,
            "model": str,
            "prompt_tokens": int,
            "completion_tokens": int,
            "seconds": float,
            "ts": str,
        },
        pk="id",
        if_not_exists=True,
    )


@migration
def m002_toolsets_tools_calls(db: sqlite_utils.Database) -> None:
    db["toolsets"].create(
        {
            "name": str,
            "base_url": str,
            "auth_kind": str,  # none | bearer | header | query | basic
            "auth_param": str,  # header or query parameter name for api keys
            "key_name": str,  # name of the key (keys.json / env var); never the value
            "source": str,
            "created_at": str,
        },
        pk="name",
        if_not_exists=True,
    )
    db["tools"].create(
        {
            "id": str,  # "toolset.name"
            "toolset": str,
            "name": str,
            "method": str,
            "path": str,
            "parameters": str,  # JSON list
            "body_schema": str,  # JSON or null
            "response_shape": str,
            "summary": str,
            "description": str,
            "hash": str,
        },
        pk="id",
        if_not_exists=True,
    )
    db["tools"].create_index(["toolset"], if_not_exists=True)
    db["tool_calls"].create(
        {
            "id": int,
            "session_id": int,
            "turn_id": int,
            "tool": str,
            "arguments": str,  # JSON, secrets redacted
            "status": int,
            "ok": int,
            "latency_ms": float,
            "bytes": int,
            "error": str,
            "ts": str,
        },
        pk="id",
        if_not_exists=True,
    )


@migration
def m003_functions(db: sqlite_utils.Database) -> None:
    db["functions"].create(
        {
            "id": int,
            "name": str,
            "signature": str,
            "docstring": str,
            "source": str,
            "hash": str,  # of the normalised AST: identical logic is stored once
            "tools": str,  # JSON list of "toolset.name"
            "tool_hashes": str,  # JSON {"toolset.name": definition hash at save time}
            "session_id": int,
            "turn_id": int,
            "query": str,
            "created_at": str,
            "last_used_at": str,
            "uses": int,
            "successes": int,
            "failures": int,
            "stale": int,
        },
        pk="id",
        if_not_exists=True,
    )
    db["functions"].create_index(["hash"], unique=True, if_not_exists=True)
    db["functions"].create_index(["name"], if_not_exists=True)


@migration
def m004_functions_fts(db: sqlite_utils.Database) -> None:
    # Library search: FTS5 over name, docstring, tools used and the question that produced it;
    # triggers keep it in step with `functions`. Porter stemming: "movies" finds "movie".
    db["functions"].enable_fts(["name", "docstring", "tools", "query"], fts_version="FTS5",
                               create_triggers=True, tokenize="porter")
    db.execute("insert into functions_fts(functions_fts) values ('rebuild')")


@migration
def m005_demo_registrations(db: sqlite_utils.Database) -> None:
    # Embedded demo toolsets registered once (evals/apibank/register.py): a row here with no
    # toolset means the user removed it, so it is not added back.
    db["demo_registrations"].create({"name": str, "registered_at": str}, pk="name",
                                    if_not_exists=True)
