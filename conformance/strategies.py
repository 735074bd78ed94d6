"""Public hypothesis strategies for MongoDB data: BSON values, documents, filters,
updates, projections and pipelines.

Everything here is importable for your own property tests::

    from hypothesis import given
    from conformance.strategies import documents, filters

    @given(documents(), filters())
    def test_my_fake(doc, query): ...

Guarantees:

* :func:`bson_values` produces every BSON type pymongo can encode (null, bool, int32,
  Int64 including its bounds, double including NaN, ±inf and -0.0, Decimal128 including
  NaN/±Infinity/-0, strings with any unicode, binary, ObjectId, millisecond datetimes,
  Timestamp, Regex, Code, MinKey, MaxKey), nested arrays and documents, empty ones too.
* :func:`documents` produces dicts that a server stores unchanged (``bson.encode``
  accepts them; keys are valid field names unless ``dotted_keys``/``dollar_keys`` ask for
  dotted or ``$``-prefixed ones below the top level).
* :func:`filters` draws operators from the matcher's registry
  (``mim.engine.languages.matcher.FIELD_OPERATORS`` / ``TOP_LEVEL_OPERATORS`` when mim is
  importable, MongoDB's documented set otherwise); operators without a known argument
  shape are left out, never invented.
* :func:`updates` draws from ``mim.engine.update.UPDATE_OPERATORS`` likewise;
  :func:`projections` and :func:`pipelines` produce syntactically valid specifications.

Filters and updates are meant to be *mostly* valid: some draws are rejected by a
server (``$type`` with a wrong alias never is, ``$mod`` by zero never is, but ``$inc``
on a string field is) — properties must accept an error as a possible outcome.
"""

from __future__ import annotations

import datetime
from typing import Any

from bson.binary import Binary
from bson.code import Code
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp
from hypothesis import strategies as st

__all__ = [
    "INT32_MIN", "INT32_MAX", "INT64_MIN", "INT64_MAX", "FIELDS",
    "field_names", "int32s", "int64s", "doubles", "decimals", "strings", "datetimes",
    "scalars", "bson_values", "documents", "sortable_scalars",
    "field_operators", "top_level_operators", "update_operators",
    "filters", "updates", "projections", "pipelines", "equality_filters",
]

INT32_MIN, INT32_MAX = -2**31, 2**31 - 1
INT64_MIN, INT64_MAX = -2**63, 2**63 - 1

#: A small pool of field paths, so generated filters and updates hit generated documents.
FIELDS = ("a", "b", "c", "a.b", "a.0", "b.c", "c.d.e")


# -- names -------------------------------------------------------------------------

def field_names(dotted: bool = False, dollar: bool = False) -> st.SearchStrategy[str]:
    """Field names: short ASCII ones (often equal, so documents collide usefully) and
    any non-empty unicode without NUL; with ``dotted``/``dollar`` also names containing
    ``.`` or starting with ``$`` (valid below the top level since MongoDB 5.0)."""
    plain = st.one_of(
        st.sampled_from(["a", "b", "c", "d", "x", "y", "é", "日本"]),
        st.text(st.characters(blacklist_characters="\x00.$", blacklist_categories=("Cs",)),
                min_size=1, max_size=8),
    )
    options = [plain]
    if dotted:
        options.append(st.builds(lambda a, b: f"{a}.{b}", plain, plain))
    if dollar:
        options.append(plain.map(lambda s: "$" + s))
    return st.one_of(*options)


# -- scalars -------------------------------------------------------------------------

def int32s() -> st.SearchStrategy[int]:
    return st.one_of(st.integers(-5, 5), st.sampled_from([INT32_MIN, INT32_MAX]),
                     st.integers(INT32_MIN, INT32_MAX))


def int64s() -> st.SearchStrategy[Int64]:
    return st.one_of(st.sampled_from([INT64_MIN, INT64_MAX, INT32_MAX + 1, INT32_MIN - 1, 0]),
                     st.integers(INT64_MIN, INT64_MAX), st.integers(-5, 5)).map(Int64)


