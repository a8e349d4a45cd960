"""Measure where durable_rules stops working: the limits ``core.engine`` records and the loader enforces.

Each probe builds one ruleset of a given size through the project's own adapter
(:class:`detainer_model.core.engine.RuleEngine`) and asserts one fact, in a fresh subprocess with
a timeout (the engine can corrupt its heap and die, or hang at 100% CPU ignoring Ctrl-C). A
bisection finds, for each dimension, the largest size that still gives the right answer. Prints
one line per limit beside the value recorded in ``ENGINE_LIMITS`` (``rulebook/enginelimits.py``).

    .venv/bin/python benchmarks/engine_limits.py [--timeout 20] [--only NAME]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import Any

PROBE = r"""
import json, sys
from detainer_model.core.engine import RuleEngine
kind, n = sys.argv[1], int(sys.argv[2])
eng = RuleEngine()
if kind == "firing_rules":      # n distinct rules that all match the fact
    conds = {f"r{i}": {"$gte": {"x": i}} for i in range(n)}
    fact, want = {"x": n}, n
elif kind == "ruleset_rules":   # n rules of which one matches
    conds = {f"r{i}": {"x": i} for i in range(n)}
    fact, want = {"x": n - 1}, 1
elif kind == "or_branches":     # one rule whose condition is an `or` of n comparisons
    conds = {"r": {"$or": [{"x": i} for i in range(n)]}}
    fact, want = {"x": n - 1}, 1
elif kind == "true_branches":   # one rule whose `or` of n comparisons are all true
    conds = {"r": {"$or": [{"$gte": {"x": i}} for i in range(n)]}}
    fact, want = {"x": n}, 1
elif kind == "and_nesting":     # `and`s nested n deep, two terms each
    c = {"x": 1}
    for i in range(n):
        c = {"$and": [c, {"$neq": {"y": i}}]}
    conds = {"r": c}
    fact, want = {"x": 1, "y": -1}, 1
elif kind == "or_of_ands":      # one `or` of n two-term `and`s, one of them true
    conds = {"r": {"$or": [{"$and": [{"x": t}, {"y": t}]} for t in range(n)]}}
    fact, want = {"x": n - 1, "y": n - 1}, 1
elif kind == "expanded":        # (x == 0 or ... x == n-1) and (y == 0 or ... y == n-1): n * n alternatives
    conds = {"r": {"$and": [{"$or": [{k: t} for t in range(n)]} for k in ("x", "y")]}}
    fact, want = {"x": n - 1, "y": 0}, 1
elif kind == "and_terms":       # one rule whose condition is an `and` of n comparisons
    conds = {"r": {"$and": [{"$neq": {"x": i}} for i in range(n)]}}
    fact, want = {"x": -1}, 1
elif kind == "nesting_depth":   # and/or nested n levels deep
    c = {"x": 1}
    for i in range(n):
        c = {"$or": [c, {"y": -i - 5}]} if i % 2 else {"$and": [c, {"y": 1}]}
    conds = {"r": c}
    fact, want = {"x": 1, "y": 1}, 1
elif kind == "fact_fields":     # a fact of n fields, one rule reading every one of them
    conds = {"r": {"$and": [{f"k{i}": 1} for i in range(n)]} if n > 1 else {"k0": 1}}
    fact, want = {f"k{i}": 1 for i in range(n)}, 1
else:
    raise SystemExit("unknown probe")
fired = eng.fire("probe", conds, fact)
print(json.dumps({"fired": len(fired), "want": want}))
"""

PROBES = (
    "firing_rules",
    "ruleset_rules",
    "or_branches",
    "true_branches",
    "or_of_ands",
    "expanded",
    "and_terms",
    "and_nesting",
    "nesting_depth",
    "fact_fields",
)


def attempt(kind: str, n: int, timeout: float) -> tuple[bool, str]:
    """Run one probe of size ``n``: (worked, what happened)."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", PROBE, kind, str(n)], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return False, f"hung (> {timeout:g} s)"
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or [""])[-1][:100]
        return False, f"exit {done.returncode} {tail}"
    got: dict[str, Any] = json.loads(done.stdout)
    if got["fired"] != got["want"]:
        return False, f"wrong answer ({got['fired']} fired, {got['want']} expected)"
    return True, "ok"


def bisect(kind: str, low: int, high: int, timeout: float) -> tuple[int, str]:
    """Largest n in [low, high) that works (low must work, high must fail), and how high fails."""
    ok, how = attempt(kind, high, timeout)
    if ok:
        return high, "no failure found up to here"
    failure = how
    while high - low > 1:
        mid = (low + high) // 2
        ok, how = attempt(kind, mid, timeout)
        if ok:
            low = mid
        else:
            high, failure = mid, how
    return low, f"fails at {high}: {failure}"


def main() -> None:
    from detainer_model.rulebook.enginelimits import ENGINE_LIMITS

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--only", choices=PROBES)
    parser.add_argument("--high", type=int, default=4096)
    args = parser.parse_args()
    print(f"{'dimension':<16} {'largest working':>16} {'recorded limit':>15}  failure above it")
    for kind in PROBES if args.only is None else (args.only,):
        start = time.perf_counter()
        largest, failure = bisect(kind, 1, args.high, args.timeout)
        took = time.perf_counter() - start
        recorded = ENGINE_LIMITS.get(kind, "-")
        print(f"{kind:<16} {largest:>16} {recorded!s:>15}  {failure} [{took:.0f} s]", flush=True)


if __name__ == "__main__":
    main()
