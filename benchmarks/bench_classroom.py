"""The CLI on a projector: `run scenarios/` as a summary against the full derivation, and a bounded
what-if on a case with hundreds of convictions.

    .venv/bin/python benchmarks/bench_classroom.py [--runs 5] [--convictions 300] [--time-limit 20]

Times the `run scenarios/` command in-process (evaluation and rendering, rules already loaded),
once with the default one-line-per-case summary and once with --detail, and prints the medians,
their ratio and the lines each prints; then times one what-if search on a synthetic case with N
convictions under the time limit, and prints how many variants it tried and whether it finished.
Prints figures only; it asserts nothing. The machines are shared and noisy: quote medians.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import time
from pathlib import Path

from detainer_model import load_rules, parse_scenario_text
from detainer_model.cli import main as cli_main
from detainer_model.teaching.whatif import what_if

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> tuple[float, int]:
    buf = io.StringIO()
    started = time.process_time()
    with contextlib.redirect_stdout(buf):
        cli_main(["run", str(ROOT / "scenarios"), *args])
    return time.process_time() - started, len(buf.getvalue().splitlines())


def _big_case(n: int) -> str:
    rows = []
    for i in range(n):
        level = ("felony", "misdemeanor", "misdemeanor", "minor_traffic")[i % 4]
        kind = ", kinds: [dui]" if level == "misdemeanor" and i % 3 == 0 else ""
        rows.append(
            f"      - {{offense: Offense {i}, date: {1990 + i % 25}-0{1 + i % 8}-1{i % 10}, level: {level}"
            f"{kind}, custody_days: {(i * 37) % 400}, incident: inc-{i // 2}}}"
        )
    return (
        "title: big\ncases:\n  - id: many\n    title: many convictions\n    booking_date: 2015-09-01\n"
        "    jurisdiction: california-trust-act-2014\n    person: {status: unauthorized, age: 40}\n"
        "    convictions:\n" + "\n".join(rows) + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--convictions", type=int, default=300)
    parser.add_argument("--time-limit", type=float, default=20.0)
    args = parser.parse_args()
    os.environ["COLUMNS"] = "80"
    lib = load_rules()
    _run()  # warm: rules loaded, engine rulesets compiled
    summary = [_run() for _ in range(args.runs)]
    detail = [_run("--detail") for _ in range(args.runs)]
    s_cpu = statistics.median(t for t, _ in summary)
    d_cpu = statistics.median(t for t, _ in detail)
    print(f"run scenarios/ (CPU seconds, median of {args.runs}, in-process, COLUMNS=80)")
    print(f"  summary (default): {s_cpu:6.2f} s  {summary[0][1]:6d} lines")
    print(f"  --detail:          {d_cpu:6.2f} s  {detail[0][1]:6d} lines")
    print(f"  ratio summary/detail: {s_cpu / d_cpu:.2f} (lines {summary[0][1] / detail[0][1]:.3f})")

    case = parse_scenario_text(_big_case(args.convictions), rules=lib).scenario.cases[0]
    started = time.perf_counter()
    found = what_if(case, rules=lib, time_limit=args.time_limit)
    took = time.perf_counter() - started
    print(f"whatif on {args.convictions} convictions, --time-limit {args.time_limit:g}: {took:.1f} s wall")
    for r in found.results:
        state = "complete" if r.complete else "stopped at its bound"
        print(f"  {r.label}: {r.tried:,} variants, {len(r.options)} options, {state}")


if __name__ == "__main__":
    main()
