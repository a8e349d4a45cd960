"""Presenters: each turns a :class:`~detainer_model.core.runner.RunResult` into text, and decides nothing.

Layer: presenters may import :mod:`detainer_model.core`, :mod:`detainer_model.teaching`,
the layers below and the foundation, never the population tools, the CLI or the web app.
"""

from __future__ import annotations

from collections.abc import Callable

from ..core.runner import RunResult
from .csvout import render_csv
from .jsondoc import render_json
from .markdown import render_markdown
from .table import render_table

FORMATS: dict[str, Callable[[RunResult], str]] = {
    "table": render_table,
    "json": render_json,
    "markdown": render_markdown,
    "csv": render_csv,
}

__all__ = ["FORMATS", "render_csv", "render_json", "render_markdown", "render_table"]
