"""Comparison operators: ``$eq $ne $gt $gte $lt $lte $in $nin``.

Comparisons only match values of the same canonical type ("type
bracketing": ``{"a": {"$gt": 5}}`` never matches a string), except against
MinKey/MaxKey which compare across all types.  NaN equals only NaN and is
neither less nor greater than anything.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.regex import Regex

from ...values.errors import bad_value
from ...values.order import MISSING, RANK_NUMBER, RANK_STRING, _NAN_KEY, canonical_rank, sort_key
from .context import MatchContext
from .nodes import LeafNode, MatchNode, NotNode, expanding_matcher
from .regex import regex_predicate
from .registry import field_operator

_FAST_NUMBER_TYPES = (int, Int64, float)
_COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$lte": operator.le,
}


def is_nan(value: Any) -> bool:
    if type(value) is float:
        return value != value
    if type(value) is Decimal128:
        return value.to_decimal().is_nan()
    return False


def equality_predicate(arg: Any, collation: Any = None) -> Callable[[Any], bool]:
    """A predicate for MongoDB equality with ``arg`` on one candidate value
    (strings compared by ``collation`` when there is one)."""
    if arg is None:
        return lambda v: v is None or v is MISSING
    if collation is not None:
        collated_key = collation.sort_key
        expected = collated_key(arg)
        return lambda v: collated_key(v) == expected
    arg_type = type(arg)
    if arg_type is str:
        equals_string = lambda v: v == arg and type(v) is str  # noqa: E731
        equals_string.inline = ("str", operator.eq, arg)  # type: ignore[attr-defined]
        return equals_string
    if arg_type in _FAST_NUMBER_TYPES and arg == arg:  # (not NaN)
        def equals_number(v: Any) -> bool:
            t = type(v)
            if t is int or t is float or t is Int64:
                return v == arg
            if t is Decimal128:  # (rare: the argument's key is made here, not per query)
                return sort_key(v) == sort_key(arg)
            return False
        equals_number.inline = ("number", operator.eq, arg)  # type: ignore[attr-defined]
        return equals_number
    key = sort_key(arg)
    return lambda v: sort_key(v) == key


def top_level_equality(key: str, arg: Any) -> LeafNode:
    """``compile_eq(key, arg)`` without a collation, for a top-level ``key`` (no dot,
    not empty) and a scalar ``arg`` (no regex, array or document): the same leaf,
    its matcher made for the argument's type directly (a point query compiles its
    filter on every call).  The matcher answers what :func:`expanding_matcher`'s
    does: the field's value, or any element of an array value, equals ``arg``."""
    arg_type = type(arg)
    if arg_type is str:
        # equality_predicate(arg)'s, without its ``inline`` attribute (a function's
        # attribute dict made per call): this leaf's matcher is written out below
        predicate = lambda v: v == arg and type(v) is str  # noqa: E731

        def match_string(doc: Mapping) -> bool:
            value = doc.get(key, MISSING)
            if type(value) is str:
                return value == arg
            if type(value) is list:
                for element in value:
                    if element == arg and type(element) is str:
                        return True
            return False

        return LeafNode.top_level(key, "$eq", arg, predicate, match_string)
    # a number's predicate carries its inlined comparison, which expanding_matcher uses
    predicate = equality_predicate(arg)
    return LeafNode.top_level(key, "$eq", arg, predicate, expanding_matcher((key,), predicate))


def comparison_predicate(op: str, arg: Any, collation: Any = None) -> Callable[[Any], bool]:
    """A predicate for ``$gt``/``$gte``/``$lt``/``$lte`` on one candidate value
    (strings, also inside documents and arrays, ordered by ``collation``)."""
    compare = _COMPARATORS[op]
    inclusive = op in ("$gte", "$lte")
    if arg is None:
        return equality_predicate(None) if inclusive else (lambda v: False)
    if is_nan(arg):
        return (lambda v: is_nan(v)) if inclusive else (lambda v: False)
    if collation is not None:
        return _collated_comparison(compare, arg, collation.sort_key)
    key = sort_key(arg)
    if isinstance(arg, (MinKey, MaxKey)):
        return lambda v: v is not MISSING and compare(sort_key(v), key)
    rank = canonical_rank(arg)
    arg_type = type(arg)
    if arg_type is str:
        return lambda v: type(v) is str and compare(v, arg)
    if arg_type in _FAST_NUMBER_TYPES:
        def compare_number(v: Any) -> bool:
            t = type(v)
            if t is int or t is float or t is Int64:
                return compare(v, arg)  # NaN compares false, as in MongoDB
            if t is Decimal128:
                kv = sort_key(v)
                return kv != _NAN_KEY and compare(kv, key)
            return False
        compare_number.inline = ("number", compare, arg)  # type: ignore[attr-defined]
        return compare_number

    def compare_generic(v: Any) -> bool:
        if v is MISSING or canonical_rank(v) != rank:
            return False
        kv = sort_key(v)
        if rank == RANK_NUMBER and kv == _NAN_KEY:
            return False
        return compare(kv, key)

    return compare_generic


