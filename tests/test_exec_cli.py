"""`toolcoder exec`: a file's final expression is its value, line numbers stay those of the file."""

from __future__ import annotations

import json

from conftest import run_cli

from toolcoder_repl.sandbox.commands import split_final_expression


def test_split_final_expression_keeps_line_numbers() -> None:
    code, entry = split_final_expression("x = 2\n\nf(\n  x,\n)\n")
    assert entry == "f(\n  x,\n)"
    assert code.count("\n") == 5 and "f(" not in code
    assert split_final_expression("x = 1\n") == ("x = 1\n", None)
    assert split_final_expression("a = 1; a\n")[1] is None
    assert split_final_expression("def broken(:\n")[1] is None


def test_exec_returns_final_expression_value(tmp_path, home) -> None:
    src = tmp_path / "job.py"
    src.write_text("def double(n):\n    return 2 * n\n\nprint('hi')\ndouble(21)\n")
    out = run_cli("exec", "--json", str(src), home=home)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["ok"] and data["value"] == 42 and data["stdout"] == "hi\n"


def test_exec_failure_reports_the_file_line(tmp_path, home) -> None:
    src = tmp_path / "job.py"
    src.write_text("x = {}\n\n\ny = x['missing']\n")
    out = run_cli("exec", str(src), home=home)
    assert out.returncode == 1
    assert 'File "job.py", line 4' in out.stderr and "KeyError" in out.stderr
