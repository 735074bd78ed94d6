"""Reference delete rules: what deleting an object does to the documents that refer to it.

PyMODM's rules, declared on the referring side::

    class Book(MappedClass):
        author_id = ForeignIdProperty('Author', on_delete=odm.CASCADE)
        reviewer_ids = ForeignIdProperty('Reviewer', uselist=True, on_delete=odm.PULL)

Deleting an ``Author`` (``author.delete()`` then a flush, or
``Author.query.remove(filter)``) then deletes its books; deleting a reviewer
removes its id from every book's ``reviewer_ids``.  ``odm.NULLIFY`` sets a
single foreign id to ``None``, ``odm.DENY`` refuses the delete with
:class:`DeleteDenied` while anything refers to the object, ``odm.DO_NOTHING``
(the default) leaves dangling ids.

A delete is planned before anything is written: the documents a ``CASCADE``
removes are found level by level (each of them applies the rules that refer
to *it* in turn; a document met twice - a cycle, a self-referencing tree - is
deleted once), then every ``DENY`` rule is checked against the whole plan (a
referring document that the plan deletes anyway does not count).  Only then
is anything written.

When the server runs transactions (a replica-set member or ``mongos``; see
:attr:`odm.datastore.Engine.supports_transactions`), the reads and writes of a
delete are one transaction (``ClientSession.with_transaction``, which retries
transient errors), so the delete and everything its rules change happen
together or not at all; inside :meth:`ODMSession.transaction` they join that
transaction.  On a standalone the writes go out in this order:

1. ``NULLIFY`` and ``PULL`` updates of the referring documents;
2. the ``CASCADE`` deletes, the documents found last first;
3. the deleted object's own document.

So a failure part way leaves the deleted object in place with fewer
references to it, and deleting it again finishes the work.

Foreign ids inside embedded documents (``EmbeddedProperty``, at any depth)
take rules too, addressed by their path (``comments.author_id``): ``NULLIFY``
and ``PULL`` change the embedded documents that refer (through filtered
positional operators, ``comments.$[l0].author_id``, in lists); ``CASCADE``
removes the embedded documents that refer from their list
(``$pull: {comments: {author_id: ...}}``) - or, with no list on the way (a
single embedded document is a part of its owner), deletes the owning
document as a top-level foreign id would; ``DENY`` refuses while one refers.

The objects the session tracks follow what was written: cascaded objects are
forgotten (they are no longer in the database), nullified or pulled ids and
removed embedded documents are changed in the tracked objects without making
them dirty.  The documents a ``CASCADE`` deletes get their per-object delete
events (``before_delete``/``after_delete``, so extensions' hooks and the
``pre_remove``/``post_remove`` signals) when anything listens to them for
their class: they are then loaded through the identity map (a tracked object
is the one told), ``before_delete`` is sent once the plan is checked and
before the writes (again if a transient error makes the transaction run
again), ``after_delete`` after them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional, TypeVar, Union

from pymongo.results import DeleteResult

from ..utils import all_class_properties
from .embedded import EmbeddedProperty
from .events import registry
from .mapper import Mapper
from .property import DeleteRule, ForeignIdProperty
from .registry import ORMError, embedded_mappers, resolve_class
from .state import ObjectState, hashable_id, state

if TYPE_CHECKING:  # pragma: no cover
    from .session import ODMSession

__all__ = ["DeleteRule", "DeleteDenied", "ReferringRule", "referring_rules", "delete_with_rules", "in_transaction",
           "DO_NOTHING", "NULLIFY", "CASCADE", "DENY", "PULL"]

DO_NOTHING = DeleteRule.DO_NOTHING
NULLIFY = DeleteRule.NULLIFY
CASCADE = DeleteRule.CASCADE
DENY = DeleteRule.DENY
PULL = DeleteRule.PULL

T = TypeVar("T")

_DELETE_EVENTS = ("before_delete", "after_delete")


class DeleteDenied(ORMError):
    """A delete was refused: an ``on_delete=odm.DENY`` foreign id still refers to the object."""


#: One step from a document into an embedded document: (stored key, whether it holds a list of them).
Step = tuple[str, bool]


@dataclass(frozen=True)
class ReferringRule:
    """One foreign id with a delete rule: documents of ``owner``'s collection refer through ``prop``.

    ``steps`` lead from the owner's document to the embedded document that
    holds the foreign id (empty for a foreign id of the mapped class itself):
    ``(("comments", True),)`` for ``Post.comments = EmbeddedProperty([Comment])``.
    """

    owner: Mapper
    prop: ForeignIdProperty
    steps: tuple[Step, ...] = ()

    @property
    def rule(self) -> DeleteRule:
        return self.prop.on_delete

    @property
    def field_name(self) -> str:
        """The (dotted) path stored documents hold the foreign id under."""
        return ".".join([key for key, _ in self.steps] + [self.prop.key])

    @property
    def deletes_documents(self) -> bool:
        """A ``CASCADE`` deleting the referring documents themselves (no list of embedded documents on the way);
        in a list, a ``CASCADE`` removes the embedded documents that refer from their list instead."""
        return self.rule is DeleteRule.CASCADE and not any(is_list for _, is_list in self.steps)

    def describe(self) -> str:
        return f"{self.owner.mapped_class.__name__}.{self.field_name}"

    def update(self, ids: list) -> tuple[dict, Optional[list]]:
        """The update (and its ``array_filters``) applying the rule to the documents referring to ``ids``.

        A list of embedded documents on the path is addressed with a filtered
        positional operator (``comments.$[l0].author_id``) whose filter selects
        the items that refer to ``ids``.
        """
        matching = {"$in": ids}
        parts: list[str] = []
        filters: list[dict] = []
        last_list = max((i for i, (_, is_list) in enumerate(self.steps) if is_list), default=-1)
        for index, (key, is_list) in enumerate(self.steps):
            parts.append(key)
            if not is_list:
                continue
            rest = ".".join([k for k, _ in self.steps[index + 1:]] + [self.prop.key])
            if self.rule is DeleteRule.CASCADE and index == last_list:
                # the embedded documents that refer go from their list
                return {"$pull": {".".join(parts): {rest: matching}}}, filters or None
            parts.append(f"$[l{index}]")
            filters.append({f"l{index}.{rest}": matching})
        path = ".".join(parts + [self.prop.key])
        if self.rule is DeleteRule.NULLIFY:
            return {"$set": {path: None}}, filters or None
        return {"$pull": {path: matching}}, filters or None


# -- which rules refer to a class ---------------------------------------------
_cache: dict[str, Any] = {"generation": -1, "rules": {}}


def referring_rules(m: Mapper) -> list[ReferringRule]:
    """The foreign ids with a delete rule (not ``DO_NOTHING``) that can refer to objects of ``m``.

    A rule refers to ``m`` when its related class is ``m``'s class, a base or
    a subclass of it stored in the same collection.  Worked out once per set
    of declared classes (a declaration starts over), so a class nobody refers
    to with a rule costs one dictionary look-up per delete.
    """
    # a declaration bumps the generation; a registry emptied or restored by hand (test suites) changes its size
    generation = (Mapper._generation, len(Mapper._registry))
    if _cache["generation"] != generation:
        _cache["rules"] = {}
        _cache["all"] = _declared_rules()
        _cache["generation"] = generation
    found = _cache["rules"].get(m.mapped_class)
    if found is None:
        found = _cache["rules"][m.mapped_class] = [r for r in _cache["all"] if _refers_to(r, m)]
    return found


def _declared_rules() -> list[ReferringRule]:
    """Every (collection, foreign id) with a delete rule among the mapped classes, once each."""
    rules: list[ReferringRule] = []
    seen: set = set()
    for owner in Mapper.all_mappers():
        fks = [p for _, p in all_class_properties(owner.mapped_class) if isinstance(p, ForeignIdProperty)
               and p.on_delete is not DeleteRule.DO_NOTHING]
        if not fks and not any(isinstance(p, EmbeddedProperty) for _, p in all_class_properties(owner.mapped_class)):
            continue
        try:
            owner.compile()
        except ORMError:
            continue  # refers to a class not declared yet: nothing of it can be stored
        name = owner.collection.m.collection_name
        for rule in [ReferringRule(owner, prop) for prop in fks] + _embedded_rules(owner, owner.mapped_class, ()):
            key = (name, rule.field_name)
            if name and key not in seen:
                seen.add(key)
                rules.append(rule)
    return rules


def _embedded_rules(owner: Mapper, cls: type, steps: tuple[Step, ...]) -> list[ReferringRule]:
    """The foreign ids with a delete rule inside the embedded documents of ``cls`` (at any depth)."""
    found: list[ReferringRule] = []
    for _, prop in all_class_properties(cls):
        if isinstance(prop, EmbeddedProperty):
            embedded = prop.embedded_class
            if any(embedded is c for c in _classes_on(owner, steps)):
                continue  # an embedded class holding itself: its rules were found one level up
            embedded_mappers[embedded].compile()
            found.extend(_embedded_rules(owner, embedded, steps + ((prop.db_field or prop.name, prop.uselist),)))
        elif steps and isinstance(prop, ForeignIdProperty) and prop.on_delete is not DeleteRule.DO_NOTHING:
            found.append(ReferringRule(owner, prop, steps))
    return found


def _classes_on(owner: Mapper, steps: tuple[Step, ...]) -> list[type]:
    """The embedded classes met along ``steps`` from ``owner``'s class."""
    classes: list[type] = []
    cls = owner.mapped_class
    for key, _ in steps:
        prop = next(p for _, p in all_class_properties(cls)
                    if isinstance(p, EmbeddedProperty) and (p.db_field or p.name) == key)
        cls = prop.embedded_class
        classes.append(cls)
    return classes


