"""The SQLite store: WAL, migrations, visibility across processes, and secrets kept out of it."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

from conftest import run_cli

from toolcoder_repl.store.db import Store, migrate, open_db
from toolcoder_repl.store.migrations import MIGRATIONS


def _schema(db) -> list[tuple]:
    return sorted(db.execute("select type, name, sql from sqlite_master").fetchall(),
                  key=lambda r: (r[0], r[1]))


def test_wal_and_first_tables(tmp_path: Path) -> None:
    db = open_db(tmp_path / "t.db")
    assert db.journal_mode == "wal"
    names = set(db.table_names())
    assert {"sessions", "turns", "events", "usage", "_migrations"} <= names


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    db = open_db(path)
    recorded = [r["name"] for r in db["_migrations"].rows]
    assert recorded == [fn.__name__ for fn in MIGRATIONS]
    before = _schema(db)
    assert migrate(db) == []  # nothing left to run
    db.conn.close()
    db2 = open_db(path)  # reopening runs nothing either
    assert _schema(db2) == before
    assert db2["_migrations"].count == len(MIGRATIONS)
    db2.conn.close()


def test_pending_migrations_run_on_an_older_database(tmp_path: Path) -> None:
    """A database made by an older version (only the first migration) catches up on open."""
    import sqlite_utils

    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    old["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    MIGRATIONS[0](old)
    old["_migrations"].insert({"name": MIGRATIONS[0].__name__, "applied_at": "then"})
    old["sessions"].insert({"created_at": "then", "title": "kept", "model": ""})
    old.conn.close()
    db = open_db(path)
    assert db["_migrations"].count == len(MIGRATIONS)
    assert [r["title"] for r in db["sessions"].rows] == ["kept"]


def test_records_round_trip(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "t.db")
    sid = store.new_session(model="scripted:x")
    tid = store.start_turn(sid, "how many movies?")
    store.add_event(sid, tid, 1, "code", {"code": "print(1)"})
    store.add_event(sid, tid, 0, "turn_started", {"query": "how many movies?"})
    store.add_usage(sid, tid, "plan", "scripted:x", 120, 30, 0.5)
    store.finish_turn(tid, "done", answer="3", value=3, function_name="count_movies")
    assert [e["type"] for e in store.events(tid)] == ["turn_started", "code"]
    assert store.events(tid)[1]["payload"] == {"code": "print(1)"}
    turn = store.turns(sid)[0]
    assert turn["status"] == "done" and json.loads(turn["value_json"]) == 3
    assert store.session_tokens(sid) == 150
    assert store.sessions()[0]["title"] == "how many movies?"


def test_dangling_turns_are_closed(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "t.db")
    sid = store.new_session()
    store.start_turn(sid, "q1")
    assert store.close_dangling_turns() == 1
    assert store.turns(sid)[0]["status"] == "cancelled"


READER = """
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
rows = conn.execute("select t.query, t.status, count(e.id) from turns t "
                    "left join events e on e.turn_id = t.id group by t.id").fetchall()
print(json.dumps(rows))
"""


def test_second_process_sees_committed_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = Store.open(path)  # stays open (WAL): the reader must not need us to close
    sid = store.new_session()
    tid = store.start_turn(sid, "first")
    store.add_event(sid, tid, 0, "turn_started", {})
    out = subprocess.run([sys.executable, "-c", READER, str(path)], capture_output=True,
                         text=True, check=True).stdout
    assert json.loads(out) == [["first", "running", 1]]
    store.add_event(sid, tid, 1, "answer", {"text": "x"})
    store.finish_turn(tid, "done")
    out = subprocess.run([sys.executable, "-c", READER, str(path)], capture_output=True,
                         text=True, check=True).stdout
    assert json.loads(out) == [["first", "done", 2]]


def test_keys_set_through_the_cli_is_0600(home: Path) -> None:
    result = run_cli("keys", "set", "TMDB_API_KEY", home=home, input="s3cr3t-value\n")
    assert result.returncode == 0, result.stderr
    assert "s3cr3t-value" not in result.stdout + result.stderr
    keys = home / "keys.json"
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    assert json.loads(keys.read_text()) == {"TMDB_API_KEY": "s3cr3t-value"}
    listed = run_cli("keys", "list", home=home)
    assert listed.stdout.split() == ["TMDB_API_KEY"]


SECRET = "sk-planted-7f3a9c1e5b2d4086"


def _files_holding(home: Path, needle: str) -> list[str]:
    return [p.name for p in home.rglob("*")
            if p.is_file() and p.name != "keys.json" and needle.encode() in p.read_bytes()]


def test_planted_key_never_reaches_the_database(home: Path, script) -> None:
    """A session with the key stored: the db (and its WAL) never holds the value."""
    run_cli("keys", "set", "TMDB_API_KEY", home=home, input=SECRET + "\n")
    spec = script(["```python\ndef add(a: int, b: int) -> int:\n    \"\"\"Add two numbers.\"\"\"\n"
                   "    # Step 1: add them\n    return a + b\n\nresult = add(2, 3)\n```"] * 6)
    result = run_cli("--model", spec, "ask", "add 2 and 3", home=home,
                     env={"TMDB_API_KEY": SECRET})
    assert result.returncode in (0, 1), result.stderr
    assert (home / "toolcoder.db").exists()
    assert SECRET not in result.stdout + result.stderr
    assert _files_holding(home, SECRET) == []


def test_key_echoed_by_the_model_is_redacted_before_storage(home: Path, script) -> None:
    """Even when the model repeats the key (prompt injection, a leaky tool), it is not stored."""
    run_cli("keys", "set", "TMDB_API_KEY", home=home, input=SECRET + "\n")
    reply = (f'```python\ndef show() -> str:\n    """Return the key {SECRET}."""\n'
             f'    # Step 1: return the key {SECRET}\n    return "{SECRET}"\n\nresult = show()\n```')
    result = run_cli("--model", script([reply] * 8), "ask", "show the key", home=home)
    assert result.returncode in (0, 1), result.stderr
    assert _files_holding(home, SECRET) == []
