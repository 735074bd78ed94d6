"""Expression queries (Flask-MongoAlchemy's style) and pagination.

``User.age > 30`` on a mapped class's :class:`~odm.orm.property.FieldProperty`
is a :class:`FilterExpression`: a ``dict`` holding the MongoDB filter document
(``{'age': {'$gt': 30}}``), so it can be passed to ``find`` or nested inside
another filter as it is.  ``&``, ``|`` and ``~`` combine expressions into
``$and``, ``$or`` and ``$nor``.  ``-User.age`` is a descending sort key for
:meth:`ExpressionQuery.order_by`.

``==`` and ``!=`` must also keep working for plain Python comparisons of the
property objects themselves (``prop in mapper.properties``), so the truth value
of an equality expression is whether the two sides are the same object, as in
SQLAlchemy.
"""
from __future__ import annotations

import base64
import math
import re
from typing import TYPE_CHECKING, Any, Generic, Iterator, Optional, TypeVar

import bson
import pymongo

from ..base import Missing
from ..exc import MingException, NotFound
from ..utils import then
from .state import state

if TYPE_CHECKING:
    from .loading import ODMCursor

T = TypeVar("T")


class FilterExpression(dict):
    """A MongoDB filter document built from field expressions; combine with ``&``, ``|``, ``~``."""

    #: For ``==``/``!=`` expressions: the truth value Python's own comparison would give.
    _identity: Optional[bool] = None

    def __and__(self, other: "FilterExpression") -> "FilterExpression":
        return FilterExpression({"$and": [dict(self), dict(other)]})

    def __or__(self, other: "FilterExpression") -> "FilterExpression":
        return FilterExpression({"$or": [dict(self), dict(other)]})

    def __invert__(self) -> "FilterExpression":
        return FilterExpression({"$nor": [dict(self)]})

    def __bool__(self) -> bool:
        if self._identity is not None:
            return self._identity
        return bool(len(self))

    def __repr__(self) -> str:
        return f"FilterExpression({dict.__repr__(self)})"


def _equality(name: str, operator: str, value: Any, identity: bool) -> FilterExpression:
    expression = FilterExpression({name: {operator: value}} if operator != "$eq" else {name: value})
    expression._identity = identity
    return expression


class SortKey:
    """``+Model.field`` / ``-Model.field``: a field and a direction for ``order_by``."""

    def __init__(self, name: str, direction: int) -> None:
        self.name = name
        self.direction = direction

    def __repr__(self) -> str:
        return f"SortKey({self.name!r}, {self.direction})"


