"""Command-level CRUD: the engine functions every face calls.

Each function takes plain command arguments, shaped like MongoDB's own
commands (``find``, ``insert``, ``update``, ``delete``, ``findAndModify``,
``count``, ``distinct``), and returns what the server would reply.  Inputs
are expected already decoded by the engine codec (the API layer round-trips
user values through BSON first, exactly as a driver would send them).

Write commands report per-statement failures in ``writeErrors`` the way the
server does, so ordered/unordered semantics and partial results match.
"""

from __future__ import annotations

import datetime
import itertools
import math
from collections.abc import Iterable, Mapping
from typing import Any

import bson
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.regex import Regex

from ..values.empty_timestamps import (TIMESTAMP_TYPE, fill_empty_timestamps,
                                      fill_sent_empty_timestamps)
from ..values.errors import ServerError, bad_value
from ..languages.matcher import AndNode, LeafNode, MatchContext, MatchNode, compile_filter
from ..planner import IdLookup, all_matching, point_matches, point_reads, first_matching, matching, plan_summary, read, read_snapshot, read_with_plan, scanned_key_pattern
from ..planner.nearest import nearest_documents
from ..values.paths import split_path, walk
from ..languages.metadata import check_metadata_available
from ..languages.projection import available_query_metadata, compile_projection, \
    metadata_readers
from ..languages.sorting import compile_sort, has_text_score_sort, smallest_positions
from ..languages.matcher.text import find_text_node
from ..languages.matcher.geo import find_near_node, near_sort_key
from ..storage.shapes import copied_shadow, offered_originals
from ..storage.documents import (MAY_BE_TOO_DEEP, PLAIN_ID_TYPES, check_id, decode_shadows,
                                 encode_updated, prepare_new_document, prepare_sent_document)
from ..storage.store import (ENGINE_CODEC, MAX_BSON_SIZE, CollectionData, Server, StoredDocument,
                             WriteBlocked, decode_shadow)
from ..storage.overlay import OverlayCollection
from ..storage.validation import check_write
from ..values.order import MISSING, sort_key
from . import views
from .aggregate import run_pipeline
from .collations import operation_collation
from .profiler import PLAN_NOTE, note_plan
from ..pipeline import memory
from .text_queries import compile_query
from .timeseries_buckets import buckets_reader
from .timeseries import (BUCKETS_PREFIX, measurement, check_update, refuse_buckets,
                         refuse_find_and_modify)
from ..languages.expressions import ExpressionContext, compile_expression
from ..update import apply_top_level, build_upsert_document, compile_update, top_level_sets
from ..update.pipeline import lite_parse
from ..update.storage import validate_document
from ..values.render import render

__all__ = ["find", "find_point", "NOT_A_POINT", "insert_sent", "update_point", "key_or_record", "count", "distinct", "insert", "update", "delete", "find_and_modify"]


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------


def evaluate_let(let: Mapping | None) -> dict:
    """A command's ``let``: each value is an expression evaluated once, before any
    document is read (so ``{"$literal": "x"}`` gives ``"x"``)."""
    if not let:
        return {}
    return {name: compile_expression(spec, ExpressionContext())({"ROOT": {}})
            for name, spec in let.items()}


def _compile_query(filter: Mapping | None, let: Mapping | None, server: Server, db: str,
                   coll: str, collation: Any = None) -> MatchNode:
    """A write's query (a write to ``system.buckets.*`` is refused: mim derives them)."""
    if coll.startswith(BUCKETS_PREFIX):
        refuse_buckets(coll)
    return compile_query(filter, let, server, db, coll, collation=collation)


def _buckets_of(server: Server, db: str, coll: str) -> Any:
    """``system.buckets.<name>`` (which no stored collection is): the bucket
    documents of the time-series collection, made now; None for any other name."""
    if not coll.startswith(BUCKETS_PREFIX):
        return None
    return buckets_reader(server, db, coll).get_collection(db, coll)


