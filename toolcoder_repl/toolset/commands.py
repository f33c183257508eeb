"""`toolcoder tools import|list|show|remove|search` (shapes of --json output: DESIGN.md)."""

from __future__ import annotations

import json
from typing import Any

from ..errors import UsageError
from .importer import bundled_names, import_spec
from .search import nearest_tools, search_tools
from .stubs import render_stub, render_toolset_stubs


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def tools_command(args, rt) -> int:
    action = args.action
    catalog = rt.catalog
    if action == "import":
        toolset, tools = import_spec(catalog, args.spec, name=args.name,
                                     base_url=args.tool_base_url, auth=args.auth,
                                     auth_param=args.auth_param, key_name=args.key_env)
        if args.json:
            _print_json({"toolset": toolset.to_json(), "tools": [t.to_json() for t in tools]})
            return 0
        auth = toolset.auth_kind
        if auth in ("header", "query"):
            auth += f" ({toolset.auth_param})"
        print(f"Imported {len(tools)} tools as toolset '{toolset.name}' from {toolset.source}")
        print(f"  base URL {toolset.base_url}; auth {auth}"
              + (f"; key {toolset.key_name}" if toolset.auth_kind != "none" else ""))
        if toolset.auth_kind != "none" and not rt.home.get_key(toolset.key_name):
            print(f"  no key yet: run `toolcoder keys set {toolset.key_name}` or export "
                  f"{toolset.key_name}")
        return 0

    if action == "list":
        if args.toolset and catalog.toolset(args.toolset) is None:
            raise UsageError(f"no toolset named '{args.toolset}'; see `toolcoder tools list`")
        tools = catalog.tools(args.toolset)
        if args.json:
            _print_json([t.to_json() for t in tools])
            return 0
        if not tools:
            bundled = ", ".join(bundled_names()) or "none"
            print(f"No tools registered. Import a spec: toolcoder tools import FILE|URL|NAME "
                  f"(bundled: {bundled})")
            return 0
        width = max(len(t.qualname) for t in tools)
        for t in tools:
            print(f"{t.qualname:<{width}}  {t.method:<6} {t.path}  {t.summary}")
        return 0

    if action == "show":
        name = args.name
        tool = catalog.get(name)
        if tool is not None:
            if args.json:
                _print_json({**tool.to_json(), "description": tool.description,
                             "response_shape": tool.response_shape, "stub": render_stub(tool)})
            else:
                print(f"{tool.qualname}  {tool.method} {tool.path}  (hash {tool.hash})")
                print(render_stub(tool))
            return 0
        toolset = catalog.toolset(name)
        if toolset is not None:
            tools = catalog.tools(name)
            if args.json:
                _print_json({**toolset.to_json(), "tools": [t.to_json() for t in tools]})
            else:
                print(f"toolset {toolset.name}: {len(tools)} tools, base URL {toolset.base_url}, "
                      f"auth {toolset.auth_kind}"
                      + (f" key {toolset.key_name}" if toolset.auth_kind != "none" else ""))
                print(render_toolset_stubs(tools))
            return 0
        near = ", ".join(t.qualname for t in nearest_tools(name, catalog.tools(), k=3))
        raise UsageError(f"no tool or toolset named '{name}'"
                         + (f"; did you mean {near}?" if near else "; see `toolcoder tools list`"))

    if action == "remove":
        if not catalog.remove(args.name):
            raise UsageError(f"no toolset named '{args.name}'; see `toolcoder tools list`")
        if args.json:
            _print_json({"removed": args.name})
        else:
            print(f"Removed toolset '{args.name}'")
        return 0

    if action == "search":
        if args.k < 1:
            raise UsageError("-k must be at least 1")
        ranked = search_tools(catalog.tools(), args.query, k=args.k)
        if args.json:
            _print_json([{**t.to_json(), "score": score} for t, score in ranked])
            return 0
        if not ranked:
            print("No matching tools.")
        for t, score in ranked:
            print(f"{score:7.3f}  {t.qualname}  {t.method} {t.path}  {t.summary}")
        return 0
    raise UsageError(f"unknown tools action '{action}'")
