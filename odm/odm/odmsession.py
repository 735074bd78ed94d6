"""ODM sessions: :class:`ODMSession` (unit of work + identity map), :class:`ThreadLocalODMSession`, :class:`ODMCursor`.

An :class:`ODMSession` wraps a foundation :class:`odm.Session` (``.impl``)
and adds the two things that make objects feel like objects: the
:class:`~odm.odm.unitofwork.UnitOfWork` (what to write on ``flush()``) and
the :class:`~odm.odm.identity_map.IdentityMap` (one object per document).
It is not thread-safe; :class:`ThreadLocalODMSession` gives every thread its
own.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from typing import Any, Callable, Iterable, Iterator, Optional, TypeVar

from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError

from ..base import Missing
from ..cursor import Cursor, ResultShortcuts
from ..datastore import DataStore
from ..session import Session, _is_operator_update
from .base import ObjectState, _Unaddressable, diff_documents, same_value, snapshot, state
from .identity_map import IdentityMap
from .mapper import Mapper, mapper
from .unitofwork import UnitOfWork

__all__ = ["ODMSession", "ThreadLocalODMSession", "ODMCursor", "SessionExtension"]

T = TypeVar("T")


class SessionExtension:
    """Hooks on a session's writes, flushes, removes and cursors; subclass what you need.

    Pass classes (instantiated with the session) or instances to
    ``ODMSession(extensions=[...])`` or :meth:`ODMSession.register_extension`.
    """

    def __init__(self, session: Any) -> None:
        self.session = session

    def before_insert(self, obj: Any, st: ObjectState) -> None:
        """Before ``obj`` is inserted."""

    def after_insert(self, obj: Any, st: ObjectState) -> None:
        """After ``obj`` was inserted."""

    def before_update(self, obj: Any, st: ObjectState) -> None:
        """Before the changes of ``obj`` are written."""

    def after_update(self, obj: Any, st: ObjectState) -> None:
        """After the changes of ``obj`` were written."""

    def before_delete(self, obj: Any, st: ObjectState) -> None:
        """Before ``obj`` is deleted."""

    def after_delete(self, obj: Any, st: ObjectState) -> None:
        """After ``obj`` was deleted."""

    def before_remove(self, cls: type, *args: Any, **kwargs: Any) -> None:
        """Before a ``remove`` query runs."""

    def after_remove(self, cls: type, *args: Any, **kwargs: Any) -> None:
        """After a ``remove`` query ran."""

    def before_flush(self, obj: Any = None) -> None:
        """Before a flush of ``obj`` (``None``: of the whole unit of work)."""

    def after_flush(self, obj: Any = None) -> None:
        """After a flush of ``obj`` (``None``: of the whole unit of work)."""

    def cursor_created(self, cursor: "ODMCursor", action: str, *args: Any, **kwargs: Any) -> None:
        """A query made ``cursor``; ``action`` is the session method (``'find'``)."""

    def before_cursor_next(self, cursor: "ODMCursor") -> None:
        """``cursor`` is about to read its next result."""

    def after_cursor_next(self, cursor: "ODMCursor") -> None:
        """``cursor`` has read its next result."""


def _key(value: Any) -> Any:
    """A hashable stand-in for an ``_id`` (documents and lists are not hashable)."""
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _projection(value: Any) -> Any:
    if value is None or isinstance(value, Mapping):
        return value
    if isinstance(value, str):
        return {value: 1}
    return {name: 1 for name in value}


class ODMSession:
    """Unit of work and identity map over a foundation :class:`odm.Session`.

    ``ODMSession(bind=datastore)`` or ``ODMSession(doc_session=session)``;
    ``extensions`` are :class:`SessionExtension` classes or instances;
    ``autoflush=True`` flushes before every query (writes happen then!).
    """

    _registry: dict[str, "ODMSession"] = {}

    def __init__(
        self,
        doc_session: Optional[Session] = None,
        bind: Optional[DataStore] = None,
        extensions: Optional[Iterable[Any]] = None,
        autoflush: bool = False,
    ) -> None:
        if doc_session is None:
            doc_session = Session(bind)
        self.impl = doc_session
        self.uow = UnitOfWork(self)
        self.imap = IdentityMap()
        self.autoflush = autoflush
        self.extensions: list[SessionExtension] = []
        for ext in extensions or ():
            self.register_extension(ext)

    # -- plumbing --------------------------------------------------------------
    @classmethod
    def by_name(cls, name: str) -> "ODMSession":
        """The session named ``name`` (created on first use over ``Session.by_name(name)``)."""
        try:
            return cls._registry[name]
        except KeyError:
            sess = cls._registry[name] = cls(doc_session=Session.by_name(name))
            return sess

    def register_extension(self, extension: Any) -> None:
        """Add a :class:`SessionExtension` (a class is instantiated with this session)."""
        self.extensions.append(extension(self) if isinstance(extension, type) else extension)

    @property
    def bind(self) -> Optional[DataStore]:
        return self.impl.bind

    @property
    def db(self) -> Any:
        """The pymongo-style database below the ODM."""
        return self.impl.db

    def _fire(self, hook: str, *args: Any, **kwargs: Any) -> None:
        for ext in self.extensions:
            getattr(ext, hook)(*args, **kwargs)

    @staticmethod
    def _collection_class(cls: type) -> type:
        m = mapper(cls)
        m.compile_subclasses()
        return m.collection

    def _coll(self, cls: type) -> Any:
        return self.impl._impl(self._collection_class(cls))

    # -- tracking ----------------------------------------------------------
    def save(self, obj: Any) -> None:
        """Track ``obj`` in this session (done automatically for new objects)."""
        st = state(obj)
        st.session = self
        self.uow.save(obj)
        self.imap.save(obj)

    def expunge(self, obj: Any) -> None:
        """Stop tracking ``obj`` (unit of work and identity map)."""
        self.uow.expunge(obj)
        self.imap.expunge(obj)

    def delete(self, obj: Any) -> None:
        """Mark ``obj`` deleted; the next flush deletes it."""
        st = state(obj)
        st.status = ObjectState.deleted
        if obj not in self.uow:
            self.save(obj)

    def clear(self) -> None:
        """Forget every tracked object."""
        self.uow.clear()
        self.imap.clear()

    close = clear

    # -- loading -----------------------------------------------------------
    def _load(self, cls: type, raw: Optional[Mapping], refresh: bool = False, projected: bool = False,
              allow_extra: bool = True, strip_extra: bool = True, validate: bool = True) -> Any:
        if raw is None:
            return None
        id_value = raw.get("_id", Missing)
        if not refresh and id_value is not Missing:
            existing = self.imap.get(cls, id_value)
            if existing is not None:
                return existing
        fcls = self._collection_class(cls)
        if validate:
            doc = fcls.m.make(raw, allow_extra=allow_extra, strip_extra=strip_extra)
        else:
            doc = fcls(raw)
        target = Mapper._by_collection.get(type(doc))
        mapped = target.mapped_class if target is not None else cls
        obj = self.imap.get(mapped, doc.get("_id")) if "_id" in doc else None
        if obj is None or type(obj) is not mapped:
            if obj is not None:
                self.expunge(obj)
            obj = mapped.__new__(mapped)
        st = state(obj)
        st.document = dict(doc)
        st.original_document = snapshot(dict(doc)) if projected else dict(raw)
        # kept extra keys would fail the save-time validation: validate those again
        st.validated = validate and (strip_extra or not allow_extra)
        st.projected = projected
        st.status = ObjectState.clean
        self.save(obj)
        return obj

    def _odm_cursor(self, cls: type, raw_cursor: Any, spec: Any, refresh: bool, projected: bool, action: str,
                    args: tuple, kwargs: dict, load_options: dict) -> "ODMCursor":
        def loader(raw: Mapping) -> Any:
            return self._load(cls, raw, refresh=refresh, projected=projected, **load_options)

        inner = Cursor(self._collection_class(cls), raw_cursor, spec=spec, loader=loader)
        cursor: ODMCursor = ODMCursor(self, cls, inner, refresh=refresh)
        self._fire("cursor_created", cursor, action, *args, **kwargs)
        return cursor

    def find(self, cls: type, *args: Any, **kwargs: Any) -> "ODMCursor":
        """Query ``cls``; arguments are those of ``Collection.find`` plus ``refresh``,
        ``allow_extra``, ``strip_extra`` and ``validate`` (``fields`` = ``projection``)."""
        if self.autoflush:
            self.flush()
        hook_args, hook_kwargs = (cls,) + args, dict(kwargs)
        refresh = kwargs.pop("refresh", False)
        kwargs.pop("decorate", None)
        load_options = {k: kwargs.pop(k) for k in ("allow_extra", "strip_extra", "validate") if k in kwargs}
        if "fields" in kwargs:
            kwargs["projection"] = kwargs.pop("fields")
        if "spec" in kwargs:
            kwargs["filter"] = kwargs.pop("spec")
        args = list(args)
        if len(args) > 1:
            kwargs["projection"] = args.pop(1)
        if "projection" in kwargs:
            kwargs["projection"] = _projection(kwargs["projection"])
        projected = kwargs.get("projection") is not None
        spec = args[0] if args else kwargs.get("filter")
        raw_cursor = self._coll(cls).find(*args, **kwargs)
        return self._odm_cursor(cls, raw_cursor, spec, refresh, projected, "find", hook_args, hook_kwargs, load_options)

    def find_by(self, cls: type, **kwargs: Any) -> "ODMCursor":
        return self.find(cls, kwargs)

    def get(self, cls: type, idvalue: Any) -> Any:
        """The object with ``_id == idvalue``: from the identity map, else queried."""
        obj = self.imap.get(cls, idvalue)
        if obj is not None:
            return obj
        return self.find(cls, {"_id": idvalue}).first()

    def refresh(self, obj: Any) -> Any:
        """Reload ``obj`` from the database (unsaved changes are lost); returns it."""
        return self.find(type(obj), {"_id": state(obj).document.get("_id")}, refresh=True).first()

    def count(self, cls: type, *args: Any, **kwargs: Any) -> int:
        return self.impl.count(self._collection_class(cls), *args, **kwargs)

    def distinct(self, cls: type, *args: Any, **kwargs: Any) -> list:
        return self.impl.distinct(self._collection_class(cls), *args, **kwargs)

    def aggregate(self, cls: type, *args: Any, **kwargs: Any) -> Any:
        return self.impl.aggregate(self._collection_class(cls), *args, **kwargs)

    def find_and_modify(self, cls: type, query: Optional[Mapping] = None, update: Any = None, sort: Any = None,
                        new: bool = False, upsert: bool = False, fields: Any = None, remove: bool = False,
                        **kwargs: Any) -> Any:
        """Atomically update (or remove) one document and return its object, refreshed in the identity map."""
        if self.autoflush:
            self.flush()
        projection = _projection(kwargs.pop("projection", fields))
        if isinstance(sort, str):
            sort = [(sort, 1)]
        elif isinstance(sort, Mapping):
            sort = list(sort.items())
        coll = self._coll(cls)
        if remove:
            raw = coll.find_one_and_delete(query or {}, projection=projection, sort=sort, **kwargs)
        else:
            if update is None:
                raise ValueError("find_and_modify needs update= or remove=True")
            method = coll.find_one_and_update if _is_operator_update(update) else coll.find_one_and_replace
            raw = method(query or {}, update, projection=projection, sort=sort, upsert=upsert,
                         return_document=ReturnDocument.AFTER if new else ReturnDocument.BEFORE, **kwargs)
        return self._load(cls, raw, refresh=True, projected=projection is not None)

    def find_one_and_update(self, cls: type, filter: Mapping, update: Any, **kwargs: Any) -> Any:  # noqa: A002
        return self._load(cls, self._coll(cls).find_one_and_update(filter, update, **kwargs), refresh=True,
                          projected=kwargs.get("projection") is not None)

    def find_one_and_replace(self, cls: type, filter: Mapping, replacement: Any, **kwargs: Any) -> Any:  # noqa: A002
        return self._load(cls, self._coll(cls).find_one_and_replace(filter, replacement, **kwargs), refresh=True,
                          projected=kwargs.get("projection") is not None)

    def find_one_and_delete(self, cls: type, filter: Mapping, **kwargs: Any) -> Any:  # noqa: A002
        return self._load(cls, self._coll(cls).find_one_and_delete(filter, **kwargs), refresh=True,
                          projected=kwargs.get("projection") is not None)

    # -- writes outside the unit of work ---------------------------------------
    def update(self, cls: type, spec: Mapping, fields: Any, **kwargs: Any) -> Any:
        """Apply an update document to matching documents now (one, or all with ``multi=True``).

        Objects already loaded are not changed: :meth:`refresh` them.
        """
        upsert = kwargs.pop("upsert", False)
        multi = kwargs.pop("multi", False)
        coll = self._coll(cls)
        if _is_operator_update(fields):
            method = coll.update_many if multi else coll.update_one
            return method(spec, fields, upsert=upsert, **kwargs)
        return coll.replace_one(spec, fields, upsert=upsert, **kwargs)

    def remove(self, cls: type, *args: Any, **kwargs: Any) -> Any:
        """Delete matching documents now (all of them unless ``multi=False``); loaded objects stay tracked."""
        m = mapper(cls)
        self._fire("before_remove", cls, *args, **kwargs)
        for ext in m.extensions:
            ext.before_remove(self, *args, **kwargs)
        result = self.impl.remove(m.collection, *args, **kwargs)
        for ext in m.extensions:
            ext.after_remove(self, *args, **kwargs)
        self._fire("after_remove", cls, *args, **kwargs)
        return result

    def update_if_not_modified(self, obj: Any, fields: Any, upsert: bool = False) -> bool:
        """Apply ``fields`` to ``obj``'s document only if it is still as it was loaded; True if it was."""
        st = state(obj)
        spec = dict(st.original_document or {"_id": st.document.get("_id")})
        result = self.update(type(obj), spec, fields, upsert=upsert)
        updated = bool(result.matched_count or getattr(result, "upserted_id", None) is not None)
        if updated:
            self.refresh(obj)
        return updated

    # -- indexes -----------------------------------------------------------
    def ensure_indexes(self, cls: type) -> list[str]:
        return self.impl.ensure_indexes(self._collection_class(cls))

    def drop_indexes(self, cls: type) -> None:
        return self.impl.drop_indexes(self._collection_class(cls))

    # -- flushing ----------------------------------------------------------
    def flush(self, obj: Any = None) -> None:
        """Write ``obj`` (or every new, dirty and deleted object) to the database.

        Objects are written in unit-of-work order.  Consecutive new objects of
        one collection go out as one ordered ``insert_many`` when no session or
        mapper extension has insert hooks (with hooks, each object is inserted
        on its own, between its ``before_insert`` and ``after_insert``, exactly
        as Ming does).  A failed write behaves as in Ming, which inserts one
        object at a time: the objects before the failing one are written and
        clean, the failing one and those after it stay new, and the error is
        the one a single insert raises (``DuplicateKeyError``, ``WriteError``).
        """
        self._fire("before_flush", obj)
        if obj is None:
            self._flush_all()
        else:
            self._flush_object(obj)
        self._fire("after_flush", obj)

    def _flush_all(self) -> None:
        batch: list[tuple[Any, ObjectState, Mapper]] = []
        batch_coll: Any = None
        collections: dict[Mapper, Any] = {}
        batchable: dict[Mapper, bool] = {}
        for each in self.uow:
            st = state(each)
            status = st.status
            if status == ObjectState.clean:
                continue
            if status == ObjectState.new:
                m = mapper(type(each))
                ok = batchable.get(m)
                if ok is None:
                    ok = batchable[m] = not self._has_insert_hooks(m)
                if ok:
                    coll = collections.get(m)
                    if coll is None:
                        coll = collections[m] = self.impl._impl(m.collection)
                    if batch and coll.name != batch_coll.name:
                        self._insert_batch(batch_coll, batch)
                        batch = []
                    batch_coll = coll
                    batch.append((each, st, m))
                    continue
            if batch:
                self._insert_batch(batch_coll, batch)
                batch = []
            self._flush_object(each)
        if batch:
            self._insert_batch(batch_coll, batch)

    def _has_insert_hooks(self, m: Mapper) -> bool:
        from .mapper import MapperExtension

        for ext in self.extensions:
            cls = type(ext)
            if cls.before_insert is not SessionExtension.before_insert or cls.after_insert is not SessionExtension.after_insert:
                return True
        for ext in m.extensions:
            cls = type(ext)
            if cls.before_insert is not MapperExtension.before_insert or cls.after_insert is not MapperExtension.after_insert:
                return True
        return False

    def _insert_batch(self, coll: Any, batch: list[tuple[Any, ObjectState, Mapper]]) -> None:
        prepared: list[tuple[Any, ObjectState, dict, bool]] = []
        try:
            for obj, st, m in batch:
                data, checked = self._prepare(obj, st, m)
                prepared.append((obj, st, data, checked))
        except BaseException:
            # as if inserted one by one: the objects before the invalid one are written
            if prepared:
                self._write_batch(coll, prepared)
            raise
        self._write_batch(coll, prepared)

    def _write_batch(self, coll: Any, prepared: list[tuple[Any, ObjectState, dict, bool]]) -> None:
        if len(prepared) == 1:
            obj, st, data, checked = prepared[0]
            result = coll.insert_one(data)
            self._inserted(obj, st, data, checked, result.inserted_id)
            return
        try:
            result = coll.insert_many([p[2] for p in prepared], ordered=True)
        except BulkWriteError as exc:
            details = exc.details or {}
            written = int(details.get("nInserted", 0) or 0)
            for obj, st, data, checked in prepared[:written]:
                self._inserted(obj, st, data, checked, data.get("_id"))
            errors = details.get("writeErrors") or []
            if not errors:
                raise
            error = {k: v for k, v in errors[0].items() if k != "op"}
            code = error.get("code")
            cls = DuplicateKeyError if code in (11000, 11001, 12582) else WriteError
            raise cls(error.get("errmsg"), code, error) from exc
        except Exception:
            # how far did it get?  The writes are ordered: mark what is there as written
            ids = [p[2].get("_id") for p in prepared]
            try:
                found = {_key(d["_id"]) for d in coll.find({"_id": {"$in": ids}}, {"_id": 1})}
            except Exception:
                found = set()
            for obj, st, data, checked in prepared:
                if _key(data.get("_id")) not in found:
                    break
                self._inserted(obj, st, data, checked, data.get("_id"))
            raise
        for (obj, st, data, checked), inserted_id in zip(prepared, result.inserted_ids):
            self._inserted(obj, st, data, checked, inserted_id)

    def _inserted(self, obj: Any, st: ObjectState, data: dict, checked: bool, inserted_id: Any) -> None:
        if "_id" not in data or "_id" not in st.document:
            data["_id"] = inserted_id
            self._sync(st, data, checked)
            self.imap.save(obj)
        else:
            self._sync(st, data, checked)

    def _flush_object(self, obj: Any) -> None:
        st = state(obj)
        status = st.status
        if status == ObjectState.new:
            self._insert(obj, st)
        elif status == ObjectState.dirty:
            self._update(obj, st)
        elif status == ObjectState.deleted:
            self._delete(obj, st)

    def _prepare(self, obj: Any, st: ObjectState, m: Optional[Mapper] = None) -> tuple[dict, bool]:
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
        data = self.impl._prep_save(fdoc, validate=True)
        return dict(data), False

    def _sync(self, st: ObjectState, data: dict, copied: bool = False) -> None:
        """After a write: ``data`` is what the database holds now; the object becomes clean."""
        if copied:
            # data is a deep copy of the document (plus maybe the new _id)
            if "_id" in data and "_id" not in st.document:
                st.document["_id"] = data["_id"]
            st.original_document = data
            st.projected = False
            st.status = ObjectState.clean
            st.validated = True
            return
        document = st.document
        for key in [k for k in document if k not in data]:
            del document[key]
        for key, value in data.items():
            current = document.get(key, Missing)
            if type(current) is type(value) and (
                current == value if not isinstance(value, (dict, list)) else same_value(current, value)
            ):
                continue
            document[key] = snapshot(value)
        st.original_document = data
        st.projected = False
        st.status = ObjectState.clean
        st.validated = True

    def _insert(self, obj: Any, st: ObjectState) -> None:
        m = mapper(type(obj))
        # as in Ming, the before hooks run first: what they change is written
        self._fire("before_insert", obj, st)
        for ext in m.extensions:
            ext.before_insert(obj, st, self)
        data, copied = self._prepare(obj, st, m)
        result = self.impl._impl(m.collection).insert_one(data)
        self._inserted(obj, st, data, copied, result.inserted_id)
        for ext in m.extensions:
            ext.after_insert(obj, st, self)
        self._fire("after_insert", obj, st)

    def _update(self, obj: Any, st: ObjectState) -> None:
        m = mapper(type(obj))
        self._fire("before_update", obj, st)
        for ext in m.extensions:
            ext.before_update(obj, st, self)
        data, copied = self._prepare(obj, st, m)
        coll = self.impl._impl(m.collection)
        try:
            update = diff_documents(st.original_document or {}, data)
        except _Unaddressable:
            coll.replace_one({"_id": data["_id"]}, data, upsert=True)
        else:
            if update:
                result = coll.update_one({"_id": data["_id"]}, update)
                if result.matched_count == 0:
                    # deleted behind our back: the object's state is the truth
                    coll.replace_one({"_id": data["_id"]}, data, upsert=True)
        self._sync(st, data, copied)
        for ext in m.extensions:
            ext.after_update(obj, st, self)
        self._fire("after_update", obj, st)

    def _delete(self, obj: Any, st: ObjectState) -> None:
        m = mapper(type(obj))
        self._fire("before_delete", obj, st)
        for ext in m.extensions:
            ext.before_delete(obj, st, self)
        id_value = st.document.get("_id", Missing)
        if id_value is not Missing:
            self.impl._impl(m.collection).delete_one({"_id": id_value})
        for ext in m.extensions:
            ext.after_delete(obj, st, self)
        self._fire("after_delete", obj, st)
        self.expunge(obj)

    # -- display -----------------------------------------------------------
    def __repr__(self) -> str:
        return "\n".join(["<session>", self.uow.render("  "), self.imap.render("  ")])


