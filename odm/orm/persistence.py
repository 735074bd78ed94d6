"""Persistence: the writes of a flush - insert, ``$set``/``$unset`` update, delete - and what they leave behind.

The unit of work decides *what* is written and in which order; this module
decides *how*: the document to store (validated only when it has to be), the
update document of a dirty object (:func:`diff_documents`, the changed paths
only), one ordered ``insert_many`` for a run of new objects, and the object's
state after the write (clean, ``original_document`` = what is stored).  The
write events (``before_insert`` ... ``after_delete``) are dispatched around
each write through :data:`odm.orm.events.registry`.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Optional

from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError

from ..base import Missing
from .delete_rules import delete_with_rules, referring_rules
from .events import registry
from .mapper import Mapper, mapper
from .state import ObjectState, hashable_id, same_content, snapshot

if TYPE_CHECKING:  # pragma: no cover
    from .session import ODMSession

__all__ = ["Persistence", "diff_documents", "stored_layout", "reorder_like", "server_field_order"]

#: Server codes of a duplicate key (what a single insert raises as ``DuplicateKeyError``).
_DUPLICATE_KEY_CODES = (11000, 11001, 12582)

#: A new object of a batch, ready to write: (object, its state, the document to store, copied-not-validated).
Prepared = tuple[Any, ObjectState, dict, bool]


class Persistence:
    """Writes the objects of one session; every write goes through :meth:`collection`."""

    def __init__(self, session: "ODMSession") -> None:
        self.session = session

    def collection(self, m: Mapper) -> Any:
        """The pymongo-style collection the objects of ``m`` are written to."""
        return m.with_options(self.session.impl.raw_collection(m.collection))

    # -- the document to write ---------------------------------------------
    def prepare(self, obj: Any, st: ObjectState, m: Optional[Mapper] = None) -> tuple[dict, bool]:
        """The document to write for ``obj``, and whether it is a plain copy of ``st.document``.

        A document whose every value already passed its schema (see
        :attr:`ObjectState.validated`) is copied, not validated again - Ming
        never validates at flush time; one changed in place, or a class with a
        ``before_save`` hook, is validated in full.
        """
        if m is None:
            m = mapper(type(obj))
        fcls = m.collection
        if st.validated and fcls.m.before_save is None:
            return snapshot(st.document), True
        fdoc = fcls(st.document, skip_from_bson=True)
        data = self.session.impl.prepare_save(fdoc, validate=True)
        return dict(data), False

    # -- inserts -------------------------------------------------------------
    def insert(self, obj: Any, st: ObjectState) -> None:
        """Insert one new object between its ``before_insert`` and ``after_insert`` events."""
        m = mapper(type(obj))
        sess = self.session
        # as in Ming, the before hooks run first: what they change is written
        registry.dispatch("before_insert", sess, type(obj), obj, st)
        data, copied = self.prepare(obj, st, m)
        result = self.collection(m).insert_one(data, session=self.session.client_session)
        self._inserted(obj, st, data, copied, result.inserted_id)
        registry.dispatch("after_insert", sess, type(obj), obj, st)

    def insert_batch(self, coll: Any, batch: list[tuple[Any, ObjectState, Mapper]]) -> None:
        """Insert a run of new objects of one collection (which have no insert events) in one ordered write."""
        prepared: list[Prepared] = []
        try:
            for obj, st, m in batch:
                data, checked = self.prepare(obj, st, m)
                prepared.append((obj, st, data, checked))
        except BaseException:
            # as if inserted one by one: the objects before the invalid one are written
            if prepared:
                self._write_batch(coll, prepared)
            raise
        self._write_batch(coll, prepared)

    def _write_batch(self, coll: Any, prepared: list[Prepared]) -> None:
        if len(prepared) == 1:
            obj, st, data, checked = prepared[0]
            result = coll.insert_one(data, session=self.session.client_session)
            self._inserted(obj, st, data, checked, result.inserted_id)
            return
        try:
            result = coll.insert_many([p[2] for p in prepared], ordered=True, session=self.session.client_session)
        except BulkWriteError as exc:
            self._batch_failed(prepared, exc)
        except Exception:
            # how far did it get?  The writes are ordered: mark what is there as written
            ids = [p[2].get("_id") for p in prepared]
            try:
                found = {hashable_id(d["_id"]) for d in coll.find({"_id": {"$in": ids}}, {"_id": 1},
                                                                    session=self.session.client_session)}
            except Exception:
                found = set()
            for obj, st, data, checked in prepared:
                if hashable_id(data.get("_id")) not in found:
                    break
                self._inserted(obj, st, data, checked, data.get("_id"))
            raise
        for (obj, st, data, checked), inserted_id in zip(prepared, result.inserted_ids):
            self._inserted(obj, st, data, checked, inserted_id)

    def _batch_failed(self, prepared: list[Prepared], exc: BulkWriteError) -> None:
        """Mark the objects written before the failure clean; raise what one insert at a time would have."""
        details = exc.details or {}
        written = int(details.get("nInserted", 0) or 0)
        for obj, st, data, checked in prepared[:written]:
            self._inserted(obj, st, data, checked, data.get("_id"))
        errors = details.get("writeErrors") or []
        if not errors:
            raise exc
        error = {k: v for k, v in errors[0].items() if k != "op"}
        code = error.get("code")
        cls = DuplicateKeyError if code in _DUPLICATE_KEY_CODES else WriteError
        raise cls(error.get("errmsg"), code, error) from exc

    def _inserted(self, obj: Any, st: ObjectState, data: dict, checked: bool, inserted_id: Any) -> None:
        if "_id" not in data or "_id" not in st.document:
            data["_id"] = inserted_id
            self.sync(st, data, checked)
            self.session.imap.save(obj)
        else:
            self.sync(st, data, checked)

    # -- updates and deletes -----------------------------------------------
    def update(self, obj: Any, st: ObjectState) -> None:
        """Write the changed paths of a dirty object (``$set``/``$unset``) between its update events."""
        m = mapper(type(obj))
        sess = self.session
        registry.dispatch("before_update", sess, type(obj), obj, st)
        data, copied = self.prepare(obj, st, m)
        coll = self.collection(m)
        old = st.original_document or {}
        try:
            update = diff_documents(old, data)
        except _Unaddressable:
            coll.replace_one({"_id": data["_id"]}, data, upsert=True, session=sess.client_session)
        else:
            result = coll.update_one({"_id": data["_id"]}, update, session=sess.client_session) if update else None
            if result is not None and result.acknowledged and result.matched_count == 0:
                # deleted behind our back: the object's state is the truth
                coll.replace_one({"_id": data["_id"]}, data, upsert=True, session=sess.client_session)
            else:
                # the stored document changed path by path (or not at all): its key order is the server's
                layout = stored_layout(old, data)
                if layout is not data:
                    data = layout
                    if copied:
                        reorder_like(st.document, data)
        self.sync(st, data, copied)
        registry.dispatch("after_update", sess, type(obj), obj, st)

    def delete(self, obj: Any, st: ObjectState) -> None:
        """Delete a deleted object's document between its delete events, then stop tracking the object."""
        m = mapper(type(obj))
        sess = self.session
        registry.dispatch("before_delete", sess, type(obj), obj, st)
        id_value = st.document.get("_id", Missing)
        if id_value is not Missing:
            if referring_rules(m):
                delete_with_rules(sess, m, [id_value])
            else:
                self.collection(m).delete_one({"_id": id_value}, session=sess.client_session)
        registry.dispatch("after_delete", sess, type(obj), obj, st)
        sess.untrack(obj)

    # -- after a write -------------------------------------------------------
    @staticmethod
    def sync(st: ObjectState, data: dict, copied: bool = False) -> None:
        """After a write: ``data`` is what the database holds now; the object becomes clean and mirrors it.

        Values the object holds keep their identity when their content is
        what was stored (an application holding ``obj.meta`` keeps holding
        the object's sub-document); only the key order is brought in line.
        A ``copied`` document is the object's own, in its order (an update
        that stores another order has reordered the object already).
        """
        if copied:
            # data is a deep copy of the document (plus maybe the new _id)
            if "_id" in data and "_id" not in st.document:
                st.document["_id"] = data["_id"]
        else:
            document = st.document
            for key in [k for k in document if k not in data]:
                del document[key]
            for key, value in data.items():
                current = document.get(key, Missing)
                if current is Missing or not same_content(current, value):
                    document[key] = snapshot(value)
            reorder_like(document, data)  # validation may have ordered keys its own way
        st.original_document = data
        st.projected = False
        st.status = ObjectState.clean
        st.validated = True


