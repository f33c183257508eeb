"""The OpenAPI 3 document of the service, generated from the API table and API-Bank's meta.

One `POST /{ApiName}` operation per API (operationId = ApiName) with a JSON request body whose
properties are the API's parameters, typed and described, so the normal OpenAPI import makes
one tool per API with body parameters.
"""

from __future__ import annotations

import copy
import inspect
import re
from functools import cache
from typing import Any

from .registry import all_apis

ITEM_SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    ("RecordHealthData", "health_data"): {
        "type": "object", "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
        "required": ["name", "value"]},
    ("AddScene", "devices"): {
        "type": "object",
        "properties": {"name": {"type": "string"}, "description": {"type": "string"}},
        "required": ["name", "description"]},
}
ITEM_SCHEMAS[("ModifyScene", "devices")] = ITEM_SCHEMAS[("AddScene", "devices")]


def json_schema_type(kind: str) -> dict[str, Any]:
    kind = kind.strip().lower()
    if kind == "int":
        return {"type": "integer"}
    if kind == "float":
        return {"type": "number"}
    if kind == "bool":
        return {"type": "boolean"}
    if kind == "list(str)":
        return {"type": "array", "items": {"type": "string"}}
    if kind.startswith("list") or kind.startswith("union[list"):
        return {"type": "array", "items": {}}
    if kind in ("json", "dict"):
        return {"type": "object"}
    return {"type": "string"}


def _one_sentence(text: str) -> str:
    return re.sub(r"\.\s+", "; ", " ".join(str(text).split())).rstrip(". ")


def param_description(text: str) -> str:
    """'The time. Format: %Y-%m-%d' -> 'The time (format %Y-%m-%d)': the format survives
    renderers that keep only a description's first sentence."""
    m = re.match(r"(.*?)\.?\s*Format(?: be like)?\s*:?\s*(.+?)\.?$", " ".join(text.split()))
    if m and m.group(1):
        return f"{m.group(1).rstrip('.')} (format {m.group(2)})"
    return text


def output_note(meta: dict[str, Any]) -> str:
    outputs = meta.get("output_parameters", {})
    fields = ", ".join(f"{k} ({v.get('type', '')}): {_one_sentence(v.get('description', ''))}"
                       for k, v in outputs.items())
    return f"`output` = {fields}; null on failure, with the message in `exception`"


def _request_schema(name: str) -> dict[str, Any]:
    entry = all_apis()[name]
    meta_params = entry.meta.get("input_parameters", {})
    props: dict[str, Any] = {}
    for p in entry.params:
        info = meta_params.get(p.name, {})
        schema = json_schema_type(str(info.get("type", "str")))
        if (name, p.name) in ITEM_SCHEMAS:
            schema["items"] = ITEM_SCHEMAS[(name, p.name)]
        schema["description"] = param_description(info.get("description", ""))
        if p.default is not inspect.Parameter.empty and p.default is not None:
            schema["default"] = p.default
        props[p.name] = schema
    body: dict[str, Any] = {"type": "object", "properties": props,
                            "additionalProperties": False}
    if entry.required:
        body["required"] = entry.required
    return body


def _response_schema(name: str) -> dict[str, Any]:
    outputs = all_apis()[name].meta.get("output_parameters", {})
    desc = "; ".join(f"{k} ({v.get('type', '')}): {v.get('description', '')}"
                     for k, v in outputs.items())
    return {
        "type": "object",
        "properties": {
            "api_name": {"type": "string"},
            "input": {"type": "object", "nullable": True},
            "output": {"description": desc or "the result", "nullable": True},
            "exception": {"type": "string", "nullable": True,
                          "description": "the error message when the call failed, else null"},
        },
        "required": ["api_name", "input", "output", "exception"],
    }


@cache
def _spec() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for name in sorted(all_apis()):
        entry = all_apis()[name]
        text = entry.meta.get("description", name)
        summary, _, rest = text.partition(". ")
        operation: dict[str, Any] = {
            "operationId": name,
            "summary": summary.rstrip("."),
            # What `output` holds comes first: stubs show a description's first sentence.
            "description": f"{output_note(entry.meta)}. {rest}".strip(),
            "responses": {
                "200": {"description": "API-Bank result envelope",
                        "content": {"application/json": {"schema": _response_schema(name)}}},
                "400": {"description": "malformed request (missing, unknown or mistyped "
                        "parameters; bad JSON)"},
            },
        }
        if entry.params:  # parameterless APIs (GetToday) take no body at all
            operation["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": _request_schema(name)}}}
        paths[f"/{name}"] = {"post": operation}
    return {
        "openapi": "3.0.3",
        "info": {"title": "API-Bank demo service", "version": "1.0",
                 "description": "API-Bank's 53 APIs (accounts, agenda, alarms, reminders, "
                 "meetings, appointments, health data, stocks, bank, hotels, calculator, wiki, "
                 "search, ...) served offline on loopback."},
        "servers": [{"url": "local:apibank"}],
        "paths": paths,
    }


def openapi_spec() -> dict[str, Any]:
    """A fresh copy of the document (callers may mutate it)."""
    return copy.deepcopy(_spec())
