"""The query planner: choose how to find a query's documents, and explain it.

A compiled filter (:mod:`~mim.engine.matcher`) is turned into index bounds
per field — equality, ``$in``, ranges within one type bracket, ``null`` and
``$exists``, conjunctions (``$and``), and ``$or`` with one index per branch.
Every candidate plan's cost is the exact number of index keys inside its
bounds (a ``SortedList`` counts a range in O(log n)), adjusted when an index
also provides the requested sort order so that ``limit`` becomes a top-k
scan.  The cheapest plan wins; a collection scan is always a candidate.

Whatever the plan, every document it yields is re-checked by the full
matcher: an index can make a query faster, never change its answer.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.regex import Regex

from .index_keys import FULL, HIGH, LOW, NULL_KEY, Descending, Interval, hashed_key
from .matcher import AndNode, ConstantNode, LeafNode, MatchNode, NotNode, OrNode
from .render import render
from .sorting import parse_sort_spec
from .values import RANK_REGEX, RANK_STRING, canonical_rank, sort_key

if TYPE_CHECKING:
    from .indexes import Index
    from .store import CollectionData, StoredDocument

__all__ = ["candidates_for", "plan_find", "explain_find", "PlannedQuery"]

#: at most this many point combinations are expanded for a compound index
_MAX_POINT_COMBINATIONS = 2000


# ---------------------------------------------------------------------------
# filter -> per-path intervals
# ---------------------------------------------------------------------------


class Constraint:
    """The key intervals one predicate allows on one path (a superset of the
    values it can match), and how to render the bounds."""

    __slots__ = ("path", "intervals", "excludes_missing", "node")

    def __init__(self, path: str, intervals: list[Interval], excludes_missing: bool,
                 node: MatchNode) -> None:
        self.path = path
        self.intervals = intervals
        self.excludes_missing = excludes_missing
        self.node = node


def _bracket(rank: int) -> tuple[tuple, tuple]:
    return (rank,), (rank + 1,)


def _point(value: Any) -> Interval:
    return Interval.point(sort_key(value), value)


def _is_regex(value: Any) -> bool:
    return isinstance(value, (Regex, re.Pattern))


def _regex_intervals() -> list[Interval]:
    lo, hi = _bracket(RANK_STRING)
    rlo, rhi = _bracket(RANK_REGEX)
    return [Interval(lo, True, hi, False, "", {}),
            Interval(rlo, True, rhi, False, Regex("", ""), Regex("", ""))]


def leaf_constraint(node: MatchNode) -> Constraint | None:
    """The bounds a single predicate puts on its path, or None if none usable."""
    if isinstance(node, NotNode):
        inner = node.node
        if node.operator == "$exists" and isinstance(inner, LeafNode):
            # {$exists: false}: only documents whose key is null
            return Constraint(inner.path, [Interval.point(NULL_KEY, None)], False, node)
        return None
    if not isinstance(node, LeafNode) or not node.path:
        return None
    op, arg = node.operator, node.argument
    path = node.path
    if op == "$eq":
        if isinstance(arg, list):
            return None
        return Constraint(path, [_point(arg)], arg is not None, node)
    if op == "$in":
        intervals: list[Interval] = []
        for value in arg:
            if isinstance(value, list):
                return None
            if _is_regex(value):
                intervals.extend(_regex_intervals())
            else:
                intervals.append(_point(value))
        return Constraint(path, _normalise(intervals), all(v is not None for v in arg), node)
    if op in ("$gt", "$gte", "$lt", "$lte"):
        if isinstance(arg, (list, MinKey, MaxKey)) or _is_regex(arg):
            return None
        inclusive = op in ("$gte", "$lte")
        if arg is None:
            if not inclusive:
                return Constraint(path, [], True, node)
            return Constraint(path, [Interval.point(NULL_KEY, None)], False, node)
        key = sort_key(arg)
        if key == (4, 0):  # NaN: only NaN matches $gte/$lte
            return Constraint(path, [Interval.point(key, arg)] if inclusive else [], True, node)
        low, high = _bracket_ends(arg)
        if op in ("$gt", "$gte"):
            return Constraint(path, [Interval(key, inclusive, high.lo, high.lo_inclusive, arg,
                                              high.lo_value)], True, node)
        return Constraint(path, [Interval(low.lo, low.lo_inclusive, key, inclusive,
                                          low.lo_value, arg)], True, node)
    if op == "$regex":
        return Constraint(path, _regex_intervals(), True, node)
    if op == "$exists":
        return Constraint(path, [FULL], True, node)
    return None


def _bracket_ends(arg: Any) -> tuple[Interval, Interval]:
    """The ends of ``arg``'s type bracket (as points: key, inclusivity, and the
    value MongoDB prints in ``indexBounds``)."""
    rank = canonical_rank(arg)
    if rank == 4:
        return (Interval(sort_key(float("-inf")), True, None, True, float("-inf")),
                Interval(sort_key(float("inf")), True, None, True, float("inf")))
    if rank == RANK_STRING:
        return (Interval(sort_key(""), True, None, True, ""),
                Interval((RANK_STRING + 1,), False, None, True, {}))
    if rank == 11:
        from bson.datetime_ms import DatetimeMS
        lowest, highest = DatetimeMS(-(2 ** 63)), DatetimeMS(2 ** 63 - 1)
        return (Interval(sort_key(lowest), True, None, True, lowest),
                Interval(sort_key(highest), True, None, True, highest))
    return (Interval((rank,), True, None, True, MinKey()),
            Interval((rank + 1,), False, None, True, MaxKey()))


def _normalise(intervals: list[Interval]) -> list[Interval]:
    """Sort intervals and merge the overlapping ones."""
    if len(intervals) <= 1:
        return intervals
    intervals = sorted(intervals, key=lambda i: (i.lo, not i.lo_inclusive))
    merged = [intervals[0]]
    for interval in intervals[1:]:
        last = merged[-1]
        if last.hi is HIGH or interval.lo < last.hi or (
                interval.lo == last.hi and (interval.lo_inclusive or last.hi_inclusive)):
            if interval.hi is HIGH or (last.hi is not HIGH and (
                    interval.hi > last.hi or (interval.hi == last.hi and interval.hi_inclusive))):
                merged[-1] = Interval(last.lo, last.lo_inclusive, interval.hi,
                                      interval.hi_inclusive, last.lo_value, interval.hi_value)
            continue
        merged.append(interval)
    return merged


def _intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    out = []
    for x in a:
        for y in b:
            lo, lo_inc, lo_value = _max_lo(x, y)
            hi, hi_inc, hi_value = _min_hi(x, y)
            if lo is not LOW and hi is not HIGH:
                if lo > hi or (lo == hi and not (lo_inc and hi_inc)):
                    continue
            out.append(Interval(lo, lo_inc, hi, hi_inc, lo_value, hi_value))
    return _normalise(out)


def _max_lo(x: Interval, y: Interval) -> tuple[Any, bool, Any]:
    if x.lo is LOW:
        return y.lo, y.lo_inclusive, y.lo_value
    if y.lo is LOW or x.lo > y.lo:
        return x.lo, x.lo_inclusive, x.lo_value
    if y.lo > x.lo:
        return y.lo, y.lo_inclusive, y.lo_value
    return x.lo, x.lo_inclusive and y.lo_inclusive, x.lo_value


def _min_hi(x: Interval, y: Interval) -> tuple[Any, bool, Any]:
    if x.hi is HIGH:
        return y.hi, y.hi_inclusive, y.hi_value
    if y.hi is HIGH or x.hi < y.hi:
        return x.hi, x.hi_inclusive, x.hi_value
    if y.hi < x.hi:
        return y.hi, y.hi_inclusive, y.hi_value
    return x.hi, x.hi_inclusive and y.hi_inclusive, x.hi_value


def conjuncts(node: MatchNode) -> list[MatchNode]:
    """The top-level AND of a filter, flattened."""
    if isinstance(node, AndNode):
        out: list[MatchNode] = []
        for child in node.nodes:
            out.extend(conjuncts(child))
        return out
    return [node]


def constraints_by_path(nodes: list[MatchNode]) -> dict[str, list[Constraint]]:
    by_path: dict[str, list[Constraint]] = {}
    for child in nodes:
        constraint = leaf_constraint(child)
        if constraint is not None:
            by_path.setdefault(constraint.path, []).append(constraint)
    return by_path


# ---------------------------------------------------------------------------
# plans
# ---------------------------------------------------------------------------


class Plan:
    """A way to produce candidate ``_id`` keys; counts what it examines."""

    stage = "?"
    cost: float = 0.0
    provides_sort = False
    #: a full index scan chosen only for the order it yields
    sort_only = False

    def __init__(self) -> None:
        self.keys_examined = 0
        self.docs_examined = 0
        self.returned = 0
        #: ids passed on (an index scan's nReturned)
        self.advanced = 0

    def id_keys(self, coll: "CollectionData") -> Iterator[tuple]:
        raise NotImplementedError


class CollScan(Plan):
    stage = "COLLSCAN"

    def __init__(self, n: int, direction: int = 1) -> None:
        super().__init__()
        self.cost = float(n)
        self.direction = direction

    def documents(self, coll: "CollectionData") -> Iterator["StoredDocument"]:
        values = list(coll.documents.values())
        return iter(values) if self.direction > 0 else reversed(values)


class IdLookup(Plan):
    """Points on ``_id`` through the collection's ``_id`` dict (``_id_`` index)."""

    stage = "IXSCAN"

    def __init__(self, intervals: list[Interval]) -> None:
        super().__init__()
        self.intervals = intervals
        self.cost = float(len(intervals))

    def id_keys(self, coll: "CollectionData") -> Iterator[tuple]:
        documents = coll.documents
        for interval in self.intervals:
            self.keys_examined += 1
            if interval.lo in documents:
                self.advanced += 1
                yield interval.lo


