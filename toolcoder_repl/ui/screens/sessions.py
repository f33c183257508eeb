"""Earlier sessions, newest first, each with its first question; Enter resumes one."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option


class SessionsScreen(Screen):
    CSS_PATH = "sessions.tcss"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def compose(self):
        yield Static("Sessions — Enter resumes one with its history", id="heading")
        yield OptionList(id="sessions")
        yield Footer()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        sessions = self.app.rt.store.sessions(limit=200)
        for s in sessions:
            label = Text(f"#{s['id']:<4}", style="bold")
            label.append(f" {s['created_at'][:16].replace('T', ' ')}", style="dim")
            label.append(f"  {s['turns']} turn{'s' * (s['turns'] != 1)}  ", style="dim")
            label.append((s["title"] or "(empty)").splitlines()[0][:80] if s["title"] else "(empty)")
            options.add_option(Option(label, id=str(s["id"])))
        if not sessions:
            options.add_option(Option(Text("no sessions yet", style="dim"), disabled=True))
        else:
            options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.resume_session(int(event.option.id))
