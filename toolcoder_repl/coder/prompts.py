"""Prompt templates: text files in `coder/prompts/`, filled with `{{name}}` placeholders.

`{{name}}` (not str.format) because the templates are full of Python code with braces. Values
are inserted once, in a single pass, so a value that happens to contain `{{x}}` is left alone.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@cache
def template(name: str) -> str:
    path = PROMPTS_DIR / f"{name}.txt"
    return path.read_text(encoding="utf-8")


def render(name: str, **values: object) -> str:
    """Fill template `name`; a placeholder without a value is an error in our own code."""
    text = template(name)

    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in values:
            raise KeyError(f"prompt {name!r} needs a value for {{{{{key}}}}}")
        return str(values[key])

    return _PLACEHOLDER.sub(sub, text)


def names() -> list[str]:
    return sorted(p.stem for p in PROMPTS_DIR.glob("*.txt"))
