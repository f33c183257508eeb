"""Input history in prompt_toolkit's FileHistory format, so the TUI and `chat --plain` share it.

The format: each entry is a blank line, a `# timestamp` line, then the entry's lines each
prefixed with `+`. Reading it here avoids importing prompt_toolkit in the TUI.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path


def read_history(path: Path, limit: int = 1000) -> list[str]:
    """Entries oldest first (at most `limit`, the newest ones)."""
    if not path.exists():
        return []
    entries: list[str] = []
    lines: list[str] = []
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if raw.startswith("+"):
            lines.append(raw[1:])
        elif lines:
            entries.append("\n".join(lines))
            lines = []
    if lines:
        entries.append("\n".join(lines))
    return entries[-limit:]


def append_history(path: Path, entry: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"+{line}\n" for line in entry.split("\n"))
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"\n# {datetime.now()}\n{body}")


class History:
    """Up/down navigation over past entries, with the draft being typed kept aside."""

    def __init__(self, entries: list[str] | None = None, path: Path | None = None) -> None:
        self.path = path
        self.entries = list(entries or [])
        self._index = len(self.entries)
        self._draft = ""

    def add(self, entry: str) -> None:
        if entry.strip() and (not self.entries or self.entries[-1] != entry):
            self.entries.append(entry)
            if self.path is not None:
                try:
                    append_history(self.path, entry)
                except OSError:
                    pass  # history is a convenience; never fail a turn over it
        self._index = len(self.entries)
        self._draft = ""

    def previous(self, current: str) -> str | None:
        if self._index == 0:
            return None
        if self._index == len(self.entries):
            self._draft = current
        self._index -= 1
        return self.entries[self._index]

    def next(self) -> str | None:
        if self._index >= len(self.entries):
            return None
        self._index += 1
        return self._draft if self._index == len(self.entries) else self.entries[self._index]
