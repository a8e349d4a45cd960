"""The CLI starts fast: commands are imported only when used, so light commands load no heavy library."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from detainer_model.cli import cli, rules_group
from detainer_model.cli.lazy import load

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("polars", "jinja2", "markdown_it", "numpy", "matplotlib")

PROBE = f"""
import contextlib, io, json, sys
from detainer_model.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    status = main(sys.argv[1:])
print(json.dumps({{"status": status, "loaded": [m for m in {HEAVY!r} if m in sys.modules]}}))
"""


def _loaded(*args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("run", "scenarios/san-francisco-2015.yaml"),
        ("run", "--help"),
        ("explain", "--help"),
        ("whatif", "--help"),
        ("rules", "--help"),
        ("rules", "list"),
    ],
)
def test_light_commands_load_no_heavy_library(args: tuple[str, ...]) -> None:
    """--help, run, explain, whatif and rules load neither polars, Jinja2 nor markdown-it."""
    probe = _loaded(*args)
    assert probe["status"] in (0, 1), probe
    assert probe["loaded"] == [], f"{' '.join(args)} loaded {probe['loaded']}"


def test_run_from_a_warm_cache_loads_neither_pyyaml_nor_rich(tmp_path: Path) -> None:
    """A first `run` parses its files (PyYAML loaded); the next, with every file in the cache of
    parsed files and its output not a terminal, loads neither PyYAML nor rich."""
    probe = PROBE.replace(repr(HEAVY), repr(("yaml", "rich")))
    env = {**os.environ, "DETAINER_MODEL_CACHE_DIR": str(tmp_path)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", probe, "run", "scenarios/"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env=env,
        )
        for _ in range(2)
    ]
    first, second = (json.loads(r.stdout.strip().splitlines()[-1]) for r in runs)
    assert first["status"] == second["status"] == 0
    assert "yaml" in first["loaded"]
    assert second["loaded"] == []


def test_heavy_commands_still_load_when_used() -> None:
    """The probe can fail: asking for batch's help does import polars."""
    assert "polars" in _loaded("batch", "--help")["loaded"]


@pytest.mark.parametrize("group", [cli, rules_group], ids=["detainer-model", "rules"])
def test_lazy_help_lines_are_the_commands_own(group: click.Group) -> None:
    """Each lazily listed command's one-line help is the command's own, and it loads under its name."""
    lazy = group.lazy  # type: ignore[attr-defined]
    assert lazy
    for name, (target, line) in lazy.items():
        command = load(target)
        assert command.name == name
        assert command.get_short_help_str(10_000) == line


def test_help_lists_every_command() -> None:
    """The top-level help names every command, batch and simulate included, without importing them."""
    out = subprocess.run(
        [sys.executable, "-m", "detainer_model", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    for name in ("batch", "exercise", "explain", "report", "rules", "run", "simulate", "whatif"):
        assert f"  {name} " in out


SETUP_PROBE = """
import gc, json, os, sys
from detainer_model import cli
sys.argv = ["detainer-model", "--help"]
try:
    cli.script()
except SystemExit:
    pass
env = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "PYDANTIC_DISABLE_PLUGINS")}
print(json.dumps({"env": env, "gc": list(gc.get_threshold())}), file=sys.stderr)
"""


@pytest.mark.parametrize("given", [None, "2"])
def test_the_command_sets_its_process_up_unless_the_environment_says_otherwise(given: str | None) -> None:
    """As a script, the command turns OpenBLAS's spinning thread pool down to one thread (numpy
    starts it on import; no command does linear algebra), pydantic's plugin search off and the
    collector's thresholds up; a value the user's environment already gives is kept."""
    settings = ("OPENBLAS_NUM_THREADS", "PYDANTIC_DISABLE_PLUGINS")
    env = {k: v for k, v in os.environ.items() if k not in settings}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    out = subprocess.run(
        [sys.executable, "-c", SETUP_PROBE], capture_output=True, text=True, check=True, cwd=ROOT, env=env
    )
    found = json.loads(out.stderr.strip().splitlines()[-1])
    assert found["env"] == {"OPENBLAS_NUM_THREADS": given or "1", "PYDANTIC_DISABLE_PLUGINS": "__all__"}
    assert found["gc"][0] == 200_000
