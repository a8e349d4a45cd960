"""Teaching tools speed: what-if searches, explanations and coverage on the shipped scenarios.

    .venv/bin/python benchmarks/bench_teaching.py [--runs 3] [--max-changes 2]

For every shipped case under its own place and both regimes, times one what-if search (singles,
then pairs where needed, every reported change confirmed on the rule engine) and one explanation,
and prints medians and the slowest case; then times a coverage report of all of scenarios/.
Prints figures only; it asserts nothing. The machines are shared and noisy: quote medians.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from detainer_model import load_rules, load_scenarios
from detainer_model.teaching.coverage import coverage
from detainer_model.teaching.explain import explain
from detainer_model.teaching.whatif import what_if

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-changes", type=int, default=2, choices=(1, 2))
    args = parser.parse_args()

    lib = load_rules()
    scenarios = load_scenarios(ROOT / "scenarios", lib)
    cases = [c for s in scenarios for c in s.cases]
    what_if(cases[0], rules=lib)  # warm the engine's rulesets

    searches: list[tuple[float, str, int]] = []
    for case in cases:
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            found = what_if(case, rules=lib, max_changes=args.max_changes)
            times.append(time.perf_counter() - t)
        tried = sum(r.tried for r in found.results)
        searches.append((statistics.median(times), case.id, tried))
    secs = sorted(s for s, _, _ in searches)
    slowest = max(searches)
    print(f"what-if, {len(cases)} cases x both regimes, --max-changes {args.max_changes}:")
    print(
        f"  median {statistics.median(secs) * 1000:.0f} ms per case, 90th percentile "
        f"{secs[int(0.9 * (len(secs) - 1))] * 1000:.0f} ms, slowest {slowest[0] * 1000:.0f} ms "
        f"({slowest[1]}, {slowest[2]} variants tried)"
    )

    spans = []
    for case in cases:
        t = time.perf_counter()
        for regime in lib.regimes:
            explain(case, regime, rules=lib).to_dict()
        spans.append((time.perf_counter() - t) / len(lib.regimes))
    print(f"explain: median {statistics.median(spans) * 1000:.1f} ms per decision")

    t = time.perf_counter()
    cov = coverage(scenarios, lib)
    print(f"coverage of scenarios/: {time.perf_counter() - t:.2f} s for {cov.evaluations} evaluations")


if __name__ == "__main__":
    main()
