"""`functions export`: saved functions as one self-contained Python module.

Each saved source already carries its helpers and imports; here they are merged (imports first,
each definition once). The tools the functions call are REST operations that toolcoder provides
at run time; the module defines placeholder namespaces for them (documented stubs that raise),
only when the names are not already defined, so the module also runs under `toolcoder exec`.
"""

from __future__ import annotations

import ast
from typing import Any

from .repository import SavedFunction

HEADER = '''"""Functions exported from the toolcoder library.

{listing}

Tool calls (`toolset.name(...)`) are REST operations. Run this module with `toolcoder exec`,
where the registered tools are available, or replace the stub namespaces below with your own
HTTP client.
"""
'''


def _stub_namespace(toolset: str, tools: list[str], catalog: Any) -> str:
    lines = [f"if {toolset!r} not in globals():  # tool stubs; provided by toolcoder at run time",
             "    import types as _types", "    from typing import Any  # noqa: F401 - stub annotations",
             ""]
    members = []
    for qual in tools:
        name = qual.split(".", 1)[1]
        stub = None
        if catalog is not None:
            tool = catalog.get(qual)
            if tool is not None:
                from ..toolset.stubs import render_stub

                stub = render_stub(tool).rstrip()
        if stub is None:
            stub = f"def {name}(**kwargs):\n    \"\"\"{qual} (definition not available).\"\"\""
        alias = f"_{toolset}__{name}"  # module-level name that cannot clash with a function
        stub = stub.replace(f"def {name}(", f"def {alias}(", 1)
        body = stub + f"\n    raise NotImplementedError({qual!r} + ' is a REST tool: run under toolcoder exec')"
        lines += ["    " + line if line else "" for line in body.splitlines()]
        lines.append("")
        members.append((name, alias))
    pairs = ", ".join(f"{m}={a}" for m, a in members)
    lines.append(f"    {toolset} = _types.SimpleNamespace({pairs})")
    return "\n".join(lines)


def export_module(functions: list[SavedFunction], catalog: Any = None) -> str:
    imports: list[str] = []
    defs: dict[str, str] = {}  # name -> source, first definition wins (helpers repeat)
    tools: dict[str, list[str]] = {}
    for fn in functions:
        tree = ast.parse(fn.source)
        for node in tree.body:
            text = ast.get_source_segment(fn.source, node) or ast.unparse(node)
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                if text not in imports:
                    imports.append(text)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                start = min([d.lineno for d in node.decorator_list] + [node.lineno]) - 1
                src = "\n".join(fn.source.splitlines()[start:node.end_lineno])
                defs.setdefault(node.name, src)
        for qual in fn.tools:
            toolset = qual.split(".", 1)[0]
            if qual not in tools.setdefault(toolset, []):
                tools[toolset].append(qual)
    listing = "\n".join(f"- {fn.signature}" for fn in functions) or "(no functions)"
    parts = [HEADER.format(listing=listing)]
    if imports:
        parts.append("\n".join(imports))
    parts += [_stub_namespace(ts, quals, catalog) for ts, quals in sorted(tools.items())]
    parts += list(defs.values())
    return "\n\n\n".join(p.strip("\n") for p in parts) + "\n"
