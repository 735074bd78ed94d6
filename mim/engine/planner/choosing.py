"""Choosing a plan: the candidate index scans for a query, and the cheapest.

Every usable index (not hidden; sparse or partial only when the query keeps
out the documents it lacks) gives a candidate scan over the bounds of its
leading fields; ``$or`` gives one index per branch; ``_id`` points go through
the store's ``_id`` dict.  The cheapest wins, its cost adjusted when the
index also provides the requested sort order so that ``limit`` becomes a
top-k scan; a collection scan is always a candidate.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64
from bson.min_key import MinKey
from bson.objectid import ObjectId

from ..index.keys import FULL, HIGH, LOW, Descending, Interval, hashed_key
from ..index.wildcard import MISSING_PATH_KEY, UNDEFINED_KEY, UNDEFINED_VALUE, leaf_paths
from ..languages.matcher import AndNode, ConstantNode, LeafNode, MatchNode, OrNode
from ..languages.sorting import parse_sort_spec
from ..languages.matcher.geo import find_near_node
from ..languages.matcher.text import find_text_node
from ..values.errors import ServerError
from ..values.order import sort_key
from .bounds import (TYPES_INDEXED_BELOW, Constraint, conjuncts, constraints_by_path,
                     intersect_intervals, leaf_constraint, normalise_intervals, point_keys,
                     type_constraint_types)
from .plans import CollScan, IdLookup, IndexScan, OrPlan, Plan, PlannedQuery, TextPlan

if TYPE_CHECKING:
    from ..index.indexes import Index
    from ..storage.store import CollectionData, StoredDocument

#: at most this many point combinations are expanded for a compound index
_MAX_POINT_COMBINATIONS = 2000


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
            intervals = [Interval.point(hashed_key(iv.lo_value, pattern.value_key), iv.lo_value)
                         for iv in chosen.intervals]
            intervals = normalise_intervals(sorted(intervals, key=lambda iv: iv.lo))
            excludes = chosen.excludes_missing
        elif index.multikey_counts[i] or len(constraints) == 1:
            chosen = min(constraints, key=lambda c: (not all(iv.is_point for iv in c.intervals),
                                                      len(c.intervals)))
            intervals = chosen.intervals
            excludes = chosen.excludes_missing
        else:
            intervals = constraints[0].intervals
            for c in constraints[1:]:
                intervals = intersect_intervals(intervals, c.intervals)
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
        rc = leaf_constraint(required, index.pattern.value_key)
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
                 sort: list[tuple[str, int]], collation: Any = None) -> list[Plan]:
    """The candidate plans; only indexes with the query's ``collation`` (None:
    simple) qualify, as on the server: their keys order strings the query's way."""
    by_path = constraints_by_path(nodes, sort_key if collation is None else collation.sort_key)
    plans: list[Plan] = []
    id_constraints = by_path.get("_id")
    id_lookup = False
    no_id_index = coll.keyed_by_record  # a time-series collection has no _id_ index
    if id_constraints and not (sort and sort[0][0] == "_id") and collation is None \
            and not no_id_index:
        # points on _id: the store's dict answers them (the _id_ index);
        # when the sort is on _id, the ordered _id_ index serves both
        for c in id_constraints:
            if c.intervals and all(iv.is_point for iv in c.intervals):
                plans.append(IdLookup(c.intervals))
                id_lookup = True
                break
    id_index = coll.indexes.id_index
    for index in (id_index, *coll.indexes.indexes()):
        if (index is id_index and (id_lookup or no_id_index)) or getattr(index, "text", False) \
                or getattr(index, "geo", None) is not None or getattr(index, "wildcard", False):
            continue  # a text index answers only $text, a geo index only geo queries (a
            # wildcard index is expanded per path below)
        if index.collation != collation:
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
        scan = IndexScan(index, fields, direction or index.pattern.signs[0])
        scan.provides_sort = bool(direction)
        plans.append(scan)
    for wildcard in coll.indexes.wildcards:
        if not wildcard.hidden and wildcard.collation == collation:
            plans.extend(_wildcard_scans(wildcard, nodes, by_path, sort))
    return plans