class IndexScan(Plan):
    stage = "IXSCAN"

    def __init__(self, index: "Index", field_intervals: list[list[Interval]],
                 direction: int = 1) -> None:
        super().__init__()
        self.index = index
        self.field_intervals = field_intervals
        self.direction = direction
        self.ranges = _key_ranges(field_intervals, index.pattern.flipped)
        self._cost: float | None = None

    @property
    def cost(self) -> float:  # type: ignore[override]
        """The exact number of keys inside the bounds (counted on first use)."""
        if self._cost is None and len(self.field_intervals) == 1 \
                and self.field_intervals[0] == [FULL]:
            self._cost = float(len(self.index))
        if self._cost is None:
            entries = self.index.entries
            total = 0
            for low, high in self.ranges:
                total += entries.bisect_left(high) - entries.bisect_right(low)
            self._cost = float(total)
        return self._cost

    def id_keys(self, coll: "CollectionData") -> Iterator[tuple]:
        entries = self.index.entries
        ranges = self.ranges if self.direction > 0 else list(reversed(self.ranges))
        reverse = self.direction < 0
        dedupe = self.index.multikey or len(ranges) > 1
        seen: set = set()
        for low, high in ranges:
            for _, id_key in entries.irange(low, high, (False, False), reverse):
                self.keys_examined += 1
                if dedupe:
                    if id_key in seen:
                        continue
                    seen.add(id_key)
                self.advanced += 1
                yield id_key

    def bounds_document(self) -> dict[str, list[str]]:
        """``indexBounds``: per field, the intervals in the order the scan visits them."""
        out: dict[str, list[str]] = {}
        pattern = self.index.pattern
        for i, path in enumerate(pattern.paths):
            intervals = self.field_intervals[i] if i < len(self.field_intervals) else [FULL]
            # a field is walked in reverse when its stored order (reversed for a
            # field stored as Descending) runs against the scan
            if self.direction * (-1 if pattern.flipped[i] else 1) < 0:
                out[path] = [_render_interval(iv, pattern.hashed[i], True)
                             for iv in reversed(intervals)]
            else:
                out[path] = [_render_interval(iv, pattern.hashed[i]) for iv in intervals]
        return out

    @property
    def reported_direction(self) -> str:
        first = self.index.pattern.directions[0]
        sign = -1 if first == -1 else 1
        return "forward" if self.direction * sign > 0 else "backward"