def find(server: Server, db: str, coll: str, filter: Mapping | None = None, *,
         projection: Mapping | None = None, sort: Any = None, skip: int = 0, limit: int = 0,
         hint: Any = None, let: Mapping | None = None, max_scan: int | None = None,
         min: Mapping | None = None, max: Mapping | None = None, return_key: bool = False,
         show_record_id: bool = False, collation: Any = None,
         allow_disk_use: bool = True) -> list[bytes]:
    """Run a query and return the result documents as BSON bytes, in order.

    ``min``/``max`` bound the scan of the hinted index (inclusive / exclusive, in
    the index's order); ``return_key`` returns each document's key in the index
    the plan scanned (``{}`` for a collection scan); ``show_record_id`` adds the
    document's ``$recordId``; ``allow_disk_use=False`` (``allowDiskUse: false``;
    7.0's default is true) caps a blocking sort at 100 MB (292).
    """
    if skip < 0:
        raise bad_value("skip value must be non-negative, but received: %d" % skip)
    if min and max:
        check_min_max(min, max)
    if collation is not None or server.default_collations:
        collation = operation_collation(server, db, coll, collation)
    if views.resolve(server, db, coll) is not None:
        for option, value in (("min", min), ("max", max), ("returnKey", return_key),
                              ("showRecordId", show_record_id)):
            if value:
                raise ServerError(168, f"Option {option} not supported in aggregation.")
        # a view: the query becomes stages appended to the resolved view pipeline
        stages = [{"$match": dict(filter or {})}] if filter else []
        stages += [{"$sort": sort}] if sort else []
        stages += [{"$skip": skip}] if skip else []
        stages += [{"$limit": abs(limit)}] if limit else []
        stages += [{"$project": projection}] if projection else []
        return _run_view(server, db, coll, stages, let=let, hint=hint)
    let = evaluate_let(let) if let else {}
    node = compile_query(filter, let, server, db, coll, collation=collation)
    # one comparison on one path (the point lookups) holds no $text or $near
    single = type(node) is AndNode and len(node.nodes) == 1 and type(node.nodes[0]) is LeafNode
    text = None if single else find_text_node(node)
    sort_key_fn = compile_sort(sort, metadata_readers(node), collation) if sort else None
    proj = compile_projection(projection, dict(let), collation) if projection else None
    if proj is not None and proj.metadata_names:
        check_metadata_available(proj.metadata_names, available_query_metadata(node))
    if text is not None and has_text_score_sort(sort):
        sort = None  # the planner has no score order: sorted by sort_key_fn below
    near = None if single else find_near_node(node)
    nearest_only = False
    if near is not None:
        check_near_options(sort, hint)
        # the index's grid answers "the k nearest" when nothing else orders the documents
        nearest_only = sort_key_fn is None and hint is None and not min and not max
        # GEO_NEAR returns documents nearest first; a sort reorders them (ties stay by distance)
        sort_key_fn = near_sort_key(near, sort_key_fn)
        sort = None
    elif sort and hint is None and type(sort) is dict and len(sort) == 1 \
            and sort.get("$natural") in (1, -1):
        # sort {$natural: ±1}: the planner's collection scan in that direction
        hint, sort, sort_key_fn = {"$natural": sort["$natural"]}, None, None
    limit = abs(limit)
    lock = server.lock
    lock.acquire()
    held = [lock]
    try:
        collection = server.get_collection(db, coll)
        if collection is None:
            collection = _buckets_of(server, db, coll)
            if collection is None:
                return []
        want = skip + limit if limit and sort_key_fn is None or sort is not None and limit else 0
        point = point_matches(collection, node, want) if single and sort is None \
            and hint is None and collation is None and not min and not max \
            and not return_key and not show_record_id and PLAN_NOTE.stats is None else None
        if point is not None:
            # a point ({_id: v} is the server's IDHACK; {uid: v} its cached plan): read
            # from the index the planner would choose, without planning
            chosen = point[skip:]
            return [s.raw for s in chosen] if proj is None else \
                [bson.encode(proj.apply(decode_shadow(s.raw), query=node)) for s in chosen]
        nearest = nearest_documents(collection, near, node, skip + limit if limit else 0) \
            if nearest_only and near.index is not None and (
                limit or near.query.max_distance != math.inf) else None
        if nearest is not None:
            found, presorted, plan = iter(nearest), True, None
        else:
            # a long scan lets the lock go part-way (read_with_plan's ``held``): the
            # rest of it, the sort and the projection run on a snapshot
            found, presorted, plan = read_with_plan(collection, node, sort, want, hint,
                                                    min or None, max or None, collation, held)
        if sort_key_fn is not None and not presorted:
            if limit:
                if type(found) is not list:
                    found = list(found)
                chosen = [found[i] for i in smallest_positions(
                    [stored.doc for stored in found], skip + limit, sort_key_fn)]
            else:
                chosen = sorted(found, key=lambda s: sort_key_fn(s.doc))
            if not allow_disk_use and near is None:  # (GEO_NEAR is no blocking sort)
                _check_sort_memory(chosen, skip + limit)
            chosen = chosen[skip:]
        else:
            stop = skip + limit if limit else None
            chosen = list(itertools.islice(found, skip, stop))
        if PLAN_NOTE.stats is not None:  # a profiled operation: what the plan examined
            _note_find_plan(plan, len(collection), len(chosen))
    finally:
        if held:  # let_go(held), inline: this is the find_one-by-_id path
            held.pop().release()
    if return_key or show_record_id:
        key_pattern = scanned_key_pattern(plan) if return_key else None
        return [key_or_record(s, proj, node, return_key, key_pattern, show_record_id)
                for s in chosen]
    if proj is None:
        return [s.raw for s in chosen]
    return [bson.encode(proj.apply(decode_shadow(s.raw), query=node)) for s in chosen]


#: :func:`find_point`'s answer when the general :func:`find` must answer (and any
#: shortcut's when its command must be sent: :func:`insert_sent`)
NOT_A_POINT = object()


def find_point(server: Server, db: str, coll: str, path: str, value: Any) -> Any:
    """``find(server, db, coll, {path: value}, limit=1)``'s one document (its
    BSON bytes, or None for no match) for a top-level ``path`` and a ``value``
    whose key equality is BSON equality (an int, a string, an ObjectId; the
    caller checks), read as :func:`find` reads a point — without compiling the
    filter, which can then hold nothing to refuse, ``$text`` or ``$near``.
    :data:`NOT_A_POINT` whenever :func:`find` could do anything else: no such
    collection (a view, a time-series bucket namespace, nothing), a collation, a
    profiled server (whose operations note their plan's statistics), or a point the
    planner must cost or scan."""
    if server.profiled or server.default_collations and operation_collation(
            server, db, coll, None) is not None:
        return NOT_A_POINT
    lock = server.lock
    lock.acquire()
    try:
        database = server.databases.get(db)
        collection = database.collections.get(coll) if database is not None else None
        if collection is None:
            return NOT_A_POINT
        found = point_reads(collection, path, value, 1)
    finally:
        lock.release()
    if found is None:
        return NOT_A_POINT
    return found[0].raw if found else None


