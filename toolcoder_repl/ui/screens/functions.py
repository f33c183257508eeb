"""Saved functions: search, view source and origin query, run with arguments, stale, delete, export."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from ..widgets.code import CodeView


class FunctionsScreen(Screen):
    CSS_PATH = "functions.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("ctrl+r", "run", "Run", priority=True),
        Binding("ctrl+s", "toggle_stale", "Stale", priority=True),
        Binding("ctrl+d", "delete", "Delete", priority=True),
        Binding("ctrl+o", "export", "Export", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.functions: list[Any] = []
        self.selected: Any = None
        self._confirm_delete: str | None = None

    @property
    def library(self) -> Any:
        return self.app.rt.library

    def compose(self):
        with Horizontal():
            with Vertical(id="left"):
                yield Input(placeholder="search functions", id="search")
                yield OptionList(id="list")
            with VerticalScroll(id="detail", can_focus=False):
                yield Static("Select a function.", id="meta")
                yield CodeView("", id="source")
                yield Input(placeholder="arguments, e.g. 'Alice', 3 — Enter runs it in the sandbox",
                            id="args")
                yield Static("", id="result")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#source", CodeView).display = False
        self.refresh_list()
        self.query_one("#list", OptionList).focus()

    # -- listing ----------------------------------------------------------------------------
    def refresh_list(self, query: str = "") -> None:
        try:
            if query.strip():
                self.functions = self.library.search(query, k=50, include_stale=True)
            else:
                self.functions = self.library.list(include_stale=True)
        except Exception as exc:  # noqa: BLE001 - e.g. library not built yet; say so on screen
            self.functions = []
            self.query_one("#meta", Static).update(Text(f"library unavailable: {exc}"))
        options = self.query_one("#list", OptionList)
        options.clear_options()
        for fn in self.functions:
            label = Text(fn.name, style="strike dim" if fn.stale else "bold")
            label.append(f"  {fn.uses} use{'s' * (fn.uses != 1)}", style="dim")
            if fn.stale:
                label.append("  stale", style="yellow")
            options.add_option(Option(label, id=fn.name))
        if not self.functions:
            options.add_option(Option(Text("no saved functions yet", style="dim"), disabled=True))
        elif self.functions:
            options.highlighted = 0
            self.show(self.functions[0])

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search":
            self.refresh_list(event.value)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        fn = next((f for f in self.functions if f.name == event.option.id), None)
        if fn is not None:
            self.show(fn)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#args", Input).focus()

    def show(self, fn: Any) -> None:
        self.selected = fn
        self._confirm_delete = None
        meta = Text()
        meta.append(fn.signature or fn.name, style="bold")
        if fn.stale:
            meta.append("  (stale: a tool it uses changed)", style="yellow")
        if fn.docstring:
            meta.append("\n" + fn.docstring.strip())
        meta.append("\nfrom the question: ", style="dim")
        meta.append(fn.query or "-", style="italic")
        meta.append("\ntools: ", style="dim")
        meta.append(", ".join(fn.tools) or "-")
        meta.append(f"\nuses {fn.uses} · ok {fn.successes} · failed {fn.failures}", style="dim")
        self.query_one("#meta", Static).update(meta)
        source = self.query_one("#source", CodeView)
        source.set_code(fn.source)
        source.display = True
        self.query_one("#result", Static).update("")

    # -- actions ----------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "args":
            self.action_run()

    def action_run(self) -> None:
        fn = self.selected
        if fn is None:
            return
        args = self.query_one("#args", Input).value.strip()
        entry = f"{fn.name}({args})"
        self.query_one("#result", Static).update(Text(f"running {entry} …", style="dim"))
        self.run_worker(lambda: self._run(fn, entry), thread=True, exclusive=True, group="run")

    def _run(self, fn: Any, entry: str) -> None:
        rt = self.app.rt
        try:
            from ...toolset.stubs import child_descriptor

            tools = [child_descriptor(t) for t in rt.catalog.tools()]
            result = rt.sandbox.run(
                "", tools=tools, preload=fn.source, entry=entry,
                tool_handler=lambda name, args: rt.executor.call(name, args).to_json(),
            )
        except Exception as exc:  # noqa: BLE001 - shown under the function
            self.app.call_from_thread(self._show_result, Text(f"✗ {exc}", style="red"))
            return
        try:
            rt.library.record_use(fn.name, result.ok)
        except Exception:  # noqa: BLE001 - bookkeeping only
            pass
        out = Text()
        if result.ok:
            out.append("✓ ", style="green")
            out.append(result.value_repr)
        else:
            out.append("✗ ", style="red")
            out.append(result.traceback or result.error_message or str(result.killed))
        if result.stdout:
            out.append("\nstdout:\n", style="dim")
            out.append(result.stdout)
        calls = len(result.tool_calls)
        out.append(f"\n{calls} tool call{'s' * (calls != 1)} · {result.isolation}", style="dim")
        self.app.call_from_thread(self._show_result, out)

    def _show_result(self, text: Text) -> None:
        self.query_one("#result", Static).update(text)

    def action_toggle_stale(self) -> None:
        fn = self.selected
        if fn is None:
            return
        stale = not fn.stale
        self.library.mark_stale(fn.name, stale)
        self.notify(f"{fn.name}: {'stale' if stale else 'fresh'}")
        self.refresh_list(self.query_one("#search", Input).value)

    def action_delete(self) -> None:
        fn = self.selected
        if fn is None:
            return
        if self._confirm_delete != fn.name:
            self._confirm_delete = fn.name
            self.notify(f"press Ctrl+D again to delete {fn.name}", severity="warning")
            return
        self.library.remove(fn.name)
        self.notify(f"deleted {fn.name}")
        self.selected = None
        self.refresh_list(self.query_one("#search", Input).value)

    def action_export(self) -> None:
        names = [f.name for f in self.functions if not f.stale]
        if not names:
            self.notify("nothing to export", severity="warning")
            return
        text = self.library.export(names)
        folder = self.app.rt.home.path / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "toolcoder_functions.py"
        path.write_text(text, encoding="utf-8")
        self.app.copy_to_clipboard(text)
        self.notify(f"exported {len(names)} function(s) to {path} (also copied)")
