"""Slash commands shared by the TUI and the plain REPL: names, help text, parsing, completion.

No Textual or prompt_toolkit here, so both front ends (and their tests) use the same table.
"""

from __future__ import annotations

SLASH_COMMANDS: dict[str, str] = {
    "/tools": "browse registered toolsets and their operations",
    "/functions": "browse saved functions (run, mark stale, delete, export)",
    "/model": "show or switch the model for this session: /model [SPEC]",
    "/new": "start a new session",
    "/sessions": "list earlier sessions; resume one: /sessions [ID]",
    "/theme": "show or switch the theme: /theme [NAME]",
    "/help": "this list of commands and keys",
    "/quit": "leave",
}


def parse_slash(text: str) -> tuple[str, str] | None:
    """`"/model  openai:x"` -> ("/model", "openai:x"); None when the text is not a command.

    A unique prefix is accepted (`/func` -> `/functions`); an unknown command is returned as is
    so the caller can say so.
    """
    text = text.strip()
    if not text.startswith("/") or "\n" in text:
        return None
    name, _, arg = text.partition(" ")
    name = name.lower()
    if name not in SLASH_COMMANDS:
        matches = complete_slash(name)
        if len(matches) == 1:
            name = matches[0]
    return name, arg.strip()


def complete_slash(prefix: str) -> list[str]:
    """Command names starting with `prefix` (which includes the leading slash)."""
    prefix = prefix.lower()
    return [name for name in SLASH_COMMANDS if name.startswith(prefix)]


def help_text() -> str:
    width = max(len(n) for n in SLASH_COMMANDS)
    return "\n".join(f"{name.ljust(width)}  {desc}" for name, desc in SLASH_COMMANDS.items())
