"""``aggregate`` on a server: a pipeline run over a stored collection.

The pipeline layer (:mod:`mim.engine.pipeline`) compiles and runs stages over
any :class:`~mim.engine.pipeline.context.Catalog`; this module is the catalog
of a :class:`~mim.engine.storage.store.Server` (views resolved, ``$out`` and
``$merge`` written through storage) and the entry point the ``aggregate``
command calls, with the planner answering a leading ``$match``/``$sort``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import bson

from ..languages.collation import parse_collation
from ..languages.expressions import ExpressionContext, compile_expression
from ..languages.expressions.compiler import path_value
from ..languages.matcher import MatchContext, compile_filter
from ..languages.matcher.text import check_text_placement, find_text_node, text_index_spec
from ..languages.sorting import has_text_score_sort
from ..languages.metadata import GEO_NEAR_METADATA, TEXT_SCORES, check_metadata_available, \
    mentioned_metadata
from ..pipeline import PipelineContext, compile_pipeline
from ..pipeline.registry import constraints as stage_constraints
from ..planner import plan_find, read_with_plan
from ..storage.documents import encode_updated, prepare_new_document
from ..storage.store import (ENGINE_CODEC, WriteBlocked, decode_shadow,
                             validate_collection_name, validate_database_name)
from ..storage.validation import check_write
from ..values.deadline import checked
from ..values.errors import ServerError
from ..values.limits import MAX_INTERNAL_BSON_SIZE
from ..values.render import render
from ..values.order import sort_key
from .collations import default_collation_of, operation_collation
from .timeseries_buckets import BUCKETS_PREFIX, buckets_reader
from .timeseries import (MERGE_UPDATE_REFUSED, create_timeseries, measurement,
                         is_timeseries, out_timeseries_options)
from .views import check_involved_view_collations, resolve

__all__ = ["run_pipeline", "ServerCatalog", "StoreTarget"]


class ServerCatalog:
    """The :class:`Catalog` of one database of a :class:`~mim.engine.storage.store.Server`."""

    def __init__(self, server: Any, db: str, bypass_validation: bool = False) -> None:
        self.server = server
        self.db = db
        #: ``bypassDocumentValidation`` for the documents ``$out``/``$merge`` write
        self.bypass_validation = bypass_validation

    def documents(self, name: str, db: str | None = None) -> list[dict]:
        resolved = resolve(self.server, db or self.db, name)
        if resolved is not None:
            # the view runs as itself: its pipeline, with its own collation
            return [decode_shadow(raw) for raw in
                    run_pipeline(self.server, db or self.db, name, [])]
        with self.server.lock:
            coll = self.server.get_collection(db or self.db, name)
            if coll is None and name.startswith(BUCKETS_PREFIX):
                coll = buckets_reader(self.server, db or self.db, name).get_collection(
                    db or self.db, name)
            return [] if coll is None else [s.doc for s in coll.documents.values()]

    def replace_collection(self, name: str, documents: Iterable[dict],
                           db: str | None = None, timeseries: Any = None) -> None:
        """``$out``: the target's contents replaced by ``documents`` (consumed only
        once the target is checked, as the server's ``initialize`` comes first);
        ``timeseries``: ``$out``'s spec, making (or keeping) a time-series target."""
        db = db or self.db
        validate_database_name(db)
        validate_collection_name(name, db)
        # the server renames its finished temporary collection over the target: that
        # waits behind a transaction that wrote the target (the lock released meanwhile)
        self.server.await_unheld((db, name))
        create_options = None if timeseries is None else \
            out_timeseries_options(self.server, db, name, timeseries)
        prepared = [prepare_new_document(dict(d)) for d in documents]
        target = self.server.get_collection(db, name)
        if target is not None and target.validator is not None:
            # every new document is validated before the old contents go
            for _, shadow in prepared:
                check_write(target, shadow, bypass=self.bypass_validation)
        database_existed = self.server.get_database(db) is not None
        existed = target is not None
        if create_options is not None:
            create_timeseries(self.server, db, name, create_options)
        coll = self.server.get_collection(db, name, create=True)
        measurements = is_timeseries(coll)
        old = list(coll.documents.values())
        coll.clear()
        try:
            for raw, shadow in prepared:
                if measurements:
                    raw, shadow = measurement(coll, raw, shadow)
                coll.insert(raw, shadow)
        except ServerError as exc:
            # $out leaves the target untouched when the new contents fail an index
            # (as the server, which renames a finished temporary collection): a
            # target that did not exist does not exist afterwards either
            coll.clear()
            for stored in old:
                coll.insert(stored.raw, stored.doc)
            if not existed:
                self.server.get_database(db).drop_collection(name)
                if not database_existed:
                    self.server.drop_database(db)
            raise ServerError(exc.code, exc.errmsg, **exc.extra) from None

    def merge_target(self, name: str, db: str | None = None, inserts_only: bool = False
                     ) -> Any:
        """``$merge``'s writes (``inserts_only``: ``whenMatched: "fail"`` with
        ``whenNotMatched: "insert"``, which the server sends as plain inserts)."""
        if is_timeseries(self.server.get_collection(db or self.db, name)):
            return MeasurementsTarget(self.server, db or self.db, name, self.bypass_validation,
                                      inserts_only)
        return StoreTarget(self.server, db or self.db, name, self.bypass_validation)

    def collection_data(self, name: str) -> Any:
        return self.server.get_collection(self.db, name)


