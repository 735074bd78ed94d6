"""Reading a collection: the one place that turns a compiled filter into the
documents it matches.

Queries (:func:`read`) plan once, with their sort and limit; writes
(:func:`matching`, :func:`candidates`) get a list they may change the collection
under.  Without a usable index, a filter that pins ``_id`` down (equality or
``$in``) is answered by point lookups, anything else by a collection scan.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from bson.regex import Regex

from ..index.indexes import SEVERAL
from ..index.keys import KeyPattern
from ..languages.matcher import AndNode, LeafNode, MatchNode
from ..values.deadline import THREAD_DEADLINE, check, checked
from ..values.order import RANK_STRING, sort_key
from ..values.render import render
from .choosing import ID_CHOICE, SCAN_CHOICE, UNDECIDED, path_choice, plan_find
from .plans import (CollScan, IdLookup, IndexScan, OrPlan, Plan, PlannedQuery, TextPlan, let_go,
                    point_ids)

if TYPE_CHECKING:
    from ..storage.store import CollectionData, StoredDocument

__all__ = ["read", "read_with_plan", "point_matches", "point_reads", "read_snapshot", "scanned_key_pattern", "matching",
           "all_matching", "first_matching", "candidates", "plan_summary"]


def _id_lookup_keys(node: MatchNode) -> list[Any] | None:
    """``_id`` values a filter pins down exactly (equality or ``$in``), if any."""
    if isinstance(node, LeafNode) and node.path == "_id":
        if node.operator == "$eq" and not isinstance(node.argument, (list, dict)) \
                and node.argument is not None:
            return [node.argument]
        if node.operator == "$in" and all(
                not isinstance(v, (list, dict, Regex)) and v is not None
                and not hasattr(v, "pattern") for v in node.argument):
            return list(node.argument)
    if isinstance(node, AndNode):
        for child in node.nodes:
            keys = _id_lookup_keys(child)
            if keys is not None:
                return keys
    return None


#: the most index entries :func:`point_matches` reads before it leaves a point with
#: that many documents to the general plan (which lets the lock go on a long read)
_POINT_ENTRIES = 1000


def point_matches(coll: "CollectionData", node: MatchNode, want: int
                  ) -> list["StoredDocument"] | None:
    """The matches of a filter that is one equality on one path (``{_id: v}``,
    ``{uid: v}``: the point lookups), in the order the plan the general planner
    chooses for it yields them, read straight from that plan's index (or the
    ``_id`` dict) without building the plan — at most ``want`` of them (0: all).
    None when the filter is another one, the planner's choice needs costing or is
    a collection scan, or the point holds more than :data:`_POINT_ENTRIES`
    entries (the caller plans as usual).  The caller makes sure no sort, hint,
    collation, ``min``/``max`` or plan statistics apply."""
    if type(node) is not AndNode or len(node.nodes) != 1:
        return None
    leaf = node.nodes[0]
    if type(leaf) is not LeafNode or leaf.operator != "$eq":
        return None
    return point_reads(coll, leaf.path, leaf.argument, want, node.matches)


def point_reads(coll: "CollectionData", path: str, value: Any, want: int,
                matches: Callable[[dict], bool] | None = None
                ) -> list["StoredDocument"] | None:
    """:func:`point_matches` for the equality ``{path: value}``: the documents of
    the plan's point that ``matches`` accepts (None: each one the point holds —
    for a top-level path and a value whose key equality is BSON equality, an int,
    a string or an ObjectId, the ``_id`` dict and a one-field index hold exactly
    the matches), or None when the general planner must answer."""
    if type(value) is list or value is None or not path:
        return None  # (equality_choice's own refusals, then its plan cache read inline)
    choice = coll.indexes.plan_cache.get(path, UNDECIDED)
    if choice is UNDECIDED:
        choice = path_choice(coll, path)
    if choice is None or choice is SCAN_CHOICE:
        return None
    if THREAD_DEADLINE.expires is not None:
        check()
    documents = coll.documents
    key = (RANK_STRING, value) if type(value) is str else sort_key(value)  # (its first case)
    if choice is ID_CHOICE:
        id_key = key
    elif choice.pattern.flat:  # a one-field index's point map (point_ids' first step)
        id_key = (choice.points or choice.point_map()).get(key)
        if id_key is None:
            return []
    else:
        id_key = SEVERAL
    if id_key is not SEVERAL:  # one document at most
        stored = documents.get(id_key)
        return [stored] if stored is not None and (matches is None or matches(stored.doc)) \
            else []
    ids = point_ids(choice, key, _POINT_ENTRIES)
    if ids is None:
        return None
    found: list[StoredDocument] = []
    seen: set | None = set() if len(ids) > 1 and choice.multikey else None
    for id_key in ids:
        if seen is not None:
            if id_key in seen:
                continue
            seen.add(id_key)
        stored = documents.get(id_key)
        if stored is not None and (matches is None or matches(stored.doc)):
            found.append(stored)
            if len(found) == want:
                break
    return found


def candidates(coll: "CollectionData", node: MatchNode, hint: Any = None,
               collation: Any = None) -> Iterable["StoredDocument"]:
    """Documents that may match, in natural order (always re-checked by the matcher).

    Writes iterate this while changing the collection, so it is a list, never a
    live view of an index or of the documents.  ``collation``: the query's
    (only indexes with the same one bound it; no ``_id`` points under one)."""
    if hint is not None or coll.indexes.has_secondary():
        planned = plan_find(coll, node, None, 0, hint, collation=collation)
        if planned is not None:
            return _planned_candidates(planned)
    if collation is not None:
        return list(coll.documents.values())
    return _scan_candidates(coll, node)


def _planned_candidates(planned: PlannedQuery) -> list["StoredDocument"]:
    coll, plan = planned.coll, planned.plan
    if isinstance(plan, CollScan):
        return list(plan.documents(coll))
    documents = coll.documents
    return [documents[k] for k in list(plan.id_keys(coll)) if k in documents]


def _scan_candidates(coll: "CollectionData", node: MatchNode) -> list["StoredDocument"]:
    """No index chosen: the ``_id`` points a filter pins down, else every document."""
    keys = None if coll.keyed_by_record else _id_lookup_keys(node)
    if keys is not None:
        found = []
        seen = set()
        for value in keys:
            key = sort_key(value)
            if key in seen:
                continue
            seen.add(key)
            stored = coll.documents.get(key)
            if stored is not None:
                found.append(stored)
        if len(found) > 1:
            order = {id(s): i for i, s in enumerate(coll.documents.values())} \
                if len(found) < len(coll.documents) else None
            if order is not None:
                found.sort(key=lambda s: order[id(s)])
        return found
    return list(coll.documents.values())


def matching(coll: "CollectionData", node: MatchNode, hint: Any = None,
             collation: Any = None) -> Iterator["StoredDocument"]:
    """The documents matching ``node``, in natural order (writes use this)."""
    matches = node.matches
    for stored in checked(candidates(coll, node, hint, collation)):
        if matches(stored.doc):
            yield stored


def all_matching(coll: "CollectionData", node: MatchNode, hint: Any = None,
                 collation: Any = None) -> list["StoredDocument"]:
    """Every document matching ``node``, in natural order, as a list (a
    multi-document write: one comprehension, no generator step per document)."""
    matches = node.matches
    return [stored for stored in checked(candidates(coll, node, hint, collation))
            if matches(stored.doc)]


def first_matching(coll: "CollectionData", node: MatchNode, hint: Any = None,
                   collation: Any = None) -> list["StoredDocument"]:
    """The first document matching ``node`` in natural order, as a list of at most
    one (a single-document write stops at its first match, as the server's does)."""
    return list(itertools.islice(matching(coll, node, hint, collation), 1))


def read_snapshot(coll: "CollectionData", node: MatchNode, hint: Any = None,
                  collation: Any = None) -> Iterator[dict]:
    """The documents matching ``node``, from a snapshot taken now, under the
    caller's lock; the matching itself runs as the result is consumed, after
    the lock is released, so a long count or distinct makes nobody wait.
    (A write stores a new document, never changes a stored one in place.)"""
    docs = [stored.doc for stored in candidates(coll, node, hint, collation)]
    matches = node.matches
    return (doc for doc in checked(docs) if matches(doc))


def read(coll: "CollectionData", node: MatchNode, sort: Any = None, want: int = 0,
         hint: Any = None, collation: Any = None) -> tuple[Iterator["StoredDocument"], bool]:
    """The documents matching ``node`` for a query, planned once: the matches and
    whether they already come in ``sort`` order (``want``: how many the caller
    keeps, 0 for all, so a sort-providing index can stop early)."""
    found, presorted, _ = read_with_plan(coll, node, sort, want, hint, collation=collation)
    return found, presorted


def read_with_plan(coll: "CollectionData", node: MatchNode, sort: Any = None, want: int = 0,
                   hint: Any = None, min_spec: Any = None, max_spec: Any = None,
                   collation: Any = None, held: list | None = None) \
        -> tuple[Iterator["StoredDocument"], bool, Plan | None]:
    """:func:`read`, with ``min``/``max`` bounds on the hinted index, also giving
    the plan that produced the documents (None: scanned without one);
    ``collation``: the query's (see :func:`candidates`).

    ``held``: ``[lock]``, the server lock the caller took (see :func:`let_go`);
    the read lets it go as the documents are consumed, once the rest of it works
    on a snapshot, so a long query lets other clients in (points on ``_id`` keep
    the lock: they are short)."""
    planned = plan_find(coll, node, sort, want, hint, min_spec, max_spec, collation)
    if planned is not None:
        if not want or sort and not planned.sorted:
            # the caller reads every match (to the end, or to sort them): listed at once
            return checked(planned.all_documents(held)), planned.sorted, planned.plan
        return checked(planned.documents(held)), planned.sorted, planned.plan
    matches = node.matches
    if collation is not None:
        return _scanned(list(coll.documents.values()), matches, held), False, None
    if not coll.keyed_by_record and _id_lookup_keys(node) is not None:
        plan: Plan | None = IdLookup([])  # the _id_ index answers the points
        return (s for s in checked(_scan_candidates(coll, node)) if matches(s.doc)), False, plan
    return _scanned(_scan_candidates(coll, node), matches, held), False, None


def _scanned(snapshot: list["StoredDocument"], matches: Callable[[dict], bool],
             held: list | None) -> Iterator["StoredDocument"]:
    """A collection scan's matches: the list is a snapshot, so the lock goes first."""
    if held:
        let_go(held)
    for stored in checked(snapshot):
        if matches(stored.doc):
            yield stored


def scanned_key_pattern(plan: Plan | None) -> Any:
    """The key pattern of the index a plan scans (None: a collection scan)."""
    while isinstance(plan, OrPlan) and plan.children:
        plan = plan.children[0]
    if isinstance(plan, IdLookup):
        return KeyPattern({"_id": 1})
    if isinstance(plan, IndexScan):
        return plan.index.pattern
    return None


def plan_summary(plan: Plan | None) -> str:
    """mongod's ``planSummary`` of a plan: ``COLLSCAN``, ``IDHACK`` (points on
    ``_id``), ``IXSCAN { a: 1 }``, several scans joined by ``, ``."""
    if plan is None or isinstance(plan, CollScan):
        return "COLLSCAN"
    if isinstance(plan, OrPlan):
        return ", ".join(plan_summary(child) for child in plan.children) or "COLLSCAN"
    if isinstance(plan, IdLookup):
        return "IDHACK"
    if isinstance(plan, (IndexScan, TextPlan)):  # (a TEXT plan scans its text index)
        pattern = ", ".join(f"{path}: {render(direction)}" for path, direction in
                            plan.index.spec["key"].items())
        return f"IXSCAN {{ {pattern} }}"
    return plan.stage
