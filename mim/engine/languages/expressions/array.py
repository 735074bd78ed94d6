"""Array operators: $arrayElemAt $arrayToObject $concatArrays $filter $first $firstN
$in $indexOfArray $isArray $last $lastN $map $maxN $minN $objectToArray $range
$reduce $reverseArray $size $slice $sortArray $zip."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from ...values.errors import ServerError
from ...values.order import MISSING, array_sort_key, sort_key, type_name
from ...values.limits import check_array_memory, check_range_memory
from .coercion import (compare_key_of, element_repr, equality, expr_compare, expr_equal, index_bound,
                       is_integral, is_integral64, is_numeric, nullish, to_bool, to_double,
                       to_long, value_repr)
from .compiler import (compile_operand, document_operator, fixed_arity, path_value, ranged_arity,
                       validate_variable_name)
from .registry import expression_operator
from .compiler import parse_arguments


def _array_elem_at(name: str, arity: int, array: Any, index: Any) -> Any:
    if nullish(array) or nullish(index):
        return None
    if not isinstance(array, list):
        which = "argument" if arity == 1 else "first argument"
        raise ServerError(28689, f"{name}'s {which} must be an array, but is {type_name(array)}")
    if not is_numeric(index):
        raise ServerError(28690, f"{name}'s second argument must be a numeric value, but is "
                                 f"{type_name(index)}")
    if not is_integral(index):
        raise ServerError(28691, f"{name}'s second argument must be representable as a 32-bit "
                                 f"integer: {value_repr(to_double(index))}")
    i = to_long(index)
    n = len(array)
    if i < 0:
        if -i > n:
            return MISSING
        i += n
    return array[i] if i < n else MISSING


@expression_operator("$arrayElemAt")
def compile_array_elem_at(arg: Any, ctx: Any, name: str):
    array, index = fixed_arity(name, arg, ctx, 2)
    return lambda variables: _array_elem_at(name, 2, array(variables), index(variables))


@expression_operator("$first", "$last")
def compile_first_last(arg: Any, ctx: Any, name: str):
    (array,) = fixed_arity(name, arg, ctx, 1)
    position = 0 if name == "$first" else -1
    return lambda variables: _array_elem_at(name, 1, array(variables), position)


@expression_operator("$concatArrays")
def compile_concat_arrays(arg: Any, ctx: Any, name: str):
    args = parse_arguments(arg, ctx)

    def evaluate(variables: dict) -> Any:
        out: list = []
        for fn in args:
            value = fn(variables)
            if nullish(value):
                return None
            if not isinstance(value, list):
                raise ServerError(28664, f"$concatArrays only supports arrays, not "
                                         f"{type_name(value)}")
            check_array_memory(name, len(out) + len(value))
            out.extend(value)
        return out

    return evaluate


def _named_args(name: str, arg: Any, allowed: tuple[str, ...], object_code: int,
                object_message: str, unknown_code: int, unknown_message: str) -> dict:
    if not isinstance(arg, Mapping):
        raise ServerError(object_code, object_message)
    out = {}
    for key, value in arg.items():
        if key not in allowed:
            raise ServerError(unknown_code, unknown_message + key)
        out[key] = value
    return out


@expression_operator("$filter")
def compile_filter(arg: Any, ctx: Any, name: str):
    spec = _named_args(name, arg, ("input", "as", "cond", "limit"), 28646,
                       "$filter only supports an object as its argument", 28647,
                       "Unrecognized parameter to $filter: ")
    if "input" not in spec:
        raise ServerError(28648, "Missing 'input' parameter to $filter")
    if "cond" not in spec:
        raise ServerError(28650, "Missing 'cond' parameter to $filter")
    input_fn = compile_operand(spec["input"], ctx)
    var = spec.get("as", "this")
    if not isinstance(var, str):
        var = str(var)
    validate_variable_name(var, for_write=True)
    cond = compile_operand(spec["cond"], ctx.with_variables([var]))
    limit_fn = compile_operand(spec["limit"], ctx) if "limit" in spec else None

    def evaluate(variables: dict) -> Any:
        array = input_fn(variables)
        if nullish(array):
            return None
        if not isinstance(array, list):
            raise ServerError(28651, f"input to $filter must be an array not "
                                     f"{type_name(array)}")
        if not array:
            return array
        remaining = None
        if limit_fn is not None:
            limit = limit_fn(variables)
            if not nullish(limit):
                if not is_integral(limit):
                    raise ServerError(327391, "$filter: limit must be represented as a 32-bit "
                                              f"integral value: {value_repr(limit)}")
                remaining = int(to_long(limit))
                if remaining <= 0:
                    raise ServerError(327392, "$filter: limit must be greater than 0: "
                                              f"{value_repr(limit)}")
        scope = dict(variables)
        out = []
        for element in array:
            scope[var] = element
            if to_bool(cond(scope)):
                out.append(element)
                if remaining is not None:
                    remaining -= 1
                    if remaining == 0:
                        break
        return out

    return evaluate


@expression_operator("$map")
def compile_map(arg: Any, ctx: Any, name: str):
    spec = _named_args(name, arg, ("input", "as", "in"), 16878,
                       "$map only supports an object as its argument", 16879,
                       "Unrecognized parameter to $map: ")
    if "input" not in spec:
        raise ServerError(16880, "Missing 'input' parameter to $map")
    if "in" not in spec:
        raise ServerError(16882, "Missing 'in' parameter to $map")
    input_fn = compile_operand(spec["input"], ctx)
    var = spec.get("as", "this")
    if not isinstance(var, str):
        var = str(var)
    validate_variable_name(var, for_write=True)
    each = compile_operand(spec["in"], ctx.with_variables([var]))

    def evaluate(variables: dict) -> Any:
        array = input_fn(variables)
        if nullish(array):
            return None
        if not isinstance(array, list):
            raise ServerError(16883, f"input to $map must be an array not {type_name(array)}")
        scope = dict(variables)
        out = []
        for element in array:
            scope[var] = element
            value = each(scope)
            out.append(None if value is MISSING else value)
        return out

    return evaluate


@expression_operator("$reduce")
def compile_reduce(arg: Any, ctx: Any, name: str):
    if not isinstance(arg, Mapping):
        raise ServerError(40075, f"$reduce requires an object as an argument, found: "
                                 f"{type_name(arg)}")
    inner = ctx.with_variables(["this", "value"])
    input_fn = initial = in_fn = None
    for key, value in arg.items():
        if key == "input":
            input_fn = compile_operand(value, ctx)
        elif key == "initialValue":
            initial = compile_operand(value, ctx)
        elif key == "in":
            in_fn = compile_operand(value, inner)
        else:
            raise ServerError(40076, f"$reduce found an unknown argument: {key}")
    if input_fn is None:
        raise ServerError(40077, "$reduce requires 'input' to be specified")
    if initial is None:
        raise ServerError(40078, "$reduce requires 'initialValue' to be specified")
    if in_fn is None:
        raise ServerError(40079, "$reduce requires 'in' to be specified")

    def evaluate(variables: dict) -> Any:
        array = input_fn(variables)
        if nullish(array):
            return None
        if not isinstance(array, list):
            raise ServerError(40080, f"$reduce requires that 'input' be an array, found: "
                                     f"{value_repr(array)}")
        accumulated = initial(variables)
        scope = dict(variables)
        for element in array:
            scope["this"] = element
            scope["value"] = accumulated
            accumulated = in_fn(scope)
        return accumulated

    return evaluate


@expression_operator("$in")
def compile_in(arg: Any, ctx: Any, name: str):
    needle, haystack = fixed_arity(name, arg, ctx, 2)
    equal = equality(ctx.collation)

    def evaluate(variables: dict) -> bool:
        value = needle(variables)
        array = haystack(variables)
        if not isinstance(array, list):
            raise ServerError(40081, f"$in requires an array as a second argument, found: "
                                     f"{type_name(array)}")
        return any(equal(value, element) for element in array)

    return evaluate


@expression_operator("$indexOfArray")
def compile_index_of_array(arg: Any, ctx: Any, name: str):
    args = ranged_arity(name, arg, ctx, 2, 4)
    equal = equality(ctx.collation)

    def evaluate(variables: dict) -> Any:
        array = args[0](variables)
        if nullish(array):
            return None
        if not isinstance(array, list):
            raise ServerError(40090, f"$indexOfArray requires an array as a first argument, "
                                     f"found: {type_name(array)}")
        start, end = 0, len(array)
        if len(args) > 2:
            start = index_bound(args[2](variables), name, "starting index")
        if len(args) > 3:
            end = min(end, index_bound(args[3](variables), name, "ending index"))
        target = args[1](variables)
        for i in range(start, end):
            if equal(array[i], target):
                return i
        return -1

    return evaluate


@expression_operator("$isArray")
def compile_is_array(arg: Any, ctx: Any, name: str):
    (operand,) = fixed_arity(name, arg, ctx, 1)
    return lambda variables: isinstance(operand(variables), list)


@expression_operator("$objectToArray")
def compile_object_to_array(arg: Any, ctx: Any, name: str):
    return document_operator(name, arg, ctx, 40390,
                             lambda value: [{"k": k, "v": v} for k, v in value.items()])


def array_to_object(value: Any) -> Any:
    if nullish(value):
        return None
    if not isinstance(value, list):
        raise ServerError(40386, f"$arrayToObject requires an array input, found: "
                                 f"{type_name(value)}")
    out: dict = {}
    if not value:
        return out
    first = value[0]
    if isinstance(first, list):
        pairs = True
    elif isinstance(first, Mapping):
        pairs = False
    else:
        raise ServerError(40398, "Unrecognised input type format for $arrayToObject: "
                                 f"{type_name(first)}")
    for element in value:
        if pairs:
            if not isinstance(element, list):
                raise ServerError(40396, "$arrayToObject requires a consistent input format. "
                                         "Elements mustall be arrays or all be objects. Array "
                                         f"was detected, now found: {type_name(element)}")
            if len(element) != 2:
                raise ServerError(40397, "$arrayToObject requires an array of size 2 arrays,"
                                         f"found array of size: {len(element)}")
            key, val = element
            if not isinstance(key, str):
                raise ServerError(40395, "$arrayToObject requires an array of key-value pairs, "
                                         "where the key must be of type string. Found key "
                                         f"type: {type_name(key)}")
            if "\0" in key:
                raise ServerError(4940400, "Key field cannot contain an embedded null byte")
        else:
            if not isinstance(element, Mapping):
                raise ServerError(40391, "$arrayToObject requires a consistent input format. "
                                         "Elements mustall be arrays or all be objects. Object "
                                         f"was detected, now found: {type_name(element)}")
            if len(element) != 2:
                raise ServerError(40392, "$arrayToObject requires an object keys of 'k' and "
                                         f"'v'. Found incorrect number of keys:{len(element)}")
            if "k" not in element or "v" not in element:
                raise ServerError(40393, "$arrayToObject requires an object with keys 'k' and "
                                         "'v'. Missing either or both keys from: "
                                         f"{value_repr(element)}")
            key, val = element["k"], element["v"]
            if not isinstance(key, str):
                raise ServerError(40394, "$arrayToObject requires an object with keys 'k' and "
                                         "'v', where the value of 'k' must be of type string. "
                                         f"Found type: {type_name(key)}")
            if "\0" in key:
                raise ServerError(4940401, "Key field cannot contain an embedded null byte")
        out[key] = val
    return out


@expression_operator("$arrayToObject")
def compile_array_to_object(arg: Any, ctx: Any, name: str):
    (operand,) = fixed_arity(name, arg, ctx, 1)
    return lambda variables: array_to_object(operand(variables))


@expression_operator("$range")
def compile_range(arg: Any, ctx: Any, name: str):
    args = ranged_arity(name, arg, ctx, 2, 3)

    def evaluate(variables: dict) -> Any:
        start, end = args[0](variables), args[1](variables)
        if not is_numeric(start):
            raise ServerError(34443, "$range requires a numeric starting value, found value of "
                                     f"type: {type_name(start)}")
        if not is_integral(start):
            raise ServerError(34444, "$range requires a starting value that can be represented "
                                     f"as a 32-bit integer, found value: {value_repr(start)}")
        if not is_numeric(end):
            raise ServerError(34445, "$range requires a numeric ending value, found value of "
                                     f"type: {type_name(end)}")
        if not is_integral(end):
            raise ServerError(34446, "$range requires an ending value that can be represented "
                                     f"as a 32-bit integer, found value: {value_repr(end)}")
        step = 1
        if len(args) == 3:
            step_value = args[2](variables)
            if not is_numeric(step_value):
                raise ServerError(34447, "$range requires a numeric step value, found value of "
                                         f"type:{type_name(step_value)}")
            if not is_integral(step_value):
                raise ServerError(34448, "$range requires a step value that can be represented "
                                         "as a 32-bit integer, found value: "
                                         f"{value_repr(step_value)}")
            step = int(to_long(step_value))
            if step == 0:
                raise ServerError(34449, "$range requires a non-zero step value")
        first, last = int(to_long(start)), int(to_long(end))
        check_range_memory(first, last, step)
        return list(range(first, last, step))

    return evaluate


@expression_operator("$reverseArray")
def compile_reverse_array(arg: Any, ctx: Any, name: str):
    (operand,) = fixed_arity(name, arg, ctx, 1)

    def evaluate(variables: dict) -> Any:
        value = operand(variables)
        if nullish(value):
            return None
        if not isinstance(value, list):
            raise ServerError(34435, "The argument to $reverseArray must be an array, but was "
                                     f"of type: {type_name(value)}")
        return value[::-1]

    return evaluate


@expression_operator("$size")
def compile_size(arg: Any, ctx: Any, name: str):
    (operand,) = fixed_arity(name, arg, ctx, 1)

    def evaluate(variables: dict) -> Any:
        value = operand(variables)
        if not isinstance(value, list):
            raise ServerError(17124, "The argument to $size must be an array, but was of type: "
                                     f"{type_name(value)}")
        return len(value)

    return evaluate


@expression_operator("$slice")
def compile_slice(arg: Any, ctx: Any, name: str):
    args = ranged_arity(name, arg, ctx, 2, 3)

    def evaluate(variables: dict) -> Any:
        array, second = args[0](variables), args[1](variables)
        if nullish(array) or nullish(second):
            return None
        if not isinstance(array, list):
            raise ServerError(28724, "First argument to $slice must be an array, but is of "
                                     f"type: {type_name(array)}")
        if not is_numeric(second):
            raise ServerError(28725, "Second argument to $slice must be a numeric value, but "
                                     f"is of type: {type_name(second)}")
        if not is_integral(second):
            raise ServerError(28726, "Second argument to $slice can't be represented as a "
                                     f"32-bit integer: {value_repr(to_double(second))}")
        n = len(array)
        if len(args) == 2:
            count = int(to_long(second))
            if count >= 0:
                return array[:count]
            return array[max(0, n + count):]
        position = int(to_long(second))
        start = max(0, n + position) if position < 0 else min(n, position)
        count_value = args[2](variables)
        if nullish(count_value):
            return None
        if not is_numeric(count_value):
            raise ServerError(28727, "Third argument to $slice must be numeric, but is of type: "
                                     f"{type_name(count_value)}")
        if not is_integral(count_value):
            raise ServerError(28728, "Third argument to $slice can't be represented as a "
                                     f"32-bit integer: {value_repr(to_double(count_value))}")
        count = int(to_long(count_value))
        if count <= 0:
            raise ServerError(28729, f"Third argument to $slice must be positive: {count}")
        return array[start:start + count]

    return evaluate


def sort_pattern_key(pattern: Any, collation: Any = None):
    """A key function ordering values by a $sortArray / $top… pattern (strings
    by ``collation``, if any)."""
    if not isinstance(pattern, Mapping):
        return compare_key_of(collation), pattern == -1
    fields = [(tuple(field.split(".")), direction == -1) for field, direction in pattern.items()]
    key_of = sort_key if collation is None else collation.sort_key

    def compare(a: Any, b: Any) -> int:
        for parts, desc in fields:
            va = path_value(a, parts) if isinstance(a, Mapping) else MISSING
            vb = path_value(b, parts) if isinstance(b, Mapping) else MISSING
            ka, kb = array_sort_key(va, desc, key_of), array_sort_key(vb, desc, key_of)
            if ka != kb:
                c = -1 if ka < kb else 1
                return -c if desc else c
        return 0

    return functools.cmp_to_key(compare), False


def _check_sort_spec(spec: Any) -> None:
    if isinstance(spec, Mapping):
        if not spec:
            raise ServerError(2942505, "BadValue: $sort pattern must not be empty")
        for value in spec.values():
            if not (is_numeric(value) and to_double(value) in (1.0, -1.0)):
                raise ServerError(2942505, "BadValue: $sort key ordering must be 1 (for "
                                           "ascending) or -1 (for descending)")
    elif is_numeric(spec):
        if to_double(spec) not in (1.0, -1.0):
            raise ServerError(2942506, "The $sort element value must be either 1 or -1")
    else:
        raise ServerError(2942507, "The $sort is invalid: use 1/-1 to sort the whole element, "
                                   "or {field:1/-1} to sort embedded fields")


@expression_operator("$sortArray")
def compile_sort_array(arg: Any, ctx: Any, name: str):
    if not isinstance(arg, Mapping):
        raise ServerError(2942500, f"$sortArray requires an object as an argument, found: "
                                   f"{type_name(arg)}")
    input_fn = None
    sort_by: Any = MISSING
    for key, value in arg.items():
        if key == "input":
            input_fn = compile_operand(value, ctx)
        elif key == "sortBy":
            _check_sort_spec(value)
            sort_by = value
        else:
            raise ServerError(2942501, f"$sortArray found an unknown argument: {key}")
    if input_fn is None:
        raise ServerError(2942502, "$sortArray requires 'input' to be specified")
    if sort_by is MISSING:
        raise ServerError(2942503, "$sortArray requires 'sortBy' to be specified")
    key, descending = sort_pattern_key(sort_by if isinstance(sort_by, Mapping)
                                       else int(to_double(sort_by)), ctx.collation)

    def evaluate(variables: dict) -> Any:
        value = input_fn(variables)
        if nullish(value):
            return None
        if not isinstance(value, list):
            raise ServerError(2942504, "The input argument to $sortArray must be an array, but "
                                       f"was of type: {type_name(value)}")
        return sorted(value, key=key, reverse=descending)

    return evaluate


@expression_operator("$zip")
def compile_zip(arg: Any, ctx: Any, name: str):
    if not isinstance(arg, Mapping):
        raise ServerError(34460, f"$zip only supports an object as an argument, found "
                                 f"{type_name(arg)}")
    inputs: list = []
    defaults: list = []
    longest = False
    for key, value in arg.items():
        if key == "inputs":
            if not isinstance(value, list):
                raise ServerError(34461, f"inputs must be an array of expressions, found "
                                         f"{type_name(value)}")
            inputs = [compile_operand(v, ctx) for v in value]
        elif key == "defaults":
            if not isinstance(value, list):
                raise ServerError(34462, f"defaults must be an array of expressions, found "
                                         f"{type_name(value)}")
            defaults = [compile_operand(v, ctx) for v in value]
        elif key == "useLongestLength":
            if not isinstance(value, bool):
                raise ServerError(34463, f"useLongestLength must be a bool, found "
                                         f"{type_name(arg)}")
            longest = value
        else:
            raise ServerError(34464, f"$zip found an unknown argument: {key}")
    if not inputs:
        raise ServerError(34465, "$zip requires at least one input array")
    if defaults and not longest:
        raise ServerError(34466, "cannot specify defaults unless useLongestLength is true")
    if defaults and len(defaults) != len(inputs):
        raise ServerError(34467, "defaults and inputs must have the same length")

    def evaluate(variables: dict) -> Any:
        arrays = []
        for fn in inputs:
            value = fn(variables)
            if nullish(value):
                return None
            if not isinstance(value, list):
                raise ServerError(34468, f"$zip found a non-array expression in input: "
                                         f"{value_repr(value)}")
            arrays.append(value)
        lengths = [len(a) for a in arrays]
        fill = [None] * len(arrays)
        if min(lengths) != max(lengths) and defaults:
            fill = [fn(variables) for fn in defaults]
        size = max(lengths) if longest else min(lengths)
        return [[a[row] if row < len(a) else fill[col] for col, a in enumerate(arrays)]
                for row in range(size)]

    return evaluate


# ---------------------------------------------------------------------------
# $firstN $lastN $maxN $minN (expression forms)
# ---------------------------------------------------------------------------

def check_n(value: Any, name: str) -> int:
    """Validate the ``n`` of an N-accumulator (AccumulatorN::validateN in
    accumulator_multi.cpp): not a number is 5787902, a number without an exact
    64-bit integer value 5787903, and n <= 0 5787908."""
    if not is_numeric(value):
        raise ServerError(5787902, f"Value for 'n' must be of integral type, but found "
                                   f"{value_repr(value)}")
    if not is_integral64(value):
        raise ServerError(5787903, f"Value for 'n' must be of integral type, but found "
                                   f"{value_repr(value)}")
    n = to_long(value)
    if n <= 0:
        raise ServerError(5787908, f"'n' must be greater than 0, found {n}")
    return n


def parse_n_spec(name: str, arg: Any, ctx: Any):
    """AccumulatorN::parseArgs; the spec-is-an-object check is 5787801 for
    $firstN/$lastN and 5787900 for $minN/$maxN, and prints the BSON element."""
    if not isinstance(arg, Mapping):
        code = 5787801 if name in ("$firstN", "$lastN") else 5787900
        raise ServerError(code, f"specification must be an object; found "
                                f"{element_repr(name, arg)}")
    n_fn = input_fn = None
    for key, value in arg.items():
        if key == "input":
            input_fn = compile_operand(value, ctx)
        elif key == "n":
            n_fn = compile_operand(value, ctx)
        else:
            raise ServerError(5787901, f"Unknown argument for 'n' operator: {key}")
    if n_fn is None:
        raise ServerError(5787906, "Missing value for 'n'")
    if input_fn is None:
        raise ServerError(5787907, "Missing value for 'input'")
    return n_fn, input_fn


@expression_operator("$firstN", "$lastN", "$maxN", "$minN")
def compile_n_operator(arg: Any, ctx: Any, name: str):
    n_fn, input_fn = parse_n_spec(name, arg, ctx)
    value_key = compare_key_of(ctx.collation)

    def evaluate(variables: dict) -> Any:
        n = check_n(n_fn(variables), name)
        array = input_fn(variables)
        if not isinstance(array, list):
            raise ServerError(5788200, "Input must be an array")
        if name == "$firstN":
            return array[:n]
        if name == "$lastN":
            return array[-n:] if n < len(array) else list(array)
        values = [v for v in array if not nullish(v)]
        values.sort(key=value_key, reverse=(name == "$maxN"))
        return values[:n]

    return evaluate


__all__ = ["array_to_object", "sort_pattern_key", "check_n", "parse_n_spec", "expr_compare"]