class ODMCursor(ResultShortcuts[T]):
    """The results of an ODM query, as mapped objects (from the identity map when already loaded).

    Iterate it, or use :meth:`all`, :meth:`first`, :meth:`one`, :meth:`count`;
    :meth:`limit`, :meth:`skip`, :meth:`sort` return the cursor so they chain.
    """

    def __init__(self, session: ODMSession, cls: type[T], ming_cursor: Cursor, refresh: bool = False,
                 decorate: Optional[Callable[[Any], Any]] = None, fields: Any = None) -> None:
        self.session = session
        self.cls = cls
        self.ming_cursor = ming_cursor
        self._refresh = refresh
        self._decorate = decorate
        self._fields = fields

    def __iter__(self) -> Iterator[T]:
        return self

    def next(self) -> T:
        self.session._fire("before_cursor_next", self)
        try:
            obj = next(self.ming_cursor)
        finally:
            pass
        self.session._fire("after_cursor_next", self)
        if self._decorate is not None:
            obj = self._decorate(obj)
        return obj

    __next__ = next

    def __bool__(self) -> bool:
        from ..exc import MingException

        raise MingException("Cannot evaluate an ODMCursor to a boolean: use first() or count()")

    def count(self, with_limit_and_skip: bool = False) -> int:
        return self.ming_cursor.count(with_limit_and_skip)

    def distinct(self, key: str, *args: Any, **kwargs: Any) -> list:
        return self.ming_cursor.distinct(key, *args, **kwargs)

    def limit(self, limit: int) -> "ODMCursor[T]":
        self.ming_cursor.limit(limit)
        return self

    def skip(self, skip: int) -> "ODMCursor[T]":
        self.ming_cursor.skip(skip)
        return self

    def sort(self, *args: Any, **kwargs: Any) -> "ODMCursor[T]":
        self.ming_cursor.sort(*args, **kwargs)
        return self

    def hint(self, index: Any) -> "ODMCursor[T]":
        self.ming_cursor.hint(index)
        return self

    def rewind(self) -> "ODMCursor[T]":
        self.ming_cursor.rewind()
        return self

    def close(self) -> None:
        self.ming_cursor.close()

    def __enter__(self) -> "ODMCursor[T]":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<ODMCursor of {self.cls.__name__}>"


