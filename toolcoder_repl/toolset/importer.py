"""OpenAPI 3.0/3.1 and Swagger 2.0 import: one Tool per operation.

Sources are a file path, an http(s) URL, or the name of a bundled spec (`tools/<name>/`).
Everything the user can get wrong ends in a one-line UsageError, and nothing is written
until the whole spec has been read (Catalog.save replaces a toolset atomically).
"""

from __future__ import annotations

import json
import keyword
import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml

from ..errors import UsageError
from ..resources import tools_dir
from .model import AUTH_KINDS, Param, Tool, Toolset, python_identifier
from .refs import RefResolver
from .shapes import merge_all_of, response_shape, schema_type

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
TYPES = {"string", "integer", "number", "boolean", "array", "object"}
# Leading path words that already read as a verb: GET /search/person -> search_person.
VERB_SEGMENTS = {"search", "discover", "find", "lookup", "list", "query", "check", "get"}
METHOD_VERBS = {"get": "get", "post": "create", "put": "update", "patch": "update",
                "delete": "delete", "head": "head", "options": "options"}


# -- loading ------------------------------------------------------------------------------
def bundled_manifest(name: str) -> dict[str, Any] | None:
    folder = tools_dir() / name
    manifest = folder / "manifest.yaml"
    if not (re.fullmatch(r"[A-Za-z0-9_-]+", name) and manifest.is_file()):
        return None
    data = yaml.safe_load(manifest.read_text()) or {}
    data["_spec_path"] = str(folder / data.get("spec", "openapi.json"))
    return data


def bundled_names() -> list[str]:
    root = tools_dir()
    if not root.is_dir():
        return []
    return sorted(p.parent.name for p in root.glob("*/manifest.yaml"))


def parse_spec_text(text: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" at line {mark.line + 1}" if mark is not None else ""
            raise UsageError(f"{where} is neither valid JSON nor valid YAML{at}; "
                             "check the file") from None
    if not isinstance(data, dict) or not ("openapi" in data or "swagger" in data):
        raise UsageError(f"{where} is not an OpenAPI/Swagger document (no 'openapi' or "
                         "'swagger' field)")
    version = str(data.get("openapi") or data.get("swagger"))
    if not (version.startswith("3.") or version.startswith("2.")):
        raise UsageError(f"{where}: unsupported spec version {version}; use OpenAPI 3.x or Swagger 2.0")
    if not isinstance(data.get("paths"), dict):
        raise UsageError(f"{where} has no 'paths'; nothing to import")
    return data


def load_spec(source: str) -> dict[str, Any]:
    """A spec from a file path, an http(s) URL, or a bundled name; JSON or YAML."""
    if source.startswith(("http://", "https://")):
        import httpx

        try:
            resp = httpx.get(source, timeout=20.0, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise UsageError(f"could not fetch {source} ({type(exc).__name__}); check the URL "
                             "and your connection") from None
        if resp.status_code >= 400:
            raise UsageError(f"could not fetch {source}: HTTP {resp.status_code}")
        return parse_spec_text(resp.text, source)
    path = Path(source).expanduser()
    if not path.is_file():
        manifest = bundled_manifest(source)
        if manifest is None:
            names = ", ".join(bundled_names()) or "none"
            raise UsageError(f"no spec file or bundled spec named '{source}' (bundled: {names})")
        path = Path(manifest["_spec_path"])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    return parse_spec_text(text, str(path))


# -- names --------------------------------------------------------------------------------
def snake_case(text: str) -> str:
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    text = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower()
    text = re.sub(r"_+", "_", text) or "op"
    if text[0].isdigit():
        text = f"op_{text}"
    return text + "_" if keyword.iskeyword(text) else text


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^0-9a-z]+", snake_case(text)) if t]


def slug_name(method: str, path: str) -> str:
    """GET /search/person -> search_person; GET /movie/{movie_id}/credits -> get_movie_credits."""
    statics = [s for s in path.strip("/").split("/") if s and not s.startswith("{")]
    words = [snake_case(s) for s in statics]
    verb = METHOD_VERBS.get(method.lower(), method.lower())
    if method.lower() == "get" and words and words[0] in VERB_SEGMENTS:
        verb = ""
    return snake_case("_".join(w for w in [verb, *words] if w)) if (verb or words) else "root"


def tool_name(op: dict[str, Any], method: str, path: str) -> str:
    op_id = op.get("operationId")
    if isinstance(op_id, str) and op_id.strip():
        # Generated ids like "GET_movie-movie_id-keywords" only restate method+path: use a slug.
        if _tokens(op_id) == _tokens(f"{method} {path}"):
            return slug_name(method, path)
        return snake_case(op_id)
    return slug_name(method, path)


def _dedupe(name: str, used: set[str]) -> str:
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name}_{n}", n + 1
    used.add(candidate)
    return candidate


