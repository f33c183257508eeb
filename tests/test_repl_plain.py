"""The plain REPL (`toolcoder chat --plain`) through a pipe and a pty, plus its building blocks."""

from __future__ import annotations

import os
import select
import sys
import time

import pytest
from conftest import REPO, run_cli
from test_ui_fakes import CALC_QUERY, FakePipeline, calc_replies, turn_events

from toolcoder_repl.coder.events import Event
from toolcoder_repl.ui.history import History, append_history, read_history
from toolcoder_repl.ui.render import PlainRenderer
from toolcoder_repl.ui.slash import complete_slash, parse_slash


def test_piped_session_streams_stages_and_answer(home, script):
    spec = script(calc_replies(repair=True))
    stdin = f"{CALC_QUERY}\n/functions\n/sessions\n/theme toolcoder-light\n"
    proc = run_cli("--model", spec, "chat", "--plain", home=home, input=stdin)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    order = [out.index(s) for s in ("── scaffold", "── plan", "── code", "tool ok  200  bank.calculator",
                                    "── error (round 0)", "KeyError", "── code (repair 1)",
                                    "function saved: compute_total", "── answer", "The total is **84**.")]
    assert order == sorted(order)
    assert "6 |     return float(reply[\"result\"])" in out  # numbered like the traceback
    assert "def compute_total(formula: str) -> float  (1 use)" in out  # /functions
    assert "What is (12+30)*2?" in out.split("── answer")[1]  # /sessions lists the question
    assert 'theme = "toolcoder-light"' in (home / "config.toml").read_text()
    assert proc.stderr == ""


def test_piped_without_a_model_explains_and_exits_cleanly(home):
    proc = run_cli("chat", "--plain", home=home, input="hello\n/help\n")
    assert proc.returncode == 0
    assert "No model is configured" in proc.stdout
    assert "/functions" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


@pytest.mark.slow
def test_interactive_prompt_in_a_pty(home, script):
    """prompt_toolkit on a real terminal: type a question, see the streamed answer, Ctrl+D."""
    import pty

    spec = script(calc_replies())
    env = {**os.environ, "TOOLCODER_HOME": str(home), "TERM": "xterm", "COLUMNS": "100",
           "LINES": "40", "PROMPT_TOOLKIT_NO_CPR": "1"}
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.chdir(REPO)
        os.execve(sys.executable, [sys.executable, "-m", "toolcoder_repl", "--model", spec,
                                   "chat", "--plain"], env)
    out = b""
    seen = 0

    def read_until(marker: bytes, timeout: float = 60) -> None:
        """Read until `marker` appears in output not seen by an earlier call."""
        nonlocal out, seen
        deadline = time.monotonic() + timeout
        while marker not in out[seen:]:
            assert time.monotonic() < deadline, out[-2000:]
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    out += os.read(fd, 65536)
                except OSError:  # the program ended
                    raise AssertionError(out[-2000:]) from None
        seen = out.index(marker, seen) + len(marker)

    try:
        read_until(b"you>")
        os.write(fd, CALC_QUERY.encode() + b"\r")
        read_until(b"The total is")
        read_until(b"you>")
        os.write(fd, b"\x04")  # Ctrl+D leaves
        deadline = time.monotonic() + 20
        while (done := os.waitpid(pid, os.WNOHANG))[0] == 0:
            assert time.monotonic() < deadline, "the REPL did not leave on Ctrl+D"
            time.sleep(0.1)
        assert os.WEXITSTATUS(done[1]) == 0
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.close(fd)
    assert (home / "history.txt").read_text().count(CALC_QUERY) == 1


def test_slash_parsing_and_completion():
    assert parse_slash("/model  openai:x ") == ("/model", "openai:x")
    assert parse_slash("/func") == ("/functions", "")
    assert parse_slash("/zzz") == ("/zzz", "")
    assert parse_slash("what is /tools") is None
    assert complete_slash("/t") == ["/tools", "/theme"]


def test_history_navigation_and_file_format(tmp_path):
    path = tmp_path / "history.txt"
    history = History([], path)
    history.add("first")
    history.add("two\nlines")
    assert history.previous("draft") == "two\nlines"
    assert history.previous("") == "first"
    assert history.previous("") is None
    assert history.next() == "two\nlines"
    assert history.next() == "draft"
    assert read_history(path) == ["first", "two\nlines"]
    # the same file prompt_toolkit's FileHistory reads (the plain REPL shares it)
    from prompt_toolkit.history import FileHistory

    assert list(FileHistory(str(path)).load_history_strings()) == ["two\nlines", "first"]
    append_history(path, "third")
    assert read_history(path)[-1] == "third"


def test_renderer_reports_cancel_and_failure():
    out: list[str] = []
    renderer = PlainRenderer(out.append, progress=False)
    for event in [Event("turn_started", 1, {"query": "q"}),
                  Event("failed", 1, {"stage": "plan", "reason": "the model failed"}),
                  Event("turn_done", 1, {"status": "failed"})]:
        renderer.handle(event)
    text = "".join(out)
    assert "plan: the model failed" in text and "[turn failed]" in text


def test_repl_runs_a_turn_from_events(home):
    from toolcoder_repl.config import Home
    from toolcoder_repl.runtime import Runtime
    from toolcoder_repl.ui.plain import PlainRepl

    class Out:
        text = ""

        def write(self, s):
            self.text += s

        def flush(self):
            pass

    out = Out()
    rt = Runtime(Home(home))
    repl = PlainRepl(rt, out, progress=False, pipeline_factory=lambda: FakePipeline(turn_events()))
    assert repl.turn("balance?") == "done"
    assert "John Doe's account balance" in out.text
    assert out.text.index("── error (round 0)") < out.text.index("── code (repair 1)")
    rt.close()
