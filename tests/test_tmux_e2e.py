"""End to end: the real `toolcoder` TUI in tmux, driven by keystrokes, with a scripted model."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time

import pytest
from conftest import REPO
from test_ui_fakes import CALC_QUERY, calc_replies

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Tmux:
    """One tmux server on a private socket, so parallel runs and users do not collide."""

    def __init__(self) -> None:
        self.socket = f"toolcoder-e2e-{os.getpid()}"
        self.session = "tui"

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                              text=True, timeout=20).stdout

    def start(self, command: str, width: int = 120, height: int = 45) -> None:
        self.run("new-session", "-d", "-s", self.session, "-x", str(width), "-y", str(height),
                 command)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session)

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", self.session, *(["-l"] if literal else []), *keys)

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not on screen:\n{screen}")
            time.sleep(0.2)

    def alive(self) -> bool:
        return self.session in self.run("list-sessions", "-F", "#{session_name}")

    def kill(self) -> None:
        self.run("kill-server")


def test_question_to_answer_in_the_real_tui(home, script):
    spec = script(calc_replies(repair=True))
    tmux = Tmux()
    # COLUMNS/LINES from the test runner would override the pane's size in the app.
    command = (f"cd {shlex.quote(str(REPO))} && env -u COLUMNS -u LINES "
               f"TOOLCODER_HOME={shlex.quote(str(home))} TERM=xterm-256color {shlex.quote(sys.executable)} -m toolcoder_repl "
               f"--model {shlex.quote(spec)}")
    tmux.start(command)
    try:
        tmux.wait_for("Ask a question")
        tmux.keys(CALC_QUERY, literal=True)
        tmux.keys("Enter")
        tmux.wait_for("The total is 84")
        for text in ("Repair 1 · KeyError", "Functions (1)", "ready"):
            tmux.wait_for(text, timeout=10)
        tmux.keys("F2")
        tmux.wait_for("compute_total")
        tmux.wait_for(CALC_QUERY)  # origin query on the functions screen
        tmux.keys("Escape")
        tmux.wait_for("The total is 84")
        tmux.keys("C-q")
        deadline = time.monotonic() + 15
        while tmux.alive():
            assert time.monotonic() < deadline, "the app did not quit on Ctrl+Q"
            time.sleep(0.2)
    finally:
        tmux.kill()
