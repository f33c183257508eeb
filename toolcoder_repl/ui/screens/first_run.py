"""Shown when no model is configured: the three ways to get one, and a field to try a spec now."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from ...llm.spec import FIRST_RUN_HELP


class FirstRunScreen(Screen):
    CSS_PATH = "first_run.tcss"
    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit")]

    def compose(self):
        with Vertical(id="card"):
            yield Static("Welcome to toolcoder", id="title")
            yield Static(Text(FIRST_RUN_HELP), id="help")
            yield Static("Or type a model spec to use it now (saved as the default):",
                         id="prompt-label")
            yield Input(placeholder="openai:gpt-4o-mini | gguf:/path/model.gguf | hf:REPO",
                        id="spec")
            yield Static("", id="error")
        yield Footer()

    def on_mount(self) -> None:
        field = self.query_one(Input)
        if self.app.is_headless:
            field.cursor_blink = False  # deterministic frames in tests
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        spec = event.value.strip()
        if not spec:
            return
        self.query_one("#error", Static).update(Text(f"loading {spec}…"))
        self.run_worker(lambda: self._load(spec), thread=True, exclusive=True)

    def _load(self, spec: str) -> None:
        rt = self.app.rt
        try:
            rt.model(spec)
        except Exception as exc:  # noqa: BLE001 - shown on this screen; the user can retry
            self.app.call_from_thread(self.query_one("#error", Static).update, Text(f"✗ {exc}"))
            return
        config = rt.home.load_config()
        config.model = spec
        rt.home.save_config(config)
        self.app.call_from_thread(self._ready, spec)

    def _ready(self, spec: str) -> None:
        self.app.pop_screen()
        self.app.chat.status.set(model=spec)
        self.app.notify(f"model: {spec} (now the default)")
