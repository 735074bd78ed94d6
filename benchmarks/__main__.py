"""Every benchmark, one after another: ``python -m benchmarks [--quick]``.

Each script prints its own table with mim and its peers (mongomock, montydb,
mongita; Ming's MIM where it runs) and the pure-Python limit measured side by
side in the same run.  ``--quick`` shrinks the data
sets so the whole tour takes a few minutes; the full sizes are the ones the
issues' targets are stated at (100,000 documents).

``--against REF`` measures mim as it is and mim at git ref ``REF`` in the same
run: ``REF`` is checked out in a temporary ``git worktree`` and the same
benchmark code runs once with each ``mim`` importable (a subprocess each), then a
table shows both columns and the change.  Only mim is measured then (no peers);
``--only bench_core`` limits the run to some of the scripts.

``--guards`` runs ``bench_core`` with this tree's mim as it is and with its
``maxTimeMS`` checks and finer locking replaced by no-ops (:mod:`benchmarks.guards`),
alternately, and shows both columns: what those guards cost.

``--large`` runs only ``bench_large``: a million documents (load time, resident
memory, the indexed / unindexed / aggregation rows at that size).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

from .guards import NO_GUARDS_ENV
from .isolation import rotations
from .peers import RECORD_ENV

FULL = [
    ("benchmarks.bench_core", ["--docs", "10000"]),
    ("benchmarks.bench_memory", ["--docs", "10000,100000"]),
    ("benchmarks.bench_indexes", ["--docs", "100000"]),
    ("benchmarks.bench_aggregate", ["--docs", "100000"]),
    ("benchmarks.bench_odm", ["--objects", "10000"]),
    ("benchmarks.bench_wire", ["--seconds", "1"]),
    ("benchmarks.bench_faces", ["--seconds", "1"]),
    ("benchmarks.bench_durable", ["--seconds", "1"]),
    ("benchmarks.bench_geo", ["--points", "10000"]),
    ("benchmarks.bench_text", ["--docs", "100000"]),
    ("benchmarks.bench_collation", ["--docs", "100000"]),
    ("benchmarks.bench_streams", ["--events", "300"]),
    ("benchmarks.bench_scale", ["--sizes", "1000,10000,100000"]),
    ("benchmarks.bench_transactions", []),
]
QUICK = [
    ("benchmarks.bench_core", ["--docs", "2000", "--budget", "0.2"]),
    ("benchmarks.bench_memory", ["--docs", "2000"]),
    ("benchmarks.bench_indexes", ["--docs", "10000", "--no-memory"]),
    ("benchmarks.bench_aggregate", ["--docs", "5000"]),
    ("benchmarks.bench_odm", ["--objects", "2000", "--repeat", "1"]),
    ("benchmarks.bench_wire", ["--seconds", "0.5"]),
    ("benchmarks.bench_faces", ["--seconds", "0.3"]),
    ("benchmarks.bench_durable", ["--seconds", "0.3"]),
    ("benchmarks.bench_geo", ["--points", "2000"]),
    ("benchmarks.bench_text", ["--docs", "5000"]),
    ("benchmarks.bench_collation", ["--docs", "5000"]),
    ("benchmarks.bench_streams", ["--events", "100", "--seconds", "0.3"]),
    ("benchmarks.bench_scale", ["--sizes", "1000,10000", "--budget", "0.2"]),
    ("benchmarks.bench_transactions", ["--rounds", "2"]),
]
#: the scripts whose tables have a ``mim`` column among peers (``--peers mim`` works)
LARGE = [("benchmarks.bench_large", ["--docs", "1000000"])]
WITH_PEERS = {"benchmarks.bench_core", "benchmarks.bench_memory", "benchmarks.bench_indexes", "benchmarks.bench_aggregate"}
#: the project's top-level packages a ref's build of mim is made of
PACKAGES = ("mim", "odm")

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller data sets")
    parser.add_argument("--large", action="store_true",
                        help="only the million-document run (bench_large)")
    parser.add_argument("--against", metavar="REF",
                        help="also measure mim at this git ref, side by side")
    parser.add_argument("--rounds", type=int, default=2,
                        help="with --against: run the builds alternately this many times and "
                             "keep each row's best (the machine's noise hits both alike)")
    parser.add_argument("--guards", action="store_true",
                        help="bench_core with the maxTimeMS checks and the finer locking as "
                             "they are and as no-ops, side by side (benchmarks.guards)")
    parser.add_argument("--only", default="",
                        help="comma-separated scripts to run (e.g. bench_core,bench_indexes)")
    args = parser.parse_args()
    plan = LARGE if args.large else QUICK if args.quick else FULL
    if args.only:
        wanted = {f"benchmarks.{name.strip()}" for name in args.only.split(",") if name.strip()}
        plan = [(module, arguments) for module, arguments in plan if module in wanted]
    if args.guards:
        core = [(module, arguments) for module, arguments in plan
                if module == "benchmarks.bench_core"]
        builds = {"mim": (ROOT, {}), "guards as no-ops": (ROOT, {NO_GUARDS_ENV: "1"})}
        return alternate(core, builds, max(args.rounds, 1))
    if args.against:
        return compare(plan, args.against, max(args.rounds, 1))
    status = 0
    for module, arguments in plan:
        print(f"\n# python -m {module} {' '.join(arguments)}", flush=True)
        status |= subprocess.call([sys.executable, "-m", module, *arguments])
    return status


def compare(plan: list[tuple[str, list[str]]], ref: str, rounds: int) -> int:
    """Run ``plan`` with this tree's mim and with ``ref``'s, alternately ``rounds``
    times; print both columns (each row the best of its rounds)."""
    sha = subprocess.run(["git", "rev-parse", "--verify", f"{ref}^{{commit}}"], cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout.strip()
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="mim-bench-"))
    tree = scratch / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(tree), sha], cwd=ROOT,
                   check=True)
    try:
        # sys.path[0] of ``python -m`` is the working directory: there, this tree's
        # benchmarks sit beside the ref's packages, so only mim (and odm) differ
        other = scratch / "path"
        other.mkdir()
        (other / "benchmarks").symlink_to(ROOT / "benchmarks")
        for package in PACKAGES:
            (other / package).symlink_to(tree / package)
        builds = {"mim (this tree)": (ROOT, {}), f"mim@{ref} ({sha[:7]})": (other, {})}
        return alternate(plan, builds, rounds)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT,
                       check=False)
        shutil.rmtree(scratch, ignore_errors=True)


def alternate(plan: list[tuple[str, list[str]]], builds: dict[str, tuple[pathlib.Path, dict]],
              rounds: int) -> int:
    """Run ``plan`` once per build (a working directory to import mim from and
    extra environment variables), alternately ``rounds`` times; print the first
    two builds' columns side by side (each row the best of its rounds)."""
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="mim-bench-records-"))
    try:
        status = 0
        for module, arguments in plan:
            if module in WITH_PEERS:
                arguments = [*arguments, "--peers", "mim"]
            tables: dict[str, list[dict]] = {}
            labels = list(builds)
            # (A B, B A, A B, …: neither build always measured first, benchmarks.isolation)
            for round_number, order in enumerate(rotations(labels, rounds)):
                for label in order:
                    cwd, extra = builds[label]
                    index = labels.index(label)
                    record = scratch / f"{module}-{index}-{round_number}.jsonl"
                    print(f"\n# {label}, round {round_number + 1}/{rounds}: "
                          f"python -m {module} {' '.join(arguments)}", flush=True)
                    env = {**os.environ, **extra, RECORD_ENV: str(record)}
                    status |= subprocess.call([sys.executable, "-m", module, *arguments],
                                              cwd=cwd, env=env)
                    found = ([json.loads(line) for line in record.read_text().splitlines()]
                             if record.exists() else [])
                    tables[label] = best_of(tables.get(label), found)
            print_comparison({label: tables[label] for label in labels if label in tables})
        return status
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def best_of(kept: list[dict] | None, new: list[dict]) -> list[dict]:
    """Tables of two rounds merged row by row, keeping the lower (faster) value."""
    if not kept:
        return new
    for table, other in zip(kept, new):
        fresh = {operation: value for operation, _, value in other["rows"]}
        for row in table["rows"]:
            value = fresh.get(row[0])
            if value is not None and (row[2] is None or value < row[2]):
                row[2] = value
    return kept


def print_comparison(tables: dict[str, list[dict]]) -> None:
    """One table per benchmark table: the two builds' mim columns and the change."""
    (mine_label, mine), (ref_label, theirs) = tables.items()
    for table, other in zip(mine, theirs):
        print(f"\n## {table['title']}: {mine_label} vs {ref_label}\n")
        print(f"(mim imported from {table['mim']} and from {other['mim']})\n")
        print(f"| operation | unit | {mine_label} | {ref_label} | change |")
        print("|---|---|---|---|---|")
        before = {operation: value for operation, _, value in other["rows"]}
        for operation, unit, value in table["rows"]:
            old = before.get(operation)
            change = f"{(value / old - 1) * 100:+.1f}%" if value and old else "-"
            print(f"| {operation} | {unit} | {_cell(value)} | {_cell(old)} | {change} |")


def _cell(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    raise SystemExit(main())
