"""`$ref` resolution for OpenAPI / Swagger documents, safe on recursive schemas.

Only local refs (`#/components/...`, `#/definitions/...`) are followed. `resolve` follows a
chain of refs at one node; `expand` inlines refs in a whole subtree, cutting cycles (a schema
that contains itself becomes `{"type": "object", "x-recursive": "Name"}`) and very deep trees.
"""

from __future__ import annotations

from typing import Any

from ..errors import UsageError

MAX_DEPTH = 40


class RefResolver:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    def lookup(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise UsageError(f"external $ref '{ref}' is not supported; bundle the spec into one file")
        node: Any = self.spec
        for raw in ref.lstrip("#").strip("/").split("/"):
            if raw == "":
                continue
            part = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise UsageError(f"$ref '{ref}' points nowhere in the spec; fix the reference")
        return node

    def resolve(self, node: Any) -> Any:
        """Follow `$ref` at this node (chains too) until a non-ref node; cycles raise."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise UsageError(f"$ref cycle at '{ref}' (a reference that points to itself)")
            seen.add(ref)
            node = self.lookup(ref)
        return node

    def expand(self, node: Any, _stack: tuple[str, ...] = (), _depth: int = 0) -> Any:
        """A copy of `node` with every ref inlined; recursion and excess depth are cut."""
        if _depth > MAX_DEPTH:
            return {"type": "object"}
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                name = ref.rsplit("/", 1)[-1]
                if ref in _stack:
                    return {"type": "object", "x-recursive": name}
                return self.expand(self.lookup(ref), _stack + (ref,), _depth + 1)
            # Examples are dropped from schemas only (a property may be called "example").
            drop = ("example", "examples") if ("type" in node or "properties" in node) else ()
            return {k: self.expand(v, _stack, _depth + 1) for k, v in node.items()
                    if k not in drop}
        if isinstance(node, list):
            return [self.expand(v, _stack, _depth + 1) for v in node]
        return node
