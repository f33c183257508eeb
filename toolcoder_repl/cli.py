"""`toolcoder` entry point. Parses the command line and hands each subcommand to its module.

The command line is a stable contract (DESIGN.md): scripts rely on the names, `--json` shapes
and exit codes (0 done, 1 the task failed, 2 bad usage or configuration). Errors are one line
on stderr; no traceback reaches the user unless TOOLCODER_DEBUG is set.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from . import __version__
from .config import Home
from .errors import ToolcoderError
from .runtime import Runtime

Handler = Callable[[argparse.Namespace, Runtime], int]


def _add_json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="toolcoder",
        description="A terminal assistant that answers by writing, running and reusing Python "
        "code that calls REST tools (ToolCoder). With no command: the full-screen chat.",
    )
    parser.add_argument("--version", action="version", version=f"toolcoder {__version__}")
    parser.add_argument("--model", metavar="SPEC",
                        help="openai:MODEL | gguf:PATH | hf:REPO[:FILE] | scripted:FILE")
    parser.add_argument("--base-url", help="OpenAI-compatible endpoint for openai:MODEL")
    parser.add_argument("--home", metavar="DIR", help="data folder (default: TOOLCODER_HOME or "
                        "the user data dir)")
    parser.add_argument("--theme", metavar="NAME", help="TUI theme")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("chat", help="chat session (the TUI, or --plain for a line REPL)")
    p.add_argument("--plain", action="store_true", help="prompt_toolkit REPL, no full screen")

    p = sub.add_parser("ask", help="one turn, non-interactive")
    p.add_argument("query")
    _add_json(p)

    tools = sub.add_parser("tools", help="registered REST tools").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    p = tools.add_parser("import", help="register an OpenAPI/Swagger spec (file, URL or bundled name)")
    p.add_argument("spec")
    p.add_argument("--name")
    p.add_argument("--base-url", dest="tool_base_url")
    p.add_argument("--auth", choices=["none", "bearer", "header", "query", "basic"])
    p.add_argument("--auth-param", help="header/query parameter name for --auth header|query")
    p.add_argument("--key-env", help="name of the key (env var or `toolcoder keys set NAME`)")
    _add_json(p)
    p = tools.add_parser("list", help="list tools")
    p.add_argument("toolset", nargs="?")
    _add_json(p)
    p = tools.add_parser("show", help="show one tool (or toolset) with its stub")
    p.add_argument("name")
    _add_json(p)
    p = tools.add_parser("remove", help="remove a toolset")
    p.add_argument("name")
    _add_json(p)
    p = tools.add_parser("search", help="rank tools for a query")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5)
    _add_json(p)

    funcs = sub.add_parser("functions", help="the library of saved functions").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    p = funcs.add_parser("list")
    p.add_argument("--all", action="store_true", help="include stale functions")
    _add_json(p)
    p = funcs.add_parser("show")
    p.add_argument("name")
    _add_json(p)
    p = funcs.add_parser("search")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=10)
    _add_json(p)
    p = funcs.add_parser("export", help="write a self-contained Python module")
    p.add_argument("names", nargs="*", help="functions to export (default: all that are not stale)")
    p.add_argument("--out", help="file to write (default: stdout)")
    p = funcs.add_parser("remove")
    p.add_argument("name")
    _add_json(p)

    p = sub.add_parser("exec", help="run a Python file in the sandbox with the tools available")
    p.add_argument("file")
    _add_json(p)

    models = sub.add_parser("models", help="models").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    p = models.add_parser("list", help="configured and downloaded models")
    _add_json(p)
    p = models.add_parser("pull", help="download a GGUF from the hub (once; then offline)")
    p.add_argument("repo")
    p.add_argument("--file")
    p = models.add_parser("default", help="make SPEC the default model")
    p.add_argument("spec")

    keys = sub.add_parser("keys", help="API keys (stored 0600, never logged)").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    p = keys.add_parser("set", help="store a key (value read from stdin or a prompt)")
    p.add_argument("name")
    p.add_argument("--value", help="the value (prefer stdin: it stays out of shell history)")
    keys.add_parser("list", help="names of stored keys")
    keys.add_parser("path", help="where keys are stored")

    demo = sub.add_parser("demo", help="the offline API-Bank demo service").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    p = demo.add_parser("serve", help="run the service in the foreground")
    p.add_argument("--port", type=int, default=0)
    p = demo.add_parser("replay", help="replay API-Bank's recorded calls against a fresh service")
    p.add_argument("--data", help="API-Bank data folder (default: ../shared/data/api-bank)")
    _add_json(p)

    p = sub.add_parser("eval", help="run a benchmark offline (RestBench, API-Bank) with --model")
    p.add_argument("benchmark", choices=["restbench-tmdb", "restbench-spotify", "apibank-l1",
                                         "apibank-l2"])
    p.add_argument("--limit", type=int, metavar="N", help="only the first N items")
    p.add_argument("--data", metavar="DIR", help="benchmark data folder (default: ../shared/data)")
    _add_json(p)

    p = sub.add_parser("doctor", help="what is installed, configured and available")
    _add_json(p)
    return parser


def _handler(args: argparse.Namespace) -> Handler:
    # Imported lazily: start-up pays only for the command being run.
    cmd = args.command
    if cmd in (None, "chat"):
        from .ui.launch import chat_command

        return chat_command
    if cmd == "ask":
        from .coder.commands import ask_command

        return ask_command
    if cmd == "tools":
        from .toolset.commands import tools_command

        return tools_command
    if cmd == "functions":
        from .library.commands import functions_command

        return functions_command
    if cmd == "exec":
        from .sandbox.commands import exec_command

        return exec_command
    if cmd in ("models", "keys"):
        from .llm.commands import keys_command, models_command

        return models_command if cmd == "models" else keys_command
    if cmd == "demo":
        from .evals.commands import demo_command

        return demo_command
    if cmd == "eval":
        from .evals.eval_command import eval_command

        return eval_command
    if cmd == "doctor":
        from .doctor import doctor_command

        return doctor_command
    raise AssertionError(cmd)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    runtime = Runtime(Home(args.home), model_spec=args.model, theme=args.theme,
                      base_url=args.base_url)
    try:
        return _handler(args)(args, runtime)
    except ToolcoderError as exc:
        print(f"toolcoder: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("toolcoder: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: one line for the user, the traceback on request
        if os.environ.get("TOOLCODER_DEBUG"):
            raise
        print(f"toolcoder: internal error: {type(exc).__name__}: {exc} "
              "(set TOOLCODER_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1
    finally:
        runtime.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