#: the predicates a wildcard index can answer (their bounds hold every match)
_WILDCARD_OPERATORS = frozenset({"$eq", "$in", "$gt", "$gte", "$lt", "$lte", "$regex",
                                 "$exists", "$type"})


def _wildcard_value(value: Any) -> bool:
    """Whether equality to ``value`` finds its matches among a wildcard index's
    leaves: not null (missing fields have no entry), not an array, not a
    non-empty object (those are walked into, never stored whole)."""
    return value is not None and not isinstance(value, list) \
        and not (isinstance(value, Mapping) and value)


def _wildcard_eligible(constraint: Constraint) -> bool:
    """Whether a predicate can use a wildcard index (``$ne``, ``$exists: false``,
    null, arrays and whole documents cannot: those matches have no leaf)."""
    node = constraint.node
    if not isinstance(node, LeafNode) or node.operator not in _WILDCARD_OPERATORS:
        return False
    argument = node.argument
    if node.operator == "$in":
        return isinstance(argument, list) and all(_wildcard_value(v) for v in argument)
    if node.operator == "$eq":
        return _wildcard_value(argument) or (type(argument) is list and not argument)
    if node.operator in ("$lt", "$lte") and isinstance(argument, Mapping) and not argument:
        return True  # {$lte: {}} is {$eq: {}} (no document sorts below the empty one)
    if node.operator in ("$gt", "$gte", "$lt", "$lte"):
        return _wildcard_value(argument) and not isinstance(argument, Mapping)
    return True


def _positional_scan(index: Any, nodes: list[MatchNode], by_path: dict[str, list[Constraint]],
                     path: str, constraints: list[Constraint]) -> Plan | None:
    """A query path with array positions (``c.0``): its leaves are indexed under
    the path without them, or under a prefix (a nested array's leaf), so the
    scan reads every value of each such path (:func:`leaf_paths`), and of their
    subpaths for ``$exists``; the filter on the documents does the rest."""
    candidates = leaf_paths(path)
    if candidates is None or not all(index.holds(p) for p in candidates):
        return None
    eligible = [c for c in constraints if _wildcard_eligible(c)]
    if not eligible:
        return None
    # an object's or array's leaves sit below its path: ``$type`` object/array
    # reads the subpaths too, as ``$exists`` does
    exists = all(c.node.operator == "$exists" for c in eligible) or any(
        c.node.operator == "$type" and type_constraint_types(c.node) & TYPES_INDEXED_BELOW
        for c in eligible)
    intervals = normalise_intervals(
        [iv for candidate in candidates for iv in _path_intervals(candidate, exists)])
    view = index.view(path)
    local = {**by_path, "$_path": [Constraint("$_path", intervals, True, eligible[0].node)],
             path: [Constraint(path, [FULL], True, eligible[0].node)]}
    found = _field_intervals(view, local)
    if found is None or len(found[0]) <= view.path_position \
            or not _usable(view, nodes, local, True):
        return None
    return IndexScan(view, found[0], 1)


def _empty_array_constraints(nodes: list[MatchNode]) -> list[tuple[str, Constraint]]:
    """Equality to ``[]`` as a wildcard index bounds it: an empty array is a
    leaf indexed as ``undefined``, an empty array inside an array the value
    ``[]`` (``[undefined, undefined]``, ``[[], []]``); regular bounds have none."""
    found = []
    for node in nodes:
        if isinstance(node, LeafNode) and node.operator == "$eq" \
                and type(node.argument) is list and not node.argument:
            intervals = [Interval.point(UNDEFINED_KEY, UNDEFINED_VALUE),
                         Interval.point(sort_key([]), [])]
            found.append((node.path, Constraint(node.path, intervals, True, node)))
    return found


def _path_intervals(path: str, exists: bool) -> list[Interval]:
    """``$_path``'s bounds: the path itself, and its subpaths when every value
    is wanted (``$exists``: an object there has its leaves below it)."""
    own = Interval.point(sort_key(path), path)
    if not exists:
        return [own]
    below = Interval(sort_key(path + "."), True, sort_key(path + "/"), False,
                     path + ".", path + "/")
    return [own, below]


