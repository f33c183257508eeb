"""One assistant turn: the user's question, then a collapsible panel per stage as events arrive.

Panels, in the order a turn produces them: Scaffold, Plan (and Re-plan N), Code, Tool calls,
Repair N (traceback, corrected code) with its own Tool calls, Functions, then the answer as
Markdown streamed through `Markdown.get_stream()` (appends, never a re-render per token).
Model output of the code stages streams into a small live preview that the final, highlighted
version replaces; the preview is refreshed on a timer, not per token.
"""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Collapsible, Markdown, Static

from ...coder import events as ev
from ..render import format_args, value_text
from .code import CodeView

LIVE_LINES = 12  # lines of streamed model output shown while a stage is being written


class Panel(Collapsible):
    """A stage panel; `add()` mounts into its body."""

    def __init__(self, key: str, title: str, collapsed: bool = False) -> None:
        super().__init__(title=title, collapsed=collapsed, classes=f"panel panel-{key.split('-')[0]}")
        self.key = key

    async def add(self, *widgets: Widget) -> None:
        await self.query_one(Collapsible.Contents).mount(*widgets)

    def fold(self) -> None:
        """Collapse without scrolling to it (Collapsible would, dropping the chat's anchor)."""
        self._quiet = True
        self.collapsed = True

    def _watch_collapsed(self, collapsed: bool) -> None:
        if getattr(self, "_quiet", False):
            self._quiet = False
            self._update_collapsed(collapsed)
            self.post_message(self.Collapsed(self) if collapsed else self.Expanded(self))
            return
        super()._watch_collapsed(collapsed)


