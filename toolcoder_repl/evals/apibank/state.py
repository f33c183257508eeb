"""One service instance's data: deep copies of the packaged databases, resettable.

The databases are API-Bank's `init_database/*.json`, packaged in `data/`. Writable ones are
deep-copied per State so two services never share mutations; the big read-only ones
(image captions, wiki, search documents) are loaded once per process and shared.
"""

from __future__ import annotations

import copy
import json
import threading
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"

WRITABLE = ("Account", "Agenda", "Alarm", "Appointments", "HealthData", "Hotel", "Meeting",
            "Reminder", "Scenes", "TimeSwitch")
READ_ONLY = ("Bank", "History", "ImageCaptioning", "QuestionAnswering", "SearchEngine",
             "SpeechRecognition", "Stock", "Symptom", "Wiki")
DATABASES = WRITABLE + READ_ONLY


class ApiError(Exception):
    """An error API-Bank reports in the result's `exception` field (message is exact)."""


@cache
def load_db(name: str) -> Any:
    if name not in DATABASES:
        raise KeyError(name)
    return json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))


class State:
    """Mutable databases of one service instance, plus the small in-memory stores."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.dbs: dict[str, Any] = {n: copy.deepcopy(load_db(n)) for n in WRITABLE}
            # OpenBankAccount keeps its own in-memory accounts, seeded with one "test" account.
            self.bank_accounts: dict[str, dict[str, str]] = {
                "test": {"password": "test", "name": "test"}}
            self.forgot_user: str | None = None  # ForgotPassword's first phase

    def db(self, name: str) -> Any:
        return self.dbs[name] if name in self.dbs else load_db(name)

    # -- helpers shared by the API families ---------------------------------------------
    def check_token(self, token: str, message: str = "The token is invalid.") -> str:
        for username, account in self.dbs["Account"].items():
            if account.get("token") == token:
                return username
        raise ApiError(message)


def next_id(table: dict[str, Any]) -> str:
    ids = [int(k) for k in table if str(k).isdigit()]
    return str(max(ids, default=0) + 1)


def pad_year(text: str) -> str:
    """API-Bank zero-pads a short year ('23-03-01' style) before parsing."""
    head, sep, rest = text.partition("-")
    if sep and head.isdigit() and len(head) < 4:
        return head.zfill(4) + sep + rest
    return text


def parse_time(text: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> datetime:
    """strptime with the message Python gives, as API-Bank's APIs surface it."""
    try:
        return datetime.strptime(pad_year(str(text)), fmt)
    except ValueError as exc:
        raise ApiError(str(exc)) from None


def parse_date(text: str) -> datetime:
    return parse_time(text, "%Y-%m-%d")


def same_text(a: Any, b: Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a.strip().lower() == b.strip().lower()
