"""Every benchmark, one after another: ``python -m benchmarks [--quick]``.

Each script prints its own table with mim and its peers (mongomock, Ming's MIM,
montydb) measured side by side in the same run.  ``--quick`` shrinks the data
sets so the whole tour takes a few minutes; the full sizes are the ones the
issues' targets are stated at (100,000 documents).
"""

from __future__ import annotations

import argparse
import subprocess
import sys

FULL = [
    ("benchmarks.bench_core", ["--docs", "10000"]),
    ("benchmarks.bench_indexes", ["--docs", "100000"]),
    ("benchmarks.bench_aggregate", ["--docs", "100000"]),
    ("benchmarks.bench_odm", ["--objects", "10000"]),
    ("benchmarks.bench_wire", ["--seconds", "1"]),
    ("benchmarks.bench_faces", ["--seconds", "1"]),
]
QUICK = [
    ("benchmarks.bench_core", ["--docs", "2000"]),
    ("benchmarks.bench_indexes", ["--docs", "10000", "--no-memory"]),
    ("benchmarks.bench_aggregate", ["--docs", "5000"]),
    ("benchmarks.bench_odm", ["--objects", "2000", "--repeat", "1"]),
    ("benchmarks.bench_wire", ["--seconds", "0.5"]),
    ("benchmarks.bench_faces", ["--seconds", "0.3"]),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller data sets")
    args = parser.parse_args()
    status = 0
    for module, arguments in (QUICK if args.quick else FULL):
        print(f"\n# python -m {module} {' '.join(arguments)}", flush=True)
        status |= subprocess.call([sys.executable, "-m", module, *arguments])
    return status


if __name__ == "__main__":
    raise SystemExit(main())