class OrPlan(Plan):
    stage = "OR"

    def __init__(self, children: list[Plan]) -> None:
        super().__init__()
        self.children = children
        self.cost = sum(child.cost for child in children)

    def id_keys(self, coll: "CollectionData") -> Iterator[tuple]:
        seen: set = set()
        for child in self.children:
            for id_key in child.id_keys(coll):
                if id_key in seen:
                    continue
                seen.add(id_key)
                self.advanced += 1
                yield id_key


def _stored_intervals(intervals: list[Interval], flipped: bool) -> list[Interval]:
    """A field's intervals in stored key space (reversed, with
    :class:`Descending` keys, for a field stored in reverse), in stored order."""
    if not flipped:
        return intervals
    out = []
    for iv in reversed(intervals):
        lo = LOW if iv.hi is HIGH else Descending(iv.hi)
        hi = HIGH if iv.lo is LOW else Descending(iv.lo)
        out.append(Interval(lo, iv.hi_inclusive, hi, iv.lo_inclusive))
    return out


def _key_ranges(field_intervals: list[list[Interval]],
                flipped: tuple[bool, ...] = ()) -> list[tuple[tuple, tuple]]:
    """Entry-level (low, high) exclusive bounds for the leading constrained fields:
    every field but the last must be points; the last may be ranges.  Ranges
    come in stored order."""
    if flipped and any(flipped[:len(field_intervals)]):
        field_intervals = [_stored_intervals(f, flipped[i])
                           for i, f in enumerate(field_intervals)]
    *prefix_fields, last = field_intervals
    prefixes = itertools.product(*[[iv.lo for iv in f] for f in prefix_fields])
    ranges = []
    for prefix in prefixes:
        for interval in last:
            if interval.lo is LOW:
                low = (prefix,)
            elif interval.lo_inclusive:
                low = (prefix + (interval.lo,),)
            else:
                low = (prefix + (interval.lo, HIGH),)
            if interval.hi is HIGH:
                high = (prefix + (HIGH,),)
            elif interval.hi_inclusive:
                high = (prefix + (interval.hi, HIGH),)
            else:
                high = (prefix + (interval.hi,),)
            ranges.append((low, high))
    return ranges


