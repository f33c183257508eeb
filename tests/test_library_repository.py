"""Library: extraction, normalised hashing, FTS search, staleness, export."""

from __future__ import annotations

import ast

import pytest

from toolcoder_repl.errors import UsageError
from toolcoder_repl.library.extract import extract_functions
from toolcoder_repl.library.repository import Library, fts_query
from toolcoder_repl.store.db import Store

CODE = '''import json
from math import sqrt


def lookup_user(user_id: int) -> dict:
    """Look up a bank user by id."""
    # the API wants an int
    return bank.get_user(id=user_id)


def user_report(user_id: int) -> str:
    """A JSON report of a user's account balance."""
    return json.dumps(lookup_user(user_id))


result = user_report(3)
'''
TOOLS = {"bank.get_user": "h1", "bank.add_meeting": "h9"}


@pytest.fixture
def lib(home):
    store = Store.open(home / "t.db")
    store.db["tools"].insert_all([{"id": q, "toolset": "bank", "name": q.split(".")[1], "hash": h}
                                  for q, h in TOOLS.items()], pk="id")
    return Library(store.db)


def test_extract_is_self_contained_and_hash_ignores_comments_and_docstrings():
    fns = {e.name: e for e in extract_functions(CODE, set(TOOLS))}
    report = fns["user_report"]
    assert report.signature == "def user_report(user_id: int) -> str"
    assert report.tools == ["bank.get_user"]
    assert report.source.startswith("import json\n")
    assert "from math" not in report.source and "def lookup_user" in report.source
    assert "# the API wants an int" in report.source  # shown as written
    ast.parse(report.source)
    reworded = CODE.replace("    # the API wants an int\n", "").replace("Look up a bank user", "Fetch")
    again = {e.name: e for e in extract_functions(reworded, set(TOOLS))}
    assert again["user_report"].hash == report.hash and again["lookup_user"].hash == fns["lookup_user"].hash
    changed = {e.name: e for e in extract_functions(CODE.replace("id=user_id", "id=user_id + 1"),
                                                    set(TOOLS))}
    assert changed["lookup_user"].hash != fns["lookup_user"].hash


def test_save_dedupes_and_replaces_by_name(lib):
    first = lib.save_from_code(CODE, tools_by_name=TOOLS, query="report for user 3", session_id=1,
                               turn_id=1)
    assert [(f.name, new, f.uses) for f, new in first] == [("lookup_user", True, 1),
                                                           ("user_report", True, 1)]
    second = lib.save_from_code(CODE + "\n# trailing comment\n", tools_by_name=TOOLS)
    assert [(f.name, new, f.uses) for f, new in second] == [("lookup_user", False, 2),
                                                            ("user_report", False, 2)]
    assert lib.count() == 2
    new_logic = CODE.replace("json.dumps(lookup_user(user_id))", "str(lookup_user(user_id))")
    third = dict((f.name, new) for f, new in lib.save_from_code(new_logic, tools_by_name=TOOLS))
    assert third == {"lookup_user": False, "user_report": True}
    assert lib.count() == 2 and "str(lookup_user" in lib.get("user_report").source
    fn = lib.get("user_report")
    assert fn.to_json() == {"name": "user_report", "signature": "def user_report(user_id: int) -> str",
                            "docstring": "A JSON report of a user's account balance.",
                            "tools": ["bank.get_user"], "uses": 1, "stale": False,
                            "created_at": fn.created_at}


def test_search_ranks_by_name_docstring_tools_and_question(lib):
    lib.save_from_code(CODE, tools_by_name=TOOLS, query="report for user 3")
    lib.save_from_code("def schedule_meeting(day: str) -> dict:\n    \"\"\"Book a meeting.\"\"\"\n"
                       "    return bank.add_meeting(day=day)\n", tools_by_name=TOOLS)
    assert [f.name for f in lib.search("book a meeting on monday")] == ["schedule_meeting"]
    assert lib.search("user balance report")[0].name == "user_report"
    assert "schedule_meeting" in [f.name for f in lib.search("add_meeting")]  # by tool name
    assert [f.name for f in lib.search("users", k=1)][0] in {"lookup_user", "user_report"}  # stems
    assert lib.search("the of and") == [] and lib.search("") == []
    assert fts_query('what is "xy" OR yz*') == '"xy" OR "yz"'


def test_staleness_follows_tool_hashes_and_success_revalidates(lib):
    lib.save_from_code(CODE, tools_by_name=TOOLS)
    assert lib.refresh_staleness() == []
    lib.db["tools"].update("bank.get_user", {"hash": "h2"})
    assert sorted(lib.refresh_staleness()) == ["lookup_user", "user_report"]
    assert lib.search("user report") == []
    assert [f.name for f in lib.search("user report", include_stale=True)][:1] == ["user_report"]
    assert [f.name for f in lib.list(include_stale=False)] == []
    lib.record_use("user_report", ok=True)
    fn = lib.get("user_report")
    assert not fn.stale and fn.tool_hashes == {"bank.get_user": "h2"} and fn.successes == 2
    lib.record_use("lookup_user", ok=False)
    assert lib.get("lookup_user").failures == 1 and lib.get("lookup_user").stale
    lib.db["tools"].delete("bank.get_user")  # a removed tool makes it stale too
    assert lib.refresh_staleness() == ["user_report"]


def test_export_is_a_runnable_module(lib):
    lib.save_from_code(CODE, tools_by_name=TOOLS)
    text = lib.export(["user_report", "lookup_user"])
    tree = ast.parse(text)
    defs = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert defs == ["lookup_user", "user_report"]  # each definition once
    assert "if 'bank' not in globals():" in text and "NotImplementedError" in text
    namespace: dict = {}
    exec(compile(text, "exported.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="bank.get_user"):
        namespace["user_report"](1)
    calls = []
    namespace2 = {"bank": type("B", (), {"get_user": staticmethod(lambda id: calls.append(id) or {"id": id})})}
    exec(compile(text, "exported.py", "exec"), namespace2)
    assert namespace2["user_report"](5) == '{"id": 5}' and calls == [5]
    with pytest.raises(UsageError):
        lib.export(["nope"])


def test_remove(lib):
    lib.save_from_code(CODE, tools_by_name=TOOLS)
    assert lib.remove("lookup_user") and not lib.remove("lookup_user")
    assert [f.name for f in lib.list()] == ["user_report"]
    assert lib.search("lookup user")[0].name == "user_report"  # fts followed the delete
