"""Command-line start-up and `run` cost, in CPU time, beside `python -c pass`.

    .venv/bin/python benchmarks/bench_cli.py [--runs 7]

Each command runs in a fresh process; the figure is its CPU time (user + system), median of the
runs, and its peak resident memory. `run scenarios/` is measured with the default table output and
with JSON output (which shows what evaluation costs without the terminal tables), and the
evaluation alone (loading rules and scenarios, `run_scenarios`) is timed in one process.

Targets (issue 12): `--help` under 0.3 s CPU; `run scenarios/` under 1 s CPU.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
CLI = str(Path(PYTHON).with_name("detainer-model"))
EVALUATION = """
import time
t = time.process_time()
from detainer_model import load_rules, load_scenarios, run_scenarios
lib = load_rules()
run_scenarios(load_scenarios("scenarios", lib), rules=lib)
print(time.process_time() - t)
"""


def cpu(cmd: list[str]) -> tuple[float, float, str]:
    """CPU seconds (user + system), peak MB and standard output of ``cmd`` in a fresh process."""
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, cwd=ROOT, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) not in (0, 1):
            raise SystemExit(f"command failed: {' '.join(cmd)}")
        out.seek(0)
        return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    commands = {
        "python -c pass": [PYTHON, "-c", "pass"],
        "detainer-model --help": [CLI, "--help"],
        "detainer-model rules list": [CLI, "rules", "list"],
        "detainer-model run scenarios/": [CLI, "run", "scenarios/"],
        "run scenarios/ --format json": [CLI, "run", "scenarios/", "--format", "json"],
    }
    targets = {"detainer-model --help": 0.3, "detainer-model run scenarios/": 1.0}
    figures = {}
    for name, cmd in commands.items():
        runs = [cpu(cmd) for _ in range(args.runs)]
        figures[name] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs))
    base = figures["python -c pass"][0]
    print(f"CPU seconds (user + system), median of {args.runs} fresh processes; peak resident MB")
    for name, (seconds, mb) in figures.items():
        target = f"   target {targets[name]:.1f} s: {seconds / targets[name]:.2f}x" if name in targets else ""
        print(f"  {name:32} {seconds:6.3f} s  {mb:5.0f} MB   {seconds / base:5.1f}x python -c pass{target}")
    inside = [float(cpu([PYTHON, "-c", EVALUATION])[2]) for _ in range(args.runs)]
    print(
        f"  {'evaluation alone (in-process)':32} {statistics.median(inside):6.3f} s"
        "   (import, load rules and scenarios, run_scenarios; no rendering)"
    )


if __name__ == "__main__":
    main()
