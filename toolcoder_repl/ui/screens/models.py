"""Model picker: the configured models and the current one; the choice applies to this session."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option


class ModelPicker(ModalScreen):
    CSS_PATH = "models.tcss"
    BINDINGS = [Binding("escape", "app.pop_screen", "Close")]

    def compose(self):
        rt = self.app.rt
        current = rt.model_spec
        specs = list(dict.fromkeys([*(s for s in [current] if s), *rt.config.models]))
        with Vertical(id="picker"):
            yield Static("Model for this session", id="heading")
            options = OptionList(id="models")
            for spec in specs:
                label = Text(spec, style="bold" if spec == current else "")
                if spec == current:
                    label.append("  (current)", style="dim")
                options.add_option(Option(label, id=spec))
            if not specs:
                options.add_option(Option(Text("no models configured (config.toml: models = [...])",
                                               style="dim"), disabled=True))
            yield options
            yield Input(placeholder="or another spec: openai:NAME | gguf:PATH | hf:REPO", id="spec")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if options.option_count and not options.get_option_at_index(0).disabled:
            options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self._choose(event.option.id)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self._choose(event.value.strip())

    def _choose(self, spec: str) -> None:
        self.app.pop_screen()
        if spec == self.app.rt.model_spec:
            self.app.notify(f"already using {spec}")
        else:
            self.app.switch_model(spec)