def _wildcard_scans(index: Any, nodes: list[MatchNode], by_path: dict[str, list[Constraint]],
                    sort: list[tuple[str, int]] = ()) -> list[Plan]:
    """One candidate scan per query path the wildcard index holds (the server
    expands a wildcard index into one index per path, each answering the
    predicates on its path)."""
    plans: list[Plan] = []
    prefix = _wildcard_prefix_scan(index, nodes, by_path, list(sort))
    if prefix is not None:
        plans.append(prefix)
    empty_arrays = _empty_array_constraints(nodes)
    if empty_arrays:
        by_path = {**by_path}
        for path, constraint in empty_arrays:
            by_path[path] = [*by_path.get(path, ()), constraint]
    for path, constraints in by_path.items():
        if path == "$_path":
            continue
        if not index.covers(path):
            positional = _positional_scan(index, nodes, by_path, path, constraints)
            if positional is not None:
                plans.append(positional)
            continue
        eligible = [c for c in constraints if _wildcard_eligible(c)]
        if not eligible:
            continue
        ranged = [c for c in eligible if c.node.operator != "$exists"]
        below = [c for c in ranged if c.node.operator == "$type"
                 and type_constraint_types(c.node) & TYPES_INDEXED_BELOW]
        if below:
            # an object's or array's leaves are indexed below its path: every value of
            # the path and its subpaths is read (wildcard_index_type.js's bounds)
            ranged = [Constraint(path, [FULL], True, c.node) if c in below else c
                      for c in ranged]
        scan = _wildcard_scan(index.view(path), nodes, by_path, path, ranged or eligible,
                              not ranged or bool(below), list(sort))
        if scan is not None:
            plans.append(scan)
    return plans


def _wildcard_scan(view: Any, nodes: list[MatchNode], by_path: dict[str, list[Constraint]],
                   path: str, constraints: list[Constraint], exists: bool,
                   sort: list[tuple[str, int]]) -> Plan | None:
    """The scan of one path's expansion; it gives the sort order when the sort is
    on that path (``$_path`` a single point, the path not multikey), as a
    regular index on the path would."""
    local = dict(by_path)
    local[path] = constraints
    local["$_path"] = [Constraint("$_path", _path_intervals(path, exists), True,
                                  constraints[0].node)]
    found = _field_intervals(view, local)
    if found is None:
        return None  # a compound wildcard index whose leading field the query leaves free
    fields, _ = found
    if len(fields) <= view.path_position:
        return None  # the bounds stop before ``$_path``: every path's entries would be read
    if not _usable(view, nodes, local, True):
        return None
    direction = _sort_direction(view, fields, sort)
    scan = IndexScan(view, fields, direction or 1)
    scan.provides_sort = bool(direction)
    return scan


def _wildcard_prefix_scan(index: Any, nodes: list[MatchNode],
                          by_path: dict[str, list[Constraint]],
                          sort: list[tuple[str, int]]) -> Plan | None:
    """A compound wildcard index used for its regular fields before the wildcard
    term alone (``{a: 1, $_path: 1}``): every document has an entry (``$_path``
    ``MinKey`` when it has no leaf under the wildcard); it gives a sort on
    those fields (compound_wildcard_index_prefix.js)."""
    view = index.view(None)
    if not view.path_position:
        return None  # the wildcard term leads
    found = _field_intervals(view, by_path)
    if found is None:
        return None
    fields, excludes_missing = found
    if not _usable(view, nodes, by_path, excludes_missing):
        return None
    every_path = [Interval.point(MISSING_PATH_KEY, MinKey()),
                  Interval(sort_key(""), True, sort_key({}), False, "", {})]
    if len(fields) == view.path_position and all(
            len(intervals) == 1 and intervals[0].is_point for intervals in fields):
        fields = fields + [every_path]
        shown = None
    else:
        # (scanned as the regular fields' ranges alone; shown as the server bounds it)
        shown = fields + [every_path] if len(fields) == view.path_position else None
    direction = _sort_direction(view, fields, sort)
    scan = IndexScan(view, fields, direction or 1)
    scan.provides_sort = bool(direction)
    scan.shown_intervals = shown
    return scan


