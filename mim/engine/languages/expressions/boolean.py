"""Boolean operators: $and $or $not (operands are coerced to booleans)."""

from __future__ import annotations

from typing import Any

from .coercion import to_bool
from .compiler import fixed_arity, parse_arguments
from .registry import expression_operator


@expression_operator("$and")
def compile_and(arg: Any, ctx: Any, name: str):
    args = parse_arguments(arg, ctx)

    def evaluate(variables: dict) -> bool:
        for fn in args:
            if not to_bool(fn(variables)):
                return False
        return True

    return evaluate


@expression_operator("$or")
def compile_or(arg: Any, ctx: Any, name: str):
    args = parse_arguments(arg, ctx)

    def evaluate(variables: dict) -> bool:
        for fn in args:
            if to_bool(fn(variables)):
                return True
        return False

    return evaluate


@expression_operator("$not")
def compile_not(arg: Any, ctx: Any, name: str):
    (operand,) = fixed_arity(name, arg, ctx, 1)
    return lambda variables: not to_bool(operand(variables))
