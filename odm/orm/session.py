"""The ODM session: the API objects are queried, tracked and flushed through.

An :class:`ODMSession` wraps a foundation :class:`odm.Session` (``.impl``) and
owns the parts the work is split into, as in SQLAlchemy's ORM:

* :class:`~odm.orm.unit_of_work.UnitOfWork` (``.uow``): which objects are
  new, dirty or deleted, and the flush order and batching;
* :class:`~odm.orm.persistence.Persistence` (``.persistence``): the
  insert/update/delete writes and the ``$set``/``$unset`` diff;
* :class:`~odm.orm.loading.Loader` (``.loader``): raw documents → objects;
* :class:`~odm.orm.identity_map.IdentityMap` (``.imap``): one object per
  document;
* the event registry (:mod:`odm.orm.events`), where its
  :class:`SessionExtension` hooks are registered.

It is not thread-safe; :class:`ThreadLocalODMSession` gives every thread its
own, :class:`ContextualODMSession` one per context of your choosing.
"""
from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Mapping
from typing import Any, Callable, Hashable, Iterable, Iterator, Optional, TypeVar

from pymongo import ReturnDocument

from ..datastore import DataStore
from ..exc import MingException
from ..session import Session, is_operator_update
from .delete_rules import delete_with_rules, referring_rules
from .events import SessionExtension, listen_session_extension, registry
from .identity_map import IdentityMap
from .loading import Loader, ODMCursor
from .mapper import QUERY_OPTIONS, Mapper, check_collection_options, mapper
from .persistence import Persistence
from .state import ObjectState, snapshot, state
from .unit_of_work import UnitOfWork

__all__ = ["ODMSession", "ThreadLocalODMSession", "ContextualODMSession", "ODMCursor", "SessionExtension"]


def _projection(value: Any) -> Any:
    if value is None or isinstance(value, Mapping):
        return value
    if isinstance(value, str):
        return {value: 1}
    return {name: 1 for name in value}


S = TypeVar("S", bound="_NamedSessions")
T = TypeVar("T")


class _NamedSessions:
    """``by_name``: one session of the class per configured name (see :func:`odm.configure`)."""

    _registry: dict[str, Any]

    @classmethod
    def by_name(cls: type[S], name: str) -> S:
        """The session named ``name``, created on first use over ``Session.by_name(name)``
        (bound to the datastore configured under that name)."""
        try:
            return cls._registry[name]
        except KeyError:
            sess = cls._registry[name] = cls(doc_session=Session.by_name(name))  # type: ignore[call-arg]
            return sess