def _or_plan(coll: "CollectionData", nodes: list[MatchNode],
             collation: Any = None) -> Plan | None:
    ors = [n for n in nodes if isinstance(n, OrNode)]
    if not ors:
        return None
    best: Plan | None = None
    for or_node in ors:
        children = []
        for branch in or_node.nodes:
            branch_plans = _index_plans(coll, conjuncts(branch), [], collation)
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
                want: int, collation: Any = None) -> Plan:
    """The cheapest plan for a query (``want``: skip+limit, 0 for all); a ``$text``
    query's is always its TEXT plan."""
    if not sort and collation is None:
        leaf = node.nodes[0] if type(node) is AndNode and len(node.nodes) == 1 else node
        if type(leaf) is LeafNode:
            operator = leaf.operator
            if operator == "$eq":
                plan = _equality_plan(coll, leaf)
                if plan is not None:
                    return plan
            elif operator == "$in":
                plan = _points_plan(coll, leaf)
                if plan is not None:
                    return plan
    if coll.indexes.text_search is not None:
        # (after the equality fast lane: a $text query never takes it)
        text = text_plan(coll, node)
        if text is not None:
            return text
    nodes = conjuncts(node)
    if any(isinstance(n, ConstantNode) and not n.value for n in nodes):
        return CollScan(0)
    total = len(coll.documents)
    scan = CollScan(total)
    plans: list[Plan] = _index_plans(coll, nodes, sort, collation)
    or_plan = _or_plan(coll, nodes, collation)
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


_GEO_PREDICATES = frozenset({"$geoWithin", "$within", "$geoIntersects"})


def _geo_predicate_on(node: MatchNode, spec: Mapping[str, Any]) -> bool:
    """Whether the query requires a geo predicate on a geo field of index ``spec``."""
    geo_fields = {field for field, kind in spec["key"].items() if kind in ("2d", "2dsphere")}
    return any(isinstance(child, LeafNode) and child.operator in _GEO_PREDICATES
               and child.path in geo_fields for child in conjuncts(node))


def plan_for_hint(coll: "CollectionData", node: MatchNode, hint: Any,
                   sort: list[tuple[str, int]], collation: Any = None) -> Plan:
    if coll.indexes.text_search is not None:
        text = text_plan(coll, node, hint)
        if text is not None:
            return text
    spec = coll.indexes.resolve_hint(hint)
    if spec["name"] == "$natural":
        return CollScan(len(coll.documents), spec["key"]["$natural"])
    if spec["name"] == "_id_":
        id_points = [p for p in _index_plans(coll, conjuncts(node), sort, collation)
                     if isinstance(p, IdLookup)]
        if id_points:
            return id_points[0]
    index = coll.indexes.by_name(spec["name"])
    if getattr(index, "wildcard", False):
        return _hinted_wildcard(coll, node, index, collation)
    if getattr(index, "geo", None) is not None:
        if find_near_node(node) is not None or _geo_predicate_on(node, spec):
            # the near query measures the documents itself (its entries are grid cells);
            # a $geoWithin/$geoIntersects on the index's field matches only documents the
            # index holds, so testing every document gives what the index scan gives
            return CollScan(len(coll.documents), 1)
        raise ServerError(238, f"hinting the geo index {spec['name']} is not supported by mim "
                               "outside $near/$nearSphere/$geoNear/$geoWithin/$geoIntersects on "
                               "its field: its entries are grid cells, not values")
    if index.collation != collation:
        # another collation's keys cannot bound this query: the whole index is read
        return IndexScan(index, [[FULL]], index.pattern.signs[0])
    by_path = constraints_by_path(conjuncts(node), index.pattern.value_key)
    found = _field_intervals(index, by_path)
    fields = found[0] if found is not None else [[FULL]]
    direction = _sort_direction(index, found[0] if found else None, sort)
    scan = IndexScan(index, fields, direction or index.pattern.signs[0])
    scan.provides_sort = bool(direction)
    return scan


def _hinted_wildcard(coll: "CollectionData", node: MatchNode, index: Any,
                     collation: Any) -> Plan:
    """The hinted wildcard index's cheapest scan over one of the query's paths;
    none (no predicate it can answer): NoQueryExecutionPlans, as on the server."""
    plans: list[Plan] = []
    if index.collation == collation:
        nodes = conjuncts(node)
        by_path = constraints_by_path(nodes, index.pattern.value_key)
        plans = _wildcard_scans(index, nodes, by_path)
    if not plans:
        raise planner_error(coll, 291, "No query solutions")
    return min(plans, key=lambda plan: plan.cost)


