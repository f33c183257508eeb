"""`toolcoder chat --plain`: a line REPL on prompt_toolkit (or plain stdin lines when piped).

Same slash commands as the TUI, same events, rendered as plain text (render.PlainRenderer):
good for pipes, logs, copy/paste and screen readers. A turn runs in a thread so Ctrl+C can set
the cancel flag and the pipeline can record the turn as cancelled before we return to the prompt.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from ..coder import events as ev
from ..errors import ToolcoderError
from .render import PlainRenderer, stored_events
from .slash import SLASH_COMMANDS, help_text, parse_slash

if TYPE_CHECKING:
    from ..runtime import Runtime

_DONE = object()


class PlainRepl:
    def __init__(self, rt: Runtime, out: TextIO, *, progress: bool = True,
                 pipeline_factory: Callable[[], Any] | None = None) -> None:
        self.rt = rt
        self.out = out
        self.renderer = PlainRenderer(self.write, progress=progress)
        self.pipeline_factory = pipeline_factory or rt.pipeline
        self.session_id: int | None = None
        self._pipeline: Any = None
        self.quit = False

    def write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    # -- a line of input --------------------------------------------------------------------
    def handle(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        parsed = parse_slash(text)
        if parsed is not None:
            self.slash(*parsed)
        else:
            self.turn(text)

    def turn(self, query: str) -> str:
        """Run one turn, rendering its events; returns the turn's final status."""
        try:
            if self._pipeline is None:
                self._pipeline = self.pipeline_factory()
            if self.session_id is None:
                self.session_id = self.rt.store.new_session(model=self.rt.model_spec)
        except ToolcoderError as exc:
            self.write(f"toolcoder: {exc}\n")
            return "failed"
        cancel = threading.Event()
        events: queue.Queue = queue.Queue()

        def produce() -> None:
            try:
                for event in self._pipeline.run_turn(self.session_id, query, cancel):
                    events.put(event)
            except ToolcoderError as exc:
                events.put(ev.Event(ev.FAILED, None, {"stage": "", "reason": str(exc)}))
                events.put(ev.Event(ev.TURN_DONE, None, {"status": "failed"}))
            except Exception as exc:  # noqa: BLE001 - report, keep the REPL alive
                events.put(ev.Event(ev.FAILED, None, {
                    "stage": "", "reason": f"internal error: {type(exc).__name__}: {exc}"}))
                events.put(ev.Event(ev.TURN_DONE, None, {"status": "failed"}))
            finally:
                events.put(_DONE)

        worker = threading.Thread(target=produce, name="turn", daemon=True)
        worker.start()
        status = "done"
        for event in self._drain(events, cancel):
            self.renderer.handle(event)
            if event.type == ev.TURN_DONE:
                status = event.get("status", "done")
        worker.join(timeout=5)
        return status

    def _drain(self, events: queue.Queue, cancel: threading.Event) -> Iterator[ev.Event]:
        while True:
            try:
                item = events.get()
            except KeyboardInterrupt:
                if not cancel.is_set():
                    cancel.set()
                    self.write("\n[cancelling…]\n")
                continue
            if item is _DONE:
                return
            yield item

    # -- slash commands ---------------------------------------------------------------------
    def slash(self, name: str, arg: str) -> None:
        if name not in SLASH_COMMANDS:
            self.write(f"unknown command {name}; /help lists them\n")
        elif name == "/help":
            self.write(help_text() + "\nEnd a line with \\ to continue on the next; Ctrl+C "
                       "cancels a running turn; Ctrl+D leaves.\n")
        elif name == "/quit":
            self.quit = True
        elif name == "/new":
            self.session_id = None
            self.write("new session\n")
        elif name == "/model":
            self._model(arg)
        elif name == "/tools":
            self._tools(arg)
        elif name == "/functions":
            self._functions(arg)
        elif name == "/sessions":
            self._sessions(arg)
        elif name == "/theme":
            self._theme(arg)

    def _model(self, spec: str) -> None:
        if not spec:
            specs = list(dict.fromkeys([*(s for s in [self.rt.model_spec] if s),
                                        *self.rt.config.models]))
            for s in specs or ["(none configured)"]:
                self.write(f"{'*' if s == self.rt.model_spec else ' '} {s}\n")
            return
        try:
            self.rt.model(spec)
        except ToolcoderError as exc:
            self.write(f"model not switched: {exc}\n")
            return
        self._pipeline = None
        self.write(f"model: {spec}\n")

    def _tools(self, query: str) -> None:
        catalog = self.rt.catalog
        tools = catalog.tools()
        if query:
            from ..toolset.search import search_tools

            for tool, score in search_tools(tools, query, k=10):
                self.write(f"{score:6.2f}  {tool.qualname}  {tool.summary}\n")
            return
        for ts in catalog.toolsets():
            own = [t for t in tools if t.toolset == ts.name]
            self.write(f"{ts.name}  ({len(own)} tools, {ts.base_url})\n")
            for tool in own:
                self.write(f"  {tool.name:<32} {tool.method.upper():<6} {tool.path}\n")
        if not tools:
            self.write("no tools registered (toolcoder tools import SPEC)\n")

    def _functions(self, query: str) -> None:
        library = self.rt.library
        fns = library.search(query, k=20, include_stale=True) if query else library.list()
        for fn in fns:
            stale = "  [stale]" if fn.stale else ""
            self.write(f"{fn.signature or fn.name}  ({fn.uses} use{'s' * (fn.uses != 1)}){stale}\n")
        if not fns:
            self.write("no saved functions yet\n")

    def _sessions(self, arg: str) -> None:
        store = self.rt.store
        if arg.isdigit():
            sid = int(arg)
            if not any(s["id"] == sid for s in store.sessions(limit=10_000)):
                self.write(f"no session {sid}\n")
                return
            self.session_id = sid
            for turn in store.turns(sid):
                self.write(f"\n> {turn['query']}\n")
                events = stored_events(store, turn["id"])
                for event in events:
                    self.renderer.handle(event)
                if not any(e.type == ev.ANSWER for e in events) and turn.get("answer"):
                    self.renderer.handle(ev.Event(ev.ANSWER, turn["id"], {"text": turn["answer"]}))
            self.write(f"resumed session {sid}\n")
            return
        for s in store.sessions():
            title = (s["title"] or "(empty)").splitlines()[0][:70] if s["title"] else "(empty)"
            self.write(f"#{s['id']:<4} {s['created_at'][:16].replace('T', ' ')}  "
                       f"{s['turns']} turn{'s' * (s['turns'] != 1)}  {title}\n")

    def _theme(self, name: str) -> None:
        from .themes import load_themes

        names = list(load_themes())
        if not name:
            self.write(f"themes: {', '.join(names)} (now {self.rt.theme})\n")
            return
        if name not in names:
            self.write(f"unknown theme '{name}'; try: {', '.join(names)}\n")
            return
        config = self.rt.home.load_config()
        config.theme = name
        self.rt.home.save_config(config)
        self.rt.theme = name
        self.write(f"theme: {name} (used by the full-screen chat)\n")