def _render_value(value: Any) -> str:
    if isinstance(value, dict) and not value:
        return "{}"
    if isinstance(value, Regex) and not value.pattern:
        return "//"
    return render(value)


def _render_interval(interval: Interval, hashed: bool = False, reverse: bool = False) -> str:
    if interval.lo is LOW and interval.hi is HIGH:
        return "[MaxKey, MinKey]" if reverse else "[MinKey, MaxKey]"
    lo = "MinKey" if interval.lo is LOW else _render_value(interval.lo_value)
    hi = "MaxKey" if interval.hi is HIGH else _render_value(interval.hi_value)
    if hashed and interval.is_point:
        lo = hi = str(interval.lo[1])
    if reverse:
        return (f"{'[' if interval.hi_inclusive else '('}{hi}, {lo}"
                f"{']' if interval.lo_inclusive else ')'}")
    return (f"{'[' if interval.lo_inclusive else '('}{lo}, {hi}"
            f"{']' if interval.hi_inclusive else ')'}")


# ---------------------------------------------------------------------------
# choosing
# ---------------------------------------------------------------------------


def _field_intervals(index: "Index", by_path: dict[str, list[Constraint]]) \
        -> tuple[list[list[Interval]], bool] | None:
    """Bounds on the leading fields of an index, and whether they keep out every
    document a sparse/partial index may lack; None when the first field is free."""
    fields: list[list[Interval]] = []
    excludes_missing = False
    combinations = 1
    pattern = index.pattern
    for i, path in enumerate(pattern.paths):
        constraints = by_path.get(path)
        if not constraints:
            break
        if pattern.hashed[i]:
            points = [c for c in constraints if all(iv.is_point for iv in c.intervals)]
            if not points:
                break
            chosen = points[0]
            intervals = [Interval.point(hashed_key(iv.lo_value), iv.lo_value)
                         for iv in chosen.intervals]
            intervals = _normalise(sorted(intervals, key=lambda iv: iv.lo))
            excludes = chosen.excludes_missing
        elif index.multikey_counts[i] or len(constraints) == 1:
            chosen = min(constraints, key=lambda c: (not all(iv.is_point for iv in c.intervals),
                                                      len(c.intervals)))
            intervals = chosen.intervals
            excludes = chosen.excludes_missing
        else:
            intervals = constraints[0].intervals
            for c in constraints[1:]:
                intervals = _intersect(intervals, c.intervals)
            excludes = any(c.excludes_missing for c in constraints)
        if i == 0:
            excludes_missing = excludes
        all_points = all(iv.is_point for iv in intervals)
        if all_points and intervals:
            if combinations * len(intervals) > _MAX_POINT_COMBINATIONS:
                break
            combinations *= len(intervals)
        fields.append(intervals)
        if not all_points or not intervals:
            break
    if not fields:
        return None
    return fields, excludes_missing


def _partial_implied(index: "Index", nodes: list[MatchNode],
                     by_path: dict[str, list[Constraint]]) -> bool:
    """Whether the query's conjuncts imply the index's partial filter (a
    conservative check: each filter conjunct is a query conjunct, or a range /
    ``$exists`` the query's own bounds on that path satisfy)."""
    for required in conjuncts(index.partial):
        if isinstance(required, ConstantNode) and required.value:
            continue
        if any(_same_predicate(required, n) for n in nodes):
            continue
        rc = leaf_constraint(required)
        if rc is None:
            return False
        ok = False
        for c in by_path.get(rc.path, ()):
            if c.intervals and all(any(_interval_within(iv, r) for r in rc.intervals)
                                   for iv in c.intervals):
                ok = True
                break
        if not ok:
            return False
    return True


