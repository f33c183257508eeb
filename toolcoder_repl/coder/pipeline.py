"""The ToolCoder turn: scaffold -> plan -> check plan -> library -> implement -> execute ->
reflect -> save -> answer, as one stream of events committed to the store as it goes.

`run_turn` never raises for model, tool or sandbox problems: it yields a `failed` event and
`turn_done`, and the session goes on. A cancelled (or abandoned) turn is finished as
"cancelled", never left "running".
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from ..config import PipelineSettings, redact
from . import answer, check_plan, execute, implement, plan, reflect, scaffold, single
from . import events as ev
from .context import summary
from .events import Event
from .execute import Outcome, value_of
from .parsing import Plan, Program, Scaffold
from .toolview import ToolView
from .turn import Cancelled, Stage, StageFailed, Turn, one_line, redact_obj


class Pipeline:
    def __init__(self, *, model: Any, catalog: Any, executor: Any, sandbox: Any, library: Any,
                 store: Any, settings: PipelineSettings | None = None,
                 secrets: list[str] | tuple[str, ...] = ()) -> None:
        self.model = model
        self.catalog = catalog
        self.executor = executor
        self.sandbox = sandbox
        self.library = library
        self.store = store
        self.settings = settings or PipelineSettings()
        self.secrets = [s for s in secrets if s]
        self._view: tuple[int, ToolView] | None = None
        self.last_turn: Turn | None = None  # timings of the last turn (benchmarks, UI)

    def new_session(self) -> int:
        return self.store.new_session(model=getattr(self.model, "name", ""))

    def tool_view(self) -> ToolView:
        version = self.catalog.version()
        if self._view is None or self._view[0] != version:
            self._view = (version, ToolView.load(self.catalog))
        return self._view[1]

    # -- the turn -----------------------------------------------------------------------------
    def run_turn(self, session_id: int, query: str, cancel: threading.Event | None = None
                 ) -> Iterator[Event]:
        query = redact(query, self.secrets)
        turn_id = self.store.start_turn(session_id, query)
        turn = Turn(store=self.store, model=self.model, session_id=session_id, turn_id=turn_id,
                    query=query, secrets=self.secrets, cancel=cancel)
        self.last_turn = turn
        finished = False
        try:
            yield turn.event(ev.TURN_STARTED, query=query, session=session_id)
            status, answer_text, value, function = "failed", "", None, ""
            try:
                answer_text, value, function = yield from self._turn(turn)
                status = "done"
            except Cancelled:
                status = "cancelled"
            except StageFailed as exc:
                yield turn.event(ev.FAILED, stage=exc.stage, reason=exc.reason)
            except Exception as exc:  # noqa: BLE001 - a bug must end the turn, not the session
                yield turn.event(ev.FAILED, stage="pipeline",
                                 reason=f"internal error: {type(exc).__name__}: {one_line(exc)}")
            self.store.finish_turn(turn_id, status, answer=redact(answer_text, self.secrets),
                                   value=redact_obj(value, self.secrets), function_name=function)
            finished = True
            yield turn.event(ev.TURN_DONE, status=status)
        finally:
            if not finished:  # the consumer stopped iterating (closed generator, Ctrl-C)
                self.store.finish_turn(turn_id, "cancelled")
                turn.event(ev.TURN_DONE, status="cancelled")

    def _turn(self, turn: Turn) -> Stage:
        s = self.settings
        view = self.tool_view()
        try:
            stale = self.library.refresh_staleness(self.catalog)
        except Exception as exc:  # noqa: BLE001 - library upkeep must not block the turn
            stale = []
            yield turn.event(ev.WARNING, text=f"library check failed: {one_line(exc)}")
        if stale:
            yield turn.event(ev.WARNING, text="saved functions whose tools changed are stale until "
                             f"re-validated: {', '.join(stale[:10])}")
        context = summary(self.store, turn.session_id, before_turn=turn.turn_id)

        if s.mode == "single":
            offered = self._offered(turn.query)
            sc, pl, program, candidates = yield from single.run(turn, context, view,
                                                                s.tools_in_prompt, offered)
        else:
            sc = yield from scaffold.run(turn, context)
            pl, candidates, messages = yield from plan.run(turn, sc, view, s.tools_in_prompt)
            pl = yield from check_plan.run(turn, pl, messages, view, s.max_replan_rounds)
            offered = self._offered(self._library_query(turn.query, sc, pl))
            program = yield from implement.run(turn, sc, pl, candidates, offered, view)

        outcome, program = yield from self._execute(turn, sc, program, offered, view, candidates)
        reused = implement.reused_names(program, offered)
        if not outcome.result.ok:
            for name in reused:
                self.library.record_use(name, ok=False)
            raise StageFailed("reflect", self._failure_reason(outcome))
        for name in reused:
            self.library.record_use(name, ok=True)
            yield turn.event(ev.FUNCTION_REUSED, name=name)
        yield from self._save(turn, program, view, "\n\n".join(f.source for f in offered))
        value = value_of(outcome.result)
        text = yield from answer.run(turn, program.main, value, outcome.result.stdout)
        return text, value, program.main

    def _execute(self, turn: Turn, sc: Scaffold, program: Program, offered: list[Any],
                 view: ToolView, candidates: list[Any]) -> Stage:
        """Run, and repair from the traceback while rounds remain. Returns (outcome, program)."""
        max_rounds = max(0, int(self.settings.max_reflect_rounds))
        preload = "\n\n".join(f.source for f in offered)
        preload_tools = [t for f in offered for t in f.tools]
        round_ = 0
        while True:
            outcome: Outcome = yield from execute.run(
                turn, program, round_, view=view, sandbox=self.sandbox, executor=self.executor,
                preload=preload, preload_tools=preload_tools)
            if outcome.result.ok:
                return outcome, program
            down = execute.unreachable(outcome)
            unknown = reflect.unknown_tools(outcome, program, view)
            kind = "replan" if unknown else "review"
            yield reflect.traceback_event(turn, outcome, program, round_, kind)
            if down:
                raise StageFailed("execute", down)
            if round_ >= max_rounds:
                return outcome, program
            round_ += 1
            program = yield from reflect.run(turn, program, outcome, round_, max_rounds,
                                             unknown=unknown, scaffold=sc, offered=offered,
                                             view=view, candidates=candidates)

    def _failure_reason(self, outcome: Outcome) -> str:
        r = outcome.result
        where = f" (line {r.error_line})" if r.error_line else ""
        rounds = int(self.settings.max_reflect_rounds)
        what = f"{r.error_type}: {one_line(r.error_message or '', 200)}{where}"
        if rounds <= 0:
            return f"the code failed: {what}"
        return f"the code still fails after {rounds} repair round{'s' if rounds != 1 else ''}: {what}"

    def _offered(self, query: str) -> list[Any]:
        k = int(self.settings.library_matches)
        if k <= 0:
            return []
        return self.library.search(query, k=k)

    @staticmethod
    def _library_query(query: str, sc: Scaffold, pl: Plan) -> str:
        return " ".join([query, sc.name.replace("_", " "), sc.docstring, *pl.steps,
                         *[t.replace(".", " ") for t in pl.tools]])

    def _save(self, turn: Turn, program: Program, view: ToolView, library_source: str) -> Stage:
        try:
            saved = self.library.save_from_code(program.code, tools_by_name=view.by_name,
                                                query=turn.query, session_id=turn.session_id,
                                                turn_id=turn.turn_id, library_source=library_source)
        except Exception as exc:  # noqa: BLE001 - the answer matters more than the library
            yield turn.event(ev.WARNING, text=f"could not save the functions: {one_line(exc)}")
            return
        for fn, new in saved:
            yield turn.event(ev.FUNCTION_SAVED, name=fn.name, new=new, uses=fn.uses,
                             signature=fn.signature, tools=fn.tools)