def _refers_to(rule: ReferringRule, m: Mapper) -> bool:
    try:
        related = resolve_class(rule.prop.related_spec)
    except ORMError:
        return False  # names a class not declared (yet): it cannot be the one deleted
    target = m.mapped_class
    if not (issubclass(target, related) or issubclass(related, target)):
        return False
    return Mapper.by_class(related).compile().collection.m.collection_name == m.collection.m.collection_name


# -- running a piece of work atomically -----------------------------------------
def in_transaction(sess: "ODMSession", work: Callable[[Any], T]) -> T:
    """``work(client_session)`` in one transaction when the server runs them, else ``work(None)``.

    Inside :meth:`ODMSession.transaction` the work joins the open transaction.
    Otherwise a transaction is started with pymongo's ``with_transaction``
    (which retries ``TransientTransactionError``), so ``work`` must only read
    and write the database: what it changes in memory is done after it returns.
    """
    current = getattr(sess, "client_session", None)
    if current is not None:
        return work(current)
    bind = sess.bind
    if bind is None or not bind.supports_transactions:
        return work(None)
    with bind.conn.start_session() as client_session:
        return client_session.with_transaction(work)


# -- planning and applying a delete ---------------------------------------------
@dataclass
class _Plan:
    """What one delete removes and changes, found before anything is written."""

    #: batches of documents to delete, in the order they were found: (mapper, ids)
    deleted: list[tuple[Mapper, list]] = field(default_factory=list)
    #: hashable ids per collection name of every document in :attr:`deleted`
    deleted_keys: dict[str, dict] = field(default_factory=dict)
    #: ids each NULLIFY / PULL / DENY rule must handle
    touched: dict[ReferringRule, list] = field(default_factory=dict)

    def add_deleted(self, m: Mapper, ids: list) -> list:
        """Record ``ids`` of ``m``'s collection as deleted; returns those not recorded before."""
        keys = self.deleted_keys.setdefault(m.collection.m.collection_name, {})
        fresh = []
        for value in ids:
            key = hashable_id(value)
            if key not in keys:
                keys[key] = value
                fresh.append(value)
        if fresh:
            self.deleted.append((m, fresh))
        return fresh