def _leading_source(coll: Any, pipeline: list, let_values: dict, hint: Any,
                    collation: Any = None, held: list | None = None):
    """Documents for the pipeline's start through the planner, and how many leading
    stages they already account for: a first ``$match`` (and a following ``$sort``
    an index serves) are answered by the collection's indexes.  ``held``: the
    server lock the caller took, let go as :func:`read_with_plan` lets it go (a
    long index scan goes on from a snapshot)."""
    first = next(iter(pipeline[0])) if pipeline else None
    node = None
    consumed = 0
    if first == "$match":
        node = compile_filter(pipeline[0]["$match"], MatchContext(
            variables=dict(let_values), text_index=lambda: text_index_spec(coll),
            collation=collation, javascript=False))
        check_text_placement(node, coll.full_name)
        consumed = 1
    sort = None
    if len(pipeline) > consumed and next(iter(pipeline[consumed])) == "$sort":
        sort = pipeline[consumed]["$sort"]
    if node is None:
        if hint is None and sort is None:
            return None, 0
        node = compile_filter({}, MatchContext())
    if sort is not None and has_text_score_sort(sort):
        sort = None  # the $sort stage orders by score
    planned = None
    if first == "$match" and sort is None and hint is None and find_text_node(node) is None:
        planned = plan_find(coll, node, None, 0, None, collation=collation)
        if planned is None:
            # no index helps: the pipeline's own $match scans the snapshot, outside the lock
            return None, 0
    if planned is not None:  # planned once: the plan found above reads the documents
        found, presorted = checked(planned.all_documents(held)), planned.sorted
    else:
        found, presorted, _ = read_with_plan(coll, node, sort, 0, hint, None, None,
                                             collation, held)
    docs = [s.doc for s in found]
    text = find_text_node(node)
    if text is not None:
        let_values[TEXT_SCORES] = {id(doc): (doc, text.score(doc)) for doc in docs}
    if sort is not None and presorted:
        consumed += 1
    return docs, consumed