def planner_error(coll: "CollectionData", code: int, message: str) -> ServerError:
    """A planning failure in the server's words (``getExecutorFind`` wraps them)."""
    return ServerError(code, f"error processing query: ns={coll.full_name} planner returned "
                             f"error :: caused by :: {message}")


def _bound_key(index: Any, bound: Mapping[str, Any]) -> tuple:
    """A ``min``/``max`` document as an entry key of ``index`` (field names dropped)."""
    pattern = index.pattern
    key = []
    for i, value in enumerate(bound.values()):
        field_key = hashed_key(value, pattern.value_key) if pattern.hashed[i] \
            else pattern.value_key(value)
        key.append(Descending(field_key) if pattern.flipped[i] else field_key)
    return tuple(key)


def _collatable(value: Any) -> bool:
    """``CollationIndexKey::isCollatableType``: a string, object or array."""
    return isinstance(value, (str, Mapping, list))


def _entry_bound(key: tuple, flat: bool, after: bool = False) -> tuple:
    """An entry-level bound just before (``after``: just after) every entry of
    ``key`` (one value per index field; a flat index's entries hold its one
    field's key alone)."""
    if flat:
        return key + (HIGH,) if after else key
    return (key, HIGH) if after else (key,)


def plan_min_max(coll: "CollectionData", hint: Any, min_spec: Mapping | None,
                 max_spec: Mapping | None, collation: Any = None) -> Plan:
    """The scan of the hinted index from ``min`` (inclusive) to ``max`` (exclusive),
    in the index's order, as the server's planner builds it for ``min``/``max``:
    the bounds are keyed with the index's collation; an index whose collation is
    not the query's takes no bound a collation orders (``indexCompatibleMaxMin``)."""
    if hint is None:
        raise planner_error(coll, 51173, "When using min()/max() a hint of which index to use "
                                         "must be provided")
    spec = coll.indexes.resolve_hint(hint)
    if spec["name"] == "$natural":
        raise planner_error(coll, 291, "min and max are incompatible with $natural")
    index = coll.indexes.by_name(spec["name"])
    if getattr(index, "wildcard", False):
        raise planner_error(coll, 51174, "The index chosen is not compatible with min/max")
    if getattr(index, "geo", None) is not None:
        raise ServerError(238, f"min/max on the geo index {spec['name']} are not supported by "
                               "mim: its entries are grid cells, not values")
    paths = list(index.pattern.paths)
    for bound in (min_spec, max_spec):
        if bound and (list(bound) != paths or (
                getattr(index, "collation", None) != collation
                and any(_collatable(value) for value in bound.values()))):
            raise planner_error(coll, 51174, "The index chosen is not compatible with min/max")
    forward = index.pattern.signs[0]
    low = _bound_key(index, min_spec) if min_spec else None
    high = _bound_key(index, max_spec) if max_spec else None
    if low is not None and high is not None and (low >= high if forward > 0 else low <= high):
        raise planner_error(coll, 51175, "The value provided for min() does not come before "
                                         "the value provided for max() in the hinted index")
    # entries are stored in the first field's ascending order: for a descending first
    # field the index's order is the entries' reverse, and [min, max) is (max, min]
    flat = index.pattern.flat  # entries hold a single field's key without a 1-tuple
    if forward > 0:
        start = _entry_bound(low, flat) if low is not None else (LOW,)
        stop = _entry_bound(high, flat) if high is not None else (HIGH,)
    else:
        start = _entry_bound(high, flat, after=True) if high is not None else (LOW,)
        stop = _entry_bound(low, flat, after=True) if low is not None else (HIGH,)
    scan = IndexScan(index, [[FULL]], forward)
    scan.ranges = [(start, stop)]
    return scan