def _interval_within(inner: Interval, outer: Interval) -> bool:
    if outer.lo is not LOW:
        if inner.lo is LOW or inner.lo < outer.lo:
            return False
        if inner.lo == outer.lo and inner.lo_inclusive and not outer.lo_inclusive:
            return False
    if outer.hi is not HIGH:
        if inner.hi is HIGH or inner.hi > outer.hi:
            return False
        if inner.hi == outer.hi and inner.hi_inclusive and not outer.hi_inclusive:
            return False
    return True


def _same_predicate(a: MatchNode, b: MatchNode) -> bool:
    if isinstance(a, LeafNode) and isinstance(b, LeafNode):
        if a.path != b.path or a.operator != b.operator:
            return False
        try:
            return sort_key(a.argument) == sort_key(b.argument)
        except TypeError:
            return False
    return False


def _sort_direction(index: "Index", fields: list[list[Interval]] | None,
                    sort: list[tuple[str, int]]) -> int:
    """+1 / -1 when scanning the index (whose entries are stored in the order
    of its first field's direction: ascending keys, a field whose direction
    differs from the first one's stored reversed) forwards / backwards yields
    the sort order, else 0.

    Within bounds whose leading fields are single points, a scan is ordered by
    the fields after them; the sort must name those fields, in order, with
    directions all matching the index's (a forward scan) or all opposite (a
    backward scan) — ``{a: 1, b: -1}`` serves ``{a: 1, b: -1}`` and
    ``{a: -1, b: 1}``, not ``{a: 1, b: 1}``.  A multikey field keeps the order
    only as the single, unbounded sort field (each document is first met at
    its smallest key ascending, its largest descending — exactly its sort key).
    """
    if not sort:
        return 0
    pattern = index.pattern
    if any(pattern.hashed):
        return 0
    fields = fields or []
    equal_prefix = 0
    for intervals in fields:
        if len(intervals) == 1 and intervals[0].is_point:
            equal_prefix += 1
        else:
            break
    for start in range(min(equal_prefix, pattern.fields - 1) + 1):
        if start + len(sort) > pattern.fields:
            break
        if any(pattern.paths[start + j] != path for j, (path, _) in enumerate(sort)):
            continue
        for j in range(len(sort)):
            i = start + j
            if index.multikey_counts[i]:
                bounded = i < len(fields) and fields[i] != [FULL]
                if j > 0 or len(sort) > 1 or bounded:
                    return 0
        scan = 0
        for j, (_, wanted) in enumerate(sort):
            stored = -1 if pattern.flipped[start + j] else 1
            needed = wanted * stored
            if scan and needed != scan:
                scan = 0
                break
            scan = needed
        if scan:
            return scan
    return 0


def _usable(index: "Index", nodes: list[MatchNode], by_path: dict[str, list[Constraint]],
            excludes_missing: bool) -> bool:
    if index.hidden:
        return False
    if index.sparse and not excludes_missing:
        return False
    if index.partial is not None and not _partial_implied(index, nodes, by_path):
        return False
    return True


def _index_plans(coll: "CollectionData", nodes: list[MatchNode],
                 sort: list[tuple[str, int]]) -> list[Plan]:
    by_path = constraints_by_path(nodes)
    plans: list[Plan] = []
    id_constraints = by_path.get("_id")
    id_lookup = False
    if id_constraints and not (sort and sort[0][0] == "_id"):
        # points on _id: the store's dict answers them (the _id_ index);
        # when the sort is on _id, the ordered _id_ index serves both
        for c in id_constraints:
            if c.intervals and all(iv.is_point for iv in c.intervals):
                plans.append(IdLookup(c.intervals))
                id_lookup = True
                break
    id_index = coll.indexes.id_index
    for index in (id_index, *coll.indexes.indexes()):
        if index is id_index and id_lookup:
            continue
        found = _field_intervals(index, by_path)
        if found is None:
            if sort and not index.hidden and not index.sparse and index.partial is None:
                direction = _sort_direction(index, None, sort)
                if direction:
                    scan = IndexScan(index, [[FULL]], direction)
                    scan.provides_sort = True
                    scan.sort_only = True
                    plans.append(scan)
            continue
        fields, excludes_missing = found
        if not _usable(index, nodes, by_path, excludes_missing):
            continue
        direction = _sort_direction(index, fields, sort)
        scan = IndexScan(index, fields, direction or 1)
        scan.provides_sort = bool(direction)
        plans.append(scan)
    return plans


