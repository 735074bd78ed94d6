"""Loading: raw documents from the database become mapped objects, through the identity map.

:class:`Loader` turns one raw document into the object of the right class of
a polymorphic hierarchy (validated, or not when asked), reusing the object the
session's identity map already holds for that ``_id`` unless a refresh is
asked.  :class:`ODMCursor` hands out query results through it one at a time.
"""
from __future__ import annotations

import contextlib
import warnings
from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional, TypeVar

from ..base import Missing
from ..cursor import Cursor, ResultShortcuts
from ..exc import MingException
from .events import registry
from .expressions import Pagination, paginate
from .mapper import Mapper, mapper, merge_load_options
from .embedded import EmbeddedProperty
from .property import RelationProperty
from .registry import ORMError, io_session
from .state import ObjectState, snapshot, state

if TYPE_CHECKING:  # pragma: no cover
    from .session import ODMSession

__all__ = ["Loader", "ODMCursor", "check_options", "selectinload", "detect_n_plus_one", "NPlusOneWarning", "NPlusOneError",
           "EAGER_BATCH_SIZE"]

#: How many results a cursor with ``selectinload`` options reads ahead: one query per relation per this many.
EAGER_BATCH_SIZE = 1000

T = TypeVar("T")


class Loader:
    """Makes the objects of one session from raw documents."""

    def __init__(self, session: "ODMSession") -> None:
        self.session = session

    def load(self, cls: type, raw: Optional[Mapping], refresh: Optional[bool] = None, projected: bool = False,
             allow_extra: bool = True, strip_extra: bool = True, validate: bool = True,
             instrument: Optional[bool] = None) -> Any:
        """The object for ``raw`` (``None`` for ``None``), queried as ``cls``.

        Without ``refresh`` an object already in the identity map is returned
        as it is (unsaved changes included); with it, the object is reloaded
        from ``raw``.  ``projected`` says ``raw`` may lack fields.
        """
        if raw is None:
            return None
        sess = self.session
        if refresh is None:
            refresh = mapper(cls).options["refresh"]
        id_value = raw.get("_id", Missing)
        if not refresh and id_value is not Missing:
            existing = sess.imap.get(cls, id_value)
            if existing is not None:
                return existing
        fcls = mapper(cls).polymorphic_collection
        if validate:
            doc = fcls.m.make(raw, allow_extra=allow_extra, strip_extra=strip_extra)
        else:
            doc = fcls(raw)
        target = Mapper.for_collection(type(doc)) or mapper(cls)
        mapped = target.mapped_class
        obj = sess.imap.get(mapped, doc.get("_id")) if "_id" in doc else None
        if obj is None or type(obj) is not mapped:
            if obj is not None:
                sess.expunge(obj)
            obj = target.new_object()
            if instrument is not None:
                state(obj).instrument = instrument
        st = state(obj)
        st.document = dict(doc)
        st.original_document = snapshot(dict(doc)) if projected else dict(raw)
        # kept extra keys would fail the save-time validation: validate those again
        st.validated = validate and (strip_extra or not allow_extra)
        st.projected = projected
        st.status = ObjectState.clean
        sess.save(obj)
        return obj

    def cursor(self, cls: type, raw_cursor: Any, spec: Any, refresh: Optional[bool], projected: bool, action: str,
               args: tuple, kwargs: dict, load_options: dict,
               count_options: Optional[Mapping[str, Any]] = None) -> "ODMCursor":
        """An :class:`ODMCursor` loading the results of ``raw_cursor`` as objects of ``cls``
        (``count_options``: the ``session``/``collation`` its ``count()`` must use too)."""
        def loader(raw: Mapping) -> Any:
            return self.load(cls, raw, refresh=cursor._refresh, projected=projected,
                             instrument=cursor._instrument, **load_options)

        inner = Cursor(mapper(cls).polymorphic_collection, raw_cursor, spec=spec, loader=loader,
                       count_options=count_options)
        cursor: ODMCursor = ODMCursor(self.session, cls, inner, refresh=refresh)
        registry.dispatch("cursor_created", self.session, None, cursor, action, args, kwargs)
        return cursor