def _read_piped(stream: TextIO) -> Iterator[str]:
    """Lines from a pipe; a trailing backslash joins the next line (multi-line entries)."""
    pending: list[str] = []
    for raw in stream:
        line = raw.rstrip("\n")
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        yield "\n".join(pending)
        pending = []
    if pending:
        yield "\n".join(pending)


def _read_interactive(rt: Runtime) -> Iterator[str]:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import Completer, Completion
    from prompt_toolkit.history import FileHistory

    class SlashCompleter(Completer):
        def get_completions(self, document, complete_event):
            text = document.text_before_cursor
            if text.startswith("/") and " " not in text:
                for name, desc in SLASH_COMMANDS.items():
                    if name.startswith(text):
                        yield Completion(name, start_position=-len(text), display_meta=desc)

    rt.home.ensure()
    session: PromptSession = PromptSession(history=FileHistory(str(rt.home.history_path)),
                                           completer=SlashCompleter(), complete_while_typing=True)
    while True:
        try:
            lines = [session.prompt("you> ")]
            while lines[-1].endswith("\\"):
                lines[-1] = lines[-1][:-1]
                lines.append(session.prompt("...> "))
        except KeyboardInterrupt:
            continue
        except EOFError:
            return
        yield "\n".join(lines)


def run_plain(rt: Runtime, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty() and stdout.isatty()
    repl = PlainRepl(rt, stdout, progress=interactive)
    rt.store.close_dangling_turns()
    if interactive:
        repl.write("toolcoder — ask a question; /help for commands; Ctrl+D leaves.\n")
    if not rt.model_spec:
        from ..llm.spec import FIRST_RUN_HELP

        repl.write(FIRST_RUN_HELP + "\n")
    lines = _read_interactive(rt) if interactive else _read_piped(stdin)
    for line in lines:
        if not interactive and line.strip():
            repl.write(f"> {line}\n")  # a readable transcript when piped
        repl.handle(line)
        if repl.quit:
            break
    return 0
