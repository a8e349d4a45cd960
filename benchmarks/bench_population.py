"""Benchmark: a synthetic population from files on disk to results on disk, beside two yardsticks.

Draws a cohort (not timed), then, each in a fresh process, several times: ``detainer-model batch``
on it; polars alone reading the same files; and a hand-written vectorised polars version of the
federal rules (``benchmarks/handwritten_federal.py``). Prints for each size and format the median
CPU time (user + system, so that other work on a shared machine counts less) with the fastest and
slowest run, the median and largest peak resident memory, the distinct cases the engine decided,
and the batch's ratios to polars' read and to the hand-written version. Then checks that the
batch and the hand-written version agree on every federal field (people whose local policy
concludes a federal field itself, such as a 287(g) jail identifying people, are left out of the
check and counted). With several sizes it fits CPU time and memory to ``a + b·n``.

    .venv/bin/python benchmarks/bench_population.py                      # 1,000,000 people, Parquet
    .venv/bin/python benchmarks/bench_population.py --sizes 1000000 5000000 20000000 --runs 1
    .venv/bin/python benchmarks/bench_population.py --profile varied-facts --runs 3
    .venv/bin/python benchmarks/bench_population.py --stages     # and where the batch's CPU goes

Targets (issue 12): 1M people (Parquet, booking cohort) within 1.5x the hand-written version's CPU
time and 8x a polars read; the varied-facts cohort within 3x the hand-written version; peak
memory that does not grow with the number of people (20M people under 3 GB).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

import detainer_model
from detainer_model import load_rules

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
CLI = [str(Path(PYTHON).with_name("detainer-model"))]
HANDWRITTEN = str(ROOT / "benchmarks" / "handwritten_federal.py")
TABLES = ("people", "convictions", "charges")
FEDERAL_FIELDS = ("identified", "removable", "priorities", "sc_level", "request", "form")


# Each command is started by this small wrapper, which reports the command's own CPU time and peak
# memory as JSON on its last line of standard error. Started straight from this process, a command
# would report this process's memory as its own: Linux keeps, as a child's peak, the high-water
# mark of the image it replaced at exec, and subprocess starts children with vfork, sharing this
# process's memory (which holds polars and, after each size, the results it checks) until then.
WRAPPER = """
import json, os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:])
_pid, status, usage = os.wait4(proc.pid, 0)
code = os.waitstatus_to_exitcode(status)
cpu = usage.ru_utime + usage.ru_stime
print(json.dumps({"cpu": cpu, "kb": usage.ru_maxrss, "code": code}), file=sys.stderr)
"""


def timed(cmd: list[str]) -> tuple[float, int, str]:
    """Run ``cmd``; return its CPU seconds (user + system), peak resident bytes and standard output."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        subprocess.run([PYTHON, "-S", "-c", WRAPPER, *cmd], stdout=out, stderr=err, text=True, check=True)
        out.seek(0)
        err.seek(0)
        *messages, last = err.read().splitlines() or [""]
        usage = json.loads(last)
        if usage["code"] != 0:
            raise SystemExit(f"command failed ({usage['code']}): {' '.join(cmd)}\n" + "\n".join(messages))
        return usage["cpu"], usage["kb"] * 1024, out.read()


def byte_compiled() -> str:
    """Byte-compile the package, as installing it does, so that no run pays for compiling its
    sources (where PYTHONDONTWRITEBYTECODE is set, every process would: about 0.25 s).
    Python reads the compiled files whatever that variable says."""
    folder = Path(detainer_model.__file__).parent
    done = subprocess.run([PYTHON, "-m", "compileall", "-q", str(folder)], check=False)
    return f"{folder} ({'done' if done.returncode == 0 else 'failed: runs compile their sources'})"


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


