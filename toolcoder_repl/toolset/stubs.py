"""Tools as compact Python stubs: what the model reads and what the sandbox exposes.

    def search_person(query: str, page: int = None) -> dict:
        \"\"\"Search People: search for people. [GET /search/person]
        -> {results: [{id: int, name: str, ...}], total_results: int}\"\"\"

Every character here is paid for in every prompt, so descriptions are cut to their first
sentence and parameters are described only when the spec says something about them.
"""

from __future__ import annotations

import re
from typing import Any

from .model import Param, Tool

PY_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool",
            "array": "list", "object": "dict"}
DESC_CHARS = 64  # per parameter description
ENUM_SHOWN = 8
DESCRIBED = 6  # wide tools (TMDB's discover: 35 params) describe only their first few params


def first_sentence(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    text = re.sub(r"^(Optional|Required)[.:]\s*", "", text)
    m = re.match(r"(.+?[.!?])(\s|$)", text)
    if m:
        text = m.group(1)
    text = text.rstrip(".")
    return text if len(text) <= limit else text[: limit - 3].rstrip(" .,;:") + "..."


def ordered_params(tool: Tool) -> list[Param]:
    """Required first (in spec order), then optional ones."""
    return [p for p in tool.parameters if p.required] + [p for p in tool.parameters if not p.required]


def _default_literal(p: Param) -> str:
    if p.default is None or isinstance(p.default, (dict, list)):
        return "None"
    if isinstance(p.default, bool) or p.type != "boolean":
        return repr(p.default)
    return repr(str(p.default).lower() == "true")


def signature(tool: Tool) -> str:
    parts = []
    for p in ordered_params(tool):
        ann = PY_TYPES.get(p.type, "Any")
        parts.append(f"{p.pyname}: {ann}" if p.required else f"{p.pyname}: {ann} = {_default_literal(p)}")
    shape = tool.response_shape or "any"
    ret = {"{": "dict", "[": "list"}.get(shape[:1], "None" if shape == "None" else "Any")
    return f"def {tool.name}({', '.join(parts)}) -> {ret}:"


def _param_line(p: Param) -> str:
    bits = []
    if p.description:
        bits.append(first_sentence(p.description, DESC_CHARS))
    if p.enum:
        values = [str(e) for e in p.enum if str(e) != ""]
        shown = "|".join(values[:ENUM_SHOWN])
        bits.append(f"one of {shown}{'|...' if len(values) > ENUM_SHOWN else ''}")
    return f"{p.pyname}: {'; '.join(bits)}" if bits else ""


def docstring(tool: Tool) -> str:
    head = first_sentence(tool.summary, 80)
    desc = first_sentence(tool.description, 110)
    if desc and desc.lower() != head.lower():
        head = f"{head}: {desc[0].lower()}{desc[1:]}" if head else desc
    lines = [f"{head}{'' if head.endswith('...') else '.'} [{tool.method} {tool.path}]"]
    described = [line for p in ordered_params(tool) if (line := _param_line(p))]
    lines += described[:DESCRIBED]
    if len(described) > DESCRIBED:
        lines.append(f"(+{len(described) - DESCRIBED} more filters, see signature)")
    lines.append(f"-> {tool.response_shape or 'any'}")
    return "\n".join(lines)


def render_stub(tool: Tool) -> str:
    doc = docstring(tool).replace('"""', "'''").replace("\n", "\n    ")
    return f'{signature(tool)}\n    """{doc}"""'


def render_toolset_stubs(tools: list[Tool]) -> str:
    """Stubs grouped per toolset under a header saying how code calls them."""
    groups: dict[str, list[Tool]] = {}
    for tool in tools:
        groups.setdefault(tool.toolset, []).append(tool)
    blocks = []
    for name, group in groups.items():
        body = "\n\n".join(render_stub(t) for t in group)
        blocks.append(f"# toolset `{name}`: call as {name}.<function>(...) with keyword "
                      f"arguments\n{body}")
    return "\n\n".join(blocks)


def child_descriptor(tool: Tool) -> dict[str, Any]:
    """What the sandbox child needs to build `toolset.name(**kwargs)` (plain JSON data)."""
    return {
        "qualname": tool.qualname,
        "toolset": tool.toolset,
        "name": tool.name,
        "doc": docstring(tool),
        "signature": signature(tool),
        "params": [
            {"name": p.pyname, "required": p.required, "default": p.default
             if not isinstance(p.default, (dict, list)) else None,
             "kind": p.location, "type": p.type}
            for p in ordered_params(tool)
        ],
    }