def doubles() -> st.SearchStrategy[float]:
    return st.one_of(st.sampled_from([0.0, -0.0, 1.5, -2.5, float("nan"), float("inf"),
                                      float("-inf"), 2.0**53, 1e-308]),
                     st.floats(allow_nan=True, allow_infinity=True))


def decimals() -> st.SearchStrategy[Decimal128]:
    return st.one_of(
        st.sampled_from(["0", "-0", "1.0", "NaN", "Infinity", "-Infinity", "1E+6144",
                         "-1E-6143", "0.1", "9999999999999999999999999999999999"]),
        st.decimals(allow_nan=False, allow_infinity=False, places=3,
                    min_value=-10**6, max_value=10**6).map(str),
    ).map(Decimal128)


def strings() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(["", "a", "b", "A", "ab", "é", "日本", "\U0001f600"]),
                     st.text(st.characters(blacklist_categories=("Cs",)), max_size=10))


def datetimes() -> st.SearchStrategy[datetime.datetime]:
    """Naive UTC datetimes with millisecond precision (what BSON stores)."""
    return st.datetimes(min_value=datetime.datetime(1900, 1, 1),
                        max_value=datetime.datetime(2200, 1, 1)).map(
        lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))


def sortable_scalars() -> st.SearchStrategy[Any]:
    """Scalars of every BSON type a server can compare and sort (no arrays/documents)."""
    return st.one_of(
        st.none(), st.booleans(), int32s(), int64s(), doubles(), decimals(), strings(),
        st.binary(max_size=6),
        st.binary(min_size=16, max_size=16).map(lambda b: Binary(b, 4)),
        st.binary(min_size=12, max_size=12).map(ObjectId),
        datetimes(),
        st.builds(Timestamp, st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
        st.sampled_from([Regex("^a", "i"), Regex("b", ""), Regex("x+", "m")]),
        st.sampled_from([MinKey(), MaxKey()]),
    )


def scalars() -> st.SearchStrategy[Any]:
    """Every BSON scalar type (adds JavaScript ``Code`` to :func:`sortable_scalars`)."""
    return st.one_of(sortable_scalars(), st.sampled_from([Code("function(){}")]))


def bson_values(max_leaves: int = 8, dotted_keys: bool = False,
                dollar_keys: bool = False) -> st.SearchStrategy[Any]:
    """Any BSON value, arrays and sub-documents nested (empty ones included)."""
    keys = field_names(dotted_keys, dollar_keys)
    return st.recursive(
        scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(keys, children, max_size=4),
        ),
        max_leaves=max_leaves,
    )


def documents(values: st.SearchStrategy[Any] | None = None, with_id: bool | None = None,
              dotted_keys: bool = False, dollar_keys: bool = False,
              keys: st.SearchStrategy[str] | None = None,
              max_size: int = 5) -> st.SearchStrategy[dict[str, Any]]:
    """Documents a server stores as they are.  Top-level keys never start with ``$``;
    ``_id`` (when present) is never an array or a regex.  ``with_id=None`` lets
    hypothesis choose."""
    nested = values if values is not None else bson_values(dotted_keys=dotted_keys,
                                                           dollar_keys=dollar_keys)
    top_keys = keys if keys is not None else field_names(dotted_keys, False)
    body = st.dictionaries(top_keys.filter(lambda k: k != "_id"), nested, max_size=max_size)
    ids = st.one_of(st.integers(-100, 100), strings(), st.builds(ObjectId),
                    st.dictionaries(field_names(), int32s(), max_size=2))
    if with_id is False:
        return body

    def with_identifier(draw_id: Any, doc: dict[str, Any]) -> dict[str, Any]:
        return {"_id": draw_id, **doc}

    full = st.builds(with_identifier, ids, body)
    if with_id:
        return full
    return st.one_of(body, full)