def _or_plan(coll: "CollectionData", nodes: list[MatchNode]) -> Plan | None:
    ors = [n for n in nodes if isinstance(n, OrNode)]
    if not ors:
        return None
    best: Plan | None = None
    for or_node in ors:
        children = []
        for branch in or_node.nodes:
            branch_plans = _index_plans(coll, conjuncts(branch), [])
            if not branch_plans:
                children = None
                break
            children.append(min(branch_plans, key=lambda p: p.cost))
        if children:
            plan = OrPlan(children)
            if best is None or plan.cost < best.cost:
                best = plan
    return best


def choose_plan(coll: "CollectionData", node: MatchNode, sort: list[tuple[str, int]],
                want: int) -> Plan:
    """The cheapest plan for a query (``want``: skip+limit, 0 for all)."""
    nodes = conjuncts(node)
    if any(isinstance(n, ConstantNode) and not n.value for n in nodes):
        return CollScan(0)
    total = len(coll.documents)
    scan = CollScan(total)
    plans: list[Plan] = _index_plans(coll, nodes, sort)
    or_plan = _or_plan(coll, nodes)
    if or_plan is not None:
        plans.append(or_plan)
    if not plans:
        return scan
    if len(plans) == 1 and not plans[0].sort_only and (not sort or plans[0].provides_sort):
        return plans[0]  # as on the server, an index that applies beats a scan
    matches_bound = min([total] + [p.cost for p in plans if not p.sort_only])
    best: Plan = scan
    best_cost = _effective_cost(scan, sort, want, matches_bound)
    for plan in plans:
        cost = _effective_cost(plan, sort, want, matches_bound)
        if cost < best_cost:
            best, best_cost = plan, cost
    return best


def _effective_cost(plan: Plan, sort: list, want: int, matches_bound: float) -> float:
    cost = plan.cost
    if isinstance(plan, CollScan):
        cost *= 1.05  # a scan decodes nothing but still visits everything
    if not sort:
        return cost
    if plan.provides_sort:
        if want:
            return min(cost, want * cost / max(matches_bound, 1.0))
        return cost
    return cost * 1.2 + 1


def _plan_for_hint(coll: "CollectionData", node: MatchNode, hint: Any,
                   sort: list[tuple[str, int]]) -> Plan:
    spec = coll.indexes.resolve_hint(hint)
    if spec["name"] == "$natural":
        return CollScan(len(coll.documents), spec["key"]["$natural"])
    if spec["name"] == "_id_":
        id_points = [p for p in _index_plans(coll, conjuncts(node), sort)
                     if isinstance(p, IdLookup)]
        if id_points:
            return id_points[0]
    index = coll.indexes.by_name(spec["name"])
    by_path = constraints_by_path(conjuncts(node))
    found = _field_intervals(index, by_path)
    fields = found[0] if found is not None else [[FULL]]
    direction = _sort_direction(index, found[0] if found else None, sort)
    scan = IndexScan(index, fields, direction or 1)
    scan.provides_sort = bool(direction)
    return scan


# ---------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------


class PlannedQuery:
    """A chosen plan bound to a query: iterate ``documents()`` for the matches."""

    def __init__(self, coll: "CollectionData", node: MatchNode, plan: Plan) -> None:
        self.coll = coll
        self.node = node
        self.plan = plan
        self.sorted = plan.provides_sort

    def documents(self) -> Iterator["StoredDocument"]:
        matches = self.node.matches
        plan = self.plan
        if isinstance(plan, CollScan):
            for stored in plan.documents(self.coll):
                plan.docs_examined += 1
                if matches(stored.doc):
                    plan.returned += 1
                    yield stored
            return
        documents = self.coll.documents
        for id_key in plan.id_keys(self.coll):
            stored = documents.get(id_key)
            if stored is None:
                continue
            plan.docs_examined += 1
            if matches(stored.doc):
                plan.returned += 1
                yield stored


def plan_find(coll: "CollectionData", node: MatchNode, sort: Any = None, want: int = 0,
              hint: Any = None) -> PlannedQuery | None:
    """The plan for a ``find`` (None: no index could help, scan as usual)."""
    if hint is None and not coll.indexes.has_secondary() and not _uses_id_index(node, sort):
        return None
    sort_fields = parse_sort_spec(sort) if sort else []
    if hint is not None:
        return PlannedQuery(coll, node, _plan_for_hint(coll, node, hint, sort_fields))
    plan = choose_plan(coll, node, sort_fields, want)
    if isinstance(plan, CollScan):
        return None
    return PlannedQuery(coll, node, plan)


_ID_RANGE_OPERATORS = frozenset({"$gt", "$gte", "$lt", "$lte", "$in"})