class selectinload:
    """Load a relation of all the objects of a query together: one ``$in`` query per relation per
    :data:`EAGER_BATCH_SIZE` results, instead of one query per object when each reads it.

    ``Book.query.find().options(odm.selectinload('author'))``; a dotted path
    (``selectinload('author.publisher')``) loads the relations of the loaded
    objects in turn.  Works for every kind of :class:`RelationProperty` with
    ``fetch=True``: many-to-one, a list of ids, one-to-many; a step of the
    path may be an :class:`EmbeddedProperty` (``selectinload('comments.author')``
    loads the authors of every comment of every post).
    """

    def __init__(self, path: str) -> None:
        if not isinstance(path, str) or not path or any(not part for part in path.split(".")):
            raise ORMError(f"selectinload() takes a relation name or a dotted path of them, not {path!r}")
        self.path = path

    def apply(self, objects: list) -> None:
        """Load the path's relations of ``objects`` (of any mapped classes)."""
        for name in self.path.split("."):
            loaded: list = []
            by_class: dict[type, list] = {}
            for obj in objects:
                by_class.setdefault(type(obj), []).append(obj)
            for cls, group in by_class.items():
                prop = getattr(cls, name, None)
                if isinstance(prop, EmbeddedProperty):
                    # a step into embedded documents: the relations after it are theirs
                    for obj in group:
                        value = getattr(obj, name, None)
                        loaded.extend(value if prop.uselist else [] if value is None else [value])
                    continue
                if not isinstance(prop, RelationProperty):
                    raise ORMError(f"selectinload({self.path!r}): {cls.__name__}.{name} is not a RelationProperty")
                loaded.extend(prop.join.preload(group))
            objects = loaded

    def __repr__(self) -> str:
        return f"selectinload({self.path!r})"


class NPlusOneWarning(UserWarning):
    """A relation was loaded object by object (one query each) more often than :func:`detect_n_plus_one` allows."""


class NPlusOneError(ORMError):
    """:func:`detect_n_plus_one` with ``raise_error=True``: the same as :class:`NPlusOneWarning`, as an error."""


@contextlib.contextmanager
def detect_n_plus_one(session: Any = None, threshold: int = 3, raise_error: bool = False) -> Iterator[dict]:
    """Report relations read lazily, one query per object, for more than ``threshold`` objects.

    Inside the block, each read of a relation that was not loaded with the
    others of its query (:class:`selectinload`) is counted per relation
    property; when a relation has been loaded this way for ``threshold + 1``
    distinct objects (the "N" of N+1 queries, typically a loop over query
    results), :class:`NPlusOneWarning` is emitted, or :class:`NPlusOneError`
    raised.  ``session`` limits it to one session (default: every session).
    Yields ``{relation property: number of objects loaded lazily}``.  Meant for
    tests: ``with odm.detect_n_plus_one(raise_error=True): render_page()``.
    """
    if threshold < 0:
        raise ValueError(f"threshold must be 0 or more, not {threshold!r}")
    scope = session._current() if hasattr(type(session), "_current") else io_session(session)
    seen: dict[Any, set] = {}
    counts: dict[Any, int] = {}

    def lazy_load(sess: Any, obj: Any, prop: RelationProperty) -> None:
        objects = seen.setdefault(prop, set())
        objects.add(id(obj))
        counts[prop] = len(objects)
        if len(objects) == threshold + 1:
            owner = prop.mapper.mapped_class.__name__ if prop.mapper is not None else "?"
            message = (f"N+1 queries: {owner}.{prop.name} was loaded with one query per object for "
                       f"{len(objects)} objects (threshold {threshold}); load it with the query: "
                       f".options(odm.selectinload({prop.name!r}))")
            if raise_error:
                raise NPlusOneError(message)
            warnings.warn(message, NPlusOneWarning, stacklevel=5)

    registry.listen("lazy_load", lazy_load, scope)
    try:
        yield counts
    finally:
        registry.remove("lazy_load", lazy_load, scope)