def update_point(server: Server, db: str, coll: str, path: str, value: Any, sets: dict,
                 upsert: bool) -> Any:
    """``update(server, db, coll, [{q: {path: value}, u: {$set: sets}, upsert}])``'s
    ``(n, nModified)`` for a top-level ``path``, a ``value`` whose key equality is
    BSON equality (an int, a string, an ObjectId; the caller checks) and ``sets``
    that :func:`~mim.engine.update.top_level_sets` takes (plain top-level
    names to plain scalars): the point read as :func:`find_point` reads it, the new
    values set on a copy of the shadow, the document re-encoded once and swapped
    through :meth:`CollectionData.replace` (the one write path: its change event,
    its index upkeep of only the fields the update touches) — without compiling the
    filter or building the general statement.

    :data:`NOT_A_POINT`, with nothing written, whenever :func:`update` could do
    anything else: no such collection (a view, a time-series bucket namespace,
    nothing), a time-series collection, a validator, a collation, a profiled
    server, a point the planner must cost or scan, an upsert that inserts, a
    document that does not decode as a plain dict, any error (the general path
    raises it, as a write error), a document an open transaction holds."""
    if server.profiled or server.default_collations and operation_collation(
            server, db, coll, None) is not None:
        return NOT_A_POINT
    update = top_level_sets(sets) if sets else None
    if update is None:
        return NOT_A_POINT
    pairs, touched = update
    lock = server.lock
    lock.acquire()
    try:
        database = server.databases.get(db)
        collection = database.collections.get(coll) if database is not None else None
        if collection is None or collection.validator is not None \
                or "timeseries" in collection.options or coll.startswith(BUCKETS_PREFIX):
            return NOT_A_POINT
        found = point_reads(collection, path, value, 1)
        if not found:
            return NOT_A_POINT if found is None or upsert else (0, 0)
        stored = found[0]
        doc = stored.doc
        if type(doc) is not dict:
            return NOT_A_POINT
        size = len(doc)
        doc = doc.copy()  # (nested values shared: no write changes a stored value in place)
        apply_top_level(doc, pairs)
        try:
            raw = encode_updated(doc)
        except ServerError:
            return NOT_A_POINT
        if raw == stored.raw:
            return 1, 0
        try:
            # (no field added: the copy's names are the stored shadow's, already shared)
            collection.replace(stored, raw, doc, "update", touched, None, len(doc) == size)
        except ServerError:  # (WriteBlocked, a duplicate key: raised before any write)
            return NOT_A_POINT
        return 1, 1
    finally:
        lock.release()


def _names(spec: Any) -> list:
    if isinstance(spec, Mapping):
        return list(spec)
    if isinstance(spec, (list, tuple)):
        return [item[0] for item in spec if isinstance(item, (list, tuple)) and item]
    return []


def check_near_options(sort: Any, hint: Any) -> None:
    """``CanonicalQuery::isValid``: a near query takes no ``$natural`` sort or hint."""
    if "$natural" in _names(sort):
        raise bad_value("geoNear expression not allowed with $natural sort order")
    if "$natural" in _names(hint):
        raise bad_value("geoNear expression not allowed with $natural hint")


def nearest_first(targets: list, node: MatchNode) -> list:
    """The documents a single-document write chooses from, nearest first for a
    near query (the server's GEO_NEAR plan yields them in that order)."""
    if len(targets) < 2:
        return targets
    near = find_near_node(node)
    if near is None:
        return targets
    return sorted(targets, key=lambda s: near.distance(s.doc))


def _note_find_plan(plan: Any, scanned: int, returned: int) -> None:
    """The profiler's ``keysExamined``/``docsExamined``/``planSummary`` of a find
    (a scan without a plan examined every document; points on ``_id`` one key
    and one document per result)."""
    if plan is None:
        note_plan(0, scanned, "COLLSCAN")
    elif isinstance(plan, IdLookup) and not plan.intervals:
        note_plan(returned, returned, "IDHACK")
    else:
        note_plan(plan.keys_examined, plan.docs_examined, plan_summary(plan))


def _check_sort_memory(kept: list[StoredDocument], limit: int) -> None:
    """A blocking sort that may not spill holds at most the server's limit
    (``internalQueryMaxBlockingSortMemoryUsageBytes``), counted as the BSON size
    of what it keeps: all documents, or the top ``limit`` (a top-k sort; one
    document never spills).  Beyond it the sorter's 292, in the find context."""
    if limit == 1:
        return
    limit_bytes = memory.SORT_MEMORY_LIMIT
    total = 0
    for stored in kept:
        total += len(stored.raw)
        if total > limit_bytes:
            tail = " Aborting operation. Pass allowDiskUse:true to opt in." if limit else ""
            raise ServerError(292, f"Executor error during find command :: caused by :: Sort "
                                   f"exceeded memory limit of {limit_bytes} bytes, but did "
                                   f"not opt in to external sorting.{tail}")


def write_targets(collection: CollectionData, node: MatchNode, hint: Any, single: bool,
                  collation: Any = None) -> list[StoredDocument]:
    """The documents a write changes: every match, or for a single-document
    write the first in natural order (found without matching the rest) —
    the nearest for a near query (its GEO_NEAR plan yields nearest first)."""
    if not single:
        return all_matching(collection, node, hint, collation)
    if hint is None and collation is None:
        point = point_matches(collection, node, 1)
        if point is not None:
            return point
    if find_near_node(node) is not None:
        return nearest_first(all_matching(collection, node, hint, collation), node)[:1]
    return first_matching(collection, node, hint, collation)


def check_min_max(min: Mapping | None, max: Mapping | None) -> None:
    """The find command's own check: ``min`` and ``max`` name the same fields."""
    if min and max and list(min) != list(max):
        raise ServerError(51176, "min and max must have the same field names")


