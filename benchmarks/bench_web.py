"""The web app under a class: evaluations per second and page times with 30 simulated students.

    .venv/bin/python benchmarks/bench_web.py [--students 30] [--requests 20] [--runs 3] [--cold]

Starts ``detainer-model serve`` on 127.0.0.1 and a free port in a separate process (so the
simulated students do not share the server's interpreter lock), then each simulated
student, in its own thread with its own connection, opens ``--requests`` compare pages (the
builder's side-by-side result for a shipped case under every regime) and posts as many
``/api/evaluate`` requests. The same is done by one student alone for comparison. The server
keeps the result pages it has made, and the cases are opened once before measuring, so the
figures are for pages a class opens again; with ``--cold`` every page is a case the server has
not seen (a shipped case under a fresh id), so each is evaluated, explained and rendered. Loopback only,
and a bounded number of requests. Prints figures (medians over runs) and ratios; asserts nothing.
The machines are shared and noisy: quote medians and ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2

from detainer_model import load_rules, load_scenarios
from detainer_model.web.casecodec import case_data, encode
from detainer_model.web.server import free_port

ROOT = Path(__file__).resolve().parents[1]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def one_run(
    url: str, cases: list[dict], students: int, requests: int, think: float = 0.0, cold: str = ""
) -> tuple[list[float], list[float], float]:
    """(compare page times, evaluate times, evaluations per second) for one class."""
    pages: list[float] = []
    evals: list[float] = []
    lock = threading.Lock()
    failures: list[str] = []

    def student(k: int) -> None:
        mine_p, mine_e = [], []
        with httpx2.Client(base_url=url, timeout=60) as client:
            for i in range(requests):
                case = cases[(k * requests + i) % len(cases)]
                if cold:  # a fresh id: a page the server has not made
                    case = {**case, "id": f"{case['id']}-{cold}-{k}-{i}"}
                t = time.perf_counter()
                r = client.get(f"/builder?c={encode(case)}")
                mine_p.append(time.perf_counter() - t)
                t = time.perf_counter()
                e = client.post("/api/evaluate", json={"case": case, "regime": "pep"})
                mine_e.append(time.perf_counter() - t)
                if think:
                    time.sleep(think)
                if r.status_code != 200 or e.status_code != 200:
                    failures.append(f"{r.status_code}/{e.status_code}")
        with lock:
            pages.extend(mine_p)
            evals.extend(mine_e)

    threads = [threading.Thread(target=student, args=(k,)) for k in range(students)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. {failures[0]}")
    # every compare page evaluates the case under each regime, and each API call once
    return pages, evals, elapsed


@contextlib.contextmanager
def served() -> Iterator[str]:
    """``detainer-model serve`` in a child process on a free loopback port; stopped afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    child = subprocess.Popen(
        [sys.executable, "-m", "detainer_model", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx2.get(url + "/", timeout=2)
                break
            except httpx2.TransportError:
                if child.poll() is not None or time.monotonic() > deadline:
                    err = child.stderr.read().decode() if child.stderr else ""
                    raise SystemExit(f"the server did not start: {err}") from None
                time.sleep(0.2)
        yield url
    finally:
        child.terminate()
        child.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--requests", type=int, default=20, help="compare pages (and API calls) per student")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--think", type=float, default=0.0, help="seconds a student waits between requests (0: flat out)"
    )
    parser.add_argument(
        "--cold", action="store_true", help="every page a case the server has not seen (no cached pages)"
    )
    args = parser.parse_args()

    lib = load_rules()
    cases = [case_data(c) for s in load_scenarios(ROOT / "scenarios", lib) for c in s.cases]
    per_page = len(lib.regimes)
    with served() as url:
        with httpx2.Client(base_url=url) as warm:
            for case in cases:
                warm.get(f"/builder?c={encode(case)}")
        figures: dict[int, list[tuple[float, float, float, float]]] = {}
        for n in (1, args.students):
            figures[n] = []
            for _ in range(args.runs):
                tag = f"n{n}r{len(figures[n])}" if args.cold else ""
                pages, evals, elapsed = one_run(url, cases, n, args.requests, args.think, tag)
                evaluations = n * args.requests * (per_page + 1)
                figures[n].append((p95(pages), statistics.median(pages), evaluations / elapsed, p95(evals)))
    print(
        f"cases: {len(cases)} shipped, regimes per compare page: {per_page}, requests per student: "
        f"{args.requests} pages + {args.requests} API evaluations, runs: {args.runs}, "
        f"pages: {'cold (each case new to the server)' if args.cold else 'warm (cases opened before)'}"
    )
    for n, runs in figures.items():
        p95s, medians, rates, api = (statistics.median(x) for x in zip(*runs, strict=True))
        who = f"{n:>2} student{'s' if n > 1 else ' '}"
        print(
            f"{who}: compare page p95 {1000 * p95s:,.0f} ms (median {1000 * medians:,.0f} ms), "
            f"/api/evaluate p95 {1000 * api:,.0f} ms; {rates:,.0f} evaluations/s"
        )
    one, many = figures[1], figures[args.students]
    print(
        f"ratio {args.students} students / 1 student: p95 page time x"
        f"{statistics.median(r[0] for r in many) / statistics.median(r[0] for r in one):.1f}, "
        f"throughput x{statistics.median(r[2] for r in many) / statistics.median(r[2] for r in one):.2f} "
        f"(the engine is serialised, so throughput is shared, not multiplied)"
    )
    target = statistics.median(r[0] for r in many)
    print(f"compare page p95 under {args.students} students: {1000 * target:,.0f} ms (target: under 200 ms)")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine load average during the run: {load:.1f} on {os.cpu_count()} cores; "
        f"think time {args.think:g} s"
    )


if __name__ == "__main__":
    main()
