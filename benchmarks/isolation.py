"""Every peer measured under the same conditions: its own process, interleaved in time.

Measured one after another in one process, peers do not run under equal
conditions.  Two things differ between them:

* **time**: each peer's rows are taken in their own window of the run, seconds
  or minutes apart.  On a shared machine the CPU time of the same instructions
  changes with what the other processes do (their caches and memory traffic:
  on the benchmark machine an allocation-heavy loop such as an ``insert_one``
  row costs either ~5.5 or ~9.5 µs of CPU per document depending on the moment,
  with an identical instruction count), so a load change between two windows
  is charged to whichever peer ran in the second one;
* **the process's history**: the modules earlier peers imported, the objects
  they left alive (every garbage collection of the oldest generation traverses
  them all) and the state of the allocator after their data was freed.

So each peer is measured in a fresh process of its own (``python -m MODULE
--child PEER``, which imports only that peer), once per round, and the rounds
interleave the peers — ``--rounds 3`` with peers A, B, C runs A B C, B C A,
C A B — so that a quiet or a loaded moment falls on every peer alike; each
row keeps its best (lowest) value over the rounds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from typing import Any

__all__ = ["CHILD_FLAG", "OUT_FLAG", "best_rows", "interleaved", "rotations", "write_result"]

#: the option a benchmark module's ``main`` takes to measure one peer and exit
CHILD_FLAG = "--child"
#: where the child writes its result (one JSON object)
OUT_FLAG = "--out"


def rotations(peers: list[str], rounds: int) -> list[list[str]]:
    """The order of the peers in each round: round ``k`` starts with peer ``k``
    (mod the number of peers), so no peer is always first or always last."""
    if not peers:
        return [[] for _ in range(rounds)]
    return [peers[k % len(peers):] + peers[:k % len(peers)] for k in range(rounds)]


def measure_in_child(module: str, peer: str, arguments: Iterable[str]) -> dict[str, Any] | None:
    """Run ``python -m module --child peer --out FILE *arguments`` and return what it
    wrote (None when it wrote nothing: the child failed and said why on stderr)."""
    handle, path = tempfile.mkstemp(prefix="mim-bench-child-", suffix=".json")
    os.close(handle)
    try:
        status = subprocess.call([sys.executable, "-m", module, CHILD_FLAG, peer,
                                  OUT_FLAG, path, *arguments])
        with open(path, encoding="utf-8") as result:
            text = result.read()
        if status != 0 or not text:
            print(f"# {peer}: the measuring process failed (exit status {status})", flush=True)
            return None
        return json.loads(text)
    finally:
        os.unlink(path)


def interleaved(module: str, peers: list[str], arguments: list[str],
                rounds: int) -> dict[str, list[dict[str, Any]]]:
    """Each peer's results, one per round, measured in its own process per round
    with the peers' order rotated from round to round (:func:`rotations`).
    A peer whose first round reports it ``unavailable`` is not run again."""
    results: dict[str, list[dict[str, Any]]] = {peer: [] for peer in peers}
    unavailable: set[str] = set()
    for number, order in enumerate(rotations(peers, rounds), start=1):
        for peer in order:
            if peer in unavailable:
                continue
            found = measure_in_child(module, peer, arguments)
            if found is None or found.get("unavailable"):
                if found is not None:
                    print(f"# peer {peer} unavailable: {found['unavailable']}", flush=True)
                unavailable.add(peer)
                continue
            results[peer].append(found)
            print(f"# {peer}: round {number}/{rounds} done (pid {found['pid']}, peers' "
                  f"modules loaded: {', '.join(found['loaded']) or 'none'})", flush=True)
    return {peer: found for peer, found in results.items() if found}


def best_rows(rounds: list[dict[str, float | None]]) -> dict[str, float | None]:
    """Row by row, the lowest value over the rounds (None where no round measured
    the row: the peer could not run it)."""
    best: dict[str, float | None] = {}
    for rows in rounds:
        for row, value in rows.items():
            kept = best.get(row)
            if value is None:
                best.setdefault(row, None)
            elif kept is None or value < kept:
                best[row] = value
    return best


def write_result(path: str, result: dict[str, Any]) -> None:
    """A child's result, with its process id and the measured peers' modules it
    had loaded (so a test can check that no other peer was imported there)."""
    loaded = sorted({name.split(".")[0] for name in sys.modules}
                    & {"mim", "mongomock", "montydb", "mongita", "ming"})
    with open(path, "w", encoding="utf-8") as out:
        json.dump({**result, "pid": os.getpid(), "loaded": loaded}, out)