def key_or_record(stored: StoredDocument, proj: Any, node: MatchNode, return_key: bool,
                   key_pattern: Any, show_record_id: bool) -> bytes:
    """``returnKey``: the document's key in the scanned index (``{}`` for a
    collection scan); ``showRecordId``: ``$recordId`` appended to the result —
    unless ``returnKey`` is set too: the key alone comes back then (the
    command-monitoring spec's "find with showRecordId and returnKey" reply)."""
    doc: dict = {}
    if return_key:
        if key_pattern is not None:
            for i, path in enumerate(key_pattern.paths):
                pairs, _, _ = key_pattern.field_values(stored.doc, i)
                value = pairs[0][1]
                doc[path] = None if value is MISSING else value
    elif proj is not None:
        doc = proj.apply(decode_shadow(stored.raw), query=node)
    else:
        doc = decode_shadow(stored.raw)
    if show_record_id and not return_key:
        doc["$recordId"] = Int64(stored.record_id)
    return bson.encode(doc, codec_options=ENGINE_CODEC)


def _run_view(server: Server, db: str, view: str, stages: list, **options: Any) -> list[bytes]:
    """An operation on a view, as the aggregation it becomes (the view's own
    collation applies: an operation asking for another one was refused already)."""
    return run_pipeline(server, db, view, stages, **options)


def count(server: Server, db: str, coll: str, filter: Mapping | None = None, *,
          skip: int = 0, limit: int = 0, hint: Any = None, collation: Any = None,
          javascript: bool = True) -> int:
    """How many documents of ``db.coll`` match ``filter``; ``javascript=False`` when
    the filter is an aggregation's ``$match`` (``$where`` is not allowed there)."""
    if collation is not None or server.default_collations:
        collation = operation_collation(server, db, coll, collation)
    resolved = views.resolve(server, db, coll)
    if resolved is not None:
        stages = [{"$match": dict(filter or {})}] if filter else []
        stages += [{"$skip": skip}] if skip else []
        stages += [{"$limit": abs(limit)}] if limit else []
        found = _run_view(server, db, coll, stages + [{"$count": "count"}], hint=hint)
        return int(decode_shadow(found[0])["count"]) if found else 0
    # count_documents is an aggregation on the server: its $match refuses $near (5626500)
    node = compile_query(filter, None, server, db, coll, near_allowed=False, collation=collation,
                         javascript=javascript)
    with server.lock:
        collection = server.get_collection(db, coll)
        if collection is None:
            collection = _buckets_of(server, db, coll)
        if collection is None:
            return 0
        if filter or hint is not None:
            snapshot = read_snapshot(collection, node, hint, collation)
        else:
            snapshot = None
            n = len(collection)
    if snapshot is not None:
        # matched on the snapshot outside the lock: other clients never wait
        n = sum(1 for _ in snapshot)
    n = max(n - skip, 0) if skip else n
    return min(n, abs(limit)) if limit else n


def distinct(server: Server, db: str, coll: str, key: str, filter: Mapping | None = None,
             collation: Any = None) -> list:
    """Distinct values of ``key`` (array values contribute their elements; under a
    collation, values it deems equal count once: the first one met is kept)."""
    if not isinstance(key, str):
        raise ServerError(14, "key must be a string")
    if not key:
        raise bad_value("FieldPath cannot be constructed with empty string")
    if key.startswith("$"):
        raise bad_value("FieldPath field names may not start with '$'. Consider using "
                        "$getField or $setField.")
    if collation is not None or server.default_collations:
        collation = operation_collation(server, db, coll, collation)
    node = compile_query(filter, None, server, db, coll, collation=collation)
    parts = split_path(key)
    seen: dict[tuple, Any] = {}
    key_of = sort_key if collation is None else collation.sort_key
    resolved = views.resolve(server, db, coll)
    if resolved is not None:
        stages = [{"$match": dict(filter)}] if filter else []
        found: Iterable[Any] = [decode_shadow(raw)
                                for raw in _run_view(server, db, coll, stages)]
    else:
        with server.lock:
            collection = server.get_collection(db, coll)
            if collection is None:
                collection = _buckets_of(server, db, coll)
            if collection is None:
                return []
            found = read_snapshot(collection, node, None, collation)
    # values are gathered outside the lock, from the snapshot
    for doc in found:
        for leaf in walk(doc, parts):
            if leaf is MISSING:
                continue
            values = leaf if isinstance(leaf, list) else (leaf,)
            for value in values:
                k = key_of(value)
                if k not in seen:
                    seen[k] = value
    return [seen[k] for k in sorted(seen)]


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------


