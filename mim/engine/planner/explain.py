"""``explain`` for a find: the chosen plan as MongoDB's stage tree.

The reply has the classic engine's shape (``queryPlanner.winningPlan`` with
``COLLSCAN`` / ``IXSCAN`` / ``FETCH`` / ``OR`` / ``SORT`` / ``SKIP`` /
``LIMIT`` / projection stages) and, unless the verbosity is
``queryPlanner``, ``executionStats`` counted by actually running the plan.
"""

from __future__ import annotations

import datetime
import itertools
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bson.binary import Binary
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp

from ..languages.matcher import LeafNode, MatchNode
from ..languages.matcher.serialize import (AND, EQ, GT, GTE, LT, LTE, MATCH_IN, OR,
                                           TYPE_OPERATOR, Parsed,
                                           conjuncts_of, normalize_filter, serialize,
                                           without_internal_expr)
from ..languages.sorting import TEXT_SCORE, parse_sort_spec
from ..languages.matcher.text import find_text_node
from ..languages.matcher.geo import NearNode, find_near_node
from .bounds import conjuncts, render_interval
from .choosing import choose_plan, plan_for_hint, proves_filter, text_plan
from .plans import CollScan, IdLookup, IndexScan, OrPlan, Plan, PlannedQuery, TextPlan

if TYPE_CHECKING:
    from ..storage.store import CollectionData

def _source_stage(plan: Plan, node: MatchNode, parsed: Parsed) -> dict[str, Any]:
    """The data-source part of the plan tree, with per-stage counters."""
    residual = _stage_filter(plan, parsed)
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


def _stage_filter(plan: Plan, parsed: Parsed) -> dict[str, Any] | None:
    """A COLLSCAN's or FETCH's ``filter``: the normalised filter less the
    predicates an index scan's bounds answer exactly (the planner's trimming of
    EXACT predicates: one left is shown alone, several under ``$and``) and less
    the ``$_internalExpr*`` predicates an ``$expr`` implied; None when nothing
    is left to check."""
    node: Parsed | None = parsed
    if isinstance(plan, (IndexScan, IdLookup)):
        kept = _unanswered(plan, parsed)
        node = kept[0] if len(kept) == 1 else Parsed(AND, children=kept)
    elif isinstance(plan, OrPlan) and parsed.kind == OR and all(
            any(not _unanswered(branch, clause) for branch in plan.children)
            for clause in parsed.children):
        node = None  # each clause is its branch's bounds exactly: nothing to re-check
    if node is None:
        return None
    node = without_internal_expr(node)
    if node is None:
        return None
    return serialize(node) or None


def _unanswered(plan: Plan, parsed: Parsed) -> list[Parsed]:
    """The predicates of ``parsed`` (its conjuncts) the bounds of an index scan
    do not answer exactly (the planner's trimming of EXACT predicates)."""
    if not isinstance(plan, (IndexScan, IdLookup)):
        return conjuncts_of(parsed)
    predicates = conjuncts_of(parsed)
    on_path: dict[str, int] = {}
    for predicate in predicates:
        on_path[predicate.path] = on_path.get(predicate.path, 0) + 1
    return [predicate for predicate in predicates
            if not _answered_by_bounds(plan, predicate, on_path[predicate.path])]


#: the operand types whose index bounds are EXACT (IndexBoundsBuilder): a key
#: within the bounds is a match (null, arrays, regexes, NaN and MinKey/MaxKey
#: are not: their bounds also hold what does not match)
_EXACT_OPERAND_TYPES = frozenset({str, int, float, bool, Int64, ObjectId, datetime.datetime,
                                  Decimal128, Binary, bytes, Timestamp})
_BOUNDED_KINDS = frozenset({EQ, LT, LTE, GT, GTE, MATCH_IN})


def _exact_operand(value: Any, equality: bool) -> bool:
    cls = type(value)
    if cls is float:
        return value == value
    if cls is Decimal128:
        return not value.to_decimal().is_nan()
    if equality and isinstance(value, Mapping):
        return True  # an embedded document's key is the document
    return cls in _EXACT_OPERAND_TYPES


