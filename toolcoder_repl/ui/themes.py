"""Themes as small TOML files in `themes/`, turned into Textual `Theme` objects at run time.

A file holds the Theme fields (name, dark, primary, ..., optional [variables]) and a
[toolcoder] table for what Textual's Theme has no slot for (the Pygments style for code).
"""

from __future__ import annotations

import sys
from dataclasses import fields
from pathlib import Path

from textual.theme import Theme

from ..resources import themes_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_THEME = "toolcoder-dark"
_THEME_FIELDS = {f.name for f in fields(Theme)}


def load_theme_file(path: Path) -> tuple[Theme, str]:
    """(Theme, pygments style name) from one TOML file; ValueError naming the file when bad."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"theme file {path}: {exc}") from exc
    extra = raw.pop("toolcoder", {}) or {}
    unknown = set(raw) - _THEME_FIELDS
    if unknown or "name" not in raw or "primary" not in raw:
        raise ValueError(f"theme file {path}: needs name and primary; unknown keys {sorted(unknown)}")
    return Theme(**raw), str(extra.get("syntax_theme", "monokai" if raw.get("dark", True) else "friendly"))


def load_themes(folder: Path | None = None) -> dict[str, tuple[Theme, str]]:
    """Every *.toml theme in the folder, by name. Bad files are skipped (the app warns)."""
    folder = folder or themes_dir()
    found: dict[str, tuple[Theme, str]] = {}
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        try:
            theme, syntax = load_theme_file(path)
        except (ValueError, TypeError):
            continue
        found[theme.name] = (theme, syntax)
    return found
