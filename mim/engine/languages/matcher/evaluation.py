"""Evaluation operators: ``$mod`` (``$regex`` lives in regex.py, ``$expr`` in logical.py)."""

from __future__ import annotations

import math
from typing import Any

from bson.code import Code
from bson.decimal128 import Decimal128

from ...values.errors import ServerError, bad_value
from ...values.order import is_number, to_decimal
from .context import MatchContext
from .nodes import LeafNode, MatchNode
from .registry import field_operator, top_level_operator

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _truncate(value: Any, what: str) -> int:
    """A number truncated toward zero to a 64-bit integer, as the server coerces it."""
    if isinstance(value, Decimal128):
        d = value.to_decimal()
        if d.is_nan():
            raise bad_value(f"malformed mod, {what} value is invalid :: caused by :: "
                            f"Unable to coerce NaN/Inf to integral type")
        if d.is_infinite():
            raise bad_value(f"malformed mod, {what} value is invalid :: caused by :: "
                            f"Unable to coerce NaN/Inf to integral type")
        result = int(d)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise bad_value(f"malformed mod, {what} value is invalid :: caused by :: "
                            f"Unable to coerce NaN/Inf to integral type")
        result = int(value)
    else:
        result = int(value)
    if not _INT64_MIN <= result <= _INT64_MAX:
        raise bad_value(f"malformed mod, {what} value is invalid :: caused by :: "
                        f"Out of bounds coercing to integral value")
    return result


def c_remainder(a: int, b: int) -> int:
    """Remainder with the sign of the dividend (C/C++ ``%``), which MongoDB uses."""
    r = abs(a) % abs(b)
    return -r if a < 0 else r


@field_operator("$mod")
def compile_mod(path: str, arg: Any, ctx: MatchContext) -> MatchNode:
    if not isinstance(arg, list):
        raise bad_value("malformed mod, needs to be an array")
    if len(arg) < 2:
        raise bad_value("malformed mod, not enough elements")
    if len(arg) > 2:
        raise bad_value("malformed mod, too many elements")
    if not is_number(arg[0]):
        raise bad_value("malformed mod, divisor not a number")
    if not is_number(arg[1]):
        raise bad_value("malformed mod, remainder not a number")
    divisor = _truncate(arg[0], "divisor")
    remainder = _truncate(arg[1], "remainder")
    if divisor == 0:
        raise bad_value("divisor cannot be 0")

    def matches(v: Any) -> bool:
        if not is_number(v):
            return False
        if isinstance(v, float):
            if not math.isfinite(v):
                return False
            n = int(v)
        elif isinstance(v, Decimal128):
            d = to_decimal(v)
            if not d.is_finite():
                return False
            n = int(d)
        else:
            n = int(v)
        return c_remainder(n, divisor) == remainder

    return LeafNode(path, "$mod", arg, matches)


@top_level_operator("$where")
def compile_where(name: str, arg: Any, ctx: MatchContext) -> MatchNode:
    """``$where`` runs JavaScript, and mim has no JavaScript engine: it answers as a
    mongod started with ``--noscripting`` (``security.javascriptEnabled: false``)
    does, checking where ``$where`` stands and its argument first (``parseWhere``,
    ``extractWhereMatchExpressionParams``), then failing to make the function
    (``JsFunction``: 6108304), before any document is read."""
    if not ctx.top_level or ctx.in_elem_match:
        raise bad_value("$where can only be applied to the top-level document")
    if not ctx.javascript or ctx.validator:
        raise bad_value("$where is not allowed in this context")
    if isinstance(arg, Code) and arg.scope is not None:
        raise ServerError(4649201, "$where no longer supports deprecated BSON type CodeWScope")
    if not isinstance(arg, str):
        raise bad_value("$where got bad type")
    if not arg:
        raise bad_value("code for $where cannot be empty")
    raise ServerError(6108304, "no globalScriptEngine in $where parsing")
