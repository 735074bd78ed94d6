"""What the ``maxTimeMS`` checks and the finer locking cost (issue 16's target:
at most 5% on ``bench_core`` at 10k documents).

``python -m benchmarks --guards`` runs ``bench_core`` twice per round, alternately,
from this same tree: once as mim is, once with :func:`install_noops` applied in
the benchmark's process (the variable :data:`NO_GUARDS_ENV` set), and prints both
columns with the change.  :func:`install_noops` replaces, in every loaded module
of the engine:

* the deadline checks of :mod:`mim.engine.values.deadline` — ``checked`` (the
  scans' and pipelines' iterator wrapper), ``check`` (``$densify``'s), the
  regex ``regex_search`` (a plain ``compiled.search``) and ``active`` (a cursor
  remembering its command had a deadline) — by functions that check nothing;
* the finer locking of the planner — ``let_go`` (a long read releasing the server
  lock part-way) does nothing, so the lock is held until the read's caller
  releases it at the end as a single coarse lock would be, and a planned
  query's documents are read without the clock checks that decide when to
  release it (``PlannedQuery.documents`` called without its ``held`` lock).

The no-op build pays one more Python call per planned query (the wrapper that
drops ``held``), so the change it shows slightly understates what the guards cost.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable
from typing import Any

__all__ = ["NO_GUARDS_ENV", "install_noops"]

#: set in a benchmark's environment: the guards are no-ops in that process
NO_GUARDS_ENV = "MIM_BENCH_NO_GUARDS"


def _unchecked(items: Iterable[Any]) -> Iterable[Any]:
    return items


def _no_check() -> None:
    return None


def _plain_search(compiled: Any) -> Any:
    return compiled.search


def _never_timed() -> bool:
    return False


def _keep_lock(held: list) -> None:
    return None


def install_noops() -> None:
    """Replace the deadline checks and the planner's lock releases by no-ops in
    every loaded ``mim.engine`` module (see the module docstring).  The engine is
    imported here, not with this module: ``--against REF`` runs this benchmark code
    with older builds of mim, which have no such modules."""
    plans = importlib.import_module("mim.engine.planner.plans")
    deadline = importlib.import_module("mim.engine.values.deadline")
    replacements = {
        deadline.checked: _unchecked,
        deadline.check: _no_check,
        deadline.regex_search: _plain_search,
        deadline.active: _never_timed,
        plans.let_go: _keep_lock,
    }
    for name, module in list(sys.modules.items()):
        if not name.startswith("mim.engine") or module is None:
            continue
        for attribute, value in list(vars(module).items()):
            try:
                replacement = replacements.get(value)
            except TypeError:  # an unhashable value: not one of the guards
                continue
            if replacement is not None:
                setattr(module, attribute, replacement)
    documents = plans.PlannedQuery.documents

    def documents_held_throughout(self: Any, held: list | None = None) -> Any:
        return documents(self, None)

    plans.PlannedQuery.documents = documents_held_throughout  # type: ignore[method-assign]
