"""The chat screen: the conversation, the status line, the prompt.

A turn runs `pipeline.run_turn()` in a worker thread; each event is posted to this screen as a
message (non-blocking, in order) and handed to the turn's `TurnView`. Escape sets the cancel
flag; the pipeline notices, records the turn as cancelled and ends the stream.
"""

from __future__ import annotations

import contextvars
import threading
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...coder import events as ev
from ...errors import ToolcoderError
from ..history import History, read_history
from ..render import stored_events
from ..slash import complete_slash
from ..widgets.prompt import PromptInput
from ..widgets.status import StatusLine
from ..widgets.turn import TurnView

if TYPE_CHECKING:
    from ..app import ToolcoderApp

WELCOME = (
    "Ask a question: the assistant writes a Python function that calls your tools, runs it in "
    "a sandbox, repairs it from the traceback and saves it for reuse.\n"
    "Enter sends · Ctrl+J new line · ↑/↓ history · / commands (Tab completes) · "
    "Ctrl+P palette · Esc cancels a turn"
)


class TurnEvent(Message):
    def __init__(self, view: TurnView, event: ev.Event) -> None:
        super().__init__()
        self.view = view
        self.event = event


class TurnFinished(Message):
    def __init__(self, view: TurnView) -> None:
        super().__init__()
        self.view = view


