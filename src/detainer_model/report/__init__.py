"""Presenters: each turns a :class:`~detainer_model.core.runner.RunResult` into text, and decides nothing.

Layer: presenters may import :mod:`detainer_model.core`, :mod:`detainer_model.teaching`,
the layers below and the foundation, never the population tools, the CLI or the web app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..core.runner import RunResult
    from .csvout import render_csv
    from .jsondoc import render_json
    from .markdown import render_markdown
    from .table import render_table

    FORMATS: dict[str, Callable[[RunResult], str]]

# Imported on first use: a presenter's module is loaded only when that format is asked for, so
# that `run`'s plain-text summary (report.table) does not load the teaching modules and rich.
_HOME = {
    "render_csv": "csvout",
    "render_json": "jsondoc",
    "render_markdown": "markdown",
    "render_table": "table",
}


def __getattr__(name: str) -> Any:
    import importlib

    if name == "FORMATS":
        value: Any = {
            "table": __getattr__("render_table"),
            "json": __getattr__("render_json"),
            "markdown": __getattr__("render_markdown"),
            "csv": __getattr__("render_csv"),
        }
    elif name in _HOME:
        value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    else:
        raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
    globals()[name] = value
    return value


__all__ = ["FORMATS", "render_csv", "render_json", "render_markdown", "render_table"]
