"""Object operators: $mergeObjects $getField $setField $unsetField."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...values.errors import ServerError
from ...values.order import MISSING, type_name
from .coercion import nullish, value_repr
from .compiler import compile_operand, is_constant, parse_arguments
from .registry import expression_operator


def merge_objects(values) -> dict:
    """Merge documents left to right; null and missing inputs are skipped."""
    out: dict = {}
    for value in values:
        if nullish(value):
            continue
        if not isinstance(value, Mapping):
            raise ServerError(40400, f"$mergeObjects requires object inputs, but input "
                                     f"{value_repr(value)} is of type {type_name(value)}")
        for key, field in value.items():
            out[key] = field
    return out


@expression_operator("$mergeObjects")
def compile_merge_objects(arg: Any, ctx: Any, name: str):
    args = parse_arguments(arg, ctx)
    if len(args) == 1:
        (single,) = args

        def evaluate_one(variables: dict) -> dict:
            value = single(variables)
            if isinstance(value, list):
                return merge_objects(value)
            return merge_objects([value])

        return evaluate_one
    return lambda variables: merge_objects([fn(variables) for fn in args])


def _field_argument(name: str, spec: Any, ctx: Any, path_code: int, const_code: int,
                    type_code: int):
    if isinstance(spec, str) and spec.startswith("$"):
        raise ServerError(path_code, f"'{spec}' is a field path reference which is not allowed "
                                     f"in this context. Did you mean {{$literal: '{spec}'}}?")
    fn = compile_operand(spec, ctx)
    if not is_constant(fn):
        raise ServerError(const_code, f"{name} requires 'field' to evaluate to a constant, but "
                                      "got a non-constant argument")
    field = fn.constant_value  # type: ignore[attr-defined]
    if not isinstance(field, str):
        raise ServerError(type_code, f"{name} requires 'field' to evaluate to type String, but "
                                     f"got {type_name(field)}")
    return field


@expression_operator("$getField")
def compile_get_field(arg: Any, ctx: Any, name: str):
    field_spec: Any = MISSING
    input_fn = None
    if isinstance(arg, Mapping) and arg and not str(next(iter(arg))).startswith("$"):
        for key, value in arg.items():
            if key == "field":
                field_spec = value
            elif key == "input":
                input_fn = compile_operand(value, ctx)
            else:
                raise ServerError(3041701, f"$getField found an unknown argument: {key}")
    else:
        field_spec = arg
        input_fn = compile_operand("$$CURRENT", ctx)
    if field_spec is MISSING:
        raise ServerError(3041702, "$getField requires 'field' to be specified")
    if input_fn is None:
        raise ServerError(3041703, "$getField requires 'input' to be specified")
    field = _field_argument(name, field_spec, ctx, 5654600, 5654601, 5654602)

    def evaluate(variables: dict) -> Any:
        value = input_fn(variables)
        if value is MISSING:
            return MISSING
        if value is None:
            return None
        if not isinstance(value, Mapping):
            return MISSING
        return value.get(field, MISSING)

    return evaluate


@expression_operator("$setField", "$unsetField")
def compile_set_field(arg: Any, ctx: Any, name: str):
    if not isinstance(arg, Mapping):
        raise ServerError(4161100, f"{name} only supports an object as its argument")
    unset = name == "$unsetField"
    field_spec: Any = MISSING
    input_fn = value_fn = None
    for key, value in arg.items():
        if key == "field":
            field_spec = value
        elif key == "input":
            input_fn = compile_operand(value, ctx)
        elif key == "value" and not unset:
            value_fn = compile_operand(value, ctx)
        else:
            raise ServerError(4161101, f"{name} found an unknown argument: {key}")
    if unset:
        value_fn = compile_operand("$$REMOVE", ctx)
    if field_spec is MISSING:
        raise ServerError(4161102, f"{name} requires 'field' to be specified")
    if value_fn is None:
        raise ServerError(4161103, f"{name} requires 'value' to be specified")
    if input_fn is None:
        raise ServerError(4161109, f"{name} requires 'input' to be specified")
    field = _field_argument(name, field_spec, ctx, 4161108, 4161106, 4161107)

    def evaluate(variables: dict) -> Any:
        document = input_fn(variables)
        if nullish(document):
            return None
        if not isinstance(document, Mapping):
            raise ServerError(4161105, "$setField requires 'input' to evaluate to type Object")
        value = value_fn(variables)
        out = dict(document)
        if value is MISSING:
            out.pop(field, None)
        else:
            out[field] = value
        return out

    return evaluate