# -- operator registries -----------------------------------------------------------------

_DOCUMENTED_FIELD_OPERATORS = ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin",
                               "$exists", "$type", "$size", "$all", "$elemMatch", "$mod",
                               "$regex", "$not", "$bitsAllSet", "$bitsAllClear",
                               "$bitsAnySet", "$bitsAnyClear")
_DOCUMENTED_TOP_LEVEL = ("$and", "$or", "$nor", "$expr", "$comment")
_DOCUMENTED_UPDATE = ("$set", "$unset", "$inc", "$mul", "$min", "$max", "$rename",
                      "$currentDate", "$setOnInsert", "$push", "$addToSet", "$pop", "$pull",
                      "$pullAll", "$bit")


def field_operators() -> tuple[str, ...]:
    """Field-level query operators: mim's registry when importable, else MongoDB's list."""
    try:
        from mim.engine.languages.matcher import FIELD_OPERATORS
        return tuple(sorted(FIELD_OPERATORS))
    except ImportError:
        return _DOCUMENTED_FIELD_OPERATORS


def top_level_operators() -> tuple[str, ...]:
    try:
        from mim.engine.languages.matcher import TOP_LEVEL_OPERATORS
        return tuple(sorted(TOP_LEVEL_OPERATORS))
    except ImportError:
        return _DOCUMENTED_TOP_LEVEL


def update_operators() -> tuple[str, ...]:
    try:
        from mim.engine.update import UPDATE_OPERATORS
        return tuple(sorted(UPDATE_OPERATORS))
    except ImportError:
        return _DOCUMENTED_UPDATE


# -- filters -------------------------------------------------------------------------------

_TYPE_ALIASES = ("double", "string", "object", "array", "binData", "objectId", "bool", "date",
                 "null", "regex", "int", "timestamp", "long", "decimal", "minKey", "maxKey",
                 "number", "javascript")


def _query_values() -> st.SearchStrategy[Any]:
    """Operands for comparisons: scalars (no Code), small arrays and documents."""
    small = st.one_of(st.integers(-3, 3), st.sampled_from(["a", "b", "", None, True, 1.5,
                                                           float("nan"), -0.0]))
    return st.one_of(small, small, sortable_scalars().filter(lambda v: not isinstance(v, Regex)),
                     st.lists(small, max_size=3),
                     st.dictionaries(st.sampled_from(["a", "b"]), small, max_size=2))


def _operand(op: str, sub_filter: st.SearchStrategy[Any]) -> st.SearchStrategy[Any] | None:
    values = _query_values()
    if op in ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte"):
        return values
    if op in ("$in", "$nin"):
        return st.lists(st.one_of(values, st.sampled_from([Regex("^a"), Regex("b", "i")])),
                        max_size=4)
    if op == "$all":
        return st.lists(values, max_size=3)
    if op == "$exists":
        return st.booleans()
    if op == "$type":
        return st.one_of(st.sampled_from(_TYPE_ALIASES), st.sampled_from([1, 2, 3, 4, 8, 10,
                                                                          16, 18, 19]),
                         st.lists(st.sampled_from(_TYPE_ALIASES), min_size=1, max_size=3))
    if op == "$size":
        return st.integers(0, 3)
    if op == "$mod":
        return st.tuples(st.sampled_from([1, 2, 3, -2]), st.integers(-2, 2)).map(list)
    if op == "$regex":
        return st.sampled_from(["^a", "b", "^$", ".*", "A", "é"])
    if op in ("$bitsAllSet", "$bitsAllClear", "$bitsAnySet", "$bitsAnyClear"):
        return st.one_of(st.integers(0, 15), st.lists(st.integers(0, 6), max_size=3,
                                                      unique=True))
    if op == "$elemMatch":
        return sub_filter
    if op == "$not":
        return st.one_of(
            st.builds(lambda o, v: {o: v}, st.sampled_from(["$gt", "$lt", "$eq"]), values),
            st.sampled_from([Regex("^a"), {"$in": [1, "a"]}, {"$exists": True}]))
    return None