def _uses_id_index(node: MatchNode, sort: Any) -> bool:
    """Whether, with no secondary index, the ordered ``_id_`` index can serve
    a query: a range or ``$in`` on ``_id``, or a sort that starts with ``_id``."""
    if sort:
        first = next(iter(sort.items() if isinstance(sort, Mapping) else sort), None)
        if first is not None and first[0] == "_id":
            return True
    for child in (conjuncts(node) if isinstance(node, AndNode) else (node,)):
        if isinstance(child, LeafNode) and child.path == "_id" \
                and child.operator in _ID_RANGE_OPERATORS:
            return True
    return False


def candidates_for(coll: "CollectionData", node: MatchNode, hint: Any = None) \
        -> list["StoredDocument"] | None:
    """Documents that may match (re-checked by the caller), or None to scan."""
    planned = plan_find(coll, node, None, 0, hint)
    if planned is None:
        return None
    plan = planned.plan
    if isinstance(plan, CollScan):
        return list(plan.documents(coll))
    documents = coll.documents
    return [documents[k] for k in list(plan.id_keys(coll)) if k in documents]


# ---------------------------------------------------------------------------
# explain
# ---------------------------------------------------------------------------


def _source_stage(plan: Plan, node: MatchNode, filter: Mapping | None) -> dict[str, Any]:
    """The data-source part of the plan tree, with per-stage counters."""
    residual = dict(filter or {})
    if isinstance(plan, CollScan):
        stage: dict[str, Any] = {"stage": "COLLSCAN"}
        if residual:
            stage["filter"] = residual
        stage["direction"] = "forward" if plan.direction > 0 else "backward"
        stage.update(nReturned=plan.returned, docsExamined=plan.docs_examined)
        return stage
    if isinstance(plan, IdLookup) and _is_id_equality(node, plan):
        return {"stage": "IDHACK", "nReturned": plan.returned,
                "keysExamined": plan.keys_examined, "docsExamined": plan.docs_examined}
    if isinstance(plan, OrPlan):
        inputs = [_ixscan_stage(child) for child in plan.children]
        source: dict[str, Any] = {"stage": "OR", "inputStages": inputs,
                                  "nReturned": plan.advanced}
    else:
        source = _ixscan_stage(plan)
    fetch: dict[str, Any] = {"stage": "FETCH"}
    if residual:
        fetch["filter"] = residual
    fetch.update(inputStage=source, nReturned=plan.returned, docsExamined=plan.docs_examined)
    if isinstance(plan, OrPlan) and len(conjuncts(node)) == 1:
        return {"stage": "SUBPLAN", "inputStage": fetch, "nReturned": plan.returned}
    return fetch


def _is_id_equality(node: MatchNode, plan: IdLookup) -> bool:
    nodes = conjuncts(node)
    return len(nodes) == 1 and isinstance(nodes[0], LeafNode) and nodes[0].path == "_id" \
        and nodes[0].operator == "$eq" and len(plan.intervals) == 1


def _ixscan_stage(plan: Plan) -> dict[str, Any]:
    if isinstance(plan, IdLookup):
        stage: dict[str, Any] = {
            "stage": "IXSCAN", "keyPattern": {"_id": 1}, "indexName": "_id_",
            "isMultiKey": False, "multiKeyPaths": {"_id": []}, "isUnique": True,
            "isSparse": False, "isPartial": False, "indexVersion": 2, "direction": "forward",
            "indexBounds": {"_id": [_render_interval(iv) for iv in plan.intervals]}}
    else:
        assert isinstance(plan, IndexScan)
        index = plan.index
        stage = {"stage": "IXSCAN", "keyPattern": dict(index.pattern.document),
                 "indexName": index.name, "isMultiKey": index.multikey,
                 "multiKeyPaths": index.multikey_paths(), "isUnique": index.unique,
                 "isSparse": index.sparse, "isPartial": index.partial is not None,
                 "indexVersion": 2, "direction": plan.reported_direction,
                 "indexBounds": plan.bounds_document()}
    stage.update(nReturned=plan.advanced, keysExamined=plan.keys_examined)
    return stage


def _projection_stage(projection: Mapping | None) -> str | None:
    if not projection:
        return None
    for key, value in projection.items():
        if "." in key or key.startswith("$") or isinstance(value, (Mapping, list, str)):
            return "PROJECTION_DEFAULT"
    return "PROJECTION_SIMPLE"


