"""`toolcoder functions list|show|search|export|remove [--json]`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import UsageError
from ..runtime import Runtime
from .repository import Library, SavedFunction


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _line(fn: SavedFunction) -> str:
    flags = " [stale]" if fn.stale else ""
    tools = f"  tools: {', '.join(fn.tools)}" if fn.tools else ""
    return f"{fn.signature}{flags}  (uses: {fn.uses}){tools}"


def _refresh(rt: Runtime, library: Library) -> None:
    try:
        library.refresh_staleness(rt.catalog)
    except ImportError:  # no toolset package: nothing to compare against
        pass


def functions_command(args: argparse.Namespace, rt: Runtime) -> int:
    library = rt.library
    action = args.action
    if action == "list":
        _refresh(rt, library)
        fns = library.list(include_stale=bool(getattr(args, "all", False)))
        if args.json:
            _print_json([f.to_json() for f in fns])
        elif not fns:
            print("no saved functions yet: they are saved after a successful turn")
        else:
            for fn in fns:
                print(_line(fn))
        return 0
    if action == "show":
        fn = library.get(args.name)
        if fn is None:
            raise UsageError(f"no saved function named '{args.name}'; see `toolcoder functions list`")
        if args.json:
            _print_json({**fn.to_json(), "source": fn.source, "query": fn.query,
                         "successes": fn.successes, "failures": fn.failures,
                         "last_used_at": fn.last_used_at, "tool_hashes": fn.tool_hashes})
        else:
            print(_line(fn))
            if fn.query:
                print(f"# from: {fn.query}")
            print(fn.source.rstrip())
        return 0
    if action == "search":
        _refresh(rt, library)
        fns = library.search(args.query, k=args.k, include_stale=True)
        if args.json:
            _print_json([f.to_json() for f in fns])
        elif not fns:
            print("no matching saved functions")
        else:
            for fn in fns:
                print(_line(fn))
        return 0
    if action == "export":
        _refresh(rt, library)
        try:
            catalog = rt.catalog
        except ImportError:
            catalog = None
        text = library.export(args.names or None, catalog=catalog)
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8")
            print(f"wrote {args.out}")
        else:
            print(text, end="")
        return 0
    if action == "remove":
        if not library.remove(args.name):
            raise UsageError(f"no saved function named '{args.name}'; see `toolcoder functions list`")
        if args.json:
            _print_json({"removed": args.name})
        else:
            print(f"removed {args.name}")
        return 0
    raise UsageError(f"unknown action {action!r}")
