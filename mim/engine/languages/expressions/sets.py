"""Set operators: $allElementsTrue $anyElementTrue $setDifference $setEquals
$setIntersection $setIsSubset $setUnion.

Arrays are treated as sets (duplicates ignored, equality in BSON order);
$setUnion and $setIntersection return their elements in ascending BSON order.
"""

from __future__ import annotations

from typing import Any

from ...values.errors import ServerError
from ...values.order import sort_key, type_name
from .coercion import nullish, to_bool
from .compiler import fixed_arity, parse_arguments
from .registry import expression_operator


def element_key(ctx: Any):
    """How set operators key elements: by the collation of the operation, if any."""
    collation = getattr(ctx, "collation", None)
    return sort_key if collation is None else collation.sort_key


def _unique_sorted(values, key=sort_key) -> list:
    seen: dict = {}
    for value in values:
        seen.setdefault(key(value), value)
    return [seen[k] for k in sorted(seen)]


@expression_operator("$allElementsTrue", "$anyElementTrue")
def compile_all_any(arg: Any, ctx: Any, name: str):
    (operand,) = fixed_arity(name, arg, ctx, 1)
    code = 17040 if name == "$allElementsTrue" else 17041
    want_all = name == "$allElementsTrue"

    def evaluate(variables: dict) -> bool:
        array = operand(variables)
        if not isinstance(array, list):
            raise ServerError(code, f"{name}'s argument must be an array, but is "
                                    f"{type_name(array)}")
        if want_all:
            return all(to_bool(v) for v in array)
        return any(to_bool(v) for v in array)

    return evaluate


@expression_operator("$setDifference")
def compile_set_difference(arg: Any, ctx: Any, name: str):
    key = element_key(ctx)
    lhs_fn, rhs_fn = fixed_arity(name, arg, ctx, 2)

    def evaluate(variables: dict) -> Any:
        lhs, rhs = lhs_fn(variables), rhs_fn(variables)
        if nullish(lhs) or nullish(rhs):
            return None
        if not isinstance(lhs, list):
            raise ServerError(17048, "both operands of $setDifference must be arrays. First "
                                     f"argument is of type: {type_name(lhs)}")
        if not isinstance(rhs, list):
            raise ServerError(17049, "both operands of $setDifference must be arrays. Second "
                                     f"argument is of type: {type_name(rhs)}")
        seen = {key(v) for v in rhs}
        out = []
        for value in lhs:
            value_key = key(value)
            if value_key not in seen:
                seen.add(value_key)
                out.append(value)
        return out

    return evaluate


@expression_operator("$setEquals")
def compile_set_equals(arg: Any, ctx: Any, name: str):
    key = element_key(ctx)
    args = parse_arguments(arg, ctx)
    if len(args) < 2:
        raise ServerError(17045, f"$setEquals needs at least two arguments had: {len(args)}")

    def evaluate(variables: dict) -> bool:
        first = None
        result = True
        for i, fn in enumerate(args):
            value = fn(variables)
            if not isinstance(value, list):
                raise ServerError(17044, f"All operands of $setEquals must be arrays. {i + 1}"
                                         f"-th argument is of type: {type_name(value)}")
            keys = {key(v) for v in value}
            if first is None:
                first = keys
            elif keys != first:
                result = False
        return result

    return evaluate


@expression_operator("$setIntersection")
def compile_set_intersection(arg: Any, ctx: Any, name: str):
    key = element_key(ctx)
    args = parse_arguments(arg, ctx)

    def evaluate(variables: dict) -> Any:
        current: dict | None = None
        for fn in args:
            value = fn(variables)
            if nullish(value):
                return None
            if not isinstance(value, list):
                raise ServerError(17047, "All operands of $setIntersection must be arrays. One "
                                         f"argument is of type: {type_name(value)}")
            entries = {key(v): v for v in reversed(value)}
            if current is None:
                current = entries
            else:
                current = {k: v for k, v in current.items() if k in entries}
        if current is None:
            return []
        return [current[k] for k in sorted(current)]

    return evaluate


@expression_operator("$setIsSubset")
def compile_set_is_subset(arg: Any, ctx: Any, name: str):
    key = element_key(ctx)
    lhs_fn, rhs_fn = fixed_arity(name, arg, ctx, 2)

    def evaluate(variables: dict) -> bool:
        lhs, rhs = lhs_fn(variables), rhs_fn(variables)
        if not isinstance(lhs, list):
            raise ServerError(17046, "both operands of $setIsSubset must be arrays. First "
                                     f"argument is of type: {type_name(lhs)}")
        if not isinstance(rhs, list):
            raise ServerError(17042, "both operands of $setIsSubset must be arrays. Second "
                                     f"argument is of type: {type_name(rhs)}")
        keys = {key(v) for v in rhs}
        return all(key(v) in keys for v in lhs)

    return evaluate


@expression_operator("$setUnion")
def compile_set_union(arg: Any, ctx: Any, name: str):
    key = element_key(ctx)
    args = parse_arguments(arg, ctx)

    def evaluate(variables: dict) -> Any:
        values: list = []
        for fn in args:
            value = fn(variables)
            if nullish(value):
                return None
            if not isinstance(value, list):
                raise ServerError(17043, "All operands of $setUnion must be arrays. One "
                                         f"argument is of type: {type_name(value)}")
            values.extend(value)
        return _unique_sorted(values, key)

    return evaluate
