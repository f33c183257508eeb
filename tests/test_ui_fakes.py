"""Shared helpers for the UI tests: a fixed event script standing in for the pipeline (so
layout snapshots do not move when prompts change), an app factory, and a wait helper.
Holds no tests itself."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

from toolcoder_repl.coder.events import Event

SCAFFOLD = '''def balance_for(username: str, password: str) -> float:
    """Log in as the user and return their account balance."""


result = balance_for("JohnDoe", "pass123")'''

CODE_BAD = '''def balance_for(username: str, password: str) -> float:
    """Log in as the user and return their account balance."""
    token = bank.GetUserToken(username=username, password=password)["token"]
    account = bank.QueryBalance(token=token)
    return account["balance"]["amount"]


result = balance_for("JohnDoe", "pass123")'''

CODE_GOOD = CODE_BAD.replace('account["balance"]["amount"]', 'float(account["balance"])')

PLAN = """# Step 1: get a token with bank.GetUserToken(username, password)
# Step 2: read the balance with bank.QueryBalance(token)
# Step 3: return the balance as a float"""

ANSWER = "John Doe's account balance is **1,935.44**.\n\n- user: `JohnDoe`\n- source: `bank.QueryBalance`"


def turn_events(query: str = "What is JohnDoe's balance? (password pass123)", turn: int = 1,
                repair: bool = True) -> list[Event]:
    """A full turn as the pipeline would emit it (a failing first run when `repair`)."""

    def e(type_: str, **data) -> Event:
        return Event(type_, turn, data)

    out = [e("turn_started", query=query, session=1), e("stage_started", stage="scaffold")]
    out += [e("token", stage="scaffold", text=SCAFFOLD[i:i + 20]) for i in range(0, len(SCAFFOLD), 20)]
    out += [e("scaffold", code=SCAFFOLD, name="balance_for", call='balance_for("JohnDoe", "pass123")'),
            e("usage", stage="scaffold", model="fake", prompt_tokens=300, completion_tokens=40, seconds=0.1),
            e("stage_started", stage="plan"), e("token", stage="plan", text=PLAN),
            e("plan", text=PLAN, tools=["bank.GetUserToken", "bank.QueryBalance"]),
            e("stage_started", stage="implement"),
            e("code", code=CODE_BAD, round=0, reused=[]),
            e("exec_started", round=0, isolation="bubblewrap"),
            e("tool_call", tool="bank.GetUserToken", arguments={"username": "JohnDoe", "password": "***"},
              status=200, ok=True, latency_ms=3.0, bytes=40, error=None),
            e("tool_call", tool="bank.QueryBalance", arguments={"token": "a9s8d7"},
              status=200, ok=True, latency_ms=2.0, bytes=30, error=None)]
    if repair:
        out += [e("traceback", round=0, line=5, error_type="TypeError",
                  message="'float' object is not subscriptable", kind="review",
                  text='Traceback (most recent call last):\n  File "main.py", line 8, in <module>\n'
                       '  File "main.py", line 5, in balance_for\n'
                       "TypeError: 'float' object is not subscriptable"),
                e("stage_started", stage="reflect"),
                e("code", code=CODE_GOOD, round=1, reused=[]),
                e("exec_started", round=1, isolation="bubblewrap"),
                e("tool_call", tool="bank.GetUserToken", arguments={"username": "JohnDoe", "password": "***"},
                  status=200, ok=True, latency_ms=3.0, bytes=40, error=None),
                e("tool_call", tool="bank.QueryBalance", arguments={"token": "a9s8d7"},
                  status=200, ok=True, latency_ms=2.0, bytes=30, error=None)]
    out += [e("function_saved", name="balance_for", new=True, uses=1),
            e("stage_started", stage="answer")]
    out += [e("token", stage="answer", text=ANSWER[i:i + 8]) for i in range(0, len(ANSWER), 8)]
    out += [e("answer", text=ANSWER, value=1935.44),
            e("usage", stage="answer", model="fake", prompt_tokens=200, completion_tokens=30, seconds=0.1),
            e("turn_done", status="done")]
    return out


class FakePipeline:
    """Replays a fixed event list; honours the cancel flag between events like the real one."""

    def __init__(self, events: list[Event] | None = None, delay: float = 0.0) -> None:
        self.events = events
        self.delay = delay
        self.queries: list[str] = []

    def run_turn(self, session_id: int, query: str,
                 cancel: threading.Event | None = None) -> Iterator[Event]:
        self.queries.append(query)
        for event in self.events or turn_events(query):
            if cancel is not None and cancel.is_set():
                yield Event("turn_done", event.turn, {"status": "cancelled"})
                return
            if self.delay:
                time.sleep(self.delay)
            yield event


def make_app(rt, pipeline=None, isolation=("bubblewrap", "")):
    from toolcoder_repl.ui.app import ToolcoderApp

    pipeline = pipeline or FakePipeline()
    return ToolcoderApp(rt, pipeline_factory=lambda: pipeline, isolation_probe=lambda: isolation)


async def wait_for(pilot, condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
    await pilot.pause()


# -- scripted replies for the real pipeline (the demo toolset's calculator) -----------------
CALC_SCAFFOLD = '''```python
def compute_total(formula: str) -> float:
    """Compute an arithmetic formula with the calculator tool.

    Args:
        formula: the formula to evaluate.
    Returns:
        The numeric result.
    """
    pass

result = compute_total("(12+30)*2")
```'''

CALC_PLAN = '''```python
def compute_total(formula: str) -> float:
    """Compute an arithmetic formula with the calculator tool."""
    # Step 1: evaluate the formula with bank.calculator
    reply = bank.calculator(formula=formula)
    # Step 2: return the numeric output
    return reply["output"]
```'''

CALC_BAD = '''```python
def compute_total(formula: str) -> float:
    """Compute an arithmetic formula with the calculator tool."""
    # Step 1: evaluate the formula with bank.calculator
    reply = bank.calculator(formula=formula)
    # Step 2: return the numeric output
    return float(reply["result"])

result = compute_total("(12+30)*2")
```'''

CALC_GOOD = CALC_BAD.replace('reply["result"]', 'reply["output"]')
CALC_ANSWER = "The total is **84**."
CALC_QUERY = "What is (12+30)*2?"


def calc_replies(repair: bool = False) -> list[str]:
    """Scaffold, plan, code (a failing one first when `repair`), answer."""
    codes = [CALC_BAD, CALC_GOOD] if repair else [CALC_GOOD]
    return [CALC_SCAFFOLD, CALC_PLAN, *codes, CALC_ANSWER]