def insert(server: Server, db: str, coll: str, documents: list[dict | bytes],
           ordered: bool = True, bypass_validation: bool = False) -> dict:
    """The ``insert`` command: returns ``{"n": …, "writeErrors": […]}``.

    Each document is checked against the collection's validator unless
    ``bypass_validation`` (``bypassDocumentValidation``).
    """
    n = 0
    errors: list[dict] = []
    lock = server.lock
    lock.acquire()  # (``with server.lock`` costs an insert_one twice as much)
    try:
        # server.get_collection(db, coll) with no call while the database exists (a
        # transaction's view makes its databases on first use: get_database)
        database = server.databases.get(db) or server.get_database(db)
        collection = database.collections.get(coll) if database is not None else None
        if collection is None:  # (an existing collection is never a view)
            try:
                views.check_not_view(server, db, coll)
            except ServerError as exc:
                return _write_reply(0, [{"index": 0, **exc.as_write_error()}])
            try:
                collection = server.get_collection(db, coll, create=True)
            except ServerError:
                refuse_buckets(coll)  # system.buckets.*: 238 (mim derives the buckets), not 73
                raise
        validated = collection.validator is not None
        timeseries = "timeseries" in collection.options
        # the dicts a face encoded the batch from (insert_many's), whose copies are
        # the shadows where they can be; otherwise a batch of BSON documents is
        # decoded in one call
        originals = offered_originals(documents)
        shadows = decode_shadows(documents) if originals is None and len(documents) > 1 \
            else None
        for index, document in enumerate(documents):
            try:
                if originals is not None:
                    original = originals[index]
                    shadow = None if original is None else copied_shadow(original, document)
                    if shadow is None:
                        shadow = decode_shadow(document)
                else:
                    shadow = None
                    if shadows is not None:
                        shadow = shadows[index]
                        # the batch lets go of each decoded dict as it is stored (the
                        # store keeps a re-keyed copy): freed one by one, not all at the
                        # batch's end, they do not add up to extra young-generation
                        # collections
                        shadows[index] = None
                if shadow is not None:
                    # prepare_sent_document's checks at the cost of comparisons when they
                    # cannot fail; it runs the others (in the batch's order)
                    if type(document) is bytes and "_id" in shadow \
                            and type(shadow["_id"]) in PLAIN_ID_TYPES \
                            and len(document) <= MAY_BE_TOO_DEEP:
                        raw = document
                    else:
                        raw, shadow = prepare_sent_document(
                            document if type(document) is bytes else bytes(document), shadow)
                elif type(document) is bytes:  # what the faces send
                    raw, shadow = prepare_sent_document(document)
                elif isinstance(document, bytearray):
                    raw, shadow = prepare_sent_document(bytes(document))
                else:
                    raw, shadow = prepare_new_document(document)
                if TIMESTAMP_TYPE in raw:  # (one memchr of the bytes)
                    raw = fill_sent_empty_timestamps(raw, shadow, server.clock.tick)
                if validated:
                    check_write(collection, shadow, bypass=bypass_validation)
                if timeseries:
                    raw, shadow = measurement(collection, raw, shadow)
                try:
                    collection.insert(raw, shadow)
                except WriteBlocked as blocked:
                    collection = _insert_after_transaction(server, blocked, db, coll, raw,
                                                           shadow)
                n += 1
            except ServerError as exc:
                if exc.code == MAX_TIME_MS_EXPIRED:
                    raise  # an interruption fails the whole batch (write_ops_exec handleError)
                errors.append({"index": index, **exc.as_write_error()})
                if ordered:
                    break
    finally:
        lock.release()
    return {"n": n, "writeErrors": errors} if errors else {"n": n}  # (as _write_reply)


def insert_sent(server: Server, db: str, coll: str, raw: bytes, original: dict | None = None
                ) -> dict | None | object:
    """``insert(server, db, coll, [raw])`` for the one document (BSON bytes) a face's
    ``insert_one`` sends, into an existing collection that neither validates nor
    is time-series: the write path without the batch's loop.  None once the
    document is stored (``insert`` would answer ``{"n": 1}``), ``insert``'s reply
    when it is refused (its one write error); :data:`NOT_A_POINT` whenever
    ``insert`` could do anything else (no such collection: it is created, or a
    view refuses the write; a validator; a time-series collection), before
    anything is touched.  Each step is :func:`insert`'s, in its order.  ``server``
    may be a transaction's view, whose collections are overlays (the lookup is
    the collection's first touch there, as it is :func:`insert`'s).
    ``original``: the plain dict the face encoded ``raw`` from (see
    :func:`~mim.engine.storage.shapes.copied_shadow`), whose copy is the shadow
    when it can be (a decode otherwise)."""
    lock = server.lock
    lock.acquire()
    try:
        database = server.databases.get(db)
        collection = database.collections.get(coll) if database is not None else None
        # (a time-series collection is a RecordKeyedCollection; a transaction's view
        # keeps its writes to a collection in an overlay of it)
        if type(collection) is not CollectionData and type(collection) is not OverlayCollection \
                or collection.validator is not None:
            return NOT_A_POINT
        try:
            shadow = None if original is None else copied_shadow(original, raw)
            if shadow is None:
                shadow = decode_shadow(raw)
            # prepare_sent_document's checks at the cost of comparisons when they
            # cannot fail (as for a batch); it runs them otherwise
            if "_id" not in shadow or type(shadow["_id"]) not in PLAIN_ID_TYPES \
                    or len(raw) > MAY_BE_TOO_DEEP:
                raw, shadow = prepare_sent_document(raw, shadow)
            if TIMESTAMP_TYPE in raw:  # (one memchr of the bytes)
                raw = fill_sent_empty_timestamps(raw, shadow, server.clock.tick)
            try:
                collection.insert(raw, shadow)
            except WriteBlocked as blocked:
                _insert_after_transaction(server, blocked, db, coll, raw, shadow)
        except ServerError as exc:
            if exc.code == MAX_TIME_MS_EXPIRED:
                raise
            return {"n": 0, "writeErrors": [{"index": 0, **exc.as_write_error()}]}
    finally:
        lock.release()
    return None


#: MaxTimeMSExpired: an interruption, which fails a write command's whole batch rather
#: than one statement (``handleError`` in write_ops_exec.cpp rethrows it)
MAX_TIME_MS_EXPIRED = 50


