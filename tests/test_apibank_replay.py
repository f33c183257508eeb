"""Replay of API-Bank's recorded API calls (reads ../shared/data when present)."""

from __future__ import annotations

import json

import pytest
from conftest import SHARED_DATA, run_cli

from toolcoder_repl.evals.apibank.replay import ACCEPTED, replay, same_shape

DATA = SHARED_DATA / "api-bank"
needs_data = pytest.mark.skipif(not (DATA / "damo-convai" / "lv1-lv2-samples").is_dir(),
                                reason=f"API-Bank dialogues not found at {DATA}")


@needs_data
def test_replay_reproduces_recorded_results():
    report = replay(DATA)
    assert report.total == 508 and report.dialogues >= 260
    assert report.rate >= 0.98, report.rate
    unexplained = [(m.file, m.line, m.api_name) for m in report.mismatches if not m.accepted]
    assert not unexplained
    # every accepted mismatch still happens (stale entries would hide a regression's fix)
    assert len(report.mismatches) == len(ACCEPTED)


@needs_data
def test_demo_replay_cli_json(home):
    proc = run_cli("demo", "replay", "--json", "--data", str(DATA), home=home)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["total"] == 508 and data["rate"] >= 0.98
    assert data["by_api"]["GetUserToken"] == {"total": 108, "reproduced": 108}


def test_demo_replay_bad_data_dir(home, tmp_path):
    proc = run_cli("demo", "replay", "--data", str(tmp_path), home=home)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--data" in proc.stderr


def test_same_shape():
    assert same_shape({"token": "abc123"}, {"token": "xyz789"})
    assert same_shape("12345678", "87654321")
    assert not same_shape("12345678", "1234")
    assert not same_shape({"token": "a"}, {"other": "a"})
