"""A compact one-line picture of a JSON schema: `{results: [{id: int, name: str, ...}], page: int}`.

This is what the model reads to know how to walk a response, so it favours the identifying
fields (id, name, title...) and cuts wide or deep objects with `...` to stay short.
"""

from __future__ import annotations

from typing import Any

from .refs import RefResolver

SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}
# Fields shown first in wide objects: the ones code usually needs to find and join things.
PRIORITY = ("id", "name", "title", "results", "items", "cast", "crew", "job", "character",
            "total_results", "total", "uri", "type", "release_date", "first_air_date")


def schema_type(schema: dict[str, Any]) -> str:
    """The JSON type of a schema; OpenAPI 3.1 `type: [string, "null"]` gives `string`."""
    t = schema.get("type")
    if isinstance(t, list):
        non_null = [x for x in t if x != "null"]
        t = non_null[0] if non_null else "null"
    if not t:
        if "properties" in schema or "additionalProperties" in schema:
            return "object"
        if "items" in schema:
            return "array"
        for key in ("allOf", "oneOf", "anyOf"):
            for sub in schema.get(key) or []:
                if isinstance(sub, dict) and (st := schema_type(sub)):
                    return st
        return ""
    return str(t)


def merge_all_of(schema: dict[str, Any], resolver: RefResolver, _seen: frozenset = frozenset()
                 ) -> dict[str, Any]:
    """Flatten `allOf` parts (and a lone oneOf/anyOf choice) into one object schema."""
    schema = resolver.resolve(schema)
    if not isinstance(schema, dict):
        return {}
    parts = schema.get("allOf")
    if not parts:
        for key in ("oneOf", "anyOf"):
            choices = [c for c in schema.get(key) or []
                       if schema_type(resolver.resolve(c)) != "null"]
            if choices and not schema.get("properties"):
                return merge_all_of(choices[0], resolver, _seen)
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    props = dict(merged.get("properties") or {})
    required = list(merged.get("required") or [])
    for part in parts:
        ref = part.get("$ref") if isinstance(part, dict) else None
        if ref in _seen:
            continue
        sub = merge_all_of(part, resolver, _seen | ({ref} if ref else set()))
        props.update(sub.get("properties") or {})
        required += list(sub.get("required") or [])
        merged.setdefault("type", sub.get("type"))
    merged["properties"] = props
    merged["required"] = required
    return merged


def _ordered(keys: list[str]) -> list[str]:
    first = [k for k in PRIORITY if k in keys]
    return first + [k for k in keys if k not in first]


def render_shape(schema: Any, resolver: RefResolver, *, width: int = 6, depth: int = 3,
                 _stack: tuple[str, ...] = ()) -> str:
    if not isinstance(schema, dict):
        return "any"
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if ref in _stack:
            return ref.rsplit("/", 1)[-1]
        _stack = _stack + (ref,)
    schema = merge_all_of(schema, resolver)
    kind = schema_type(schema)
    if kind == "array":
        inner = render_shape(schema.get("items") or {}, resolver, width=width, depth=depth,
                             _stack=_stack)
        return f"[{inner}]"
    if kind == "object" or schema.get("properties"):
        props = {k: v for k, v in (schema.get("properties") or {}).items() if k}
        if not props:
            return "dict"
        if depth <= 0:
            return "{...}"
        keys = _ordered(list(props))
        parts = [f"{k}: {render_shape(props[k], resolver, width=max(3, width - 2), depth=depth - 1, _stack=_stack)}"
                 for k in keys[:width]]
        if len(keys) > width:
            parts.append("...")
        return "{" + ", ".join(parts) + "}"
    return SCALARS.get(kind, "any")


def response_shape(schema: Any, resolver: RefResolver, limit: int = 220) -> str:
    """The shape, narrowed until it fits in `limit` characters."""
    if schema is None:
        return "None"
    for width, depth in ((6, 3), (5, 3), (4, 3), (4, 2), (3, 2), (2, 2), (2, 1)):
        text = render_shape(schema, resolver, width=width, depth=depth)
        if len(text) <= limit:
            return text
    return text[: limit - 4] + " ..."