class TurnView(Vertical):
    DEFAULT_CSS = """
    TurnView { height: auto; margin: 0 0 1 0; }
    TurnView > .query { background: $boost; padding: 0 1; text-style: bold; }
    TurnView .live { color: $text-muted; }
    TurnView Collapsible { padding-bottom: 0; border-top: none; margin-top: 1; }
    TurnView Collapsible > Contents { padding: 0 0 0 2; }
    TurnView .traceback { color: $error; }
    TurnView .failed { color: $error; text-style: bold; padding: 0 1; }
    TurnView .warning { color: $warning; padding: 0 1; }
    TurnView .note { color: $text-muted; }
    TurnView .status { color: $warning; padding: 0 1; }
    TurnView Markdown.answer { margin: 1 1 0 1; padding: 0; background: transparent; }
    """

    def __init__(self, query: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.query_text = query
        self.panels: dict[str, Panel] = {}
        self.answer_text = ""
        self.code_text = ""
        self.status = "running"
        self.saved: list[str] = []
        self._code_views: dict[int, CodeView] = {}
        self._live: dict[str, tuple[Static, list[str]]] = {}
        self._live_dirty = False
        self._answer: Markdown | None = None
        self._stream = None
        self._streamed = False
        self._repair_round = 0
        self._replan_round = 0
        self._run_calls: dict[int, list[bool]] = {}  # ok flags per run round
        self._run_round = 0

    def compose(self):
        yield Static(Text("› " + self.query_text), classes="query")

    # -- panels -----------------------------------------------------------------------------
    async def _panel(self, key: str, title: str) -> Panel:
        panel = self.panels.get(key)
        if panel is None:
            panel = Panel(key, title)
            # In "single" mode the scaffold and plan arrive after the code is being written:
            # keep the reading order scaffold, plan, code anyway.
            before = self.panels.get("code") if key in ("scaffold", "plan") else None
            self.panels[key] = panel
            if before is not None:
                await self.mount(panel, before=before)
                self.panels = {k: self.panels[k] for k in sorted(
                    self.panels, key=lambda k: self.children.index(self.panels[k]))}
            else:
                await self.mount(panel)
        return panel

    def panel_titles(self) -> list[str]:
        return [p.title for p in self.panels.values()]

    async def _start_live(self, stage: str, key: str, title: str) -> None:
        panel = await self._panel(key, title)
        live = Static("", classes="live")
        self._live[stage] = (live, [])
        await panel.add(live)

    async def _end_live(self, stage: str) -> None:
        entry = self._live.pop(stage, None)
        if entry is not None:
            await entry[0].remove()

    def _flush_live(self) -> None:
        self._live_dirty = False
        for live, chunks in self._live.values():
            lines = "".join(chunks).splitlines()[-LIVE_LINES:]
            live.update(Text("\n".join(lines)))

    # -- events -----------------------------------------------------------------------------
    async def handle(self, event: ev.Event) -> None:
        handler = getattr(self, f"_on_{event.type}", None)
        if handler is not None:
            await handler(event.data)

    async def _on_stage_started(self, d: dict) -> None:
        stage = d.get("stage", "")
        if stage == "scaffold":
            await self._start_live(stage, "scaffold", "Scaffold")
        elif stage == "plan":
            key = f"replan-{self._replan_round}" if self._replan_round else "plan"
            await self._start_live(stage, key, "Plan")
        elif stage == "implement":
            await self._start_live(stage, "code", "Code")
        elif stage == "reflect":
            n = max(1, self._repair_round)
            await self._start_live(stage, f"repair-{n}", f"Repair {n}")
        elif stage == "answer":
            # The stream itself starts with the first token: stopping a stream whose task never
            # ran would raise CancelledError into the caller.
            await self._ensure_answer()

    async def _on_token(self, d: dict) -> None:
        stage, text = d.get("stage", ""), d.get("text", "")
        if stage == "answer":
            if self._stream is None:
                await self._ensure_answer()
                self._stream = Markdown.get_stream(self._answer)
            self._streamed = True
            self.answer_text += text
            await self._stream.write(text)
        elif stage in self._live:
            self._live[stage][1].append(text)
            if not self._live_dirty:
                self._live_dirty = True
                self.set_timer(0.1, self._flush_live)

    async def _on_scaffold(self, d: dict) -> None:
        await self._end_live("scaffold")
        title = "Scaffold" + (f" · {d['name']}" if d.get("name") else "")
        panel = await self._panel("scaffold", title)
        panel.title = title
        await panel.add(CodeView(d.get("code", "")))

    async def _on_plan(self, d: dict) -> None:
        await self._end_live("plan")
        key = f"replan-{self._replan_round}" if self._replan_round else "plan"
        tools = d.get("tools") or []
        title = ("Plan" if key == "plan" else f"Re-plan {self._replan_round}") + \
            (f" · {len(tools)} tool{'s' * (len(tools) != 1)}" if tools else "")
        panel = await self._panel(key, title)
        panel.title = title
        body = [Static(Text(d.get("text", "").rstrip()))]
        if tools:
            body.append(Static(Text("tools: " + ", ".join(tools), style="bold"), classes="note"))
        await panel.add(*body)

    async def _on_replan(self, d: dict) -> None:
        self._replan_round = int(d.get("round") or self._replan_round + 1)
        nearest = d.get("nearest") or {}
        lines = Text()
        for name in d.get("unknown", []):
            lines.append(f"unknown tool {name}", style="bold")
            lines.append(f" → nearest: {', '.join(nearest.get(name, [])) or '-'}\n")
        panel = await self._panel(f"replan-{self._replan_round}", f"Re-plan {self._replan_round}")
        lines.rstrip()
        await panel.add(Static(lines if lines.plain else Text("re-planning"), classes="note"))

    async def _on_code(self, d: dict) -> None:
        rnd = int(d.get("round") or 0)
        code = d.get("code", "")
        self.code_text = code
        view = CodeView(code)
        self._code_views[rnd] = view
        reused = d.get("reused") or []
        extra = [Static(Text("reuses saved: " + ", ".join(reused)), classes="note")] if reused else []
        if rnd == 0:
            await self._end_live("implement")
            lines = len(code.splitlines())
            panel = await self._panel("code", f"Code · {lines} lines")
            panel.title = f"Code · {lines} lines"
            await panel.add(view, *extra)
        else:
            await self._end_live("reflect")
            panel = await self._panel(f"repair-{rnd}", f"Repair {rnd}")
            await panel.add(Static(Text("corrected code:", style="bold"), classes="note"), view,
                            *extra)

    async def _on_exec_started(self, d: dict) -> None:
        self._run_round = int(d.get("round") or 0)
        self._run_calls[self._run_round] = []
        await self._panel(f"run-{self._run_round}", self._run_title(self._run_round))

    def _run_title(self, rnd: int) -> str:
        calls = self._run_calls.get(rnd, [])
        failed = calls.count(False)
        label = "Tool calls" if rnd == 0 else f"Tool calls · repair {rnd}"
        return f"{label} ({len(calls)}{f', {failed} failed' if failed else ''})"

    async def _on_tool_call(self, d: dict) -> None:
        rnd = self._run_round
        if f"run-{rnd}" not in self.panels:
            await self._on_exec_started({"round": rnd})
        ok = bool(d.get("ok"))
        line = Text()
        line.append("✓ " if ok else "✗ ", style="green" if ok else "red")
        line.append(str(d.get("tool", "?")), style="bold")
        line.append(f"({format_args(d.get('arguments', {}), limit=90)})")
        status = d.get("status")
        line.append(f"  {status if status is not None else '---'}", style="dim" if ok else "red")
        latency = d.get("latency_ms")
        if isinstance(latency, (int, float)):
            line.append(f"  {latency:.0f} ms", style="dim")
        error = d.get("error")
        if error and not ok:
            reason = error.get("reason") if isinstance(error, dict) else str(error)
            if reason:
                line.append(f"\n    {reason}", style="red")
        self._run_calls.setdefault(rnd, []).append(ok)
        panel = self.panels[f"run-{rnd}"]
        panel.title = self._run_title(rnd)
        await panel.add(Static(line))

    async def _on_traceback(self, d: dict) -> None:
        rnd = int(d.get("round") or 0)
        view = self._code_views.get(rnd)
        if view is not None and d.get("line"):
            view.set_highlight(int(d["line"]))
        self._repair_round = rnd + 1
        what = ": ".join(x for x in (d.get("error_type"), d.get("message")) if x)
        title = f"Repair {self._repair_round}" + (f" · {what[:60]}" if what else "")
        panel = await self._panel(f"repair-{self._repair_round}", title)
        panel.title = title
        note = f"line {d['line']} of the code above" if d.get("line") else ""
        widgets: list[Widget] = [Static(Text(d.get("text", "").rstrip()), classes="traceback")]
        if note:
            widgets.append(Static(Text(note), classes="note"))
        await panel.add(*widgets)

    async def _on_function_saved(self, d: dict) -> None:
        self.saved.append(d.get("name", ""))
        state = "saved" if d.get("new", True) else "updated"
        await self._function_line(Text.assemble((f"{state} ", "green"), (d.get("name", ""), "bold")))

    async def _on_function_reused(self, d: dict) -> None:
        await self._function_line(Text.assemble(("reused ", "cyan"), (d.get("name", ""), "bold")))

    async def _function_line(self, line: Text) -> None:
        panel = await self._panel("functions", "Functions")
        await panel.add(Static(line))
        count = len(panel.query_one(Collapsible.Contents).children)
        panel.title = f"Functions ({count})"

    async def _ensure_answer(self) -> None:
        if self._answer is None:
            self._answer = Markdown("", classes="answer")
            await self.mount(self._answer)

    async def _stop_stream(self) -> None:
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()

    async def _on_answer(self, d: dict) -> None:
        await self._stop_stream()
        text = d.get("text") or value_text(d.get("value"))
        await self._ensure_answer()
        if not self._streamed or text.strip() != self.answer_text.strip():
            await self._answer.update(text)
        self.answer_text = text

    async def _on_failed(self, d: dict) -> None:
        for stage in list(self._live):
            await self._end_live(stage)
        stage = d.get("stage", "")
        await self.mount(Static(Text(f"✗ {stage + ': ' if stage else ''}{d.get('reason', '')}"),
                                classes="failed"))

    async def _on_warning(self, d: dict) -> None:
        await self.mount(Static(Text("⚠ " + d.get("text", "")), classes="warning"))

    async def _on_turn_done(self, d: dict) -> None:
        await self._stop_stream()
        for stage in list(self._live):
            await self._end_live(stage)
        self.status = d.get("status", "done")
        for key in ("scaffold", "plan"):
            if key in self.panels:
                self.panels[key].fold()
        if self.status == "cancelled":
            await self.mount(Static("turn cancelled", classes="status"))
