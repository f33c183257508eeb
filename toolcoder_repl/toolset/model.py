"""The tool records: a toolset (one registered API) and its tools (one per operation).

A Tool is what the model plans with and what generated code calls (`tmdb.search_person(...)`).
Its `hash` covers everything that changes how it is called or what it returns, so saved
functions can notice when a tool they use was redefined.
"""

from __future__ import annotations

import hashlib
import json
import keyword
import re
from dataclasses import asdict, dataclass, field
from typing import Any

LOCATIONS = ("path", "query", "header", "body")
AUTH_KINDS = ("none", "bearer", "header", "query", "basic")


def python_identifier(name: str) -> str:
    """`certification.lte` -> `certification_lte`, `from` -> `from_`, `1x` -> `p_1x`."""
    ident = re.sub(r"\W+", "_", name).strip("_") or "param"
    if ident[0].isdigit():
        ident = f"p_{ident}"
    if keyword.iskeyword(ident) or ident in ("self",):
        ident += "_"
    return ident


@dataclass
class Param:
    name: str  # the name on the wire (query key, header, body property, path placeholder)
    location: str  # "path" | "query" | "header" | "body"
    type: str = "string"  # JSON-schema-ish: string integer number boolean array object
    required: bool = False
    default: Any = None
    enum: list | None = None
    description: str = ""
    python_name: str = ""  # keyword used in code when `name` is not a valid identifier

    @property
    def pyname(self) -> str:
        return self.python_name or self.name

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if not self.python_name or self.python_name == self.name:
            data.pop("python_name")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Param:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class Tool:
    toolset: str
    name: str
    method: str
    path: str
    parameters: list[Param]
    body_schema: dict | None
    response_shape: str
    summary: str
    description: str
    hash: str = ""
    # True when the request body is not an object and is sent whole as the `body` parameter.
    raw_body: bool = field(default=False)

    @property
    def qualname(self) -> str:
        return f"{self.toolset}.{self.name}"

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.path}"

    def param(self, name: str) -> Param | None:
        for p in self.parameters:
            if p.pyname == name or p.name == name:
                return p
        return None

    def definition(self) -> dict[str, Any]:
        """What the hash covers (everything but the toolset name and the hash itself)."""
        return {
            "name": self.name,
            "method": self.method,
            "path": self.path,
            "parameters": [p.to_json() for p in self.parameters],
            "body_schema": self.body_schema,
            "response_shape": self.response_shape,
            "summary": self.summary,
            "description": self.description,
            "raw_body": self.raw_body,
        }

    def compute_hash(self) -> str:
        blob = json.dumps(self.definition(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        return {
            "toolset": self.toolset,
            "name": self.name,
            "method": self.method,
            "path": self.path,
            "summary": self.summary,
            "parameters": [p.to_json() for p in self.parameters],
            "hash": self.hash,
        }

    # -- database rows ----------------------------------------------------------------------
    def to_row(self) -> dict[str, Any]:
        body = self.body_schema
        if self.raw_body:
            body = {"x-raw-body": True, "schema": body}
        return {
            "id": self.qualname,
            "toolset": self.toolset,
            "name": self.name,
            "method": self.method,
            "path": self.path,
            "parameters": json.dumps([p.to_json() for p in self.parameters]),
            "body_schema": json.dumps(body) if body is not None else None,
            "response_shape": self.response_shape,
            "summary": self.summary,
            "description": self.description,
            "hash": self.hash,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Tool:
        body = json.loads(row["body_schema"]) if row.get("body_schema") else None
        raw = isinstance(body, dict) and body.get("x-raw-body") is True
        if raw:
            body = body.get("schema")
        return cls(
            toolset=row["toolset"],
            name=row["name"],
            method=row["method"],
            path=row["path"],
            parameters=[Param.from_json(p) for p in json.loads(row["parameters"] or "[]")],
            body_schema=body,
            response_shape=row.get("response_shape") or "",
            summary=row.get("summary") or "",
            description=row.get("description") or "",
            hash=row.get("hash") or "",
            raw_body=raw,
        )


@dataclass
class Toolset:
    name: str
    base_url: str  # may be "local:NAME": an embedded service started on demand
    auth_kind: str = "none"  # none | bearer | header | query | basic
    auth_param: str = ""  # header or query parameter name for api keys
    key_name: str = ""  # name of the key (keys.json / env var); never the value
    source: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
