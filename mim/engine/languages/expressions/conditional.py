"""Conditional operators: $cond $ifNull $switch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...values.errors import ServerError
from ...values.order import MISSING, type_name
from .coercion import nullish, to_bool
from .compiler import compile_operand, fixed_arity, parse_arguments
from .registry import expression_operator


@expression_operator("$cond")
def compile_cond(arg: Any, ctx: Any, name: str):
    if isinstance(arg, Mapping):
        parts: dict[str, Any] = {}
        for key, value in arg.items():
            if key not in ("if", "then", "else"):
                raise ServerError(17083, f"Unrecognized parameter to $cond: {key}")
            parts[key] = compile_operand(value, ctx)
        if "if" not in parts:
            raise ServerError(17080, "Missing 'if' parameter to $cond")
        if "then" not in parts:
            raise ServerError(17081, "Missing 'then' parameter to $cond")
        if "else" not in parts:
            raise ServerError(17082, "Missing 'else' parameter to $cond")
        if_, then, else_ = parts["if"], parts["then"], parts["else"]
    else:
        if_, then, else_ = fixed_arity(name, arg, ctx, 3)
    return lambda variables: then(variables) if to_bool(if_(variables)) else else_(variables)


@expression_operator("$ifNull")
def compile_if_null(arg: Any, ctx: Any, name: str):
    args = parse_arguments(arg, ctx)
    if len(args) < 2:
        raise ServerError(1257300, f"$ifNull needs at least two arguments, had: {len(args)}")
    last = len(args) - 1

    def evaluate(variables: dict) -> Any:
        for i, fn in enumerate(args):
            value = fn(variables)
            if not nullish(value) or i == last:
                return value
        return MISSING  # pragma: no cover

    return evaluate


@expression_operator("$switch")
def compile_switch(arg: Any, ctx: Any, name: str):
    if not isinstance(arg, Mapping):
        raise ServerError(40060, f"$switch requires an object as an argument, found: "
                                 f"{type_name(arg)}")
    branches: list[tuple[Any, Any]] = []
    default = None
    for key, value in arg.items():
        if key == "branches":
            if not isinstance(value, list):
                raise ServerError(40061, f"$switch expected an array for 'branches', found: "
                                         f"{type_name(value)}")
            for branch in value:
                if not isinstance(branch, Mapping):
                    raise ServerError(40062, "$switch expected each branch to be an object, "
                                             f"found: {type_name(branch)}")
                case = then = None
                for bkey, bvalue in branch.items():
                    if bkey == "case":
                        case = compile_operand(bvalue, ctx)
                    elif bkey == "then":
                        then = compile_operand(bvalue, ctx)
                    else:
                        raise ServerError(40063, "$switch found an unknown argument to a "
                                                 f"branch: {bkey}")
                if case is None:
                    raise ServerError(40064, "$switch requires each branch have a 'case' "
                                             "expression")
                if then is None:
                    raise ServerError(40065, "$switch requires each branch have a 'then' "
                                             "expression.")
                branches.append((case, then))
        elif key == "default":
            default = compile_operand(value, ctx)
        else:
            raise ServerError(40067, f"$switch found an unknown argument: {key}")
    if not branches:
        raise ServerError(40068, "$switch requires at least one branch.")

    def evaluate(variables: dict) -> Any:
        for case, then in branches:
            if to_bool(case(variables)):
                return then(variables)
        if default is None:
            raise ServerError(40066, "$switch could not find a matching branch for an input, "
                                     "and no default was specified.")
        return default(variables)

    return evaluate
