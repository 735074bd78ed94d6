"""Query results that come back as validated documents.

:class:`Cursor` wraps a pymongo-style cursor and turns every raw document into
an instance of the queried class, validated (and lazily migrated) on the way,
exactly as the class manager's ``make`` would.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, Generic, Iterator, Optional, TypeVar

from .exc import MingException

__all__ = ["Cursor", "ResultShortcuts"]

T = TypeVar("T")


class ResultShortcuts(Generic[T]):
    """``all`` / ``first`` / ``one`` over ``next()``: written once for the
    foundation's :class:`Cursor` and the mapper's ``ODMCursor``, which both
    hand out results one ``next()`` at a time."""

    def next(self) -> T:
        raise NotImplementedError

    def all(self) -> list[T]:
        """All (remaining) results, as a list."""
        return list(self)

    def first(self) -> Optional[T]:
        """The next result, or ``None`` when there is none."""
        try:
            return self.next()
        except StopIteration:
            return None

    def one(self) -> T:
        """The only result; ``ValueError`` when there are none or more than one."""
        try:
            result = self.next()
        except StopIteration:
            raise ValueError("expected exactly one result, got none") from None
        try:
            self.next()
        except StopIteration:
            return result
        raise ValueError("expected exactly one result, got more than one")


class Cursor(ResultShortcuts[T]):
    """Iterate query results as validated instances of ``cls``.

    Loading is lenient about keys the schema does not know (``allow_extra``)
    and drops them (``strip_extra``), so adding data to the database does not
    break older code; with ``validate=False`` documents are wrapped without any
    validation.  ``spec`` is the query filter, kept so :meth:`count` can ask
    the server without reaching into the driver's private state.

    A cursor is deliberately not usable as a boolean: "is this query empty?"
    needs a query of its own (``cursor.first() is None`` or ``count()``), and
    letting ``if cursor:`` silently be true hid bugs.
    """

    def __init__(
        self,
        cls: type,
        cursor: Any,
        allow_extra: bool = True,
        strip_extra: bool = True,
        validate: bool = True,
        spec: Optional[Mapping[str, Any]] = None,
        loader: Optional[Callable[[Mapping[str, Any]], Any]] = None,
        count_options: Optional[Mapping[str, Any]] = None,
    ) -> None:
        self.cls = cls
        #: keywords the query ran with that :meth:`count` must pass too (``session``, ``collation``)
        self._count_options = dict(count_options or {})
        self.cursor = cursor
        self._allow_extra = allow_extra
        self._strip_extra = strip_extra
        self._validate = validate
        self._spec = dict(spec or {})
        self._loader = loader
        self._skip = 0
        self._limit = 0
        self._hint: Any = None

    # -- iteration -------------------------------------------------------
    def __iter__(self) -> Iterator[T]:
        return self

    def next(self) -> T:
        """Return the next result (validated) or raise ``StopIteration``."""
        raw = next(self.cursor)
        return self._load(raw)

    __next__ = next

    def _load(self, raw: Mapping[str, Any]) -> T:
        if self._loader is not None:
            return self._loader(raw)
        if not self._validate:
            return self.cls(raw)
        return self.cls.m.make(raw, allow_extra=self._allow_extra, strip_extra=self._strip_extra)

    def __bool__(self) -> bool:
        raise MingException("Cannot evaluate Cursor to a boolean")

    def __enter__(self) -> "Cursor[T]":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def count(self, with_limit_and_skip: bool = False) -> int:
        """How many documents match the query.

        Like the pymongo 3 cursor Ming was written against, ``skip``/``limit``
        are ignored unless ``with_limit_and_skip=True`` - so a paginated
        cursor still reports the total number of matches.
        """
        kwargs: dict[str, Any] = dict(self._count_options)
        if with_limit_and_skip:
            if self._skip:
                kwargs["skip"] = self._skip
            if self._limit:
                kwargs["limit"] = abs(self._limit)
        if self._hint is not None:
            kwargs["hint"] = self._hint
        return self.cursor.collection.count_documents(self._spec, **kwargs)

    def distinct(self, *args: Any, **kwargs: Any) -> list:
        """``distinct(key)``: the distinct values of ``key`` among the documents this query matches."""
        return self.cursor.distinct(*args, **kwargs)

    # -- modifiers (return self so calls chain) --------------------------
    def limit(self, limit: int) -> "Cursor[T]":
        self._limit = limit
        self.cursor = self.cursor.limit(limit)
        return self

    def skip(self, skip: int) -> "Cursor[T]":
        self._skip = skip
        self.cursor = self.cursor.skip(skip)
        return self

    def sort(self, *args: Any, **kwargs: Any) -> "Cursor[T]":
        """Sort as :meth:`pymongo.cursor.Cursor.sort`: ``sort('a')``, ``sort('a', -1)``, ``sort([('a', 1)])``."""
        self.cursor = self.cursor.sort(*args, **kwargs)
        return self

    def hint(self, index_or_name: Any) -> "Cursor[T]":
        self._hint = index_or_name
        self.cursor = self.cursor.hint(index_or_name)
        return self

    def rewind(self) -> "Cursor[T]":
        """Start again from the first result; the next read re-runs the query."""
        rewound = self.cursor.rewind()
        if rewound is not None:  # pymongo returns the cursor; some stand-ins return None
            self.cursor = rewound
        return self

    def close(self) -> None:
        self.cursor.close()

    def __repr__(self) -> str:
        return f"<Cursor of {getattr(self.cls, '__name__', self.cls)} {self._spec!r}>"