def _run(planned: PlannedQuery | None, sort_fields: list, skip: int, limit: int) -> int:
    """Execute as ``find`` does, returning how many documents it would return."""
    if planned is None:
        return 0
    found = planned.documents()
    if sort_fields and not planned.sorted:
        n = sum(1 for _ in found)
        n = max(n - skip, 0)
        return min(n, limit) if limit else n
    return sum(1 for _ in itertools.islice(found, skip, skip + limit if limit else None))


def explain_find(coll: "CollectionData | None", namespace: str, node: MatchNode,
                 filter: Mapping | None, *, projection: Mapping | None = None,
                 sort: Any = None, skip: int = 0, limit: int = 0, hint: Any = None,
                 verbosity: str = "allPlansExecution") -> dict[str, Any]:
    """The ``explain`` reply for a find, in MongoDB's shape (classic engine):
    ``queryPlanner.winningPlan`` and, unless the verbosity is
    ``queryPlanner``, ``executionStats`` from actually running the plan."""
    sort_fields = parse_sort_spec(sort) if sort else []
    limit = abs(limit)
    want = skip + limit if limit else 0
    started = time.perf_counter()
    planned: PlannedQuery | None = None
    if coll is not None:
        if hint is not None:
            plan: Plan = _plan_for_hint(coll, node, hint, sort_fields)
        else:
            plan = choose_plan(coll, node, sort_fields, want)
        planned = PlannedQuery(coll, node, plan)
    with_stats = verbosity in ("executionStats", "allPlansExecution")
    n_returned = _run(planned, sort_fields, skip, limit) if with_stats else 0
    elapsed = int((time.perf_counter() - started) * 1000)
    if planned is None:
        tree: dict[str, Any] = {"stage": "EOF", "nReturned": 0}
        provides_sort = False
    else:
        tree = _source_stage(planned.plan, node, filter)
        provides_sort = planned.plan.provides_sort
    produced = tree["nReturned"]
    if sort_fields and not provides_sort:
        produced = min(produced, want) if want else produced
        sort_stage: dict[str, Any] = {"stage": "SORT", "sortPattern": dict(sort_fields),
                                      "memLimit": 104857600}
        if want:
            sort_stage["limitAmount"] = want
        sort_stage.update(type="simple", inputStage=tree, nReturned=produced)
        tree = sort_stage
        if skip:
            produced = max(produced - skip, 0)
            tree = {"stage": "SKIP", "skipAmount": skip, "inputStage": tree,
                    "nReturned": produced}
    else:
        if skip:
            produced = max(produced - skip, 0)
            tree = {"stage": "SKIP", "skipAmount": skip, "inputStage": tree,
                    "nReturned": produced}
        if limit:
            produced = min(produced, limit)
            tree = {"stage": "LIMIT", "limitAmount": limit, "inputStage": tree,
                    "nReturned": produced}
    projection_stage = _projection_stage(projection)
    if projection_stage:
        tree = {"stage": projection_stage, "transformBy": dict(projection or {}),
                "inputStage": tree, "nReturned": produced}
    reply: dict[str, Any] = {
        "explainVersion": "1",
        "queryPlanner": {
            "namespace": namespace,
            "indexFilterSet": False,
            "parsedQuery": dict(filter or {}),
            "maxIndexedOrSolutionsReached": False,
            "maxIndexedAndSolutionsReached": False,
            "maxScansToExplodeReached": False,
            "winningPlan": _strip_stats(tree),
            "rejectedPlans": [],
        },
    }
    if with_stats:
        plan_or_none = planned.plan if planned is not None else None
        reply["executionStats"] = {
            "executionSuccess": True,
            "nReturned": n_returned,
            "executionTimeMillis": elapsed,
            "totalKeysExamined": _total(plan_or_none, "keys_examined"),
            "totalDocsExamined": _total(plan_or_none, "docs_examined"),
            "executionStages": tree,
        }
        if verbosity == "allPlansExecution":
            reply["executionStats"]["allPlansExecution"] = []
    reply["ok"] = 1.0
    return reply


def _total(plan: Plan | None, attribute: str) -> int:
    if plan is None:
        return 0
    if isinstance(plan, OrPlan):
        keys = sum(_total(child, attribute) for child in plan.children)
        return plan.docs_examined if attribute == "docs_examined" else keys
    return getattr(plan, attribute)


def _strip_stats(stage: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in stage.items()
           if k not in ("nReturned", "keysExamined", "docsExamined")}
    if "inputStage" in out:
        out["inputStage"] = _strip_stats(out["inputStage"])
    if "inputStages" in out:
        out["inputStages"] = [_strip_stats(s) for s in out["inputStages"]]
    return out