# -- the $set / $unset diff --------------------------------------------------
def _path_safe(key: Any) -> bool:
    return isinstance(key, str) and key != "" and "." not in key and not key.startswith("$")


def diff_documents(old: dict, new: dict) -> dict:
    """The update document that turns ``old`` into ``new``: ``$set``/``$unset`` of changed paths.

    Sub-documents present on both sides are compared key by key, so changing
    ``metadata.tags`` sets only that path; an array or any other changed value
    is set whole.  Key order is not a change (validation decides it, the way
    Ming sorts a validated sub-document's keys), so an untouched sub-document
    is never rewritten just because it was loaded in another order.  ``_id``
    is never part of the update.  Returns ``{}`` when nothing changed.
    """
    to_set: dict = {}
    to_unset: dict = {}
    _diff_into(old, new, "", to_set, to_unset)
    update: dict = {}
    if to_set:
        update["$set"] = to_set
    if to_unset:
        update["$unset"] = to_unset
    return update


def _diff_into(old: dict, new: dict, prefix: str, to_set: dict, to_unset: dict) -> None:
    for key, value in new.items():
        if not prefix and key == "_id":
            continue
        path = prefix + key if _path_safe(key) else None
        if path is None:
            # a key that cannot be addressed by a dotted path: rewrite the parent
            raise _Unaddressable
        previous = old.get(key, Missing) if isinstance(old, dict) else Missing
        if previous is Missing:
            to_set[path] = value
        elif isinstance(value, dict) and isinstance(previous, dict):
            sub_set: dict = {}
            sub_unset: dict = {}
            try:
                _diff_into(previous, value, path + ".", sub_set, sub_unset)
            except _Unaddressable:
                to_set[path] = value
            else:
                to_set.update(sub_set)
                to_unset.update(sub_unset)
        elif isinstance(value, list) and isinstance(previous, list) and _same_shape(previous, value):
            # an array of sub-documents that kept its length and keys: only the changed items' paths
            for index, (before, after) in enumerate(zip(previous, value)):
                _diff_into(before, after, f"{path}.{index}.", to_set, to_unset)
        elif not same_content(previous, value):
            to_set[path] = value
    for key in old:
        if key not in new and not (not prefix and key == "_id"):
            if not _path_safe(key):
                raise _Unaddressable
            to_unset[prefix + key] = ""


