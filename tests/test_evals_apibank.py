"""API-Bank level-1/level-2 samples against the real demo service, scored like the official
evaluator's API-call check (name + normalised parameters)."""

from __future__ import annotations

import httpx
import pytest
from conftest import SHARED_DATA
from test_evals_restbench import run_eval

from toolcoder_repl.evals import apibank_eval

pytestmark = pytest.mark.skipif(not (SHARED_DATA / "api-bank").is_dir(),
                                reason="shared API-Bank data not present")


def bank_replies(username: str) -> list[str]:
    """Scripted replies for the first level-1 sample (gold: GetUserToken(JaneSmith, password))."""
    return [
        '''```python
def get_token(username: str, password: str) -> dict:
    """Get the user's token."""
    pass

result = get_token("JaneSmith", "password")
```''',
        '''```python
def get_token(username: str, password: str) -> dict:
    # Step 1: authenticate with bank.get_user_token
    return bank.get_user_token(username=username, password=password)
```''',
        f'''```python
def get_token(username: str, password: str) -> dict:
    """Get the user's token."""
    return bank.get_user_token(username=username, password=password)


result = get_token("{username}", "password")
```''',
        "Here is your token.",
    ]


def test_samples_match_the_official_counts():
    l1 = apibank_eval.load_items("level-1-given-desc")
    l2 = apibank_eval.load_items("level-2-toolsearcher")
    assert (len(l1), sum(i.meta["weight"] for i in l1)) == (389, 399)
    assert (len(l2), sum(i.meta["weight"] for i in l2)) == (119, 135)
    first = l1[0]
    assert first.gold["api_name"] == "GetUserToken"
    assert first.gold["params"] == {"username": "JaneSmith", "password": "password"}
    # The shared data root, the api-bank folder and the samples folder all work as --data.
    assert len(apibank_eval.load_items("level-1-given-desc", SHARED_DATA)) == 389


@pytest.mark.parametrize(("api", "gold", "pred", "ok"), [
    ("GetUserToken", {"username": "a", "password": "b"}, {"username": "a", "password": "b"}, True),
    ("GetUserToken", {"username": "a", "password": "b"}, {"username": "a", "password": "c"}, False),
    ("GetUserToken", {"username": "a", "password": "b"}, {"username": "a"}, False),
    ("GetUserToken", {"username": "a", "password": "b"}, {"username": "a", "pw": "b"}, False),
    # Jaccard > 0.5 on the content; everything else exact
    ("AddAgenda", {"token": "t", "content": "Meeting with the marketing team",
                   "time": "2021-09-28 14:00:00", "location": "Conference room"},
     {"token": "t", "content": "meeting with the marketing team", "time": "2021-09-28 14:00:00",
      "location": "Conference room"}, True),
    ("AddAgenda", {"token": "t", "content": "Meeting with the marketing team",
                   "time": "2021-09-28 14:00:00", "location": "Conference room"},
     {"token": "t", "content": "Team sync", "time": "2021-09-28 14:00:00",
      "location": "Conference room"}, False),
    ("AddReminder", {"token": "t", "content": "Call Mom", "time": "2022-01-01 10:00:00"},
     {"token": "t", "content": "call mom", "time": "2022-01-01 10:00:00"}, True),
    # a successful delete compares only the time
    ("DeleteAgenda", {"token": "t", "content": "x", "time": "2021-01-01 10:00:00", "location": "y"},
     {"token": "t", "content": "other", "time": "2021-01-01 10:00:00", "location": "z"}, True),
    # int/bool/list coercion, as API-Bank's ToolManager does (gold values are strings)
    ("BookHotel", {"hotel_name": "H", "check_in_time": "2023-01-01", "check_out_time": "2023-01-02",
                   "room_count": "1", "adult_count": "2", "child_count": "0"},
     {"hotel_name": "H", "check_in_time": "2023-01-01", "check_out_time": "2023-01-02",
      "room_count": 1, "adult_count": 2, "child_count": 0}, True),
    ("TimedSwitch", {"device_id": "10000025", "time": "2023-03-19 10:00:00", "on": "True"},
     {"name": "10000025", "time": "2023-03-19 10:00:00", "on": True}, True),
    ("AddMeeting", {"token": "t", "meeting_topic": "Quarterly review", "start_time":
                    "2023-01-01 10:00:00", "end_time": "2023-01-01 11:00:00", "location": "A",
                    "attendees": "['Ann', 'Bob']"},
     {"token": "t", "meeting_topic": "Quarterly review", "start_time": "2023-01-01 10:00:00",
      "end_time": "2023-01-01 11:00:00", "location": "A", "attendees": ["Ann", "Bob"]}, True),
    ("AddMeeting", {"token": "t", "meeting_topic": "Quarterly review", "start_time":
                    "2023-01-01 10:00:00", "end_time": "2023-01-01 11:00:00", "location": "A",
                    "attendees": "['Ann', 'Bob']"},
     {"token": "t", "meeting_topic": "Quarterly review", "start_time": "2023-01-01 10:00:00",
      "end_time": "2023-01-01 11:00:00", "location": "A", "attendees": ["Ann"]}, False),
    ("SendEmail", {"receiver": "A@B.com", "subject": "s", "content": "c"},
     {"receiver": "a@b.com", "subject": "s", "content": "c"}, True),
])
def test_params_match(api, gold, pred, ok):
    assert apibank_eval.params_match(api, gold, pred) is ok


