"""`toolcoder exec FILE.py [--json]`: run a file in the sandbox with every registered tool."""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

from ..errors import UsageError
from ..runtime import Runtime
from .runner import ExecResult


def _tools(rt: Runtime) -> tuple[list[dict], object]:
    """Child descriptors for every registered tool, and the handler that performs the calls."""
    try:
        from ..toolset.stubs import child_descriptor
    except ImportError:  # toolset package not built: run without tools
        return [], None
    tools = rt.catalog.tools()
    if not tools:
        return [], None
    executor = rt.executor

    def handler(qualname: str, args: dict) -> dict:
        return executor.call(qualname, args).to_json()

    return [child_descriptor(t) for t in tools], handler


def split_final_expression(code: str) -> tuple[str, str | None]:
    """Like a notebook cell: a file ending in an expression statement returns its value.

    The expression's lines are blanked rather than removed so traceback line numbers still
    match the file. Code that does not parse is returned as is (the sandbox reports the error).
    """
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return code, None
    last = body[-1] if body else None
    if not isinstance(last, ast.Expr) or last.col_offset != 0 or last.end_lineno is None:
        return code, None
    lines = code.splitlines(keepends=True)
    if any(";" in line for line in lines[last.lineno - 1 : last.end_lineno]):
        return code, None  # `a = 1; a` shares its line with another statement
    entry = "".join(lines[last.lineno - 1 : last.end_lineno]).strip()
    for i in range(last.lineno - 1, last.end_lineno):
        lines[i] = "\n"
    return "".join(lines), entry


def _print_human(result: ExecResult) -> None:
    if result.stdout:
        sys.stdout.write(result.stdout)
        if not result.stdout.endswith("\n"):
            sys.stdout.write("\n")
    if result.stderr:
        sys.stderr.write(result.stderr)
    for call in result.tool_calls:
        status = call.get("status") if call.get("status") is not None else "-"
        print(f"[tool] {call['tool']} -> {status} ({call.get('elapsed_ms', 0):.0f} ms)",
              file=sys.stderr)
    if not result.ok:
        sys.stderr.write(result.traceback or f"{result.error_type}: {result.error_message}\n")
    elif result.value is not None:
        print(json.dumps(result.value, ensure_ascii=False, indent=2))


def exec_command(args: argparse.Namespace, rt: Runtime) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"{args.file}: no such file; give the path of a Python file to run")
    try:
        code = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{args.file}: cannot read it ({exc})") from exc
    tools, handler = _tools(rt)
    code, entry = split_final_expression(code)
    result = rt.sandbox.run(code, tools=tools, tool_handler=handler, entry=entry,
                            filename=path.name)
    if args.json:
        out = result.to_json()
        keys = ("ok", "value", "stdout", "stderr", "traceback", "tool_calls", "isolation",
                "elapsed_ms")
        data = {k: out[k] for k in keys}
        data.update({k: v for k, v in out.items() if k not in data})
        print(json.dumps(data, ensure_ascii=False, default=str))
    else:
        if rt.sandbox.isolation.warning:
            print(f"warning: {rt.sandbox.isolation.warning}", file=sys.stderr)
        _print_human(result)
    return 0 if result.ok else 1
