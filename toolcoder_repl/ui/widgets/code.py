"""Syntax-highlighted code with line numbers that match the sandbox's tracebacks."""

from __future__ import annotations

from rich.syntax import Syntax
from textual.widget import Widget


class CodeView(Widget):
    """Python source, numbered from 1, optionally highlighting the failing line.

    Rendered on demand with the app's current Pygments style, so a theme switch re-colours it.
    """

    DEFAULT_CSS = """
    CodeView { height: auto; width: 1fr; }
    """

    def __init__(self, code: str, *, highlight: int | None = None, language: str = "python",
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.code = code
        self.highlight = highlight
        self.language = language

    def set_code(self, code: str, highlight: int | None = None) -> None:
        self.code, self.highlight = code, highlight
        self.refresh(layout=True)

    def set_highlight(self, line: int | None) -> None:
        self.highlight = line
        self.refresh()

    def render(self) -> Syntax:
        style = getattr(self.app, "syntax_theme", "monokai")
        return Syntax(
            self.code.rstrip("\n") or " ",
            self.language,
            theme=style,
            line_numbers=True,
            highlight_lines={self.highlight} if self.highlight else None,
            word_wrap=True,
            background_color=self.app.current_theme.surface or "default",
        )