def run_pipeline(server: Any, db: str, collection: str | None, pipeline: Sequence[Any], *,
                 let: Mapping | None = None, hint: Any = None,
                 bypass_validation: bool = False, allow_disk_use: bool = True,
                 collation: Any = None) -> list[bytes]:
    """Run an ``aggregate`` command; return the result documents as BSON bytes.

    ``hint`` must name an index of the collection (code 2 otherwise); a first
    ``$match``/``$sort`` uses the planner's indexes.  ``bypass_validation``
    lets ``$out``/``$merge`` write documents the target's validator refuses;
    ``allow_disk_use=False`` caps ``$sort`` and ``$group`` at 100 MB (292);
    ``collation`` (the command's document) orders strings, else the
    collection's or view's default does.
    """
    catalog = ServerCatalog(server, db, bypass_validation)
    let_values: dict = {}
    if let:
        for name, spec in let.items():
            let_values[name] = compile_expression(spec, ExpressionContext())({"ROOT": {}})
    if collation is not None or server.default_collations:
        collation = operation_collation(server, db, collection, collation) \
            if collection is not None else parse_collation(collation)
    if collation is not None or server.default_collations:
        check_involved_view_collations(server, db, pipeline, collation)
    ctx = PipelineContext(catalog, let_values, collection=collection, collation=collation)
    if collection is None:
        first = next(iter(pipeline[0])) if pipeline and isinstance(pipeline[0], Mapping) else None
        if first is None or not stage_constraints(first).collectionless:
            raise ServerError(73, "{aggregate: 1} is not valid for '"
                                  f"{first}'; a collection is required.")
    stages = list(pipeline)
    if collection is not None:
        resolved = resolve(server, db, collection)
        if resolved is not None:
            # a view: its (chained) pipeline runs first, on the backing collection
            collection, view_stages = resolved
            stages = view_stages + stages
            ctx = PipelineContext(catalog, let_values, collection=collection,
                                  collation=collation)
    ctx.allow_disk_use = allow_disk_use
    run = compile_pipeline(stages, ctx)
    exclusive = any(isinstance(stage, Mapping) and next(iter(stage), None) in _EXCLUSIVE_STAGES
                    for stage in stages)
    lock = server.lock
    lock.acquire()
    held = [lock]
    try:
        coll = server.get_collection(db, collection) if collection is not None else None
        if coll is None and collection is not None and collection.startswith(BUCKETS_PREFIX):
            # a time-series collection's buckets: their documents, made now
            coll = buckets_reader(server, db, collection).get_collection(db, collection)
        if hint is not None and coll is not None:
            coll.indexes.resolve_hint(hint)
        source: Any = None
        start = 0
        if coll is not None:
            # a read-only pipeline's leading index scan may let the lock go part-way
            source, start = _leading_source(coll, stages, let_values, hint, collation,
                                            None if exclusive else held)
            mentioned = mentioned_metadata(stages)
            if mentioned:
                check_metadata_available(mentioned, _available_metadata(stages, let_values))
            if source is None:
                source = [s.doc for s in coll.documents.values()]
        elif source is None:
            source = []
        if exclusive:
            results = list(run(source, let_values, start))
    finally:
        if held:
            held.pop().release()
    if not exclusive:
        # A read-only pipeline runs on the snapshot just taken, without the
        # server lock: other clients' reads, writes and pings never wait behind
        # it.  Stored shadows are never mutated (a write stores a new one), and
        # every other collection a stage reads is snapshotted under the lock.
        results = list(run(source, let_values, start))
    return [encode_produced(doc) for doc in results]


def _available_metadata(stages: Sequence[Any], let_values: Mapping) -> tuple[str, ...]:
    """The metadata a pipeline's documents can carry: a textScore after a first
    ``$text`` ``$match``, the geo near metadata after a leading ``$geoNear``."""
    available: tuple[str, ...] = ("textScore",) if TEXT_SCORES in let_values else ()
    if stages and isinstance(stages[0], Mapping) and "$geoNear" in stages[0]:
        available += GEO_NEAR_METADATA
    return available


#: stages that write, or read the catalog's live state: their pipeline runs
#: under the server lock from start to end
_EXCLUSIVE_STAGES = frozenset({"$out", "$merge", "$collStats", "$indexStats", "$planCacheStats",
                               "$listLocalSessions", "$listSessions", "$currentOp",
                               "$listCatalog", "$listSearchIndexes"})


def encode_produced(doc: dict) -> bytes:
    """The BSON of a document a pipeline produced: beyond 16 MB the server
    cannot build it (10334 BSONObjectTooLarge)."""
    raw = bson.encode(doc, codec_options=ENGINE_CODEC)
    if len(raw) > MAX_INTERNAL_BSON_SIZE:
        first = next(iter(doc.items()), None)
        element = f"{first[0]}: {render(first[1])}" if first is not None else "EOO"
        raise ServerError(10334, f"BSONObj size: {len(raw)} (0x{len(raw):X}) is invalid. Size "
                                 f"must be between 0 and {MAX_INTERNAL_BSON_SIZE}(16MB) First "
                                 f"element: {element}")
    return raw


