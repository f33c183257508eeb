"""Where bundled data lives: inside the installed package, or the source checkout's top level.

`tools/` and `themes/` sit at the repository's top level (DESIGN.md); pyproject maps them into
the wheel as `toolcoder_repl/bundled/{tools,themes}` so an installed program needs no checkout.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PKG / "bundled" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    return _PKG.parent / name


def tools_dir() -> Path:
    """Bundled tool specs (OpenAPI files + manifest.yaml per toolset)."""
    return _find("tools")


def themes_dir() -> Path:
    """Bundled Textual themes."""
    return _find("themes")


def package_dir() -> Path:
    return _PKG
