"""Single-case evaluation speed: cases per second through durable_rules and through the reference
evaluator, on the shipped scenarios, median of several runs.

    .venv/bin/python benchmarks/bench_single_case.py [--runs 7] [--evaluations 4000]

Prints figures only; it asserts nothing. The machines are shared and noisy: quote medians and ratios.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from detainer_model import evaluate, load_rules, load_scenarios
from detainer_model.core.engine import get_engine

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--evaluations", type=int, default=4000)
    args = parser.parse_args()

    lib = load_rules()
    cases = [c for s in load_scenarios(ROOT / "scenarios", lib) for c in s.cases]
    work = [(c, r) for c in cases for r in lib.regimes]
    for case, regime in work:  # warm up: register every ruleset once
        evaluate(case, regime, rules=lib)

    def timed(backend: str) -> float:
        start = time.perf_counter()
        for i in range(args.evaluations):
            case, regime = work[i % len(work)]
            evaluate(case, regime, rules=lib, backend=backend)  # type: ignore[arg-type]
        return args.evaluations / (time.perf_counter() - start)

    figures = {b: [timed(b) for _ in range(args.runs)] for b in ("engine", "reference")}
    engine, reference = (statistics.median(figures[b]) for b in ("engine", "reference"))
    print(
        f"shipped cases: {len(cases)}, regimes: {len(lib.regimes)}, evaluations per run: {args.evaluations}, "
        f"runs: {args.runs}"
    )
    print(
        f"engine (durable_rules): median {engine:,.0f} evaluations/s "
        f"(min {min(figures['engine']):,.0f}, max {max(figures['engine']):,.0f})"
    )
    print(
        f"reference evaluator:    median {reference:,.0f} evaluations/s "
        f"(min {min(figures['reference']):,.0f}, max {max(figures['reference']):,.0f})"
    )
    print(f"ratio reference/engine: {reference / engine:.2f}")
    print(f"engine sessions left holding state: {get_engine().live_sessions()}")


if __name__ == "__main__":
    main()