def test_failed_gold_delete_compares_all_parameters():
    gold = {"token": "t", "content": "x", "time": "2021-01-01 10:00:00", "location": "y"}
    pred = {**gold, "content": "other"}
    assert not apibank_eval.params_match("DeleteAgenda", gold, pred, gold_succeeded=False)


def test_earlier_calls_are_replayed_before_an_item():
    from toolcoder_repl.evals.apibank.server import ApiBankServer

    items = [i for i in apibank_eval.load_items("level-1-given-desc")
             if i.id.startswith("AddAgenda-level-1-1:")]
    add = items[-1]
    assert add.gold["api_name"] == "AddAgenda" and add.meta["earlier"][0][0] == "GetUserToken"
    server = ApiBankServer().start()
    try:
        with httpx.Client(timeout=10) as client:
            apibank_eval.prepare_state(server.url, add, client)
    finally:
        server.stop()
    assert "API call: GetUserToken(username='foo', password='bar') -> " \
           '{"token": "z9x8c7v6b5n4m3q2w1"}' in add.query
    assert add.query.startswith("Conversation so far:\nUser: Hi, can you help me")
    assert add.query.endswith(apibank_eval.INSTRUCTION)


def test_apibank_l1_one_item_against_the_demo_service(tmp_path, capsys, home):
    rc, (item, summary) = run_eval("apibank-l1", bank_replies("JaneSmith"), tmp_path, capsys)
    assert rc == 0
    assert item["id"] == "AddAgenda-AddAlarm-GetUserToken-level-2-1:6"
    assert item["status"] == "done" and item["executed"]
    assert item["gold_api"] == "GetUserToken" and item["apis"] == ["GetUserToken"]
    assert item["api_called"] and item["correct"]
    assert item["value"]["output"] == {"token": "o8i7u6y5t4r3e2w1q0"}  # the real demo service
    assert "JaneSmith" in item["query"]
    assert summary["correct_rate"] == 1.0 and summary["benchmark"] == "apibank-l1"
    assert list(home.iterdir()) == []


def test_wrong_parameters_are_not_correct(tmp_path, capsys):
    rc, (item, summary) = run_eval("apibank-l1", bank_replies("JohnDoe"), tmp_path, capsys)
    assert rc == 0
    assert item["api_called"] and not item["correct"]
    assert summary["correct_rate"] == 0.0 and summary["api_called_rate"] == 1.0


def test_tool_searcher_is_judged_by_the_tools_found():
    from toolcoder_repl.evals.apibank.server import ApiBankServer
    from toolcoder_repl.evals.harness import EvalItem, ItemRecord

    server = ApiBankServer().start()
    try:
        with httpx.Client(timeout=10) as client:
            def post(api, params):
                return client.post(f"{server.url}/{api}", json=params).json()

            score = apibank_eval.scorer(lambda q: "POST /ToolSearcher", post)
            item = EvalItem("x", "q", gold={"api_name": "ToolSearcher",
                                            "params": {"keywords": "add agenda"},
                                            "result": {"exception": None}}, meta={"weight": 1})

            def rec(keywords):
                r = ItemRecord("x", "q")
                r.calls = [{"tool": "bank.tool_searcher", "arguments": {"keywords": keywords},
                            "ok": True, "status": 200, "round": 0}]
                return r

            assert score(item, rec("add agenda"))["correct"]
            assert not score(item, rec("stock price"))["correct"]
    finally:
        server.stop()