def _answered_by_bounds(plan: Plan, predicate: Parsed, on_its_path: int) -> bool:
    """Whether ``plan``'s index bounds answer ``predicate`` exactly: an
    equality, range or ``$in`` of exact operands on a field the scan bounds,
    neither hashed nor under a collation (strings), nor multikey with another
    predicate on it (one of them only made the bounds)."""
    if predicate.kind == TYPE_OPERATOR and predicate.rhs == {"$type": ["number"]}:
        operands: list = []  # the one numbers' interval: EXACT (IndexBoundsBuilder)
    elif predicate.kind not in _BOUNDED_KINDS:
        return False
    elif predicate.kind == MATCH_IN:
        equalities, regexes = predicate.value
        if regexes:
            return False
        operands = equalities
    else:
        operands = [predicate.value]
    if isinstance(plan, IdLookup):
        index_collation = None
        if predicate.path != "_id":
            return False
    else:
        assert isinstance(plan, IndexScan)
        index = plan.index
        pattern = index.pattern
        if plan.sort_only or getattr(index, "geo", None) or getattr(index, "text", False):
            return False
        fields = pattern.paths[:plan.bounded_fields]
        if predicate.path not in fields:
            return False
        position = fields.index(predicate.path)
        multikey = getattr(index, "multikey_counts", None)
        if pattern.hashed[position] or (
                multikey is not None and multikey[position] and on_its_path > 1):
            return False
        index_collation = index.collation
    equality = predicate.kind in (EQ, MATCH_IN)
    return all(_exact_operand(value, equality) and not (
        index_collation is not None and isinstance(value, str)) for value in operands)


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
            "indexBounds": {"_id": [render_interval(iv) for iv in plan.intervals]}}
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


#: operators whose index bounds are exact for scalar arguments (no FETCH filter needed)
_EXACT_OPERATORS = frozenset({"$eq", "$lt", "$lte", "$gt", "$gte", "$in"})


def _covered(plan: Plan, node: MatchNode, projection: Mapping | None,
             sort_fields: list) -> bool:
    """Whether an index scan answers the query without the documents: an inclusion
    projection of the index's own fields (``_id`` excluded unless indexed), a
    filter of exact bounds on those fields, a sort on them, no multikey index."""
    if not isinstance(plan, IndexScan) or not projection or plan.index.multikey \
            or plan.index.partial is not None or plan.index.sparse \
            or "collation" in plan.index.spec:
        return False  # keys that are not the values (collation), or not every document
    fields = set(plan.index.pattern.paths)
    wanted = set()
    for key, value in projection.items():
        if isinstance(value, (Mapping, list, str)) or key.startswith("$"):
            return False
        if key == "_id" and not value:
            continue
        if not value:
            return False  # an exclusion projection needs the whole document
        wanted.add(key)
    if "_id" not in projection:
        wanted.add("_id")
    if not wanted or not wanted <= fields:
        return False
    for leaf in conjuncts(node):
        if not isinstance(leaf, LeafNode) or leaf.path not in fields \
                or leaf.operator not in _EXACT_OPERATORS:
            return False
        arguments = leaf.argument if leaf.operator == "$in" else [leaf.argument]
        if not isinstance(arguments, list) or any(
                value is None or isinstance(value, (list, Mapping, Regex, re.Pattern))
                for value in arguments):
            return False
    return all(path in fields for path, _ in sort_fields)