def delete_with_rules(sess: "ODMSession", m: Mapper, ids: Union[list, Callable[[Any], list]]) -> DeleteResult:
    """Delete the documents of ``m`` with these ``_id``s applying every delete rule that refers to them.

    ``ids`` may be a function of the client session returning them (a remove
    query reads them inside the transaction).  Returns the ``DeleteResult`` of
    the documents of ``ids``.  Raises :class:`DeleteDenied` before writing
    anything when a ``DENY`` rule forbids it.  See the module docstring for
    the order and the transaction.
    """
    def work(client_session: Any) -> tuple[_Plan, DeleteResult, list]:
        plan = _collect(sess, m, ids(client_session) if callable(ids) else ids, client_session)
        _check_denied(sess, plan, client_session)
        cascaded = _cascaded_objects(sess, plan, client_session)
        for obj in cascaded:
            registry.dispatch("before_delete", sess, type(obj), obj, state(obj))
        return plan, _write(sess, plan, client_session), cascaded

    plan, result, cascaded = in_transaction(sess, work)
    for obj in cascaded:
        registry.dispatch("after_delete", sess, type(obj), obj, state(obj))
    _follow_in_session(sess, plan)
    return result


def _cascaded_objects(sess: "ODMSession", plan: _Plan, client_session: Any) -> list:
    """The objects of the documents a ``CASCADE`` deletes whose class (or session) listens to delete events
    (loaded through the identity map: a tracked object is the one told); none are loaded otherwise."""
    objects: list = []
    for owner, ids in plan.deleted[1:]:  # the first batch is what the caller deletes, with its own events
        if not registry.has_listeners(_DELETE_EVENTS, sess, owner.mapped_class):
            continue
        coll = sess.persistence.collection(owner)
        for raw in coll.find({"_id": {"$in": ids}}, session=client_session):
            obj = sess.loader.load(owner.mapped_class, raw)
            if state(obj).status != ObjectState.deleted:  # one the application deleted itself has its own flush
                objects.append(obj)
    return objects


