"""The one event registry of the mapper, and Ming's extension classes as adapters over it.

Everything that wants to hear about the mapper's work listens here:
:class:`SessionExtension` (per session), :class:`MapperExtension` (per mapped
class) and :mod:`odm.signals` (everywhere) are three ways of registering
listeners in the same :data:`registry`; the session, the unit of work and
persistence only ever call :meth:`EventRegistry.dispatch`.

Every listener is called as ``listener(session, *payload)``; the payload of
each event is listed in :data:`EVENTS`.  A listener is registered for a
*scope*: one session, one mapped class, or everything (``None``).  Around a
write the scopes nest like wrappers: ``before_*`` events reach the global
listeners first, then the session's, then the class's; ``after_*`` events go
the other way round (class, session, global).  That is the order Ming calls
its extensions in (session ``before``, mapper ``before``, the write, mapper
``after``, session ``after``).
"""
from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

from .registry import io_session

if TYPE_CHECKING:  # pragma: no cover
    from .mapper import Mapper
    from .loading import ODMCursor
    from .session import ODMSession
    from .state import ObjectState

__all__ = ["EVENTS", "EventRegistry", "registry", "listen", "remove", "SessionExtension", "MapperExtension"]

Listener = Callable[..., None]

#: Every event and what its listeners receive after the session.
EVENTS: dict[str, str] = {
    "before_insert": "(obj, state): a new object is about to be inserted",
    "after_insert": "(obj, state): it was inserted (its state is clean)",
    "before_update": "(obj, state): the changes of a dirty object are about to be written",
    "after_update": "(obj, state): they were written",
    "before_delete": "(obj, state): a deleted object is about to be removed from its collection",
    "after_delete": "(obj, state): it was removed",
    "before_remove": "(cls, args, kwargs): a remove query on cls is about to run",
    "after_remove": "(cls, args, kwargs): it ran",
    "before_flush": "(obj): a flush of obj (None: of the whole unit of work) starts",
    "after_flush": "(obj): it ended",
    "cursor_created": "(cursor, action, args, kwargs): a query made a cursor",
    "lazy_load": "(obj, relation): a relation of obj is about to be read from the database on its own "
                 "(not loaded with the others of its query)",
    "before_cursor_next": "(cursor,): a cursor is about to read its next result",
    "after_cursor_next": "(cursor,): it read it",
}


class EventRegistry:
    """Listeners by event and scope (a session, a mapped class, or ``None`` for all).

    Scopes are held weakly: a session or class that goes away takes its
    listeners with it.  :meth:`dispatch` costs one dict look-up for an event
    nobody listens to, so the flush and cursor paths pay nothing for hooks
    they do not use.
    """

    def __init__(self) -> None:
        self._global: dict[str, list[Listener]] = {}
        self._scoped: "weakref.WeakKeyDictionary[Any, dict[str, list[Listener]]]" = weakref.WeakKeyDictionary()
        #: how many listeners each event has had in any scope (never less than it has: a
        #: session that goes away leaves its count behind, which only costs a look-up)
        self._counts: dict[str, int] = {}
        # sessions of several threads register their extensions at once
        self._lock = threading.Lock()

    def listen(self, event: str, listener: Listener, scope: Any = None) -> Listener:
        """Call ``listener(session, *payload)`` on ``event`` in ``scope``; returns ``listener``."""
        if event not in EVENTS:
            raise ValueError(f"unknown mapper event {event!r}; known: {', '.join(EVENTS)}")
        scope = io_session(scope)  # an async session's events are those of the sync session doing its work
        with self._lock:
            table = self._global if scope is None else self._scoped.setdefault(scope, {})
            table.setdefault(event, []).append(listener)
            self._counts[event] = self._counts.get(event, 0) + 1
        return listener

    def remove(self, event: str, listener: Listener, scope: Any = None) -> None:
        """Stop calling ``listener`` on ``event`` in ``scope`` (``ValueError`` if it was not listening)."""
        scope = io_session(scope)
        with self._lock:
            table = self._global if scope is None else self._scoped.get(scope, {})
            table.get(event, []).remove(listener)
            self._counts[event] -= 1

    def _scope_listeners(self, scope: Any, event: str) -> list[Listener]:
        if scope is None:
            return []
        table = self._scoped.get(scope)
        return table.get(event, []) if table else []

    def listeners(self, event: str, session: Any, cls: Optional[type] = None) -> list[Listener]:
        """The listeners ``dispatch`` would call, in calling order."""
        if not self._counts.get(event):
            return []
        session = io_session(session)
        chain = [*self._global.get(event, ()), *self._scope_listeners(session, event), *self._scope_listeners(cls, event)]
        if event.startswith("after_"):
            chain.reverse()
        return chain

    def has_listeners(self, events: Iterable[str], session: Any, cls: Optional[type] = None) -> bool:
        """Whether any of ``events`` would call a listener for ``session`` and ``cls``."""
        return any(self.listeners(event, session, cls) for event in events)

    def dispatch(self, event: str, session: Any, cls: Optional[type], *payload: Any) -> None:
        """Call the listeners of ``event`` for ``session`` and mapped class ``cls``."""
        if not self._counts.get(event):
            return
        for listener in self.listeners(event, session, cls):
            listener(session, *payload)