def _collated_comparison(compare: Callable[[Any, Any], bool], arg: Any,
                         collated_key: Callable[[Any], tuple]) -> Callable[[Any], bool]:
    """``$gt``… under a collation: same type bracketing, strings by the collation."""
    key = collated_key(arg)
    if isinstance(arg, (MinKey, MaxKey)):
        return lambda v: v is not MISSING and compare(collated_key(v), key)
    rank = canonical_rank(arg)

    def compare_collated(v: Any) -> bool:
        if v is MISSING or canonical_rank(v) != rank:
            return False
        kv = collated_key(v)
        if rank == RANK_NUMBER and kv == _NAN_KEY:
            return False
        return compare(kv, key)

    return compare_collated


@field_operator("$eq")
def compile_eq(path: str, arg: Any, ctx: MatchContext) -> MatchNode:
    return LeafNode(path, "$eq", arg, equality_predicate(arg, ctx.collation))


@field_operator("$ne")
def compile_ne(path: str, arg: Any, ctx: MatchContext) -> MatchNode:
    if isinstance(arg, (Regex, re.Pattern)):
        raise bad_value("Can't have regex as arg to $ne.")
    return NotNode(LeafNode(path, "$eq", arg, equality_predicate(arg, ctx.collation)), "$ne")


def _make_comparison_compiler(op: str) -> Callable[..., MatchNode]:
    def compile_op(path: str, arg: Any, ctx: MatchContext) -> MatchNode:
        if isinstance(arg, (Regex, re.Pattern)):
            raise bad_value(f"Can't have RegEx as arg to predicate over field '{path}'.")
        return LeafNode(path, op, arg, comparison_predicate(op, arg, ctx.collation))
    compile_op.__name__ = f"compile_{op[1:]}"
    return compile_op


for _op in _COMPARATORS:
    field_operator(_op)(_make_comparison_compiler(_op))


def in_predicate(values: list[Any], name: str = "$in",
                 collation: Any = None) -> Callable[[Any], bool]:
    """Membership in a list of values and regexes (``$in`` semantics); with a
    ``collation``, values compare by it (regexes never do, as on the server)."""
    if collation is not None:
        return _collated_in(values, collation.sort_key)
    keys: set = set()
    strings: set[str] = set()
    regexes: list[Callable[[Any], bool]] = []
    for value in values:
        if type(value) is str:  # (the common case first: its key is sort_key's)
            strings.add(value)
            keys.add((RANK_STRING, value))
            continue
        if isinstance(value, (Regex, re.Pattern)):
            regexes.append(regex_predicate(value, None))
            continue
        if isinstance(value, Mapping) and value and next(iter(value)).startswith("$") \
                and next(iter(value)) not in ("$ref", "$id", "$db"):
            raise bad_value("cannot nest $ under $in")  # the server says $in for $nin too
        keys.add(sort_key(value))
    frozen = frozenset(keys)

    if not regexes:
        def is_member(v: Any) -> bool:
            if type(v) is str:
                return v in strings
            return sort_key(v) in frozen
        return is_member

    def is_member_or_matches(v: Any) -> bool:
        if type(v) is str:
            if v in strings:
                return True
        elif sort_key(v) in frozen:
            return True
        return any(r(v) for r in regexes)

    return is_member_or_matches


def _collated_in(values: list[Any], collated_key: Callable[[Any], tuple]) -> Callable[[Any], bool]:
    keys: set = set()
    regexes: list[Callable[[Any], bool]] = []
    for value in values:
        if isinstance(value, (Regex, re.Pattern)):
            regexes.append(regex_predicate(value, None))
            continue
        if isinstance(value, Mapping) and value and next(iter(value)).startswith("$") \
                and next(iter(value)) not in ("$ref", "$id", "$db"):
            raise bad_value("cannot nest $ under $in")
        keys.add(collated_key(value))
    frozen = frozenset(keys)
    return lambda v: collated_key(v) in frozen or any(r(v) for r in regexes)


@field_operator("$in")
def compile_in(path: str, arg: Any, ctx: MatchContext) -> MatchNode:
    if not isinstance(arg, list):
        raise bad_value("$in needs an array")
    return LeafNode(path, "$in", arg, in_predicate(arg, collation=ctx.collation))


@field_operator("$nin")
def compile_nin(path: str, arg: Any, ctx: MatchContext) -> MatchNode:
    if not isinstance(arg, list):
        raise bad_value("$nin needs an array")
    return NotNode(LeafNode(path, "$in", arg, in_predicate(arg, "$nin", ctx.collation)),
                   "$nin")
