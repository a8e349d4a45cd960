#!/usr/bin/env python3
"""Set up a virtual environment with detainer-model and its development tools, on Python 3.11-3.13.

    python3 tools/bootstrap.py [--venv .venv] [--no-dev]

It creates the environment (unless it exists) with the Python running this script and installs the
project into it in editable mode. The rule engine, durable_rules 2.0.28, is built from source; its
C extension calls ``PyEval_CallObject``, which Python 3.13 removed. On 3.13 and later this script
builds it with ``-DPyEval_CallObject=PyObject_CallObject`` (through ``CPPFLAGS``: its setup.py
overwrites ``CFLAGS``), and without pip's wheel cache, so that a wheel built without the define is
never reused. Nobody has to type a flag. Standard library only; exits non-zero if a step fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUPPORTED = ((3, 11), (3, 12), (3, 13))
ENGINE = "durable-rules==2.0.28"
DEFINE = "-DPyEval_CallObject=PyObject_CallObject"


def needs_define(version: tuple[int, int]) -> bool:
    """Whether durable_rules' C extension needs the define on this Python (3.13 removed the call)."""
    return version >= (3, 13)


def engine_works(python: Path) -> bool:
    """Whether durable_rules' C extension is installed in the environment and loads."""
    probe = [str(python), "-c", "import durable_rules_engine"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


def run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    print("+", " ".join(cmd), flush=True)
    done = subprocess.run(cmd, cwd=ROOT, env=env, check=False)
    if done.returncode != 0:
        sys.exit(f"bootstrap: step failed (exit {done.returncode}): {' '.join(cmd)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--venv", default=".venv", help="where to create the environment (default .venv)")
    parser.add_argument("--no-dev", action="store_true", help="install without the development tools")
    args = parser.parse_args(argv)
    version = sys.version_info[:2]
    if version not in SUPPORTED:
        shown = ", ".join(f"{a}.{b}" for a, b in SUPPORTED)
        sys.exit(f"bootstrap: Python {version[0]}.{version[1]} is not supported; use one of {shown}")
    target = (ROOT / args.venv).resolve()
    python = target / "bin" / "python"
    if not python.exists():
        print(f"creating {target} with Python {version[0]}.{version[1]}", flush=True)
        venv.EnvBuilder(with_pip=True).create(target)
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check"]
    if needs_define(version) and not engine_works(python):
        env = dict(os.environ)
        env["CPPFLAGS"] = f"{env.get('CPPFLAGS', '')} {DEFINE}".strip()
        fresh = ["--no-cache-dir", "--force-reinstall", "--no-deps", "--no-binary", "durable-rules"]
        run([*pip, *fresh, ENGINE], env=env)
    run([*pip, "-e", "." if args.no_dev else ".[dev]"])
    run([str(python), "-c", "import detainer_model.core.engine as e; e.get_engine()"])
    print(f"ready: {target}", flush=True)


if __name__ == "__main__":
    main()
