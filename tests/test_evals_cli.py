"""`toolcoder eval ...` through the real command line."""

from __future__ import annotations

import json

import pytest
from conftest import SHARED_DATA, run_cli
from test_evals_restbench import tmdb_replies

needs_data = pytest.mark.skipif(not (SHARED_DATA / "restbench").is_dir(),
                                reason="shared RestBench data not present")


@needs_data
def test_eval_json_prints_items_then_a_summary(home, script):
    spec = script(tmdb_replies())
    proc = run_cli("--model", spec, "eval", "restbench-tmdb", "--limit", "1", "--json", home=home)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [row["type"] for row in lines] == ["item", "summary"]
    assert lines[0]["path_correct"] is True
    assert lines[1]["path_correct_rate"] == 1.0 and lines[1]["items"] == 1
    assert not (home / "toolcoder.db").exists()  # the eval ran in its own throwaway home


@needs_data
def test_eval_table_and_data_option(home, script):
    spec = script(tmdb_replies("get_person_tv_credits"))
    proc = run_cli("--model", spec, "eval", "restbench-tmdb", "--limit", "1",
                   "--data", str(SHARED_DATA), home=home)
    assert proc.returncode == 0, proc.stderr
    assert "tmdb-1" in proc.stdout and "path_correct_rate    0.0%" in proc.stdout


def test_eval_usage_errors(home, tmp_path, script):
    spec = script(tmdb_replies())
    proc = run_cli("--model", spec, "eval", "restbench-tmdb", "--limit", "0", home=home)
    assert proc.returncode == 2 and "--limit" in proc.stderr
    proc = run_cli("--model", spec, "eval", "apibank-l1", "--data", str(tmp_path), home=home)
    assert proc.returncode == 2 and "--data" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("eval", "restbench-imdb", home=home)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr
