"""The coder's view of the tool catalogue for one turn: retrieval, stubs, nearest names.

`coder` knows tools only through `toolset`'s public functions (DESIGN.md). Built once per
catalogue version and shared by the turns that follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TOOL_MAP_NAMES = 400  # beyond this the map itself would crowd the prompt


@dataclass
class ToolView:
    tools: list[Any]  # toolset.model.Tool
    by_name: dict[str, Any] = field(default_factory=dict)
    toolsets: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, catalog: Any) -> ToolView:
        tools = list(catalog.tools())
        view = cls(tools=tools, by_name={t.qualname: t for t in tools})
        for t in tools:
            view.toolsets.setdefault(t.toolset, set()).add(t.name)
        return view

    def candidates(self, query: str, limit: int) -> tuple[list[Any], str]:
        """All tools when the catalogue is small; else the top `limit` and a map of the rest."""
        if len(self.tools) <= limit:
            return list(self.tools), ""
        from ..toolset.search import search_tools

        top = [t for t, _ in search_tools(self.tools, query, k=limit)]
        shown = {t.qualname for t in top}
        rest: dict[str, list[str]] = {}
        count = 0
        for t in self.tools:
            if t.qualname in shown or count >= TOOL_MAP_NAMES:
                continue
            rest.setdefault(t.toolset, []).append(t.name)
            count += 1
        lines = [f"{ts}: {', '.join(names)}" for ts, names in rest.items()]
        more = len(self.tools) - len(shown) - count
        if more > 0:
            lines.append(f"(and {more} more)")
        tool_map = ("\nOther tools exist (names only; you may name them in the plan if they fit "
                    "better):\n" + "\n".join(lines) + "\n")
        return top, tool_map

    def stubs(self, tools: list[Any]) -> str:
        if not tools:
            return "# (no tools are registered: `toolcoder tools import SPEC`)"
        from ..toolset.stubs import render_toolset_stubs

        return render_toolset_stubs(tools)

    def pick(self, qualnames: list[str]) -> list[Any]:
        return [self.by_name[q] for q in qualnames if q in self.by_name]

    def nearest(self, name: str, k: int = 3) -> list[Any]:
        if not self.tools:
            return []
        from ..toolset.search import nearest_tools

        return nearest_tools(name, self.tools, k=k)

    def descriptors(self, qualnames: list[str]) -> list[dict[str, Any]]:
        from ..toolset.stubs import child_descriptor

        return [child_descriptor(t) for t in self.pick(qualnames)]
