"""Variable binding: $let (``$map``, ``$filter`` and ``$reduce`` bind theirs in array.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...values.errors import ServerError
from ...values.order import type_name
from .compiler import compile_operand, validate_variable_name
from .registry import expression_operator


@expression_operator("$let")
def compile_let(arg: Any, ctx: Any, name: str):
    if not isinstance(arg, Mapping):
        raise ServerError(16874, "$let only supports an object as its argument")
    vars_spec = in_spec = None
    has_vars = has_in = False
    for key, value in arg.items():
        if key == "vars":
            vars_spec, has_vars = value, True
        elif key == "in":
            in_spec, has_in = value, True
        else:
            raise ServerError(16875, f"Unrecognized parameter to $let: {key}")
    if not has_vars:
        raise ServerError(16876, "Missing 'vars' parameter to $let")
    if not has_in:
        raise ServerError(16877, "Missing 'in' parameter to $let")
    if not isinstance(vars_spec, Mapping):
        raise ServerError(10065, f"invalid parameter: expected an object (vars), found "
                                 f"{type_name(vars_spec)}")
    bindings = []
    for var, spec in vars_spec.items():
        bindings.append((var, compile_operand(spec, ctx)))
    for var, _ in bindings:
        validate_variable_name(var, for_write=True)
    body = compile_operand(in_spec, ctx.with_variables([v for v, _ in bindings]))

    def evaluate(variables: dict) -> Any:
        scope = dict(variables)
        for var, fn in bindings:
            scope[var] = fn(variables)
        return body(scope)

    return evaluate
