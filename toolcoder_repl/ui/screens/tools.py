"""Toolsets and their operations: search, import a spec from a path or URL, see a tool's stub."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from ..widgets.code import CodeView


class ToolsScreen(Screen):
    CSS_PATH = "tools.tcss"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self) -> None:
        super().__init__()
        self.tools: dict[str, Any] = {}

    def compose(self):
        with Horizontal():
            with Vertical(id="left"):
                yield Input(placeholder="search tools (ranked)", id="search")
                yield OptionList(id="list")
                yield Input(placeholder="import a spec: path or URL, Enter", id="import")
            with VerticalScroll(id="detail", can_focus=False):
                yield Static("Select a tool to see its stub.", id="meta")
                yield CodeView("", id="stub")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#stub", CodeView).display = False
        self.query_one("#search", Input).focus()
        self.run_worker(self._load, thread=True, exclusive=True, group="tools")

    def _load(self, query: str = "") -> None:
        catalog = self.app.rt.catalog
        tools = catalog.tools()
        if query.strip():
            from ...toolset.search import search_tools

            ranked = [(t, score) for t, score in search_tools(tools, query, k=30)]
            rows = [(None, None)] if not ranked else []
            rows += [(t, f"{score:.2f}") for t, score in ranked]
            self.app.call_from_thread(self._fill, rows, catalog.toolsets())
        else:
            self.app.call_from_thread(self._fill, [(t, None) for t in tools], catalog.toolsets())

    def _fill(self, rows: list[tuple[Any, str | None]], toolsets: list[Any]) -> None:
        options = self.query_one("#list", OptionList)
        options.clear_options()
        self.tools = {}
        current = None
        ranked = any(score for _, score in rows)
        by_name = {ts.name: ts for ts in toolsets}
        for tool, score in rows:
            if tool is None:
                options.add_option(Option(Text("no match", style="dim"), disabled=True))
                continue
            if not ranked and tool.toolset != current:
                current = tool.toolset
                ts = by_name.get(current)
                head = Text(current, style="bold underline")
                if ts is not None:
                    head.append(f"  {ts.base_url}  auth={ts.auth_kind}", style="dim")
                options.add_option(Option(head, disabled=True))
            label = Text(f"  {tool.qualname if ranked else tool.name}", no_wrap=True,
                         overflow="ellipsis")
            label.append(f"  {tool.method.upper()}", style="dim")
            if score:
                label.append(f"  {score}", style="cyan")
            self.tools[tool.qualname] = tool
            options.add_option(Option(label, id=tool.qualname))
        if not rows:
            options.add_option(Option(Text("no tools registered; import a spec below",
                                           style="dim"), disabled=True))
        first = next((i for i in range(options.option_count)
                      if not options.get_option_at_index(i).disabled), None)
        if first is not None:
            options.highlighted = first

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search":
            value = event.value
            self.run_worker(lambda: self._load(value), thread=True, exclusive=True, group="tools")

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        tool = self.tools.get(event.option.id or "")
        if tool is None:
            return
        from ...toolset.stubs import render_stub

        meta = Text()
        meta.append(tool.qualname, style="bold")
        meta.append(f"  {tool.method.upper()} {tool.path}\n", style="dim")
        meta.append(tool.summary or tool.description or "")
        self.query_one("#meta", Static).update(meta)
        stub = self.query_one("#stub", CodeView)
        stub.set_code(render_stub(tool))
        stub.display = True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "import" or not event.value.strip():
            return
        source = event.value.strip()
        self.notify(f"importing {source}…")
        self.run_worker(lambda: self._import(source), thread=True, group="import")

    def _import(self, source: str) -> None:
        from ...toolset.importer import import_spec

        try:
            toolset, tools = import_spec(self.app.rt.catalog, source)
        except Exception as exc:  # noqa: BLE001 - UsageError one-liners and the like
            self.app.call_from_thread(self.notify, f"import failed: {exc}", severity="error")
            return
        self.app.call_from_thread(
            self.notify, f"imported {toolset.name}: {len(tools)} tools")
        self._load()
