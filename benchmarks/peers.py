"""The in-memory MongoDB peers mim is measured against, side by side in one run.

Each peer is a factory returning a fresh, empty pymongo-like Database.  A
peer that is not installed is reported as missing, never silently dropped.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import time
from collections.abc import Callable
from typing import Any

_counter = itertools.count()


def mim_db() -> Any:
    import mim
    return mim.MongoClient(server=mim.Server())["bench"]


def mongomock_db() -> Any:
    import mongomock
    return mongomock.MongoClient()["bench"]


def ming_mim_db() -> Any:
    from ming import mim as ming_mim
    return ming_mim.Connection()["bench%d" % next(_counter)]


_monty_client: Any = None


def montydb_db() -> Any:
    # montydb configures its BSON mode once per process, so one client serves
    # every run; each run gets a fresh database.
    global _monty_client
    if _monty_client is None:
        from montydb import MontyClient
        _monty_client = MontyClient(":memory:", use_bson=True)
    return _monty_client["bench%d" % next(_counter)]


def mongita_db() -> Any:
    from mongita import MongitaClientMemory
    return MongitaClientMemory()["bench%d" % next(_counter)]


PEERS: dict[str, Callable[[], Any]] = {
    "mim": mim_db,
    "mongomock": mongomock_db,
    "ming.mim": ming_mim_db,
    "montydb": montydb_db,
    "mongita": mongita_db,
}


def available_peers(names: list[str] | None = None) -> dict[str, Callable[[], Any]]:
    chosen = {}
    for name, factory in PEERS.items():
        if names and name not in names:
            continue
        try:
            factory()
        except Exception as exc:  # noqa: BLE001 - report any reason a peer cannot run
            print(f"# peer {name} unavailable: {exc!r}")
            continue
        chosen[name] = factory
    return chosen


def timed(fn: Callable[[], Any], repeat: int = 1) -> float:
    """Best CPU seconds (:func:`time.process_time`, immune to other processes
    holding the shared machine's cores) of ``repeat`` runs of ``fn``."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


#: the pure-Python limit's column: a baseline, not a peer mim is ranked against
LIMIT = "limit"


def print_table(title: str, rows: list[tuple[str, str, dict[str, float | None]]],
                peers: list[str], wrong: set[tuple[str, str]] | frozenset = frozenset()
                ) -> None:
    """rows: (operation, unit, {peer: value}) with values where lower is better;
    prints values, mim's speed-up vs the slowest/fastest peer and, with a
    ``limit`` column, mim's share of the limit (limit time / mim time).
    ``wrong`` holds the (operation, peer) cells whose answers were wrong (``✗``)."""
    _record(title, rows)
    with_limit = LIMIT in peers
    print(f"\n## {title}\n")
    header = ("| operation | unit | " + " | ".join(peers)
              + " | mim speed-up vs slowest/fastest peer |" + (" mim % of limit |" if with_limit
                                                                else ""))
    print(header)
    print("|" + "---|" * (len(peers) + 3 + with_limit))
    for operation, unit, values in rows:
        cells = []
        for peer in peers:
            value = values.get(peer)
            cell = "n/a" if value is None else _fmt(value)
            cells.append(cell + (" ✗" if (operation, peer) in wrong else ""))
        others = [v for p, v in values.items() if p not in ("mim", LIMIT) and v is not None]
        mine = values.get("mim")
        if mine and others:
            speed = f"{max(others) / mine:.1f}x / {min(others) / mine:.2f}x"
        else:
            speed = "-"
        line = f"| {operation} | {unit} | " + " | ".join(cells) + f" | {speed} |"
        if with_limit:
            limit = values.get(LIMIT)
            line += f" {limit / mine * 100:.0f}% |" if mine and limit else " - |"
        print(line)


#: ``python -m benchmarks --against REF`` sets this: where each table's mim column
#: is also written (one JSON line per table), to compare two builds of mim.
RECORD_ENV = "MIM_BENCH_RECORD"


def _record(title: str, rows: list[tuple[str, str, dict[str, float | None]]]) -> None:
    path = os.environ.get(RECORD_ENV)
    if not path:
        return
    # (found, not imported: the peers are measured in processes of their own, which
    # import mim from the same path, benchmarks.isolation)
    spec = importlib.util.find_spec("mim")
    origin = spec.origin if spec is not None else None
    line = {"title": title, "mim": os.path.dirname(origin) if origin else None,
            "rows": [[operation, unit, values.get("mim")] for operation, unit, values in rows]}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.4f}"