def check_options(loaders: tuple, options: Mapping[str, Any]) -> None:
    """Refuse what ``cursor.options(...)`` does not take (before any query runs)."""
    for loader in loaders:
        if not isinstance(loader, selectinload):
            raise TypeError(f"options() takes selectinload(...) loaders and keyword options, not {loader!r}")
    merge_load_options({}, options)


class ODMCursor(ResultShortcuts[T]):
    """The results of an ODM query, as mapped objects (from the identity map when already loaded).

    Iterate it, or use :meth:`all`, :meth:`first`, :meth:`one`, :meth:`count`;
    :meth:`limit`, :meth:`skip`, :meth:`sort` return the cursor so they chain.
    """

    def __init__(self, session: "ODMSession", cls: type[T], ming_cursor: Cursor, refresh: Optional[bool] = None,
                 decorate: Optional[Callable[[Any], Any]] = None, fields: Any = None) -> None:
        self.session = session
        self.cls = cls
        self.ming_cursor = ming_cursor
        self._refresh = refresh
        self._instrument: Optional[bool] = None
        self._decorate = decorate
        self._fields = fields
        self._eager: list[selectinload] = []
        self._ahead: deque = deque()

    def __iter__(self) -> Iterator[T]:
        return self

    def next(self) -> T:
        registry.dispatch("before_cursor_next", self.session, None, self)
        obj = self._read_ahead() if self._eager else next(self.ming_cursor)
        registry.dispatch("after_cursor_next", self.session, None, self)
        if self._decorate is not None:
            obj = self._decorate(obj)
        return obj

    def _read_ahead(self) -> Any:
        """The next object, reading a batch ahead and loading its ``selectinload`` relations first."""
        if not self._ahead:
            batch = []
            for obj in self.ming_cursor:
                batch.append(obj)
                if len(batch) == EAGER_BATCH_SIZE:
                    break
            if not batch:
                raise StopIteration
            for loader in self._eager:
                loader.apply(batch)
            self._ahead.extend(batch)
        return self._ahead.popleft()

    __next__ = next

    def __bool__(self) -> bool:
        raise MingException("Cannot evaluate an ODMCursor to a boolean: use first() or count()")

    def count(self, with_limit_and_skip: bool = False) -> int:
        return self.ming_cursor.count(with_limit_and_skip)

    def distinct(self, key: str, *args: Any, **kwargs: Any) -> list:
        return self.ming_cursor.distinct(key, *args, **kwargs)

    def options(self, *loaders: selectinload, **options: Any) -> "ODMCursor[T]":
        """Load the objects still to come with ``refresh=`` / ``instrument=`` (the mapper's options otherwise),
        and their relations with ``selectinload(...)`` loaders."""
        check_options(loaders, options)
        self._eager.extend(loaders)
        current = {"refresh": self._refresh, "instrument": self._instrument}
        merge_load_options(current, options)
        self._refresh, self._instrument = current["refresh"], current["instrument"]
        return self

    def paginate(self, page: int = 1, per_page: int = 20) -> Pagination[T]:
        """Page ``page`` (1-based) of this query's results, as Flask-MongoAlchemy's ``paginate``.

        The cursor is rewound and read again for each page asked
        (``Pagination.next()`` too); ``total`` counts every match of its filter.
        """
        return paginate(_PagedCursor(self), page, per_page)

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


class _PagedCursor:
    """An :class:`ODMCursor` seen as :func:`paginate` sees a query: ``skip``/``limit`` make new views,
    ``all`` rewinds the cursor and reads that slice."""

    def __init__(self, cursor: ODMCursor, skip: int = 0, limit: int = 0) -> None:
        self._cursor = cursor
        self._skip = skip
        self._limit = limit

    def skip(self, n: int) -> "_PagedCursor":
        return _PagedCursor(self._cursor, n, self._limit)

    def limit(self, n: int) -> "_PagedCursor":
        return _PagedCursor(self._cursor, self._skip, n)

    def all(self) -> list:
        return self._cursor.rewind().skip(self._skip).limit(self._limit).all()

    def count(self) -> int:
        return self._cursor.count()
