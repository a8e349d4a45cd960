"""What every request of one server shares: the rules, the builder's form, the scenario library,
the class sets, the sessions and the templates."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from .._version import __version__
from ..core.evaluate import DISCLAIMER
from ..core.scenarios import LoadedScenario, load_scenarios
from ..errors import DetainerModelError
from ..rulebook.library import RuleLibrary
from .classroom import Classroom
from .config import WebConfig
from .forms import BuilderForm, builder_form
from .sessions import Sessions

RESULT_CACHE = 512  # result pages kept: a class opens the same shared cases again and again


class ResultCache:
    """The last results computed, by their exact inputs (evaluation is deterministic, so a repeated
    request is answered from here; the rules cannot change while the server runs)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._found: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def peek(self, key: Hashable) -> Any:
        """The value kept for ``key``, or None."""
        with self._lock:
            if key in self._found:
                self._found.move_to_end(key)
                return self._found[key]
        return None

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._found[key] = value
            while len(self._found) > self.size:
                self._found.popitem(last=False)

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value kept for ``key``, made (outside the lock) and kept when missing."""
        found = self.peek(key)
        if found is None:
            found = make()
            self.put(key, found)
        return found


def _templates() -> Jinja2Templates:
    folder = Path(str(resources.files("detainer_model.web") / "templates"))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,  # every template, whatever its name: nothing reaches a page unescaped
        auto_reload=False,  # the shipped templates do not change while serving: no stat per request
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(disclaimer=DISCLAIMER, version=__version__)
    return Jinja2Templates(env=env)


@dataclass
class AppState:
    config: WebConfig
    lib: RuleLibrary
    form: BuilderForm
    scenarios: dict[str, LoadedScenario]
    scenario_problems: list[str]
    classroom: Classroom
    class_problems: list[str]
    sessions: Sessions
    templates: Jinja2Templates
    results: ResultCache = field(default_factory=lambda: ResultCache(RESULT_CACHE))

    @classmethod
    def build(cls, config: WebConfig) -> AppState:
        lib = config.library()
        scenarios: dict[str, LoadedScenario] = {}
        problems: list[str] = []
        if config.scenarios_dir is not None:
            for path in sorted(config.scenarios_dir.rglob("*.yaml")):
                shown = path.relative_to(config.scenarios_dir).as_posix()
                try:
                    scenarios[shown] = load_scenarios(path, rules=lib)[0]
                except DetainerModelError as exc:
                    problems.extend(exc.lines())
        classroom = Classroom()
        class_problems: list[str] = []
        for folder in config.class_set_folders():
            try:
                classroom.open_folder(folder)
            except DetainerModelError as exc:
                class_problems.extend(exc.lines())
        return cls(
            config,
            lib,
            builder_form(lib),
            scenarios,
            problems,
            classroom,
            class_problems,
            Sessions(lib),
            _templates(),
        )

    def page(self, request: Any, name: str, status: int = 200, **context: Any) -> Response:
        """A page rendered from template ``name``."""
        response: Response = self.templates.TemplateResponse(
            request, name, {"lib": self.lib, "nav": NAV, **context}, status_code=status
        )
        return response


NAV = (
    ("/builder", "Case builder"),
    ("/scenarios", "Scenario library"),
    ("/worksheets", "Worksheets"),
    ("/lab", "Policy lab"),
    ("/rules", "Rules and sources"),
    ("/glossary", "Glossary"),
    ("/api", "API"),
)
