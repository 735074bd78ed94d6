"""Instructions per operation of one ``bench_core`` workload, under callgrind:
the measure of speed that a shared, loaded machine does not blur.

    python -m benchmarks.bench_instructions "find_one _id" [--peers mim,limit,mongita]
        [--docs 10000] [--ops 500]
    python -m benchmarks.bench_instructions "insert_many (1000 per batch)" --ops 10000

For each peer, valgrind's callgrind runs this script in a child process
(``--child``): it loads ``--docs`` documents, warms up (the first operations
compile and cache what the steady state reuses), then runs ``--ops`` operations
of the workload inside one ``functools.reduce`` call; only that call is counted
(``--toggle-collect=functools_reduce``), so the load, imports and interpreter
start-up are left out.  ``PYTHONHASHSEED`` is fixed so runs repeat.

The two insert rows of ``bench_core`` (``insert_one``, ``insert_many (1000 per
batch)``) count instructions per inserted document: ``--ops`` documents of
:func:`~benchmarks.workloads.make_doc` into an empty collection (``insert_many``
in batches of 1000), after a warm-up into another one.

``--keep DIR`` keeps the callgrind files of the measured runs (for
``callgrind_annotate``).  Needs ``valgrind`` on the PATH.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Any

from .limit import LimitStore
from .peers import PEERS
from .workloads import READS, WRITES, Workload, create_indexes, load, make_doc

WORKLOADS: dict[str, Workload] = {w.name: w for w in READS + WRITES}
#: bench_core's insert rows (instructions per inserted document)
INSERT_BATCH = 1000
INSERTS = ("insert_one", f"insert_many ({INSERT_BATCH} per batch)")
_TOTAL = re.compile(r"^(?:summary|totals):\s*(\d+)", re.MULTILINE)


def _child(name: str, workload_name: str, n_docs: int, ops: int) -> None:
    """Load, warm up (the first operations compile and cache what a steady state
    reuses), then run ``ops`` operations of the workload."""
    if workload_name in INSERTS:
        _insert_child(name, workload_name, ops)
        return
    workload = WORKLOADS[workload_name]
    target: Any = LimitStore() if name == "limit" else PEERS[name]()["items"]
    load(target, n_docs)
    create_indexes(target)
    call = workload.limit if name == "limit" else workload.peer
    args = workload.make_args(n_docs, random.Random(workload.name))
    for arguments in args[:20]:
        call(target, *arguments)
    chosen = [args[20 + k % (len(args) - 20)] for k in range(ops)]
    # only what runs inside functools.reduce is counted (--toggle-collect)
    functools.reduce(lambda _, arguments: call(target, *arguments), chosen, None)


def _insert_child(name: str, workload_name: str, ops: int) -> None:
    """Warm up (a few inserts into another collection: the first ones compile and
    cache), then insert ``ops`` documents into an empty one, one by one or in
    batches of :data:`INSERT_BATCH`, as bench_core's insert rows do."""
    def fresh(collection: str) -> Any:
        return LimitStore() if name == "limit" else PEERS[name]()[collection]

    warm = fresh("warm")
    warm.insert_many([make_doc(i) for i in range(100)])
    warm.insert_one(make_doc(100))
    target = fresh("items")
    if workload_name == "insert_one":
        chosen: list[Any] = [make_doc(i) for i in range(ops)]
        call = target.insert_one
    else:
        chosen = [[make_doc(i) for i in range(start, min(ops, start + INSERT_BATCH))]
                  for start in range(0, ops, INSERT_BATCH)]
        call = target.insert_many
    # only what runs inside functools.reduce is counted (--toggle-collect)
    functools.reduce(lambda _, argument: call(argument), chosen, None)


def counted_instructions(module_args: list[str], keep: str | None = None) -> int:
    """The instructions ``python -m <module_args>`` runs inside ``functools.reduce``
    calls, counted by callgrind (``keep``: where to copy the callgrind file)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        env = dict(os.environ, PYTHONHASHSEED="0")
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                        "--collect-atstart=no", "--toggle-collect=functools_reduce",
                        sys.executable, "-m", *module_args],
                       check=True, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        with open(out, encoding="utf-8", errors="replace") as handle:
            match = _TOTAL.search(handle.read())
        if keep:
            os.makedirs(os.path.dirname(keep) or ".", exist_ok=True)
            shutil.copy(out, keep)
    if match is None:
        raise RuntimeError("callgrind wrote no total")
    return int(match.group(1))


def measure(name: str, workload: str, n_docs: int, ops: int, keep: str | None = None) -> float:
    """Instructions per operation of ``workload`` on peer ``name``."""
    safe = re.sub(r"[^A-Za-z0-9$]+", "_", workload)  # ("/" in the aggregate row)
    kept = os.path.join(keep, f"callgrind.{name}.{safe}") if keep else None
    return counted_instructions(["benchmarks.bench_instructions", "--child", name, workload,
                                 "--docs", str(n_docs), "--ops", str(ops)], kept) / ops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    # (argparse %-formats help: a row's "~2%" is escaped)
    parser.add_argument("workload", help="one of: " + ", ".join(
        [*INSERTS, *WORKLOADS]).replace("%", "%%"))
    parser.add_argument("--peers", default="mim,limit,mongita")
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--ops", type=int, default=500)
    parser.add_argument("--keep", default=None, help="directory for the callgrind files")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child:
        _child(args.workload, rest[0], args.docs, args.ops)
        return
    if args.workload not in WORKLOADS and args.workload not in INSERTS:
        parser.error(f"unknown workload {args.workload!r}; "
                     f"one of: {', '.join([*INSERTS, *WORKLOADS])}")
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not on the PATH")
    counts = {}
    for name in [p for p in args.peers.split(",") if p]:
        counts[name] = measure(name, args.workload, args.docs, args.ops, args.keep)
        unit = "doc" if args.workload in INSERTS else "op"
        print(f"{args.workload}\t{name}\t{counts[name]:,.0f} instructions/{unit}", flush=True)
    if "limit" in counts and "mim" in counts:
        print(f"{args.workload}\tmim % of limit\t{100 * counts['limit'] / counts['mim']:.0f}%")


if __name__ == "__main__":
    main()