def after_transaction(server: Server, blocked: WriteBlocked, run: Any) -> Any:
    """``run()`` once the transaction whose pending write blocked a write has ended
    (and again while another one blocks it): the server retries a write that met a
    transaction's uncommitted write until that transaction commits or aborts, then
    applies it to the committed state; ``maxTimeMS`` bounds the wait (50)."""
    while True:
        server.await_transaction(blocked.owner)
        try:
            return run()
        except WriteBlocked as again:
            blocked = again


def _insert_after_transaction(server: Server, blocked: WriteBlocked, db: str, coll: str,
                              raw: bytes, shadow: dict) -> CollectionData:
    """:func:`_insert_again` once the transaction that blocked the insert has ended.
    (A function of its own: a lambda in :func:`insert` would make its every local
    it reads a cell, paid for by every insert.)"""
    return after_transaction(server, blocked,
                             lambda: _insert_again(server, db, coll, raw, shadow))


def _insert_again(server: Server, db: str, coll: str, raw: bytes, shadow: dict
                  ) -> CollectionData:
    """Insert a document again (its collection may have been dropped meanwhile)."""
    collection = server.get_collection(db, coll, create=True)
    collection.insert(raw, shadow)  # type: ignore[union-attr]
    return collection  # type: ignore[return-value]


def _current_match(server: Server, blocked: WriteBlocked, collection: CollectionData,
                   stored: StoredDocument, node: MatchNode) -> StoredDocument | None:
    """A document a multi-document write met while a transaction held it, once that
    transaction has ended: as it is now, if it still matches (the server re-fetches
    the document and checks it still matches before writing it)."""
    server.await_transaction(blocked.owner)
    current = collection.documents.get(collection.key_of(stored))
    if current is None or not node.matches(current.doc):
        return None
    return current


def _write_reply(n: int, errors: list[dict], **counts: Any) -> dict[str, Any]:
    """A write command's reply: ``n``, extra counts, then ``writeErrors`` if any."""
    reply: dict[str, Any] = {"n": n, **counts}
    if errors:
        reply["writeErrors"] = errors
    return reply


class _CompiledUpdate:
    """One update statement, compiled and validated before any document is read."""

    def __init__(self, statement: Mapping, let: Mapping | None, server: Server, db: str,
                 coll: str) -> None:
        self.filter = statement.get("q") or {}
        self.spec = statement.get("u")
        self.multi = bool(statement.get("multi", False))
        self.upsert = bool(statement.get("upsert", False))
        self.hint = statement.get("hint")
        spec = self.spec
        spec_is_dict = type(spec) is dict  # (the common case: no ABC check)
        if not spec_is_dict and (spec is None or not isinstance(spec, (Mapping, list))):
            raise ServerError(14, "Update argument must be either an object or an array")
        if statement.get("let"):
            let = evaluate_let(statement["let"])
        self.collation = operation_collation(server, db, coll, statement.get("collation")) \
            if "collation" in statement or server.default_collations else None
        self.node = _compile_query(self.filter, let, server, db, coll, self.collation)
        # the server's rule: a document whose first field is not '$'-prefixed is a
        # replacement (checked for storage when applied)
        self.replacement = (spec_is_dict or isinstance(spec, Mapping)) and not (
            spec and str(next(iter(spec))).startswith("$"))
        #: the change event's operation: a replacement document or an update
        self.event_operation = "replace" if self.replacement else "update"
        if self.replacement:
            if self.multi:
                raise ServerError(9, "multi update is not supported for replacement-style "
                                     "update")
            self.operation = None
            #: a replacement's top-level empty timestamps get the cluster time
            self.tick = server.clock.tick
        else:
            self.operation = compile_update(spec, array_filters=statement.get("arrayFilters"),
                                            variables=dict(let) if let else {},
                                            collation=self.collation)
        #: the top-level fields the statement may change (None: any)
        self.touched = None if self.operation is None else self.operation.touched

    def apply(self, stored: StoredDocument) -> tuple[bytes, dict] | None:
        """The new (bytes, shadow) for a matched document, or None if unchanged."""
        old_id = stored.doc["_id"]
        if self.replacement:
            new_doc = dict(self.spec)
            validate_document(new_doc, allow_top_level_dollar=False)
            fill_empty_timestamps(new_doc, self.tick)
            if "_id" in new_doc:
                if sort_key(new_doc["_id"]) != sort_key(old_id) or \
                        type(new_doc["_id"]) is not type(old_id):
                    raise ServerError(66, f"After applying the update, the (immutable) field "
                                          f"'_id' was found to have been altered to _id: "
                                          f"{render(new_doc['_id'])}")
                new_doc = {"_id": new_doc.pop("_id"), **new_doc}
            else:
                new_doc = {"_id": old_id, **new_doc}
            raw = encode_updated(new_doc)
        else:
            operation = self.operation
            new_doc = stored.doc
            if operation.top_level is not None and type(new_doc) is dict:
                # only top-level values are replaced, added or removed: a copy of the
                # shadow (what its bytes decode to; nested values shared, as no write
                # changes a stored value in place) instead of decoding the bytes again
                new_doc = new_doc.copy()
            else:
                new_doc = decode_shadow(stored.raw)
            operation.apply(new_doc, query=self.node, is_insert=False)
            raw = encode_updated(new_doc)
            if operation.decodes_as_itself and type(new_doc) is dict:
                # the updated document is what its bytes decode to: it is the shadow
                return None if raw == stored.raw else (raw, new_doc)
        if raw == stored.raw:
            return None
        return raw, decode_shadow(raw)

    def upsert_document(self) -> dict:
        if self.replacement:
            doc = dict(self.spec)
            fill_empty_timestamps(doc, self.tick)
            if "_id" not in doc:
                seed = build_upsert_document(dict(self.filter or {}))
                if "_id" in seed:
                    doc = {"_id": seed["_id"], **doc}
        else:
            doc = build_upsert_document(dict(self.filter or {}))
            self.operation.apply(doc, query=self.node, is_insert=True)
        # UpsertStage: validated as an insert (top-level '$' names allowed)
        validate_document(doc, allow_top_level_dollar=True)
        if len(bson.encode(doc, codec_options=ENGINE_CODEC)) > MAX_BSON_SIZE:
            raise ServerError(17420, f"Document to upsert is larger than {MAX_BSON_SIZE}")
        return doc