# Run in a fresh process by ``--stages``: the batch in-process, CPU time read at each stage its
# progress callbacks announce (a streamed batch announces each part's stages; they are summed).
STAGES = """
import json, resource, sys
from pathlib import Path


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


from detainer_model.cli import as_command

as_command()  # as `detainer-model` sets itself up, before numpy is imported
import detainer_model.cli.batch  # everything `detainer-model batch` imports
from detainer_model import load_rules
from detainer_model.population import run_batch
from detainer_model.population.batch import Progress

marks = [("start-up: Python and imports", 0.0), ("loading the rules", cpu())]


class Timed(Progress):
    def stage(self, name, total=None):
        marks.append((name.split(" people ")[0], cpu()))


folder, ext, out, *regimes = sys.argv[1:]
tables = {t: Path(folder) / f"{t}.{ext}" for t in ("people", "convictions", "charges")}
lib = load_rules()
run_batch(lib, tables["people"], Path(out), convictions=tables["convictions"], charges=tables["charges"],
          regimes=regimes, progress=Timed())
marks.append(("", cpu()))
spent = {}
for (name, start), (_next, end) in zip(marks, marks[1:]):
    spent[name] = spent.get(name, 0.0) + end - start
print(json.dumps(spent))
"""


def stages(folder: Path, ext: str, regimes: list[str]) -> dict[str, float]:
    """CPU seconds of each stage of one batch run in a fresh process (:data:`STAGES`)."""
    out = folder / f"stages-results.{ext}"
    try:
        cpu, _peak, text = timed([PYTHON, "-c", STAGES, str(folder), ext, str(out), *regimes])
    finally:
        out.unlink(missing_ok=True)
    spent: dict[str, float] = json.loads(text.splitlines()[-1])
    # the process's CPU before its first line ran (the interpreter starting) counts as start-up
    spent["start-up: Python and imports"] += cpu - sum(spent.values())
    return spent


def fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least squares ``y = a + b·x``."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    return my - b * mx, b


def handwritten(folder: Path, ext: str, out: Path, regimes: list[str]) -> list[str]:
    return [PYTHON, HANDWRITTEN, *(str(folder / f"{t}.{ext}") for t in TABLES), str(out), *regimes]


