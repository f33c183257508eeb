"""The objects one run of the program shares, built lazily on first use.

Front ends (cli, ui) get everything through a Runtime; nothing is opened, loaded or started
until something asks for it, so `toolcoder --help` and the TUI's first frame stay fast.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from .config import Config, Home

if TYPE_CHECKING:
    from .coder.pipeline import Pipeline
    from .library.repository import Library
    from .llm.base import Model
    from .sandbox.runner import Sandbox
    from .store.db import Store
    from .toolset.catalog import Catalog
    from .toolset.http import ToolExecutor


class Runtime:
    def __init__(self, home: Home, model_spec: str | None = None, theme: str | None = None,
                 base_url: str | None = None) -> None:
        self.home = home
        self._model_spec = model_spec
        self._theme = theme
        self._base_url = base_url
        self._model: Model | None = None
        self._closers: list[Any] = []

    @cached_property
    def config(self) -> Config:
        return self.home.load_config()

    @property
    def model_spec(self) -> str | None:
        return self._model_spec or self.config.model

    @property
    def theme(self) -> str:
        return self._theme or self.config.theme

    @theme.setter
    def theme(self, name: str) -> None:
        """This run's theme (wins over --theme); persisting it is the caller's choice."""
        self._theme = name

    @property
    def base_url(self) -> str | None:
        return self._base_url or self.config.base_url

    @cached_property
    def store(self) -> Store:
        from .store.db import Store

        self.home.ensure()
        return Store.open(self.home.db_path)

    @property
    def db(self):  # sqlite_utils.Database
        return self.store.db

    def use_model(self, spec: str, model: Model | None = None) -> None:
        """Switch this run to `spec`; `model` supplies an already built one (tests, demos)."""
        self._model_spec, self._model = spec, model

    def model(self, spec: str | None = None) -> Model:
        """The model for this run; loaded once (GGUF weights stay in memory)."""
        from .llm.spec import load_model

        if spec and spec != self.model_spec:
            self._model_spec, self._model = spec, None
        if self._model is None:
            self._model = load_model(self.model_spec, self.home, self.config, self.base_url)
        return self._model

    @cached_property
    def catalog(self) -> Catalog:
        from .toolset.catalog import Catalog

        catalog = Catalog(self.db)
        try:
            from .evals.apibank.register import ensure_registered
        except ImportError:  # demo service not built yet
            return catalog
        ensure_registered(catalog)
        return catalog

    def resolve_base_url(self, toolset: Any) -> str:
        """`local:NAME` base URLs name an embedded service started on demand (the demo toolset)."""
        url = toolset.base_url
        if url.startswith("local:"):
            from .evals.apibank.service import ServiceManager

            manager = ServiceManager.shared()
            self._closers.append(manager)
            return manager.url_for(url.removeprefix("local:"))
        return url

    @cached_property
    def executor(self) -> ToolExecutor:
        from .toolset.http import ToolExecutor

        return ToolExecutor(self.catalog, key_lookup=self.home.get_key,
                            resolve_base_url=self.resolve_base_url, store=self.store)

    @cached_property
    def sandbox(self) -> Sandbox:
        from .sandbox.runner import Sandbox

        sandbox = Sandbox(limits=self.config.sandbox)
        self._closers.append(sandbox)
        return sandbox

    @cached_property
    def library(self) -> Library:
        from .library.repository import Library

        return Library(self.db)

    def pipeline(self) -> Pipeline:
        from .coder.pipeline import Pipeline

        return Pipeline(
            model=self.model(),
            catalog=self.catalog,
            executor=self.executor,
            sandbox=self.sandbox,
            library=self.library,
            store=self.store,
            settings=self.config.pipeline,
            secrets=self.home.secret_values(),
        )

    def close(self) -> None:
        for obj in reversed(self._closers):
            try:
                obj.close()
            except Exception:  # noqa: BLE001 - shutting down; nothing useful to do with it
                pass
        self._closers.clear()
