"""The query planner: choose how to find a query's documents, and explain it.

A compiled filter (:mod:`~mim.engine.languages.matcher`) is turned into index bounds
per field — equality, ``$in``, ranges within one type bracket, ``null`` and
``$exists``, conjunctions (``$and``), and ``$or`` with one index per branch.
Every candidate plan's cost is the exact number of index keys inside its
bounds (a ``SortedList`` counts a range in O(log n)), adjusted when an index
also provides the requested sort order so that ``limit`` becomes a top-k
scan.  The cheapest plan wins; a collection scan is always a candidate.

Whatever the plan, every document it yields is re-checked by the full
matcher: an index can make a query faster, never change its answer.

The package follows those steps: :mod:`.bounds` (filter -> key intervals),
:mod:`.plans` (the scans and running them), :mod:`.choosing` (candidates and
costs) and :mod:`.explain` (the reply in MongoDB's shape).
"""

from .bounds import Constraint, conjuncts, constraints_by_path, leaf_constraint
from .choosing import choose_plan, plan_find
from .explain import explain_find
from .plans import CollScan, IdLookup, IndexScan, OrPlan, Plan, PlannedQuery, let_go
from .reading import (all_matching, candidates, point_matches, point_reads, first_matching, matching, plan_summary, read, read_snapshot, read_with_plan,
                      scanned_key_pattern)

__all__ = ["read", "read_with_plan", "point_matches", "point_reads", "let_go", "plan_summary", "read_snapshot", "scanned_key_pattern", "matching", "all_matching", "first_matching", "candidates", "plan_find", "explain_find", "PlannedQuery", "choose_plan",
           "Constraint", "conjuncts", "constraints_by_path", "leaf_constraint",
           "Plan", "CollScan", "IdLookup", "IndexScan", "OrPlan"]