class StoreTarget:
    """$merge into a collection of the server (created on first write)."""

    def __init__(self, server: Any, db: str, name: str, bypass_validation: bool = False
                 ) -> None:
        validate_database_name(db)
        validate_collection_name(name, db)
        self.server, self.db, self.name = server, db, name
        self.bypass_validation = bypass_validation
        self.coll = server.get_collection(db, name)
        self.by_key: dict | None = None
        self.on: list[tuple[str, ...]] = []
        #: the target's default collation: $merge's updates carry none, so they find
        #: the matching document with it (7.0's constructUpdateEntries)
        self.collation = None if self.coll is None else default_collation_of(self.coll.options)
        #: how an 'on' value keys under that collation
        self.value_key = sort_key if self.collation is None else self.collation.sort_key

    def has_unique_index(self, fields: list[str], collation: Any = None) -> bool:
        """``fieldsHaveSupportingUniqueIndex``: a unique, non-partial index on exactly
        ``fields`` whose collation is the aggregation's (no collection: only ``_id``)."""
        if self.coll is None:
            return fields == ["_id"]
        wanted = sorted(fields)
        for spec in self.coll.indexes.list():
            if (spec.get("unique") or spec["name"] == "_id_") and \
                    sorted(spec["key"]) == wanted and not spec.get("partialFilterExpression") \
                    and parse_collation(spec.get("collation")) == collation:
                return True
        return False

    def _collection(self) -> Any:
        if self.coll is None:
            self.coll = self.server.get_collection(self.db, self.name, create=True)
        return self.coll

    def find(self, on: list[tuple[str, ...]], key: tuple) -> Any:
        if self.coll is None:
            return None
        if on == [("_id",)] and self.collation is None:
            return self.coll.documents.get(key[0])
        if self.by_key is None:
            self.on = on
            self.by_key = {}
            for stored in self.coll.documents.values():
                self.by_key.setdefault(self._key_of(stored.doc), stored)
        return self.by_key.get(key)

    def _key_of(self, doc: Mapping) -> tuple:
        value_key = self.value_key
        return tuple(value_key(path_value(doc, p)) for p in self.on)

    def current(self, handle: Any) -> dict:
        return handle.doc

    def insert(self, doc: dict) -> None:
        raw, shadow = prepare_new_document(doc)
        check_write(self._collection(), shadow, bypass=self.bypass_validation)
        self._collection().insert(raw, shadow)
        if self.by_key is not None:
            self.by_key.setdefault(self._key_of(shadow), self.coll.documents[sort_key(
                shadow["_id"])])

    def write(self, merge_one: Callable[[dict], None], doc: dict) -> None:
        """``merge_one(doc)``: find the target document, then insert or update.  One
        that met a document an open transaction wrote (nothing written then) runs
        again, finding afresh, once that transaction has ended: outside a transaction
        the server retries a write conflict (``writeConflictRetry``) until it goes
        through, bounded by ``maxTimeMS``; the documents merged before stay merged."""
        while True:
            try:
                merge_one(doc)
                return
            except WriteBlocked as blocked:
                self.server.await_transaction(blocked.owner)
                self.coll = self.server.get_collection(self.db, self.name)
                self.by_key = None

    def replace(self, handle: Any, doc: dict) -> None:
        raw = encode_updated(doc)
        shadow = decode_shadow(raw)
        check_write(self.coll, shadow, handle.doc, self.bypass_validation)
        new = self.coll.replace(handle, raw, shadow)
        if self.by_key is not None:
            self.by_key.pop(self._key_of(handle.doc), None)
            self.by_key[self._key_of(new.doc)] = new


class MeasurementsTarget(StoreTarget):
    """``$merge`` into a time-series collection, as 7.0's write path takes it: the
    inserts of ``whenMatched: "fail"`` / ``whenNotMatched: "insert"`` are measurements
    like any others; every other mode sends single (upserting) updates, which a
    time-series collection refuses (72), so nothing is ever matched."""

    def __init__(self, server: Any, db: str, name: str, bypass_validation: bool,
                 inserts_only: bool) -> None:
        super().__init__(server, db, name, bypass_validation)
        self.inserts_only = inserts_only

    def find(self, on: list[tuple[str, ...]], key: tuple) -> Any:
        if not self.inserts_only:
            raise ServerError(72, MERGE_UPDATE_REFUSED)
        return None

    def insert(self, doc: dict) -> None:
        raw, shadow = prepare_new_document(doc)
        self.coll.insert(*measurement(self.coll, raw, shadow))
