"""The message input: multi-line, history on up/down, slash-command completion on Tab.

Enter sends. A new line: Ctrl+J (or Shift+Enter where the terminal reports it), or end the
line with a backslash and press Enter. Up on the first line / Down on the last line walk the
history (shared with `chat --plain`).
"""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import TextArea

from ..history import History
from ..slash import complete_slash


class PromptInput(TextArea):
    DEFAULT_CSS = """
    PromptInput { height: auto; min-height: 3; max-height: 10; border: tall $primary 50%; }
    PromptInput:focus { border: tall $primary; }
    """

    class Submitted(Message):
        def __init__(self, prompt: PromptInput, text: str) -> None:
            super().__init__()
            self.prompt = prompt
            self.text = text

    def __init__(self, history: History | None = None, **kwargs) -> None:
        super().__init__(soft_wrap=True, tab_behavior="focus", show_line_numbers=False,
                         **kwargs)
        self.entries = history or History()

    def on_mount(self) -> None:
        if self.app.is_headless:
            self.cursor_blink = False  # tests and benchmarks: deterministic frames

    # -- keys -------------------------------------------------------------------------------
    async def _on_key(self, event: events.Key) -> None:
        key = event.key
        if key == "enter":
            event.stop()
            event.prevent_default()
            self._enter()
            return
        if key in ("ctrl+j", "shift+enter", "alt+enter"):
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        if key == "tab" and self.text.startswith("/"):
            event.stop()
            event.prevent_default()
            self.complete()
            return
        await super()._on_key(event)

    def _enter(self) -> None:
        text = self.text
        row, col = self.cursor_location
        line = self.document.get_line(row)
        if col > 0 and line[:col].endswith("\\"):
            # Continuation: swap the backslash for a line break.
            self.delete((row, col - 1), (row, col))
            self.insert("\n")
            return
        if not text.strip():
            return
        if text.startswith("/") and "\n" not in text and " " not in text:
            matches = complete_slash(text.strip())
            if len(matches) == 1 and matches[0] != text.strip():
                text = matches[0]
        self.entries.add(text)
        self.clear()
        self.post_message(self.Submitted(self, text))

    def complete(self) -> None:
        """Complete a slash command: the unique match, or the longest common prefix."""
        head = self.text.strip()
        if " " in head or "\n" in head:
            return
        matches = complete_slash(head)
        if not matches:
            return
        if len(matches) == 1:
            new = matches[0] + " "
        else:
            new = _common_prefix(matches)
        if new != self.text:
            self.load_text(new)
            self.move_cursor(self.document.end)

    # -- history ----------------------------------------------------------------------------
    def action_cursor_up(self, select: bool = False) -> None:
        if not select and self.cursor_location[0] == 0:
            entry = self.entries.previous(self.text)
            if entry is not None:
                self.load_text(entry)
                self.move_cursor(self.document.end)
            return
        super().action_cursor_up(select)

    def action_cursor_down(self, select: bool = False) -> None:
        if not select and self.cursor_location[0] == self.document.line_count - 1:
            entry = self.entries.next()
            if entry is not None:
                self.load_text(entry)
                self.move_cursor(self.document.end)
            return
        super().action_cursor_down(select)


def _common_prefix(words: list[str]) -> str:
    first, last = min(words), max(words)
    i = 0
    while i < len(first) and first[i] == last[i]:
        i += 1
    return first[:i]
