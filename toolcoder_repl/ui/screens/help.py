"""Slash commands and keys, as a modal."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ..slash import help_text

KEYS = """Enter send · Ctrl+J (or a trailing \\ + Enter) new line · ↑/↓ history · Tab complete /command
Esc cancel the running turn · F8 copy answer · F9 copy code · Ctrl+P command palette
F1 help · F2 functions · F3 tools · F4 sessions · F5 model · Ctrl+N new session · Ctrl+T next theme
Ctrl+Q quit"""


class HelpScreen(ModalScreen):
    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape,q,f1", "app.pop_screen", "Close")]

    def compose(self):
        with Vertical(id="help-card"):
            yield Static("Commands", classes="heading")
            yield Static(Text(help_text()))
            yield Static("Keys", classes="heading")
            yield Static(Text(KEYS))
