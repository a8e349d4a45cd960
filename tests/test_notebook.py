"""The example notebook runs top to bottom in a fresh kernel; results render as HTML and frames."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import polars as pl
import pytest
from ipykernel.kernelspec import install
from nbclient import NotebookClient

from detainer_model import RuleLibrary, compare, load_scenarios, run_scenarios
from detainer_model.report.frames import to_frame


@pytest.mark.slow
def test_example_notebook_runs(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/example.ipynb executes without an error on a kernel that runs this very interpreter."""
    # A kernel spec pointing at sys.executable, in a private folder: a fresh CI venv has no
    # registered kernel, and a user's "python3" kernel may be another interpreter.
    install(kernel_name="detainer-model-test", prefix=str(tmp_path))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    spec = (tmp_path / "share/jupyter/kernels/detainer-model-test/kernel.json").read_text()
    assert sys.executable.replace("\\", "\\\\") in spec
    nb = nbformat.read(root / "docs" / "example.ipynb", as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="detainer-model-test",
        timeout=300,
        resources={"metadata": {"path": str(root / "docs")}},
    )
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if "data" in o and "text/html" in o["data"]]
    assert any("Why they differ" in h for h in html)
    assert any("pep.form.i247d" in h for h in html)


def test_run_and_comparison_render_and_convert(root: Path, lib: RuleLibrary) -> None:
    """A run and a comparison render as HTML tables and convert to polars frames, one row per decision."""
    run = run_scenarios(load_scenarios(root / "scenarios/san-francisco-2015.yaml", lib), rules=lib)
    frame = run.to_frame()
    assert isinstance(frame, pl.DataFrame)
    assert frame.height == 4 and frame.get_column("outcome").to_list()[2:] == ["transfer", "transfer"]
    assert frame.schema["priorities"] == pl.List(pl.Utf8)
    assert "<table>" in run._repr_html_() and "Why they differ" in run._repr_html_()
    comparison = compare(run.cases[0].case, rules=lib)
    assert comparison.to_frame().get_column("form").to_list() == ["I-247", "I-247D"]
    assert to_frame([]).height == 0