def _without_fetch(tree: dict[str, Any]) -> dict[str, Any]:
    """The plan tree with its FETCH stage replaced by that stage's input."""
    if tree.get("stage") == "FETCH":
        return tree["inputStage"]
    if "inputStage" in tree:
        return {**tree, "inputStage": _without_fetch(tree["inputStage"])}
    return tree


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
                 verbosity: str = "allPlansExecution", collation: Any = None) -> dict[str, Any]:
    """The ``explain`` reply for a find, in MongoDB's shape (classic engine):
    ``queryPlanner.winningPlan`` and, unless the verbosity is
    ``queryPlanner``, ``executionStats`` from actually running the plan."""
    text = find_text_node(node)
    sort_fields = parse_sort_spec(sort, text is not None) if sort else []
    by_score = any(direction == TEXT_SCORE for _, direction in sort_fields)
    sort_fields = [(path, d) for path, d in sort_fields if d != TEXT_SCORE]
    limit = abs(limit)
    want = skip + limit if limit else 0
    started = time.perf_counter()
    planned: PlannedQuery | None = None
    text_access = text_plan(coll, node, hint) \
        if text is not None and text.query is not None and coll is not None else None
    parsed = normalize_filter(filter) if text_access is None else normalize_filter(
        filter, text_access.index.spec.get("default_language", "english"))
    if text_access is not None:
        with_stats = verbosity in ("executionStats", "allPlansExecution")
        return _explain_text(coll, namespace, node, text_access, parsed, with_stats,
                             by_score or _projects_score(projection), skip, limit)
    near = find_near_node(node)
    near_tree = None
    if coll is not None and near is not None and near.index is not None:
        near_tree = _near_stage(coll, near)
    elif coll is not None:
        if hint is not None:
            plan: Plan = plan_for_hint(coll, node, hint, sort_fields, collation)
        else:
            plan = choose_plan(coll, node, sort_fields, want) if collation is None \
                else choose_plan(coll, node, sort_fields, want, collation)
        planned = PlannedQuery(coll, node, plan, proves_filter(plan, node))
    with_stats = verbosity in ("executionStats", "allPlansExecution")
    n_returned = _run(planned, sort_fields, skip, limit) if with_stats else 0
    if near_tree is not None:
        n_returned = near_tree["nReturned"]
        n_returned = max(n_returned - skip, 0)
        n_returned = min(n_returned, limit) if limit else n_returned
    elapsed = int((time.perf_counter() - started) * 1000)
    if near_tree is not None:
        tree = near_tree
        provides_sort = False
    elif planned is None:
        tree: dict[str, Any] = {"stage": "EOF", "nReturned": 0}
        provides_sort = False
    else:
        tree = _source_stage(planned.plan, node, parsed)
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
    covered = bool(projection_stage) and planned is not None and \
        _covered(planned.plan, node, projection, sort_fields)
    if covered:
        # the index holds every field asked for: no FETCH (as the server's covered plans)
        tree = _without_fetch(tree)
        projection_stage = "PROJECTION_COVERED"
    if projection_stage:
        tree = {"stage": projection_stage, "transformBy": dict(projection or {}),
                "inputStage": tree, "nReturned": produced}
    planner_info: dict[str, Any] = {"namespace": namespace, "indexFilterSet": False,
                                    "parsedQuery": serialize(parsed)}
    if collation is not None:
        planner_info["collation"] = dict(collation.spec)  # the query's, as the server shows it
    reply: dict[str, Any] = {
        "explainVersion": "1",
        "queryPlanner": {
            **planner_info,
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
            "totalDocsExamined": 0 if covered else _total(plan_or_none, "docs_examined"),
            "executionStages": tree,
        }
        if verbosity == "allPlansExecution":
            reply["executionStats"]["allPlansExecution"] = []
    reply["ok"] = 1.0
    return reply


def _near_stage(coll: "CollectionData", near: NearNode) -> dict[str, Any]:
    """A near query's source stage: GEO_NEAR_2D or GEO_NEAR_2DSPHERE over its index
    (mim's grid cells are not the server's S2 cells: no index scans are shown beneath it)."""
    index = near.index
    matched = sum(1 for stored in coll.documents.values() if near.matches(stored.doc))
    return {"stage": "GEO_NEAR_2D" if near.two_d else "GEO_NEAR_2DSPHERE",
            "keyPattern": dict(index["key"]), "indexName": index["name"],
            "indexVersion": index.get("v", 2), "nReturned": matched}


def _projects_score(projection: Mapping | None) -> bool:
    return any(isinstance(value, Mapping) and value.get("$meta") == "textScore"
               for value in (projection or {}).values())


def _explain_text(coll: "CollectionData", namespace: str, node: MatchNode, plan: TextPlan,
                  parsed: Parsed, with_stats: bool, wants_score: bool, skip: int,
                  limit: int) -> dict[str, Any]:
    """A ``$text`` query's plan: TEXT_MATCH over FETCH/IXSCAN (one term, no score) or
    over TEXT_OR of one IXSCAN per term, as the classic planner builds it."""
    query = plan.query
    index = plan.index
    terms = sorted(query.terms_for_bounds)

    def ixscan() -> dict[str, Any]:
        return {"stage": "IXSCAN", "keyPattern": dict(index.spec["key"]),
                "indexName": index.name, "isMultiKey": True, "isUnique": False,
                "isSparse": False, "isPartial": False, "indexVersion": 2,
                "direction": "backward", "indexBounds": {}}

    matched = sum(1 for _ in PlannedQuery(coll, node, plan).documents()) if with_stats else 0
    scans = [ixscan() for _ in terms]
    if wants_score or len(terms) > 1:
        source: dict[str, Any] = {"stage": "TEXT_OR", "inputStages": scans}
    else:
        source = {"stage": "FETCH", "inputStage": scans[0] if scans else ixscan()}
    tree: dict[str, Any] = {
        "stage": "TEXT_MATCH", "indexPrefix": dict(plan.prefix), "indexName": index.name,
        "parsedTextQuery": {"terms": terms, "negatedTerms": sorted(query.negated_terms),
                            "phrases": list(query.positive_phrases),
                            "negatedPhrases": list(query.negated_phrases)},
        "textIndexVersion": 3, "inputStage": source}
    produced = matched
    if skip:
        produced = max(produced - skip, 0)
        tree = {"stage": "SKIP", "skipAmount": skip, "inputStage": tree}
    if limit:
        produced = min(produced, limit)
        tree = {"stage": "LIMIT", "limitAmount": limit, "inputStage": tree}
    reply: dict[str, Any] = {
        "explainVersion": "1",
        "queryPlanner": {
            "namespace": namespace, "indexFilterSet": False,
            "parsedQuery": serialize(parsed), "maxIndexedOrSolutionsReached": False,
            "maxIndexedAndSolutionsReached": False, "maxScansToExplodeReached": False,
            "winningPlan": tree, "rejectedPlans": []},
    }
    if with_stats:
        reply["executionStats"] = {"executionSuccess": True, "nReturned": produced,
                                   "executionTimeMillis": 0,
                                   "totalKeysExamined": plan.keys_examined,
                                   "totalDocsExamined": plan.docs_examined,
                                   "executionStages": tree}
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