def disagreements(results: Path, hand: Path) -> tuple[int, int, int]:
    """Rows checked, rows where a federal field differs, and rows left out (a local policy decides one)."""
    lib = load_rules()
    own = sorted(
        rs.id
        for rs in lib.rulesets.values()
        if rs.level == "local" and any(set(r.rule.then) & set(FEDERAL_FIELDS) for r in rs.rules)
    )
    model = pl.scan_parquet(results).with_columns(pl.col("regime", "jurisdiction").cast(pl.String))
    cols = [pl.col(c).cast(pl.String).fill_null("null") for c in FEDERAL_FIELDS]
    a = model.filter(~pl.col("jurisdiction").is_in(own)).select("person_id", "regime", *cols)
    b = pl.scan_parquet(hand).select("person_id", "regime", *cols)
    differ = pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_hand")) for c in FEDERAL_FIELDS)
    # a few million rows at a time (people picked by a hash of their id): joined whole, the results
    # of 20 million people took more than the machine's 24 GB (and 13.6 GB on polars' streaming engine)
    groups = max(1, model.select(pl.len()).collect().item() // 4_000_000)
    rows = differing = 0
    for g in range(groups):
        picked = pl.col("person_id").hash(seed=0) % groups == g
        joined = a.filter(picked).join(
            b.filter(picked), on=["person_id", "regime"], how="left", suffix="_hand"
        )
        n, d = joined.select(rows=pl.len(), differ=differ.sum()).collect().row(0)
        rows, differing = rows + n, differing + d
    left_out = model.filter(pl.col("jurisdiction").is_in(own)).select(pl.len()).collect().item()
    return rows, differing, left_out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--profile", default="booking-cohort")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--formats", nargs="+", choices=["parquet", "csv"], default=["parquet"])
    ap.add_argument(
        "--regimes",
        nargs="+",
        default=["secure-communities", "pep"],
        help="regimes for `batch` and the hand-written version (auto, an era, era:reading)",
    )
    ap.add_argument("--batch-args", nargs="*", default=[], help="extra arguments for `batch`")
    ap.add_argument(
        "--workdir", type=Path, default=None, help="keep the cohorts here (default: a temporary folder)"
    )
    ap.add_argument(
        "--stages",
        action="store_true",
        help="then, at the first size, where a batch's CPU time goes, stage by stage (one more run)",
    )
    args = ap.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-population-"))
    compiled = byte_compiled()
    print(f"detainer-model population benchmark: profile {args.profile}, seed {args.seed}, {args.runs} runs")
    print(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; work folder {work}")
    print(
        "CPU seconds (user + system) of a fresh process from start to results on disk; peak resident memory"
    )
    print(f"the package's modules byte-compiled first, as an install leaves them: {compiled}")
    print()
    header = (
        f"{'people':>10} {'format':>7} {'batch s':>8} {'min':>6} {'max':>6} {'peak MB':>8} {'inputs':>8} "
        f"{'read s':>7} {'÷read':>6} {'hand s':>7} {'÷hand':>6} {'hand MB':>8} {'people/s':>9}"
    )
    print(header)
    print("-" * len(header))
    measured: dict[str, list[tuple[int, float, float]]] = {}
    checks = []
    breakdowns: list[tuple[int, str, float, float, float, dict[str, float]]] = []
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
            cpus, peaks, cases = [], [], "?"
            for _ in range(args.runs):
                regime_args = [a for r in args.regimes for a in ("--regime", r)]
                cpu, peak, text = timed([*batch(folder, ext, out), *regime_args, *args.batch_args])
                cpus.append(cpu)
                peaks.append(peak)
                found = re.search(r"\(([\d,]+)\s+distinct\s+stratum\s+inputs", text)
                cases = found.group(1) if found else "?"
            reads = [timed(polars_read(folder, ext))[0] for _ in range(args.runs)]
            hand_runs = (
                [
                    timed(handwritten(folder, ext, folder / "hand.parquet", args.regimes))
                    for _ in range(args.runs)
                ]
                if ext == "parquet"
                else []
            )
            med, read = statistics.median(cpus), statistics.median(reads)
            hand = statistics.median(h[0] for h in hand_runs) if hand_runs else float("nan")
            hand_mb = max(h[1] for h in hand_runs) / 1e6 if hand_runs else float("nan")
            print(
                f"{size:>10,} {ext:>7} {med:>8.2f} {min(cpus):>6.2f} {max(cpus):>6.2f} "
                f"{max(peaks) / 1e6:>8.0f} {cases:>8} {read:>7.2f} {med / read:>6.1f} {hand:>7.2f} "
                f"{med / hand:>6.2f} {hand_mb:>8.0f} {size / med:>9,.0f}",
                flush=True,
            )
            measured.setdefault(ext, []).append((size, med, max(peaks) / 1e6))
            if args.stages and size == args.sizes[0]:
                breakdowns.append((size, ext, med, read, hand, stages(folder, ext, args.regimes)))
            if hand_runs and ext == "parquet" and args.batch_args == []:
                checks.append((size, *disagreements(out, folder / "hand.parquet")))
    for size, rows, differ, left_out in checks:
        share = 100 * (rows - differ) / rows if rows else float("nan")
        print(
            f"agreement with the hand-written version at {size:,} people ({', '.join(args.regimes)}): "
            f"{rows:,} result rows checked on {', '.join(FEDERAL_FIELDS)}; {differ:,} differ "
            f"({share:.3f}% agree); {left_out:,} rows left out (their local policy decides a federal field)"
        )
    for size, ext, med, read, hand, spent in breakdowns:
        print()
        total = sum(spent.values())
        print(f"where a batch's CPU goes at {size:,} people ({ext}; one more run, in a fresh process):")
        for name, secs in spent.items():
            print(f"  {name:<45} {secs:>6.2f} s  {100 * secs / total:>4.0f}%")
        print(
            f"  {'total':<45} {total:>6.2f} s        (the timed runs' median {med:.2f} s; "
            f"polars' read {read:.2f} s, 8x it {8 * read:.2f} s; the hand-written version {hand:.2f} s)"
        )
    if len(args.sizes) > 1:
        print()
        print("fit over the sizes above (CPU time = a + b·n, peak memory = c + d·n):")
        for ext, rows in measured.items():
            ns = [float(n) for n, _t, _m in rows]
            a, b = fit(ns, [t for _n, t, _m in rows])
            c, d = fit(ns, [m for _n, _t, m in rows])
            print(
                f"  {ext:>8}: {a:.2f} s + {b * 1e6:.2f} s per million people; "
                f"{c:.0f} MB + {d * 1e6:.0f} MB per million; 100 million people: about "
                f"{(a + b * 1e8) / 60:.0f} CPU minutes"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
