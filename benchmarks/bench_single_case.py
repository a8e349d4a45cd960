"""Single-case speed: ``compare(case)`` (both regimes) per second on the engine and on the
reference evaluator, on the shipped scenarios, median of several runs, in CPU time.

    .venv/bin/python benchmarks/bench_single_case.py [--runs 5] [--cases 1000]

Four figures, each beside its comparison:

* the engine as shipped (durable_rules' C core, with its memo of the answers it already gave, and
  ``decide``'s memo of the decisions those answers made, by the values each composition reads);
* the engine with decisions made afresh (``decisions_afresh``): every stratum settled again, the
  engine's memo of its answers still on;
* the engine with its memo switched off: every stratum of every case asked afresh;
* the reference evaluator (plain Python over the same compiled rules).

Prints figures only; it asserts nothing. CPU time (``time.process_time``) is used because the
machines are shared: wall time measures the neighbours. Quote medians and ratios.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from detainer_model import compare, load_rules, load_scenarios
from detainer_model.core.engine import get_engine
from detainer_model.core.evaluate import decisions_afresh, decisions_reused

ROOT = Path(__file__).resolve().parents[1]
TARGET = 5000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cases", type=int, default=1000, help="compare() calls per run")
    args = parser.parse_args()

    lib = load_rules()
    cases = [c for s in load_scenarios(ROOT / "scenarios", lib) for c in s.cases]
    engine = get_engine()
    for case in cases:  # warm up: register every ruleset once
        compare(case, rules=lib)

    def rate(call: Callable[[int], object]) -> float:
        start = time.process_time()
        for i in range(args.cases):
            call(i)
        return args.cases / (time.process_time() - start)

    def on_engine(i: int) -> object:
        return compare(cases[i % len(cases)], rules=lib)

    def on_reference(i: int) -> object:
        return compare(cases[i % len(cases)], rules=lib, backend="reference")

    figures: dict[str, list[float]] = {
        "engine": [],
        "engine, decisions afresh": [],
        "engine, no memo": [],
        "reference": [],
    }
    for _ in range(args.runs):
        figures["engine"].append(rate(on_engine))
        with decisions_afresh():
            figures["engine, decisions afresh"].append(rate(on_engine))
        with engine.unmemoised():
            figures["engine, no memo"].append(rate(on_engine))
        figures["reference"].append(rate(on_reference))
    med = {k: statistics.median(v) for k, v in figures.items()}
    print(f"shipped cases: {len(cases)}; compare() calls per run: {args.cases}; runs: {args.runs}; CPU time")
    for k, v in figures.items():
        print(
            f"  {k + ':':26} median {med[k]:7,.0f} cases/s (min {min(v):,.0f}, max {max(v):,.0f})"
            f"  vs reference {med[k] / med['reference']:.2f}x  vs target {TARGET:,}/s {med[k] / TARGET:.2f}x"
        )
    print(
        f"engine sessions opened: {engine.sessions_opened:,}; memo answers reused: {engine.memo_hits:,};"
        f" decisions given again: {decisions_reused():,}"
    )
    print(f"engine sessions left holding state: {engine.live_sessions()}")


if __name__ == "__main__":
    main()