def _collect(sess: "ODMSession", m: Mapper, ids: list, client_session: Any) -> _Plan:
    plan = _Plan()
    queue = [(m, plan.add_deleted(m, ids))]
    while queue:
        target, batch = queue.pop(0)
        for rule in referring_rules(target):
            if rule.deletes_documents:
                coll = sess.persistence.collection(rule.owner)
                found = [d["_id"] for d in coll.find({rule.field_name: {"$in": batch}}, {"_id": 1},
                                                     session=client_session)]
                fresh = plan.add_deleted(rule.owner, found)
                if fresh:
                    queue.append((rule.owner, fresh))
            else:
                plan.touched.setdefault(rule, []).extend(batch)
    return plan


def _check_denied(sess: "ODMSession", plan: _Plan, client_session: Any) -> None:
    for rule, ids in plan.touched.items():
        if rule.rule is not DeleteRule.DENY:
            continue
        spec: dict = {rule.field_name: {"$in": ids}}
        doomed = list(plan.deleted_keys.get(rule.owner.collection.m.collection_name, {}).values())
        if doomed:
            spec["_id"] = {"$nin": doomed}
        coll = sess.persistence.collection(rule.owner)
        referrer = coll.find_one(spec, {"_id": 1, rule.field_name: 1}, session=client_session)
        if referrer is not None:
            raise DeleteDenied(
                f"cannot delete: {rule.describe()} (on_delete=odm.DENY) of the document with _id "
                f"{referrer['_id']!r} refers to it")