def plan_find(coll: "CollectionData", node: MatchNode, sort: Any = None, want: int = 0,
              hint: Any = None, min_spec: Mapping | None = None,
              max_spec: Mapping | None = None, collation: Any = None) -> PlannedQuery | None:
    """The plan for a ``find`` (None: no index could help, scan as usual);
    ``collation``: the query's (a parsed Collation, None for simple)."""
    if min_spec or max_spec:
        return PlannedQuery(coll, node, plan_min_max(coll, hint, min_spec, max_spec, collation))
    if hint is None and not coll.indexes.has_secondary() and (
            collation is not None or coll.keyed_by_record or not _uses_id_index(node, sort)):
        return None
    sort_fields = parse_sort_spec(sort) if sort else []
    if hint is not None:
        return PlannedQuery(coll, node, plan_for_hint(coll, node, hint, sort_fields, collation))
    plan = choose_plan(coll, node, sort_fields, want) if collation is None \
        else choose_plan(coll, node, sort_fields, want, collation)
    if isinstance(plan, CollScan):
        return None
    return PlannedQuery(coll, node, plan, proves_filter(plan, node))


#: the argument types whose index bounds are exact (the server's ``EXACT``
#: tightness): a document's key lies within the bounds of ``$eq``/``$in``/a range
#: of them exactly when its (non-array) value matches (NaN aside, and never
#: null, which also matches a missing field, nor a regex, array or document)
_EXACT_TYPES = frozenset({str, int, float, bool, Int64, ObjectId, datetime.datetime})
_EXACT_OPERATORS = frozenset({"$eq", "$gt", "$gte", "$lt", "$lte"})


def _exact_argument(value: Any) -> bool:
    cls = type(value)
    return cls in _EXACT_TYPES and (cls is not float or value == value)


def proves_filter(plan: Plan, node: MatchNode) -> bool:
    """Whether every document an index scan yields matches the whole filter, so
    that none needs the matcher: the filter is only ``$eq``/``$in``/range
    predicates on the top-level field the scan bounds (every one of them made
    the bounds), of exact types, on an index without a collation, hashing or
    partial filter whose field no document holds an array in (its key is then
    its one value, and the predicates on it hold together, as the intersected
    bounds say)."""
    if type(plan) is not IndexScan or plan.sort_only or plan.bounded_fields != 1:
        return False
    index = plan.index
    pattern = index.pattern
    path = pattern.paths[0]
    if index.collation is not None or index.partial is not None or pattern.hashed[0] \
            or index.multikey_counts[0] or "." in path or getattr(index, "geo", None) \
            or getattr(index, "text", False):
        return False
    for child in conjuncts(node):
        if type(child) is not LeafNode or child.path != path:
            return False
        if child.operator == "$in":
            types = set(map(type, child.argument))
            if not types <= _EXACT_TYPES or float in types and any(
                    value != value for value in child.argument):
                return False
        elif child.operator not in _EXACT_OPERATORS or not _exact_argument(child.argument):
            return False
    return True


#: ``QueryPlanner::plan``: a ``$text`` whose text index cannot be used
_TEXT_INDEX_UNUSABLE = ("failed to use text index to satisfy $text query (if text index is "
                        "compound, are equality predicates given for all prefix fields?)")


def text_plan(coll: "CollectionData", node: MatchNode, hint: Any = None) -> TextPlan | None:
    """The TEXT plan of a ``$text`` query (None: the query has no ``$text``, or a
    ``$natural`` hint forces a collection scan): the server answers ``$text`` from
    the text index only, whatever other index applies; a hint naming another index,
    or a compound text index whose prefix fields the query does not pin down by
    equality, leaves the text node without an index (NoQueryExecutionPlans)."""
    index = coll.indexes.text_search
    text = find_text_node(node) if index is not None else None
    if text is None or text.query is None:
        return None
    if hint is not None:
        name = coll.indexes.resolve_hint(hint)["name"]
        if name == "$natural":
            return None
        if name != index.name:
            raise planner_error(coll, 291, _TEXT_INDEX_UNUSABLE)
    prefix = text_index_prefix(index, node)
    if prefix is None:
        raise planner_error(coll, 291, _TEXT_INDEX_UNUSABLE)
    return TextPlan(index, text.query, prefix)