def _same_shape(old: list, new: list) -> bool:
    """Whether two arrays of sub-documents have one length and the same keys, in order, at every dict level.

    Such an array is updated item path by item path (``comments.1.text``):
    the server then keeps every key where it is, as the object has it.  Any
    other change to an array (an item added or removed, a key added to an
    item, an array of scalars) sets the array whole.
    """
    return len(old) == len(new) and bool(new) and all(
        isinstance(a, dict) and isinstance(b, dict) and _same_keys(a, b) for a, b in zip(old, new))


def _same_keys(old: dict, new: dict) -> bool:
    if list(old) != list(new) or not all(_path_safe(k) for k in new):
        return False
    return all(_same_keys(old[k], v) for k, v in new.items() if isinstance(v, dict) and isinstance(old[k], dict))


class _Unaddressable(Exception):
    pass


# -- the key order the server leaves behind -------------------------------------
def _compare_field_names(a: str, b: str) -> int:
    """The server's order of the field names of one update level (``pathsupport::cmpPathsAndArrayIndexes``).

    Names are compared as strings, except that two names starting with a digit
    (and not zero-padded) compare shorter-first, so ``"9"`` comes before
    ``"10"``.
    """
    numeric = a and b and a[0].isdigit() and b[0].isdigit() and not (a[0] == "0" and len(a) > 1) \
        and not (b[0] == "0" and len(b) > 1)
    if numeric and len(a) != len(b):
        return -1 if len(a) < len(b) else 1
    return (a > b) - (a < b)


#: Sort key putting field names in the order the server applies an update's paths to one level.
server_field_order = functools.cmp_to_key(_compare_field_names)


def stored_layout(old: dict, new: dict) -> dict:
    """``new`` with its keys in the order the server stores them after ``diff_documents(old, new)``.

    The server changes an existing field in place, removes unset ones and
    appends the fields it creates, one level at a time, in the order of
    :data:`server_field_order` (MongoDB 5.0+ applies update paths in that
    order, not in the order of the update document).  A value written whole
    (a new field, or one :func:`diff_documents` could not address by path)
    keeps its own order.  Returns ``new`` itself when the server keeps its order.
    """
    if len(old) == len(new) and list(old) == list(new):
        # the common case, nothing added or reordered at this level: ``new`` itself unless a sub-document differs
        layout = None
        for key, value in new.items():
            previous = old[key]
            if isinstance(value, dict) and isinstance(previous, dict) and _addressable(previous, value):
                sub = stored_layout(previous, value)
                if sub is not value:
                    if layout is None:
                        layout = dict(new)
                    layout[key] = sub
        return new if layout is None else layout
    layout = {}
    for key, previous in old.items():
        if key in new:
            value = new[key]
            if isinstance(value, dict) and isinstance(previous, dict) and _addressable(previous, value):
                value = stored_layout(previous, value)
            layout[key] = value
    for key in sorted((k for k in new if k not in old), key=server_field_order):
        layout[key] = new[key]
    return layout


def _addressable(old: dict, new: dict) -> bool:
    """Whether :func:`diff_documents` diffs this sub-document path by path (else it sets it whole)."""
    return all(_path_safe(k) for k in new) and all(_path_safe(k) for k in old if k not in new)


def reorder_like(target: dict, model: dict) -> None:
    """Give ``target`` (and its sub-documents) the key order of ``model``, which has the same keys, in place.

    Instrumented values stay the very objects the application holds; the
    reordering is not a change (nothing is marked dirty).
    """
    if list(target) != list(model):
        items = [(key, target[key]) for key in model]
        dict.clear(target)
        dict.update(target, items)
    for key, value in target.items():
        shape = model[key]
        if isinstance(value, dict) and isinstance(shape, dict):
            reorder_like(value, shape)
