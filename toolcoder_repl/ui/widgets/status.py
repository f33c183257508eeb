"""The status line: model, sandbox isolation level, tokens used in the session, turn state."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; width: 1fr; background: $panel; color: $foreground; padding: 0 1; }
    """

    def __init__(self, model: str = "", **kwargs) -> None:
        super().__init__("", **kwargs)
        self.model = model
        self.isolation = "probing…"
        self.isolation_warning = ""
        self.tokens = 0
        self.session: int | None = None
        self.state = "ready"

    def on_mount(self) -> None:
        self._redraw()

    def set(self, **values) -> None:
        for key, value in values.items():
            setattr(self, key, value)
        self._redraw()

    def _redraw(self) -> None:
        text = Text()
        text.append("model ", style="dim")
        text.append(short_spec(self.model) or "none", style="bold")
        text.append("  sandbox ", style="dim")
        text.append(self.isolation, style="bold red" if self.isolation_warning else "bold")
        text.append("  tokens ", style="dim")
        text.append(f"{self.tokens:,}", style="bold")
        if self.session is not None:
            text.append("  session ", style="dim")
            text.append(str(self.session))
        text.append("  ")
        text.append(self.state, style="italic")
        self.update(text)


def short_spec(spec: str, limit: int = 32) -> str:
    """`scripted:/long/path/replies.json` -> `scripted:replies.json`: the line has little room."""
    if len(spec) <= limit:
        return spec
    kind, _, rest = spec.partition(":")
    name = rest.rstrip("/").rsplit("/", 1)[-1]
    short = f"{kind}:{name}" if kind and rest else name
    return short if len(short) <= limit else short[: limit - 1] + "…"
