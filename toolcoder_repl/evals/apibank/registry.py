"""The API table: each API-Bank API is a plain function registered under its API-Bank name.

A function's signature is the API's contract: parameters without a default are required,
the rest optional. Types, descriptions and output fields come from the packaged
`apis_meta.json` (the descriptions API-Bank shows its models). `call()` turns a JSON object
of parameters into API-Bank's result envelope `{"api_name", "input", "output", "exception"}`.
"""

from __future__ import annotations

import ast
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from .state import DATA_DIR, ApiError, State

# Parameters that API-Bank's recorded dialogues pass under another name (the meta says `name`,
# the recorded calls and error strings say `device_id`): accepted as aliases.
ALIASES: dict[str, dict[str, str]] = {
    "TimedSwitch": {"device_id": "name"},
    "CancelTimedSwitch": {"device_id": "name"},
}


class BadRequest(Exception):
    """The request itself is malformed (missing/extra parameter, wrong type): HTTP 400."""


@dataclass
class Api:
    name: str
    func: Callable[..., Any]
    meta: dict[str, Any]

    @property
    def params(self) -> list[inspect.Parameter]:
        return [p for p in inspect.signature(self.func).parameters.values() if p.name != "state"]

    @property
    def required(self) -> list[str]:
        return [p.name for p in self.params if p.default is inspect.Parameter.empty]

    def param_type(self, name: str) -> str:
        return str(self.meta.get("input_parameters", {}).get(name, {}).get("type", "str"))


APIS: dict[str, Api] = {}


@cache
def api_meta() -> dict[str, dict[str, Any]]:
    """API-Bank's own descriptions of its 53 APIs, by name."""
    items = json.loads((DATA_DIR / "apis_meta.json").read_text())
    return {m["name"]: m for m in items}


def api(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        APIS[name] = Api(name, func, api_meta()[name])
        return func

    return register


def all_apis() -> dict[str, Api]:
    """Every registered API (imports the family modules once)."""
    from . import accounts, agenda, finance, health, home, misc, searcher  # noqa: F401

    return APIS


# -- parameter coercion (API-Bank's ToolManager coerces int/float/bool and literal lists) --
def _coerce(value: Any, kind: str, name: str) -> Any:
    kind = kind.lower()
    if value is None:
        return None
    if kind == "int":
        if isinstance(value, bool):
            raise BadRequest(f"parameter '{name}' must be an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        raise BadRequest(f"parameter '{name}' must be an integer, got {value!r}")
    if kind == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise BadRequest(f"parameter '{name}' must be a number, got {value!r}") from None
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
            return value.strip().lower() in ("true", "1")
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise BadRequest(f"parameter '{name}' must be a boolean (true/false), got {value!r}")
    if kind.startswith("list"):
        if isinstance(value, str):
            try:
                value = ast.literal_eval(value.strip())
            except (ValueError, SyntaxError):
                try:
                    value = json.loads(value)
                except ValueError:
                    raise BadRequest(f"parameter '{name}' must be a list, got {value!r}") from None
        if isinstance(value, tuple):
            value = list(value)
        if not isinstance(value, list):
            raise BadRequest(f"parameter '{name}' must be a list, got {type(value).__name__}")
        return value
    # str (and anything else): numbers are accepted as their text; containers are not
    if isinstance(value, bool) or isinstance(value, (list, dict)):
        raise BadRequest(f"parameter '{name}' must be a string, got {type(value).__name__}")
    return value if isinstance(value, str) else str(value)


def prepare(entry: Api, params: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(echoed input, keyword arguments) for a call; raises BadRequest."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise BadRequest("the request body must be a JSON object of parameters")
    known = {p.name for p in entry.params}
    aliases = ALIASES.get(entry.name, {})
    unknown = [k for k in params if k not in known and k not in aliases]
    if unknown:
        raise BadRequest(f"unknown parameter(s) {', '.join(map(repr, unknown))} for {entry.name}; "
                         f"expected: {', '.join(sorted(known)) or 'none'}")
    echoed: dict[str, Any] = {}
    kwargs: dict[str, Any] = {}
    for key, value in params.items():
        target = aliases.get(key, key)
        coerced = _coerce(value, entry.param_type(target), key)
        echoed[key] = coerced
        kwargs[target] = coerced
    missing = [r for r in entry.required if kwargs.get(r) is None]
    if missing:
        raise BadRequest(f"missing required parameter(s) {', '.join(map(repr, missing))} "
                         f"for {entry.name}")
    return echoed, kwargs


def envelope(name: str, inp: Any, output: Any = None, exception: str | None = None) -> dict:
    return {"api_name": name, "input": inp, "output": output, "exception": exception}


def call(state: State, name: str, params: Any) -> dict[str, Any]:
    """Run one API; API errors come back in the envelope, bad requests raise BadRequest."""
    entry = all_apis()[name]
    echoed, kwargs = prepare(entry, params)
    inp = echoed or None  # API-Bank records `input: null` for parameterless calls
    try:
        output = entry.func(state, **kwargs)
    except ApiError as exc:
        return envelope(name, inp, None, str(exc))
    return envelope(name, inp, output, None)
