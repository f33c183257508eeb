"""`toolcoder functions list|show|search|export|remove [--json]` through the real CLI."""

from __future__ import annotations

import ast
import json

from conftest import run_cli

from toolcoder_repl.library.repository import Library
from toolcoder_repl.store.db import Store

CODE = '''def lookup_user(user_id: int) -> dict:
    """Look up a bank user by id."""
    return acme.get_user(id=user_id)


def user_report(user_id: int) -> str:
    """A report of a user's account."""
    return str(lookup_user(user_id))
'''


def _seed(home):
    store = Store.open(home / "toolcoder.db")
    store.db["tools"].insert({"id": "acme.get_user", "toolset": "acme", "name": "get_user",
                              "hash": "h1"}, pk="id")
    Library(store.db).save_from_code(CODE, tools_by_name={"acme.get_user": "h1"}, query="report")
    return store


def test_list_show_search_json_shapes(home):
    _seed(home)
    r = run_cli("functions", "list", "--json", home=home)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert [f["name"] for f in data] == ["lookup_user", "user_report"]
    assert set(data[0]) == {"name", "signature", "docstring", "tools", "uses", "stale", "created_at"}
    assert data[0]["tools"] == ["acme.get_user"] and data[0]["stale"] is False

    r = run_cli("functions", "show", "user_report", home=home)
    assert r.returncode == 0 and "def lookup_user" in r.stdout and "def user_report" in r.stdout
    r = run_cli("functions", "show", "nope", home=home)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "no saved function" in r.stderr

    r = run_cli("functions", "search", "account report", "--json", home=home)
    assert json.loads(r.stdout)[0]["name"] == "user_report"
    r = run_cli("functions", "list", home=home)
    assert "def user_report(user_id: int) -> str" in r.stdout


def test_export_and_remove(home, tmp_path):
    _seed(home)
    out = tmp_path / "lib.py"
    r = run_cli("functions", "export", "user_report", "--out", str(out), home=home)
    assert r.returncode == 0, r.stderr
    tree = ast.parse(out.read_text())
    assert [n.name for n in tree.body if isinstance(n, ast.FunctionDef)] == ["lookup_user", "user_report"]
    r = run_cli("functions", "export", home=home)
    assert r.returncode == 0 and "def user_report" in r.stdout
    r = run_cli("functions", "remove", "lookup_user", "--json", home=home)
    assert r.returncode == 0 and json.loads(r.stdout) == {"removed": "lookup_user"}
    names = [f["name"] for f in json.loads(run_cli("functions", "list", "--json", home=home).stdout)]
    assert names == ["user_report"]


def test_stale_functions_hidden_unless_all(home):
    store = _seed(home)
    store.db["tools"].update("acme.get_user", {"hash": "h2"})
    r = run_cli("functions", "list", "--json", home=home)
    assert json.loads(r.stdout) == []
    r = run_cli("functions", "list", "--all", "--json", home=home)
    assert [f["stale"] for f in json.loads(r.stdout)] == [True, True]