def _field_condition(ops: tuple[str, ...], sub_filter: st.SearchStrategy[Any]
                     ) -> st.SearchStrategy[Any]:
    operators = []
    for op in ops:
        operand = _operand(op, sub_filter)
        if operand is not None:
            operators.append(st.builds(lambda o, v: {o: v}, st.just(op), operand))
    conditions = [_query_values()]  # implicit equality
    if operators:
        conditions.append(st.lists(st.one_of(*operators), min_size=1, max_size=2).map(
            lambda parts: {k: v for part in parts for k, v in part.items()}))
    return st.one_of(*conditions)


def filters(fields: tuple[str, ...] = FIELDS, max_leaves: int = 4,
            field_ops: tuple[str, ...] | None = None,
            top_ops: tuple[str, ...] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Query filters over *fields*, built from the operator registries.  ``$expr`` uses
    simple comparisons of a field with a constant; ``$elemMatch`` nests a filter."""
    field_ops = field_ops if field_ops is not None else field_operators()
    top_ops = top_ops if top_ops is not None else top_level_operators()

    def extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict]:
        options = [st.dictionaries(st.sampled_from(fields),
                                   _field_condition(field_ops, children), min_size=1,
                                   max_size=2)]
        for op in ("$and", "$or", "$nor"):
            if op in top_ops:
                options.append(st.lists(children, min_size=1, max_size=3).map(
                    lambda parts, op=op: {op: parts}))
        return st.one_of(*options)

    leaf_ops = tuple(op for op in field_ops if op != "$elemMatch")
    leaf_options = [st.just({}), st.dictionaries(
        st.sampled_from(fields), _field_condition(leaf_ops, st.just({})),
        min_size=1, max_size=2)]
    if "$expr" in top_ops:
        leaf_options.append(st.builds(
            lambda op, f, v: {"$expr": {op: [f"${f}", {"$literal": v}]}},
            st.sampled_from(["$eq", "$lt", "$gte", "$ne"]), st.sampled_from(fields[:3]),
            _query_values()))
    if "$comment" in top_ops:
        leaf_options.append(st.builds(lambda c, f: {"$comment": c, **f}, strings(),
                                      st.dictionaries(st.sampled_from(fields), _query_values(),
                                                      max_size=1)))
    return st.recursive(st.one_of(*leaf_options), extend, max_leaves=max_leaves)


def equality_filters(fields: tuple[str, ...] = ("u", "v", "w.x")
                     ) -> st.SearchStrategy[dict[str, Any]]:
    """Filters of plain equalities (no operators, no regexes): what an upsert copies into
    the document it inserts.  Fields never prefix one another."""
    values = st.one_of(st.integers(-3, 3), strings(), st.none(), st.booleans(), doubles(),
                       decimals(), st.lists(st.integers(0, 3), max_size=3))
    return st.dictionaries(st.sampled_from(fields), values, min_size=1, max_size=3)


# -- updates -------------------------------------------------------------------------------

def _update_argument(op: str, fields: tuple[str, ...]) -> st.SearchStrategy[Any] | None:
    paths = st.sampled_from(fields)
    values = _query_values()
    numbers = st.one_of(st.integers(-3, 3), st.sampled_from([1.5, -0.0, Int64(2),
                                                             Decimal128("0.5")]))

    def per_field(arg: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
        return st.dictionaries(paths, arg, min_size=1, max_size=2)

    if op in ("$set", "$setOnInsert", "$min", "$max"):
        return per_field(values)
    if op == "$unset":
        return per_field(st.just(""))
    if op in ("$inc", "$mul"):
        return per_field(numbers)
    if op == "$rename":
        return st.tuples(paths, st.sampled_from(("r", "s", "t.u"))).map(lambda p: {p[0]: p[1]})
    if op == "$currentDate":
        return per_field(st.one_of(st.just(True), st.just({"$type": "timestamp"}),
                                   st.just({"$type": "date"})))
    if op in ("$push", "$addToSet"):
        return per_field(st.one_of(values, st.builds(lambda each: {"$each": each},
                                                     st.lists(values, max_size=3))))
    if op == "$pop":
        return per_field(st.sampled_from([1, -1]))
    if op == "$pull":
        return per_field(st.one_of(values, st.just({"$gt": 1})))
    if op == "$pullAll":
        return per_field(st.lists(values, max_size=3))
    if op == "$bit":
        return per_field(st.builds(lambda o, n: {o: n}, st.sampled_from(["and", "or", "xor"]),
                                   st.integers(0, 7)))
    return None


def updates(fields: tuple[str, ...] = FIELDS, operators: tuple[str, ...] | None = None
            ) -> st.SearchStrategy[dict[str, Any]]:
    """Update documents of one or two operators from the update registry.  Paths may
    conflict (``$set: {a: 1}, $inc: {a: 1}``): a server rejects those as a whole."""
    operators = operators if operators is not None else update_operators()
    parts = [st.builds(lambda o, a: {o: a}, st.just(op), arg)
             for op in operators
             if (arg := _update_argument(op, fields)) is not None]
    return st.lists(st.one_of(*parts), min_size=1, max_size=2).map(
        lambda items: {k: v for item in items for k, v in item.items()})


# -- projections and pipelines ----------------------------------------------------------------

def projections(fields: tuple[str, ...] = ("a", "b", "c", "a.b", "b.c")
                ) -> st.SearchStrategy[dict[str, Any]]:
    """Valid find projections: inclusion or exclusion of non-overlapping paths, with or
    without ``_id``."""
    def clean(paths: list[str]) -> list[str]:
        kept: list[str] = []
        for path in paths:
            if not any(path == k or path.startswith(k + ".") or k.startswith(path + ".")
                       for k in kept):
                kept.append(path)
        return kept

    chosen = st.lists(st.sampled_from(fields), min_size=1, max_size=3).map(clean)
    inclusion = st.builds(lambda ps, i: {**{p: 1 for p in ps}, **({"_id": 0} if i else {})},
                          chosen, st.booleans())
    exclusion = st.builds(lambda ps, i: {**{p: 0 for p in ps}, **({"_id": 0} if i else {})},
                          chosen, st.booleans())
    return st.one_of(inclusion, exclusion, st.just({"_id": 0}), st.just({"_id": 1}))


def pipelines(fields: tuple[str, ...] = ("a", "b", "c"), max_stages: int = 4
              ) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Aggregation pipelines of common stages ($match, $project, $addFields, $unset, $sort,
    $skip, $limit, $group, $count, $unwind) over *fields*."""
    field = st.sampled_from(fields)
    stages: list[st.SearchStrategy[dict[str, Any]]] = [
        filters().map(lambda f: {"$match": f}),
        projections(fields).map(lambda p: {"$project": p}),
        st.builds(lambda f, v: {"$addFields": {f: {"$literal": v}}}, field, _query_values()),
        field.map(lambda f: {"$unset": f}),
        st.builds(lambda f, d: {"$sort": {f: d, "_id": 1}}, field, st.sampled_from([1, -1])),
        st.integers(0, 3).map(lambda n: {"$skip": n}),
        st.integers(1, 5).map(lambda n: {"$limit": n}),
        st.builds(lambda f, acc: {"$group": {"_id": f"${f}", "n": {acc: 1}}}, field,
                  st.sampled_from(["$sum", "$max"])),
        st.just({"$count": "n"}),
        field.map(lambda f: {"$unwind": {"path": f"${f}", "preserveNullAndEmptyArrays": True}}),
    ]
    return st.lists(st.one_of(*stages), max_size=max_stages)