def _write(sess: "ODMSession", plan: _Plan, client_session: Any) -> DeleteResult:
    for rule, ids in plan.touched.items():
        if rule.rule is DeleteRule.DENY:
            continue
        update, array_filters = rule.update(ids)
        coll = sess.persistence.collection(rule.owner)
        options = {"array_filters": array_filters} if array_filters else {}
        coll.update_many({rule.field_name: {"$in": ids}}, update, session=client_session, **options)
    result = DeleteResult({"n": 0, "ok": 1.0}, True)  # nothing matched: nothing to delete
    for owner, ids in reversed(plan.deleted):
        coll = sess.persistence.collection(owner)
        if len(ids) == 1:
            result = coll.delete_one({"_id": ids[0]}, session=client_session)
        else:
            result = coll.delete_many({"_id": {"$in": ids}}, session=client_session)
    return result


def _follow_in_session(sess: "ODMSession", plan: _Plan) -> None:
    """Bring the tracked objects in line with what the delete wrote (nothing becomes dirty)."""
    edits = [(rule, {hashable_id(i) for i in ids}) for rule, ids in plan.touched.items()
             if rule.rule is not DeleteRule.DENY]
    for obj in list(sess.uow):
        st = state(obj)
        m = Mapper.by_class(type(obj))
        name = m.collection.m.collection_name
        keys = plan.deleted_keys.get(name)
        if keys and st.status != ObjectState.deleted and hashable_id(st.document.get("_id")) in keys:
            # gone with the cascade (an object the application deleted itself is left to its flush)
            st.status = ObjectState.deleted
            sess.untrack(obj)
            continue
        for rule, gone in edits:
            if rule.owner.collection.m.collection_name == name and isinstance(obj, rule.owner.mapped_class):
                _drop_reference(st, rule, gone)


def _drop_reference(st: ObjectState, rule: ReferringRule, gone: set) -> None:
    """The update of ``rule`` (NULLIFY, PULL, or a CASCADE removing embedded documents from their list)
    applied to one tracked object's documents, current and stored, without making anything dirty."""
    name = rule.prop.key
    for document in (st.document, st.original_document):
        if not document:
            continue
        if rule.rule is DeleteRule.CASCADE:
            last_list = max(i for i, (_, is_list) in enumerate(rule.steps) if is_list)
            key, _ = rule.steps[last_list]
            for parent in _holders(document, rule.steps[:last_list]):
                items = parent.get(key)
                if isinstance(items, list):
                    kept = [item for item in items if not _refers(item, rule.steps[last_list + 1:], name, gone)]
                    if len(kept) != len(items):
                        list.__setitem__(items, slice(None), kept)  # the same list: views over it stay valid
            continue
        for holder in _holders(document, rule.steps):
            if name not in holder:
                continue
            value = holder[name]
            if rule.rule is DeleteRule.NULLIFY:
                if hashable_id(value) in gone:
                    dict.__setitem__(holder, name, None)
            elif isinstance(value, list) and any(hashable_id(v) in gone for v in value):
                dict.__setitem__(holder, name, [v for v in value if hashable_id(v) not in gone])


def _holders(document: Any, steps: tuple[Step, ...]) -> Iterator[dict]:
    """The sub-documents of ``document`` at the end of ``steps`` (every item of a list on the way)."""
    if not steps:
        if isinstance(document, dict):
            yield document
        return
    (key, is_list), rest = steps[0], steps[1:]
    child = document.get(key) if isinstance(document, dict) else None
    for item in (child if is_list and isinstance(child, list) else [child]):
        yield from _holders(item, rest)


def _refers(item: Any, steps: tuple[Step, ...], name: str, gone: set) -> bool:
    """Whether the embedded document ``item`` refers to a deleted id through ``steps`` and foreign id ``name``."""
    for holder in _holders(item, steps):
        value = holder.get(name)
        if any(hashable_id(v) in gone for v in (value if isinstance(value, list) else [value])):
            return True
    return False
