"""Index bounds: what a compiled filter allows on each path, as key intervals.

Each predicate the planner understands (equality, ``$in``, ranges within one
type bracket, ``null``, ``$exists``, ``$regex``) becomes a :class:`Constraint`:
a superset of the values it can match, as sorted, merged intervals of index
keys.  Conjunctions on one path intersect; :func:`key_ranges` turns the
intervals of an index's leading fields into the entry ranges a
``SortedList`` scan walks, and :func:`render_interval` prints them the way
MongoDB's ``indexBounds`` does.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.regex import Regex

from ..index.keys import FULL, HIGH, LOW, NULL_KEY, Descending, Interval
from ..languages.matcher import AndNode, LeafNode, MatchNode, NotNode
from ..values.render import render
from ..languages.matcher.element import type_names
from ..values.order import (RANK_BOOL, RANK_NUMBER, RANK_OBJECT, RANK_OBJECTID, RANK_REGEX,
                            RANK_STRING, canonical_rank, sort_key)
from bson.objectid import ObjectId
from bson.datetime_ms import DatetimeMS

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


def _point(value: Any, key_of: Callable[[Any], tuple] = sort_key) -> Interval:
    return Interval.point(key_of(value), value)


def _is_regex(value: Any) -> bool:
    return isinstance(value, (Regex, re.Pattern))


def _regex_intervals() -> list[Interval]:
    lo, hi = _bracket(RANK_STRING)
    rlo, rhi = _bracket(RANK_REGEX)
    return [Interval(lo, True, hi, False, "", {}),
            Interval(rlo, True, rhi, False, Regex("", ""), Regex("", ""))]


def leaf_constraint(node: MatchNode, key_of: Callable[[Any], tuple] = sort_key
                    ) -> Constraint | None:
    """The bounds a single predicate puts on its path, or None if none usable
    (``key_of``: how values key in the index, a collation's key for a collated one)."""
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
        return Constraint(path, [_point(arg, key_of)], arg is not None, node)
    if op == "$in":
        intervals: list[Interval] = []
        point = Interval.point
        for value in arg:
            if type(value) is str and key_of is sort_key:  # (its key, inline)
                intervals.append(point((RANK_STRING, value), value))
                continue
            if isinstance(value, list):
                return None
            if _is_regex(value):
                intervals.extend(_regex_intervals())
            else:
                intervals.append(_point(value, key_of))
        return Constraint(path, normalise_intervals(intervals), all(v is not None for v in arg), node)
    if op in ("$gt", "$gte", "$lt", "$lte"):
        if isinstance(arg, (list, MinKey, MaxKey)) or _is_regex(arg):
            return None
        inclusive = op in ("$gte", "$lte")
        if arg is None:
            if not inclusive:
                return Constraint(path, [], True, node)
            return Constraint(path, [Interval.point(NULL_KEY, None)], False, node)
        key = key_of(arg)
        if key == (4, 0):  # NaN: only NaN matches $gte/$lte
            return Constraint(path, [Interval.point(key, arg)] if inclusive else [], True, node)
        low, high = _bracket_ends(arg, key_of)
        if op in ("$gt", "$gte"):
            return Constraint(path, [Interval(key, inclusive, high.lo, high.lo_inclusive, arg,
                                              high.lo_value)], True, node)
        return Constraint(path, [Interval(low.lo, low.lo_inclusive, key, inclusive,
                                          low.lo_value, arg)], True, node)
    if op == "$regex":
        return Constraint(path, _regex_intervals(), True, node)
    if op == "$exists":
        return Constraint(path, [FULL], True, node)
    if op == "$type" and key_of is sort_key:
        intervals = _type_intervals(type_names(arg))
        return None if intervals is None else Constraint(path, intervals, True, node)
    return None


#: ``$type``'s bounds per type (IndexBoundsBuilder: each type's interval from its
#: ``appendMinForType`` to its ``appendMaxForType``, both included), by rank:
#: (rank, the values explain shows at its two ends); the numbers share one interval
_TYPE_BRACKETS = {
    "double": (RANK_NUMBER, float("nan"), float("inf")),
    "int": (RANK_NUMBER, float("nan"), float("inf")),
    "long": (RANK_NUMBER, float("nan"), float("inf")),
    "decimal": (RANK_NUMBER, float("nan"), float("inf")),
    "string": (RANK_STRING, "", {}),
    "object": (RANK_OBJECT, {}, []),
    "objectId": (RANK_OBJECTID, ObjectId("0" * 24), ObjectId("f" * 24)),
    "bool": (RANK_BOOL, False, True),
}
#: the types whose values a wildcard index keeps below the path (their leaves)
TYPES_INDEXED_BELOW = frozenset({"object", "array"})


def type_constraint_types(node: MatchNode) -> frozenset[str]:
    """The type aliases a ``$type`` leaf asks for."""
    return type_names(node.argument)


def _type_intervals(names: frozenset[str]) -> list[Interval] | None:
    """``$type``'s intervals (every key for ``array``: an array is indexed by its
    elements); None when a type's bounds are not modelled here (no index use)."""
    if "array" in names:
        return [FULL]
    intervals: list[Interval] = []
    for name in names:
        if name == "null":
            intervals.append(Interval.point(NULL_KEY, None))
            continue
        bracket = _TYPE_BRACKETS.get(name)
        if bracket is None:
            return None
        rank, low, high = bracket
        lo, hi = _bracket(rank)
        intervals.append(Interval(lo, True, hi, True, low, high))
    return normalise_intervals(sorted(intervals, key=lambda iv: iv.lo))


def point_keys(values: list) -> list[tuple] | None:
    """The index keys of an ``$in``'s values, ascending and distinct, when every
    value is a point (what :func:`leaf_constraint` bounds it by: its key alone) —
    None when one is not: an array (no bounds), a regex (string ranges) or null
    (which also matches a missing field)."""
    keys = set()
    add = keys.add
    for value in values:
        if type(value) is str:  # (the common case: its key, inline)
            add((RANK_STRING, value))
            continue
        if value is None or isinstance(value, list) or _is_regex(value):
            return None
        add(sort_key(value))
    return sorted(keys)


def _bracket_ends(arg: Any, key_of: Callable[[Any], tuple] = sort_key
                  ) -> tuple[Interval, Interval]:
    """The ends of ``arg``'s type bracket (as points: key, inclusivity, and the
    value MongoDB prints in ``indexBounds``)."""
    rank = canonical_rank(arg)
    if rank == 4:
        return (Interval(sort_key(float("-inf")), True, None, True, float("-inf")),
                Interval(sort_key(float("inf")), True, None, True, float("inf")))
    if rank == RANK_STRING:
        return (Interval(key_of(""), True, None, True, ""),
                Interval((RANK_STRING + 1,), False, None, True, {}))
    if rank == 11:
        lowest, highest = DatetimeMS(-(2 ** 63)), DatetimeMS(2 ** 63 - 1)
        return (Interval(sort_key(lowest), True, None, True, lowest),
                Interval(sort_key(highest), True, None, True, highest))
    return (Interval((rank,), True, None, True, MinKey()),
            Interval((rank + 1,), False, None, True, MaxKey()))


def normalise_intervals(intervals: list[Interval]) -> list[Interval]:
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


def intersect_intervals(a: list[Interval], b: list[Interval]) -> list[Interval]:
    out = []
    for x in a:
        for y in b:
            lo, lo_inc, lo_value = _max_lo(x, y)
            hi, hi_inc, hi_value = _min_hi(x, y)
            if lo is not LOW and hi is not HIGH:
                if lo > hi or (lo == hi and not (lo_inc and hi_inc)):
                    continue
            out.append(Interval(lo, lo_inc, hi, hi_inc, lo_value, hi_value))
    return normalise_intervals(out)


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


def constraints_by_path(nodes: list[MatchNode], key_of: Callable[[Any], tuple] = sort_key
                        ) -> dict[str, list[Constraint]]:
    by_path: dict[str, list[Constraint]] = {}
    for child in nodes:
        constraint = leaf_constraint(child, key_of)
        if constraint is not None:
            by_path.setdefault(constraint.path, []).append(constraint)
    return by_path


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


def key_ranges(field_intervals: list[list[Interval]],
                flipped: tuple[bool, ...] = (), flat: bool = False) -> list[tuple[tuple, tuple]]:
    """Entry-level (low, high) exclusive bounds for the leading constrained fields:
    every field but the last must be points; the last may be ranges.  Ranges
    come in stored order.  ``flat``: a single-field index, whose entries hold
    the field's key without a 1-tuple around it (so neither do the bounds)."""
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
            ranges.append((low[0], high[0]) if flat else (low, high))
    return ranges


def _render_value(value: Any) -> str:
    if isinstance(value, dict) and not value:
        return "{}"
    if isinstance(value, Regex) and not value.pattern:
        return "//"
    return render(value)


def render_interval(interval: Interval, hashed: bool = False, reverse: bool = False) -> str:
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
