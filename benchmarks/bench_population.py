"""Benchmark: a synthetic population from files on disk to results on disk.

Draws a cohort (not timed), then runs ``detainer-model batch`` on it in a fresh process several
times and prints, for each size and table format: the median wall time (with the fastest and
slowest run), the median and largest peak resident memory of the process, how many distinct
cases the engine decided, and the ratio of the batch's time to the time polars alone takes to read
the same files (also in a fresh process, so both include starting Python). With several sizes it
fits time and memory to ``a + b·n`` and extrapolates.

    .venv/bin/python benchmarks/bench_population.py                      # 1,000,000 people
    .venv/bin/python benchmarks/bench_population.py --sizes 250000 500000 1000000 2000000 --runs 3

Targets (issue 5): 1,000,000 people under secure-communities and pep and their local policy in at
most 10 s wall time with at most 1.5 GB peak memory on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
CLI = [str(Path(PYTHON).with_name("detainer-model"))]
TABLES = ("people", "convictions", "charges")


def timed(cmd: list[str]) -> tuple[float, int, str]:
    """Run ``cmd``; return wall seconds, peak resident memory in bytes, and standard output."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss * 1024, out


def polars_read(folder: Path, ext: str) -> list[str]:
    reader = "read_csv(p, infer_schema=False)" if ext == "csv" else "read_parquet(p)"
    files = [str(folder / f"{t}.{ext}") for t in TABLES]
    code = f"import polars as pl\nfor p in {files!r}:\n    pl.{reader}\n"
    return [PYTHON, "-c", code]


def batch(folder: Path, ext: str, out: Path) -> list[str]:
    return [
        *CLI,
        "batch",
        str(folder / f"people.{ext}"),
        "--convictions",
        str(folder / f"convictions.{ext}"),
        "--charges",
        str(folder / f"charges.{ext}"),
        "--out",
        str(out),
    ]


def fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least squares ``y = a + b·x``."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    return my - b * mx, b


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--profile", default="booking-cohort")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--formats", nargs="+", choices=["parquet", "csv"], default=["parquet", "csv"])
    ap.add_argument(
        "--workdir", type=Path, default=None, help="keep the cohorts here (default: a temporary folder)"
    )
    args = ap.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-population-"))
    print(f"detainer-model population benchmark: profile {args.profile}, seed {args.seed}, {args.runs} runs")
    print(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; work folder {work}")
    print("times are wall seconds from process start to results on disk; memory is peak resident set size")
    print()
    header = (
        f"{'people':>10} {'format':>8} {'median s':>9} {'min s':>7} {'max s':>7} {'peak MB':>8} "
        f"{'max MB':>7} {'cases':>7} {'polars s':>9} {'ratio':>6} {'people/s':>10}"
    )
    print(header)
    print("-" * len(header))
    measured: dict[str, list[tuple[int, float, float]]] = {}
    for size in args.sizes:
        for ext in args.formats:
            folder = work / f"{args.profile}-{size}-{args.seed}-{ext}"
            if not (folder / f"people.{ext}").exists():
                cmd = [
                    *CLI,
                    "simulate",
                    "--size",
                    str(size),
                    "--seed",
                    str(args.seed),
                    "--profile",
                    args.profile,
                ]
                subprocess.run([*cmd, "--out", str(folder), "--format", ext], check=True, capture_output=True)
            out = folder / f"results.{ext}"
            walls, peaks, cases = [], [], ""
            for _ in range(args.runs):
                wall, peak, text = timed(batch(folder, ext, out))
                walls.append(wall)
                peaks.append(peak)
                found = re.search(r"\(([\d,]+) distinct cases", text)
                cases = found.group(1) if found else "?"
            reads = [timed(polars_read(folder, ext))[0] for _ in range(args.runs)]
            med, read = statistics.median(walls), statistics.median(reads)
            print(
                f"{size:>10,} {ext:>8} {med:>9.2f} {min(walls):>7.2f} {max(walls):>7.2f} "
                f"{statistics.median(peaks) / 1e6:>8.0f} {max(peaks) / 1e6:>7.0f} {cases:>7} {read:>9.2f} "
                f"{med / read:>6.1f} {size / med:>10,.0f}",
                flush=True,
            )
            measured.setdefault(ext, []).append((size, med, max(peaks) / 1e6))
    if len(args.sizes) > 1:
        print()
        print("extrapolation (least squares over the sizes above; time = a + b·n, memory = c + d·n):")
        for ext, rows in measured.items():
            ns = [float(n) for n, _t, _m in rows]
            a, b = fit(ns, [t for _n, t, _m in rows])
            c, d = fit(ns, [m for _n, _t, m in rows])
            ten_m = 10_000_000
            within_time = (10 - a) / b if b > 0 else float("inf")
            within_memory = (1500 - c) / d if d > 0 else float("inf")
            print(
                f"  {ext:>8}: {a:.2f} s + {b * 1e6:.2f} s per million people; "
                f"{c:.0f} MB + {d * 1e6:.0f} MB per million. 10 million people in one run: about "
                f"{a + b * ten_m:.0f} s and {(c + d * ten_m) / 1000:.1f} GB. One run stays within 10 s up to "
                f"about {within_time / 1e6:.1f} million people, within 1.5 GB up to about "
                f"{within_memory / 1e6:.1f} million."
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
