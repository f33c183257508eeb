"""Top-level functions of a successful program, made self-contained, normalised and hashed.

A saved function carries the sibling helpers it calls (transitively) and the top-level imports
it uses, so its source runs on its own when the sandbox preloads it or `export` writes it out.
Its hash is over the normalised AST (docstrings and comments dropped, positions ignored), so
re-saving the same logic is recognised whatever the formatting.
"""

from __future__ import annotations

import ast
import copy
import hashlib
from dataclasses import dataclass

from ..coder.parsing import signature_of

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass
class Extracted:
    name: str
    signature: str
    docstring: str
    source: str
    hash: str
    tools: list[str]  # "toolset.name" called by the function or its helpers


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


def normalise(nodes: list[ast.stmt]) -> str:
    """Canonical text of statements: no docstrings, no comments, no positions."""
    module = _strip_docstrings(ast.Module(body=copy.deepcopy(nodes), type_ignores=[]))
    return ast.dump(module, annotate_fields=False, include_attributes=False)


def code_hash(nodes: list[ast.stmt]) -> str:
    return hashlib.sha256(normalise(nodes).encode()).hexdigest()


def _names_used(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _tools_used(node: ast.AST, tool_names: set[str]) -> list[str]:
    found = []
    for n in ast.walk(node):
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name):
            qual = f"{n.value.id}.{n.attr}"
            if qual in tool_names and qual not in found:
                found.append(qual)
    return found


def extract_functions(code: str, tool_names: set[str], library_source: str = "") -> list[Extracted]:
    """Every top-level function of `code`, each with its helpers and imports.

    `library_source` is the preloaded saved functions the code ran with: a function calling one
    of them carries it along (it is not extracted itself).
    """
    tree = ast.parse(code)
    origin: dict[int, str] = {}  # id(node) -> the text it came from
    fns: dict[str, FunctionNode] = {}
    imports: list[ast.Import | ast.ImportFrom] = []
    order: dict[int, int] = {}
    sources = [(library_source, ast.parse(library_source))] if library_source.strip() else []
    sources.append((code, tree))
    for text, module in sources:  # the code's own definitions win over preloaded ones
        for node in module.body:
            order[id(node)] = len(order)
            origin[id(node)] = text
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                fns[node.name] = node
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                imports.append(node)
    out = []
    for fn in [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
        if fns.get(fn.name) is not fn:  # redefined later in the code: the last one counts
            continue
        deps: list[FunctionNode] = []
        pending = [fn]
        while pending:  # functions it calls, transitively
            for used in sorted(_names_used(pending.pop())):
                dep = fns.get(used)
                if dep is not None and dep is not fn and dep not in deps:
                    deps.append(dep)
                    pending.append(dep)
        members = sorted([fn, *deps], key=lambda n: order[id(n)])
        used = set().union(*(_names_used(m) for m in members))
        needed: list[ast.stmt] = []
        seen_imports: set[str] = set()
        for imp in imports:
            text = ast.unparse(imp)
            if text not in seen_imports and any((a.asname or a.name).split(".")[0] in used
                                                for a in imp.names):
                seen_imports.add(text)
                needed.append(imp)
        source = "\n".join(ast.get_source_segment(origin[id(n)], n) or ast.unparse(n) for n in needed)
        body = "\n\n\n".join(_with_decorators(origin[id(n)], n) for n in members)
        source = f"{source}\n\n\n{body}" if source else body
        tools: list[str] = []
        for member in members:
            tools += [t for t in _tools_used(member, tool_names) if t not in tools]
        out.append(Extracted(name=fn.name, signature=signature_of(fn),
                             docstring=ast.get_docstring(fn) or "", source=source.strip() + "\n",
                             hash=code_hash([*needed, *members]), tools=tools))
    return out


def _with_decorators(code: str, node: FunctionNode) -> str:
    lines = code.splitlines()
    start = min([d.lineno for d in node.decorator_list] + [node.lineno]) - 1
    end = node.end_lineno or node.lineno
    return "\n".join(lines[start:end])