#: The registry every session, mapper and signal uses.
registry = EventRegistry()
listen = registry.listen
remove = registry.remove


def _overridden(ext: Any, base: type, hook: str) -> bool:
    method = getattr(type(ext), hook, None)
    return method is not None and method is not getattr(base, hook)


class SessionExtension:
    """Hooks on a session's writes, flushes, removes and cursors; subclass what you need.

    Pass classes (instantiated with the session) or instances to
    ``ODMSession(extensions=[...])`` or :meth:`ODMSession.register_extension`.
    Only the methods a subclass overrides are registered in the
    :data:`registry` (so a session without insert hooks can batch inserts).
    """

    def __init__(self, session: Any) -> None:
        self.session = session

    def before_insert(self, obj: Any, st: "ObjectState") -> None:
        """Before ``obj`` is inserted."""

    def after_insert(self, obj: Any, st: "ObjectState") -> None:
        """After ``obj`` was inserted."""

    def before_update(self, obj: Any, st: "ObjectState") -> None:
        """Before the changes of ``obj`` are written."""

    def after_update(self, obj: Any, st: "ObjectState") -> None:
        """After the changes of ``obj`` were written."""

    def before_delete(self, obj: Any, st: "ObjectState") -> None:
        """Before ``obj`` is deleted."""

    def after_delete(self, obj: Any, st: "ObjectState") -> None:
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


def _session_adapter(method: Callable[..., None], event: str) -> Listener:
    """A registry listener calling a :class:`SessionExtension` method with Ming's arguments."""
    if event in ("before_remove", "after_remove"):
        return lambda session, cls, args, kwargs: method(cls, *args, **kwargs)
    if event == "cursor_created":
        return lambda session, cursor, action, args, kwargs: method(cursor, action, *args, **kwargs)
    return lambda session, *payload: method(*payload)


def listen_session_extension(ext: Any, session: "ODMSession") -> None:
    """Register the hooks ``ext`` (a :class:`SessionExtension`) overrides, scoped to ``session``."""
    for event in EVENTS:
        if _overridden(ext, SessionExtension, event):
            registry.listen(event, _session_adapter(getattr(ext, event), event), session)


class MapperExtension:
    """Hooks around the writes of one mapped class; subclass and list in ``__mongometa__.extensions``.

    Each method receives the object, its :class:`ObjectState` and the
    session.  For every object written, the order is: session extension
    ``before_*``, mapper extension ``before_*``, the write, mapper extension
    ``after_*``, session extension ``after_*``.
    """

    def __init__(self, mapper: "Mapper") -> None:
        self.mapper = mapper

    def before_insert(self, instance: Any, state: "ObjectState", sess: "ODMSession") -> None:
        """Before ``instance`` is inserted into its collection."""

    def after_insert(self, instance: Any, state: "ObjectState", sess: "ODMSession") -> None:
        """After ``instance`` was inserted (its state is clean by now)."""

    def before_update(self, instance: Any, state: "ObjectState", sess: "ODMSession") -> None:
        """Before the changes of ``instance`` are written."""

    def after_update(self, instance: Any, state: "ObjectState", sess: "ODMSession") -> None:
        """After the changes of ``instance`` were written."""

    def before_delete(self, instance: Any, state: "ObjectState", sess: "ODMSession") -> None:
        """Before ``instance`` is deleted from its collection."""

    def after_delete(self, instance: Any, state: "ObjectState", sess: "ODMSession") -> None:
        """After ``instance`` was deleted."""

    def before_remove(self, sess: "ODMSession", *args: Any, **kwargs: Any) -> None:
        """Before a ``remove`` query on this class runs."""

    def after_remove(self, sess: "ODMSession", *args: Any, **kwargs: Any) -> None:
        """After a ``remove`` query on this class ran."""


_MAPPER_EVENTS = ("before_insert", "after_insert", "before_update", "after_update", "before_delete", "after_delete",
                  "before_remove", "after_remove")


def _mapper_adapter(method: Callable[..., None], event: str) -> Listener:
    """A registry listener calling a :class:`MapperExtension` method with Ming's arguments."""
    if event in ("before_remove", "after_remove"):
        return lambda session, cls, args, kwargs: method(session, *args, **kwargs)
    return lambda session, obj, st: method(obj, st, session)


def listen_mapper_extension(ext: Any, mapped_class: type) -> None:
    """Register the hooks ``ext`` (a :class:`MapperExtension`) overrides, scoped to ``mapped_class``."""
    for event in _MAPPER_EVENTS:
        if _overridden(ext, MapperExtension, event):
            registry.listen(event, _mapper_adapter(getattr(ext, event), event), mapped_class)
