"""The Textual app: themes, session state, slash commands, command palette, screen switching.

Nothing heavy happens before the first frame: the model, the sandbox and the catalogue are
touched only from worker threads (isolation probe) or when a screen needs them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from .screens.chat import ChatScreen
from .slash import SLASH_COMMANDS, parse_slash
from .themes import DEFAULT_THEME, load_themes

if TYPE_CHECKING:
    from ..runtime import Runtime

IsolationProbe = Callable[[], tuple[str, str]]


def _probe_sandbox(rt: Runtime) -> IsolationProbe:
    def probe() -> tuple[str, str]:
        level = rt.sandbox.isolation
        return level.name, level.warning

    return probe


class ToolcoderApp(App):
    TITLE = "toolcoder"
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("f2", "functions", "Functions"),
        Binding("f3", "tools", "Tools"),
        Binding("f4", "sessions", "Sessions"),
        Binding("f5", "model", "Model"),
        Binding("ctrl+n", "new_session", "New"),
        Binding("ctrl+t", "next_theme", "Theme", show=False),
    ]

    def __init__(self, rt: Runtime, *, pipeline_factory: Callable[[], Any] | None = None,
                 isolation_probe: IsolationProbe | None = None) -> None:
        super().__init__()
        self.rt = rt
        self.pipeline_factory = pipeline_factory
        self.isolation_probe = isolation_probe or _probe_sandbox(rt)
        self.session_id: int | None = None
        self._pipeline: Any = None
        self._themes = load_themes()
        for theme, _syntax in self._themes.values():
            self.register_theme(theme)
        wanted = rt.theme
        self.theme_warning = ""
        if wanted not in self.available_themes:
            self.theme_warning = f"unknown theme '{wanted}'; using {DEFAULT_THEME}"
            wanted = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        self.theme = wanted

    def notify(self, message: str, *, title: str = "", severity: str = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        # Messages carry paths, specs and error text (brackets included): never Rich markup.
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # -- start-up ---------------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        return ChatScreen()

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._persist_theme)
        if self.theme_warning:
            self.notify(self.theme_warning, severity="warning")
        if self.needs_first_run():
            from .screens.first_run import FirstRunScreen

            self.push_screen(FirstRunScreen())

    def needs_first_run(self) -> bool:
        return self.pipeline_factory is None and not self.rt.model_spec

    @property
    def chat(self) -> ChatScreen:
        for screen in self.screen_stack:
            if isinstance(screen, ChatScreen):
                return screen
        raise LookupError("no chat screen")

    # -- themes -----------------------------------------------------------------------------
    @property
    def syntax_theme(self) -> str:
        entry = self._themes.get(self.theme)
        if entry:
            return entry[1]
        return "monokai" if self.current_theme.dark else "friendly"

    def theme_names(self) -> list[str]:
        return list(self._themes)

    def set_theme(self, name: str) -> bool:
        if name not in self.available_themes:
            self.notify(f"unknown theme '{name}'; try: {', '.join(self.theme_names())}",
                        severity="error")
            return False
        self.theme = name
        return True

    def _persist_theme(self, theme: Any) -> None:
        name = getattr(theme, "name", str(theme))
        self.rt.theme = name  # this run, even when --theme was given
        try:
            config = self.rt.home.load_config()
            config.theme = name
            self.rt.home.save_config(config)
        except Exception as exc:  # noqa: BLE001 - a theme is not worth a crash
            self.notify(f"theme not saved: {exc}", severity="warning")

    def action_next_theme(self) -> None:
        names = self.theme_names() or [self.theme]
        index = names.index(self.theme) + 1 if self.theme in names else 0
        self.set_theme(names[index % len(names)])

    # -- session and pipeline (called from worker threads) ----------------------------------
    def get_pipeline(self) -> Any:
        if self._pipeline is None:
            factory = self.pipeline_factory or self.rt.pipeline
            self._pipeline = factory()
        return self._pipeline

    def ensure_session(self) -> int:
        if self.session_id is None:
            self.session_id = self.rt.store.new_session(model=self.rt.model_spec)
        return self.session_id

    def switch_model(self, spec: str) -> None:
        """Load `spec` in a worker; later turns of this session use it."""

        def load() -> None:
            try:
                self.rt.model(spec)
            except Exception as exc:  # noqa: BLE001 - reported to the user, app keeps running
                self.call_from_thread(self.notify, f"model not switched: {exc}", severity="error")
                return
            self._pipeline = None
            self.call_from_thread(self._model_switched, spec)

        self.notify(f"loading {spec}…")
        self.run_worker(load, thread=True, group="model")

    def _model_switched(self, spec: str) -> None:
        self.notify(f"model: {spec}")
        self.chat.status.set(model=spec)

    # -- slash commands ---------------------------------------------------------------------
    def run_slash(self, text: str) -> None:
        parsed = parse_slash(text)
        if parsed is None:
            return
        name, arg = parsed
        if name not in SLASH_COMMANDS:
            self.notify(f"unknown command {name}; /help lists them", severity="error")
        elif name == "/tools":
            self.action_tools()
        elif name == "/functions":
            self.action_functions()
        elif name == "/model":
            if arg:
                self.switch_model(arg)
            else:
                self.action_model()
        elif name == "/new":
            self.action_new_session()
        elif name == "/sessions":
            if arg.isdigit():
                self.resume_session(int(arg))
            else:
                self.action_sessions()
        elif name == "/theme":
            if arg:
                if self.set_theme(arg):
                    self.notify(f"theme: {arg}")
            else:
                self.notify("themes: " + ", ".join(self.theme_names()) + f" (now {self.theme})")
        elif name == "/help":
            self.action_help()
        elif name == "/quit":
            self.exit()

    # -- actions ----------------------------------------------------------------------------
    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_functions(self) -> None:
        from .screens.functions import FunctionsScreen

        self.push_screen(FunctionsScreen())

    def action_tools(self) -> None:
        from .screens.tools import ToolsScreen

        self.push_screen(ToolsScreen())

    def action_sessions(self) -> None:
        from .screens.sessions import SessionsScreen

        self.push_screen(SessionsScreen())

    def action_model(self) -> None:
        from .screens.models import ModelPicker

        self.push_screen(ModelPicker())

    def action_new_session(self) -> None:
        chat = self.chat
        if chat.running is not None:
            self.notify("a turn is running; Escape cancels it first", severity="warning")
            return
        self.session_id = None
        chat.reset()
        self.notify("new session")

    def resume_session(self, session_id: int) -> None:
        chat = self.chat
        if chat.running is not None:
            self.notify("a turn is running; Escape cancels it first", severity="warning")
            return
        if not any(s["id"] == session_id for s in self.rt.store.sessions(limit=10_000)):
            self.notify(f"no session {session_id}", severity="error")
            return
        while self.screen is not chat:
            self.pop_screen()
        self.session_id = session_id
        chat.replay(session_id)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Functions", "Browse, run, export saved functions (F2)",
                            self.action_functions)
        yield SystemCommand("Tools", "Toolsets and operations; import a spec (F3)", self.action_tools)
        yield SystemCommand("Sessions", "Resume an earlier session (F4)", self.action_sessions)
        yield SystemCommand("Model", "Pick the model for this session (F5)", self.action_model)
        yield SystemCommand("New session", "Start a fresh conversation (Ctrl+N)",
                            self.action_new_session)
        yield SystemCommand("Help", "Slash commands and keys (F1)", self.action_help)
        for name in self.theme_names():
            yield SystemCommand(f"Theme: {name}", "Switch and remember this theme",
                                lambda name=name: self.set_theme(name))
        if isinstance(screen, ChatScreen):
            yield SystemCommand("Copy answer", "Copy the last answer to the clipboard (F8)",
                                screen.action_copy_answer)
            yield SystemCommand("Copy code", "Copy the last code to the clipboard (F9)",
                                screen.action_copy_code)
            yield SystemCommand("Cancel turn", "Stop the running turn (Escape)",
                                screen.action_cancel_turn)