def update(server: Server, db: str, coll: str, updates: list[Mapping], ordered: bool = True,
           let: Mapping | None = None, bypass_validation: bool = False) -> dict:
    """The ``update`` command: ``{"n", "nModified", "upserted"?, "writeErrors"?}``."""
    for statement in updates:
        spec = statement.get("u")
        if type(spec) is not dict and isinstance(spec, list):
            # parsed with the command: a bad stage fails the whole command
            lite_parse(spec)
    n = n_modified = 0
    upserted: list[dict] = []
    errors: list[dict] = []
    if let:
        try:
            let = evaluate_let(let)
        except ServerError as exc:
            return _write_reply(0, [{"index": 0, **exc.as_write_error()}], nModified=0)
    else:
        let = {}  # (what evaluate_let gives for none, without its call)
    with server.lock:
        for index, statement in enumerate(updates):
            try:
                try:
                    result = _update_one_statement(server, db, coll, statement, let,
                                                   bypass_validation)
                except WriteBlocked as blocked:  # nothing written yet: run it again
                    result = after_transaction(
                        server, blocked,
                        lambda: _update_one_statement(server, db, coll, statement, let,
                                                      bypass_validation))
            except ServerError as exc:
                if exc.code == MAX_TIME_MS_EXPIRED:
                    raise  # an interruption fails the whole batch (write_ops_exec handleError)
                errors.append({"index": index, **exc.as_write_error()})
                if ordered:
                    break
                continue
            matched, modified, upserted_id, error = result
            n += matched
            n_modified += modified
            if upserted_id is not MISSING:
                n += 1
                upserted.append({"index": index, "_id": upserted_id})
            if error is not None:
                errors.append({"index": index, **error.as_write_error()})
                if ordered:
                    break
    if not upserted and not errors:
        return {"n": n, "nModified": n_modified}  # (_write_reply's, without its call)
    extra: dict[str, Any] = {"nModified": n_modified}
    if upserted:
        extra["upserted"] = upserted
    return _write_reply(n, errors, **extra)


def _update_one_statement(server: Server, db: str, coll: str, statement: Mapping,
                          let: Mapping | None, bypass_validation: bool = False
                          ) -> tuple[int, int, Any, ServerError | None]:
    compiled = _CompiledUpdate(statement, let, server, db, coll)
    views.check_not_view(server, db, coll)
    collection = server.get_collection(db, coll, create=compiled.upsert)
    matched = modified = 0
    if collection is not None and "timeseries" in collection.options:
        check_update(collection, compiled.filter, compiled.spec, compiled.multi, compiled.upsert)
    if collection is not None:
        targets = write_targets(collection, compiled.node, compiled.hint, not compiled.multi,
                                compiled.collation)
        for stored in targets:
            matched += 1
            try:
                try:
                    change = compiled.apply(stored)
                    if change is not None:
                        check_write(collection, change[1], stored.doc, bypass_validation)
                        collection.replace(stored, *change, compiled.event_operation,
                                           compiled.touched)
                        modified += 1
                except WriteBlocked as blocked:
                    if not modified:
                        raise  # nothing written yet: the statement runs again
                    modified += _update_after_transaction(server, blocked, collection,
                                                          stored, compiled, bypass_validation)
            except WriteBlocked:
                raise
            except ServerError as exc:
                # update_many is not transactional: earlier documents stay updated
                if matched == 1:
                    raise
                return matched - 1, modified, MISSING, exc
    if matched == 0 and compiled.upsert:
        raw, shadow = prepare_new_document(compiled.upsert_document())
        check_write(collection, shadow, bypass=bypass_validation)
        collection.insert(raw, shadow)
        return 0, 0, shadow["_id"], None
    return matched, modified, MISSING, None


def _update_after_transaction(server: Server, blocked: WriteBlocked,
                              collection: CollectionData, stored: StoredDocument,
                              compiled: _CompiledUpdate, bypass_validation: bool) -> int:
    """One document of a multi-document update, once the transaction holding it has
    ended: updated as it is now if it still matches (1 when modified)."""
    while True:
        current = _current_match(server, blocked, collection, stored, compiled.node)
        if current is None:
            return 0
        change = compiled.apply(current)
        if change is None:
            return 0
        check_write(collection, change[1], current.doc, bypass_validation)
        try:
            collection.replace(current, *change, compiled.event_operation, compiled.touched)
            return 1
        except WriteBlocked as again:
            blocked = again


def delete(server: Server, db: str, coll: str, deletes: list[Mapping],
           ordered: bool = True, let: Mapping | None = None) -> dict:
    """The ``delete`` command: ``{"n", "writeErrors"?}``; ``limit`` 1 deletes one.
    ``let`` (the command's) defines variables every statement's filter may use."""
    n = 0
    errors: list[dict] = []
    try:
        let = evaluate_let(let)
    except ServerError as exc:
        return _write_reply(0, [{"index": 0, **exc.as_write_error()}])
    with server.lock:
        for index, statement in enumerate(deletes):
            try:
                try:
                    n += _delete_one_statement(server, db, coll, statement, let)
                except WriteBlocked as blocked:  # nothing deleted yet: run it again
                    n += after_transaction(
                        server, blocked,
                        lambda: _delete_one_statement(server, db, coll, statement, let))
            except ServerError as exc:
                if exc.code == MAX_TIME_MS_EXPIRED:
                    raise  # an interruption fails the whole batch (write_ops_exec handleError)
                errors.append({"index": index, **exc.as_write_error()})
                if ordered:
                    break
    return _write_reply(n, errors)