class ODMSession(_NamedSessions):
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
        self.loader = Loader(self)
        self.persistence = Persistence(self)
        self.autoflush = autoflush
        #: the pymongo ``ClientSession`` of the transaction this session's writes belong to, if any
        self.client_session: Any = None
        #: flushes so far: relations loaded eagerly are valid until the next one
        self.flush_count = 0
        #: the session the application holds: this one, or the AsyncODMSession this one works for
        self.facade: Any = self
        self.extensions: list[SessionExtension] = []
        for ext in extensions or ():
            self.register_extension(ext)

    # -- plumbing --------------------------------------------------------------
    def register_extension(self, extension: Any) -> None:
        """Add a :class:`SessionExtension` (a class is instantiated with this session)."""
        ext = extension(self) if isinstance(extension, type) else extension
        self.extensions.append(ext)
        listen_session_extension(ext, self)

    def mapper(self, cls: type, collection: Any, **kwargs: Any) -> Mapper:
        """Map the plain class ``cls`` onto the foundation document class ``collection`` (Ming's imperative mapping).

        Every field of ``collection`` becomes a :class:`FieldProperty` of
        ``cls``; ``properties={name: property}`` adds others (relations) or
        overrides them, ``include_properties``/``exclude_properties`` choose.
        """
        return mapper(cls, collection=collection, session=self, **kwargs)

    @property
    def bind(self) -> Optional[DataStore]:
        return self.impl.bind

    @property
    def db(self) -> Any:
        """The pymongo-style database below the ODM."""
        return self.impl.db

    def _coll(self, cls: type, kwargs: Optional[dict] = None) -> Any:
        """``cls``'s pymongo collection with the class's options, and a query's own
        (``collection_options=`` in ``kwargs``, from :meth:`Query.with_options`) over them."""
        m = mapper(cls)
        coll = m.with_options(self.impl.raw_collection(m.polymorphic_collection))
        if kwargs is None:
            return coll
        extra = dict(kwargs.pop("collection_options", None) or {})
        if extra:
            check_collection_options(cls.__name__, extra)
        for name, value in {**m.query_options, **{k: extra.pop(k) for k in QUERY_OPTIONS if k in extra}}.items():
            kwargs.setdefault(name, value)
        if extra:
            coll = coll.with_options(**extra)
        return coll

    def _joined(self, kwargs: dict) -> dict:
        """``kwargs`` of a pymongo call, with ``session=`` the open transaction's (when there is one)."""
        if self.client_session is not None:
            kwargs.setdefault("session", self.client_session)
        return kwargs

    # -- transactions ------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self, **options: Any) -> Iterator[Any]:
        """``with odm_session.transaction(): ...``: one multi-document transaction for the block and its flush.

        Queries in the block read inside the transaction (their own writes
        included); when the block ends the unit of work is flushed into it and
        committed.  If the block or a flush raises, the transaction is aborted
        (nothing is written) and the session is put back as it was when the
        block began, as the database is: the tracked objects, their values and
        their status (new, dirty, deleted) are those of that moment, so the
        work can be run again.  ``options`` are ``start_transaction``'s (``read_concern``,
        ``write_concern``, ``read_preference``, ``max_commit_time_ms``).  The
        server must run transactions (a replica-set member or ``mongos``);
        :meth:`run_in_transaction` also retries transient errors.  Yields
        pymongo's ``ClientSession``.
        """
        client = self._transaction_client()
        with client.start_session() as client_session:
            with client_session.start_transaction(**options):
                yield from self._inside(client_session, None)

    def run_in_transaction(self, callback: Callable[["ODMSession"], T], **options: Any) -> T:
        """``callback(session)`` and a flush in one transaction, retried as pymongo's ``with_transaction`` retries.

        On a ``TransientTransactionError`` (a write conflict ...) the tracked
        objects are put back as they were when this was called and
        ``callback`` runs again, so it must make its changes from that state.
        Returns what ``callback`` returned.
        """
        client = self._transaction_client()
        before = self._snapshot()

        def attempt(client_session: Any) -> T:
            self._restore(before)
            result: list[T] = []
            for _ in self._inside(client_session, lambda: result.append(callback(self))):
                pass
            return result[0]

        with client.start_session() as client_session:
            return client_session.with_transaction(attempt, **options)

    def _transaction_client(self) -> Any:
        if self.client_session is not None:
            raise MingException("this ODM session is in a transaction already")
        bind = self.bind
        if bind is None:
            raise MingException("session is not bound to a datastore")
        if not bind.supports_transactions:
            raise MingException("this server runs no multi-document transactions: they need a replica-set "
                                "member or a mongos that runs them")
        return bind.conn

    def _inside(self, client_session: Any, work: Optional[Callable[[], None]]) -> Iterator[Any]:
        """Run ``work`` (or the caller's block, at the yield) and the flush with ``client_session``;
        on an error (the transaction is aborted) the session goes back to how it was when it began."""
        began = self._snapshot()
        self.client_session = client_session
        try:
            if work is None:
                yield client_session
            else:
                work()
            self.flush()
        except BaseException:
            self._restore(began)
            raise
        finally:
            self.client_session = None

    def _snapshot(self) -> list[tuple]:
        """What :meth:`_restore` needs to put the unit of work back: each tracked object and its state."""
        return [(obj, st.status, snapshot(st.document), st.original_document, st.validated, st.session)
                for obj, st in ((obj, state(obj)) for obj in self.uow)]

    def _restore(self, saved: list[tuple]) -> None:
        for obj in self.uow:
            self.untrack(obj)
        for obj, status, document, original, validated, owner in saved:
            st = state(obj)
            st.status, st.document, st.original_document, st.validated, st.session = \
                status, snapshot(document), original, validated, owner
            st.extra_state.clear()
            self.uow.save(obj)
            self.imap.save(obj)

    # -- tracking ----------------------------------------------------------
    def save(self, obj: Any) -> None:
        """Track ``obj`` in this session (done automatically for new objects)."""
        st = state(obj)
        st.session = self
        self.uow.save(obj)
        self.imap.save(obj)

    def untrack(self, obj: Any) -> None:
        """Drop ``obj`` from the unit of work and the identity map; it still names this session
        (what a flushed delete does: the object was this session's)."""
        self.uow.expunge(obj)
        self.imap.expunge(obj)

    def expunge(self, obj: Any) -> None:
        """Stop tracking ``obj`` (unit of work and identity map); it has no session any more, as in Ming."""
        self.untrack(obj)
        st = state(obj)
        if st.session is self:
            st.session = None

    def delete(self, obj: Any) -> None:
        """Mark ``obj`` deleted; the next flush deletes it."""
        st = state(obj)
        st.status = ObjectState.deleted
        if obj not in self.uow:
            self.save(obj)

    def clear(self) -> None:
        """Forget every tracked object (each has no session any more)."""
        for obj in self.uow:
            st = state(obj)
            if st.session is self:
                st.session = None
        self.uow.clear()
        self.imap.clear()

    close = clear

    # -- queries -----------------------------------------------------------
    def find(self, cls: type, *args: Any, **kwargs: Any) -> "ODMCursor":
        """Query ``cls``; arguments are those of ``Collection.find`` plus ``refresh``,
        ``allow_extra``, ``strip_extra`` and ``validate`` (``fields`` = ``projection``)."""
        if self.autoflush:
            self.flush()
        hook_args, hook_kwargs = (cls,) + args, dict(kwargs)
        refresh = kwargs.pop("refresh", None)
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
        raw_cursor = self._coll(cls, kwargs).find(*args, **self._joined(kwargs))
        count_options = {k: kwargs[k] for k in ("session", "collation") if kwargs.get(k) is not None}
        return self.loader.cursor(cls, raw_cursor, spec, refresh, projected, "find", hook_args, hook_kwargs, load_options,
                                  count_options)

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

    def command(self, command: Any, *args: Any, **kwargs: Any) -> dict:
        """A database command on the session's database (MongoTor's ``Database.command``):
        ``session.command("buildinfo")``, ``session.command("collstats", "user")``."""
        return self.db.command(command, *args, **self._joined(kwargs))

    def count(self, cls: type, filter: Optional[Mapping] = None, **kwargs: Any) -> int:  # noqa: A002
        """Number of documents of ``cls``'s collection (matching ``filter`` if given)."""
        return self._coll(cls, kwargs).count_documents(filter or {}, **self._joined(kwargs))

    def distinct(self, cls: type, *args: Any, **kwargs: Any) -> list:
        """``Collection.distinct(key, filter=None, ...)`` on ``cls``'s collection."""
        return self._coll(cls, kwargs).distinct(*args, **self._joined(kwargs))

    def aggregate(self, cls: type, *args: Any, **kwargs: Any) -> Any:
        """``Collection.aggregate(pipeline, ...)`` on ``cls``'s collection; results are raw documents."""
        return self._coll(cls, kwargs).aggregate(*args, **self._joined(kwargs))

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
        coll = self._coll(cls, kwargs)
        self._joined(kwargs)
        if remove:
            raw = coll.find_one_and_delete(query or {}, projection=projection, sort=sort, **kwargs)
        else:
            if update is None:
                raise ValueError("find_and_modify needs update= or remove=True")
            method = coll.find_one_and_update if is_operator_update(update) else coll.find_one_and_replace
            raw = method(query or {}, update, projection=projection, sort=sort, upsert=upsert,
                         return_document=ReturnDocument.AFTER if new else ReturnDocument.BEFORE, **kwargs)
        return self.loader.load(cls, raw, refresh=True, projected=projection is not None)

    def find_one_and_update(self, cls: type, filter: Mapping, update: Any, **kwargs: Any) -> Any:  # noqa: A002
        return self.loader.load(cls, self._coll(cls, kwargs).find_one_and_update(filter, update, **self._joined(kwargs)), refresh=True,
                          projected=kwargs.get("projection") is not None)

    def find_one_and_replace(self, cls: type, filter: Mapping, replacement: Any, **kwargs: Any) -> Any:  # noqa: A002
        return self.loader.load(cls, self._coll(cls, kwargs).find_one_and_replace(filter, replacement, **self._joined(kwargs)), refresh=True,
                          projected=kwargs.get("projection") is not None)

    def find_one_and_delete(self, cls: type, filter: Mapping, **kwargs: Any) -> Any:  # noqa: A002
        return self.loader.load(cls, self._coll(cls, kwargs).find_one_and_delete(filter, **self._joined(kwargs)), refresh=True,
                          projected=kwargs.get("projection") is not None)

    # -- writes outside the unit of work ---------------------------------------
    def update(self, cls: type, spec: Mapping, fields: Any, **kwargs: Any) -> Any:
        """Apply an update document to matching documents now (one, or all with ``multi=True``).

        Objects already loaded are not changed: :meth:`refresh` them.
        """
        upsert = kwargs.pop("upsert", False)
        multi = kwargs.pop("multi", False)
        coll = self._coll(cls, kwargs)
        self._joined(kwargs)
        if is_operator_update(fields):
            method = coll.update_many if multi else coll.update_one
            return method(spec, fields, upsert=upsert, **kwargs)
        return coll.replace_one(spec, fields, upsert=upsert, **kwargs)

    def remove(self, cls: type, *args: Any, **kwargs: Any) -> Any:
        """Delete matching documents now (all of them unless ``multi=False``); loaded objects stay tracked.

        When foreign ids with a delete rule refer to ``cls``
        (``ForeignIdProperty(cls, on_delete=...)``), the ``_id`` values matching are
        read first and the rules applied to them (see :mod:`odm.orm.delete_rules`);
        the objects those rules delete are forgotten, as those of ``cls`` are not.
        """
        m = mapper(cls)
        registry.dispatch("before_remove", self, cls, cls, args, kwargs)
        self._joined(kwargs)
        if referring_rules(m):
            if kwargs.get("collection_options"):
                raise MingException(f"{cls.__name__}.query.with_options(...).remove(): delete rules write to other "
                                    "collections too; declare the concerns in the classes' __mongometa__")
            kwargs.pop("collection_options", None)
            result = self._remove_with_rules(m, *args, **kwargs)
        elif m.collection_options or m.query_options or kwargs.get("collection_options"):
            result = self._remove(m, *args, **kwargs)
        else:
            result = self.impl.remove(m.collection, *args, **kwargs)
        registry.dispatch("after_remove", self, cls, cls, args, kwargs)
        return result

    def _remove(self, m: Mapper, filter: Optional[Mapping] = None, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        """:meth:`remove` through the class's collection options (write concern)."""
        multi = kwargs.pop("multi", True)
        if kwargs.pop("just_one", False):
            multi = False
        coll = self._coll(m.mapped_class, kwargs)
        return (coll.delete_many if multi else coll.delete_one)(filter or {}, *args, **kwargs)

    def _remove_with_rules(self, m: Mapper, filter: Optional[Mapping] = None, **kwargs: Any) -> Any:  # noqa: A002
        """:meth:`remove` of a class that foreign ids with delete rules refer to: ids first, then the rules."""
        multi = kwargs.pop("multi", True)
        if kwargs.pop("just_one", False):
            multi = False
        if kwargs.pop("session", None) is not self.client_session:
            raise MingException("remove(session=...) of a class with delete rules: run it inside "
                                "ODMSession.transaction() instead, so the rules' writes share the transaction")
        coll = self.persistence.collection(m)
        for name, value in m.query_options.items():
            kwargs.setdefault(name, value)

        def matching_ids(client_session: Any) -> list:
            found = coll.find(filter or {}, {"_id": 1}, limit=0 if multi else 1, session=client_session, **kwargs)
            return [d["_id"] for d in found]

        return delete_with_rules(self, m, matching_ids)

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

    # -- indexes -----------------------------------------------------------
    def ensure_indexes(self, cls: type) -> list[str]:
        return self.impl.ensure_indexes(mapper(cls).polymorphic_collection)

    def drop_indexes(self, cls: type) -> None:
        return self.impl.drop_indexes(mapper(cls).polymorphic_collection)

    # -- flushing ----------------------------------------------------------
    def flush(self, obj: Any = None) -> None:
        """Write ``obj`` (or every new, dirty and deleted object) to the database.

        See :meth:`UnitOfWork.flush` for the order and batching of the writes.
        """
        registry.dispatch("before_flush", self, None, obj)
        self.flush_count += 1
        self.uow.flush(obj)
        registry.dispatch("after_flush", self, None, obj)

    def _prepare(self, obj: Any, st: ObjectState) -> tuple[dict, bool]:
        """The document a flush would write for ``obj`` (kept for tests written before :mod:`.persistence`)."""
        return self.persistence.prepare(obj, st)

    # -- display -----------------------------------------------------------
    def __repr__(self) -> str:
        return "\n".join(["<session>", self.uow.render("  "), self.imap.render("  ")])


class _SessionProxy:
    """A stand-in that hands every attribute to the :class:`ODMSession` of the current thread or context.

    Every session it makes gets the same arguments, and one foundation
    session (it holds nothing but the datastore) serves them all.
    """

    _instances: "weakref.WeakSet[_SessionProxy]"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and isinstance(args[0], Session):
            kwargs["doc_session"], args = args[0], args[1:]
        if args and isinstance(args[0], DataStore):
            kwargs["bind"], args = args[0], args[1:]
        if kwargs.get("doc_session") is None:
            kwargs["doc_session"] = Session(kwargs.pop("bind", None))
        else:
            kwargs.pop("bind", None)
        self._args = args
        self._kwargs = kwargs
        type(self)._instances.add(self)

    def _make(self) -> ODMSession:
        return ODMSession(*self._args, **self._kwargs)

    def _current(self) -> ODMSession:
        raise NotImplementedError

    def _existing(self) -> Optional[ODMSession]:
        """The current thread's / context's session if one was made, without making one."""
        raise NotImplementedError

    _get = _current

    @property
    def impl(self) -> Session:
        return self._kwargs["doc_session"]

    def mapper(self, cls: type, collection: Any, **kwargs: Any) -> Mapper:
        """Map a plain class imperatively with this proxy as its session (see :meth:`ODMSession.mapper`)."""
        return mapper(cls, collection=collection, session=self, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._current(), name)


class ThreadLocalODMSession(_SessionProxy, _NamedSessions):
    """A proxy giving every thread its own :class:`ODMSession` (same arguments).

    Every attribute and method is that of the current thread's session.
    """

    _instances: "weakref.WeakSet[_SessionProxy]" = weakref.WeakSet()
    _registry: dict[str, "ThreadLocalODMSession"] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    def _current(self) -> ODMSession:
        sess = getattr(self._local, "session", None)
        if sess is None:
            sess = self._local.session = self._make()
        return sess

    def _existing(self) -> Optional[ODMSession]:
        return getattr(self._local, "session", None)

    _get = _current

    @classmethod
    def flush_all(cls) -> None:
        """Flush the current thread's session of every thread-local session that has one."""
        for proxy in list(cls._instances):
            sess = proxy._existing()
            if sess is not None:
                sess.flush()

    @classmethod
    def close_all(cls) -> None:
        """Close (clear) the current thread's session of every thread-local session; connections stay open."""
        for proxy in list(cls._instances):
            sess = proxy._existing()
            if sess is not None:
                sess.close()

    def __repr__(self) -> str:
        return "TLProxy of " + repr(self._current())


class ContextualODMSession(_SessionProxy):
    """A proxy giving every context its own :class:`ODMSession`: ``ContextualODMSession(context, bind=...)``.

    ``context`` is called on every use and returns a hashable key (a request
    id, a task, ``threading.get_ident()`` ...); each key gets its own session
    with the proxy's arguments.  :meth:`close` clears and forgets the current
    context's session; :meth:`flush_all` / :meth:`close_all` do that for one
    context across every contextual session.
    """

    _instances: "weakref.WeakSet[_SessionProxy]" = weakref.WeakSet()

    def __init__(self, context: Callable[[], Hashable], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._context = context
        self._sessions: dict[Hashable, ODMSession] = {}

    def _current(self) -> ODMSession:
        key = self._context()
        sess = self._sessions.get(key)
        if sess is None:
            sess = self._sessions[key] = self._make()
        return sess

    def _existing(self) -> Optional[ODMSession]:
        return self._sessions.get(self._context())

    _get = _current

    def close(self) -> None:
        """Clear the current context's session and forget it (the next use makes a new one)."""
        sess = self._sessions.pop(self._context(), None)
        if sess is not None:
            sess.close()

    @classmethod
    def flush_all(cls, context: Hashable) -> None:
        """Flush the session of ``context`` (a key ``context()`` returned) of every contextual session."""
        for proxy in list(cls._instances):
            sess = proxy._sessions.get(context)  # type: ignore[attr-defined]
            if sess is not None:
                sess.flush()

    @classmethod
    def close_all(cls, context: Hashable) -> None:
        """Close and forget the session of ``context`` of every contextual session."""
        for proxy in list(cls._instances):
            sess = proxy._sessions.pop(context, None)  # type: ignore[attr-defined]
            if sess is not None:
                sess.close()

    def __repr__(self) -> str:
        return "CProxy of " + repr(self._current())