class FieldExpressions:
    """Comparison operators for a mapped field, mixed into :class:`FieldProperty`.

    ``field_path`` is the name the field has in stored documents.
    """

    __hash__ = object.__hash__

    @property
    def field_path(self) -> str:
        raise NotImplementedError

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return _equality(self.field_path, "$eq", other, self is other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return _equality(self.field_path, "$ne", other, self is not other)

    def __lt__(self, other: Any) -> FilterExpression:
        return FilterExpression({self.field_path: {"$lt": other}})

    def __le__(self, other: Any) -> FilterExpression:
        return FilterExpression({self.field_path: {"$lte": other}})

    def __gt__(self, other: Any) -> FilterExpression:
        return FilterExpression({self.field_path: {"$gt": other}})

    def __ge__(self, other: Any) -> FilterExpression:
        return FilterExpression({self.field_path: {"$gte": other}})

    def in_(self, values: Any) -> FilterExpression:
        """The field's value (or one of its array's elements) is one of ``values``."""
        return FilterExpression({self.field_path: {"$in": list(values)}})

    def not_in(self, values: Any) -> FilterExpression:
        return FilterExpression({self.field_path: {"$nin": list(values)}})

    def startswith(self, prefix: str) -> FilterExpression:
        """A string field starting with ``prefix`` (an anchored, escaped ``$regex``, so an index can serve it)."""
        return FilterExpression({self.field_path: {"$regex": "^" + re.escape(prefix)}})

    def exists(self, present: bool = True) -> FilterExpression:
        return FilterExpression({self.field_path: {"$exists": present}})

    def __neg__(self) -> SortKey:
        return SortKey(self.field_path, pymongo.DESCENDING)

    def __pos__(self) -> SortKey:
        return SortKey(self.field_path, pymongo.ASCENDING)


def _sort_key(key: Any) -> tuple[str, int]:
    if isinstance(key, SortKey):
        return key.name, key.direction
    if isinstance(key, FieldExpressions):
        return key.field_path, pymongo.ASCENDING
    if isinstance(key, str):
        return (key[1:], pymongo.DESCENDING) if key.startswith("-") else (key, pymongo.ASCENDING)
    raise TypeError(f"order_by() takes Model.field, -Model.field or a field name, not {key!r}")


class ExpressionQuery(Generic[T]):
    """``Model.query.filter(...)``: a query refined step by step, run when read.

    ``filter()`` adds conditions (all must hold), ``order_by()`` sort keys,
    ``fields()`` a projection; ``skip()``/``limit()``, then ``all()``,
    ``first()``, ``one()``, ``count()``, iteration or :meth:`paginate`.
    """

    def __init__(self, query: Any) -> None:
        self._query = query
        self._conditions: list[dict] = []
        self._sort: list[tuple[str, int]] = []
        self._projection: Optional[list[str]] = None
        self._skip = 0
        self._limit = 0
        self._options: list[Any] = []

    def _copy(self) -> "ExpressionQuery[T]":
        clone: ExpressionQuery[T] = ExpressionQuery(self._query)
        clone._conditions, clone._sort = list(self._conditions), list(self._sort)
        clone._projection, clone._skip, clone._limit = self._projection, self._skip, self._limit
        clone._options = list(self._options)
        return clone

    def options(self, *loaders: Any) -> "ExpressionQuery[T]":
        """Load relations of the results with them: ``.options(odm.selectinload('author'))``."""
        clone = self._copy()
        clone._options.extend(loaders)
        return clone

    def filter(self, *expressions: dict, **equal_to: Any) -> "ExpressionQuery[T]":
        """Add conditions: expressions (or filter documents) and ``field=value`` keywords."""
        clone = self._copy()
        for expression in expressions:
            if not isinstance(expression, dict):
                raise TypeError(f"filter() takes expressions such as Model.age > 30, not {expression!r}")
            clone._conditions.append(dict(expression))
        if equal_to:
            clone._conditions.append(self._query.document_keys(equal_to))
        return clone

    filter_by = filter

    def order_by(self, *keys: Any) -> "ExpressionQuery[T]":
        clone = self._copy()
        clone._sort.extend(_sort_key(k) for k in keys)
        return clone

    def fields(self, *fields: Any) -> "ExpressionQuery[T]":
        """Load only these fields (``Model.field`` or names); ``_id`` always comes along."""
        clone = self._copy()
        clone._projection = [f.field_path if isinstance(f, FieldExpressions) else f for f in fields]
        return clone

    def skip(self, n: int) -> "ExpressionQuery[T]":
        clone = self._copy()
        clone._skip = n
        return clone

    def limit(self, n: int) -> "ExpressionQuery[T]":
        clone = self._copy()
        clone._limit = n
        return clone

    @property
    def query(self) -> dict:
        """The MongoDB filter document this query runs."""
        if not self._conditions:
            return {}
        if len(self._conditions) == 1:
            return self._conditions[0]
        return {"$and": list(self._conditions)}

    def cursor(self) -> "ODMCursor[T]":
        kwargs: dict[str, Any] = {}
        if self._projection is not None:
            kwargs["projection"] = self._projection
        result = self._query.find(self.query, **kwargs)
        if self._sort:
            result = result.sort(self._sort)
        if self._skip:
            result = result.skip(self._skip)
        if self._limit:
            result = result.limit(self._limit)
        if self._options:
            result = result.options(*self._options)
        return result

    def __iter__(self) -> Iterator[T]:
        return iter(self.cursor())

    def all(self) -> list[T]:
        return self.cursor().all()

    def first(self) -> Optional[T]:
        return self.cursor().first()

    def one(self) -> T:
        return self.cursor().one()

    def first_or_404(self) -> T:
        """The first result, or :class:`odm.exc.NotFound` (a 404 under ``odm.flask``)."""
        def found(obj: Optional[T]) -> T:
            if obj is None:
                raise NotFound(f"nothing matches {self.query!r}")
            return obj

        return then(found, self.first())

    def count(self) -> int:
        return self._query.find(self.query).count()

    def paginate(self, page: int = 1, per_page: int = 20) -> "Pagination[T]":
        return paginate(self, page, per_page)

    def keyset(self, per_page: int = 20, after: Optional[str] = None) -> "KeysetPage[T]":
        """One page of keyset (seek) pagination: ``per_page`` results after the position ``after`` names.

        ``after`` is the :attr:`KeysetPage.next_after` token of the previous
        page (``None`` for the first).  Instead of skipping the results of the
        earlier pages (which the server reads and throws away: slow on large
        collections), the query asks for the results whose sort keys come after
        the last one shown, so every page costs the same with an index on the
        sort keys.  ``_id`` is added as the last sort key to make the order
        total.  Every sort key must hold a value of one type in every document
        (MongoDB compares values of one type only).
        """
        if not isinstance(per_page, int) or isinstance(per_page, bool) or per_page < 1:
            raise ValueError(f"per_page must be a positive integer, not {per_page!r}")
        if self._skip:
            raise MingException("keyset() finds its place with after= tokens: it cannot be combined with skip()")
        keys = list(self._sort)
        if not any(name == "_id" for name, _ in keys):
            keys.append(("_id", pymongo.ASCENDING))
        clone = self._copy()
        clone._sort = keys
        if after is not None:
            clone._conditions.append(_after_filter(keys, _decode_position(after, len(keys))))
        clone._limit = per_page + 1
        def page(items: list[T]) -> KeysetPage[T]:
            has_next = len(items) > per_page
            items = items[:per_page]
            return KeysetPage(items, per_page, _encode_position(items[-1], keys) if has_next else None)

        return then(page, clone.all())


class Pagination(Generic[T]):
    """One page of a query's results (Flask-MongoAlchemy's / Flask-SQLAlchemy's ``Pagination``)."""

    def __init__(self, query: Any, page: int, per_page: int, total: int, items: list[T]) -> None:
        self.query = query
        self.page = page
        self.per_page = per_page
        self.total = total
        self.items = items

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> Optional[int]:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> Optional[int]:
        return self.page + 1 if self.has_next else None

    def prev(self) -> "Pagination[T]":
        return paginate(self.query, self.page - 1, self.per_page)

    def next(self) -> "Pagination[T]":
        return paginate(self.query, self.page + 1, self.per_page)

    def iter_pages(self, left_edge: int = 2, left_current: int = 2, right_current: int = 5,
                   right_edge: int = 2) -> Iterator[Optional[int]]:
        """Page numbers for a pager, ``None`` where pages are skipped (Flask-SQLAlchemy's rule)."""
        last = 0
        for num in range(1, self.pages + 1):
            if (num <= left_edge or self.page - left_current - 1 < num < self.page + right_current
                    or num > self.pages - right_edge):
                if last + 1 != num:
                    yield None
                yield num
                last = num

    def __repr__(self) -> str:
        return f"<Pagination page {self.page}/{self.pages} of {self.total}>"


class KeysetPage(Generic[T]):
    """A page of :meth:`ExpressionQuery.keyset`: ``items``, and ``next_after`` (``None`` on the last page)."""

    def __init__(self, items: list[T], per_page: int, next_after: Optional[str]) -> None:
        self.items = items
        self.per_page = per_page
        self.next_after = next_after

    @property
    def has_next(self) -> bool:
        return self.next_after is not None

    def __repr__(self) -> str:
        return f"<KeysetPage of {len(self.items)}{', more after' if self.has_next else ''}>"


def _value_at(document: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(document, dict) or part not in document:
            return Missing
        document = document[part]
    return document


def _encode_position(obj: Any, keys: list[tuple[str, int]]) -> str:
    """An opaque, URL-safe token of ``obj``'s sort-key values."""
    document = state(obj).document
    values = []
    for name, _ in keys:
        value = _value_at(document, name)
        if value is Missing or value is None or isinstance(value, (dict, list)):
            raise MingException(f"keyset() needs a single value for every sort key: {name!r} of the document "
                                f"with _id {document.get('_id')!r} is {'missing' if value is Missing else repr(value)}")
        values.append(value)
    return base64.urlsafe_b64encode(bson.encode({"k": values})).decode("ascii")


def _decode_position(token: str, count: int) -> list:
    try:
        values = bson.decode(base64.urlsafe_b64decode(token.encode("ascii")))["k"]
    except Exception:
        raise MingException(f"not a keyset position token: {token!r}") from None
    if not isinstance(values, list) or len(values) != count:
        raise MingException(f"the keyset position token {token!r} is for another order")
    return values


def _after_filter(keys: list[tuple[str, int]], values: list) -> dict:
    """The results strictly after ``values`` in the order of ``keys``: an ``$or`` of equal prefixes."""
    branches = []
    for i, (name, direction) in enumerate(keys):
        branch = {keys[j][0]: values[j] for j in range(i)}
        branch[name] = {"$gt" if direction == pymongo.ASCENDING else "$lt": values[i]}
        branches.append(branch)
    return branches[0] if len(branches) == 1 else {"$or": branches}


def paginate(query: Any, page: int, per_page: int) -> Pagination:
    """``per_page`` results of ``query`` (an :class:`ExpressionQuery`) starting at page ``page`` (1-based)."""
    if not isinstance(page, int) or isinstance(page, bool) or page < 1:
        raise ValueError(f"page must be a positive integer, not {page!r}")
    if not isinstance(per_page, int) or isinstance(per_page, bool) or per_page < 1:
        raise ValueError(f"per_page must be a positive integer, not {per_page!r}")
    items = query.skip((page - 1) * per_page).limit(per_page).all()
    return then(lambda found, total: Pagination(query, page, per_page, total, found), items, query.count())
