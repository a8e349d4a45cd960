"""Command-line start-up and `run` cost, in CPU time, beside `python -c pass`.

    .venv/bin/python benchmarks/bench_cli.py [--runs 7] [--against OTHER_CHECKOUT]

Each command runs in a fresh process; the figure is its CPU time (user + system), median of the
runs, and its peak resident memory. As an installed package would be, the sources are compiled
to bytecode first (``python -m compileall``: this machine's environment sets
PYTHONDONTWRITEBYTECODE, which is also cleared for the measured processes), and each command is
run once first, unmeasured, which fills the cache of parsed rule and scenario files (in a
temporary folder, DETAINER_MODEL_CACHE_DIR; see safeio/parsecache.py). `run scenarios/` is also
measured with that cache turned off (every file parsed, as on a first run), with JSON output, and
on a terminal (a pseudo-terminal 100 columns wide: the rich table instead of plain text); the
evaluation alone (loading rules and scenarios, `run_scenarios`) is timed inside one process,
with the command's garbage-collector setting.

With ``--against``, every command is also run from another checkout of the project (its ``src``
first on the path, its own folder as the working folder), alternating with this one, and the
ratio printed: for a before/after comparison on a shared machine.

Targets (issue 12): `--help` under 0.3 s CPU; `run scenarios/` under 1 s CPU.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
EVALUATION = """
import gc, time
t = time.process_time()
from detainer_model.cli import GC_THRESHOLD
gc.set_threshold(*GC_THRESHOLD)  # the command's setting
from detainer_model import load_rules, load_scenarios, run_scenarios
lib = load_rules()
run_scenarios(load_scenarios("scenarios", lib), rules=lib)
print(time.process_time() - t)
"""
CLI = [PYTHON, "-m", "detainer_model"]
COMMANDS: dict[str, tuple[list[str], dict[str, str]]] = {
    "python -c pass": ([PYTHON, "-c", "pass"], {}),
    "detainer-model --help": ([*CLI, "--help"], {}),
    "detainer-model rules list": ([*CLI, "rules", "list"], {}),
    "detainer-model run scenarios/": ([*CLI, "run", "scenarios/"], {}),
    "  the same, parse cache off": ([*CLI, "run", "scenarios/"], {"DETAINER_MODEL_CACHE_DIR": "off"}),
    "run scenarios/ --format json": ([*CLI, "run", "scenarios/", "--format", "json"], {}),
    "run scenarios/ on a terminal": ([*CLI, "run", "scenarios/"], {"TERM": "xterm-256color"}),
}
ON_A_TERMINAL = {"run scenarios/ on a terminal"}
TERMINAL_SIZE = (50, 100)  # rows, columns
TARGETS = {"detainer-model --help": 0.3, "detainer-model run scenarios/": 1.0}


def environment(checkout: Path, cache: Path, extra: dict[str, str]) -> dict[str, str]:
    """The children's environment: ``checkout``'s sources first, bytecode written, the cache folder."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(checkout / "src")
    env["DETAINER_MODEL_CACHE_DIR"] = str(cache)
    env.update(extra)
    return env


def cpu(
    cmd: list[str], checkout: Path, env: dict[str, str], terminal: bool = False
) -> tuple[float, float, str]:
    """CPU seconds (user + system), peak MB and standard output of ``cmd`` in a fresh process
    (with ``terminal``, its output goes to a pseudo-terminal)."""
    if terminal:
        return _on_a_terminal(cmd, checkout, env)
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, cwd=checkout, env=env, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) not in (0, 1):
            raise SystemExit(f"command failed in {checkout}: {' '.join(cmd)}")
        out.seek(0)
        return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read()


def _on_a_terminal(cmd: list[str], checkout: Path, env: dict[str, str]) -> tuple[float, float, str]:
    main_end, child_end = pty.openpty()
    fcntl.ioctl(child_end, termios.TIOCSWINSZ, struct.pack("HHHH", *TERMINAL_SIZE, 0, 0))
    proc = subprocess.Popen(cmd, stdout=child_end, stderr=subprocess.DEVNULL, cwd=checkout, env=env)
    os.close(child_end)
    chunks = []
    while True:  # read as it comes: a full terminal would stop the command
        try:
            data = os.read(main_end, 65536)
        except OSError:  # the command closed its end
            break
        if not data:
            break
        chunks.append(data)
    os.close(main_end)
    _pid, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"command failed in {checkout}: {' '.join(cmd)}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, b"".join(chunks).decode()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--against", type=Path, help="another checkout to compare with (before/after)")
    args = ap.parse_args()
    checkouts = {"this": ROOT} | ({"other": args.against.resolve()} if args.against else {})
    for path in checkouts.values():  # bytecode, as an installed package has it
        subprocess.run([PYTHON, "-m", "compileall", "-q", str(path / "src")], check=True)
    with tempfile.TemporaryDirectory(prefix="dm-bench-cache-") as tmp:
        caches = {name: Path(tmp) / name for name in checkouts}
        figures: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for name, (cmd, extra) in COMMANDS.items():
            envs = {c: environment(path, caches[c], extra) for c, path in checkouts.items()}
            terminal = name in ON_A_TERMINAL
            for c, path in checkouts.items():  # warm-up: bytecode written, cache filled
                cpu(cmd, path, envs[c], terminal)
            for _ in range(args.runs):  # alternated, so that both see the same load
                for c, path in checkouts.items():
                    seconds, mb, _out = cpu(cmd, path, envs[c], terminal)
                    figures.setdefault((name, c), []).append((seconds, mb))
        inside = [
            float(cpu([PYTHON, "-c", EVALUATION], ROOT, environment(ROOT, caches["this"], {}))[2])
            for _ in range(args.runs)
        ]

    def median(name: str, c: str) -> tuple[float, float]:
        runs = figures[(name, c)]
        return statistics.median(r[0] for r in runs), max(r[1] for r in runs)

    print(
        f"CPU seconds (user + system), median of {args.runs} fresh processes, peak resident MB; each "
        "command run once before (bytecode written, parse cache filled), as an installed package"
    )
    if args.against:
        print(f"  beside {args.against} (the same commands, alternated): its figure, this one's ratio")
    base = median("python -c pass", "this")[0]
    for name in COMMANDS:
        seconds, mb = median(name, "this")
        line = f"  {name:32} {seconds:6.3f} s  {mb:5.0f} MB   {seconds / base:5.1f}x python -c pass"
        if name in TARGETS:
            line += f"   target {TARGETS[name]:.1f} s: {seconds / TARGETS[name]:.2f}x"
        if args.against:
            other = median(name, "other")[0]
            line += f"   other {other:6.3f} s: {seconds / other:.2f}x"
        print(line)
    print(
        f"  {'evaluation alone (in-process)':32} {statistics.median(inside):6.3f} s"
        "   (import, load rules and scenarios, run_scenarios; no rendering)"
    )


if __name__ == "__main__":
    main()