# -- parameters ---------------------------------------------------------------------------
def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def clean_text(text: Any, limit: int = 300) -> str:
    """Markdown/HTML-light prose on one line, cut at `limit`."""
    if not isinstance(text, str):
        return ""
    text = re.sub(r"<br\s*/?>", " ", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # [label](link) -> label
    text = re.sub(r"(?<!\w)[*_`]{1,3}(\S[^*_`]*?)[*_`]{1,3}(?!\w)", r"\1", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def coerce_default(value: Any, type_: str) -> Any:
    """Specs often quote defaults ("20", "false"); give them the parameter's type."""
    if not isinstance(value, str):
        return value
    try:
        if type_ == "integer":
            return int(value)
        if type_ == "number":
            return float(value)
    except ValueError:
        return value
    if type_ == "boolean" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _json_type(schema: dict[str, Any]) -> str:
    t = schema_type(schema)
    return t if t in TYPES else "string"


def _param_from(raw: dict[str, Any], resolver: RefResolver) -> Param | None:
    where = raw.get("in")
    if where not in ("path", "query", "header", "formData"):
        return None  # cookie params and Swagger 2 body params are handled elsewhere
    schema = raw.get("schema")
    schema = merge_all_of(schema, resolver) if isinstance(schema, dict) else raw  # Swagger 2
    enum = schema.get("enum") or (schema.get("items") or {}).get("enum")
    description = raw.get("description") or schema.get("description") or ""
    type_ = _json_type(schema)
    return Param(
        name=str(raw.get("name")),
        location="body" if where == "formData" else where,
        type=type_,
        required=where == "path" or _truthy(raw.get("required")),
        default=coerce_default(schema.get("default"), type_),
        enum=[e for e in enum if e is not None] if isinstance(enum, list) else None,
        description=clean_text(description),
    )


def _merge_params(path_item: dict, op: dict, resolver: RefResolver) -> tuple[list[Param], dict | None]:
    """Path-level then operation-level parameters (the latter win); Swagger 2 body param."""
    by_key: dict[tuple[str, str], Param] = {}
    body_param: dict | None = None
    for raw in list(path_item.get("parameters") or []) + list(op.get("parameters") or []):
        raw = resolver.resolve(raw)
        if not isinstance(raw, dict) or "name" not in raw:
            continue
        if raw.get("in") == "body":
            body_param = raw
            continue
        param = _param_from(raw, resolver)
        if param is not None:
            by_key[(param.location, param.name)] = param
    return list(by_key.values()), body_param


def _body(op: dict, body_param: dict | None, resolver: RefResolver) -> tuple[dict | None, bool]:
    """(schema, required) of the JSON request body, if any."""
    if body_param is not None:
        return body_param.get("schema") or {}, _truthy(body_param.get("required"))
    rb = resolver.resolve(op.get("requestBody"))
    if not isinstance(rb, dict):
        return None, False
    content = rb.get("content") or {}
    media = next((m for m in content if "json" in m), None) or next(iter(content), None)
    if media is None:
        return None, False
    return (content[media] or {}).get("schema") or {}, _truthy(rb.get("required"))


def _response_schema(op: dict, resolver: RefResolver) -> tuple[bool, Any]:
    responses = op.get("responses") or {}
    codes = sorted(str(c) for c in responses if str(c).startswith("2"))
    code = codes[0] if codes else ("default" if "default" in responses else None)
    if code is None:
        return True, None  # nothing documented: the API may still answer JSON
    resp = resolver.resolve(responses.get(code) if code in responses else responses.get(int(code)))
    if not isinstance(resp, dict):
        return True, None
    if "schema" in resp:  # Swagger 2
        return True, resp["schema"]
    content = resp.get("content") or {}
    media = next((m for m in content if "json" in m), None) or next(iter(content), None)
    if media is None:
        # Only 204/205 promise an empty answer; a spec that just omits `content` (common in
        # hand-written specs) may still answer JSON, so the stub says `Any`, not `None`.
        return code not in ("204", "205"), None
    return True, (content[media] or {}).get("schema")


def _operation(toolset: str, method: str, path: str, path_item: dict, op: dict,
               resolver: RefResolver, name: str) -> Tool:
    params, body_param = _merge_params(path_item, op, resolver)
    # Every {placeholder} must be a path parameter, declared or not.
    declared = {p.name for p in params if p.location == "path"}
    for ph in re.findall(r"\{([^}]+)\}", path):
        if ph not in declared:
            params.append(Param(name=ph, location="path", required=True))
    taken = {p.name for p in params}
    body_schema, body_required = _body(op, body_param, resolver)
    raw_body = False
    expanded = None
    if body_schema is not None:
        merged = merge_all_of(body_schema, resolver)
        props = merged.get("properties") or {}
        if schema_type(merged) == "object" and props:
            required = set(merged.get("required") or [])
            for prop, sub in props.items():
                if prop in taken:  # a query/path parameter of the same name wins
                    continue
                sub = merge_all_of(sub, resolver)
                type_ = _json_type(sub)
                params.append(Param(
                    name=prop, location="body", type=type_,
                    required=prop in required,
                    default=coerce_default(sub.get("default"), type_),
                    enum=sub.get("enum") if isinstance(sub.get("enum"), list) else None,
                    description=clean_text(sub.get("description"))))
        else:
            raw_body = True
            params.append(Param(name="body", location="body", type=_json_type(merged) or "object",
                                required=body_required, description="request body (JSON)"))
        expanded = resolver.expand(body_schema)
    # Path params in template order first, then the rest as the spec lists them.
    order = {ph: i for i, ph in enumerate(re.findall(r"\{([^}]+)\}", path))}
    params.sort(key=lambda p: (0, order.get(p.name, 0)) if p.location == "path" else (1, 0))
    used: set[str] = set()
    for p in params:
        ident = _dedupe(python_identifier(p.name), used)
        p.python_name = ident if ident != p.name else ""
    has_body, schema = _response_schema(op, resolver)
    shape = response_shape(schema, resolver) if schema is not None else ("any" if has_body else "None")
    summary = clean_text(op.get("summary"), 120) or clean_text(op.get("description"), 120) \
        or f"{method.upper()} {path}"
    tool = Tool(toolset=toolset, name=name, method=method.upper(), path=path, parameters=params,
                body_schema=expanded, response_shape=shape, summary=summary,
                description=clean_text(op.get("description"), 600), raw_body=raw_body)
    tool.hash = tool.compute_hash()
    return tool


# -- servers and security -----------------------------------------------------------------
def _base_url(spec: dict[str, Any], source_url: str | None) -> str:
    if "swagger" in spec:
        host = spec.get("host")
        base = spec.get("basePath") or ""
        if not host:
            return urljoin(source_url, base or "/") if source_url else ""
        schemes = spec.get("schemes") or ["https"]
        scheme = "https" if "https" in schemes else schemes[0]
        return f"{scheme}://{host}{base}".rstrip("/")
    servers = spec.get("servers") or []
    if not servers or not isinstance(servers[0], dict):
        return ""
    url = str(servers[0].get("url") or "")
    for var, info in (servers[0].get("variables") or {}).items():
        url = url.replace("{" + var + "}", str((info or {}).get("default", "")))
    if not urlsplit(url).scheme:
        url = urljoin(source_url, url) if source_url else ""
    return url.rstrip("/")


def _auth(spec: dict[str, Any]) -> tuple[str, str]:
    """(auth kind, parameter name) of the scheme the spec uses, or ("none", "")."""
    schemes = (spec.get("components") or {}).get("securitySchemes") or spec.get("securityDefinitions") or {}
    if not schemes:
        return "none", ""
    used: list[str] = [n for req in spec.get("security") or [] for n in (req or {})]
    for item in (spec.get("paths") or {}).values():
        for m in METHODS:
            op = (item or {}).get(m) if isinstance(item, dict) else None
            if isinstance(op, dict):
                used += [n for req in op.get("security") or [] for n in (req or {})]
    name = next((n for n in used if n in schemes), next(iter(schemes)))
    scheme = schemes[name] or {}
    kind = scheme.get("type")
    if kind == "apiKey":
        where = scheme.get("in")
        if where in ("header", "query"):
            return where, str(scheme.get("name") or "")
        return "none", ""
    if kind == "http":
        return ("basic", "") if str(scheme.get("scheme", "")).lower() == "basic" else ("bearer", "")
    if kind == "basic":  # Swagger 2
        return "basic", ""
    if kind in ("oauth2", "openIdConnect"):
        return "bearer", ""
    return "none", ""


def tools_from_spec(spec: dict[str, Any], toolset: str, *, source_url: str | None = None
                    ) -> tuple[list[Tool], dict[str, Any]]:
    """All operations as tools, and info: {"base_url", "auth_kind", "auth_param", "title"}."""
    resolver = RefResolver(spec)
    tools: list[Tool] = []
    used: set[str] = set()
    for path, item in (spec.get("paths") or {}).items():
        item = resolver.resolve(item)
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            name = _dedupe(tool_name(op, method, str(path)), used)
            tools.append(_operation(toolset, method, str(path), item, op, resolver, name))
    kind, param = _auth(spec)
    info = {"base_url": _base_url(spec, source_url), "auth_kind": kind, "auth_param": param,
            "title": str((spec.get("info") or {}).get("title") or "")}
    return tools, info


# -- registering --------------------------------------------------------------------------
def check_toolset_name(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or keyword.iskeyword(name):
        raise UsageError(f"toolset name '{name}' must be a lowercase Python identifier "
                         "(letters, digits, _); pass --name")
    return name


def import_spec_dict(catalog, spec: dict[str, Any], *, name: str, base_url: str | None = None,
                     auth: str | None = "none", auth_param: str | None = None,
                     key_name: str | None = None, source: str = "",
                     source_url: str | None = None) -> tuple[Toolset, list[Tool]]:
    """Register an already-parsed spec. `auth=None` takes the spec's security scheme."""
    check_toolset_name(name)
    tools, info = tools_from_spec(spec, name, source_url=source_url)
    if not tools:
        raise UsageError(f"{source or name}: the spec has no operations; nothing imported")
    url = (base_url or info["base_url"] or "").rstrip("/")
    if not url:
        raise UsageError(f"{source or name} names no server (servers/host); pass --base-url URL")
    if not (url.startswith(("http://", "https://")) or url.startswith("local:")):
        raise UsageError(f"base URL '{url}' must start with http:// or https://")
    kind = auth or info["auth_kind"]
    if kind not in AUTH_KINDS:
        raise UsageError(f"unknown auth kind '{kind}'; use one of {', '.join(AUTH_KINDS)}")
    param = auth_param if auth_param is not None else (info["auth_param"] if kind == info["auth_kind"] else "")
    if kind in ("header", "query") and not param:
        param = "Authorization" if kind == "header" else "api_key"
    key = key_name or (f"{name.upper()}_API_KEY" if kind != "none" else "")
    toolset = Toolset(name=name, base_url=url, auth_kind=kind, auth_param=param or "",
                      key_name=key, source=source)
    catalog.save(toolset, tools)
    return toolset, tools


def import_spec(catalog, source: str, *, name: str | None = None, base_url: str | None = None,
                auth: str | None = None, auth_param: str | None = None,
                key_name: str | None = None) -> tuple[Toolset, list[Tool]]:
    """Import from a file, URL or bundled name; manifest values fill what was not given."""
    is_url = source.startswith(("http://", "https://"))
    manifest = None if is_url or Path(source).expanduser().is_file() else bundled_manifest(source)
    spec = load_spec(source)
    if manifest:
        name = name or manifest.get("name") or source
        base_url = base_url or manifest.get("base_url")
        if auth is None and manifest.get("auth"):
            auth = manifest["auth"]
            auth_param = auth_param if auth_param is not None else manifest.get("auth_param")
        key_name = key_name or manifest.get("key_name")
    if not name:
        title = (spec.get("info") or {}).get("title") or ""
        stem = Path(urlsplit(source).path).stem if is_url else Path(source).stem
        name = snake_case(stem or title).removesuffix("_oas").removesuffix("_openapi")
    return import_spec_dict(catalog, spec, name=name, base_url=base_url, auth=auth,
                            auth_param=auth_param, key_name=key_name, source=source,
                            source_url=source if is_url else None)