class ThreadLocalODMSession:
    """A proxy giving every thread its own :class:`ODMSession` (same arguments).

    Every attribute and method is that of the current thread's session.
    """

    _instances: "weakref.WeakSet[ThreadLocalODMSession]" = weakref.WeakSet()
    _registry: dict[str, "ThreadLocalODMSession"] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and isinstance(args[0], Session):
            kwargs["doc_session"], args = args[0], args[1:]
        if args and isinstance(args[0], DataStore):
            kwargs["bind"], args = args[0], args[1:]
        if kwargs.get("doc_session") is None:
            # one foundation session for all threads: it holds nothing but the datastore
            kwargs["doc_session"] = Session(kwargs.pop("bind", None))
        else:
            kwargs.pop("bind", None)
        self._args = args
        self._kwargs = kwargs
        self._local = threading.local()
        ThreadLocalODMSession._instances.add(self)

    def _current(self) -> ODMSession:
        sess = getattr(self._local, "session", None)
        if sess is None:
            sess = self._local.session = ODMSession(*self._args, **self._kwargs)
        return sess

    _get = _current

    @property
    def impl(self) -> Session:
        return self._kwargs["doc_session"]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._current(), name)

    @classmethod
    def by_name(cls, name: str) -> "ThreadLocalODMSession":
        """The thread-local session named ``name`` (bound to the configured datastore of that name)."""
        try:
            return cls._registry[name]
        except KeyError:
            sess = cls._registry[name] = cls(doc_session=Session.by_name(name))
            return sess

    @classmethod
    def flush_all(cls) -> None:
        """Flush the current thread's session of every thread-local session that has one."""
        for proxy in list(cls._instances):
            sess = getattr(proxy._local, "session", None)
            if sess is not None:
                sess.flush()

    @classmethod
    def close_all(cls) -> None:
        """Close (clear) the current thread's session of every thread-local session; connections stay open."""
        for proxy in list(cls._instances):
            sess = getattr(proxy._local, "session", None)
            if sess is not None:
                sess.close()

    def __repr__(self) -> str:
        return "TLProxy of " + repr(self._current())