def _delete_one_statement(server: Server, db: str, coll: str, statement: Mapping,
                          let: Mapping | None) -> int:
    """One statement of a ``delete`` command (under the lock): how many it deleted."""
    limit = statement.get("limit", 0)
    if limit not in (0, 1):
        raise bad_value(f"The limit field in delete objects must be 0 or 1. Got {limit}")
    collation = operation_collation(server, db, coll, statement.get("collation")) \
        if "collation" in statement or server.default_collations else None
    node = _compile_query(statement.get("q") or {}, let, server, db, coll, collation)
    views.check_not_view(server, db, coll)
    collection = server.get_collection(db, coll)
    if collection is None:
        return 0
    n = 0
    for stored in write_targets(collection, node, statement.get("hint"), limit == 1, collation):
        try:
            collection.delete(stored)
        except WriteBlocked as blocked:
            if not n:
                raise  # nothing deleted yet: the statement runs again
            if not _delete_after_transaction(server, blocked, collection, stored, node):
                continue
        n += 1
    return n


def _delete_after_transaction(server: Server, blocked: WriteBlocked,
                              collection: CollectionData, stored: StoredDocument,
                              node: MatchNode) -> bool:
    """One document of a multi-document delete, once the transaction holding it has
    ended: deleted if it is still there and still matches."""
    while True:
        current = _current_match(server, blocked, collection, stored, node)
        if current is None:
            return False
        try:
            collection.delete(current)
            return True
        except WriteBlocked as again:
            blocked = again


def find_and_modify(server: Server, db: str, coll: str, *, query: Mapping | None = None,
                    sort: Any = None, remove: bool = False, update: Any = None,
                    new: bool = False, fields: Mapping | None = None, upsert: bool = False,
                    array_filters: list | None = None, hint: Any = None,
                    let: Mapping | None = None, bypass_validation: bool = False,
                    collation: Any = None) -> dict:
    """The ``findAndModify`` command: ``{"lastErrorObject": …, "value": bytes | None}``."""
    if remove and update is not None:
        raise ServerError(9, "Cannot specify both an update and remove=true")
    if remove and (upsert or new):
        raise ServerError(9, "Cannot specify both upsert=true and remove=true" if upsert
                          else "Cannot specify both new=true and remove=true; 'remove' always "
                               "returns the deleted document")
    if not remove and update is None:
        raise ServerError(9, "Either an update or remove=true must be specified")
    resolved_collation = operation_collation(server, db, coll, collation) \
        if collation is not None or server.default_collations else None
    sort_fn = compile_sort(sort, collation=resolved_collation)
    proj = compile_projection(fields, collation=resolved_collation)
    statement = {"q": query or {}, "u": update, "upsert": upsert, "multi": False,
                 "arrayFilters": array_filters, "hint": hint}
    if collation is not None:
        statement["collation"] = collation
    let = evaluate_let(let)
    compiled = None if remove else _CompiledUpdate(statement, let, server, db, coll)
    node = compiled.node if compiled else _compile_query(query, let, server, db, coll,
                                                         resolved_collation)
    near = find_near_node(node)
    if near is not None:
        sort_fn = near_sort_key(near, sort_fn)

    def project(raw: bytes) -> bytes:
        if proj is None:
            return raw
        return bson.encode(proj.apply(decode_shadow(raw), query=node))

    def modify() -> dict:
        with server.lock:
            views.check_not_view(server, db, coll)
            collection = server.get_collection(db, coll, create=upsert)
            refuse_find_and_modify(collection)
            target = None
            if collection is not None:
                found = matching(collection, node, hint, resolved_collation)
                if sort_fn is not None:
                    found = sorted(found, key=lambda s: sort_fn(s.doc))
                target = next(iter(found), None)
            # The projection is evaluated before the write, so a projection that
            # fails on the document leaves it untouched (the server rolls the
            # write back with its unit of work).
            if remove:
                if target is None:
                    return {"lastErrorObject": {"n": 0}, "value": None}
                value = project(target.raw)
                collection.delete(target)
                return {"lastErrorObject": {"n": 1}, "value": value}
            if target is None:
                if not upsert:
                    return {"lastErrorObject": {"n": 0, "updatedExisting": False}, "value": None}
                raw, shadow = prepare_new_document(compiled.upsert_document())
                value = project(raw) if new else None
                check_write(collection, shadow, bypass=bypass_validation)
                collection.insert(raw, shadow)
                return {"lastErrorObject": {"n": 1, "updatedExisting": False,
                                            "upserted": shadow["_id"]},
                        "value": value}
            change = compiled.apply(target)
            value = project(change[0] if new and change is not None else target.raw)
            if change is not None:
                check_write(collection, change[1], target.doc, bypass_validation)
                collection.replace(target, *change, compiled.event_operation,
                                   compiled.touched)
            return {"lastErrorObject": {"n": 1, "updatedExisting": True}, "value": value}

    try:
        return modify()
    except WriteBlocked as blocked:  # nothing written yet: run it again once it ends
        return after_transaction(server, blocked, modify)