def text_index_prefix(index: "Index", node: MatchNode) -> dict[str, Any] | None:
    """The values a query's equalities give the fields before a compound text
    index's ``_fts`` key (``indexPrefix``); None when one of them has none."""
    prefix: dict[str, Any] = {}
    for field in index.spec["key"]:
        if field == "_fts":
            return prefix
        value = next((child.argument for child in conjuncts(node)
                      if isinstance(child, LeafNode) and child.path == field
                      and child.operator == "$eq"), _NO_EQUALITY)
        if value is _NO_EQUALITY:
            return None
        prefix[field] = value
    return prefix


_NO_EQUALITY = object()


#: :func:`equality_choice`'s answer when the ``_id`` dict answers the equality (IDHACK)
ID_CHOICE = "_id_"
#: :func:`equality_choice`'s answer when no index applies (a collection scan)
SCAN_CHOICE = "$natural"


def equality_choice(coll: "CollectionData", path: str, value: Any) -> "Index | str | None":
    """What the general planner chooses for a filter that is one equality on one
    path (``{_id: v}``, ``{uid: v}``), decided without building and costing every
    candidate (what the server's plan cache gives its point queries): the ``_id``
    dict for ``_id`` (:data:`ID_CHOICE`), else the one usable index whose first field
    is the path, else a collection scan (:data:`SCAN_CHOICE`) — or None whenever that
    answer is not certain without costing (several usable indexes, a partial or
    hashed one, an array or null argument)."""
    if type(value) is list or value is None or not path:
        return None
    return path_choice(coll, path)


def path_choice(coll: "CollectionData", path: str) -> "Index | str | None":
    """:func:`_path_choice`, kept in the collection's plan cache (emptied on every
    catalog change)."""
    cache = coll.indexes.plan_cache
    choice = cache.get(path, UNDECIDED)
    if choice is UNDECIDED:
        choice = cache[path] = _path_choice(coll, path)
    return choice


#: a path :func:`equality_choice` has not decided yet for the current catalog (what
#: the plan cache answers for it, read inline by the point reads)
UNDECIDED = object()


def _path_choice(coll: "CollectionData", path: str) -> "Index | str | None":
    """:func:`equality_choice` for a path, decided from the catalog."""
    indexes = coll.indexes.leading_on(path)
    if any(not index.hidden and (index.covers(path) or index.pattern.paths[0] == path)
           for index in coll.indexes.wildcards):
        return None  # a wildcard index holds the path: the general planner weighs it
    if path == "_id":
        if indexes or coll.keyed_by_record:
            return None  # a secondary index on _id competes with the _id dict (or there is none)
        return ID_CHOICE
    usable = None
    for index in indexes:
        if index.collation is not None:
            continue  # its keys order strings another way: not a candidate
        if index.partial is not None or index.pattern.hashed[0]:
            return None
        if index.hidden:
            continue
        if usable is not None:
            return None
        usable = index
    return SCAN_CHOICE if usable is None else usable


def _equality_plan(coll: "CollectionData", leaf: LeafNode) -> Plan | None:
    """The plan of :func:`equality_choice`'s answer (None: plan as usual)."""
    value = leaf.argument
    choice = equality_choice(coll, leaf.path, value)
    if choice is None:
        return None
    if choice is ID_CHOICE:
        return IdLookup([Interval.point(sort_key(value), value)])
    if choice is SCAN_CHOICE:
        return CollScan(len(coll.documents))
    return IndexScan.at_point(choice, Interval.point(sort_key(value), value))


def _points_plan(coll: "CollectionData", leaf: LeafNode) -> Plan | None:
    """The plan of an ``$in`` of point values (no null, array or regex) on a
    path other than ``_id``, decided as :func:`equality_choice` decides an
    equality's: the one usable index leading on the path (scanned at the points,
    :meth:`IndexScan.at_points`) or a collection scan — what the general planner
    chooses then, the bounds being those points (None: plan as usual)."""
    path = leaf.path
    if path == "_id" or not path:
        return None
    keys = point_keys(leaf.argument)
    if not keys or len(keys) > _MAX_POINT_COMBINATIONS:
        return None  # (the general planner decides: no bounds, or too many points)
    choice = path_choice(coll, path)
    if choice is None:
        return None
    if choice is SCAN_CHOICE:
        return CollScan(len(coll.documents))
    return IndexScan.at_points(choice, keys, leaf)


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