class ChatScreen(Screen):
    CSS_PATH = "chat.tcss"
    BINDINGS = [
        Binding("escape", "cancel_turn", "Cancel"),
        Binding("f8", "copy_answer", "Copy answer"),
        Binding("f9", "copy_code", "Copy code"),
    ]
    app: ToolcoderApp

    def __init__(self) -> None:
        super().__init__()
        self.running: TurnView | None = None
        self.cancel: threading.Event | None = None
        self._thread: threading.Thread | None = None
        self.turns_finished = 0

    def compose(self):
        with VerticalScroll(id="conversation"):
            yield Static(Text(WELCOME), id="welcome")
        yield StatusLine(self.app.rt.model_spec or "", id="status")
        yield Static("", id="slash-hint")
        yield PromptInput(History(read_history(self.app.rt.home.history_path),
                                  self.app.rt.home.history_path), id="prompt")
        yield Footer(compact=True)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def conversation(self) -> VerticalScroll:
        return self.query_one("#conversation", VerticalScroll)

    def on_mount(self) -> None:
        self.query_one(PromptInput).focus()
        self.conversation.anchor()
        self.run_worker(self._probe_isolation, thread=True, group="probe")

    def on_unmount(self) -> None:
        # Leaving mid-turn: let the pipeline see the cancel flag and record the turn as
        # cancelled (bounded wait; a turn killed anyway is closed as cancelled at next start).
        if self.cancel is not None:
            self.cancel.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=5)

    def _probe_isolation(self) -> None:
        try:
            name, warning = self.app.isolation_probe()
        except ImportError:
            name, warning = "unavailable", "the sandbox is not installed"
        except Exception as exc:  # noqa: BLE001 - shown in the status line instead
            name, warning = "error", str(exc)
        self.app.call_from_thread(self._isolation_known, name, warning)

    def _isolation_known(self, name: str, warning: str) -> None:
        self.status.set(isolation=name, isolation_warning=warning)
        if warning:
            self.notify(f"sandbox: {warning}", severity="warning", timeout=8)

    # -- input ------------------------------------------------------------------------------
    def on_text_area_changed(self, event: PromptInput.Changed) -> None:
        text = event.text_area.text
        hint = self.query_one("#slash-hint", Static)
        if text.startswith("/") and "\n" not in text:
            head = text.split(" ", 1)[0]
            from ..slash import SLASH_COMMANDS

            matches = complete_slash(head) if " " not in text else [head]
            lines = [f"{m}  {SLASH_COMMANDS.get(m, '')}" for m in matches]
            hint.update(Text("\n".join(lines) or "no such command", style="dim"))
            hint.display = True
        else:
            hint.display = False

    def on_prompt_input_submitted(self, message: PromptInput.Submitted) -> None:
        text = message.text
        if text.strip().startswith("/") and "\n" not in text.strip():
            self.app.run_slash(text)
            return
        self.start_turn(text)

    # -- turns ------------------------------------------------------------------------------
    def start_turn(self, query: str) -> TurnView | None:
        if self.running is not None:
            self.notify("a turn is running; Escape cancels it", severity="warning")
            return None
        self._hide_welcome()
        view = TurnView(query)
        self.conversation.mount(view)
        self.conversation.anchor()
        self.running = view
        self.cancel = threading.Event()
        self.status.set(state="starting…")
        # A plain thread (not a Textual worker) so that leaving the app can wait for it.
        # It runs in a copy of this context, so `self.app` resolves there as in a worker.
        context = contextvars.copy_context()
        self._thread = threading.Thread(target=context.run,
                                        args=(self._run_turn, view, query, self.cancel),
                                        name="turn", daemon=True)
        self._thread.start()
        return view

    def _run_turn(self, view: TurnView, query: str, cancel: threading.Event) -> None:
        """Worker thread: consume the pipeline's events and post them to the screen."""
        post = self.post_message
        try:
            pipeline = self.app.get_pipeline()
            session = self.app.ensure_session()
            for event in pipeline.run_turn(session, query, cancel):
                post(TurnEvent(view, event))
        except ToolcoderError as exc:
            post(TurnEvent(view, ev.Event(ev.FAILED, None, {"stage": "", "reason": str(exc)})))
            post(TurnEvent(view, ev.Event(ev.TURN_DONE, None, {"status": "failed"})))
        except Exception as exc:  # noqa: BLE001 - a bug must not kill the app; say what happened
            reason = f"internal error: {type(exc).__name__}: {exc}"
            post(TurnEvent(view, ev.Event(ev.FAILED, None, {"stage": "", "reason": reason})))
            post(TurnEvent(view, ev.Event(ev.TURN_DONE, None, {"status": "failed"})))
        finally:
            post(TurnFinished(view))

    async def on_turn_event(self, message: TurnEvent) -> None:
        event = message.event
        await message.view.handle(event)
        if event.type == ev.TURN_STARTED:
            self.status.set(session=self.app.session_id)
        elif event.type == ev.STAGE_STARTED:
            self.status.set(state=f"{event.get('stage', '')}…  (Esc cancels)")
        elif event.type == ev.USAGE:
            used = int(event.get("prompt_tokens") or 0) + int(event.get("completion_tokens") or 0)
            self.status.set(tokens=self.status.tokens + used)

    def on_turn_finished(self, message: TurnFinished) -> None:
        if self.running is message.view:
            self.running = None
            self.cancel = None
        self.turns_finished += 1
        self.status.set(state="ready" if message.view.status == "done" else message.view.status)

    def action_cancel_turn(self) -> None:
        if self.cancel is not None and not self.cancel.is_set():
            self.cancel.set()
            self.status.set(state="cancelling…")

    # -- history of a session ---------------------------------------------------------------
    def reset(self) -> None:
        self.conversation.remove_children()
        self.conversation.mount(Static(Text(WELCOME), id="welcome"))
        self.status.set(tokens=0, session=None, state="ready")

    def replay(self, session_id: int) -> None:
        """Show an earlier session's turns, rebuilt from the stored events."""
        self.run_worker(self._replay(session_id), exclusive=True, group="replay")

    async def _replay(self, session_id: int) -> None:
        store = self.app.rt.store
        await self.conversation.remove_children()
        for turn in store.turns(session_id):
            view = TurnView(turn["query"])
            await self.conversation.mount(view)
            events = stored_events(store, turn["id"])
            for event in events:
                await view.handle(event)
            if not any(e.type == ev.ANSWER for e in events) and turn.get("answer"):
                await view.handle(ev.Event(ev.ANSWER, turn["id"], {"text": turn["answer"]}))
            if not any(e.type == ev.TURN_DONE for e in events):
                await view.handle(ev.Event(ev.TURN_DONE, turn["id"],
                                           {"status": turn.get("status") or "done"}))
        self.status.set(tokens=store.session_tokens(session_id), session=session_id,
                        state="ready")
        self.conversation.scroll_end(animate=False)
        self.notify(f"resumed session {session_id}")

    def _hide_welcome(self) -> None:
        for welcome in self.query("#welcome"):
            welcome.remove()

    # -- clipboard --------------------------------------------------------------------------
    def _last_turn(self) -> TurnView | None:
        views = list(self.query(TurnView))
        return views[-1] if views else None

    def action_copy_answer(self) -> None:
        view = self._last_turn()
        if view is None or not view.answer_text:
            self.notify("no answer to copy yet")
            return
        self.app.copy_to_clipboard(view.answer_text)
        self.notify("answer copied to the clipboard")

    def action_copy_code(self) -> None:
        view = self._last_turn()
        if view is None or not view.code_text:
            self.notify("no code to copy yet")
            return
        self.app.copy_to_clipboard(view.code_text)
        self.notify("code copied to the clipboard")
