"""Comparison operators: $cmp $eq $ne $gt $gte $lt $lte.

They compare any two values in BSON order (numbers by value across types);
a missing operand sorts below null and is not equal to it.
"""

from __future__ import annotations

from typing import Any

from .coercion import comparer
from .compiler import fixed_arity
from .registry import expression_operator

_TRUTH = {
    "$eq": (False, True, False),
    "$ne": (True, False, True),
    "$gt": (False, False, True),
    "$gte": (False, True, True),
    "$lt": (True, False, False),
    "$lte": (True, True, False),
}


@expression_operator("$cmp")
def compile_cmp(arg: Any, ctx: Any, name: str):
    lhs, rhs = fixed_arity(name, arg, ctx, 2)
    compare = comparer(ctx.collation)
    return lambda variables: compare(lhs(variables), rhs(variables))


@expression_operator("$eq", "$ne", "$gt", "$gte", "$lt", "$lte")
def compile_comparison(arg: Any, ctx: Any, name: str):
    lhs, rhs = fixed_arity(name, arg, ctx, 2)
    truth = _TRUTH[name]
    compare = comparer(ctx.collation)
    return lambda variables: truth[compare(lhs(variables), rhs(variables)) + 1]
