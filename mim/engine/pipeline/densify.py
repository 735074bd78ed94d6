"""Stages that fill gaps: $densify (new documents) and $fill (missing values)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bson.int64 import Int64

from ..values.errors import ServerError
from ..languages.expressions.coercion import (coerce_to_date_ms, expr_compare, is_date, is_integral64,
                                    is_numeric, ms_to_date, to_double, to_long)
from ..languages.expressions.compiler import path_value
from ..languages.expressions.dates import date_add
from ..languages.expressions.timezones import UTC
from ..values.order import MISSING, sort_key, type_name
from ..values.deadline import CHECK_EVERY, check as check_deadline
from ..values.limits import MAX_DENSIFY_DOCS, densify_limit_error
from .basic import _set_path
from .compiler import compile_pipeline
from .registry import pipeline_stage

_UNITS = ("millisecond", "second", "minute", "hour", "day", "week", "month", "quarter", "year")


def _unknown(stage: str, key: str) -> ServerError:
    return ServerError(40415, f"BSON field '{stage}.{key}' is an unknown field.")


def _missing(stage: str, key: str) -> ServerError:
    return ServerError(40414, f"BSON field '{stage}.{key}' is missing but a required field")


def _add(value: Any, step: Any) -> Any:
    if isinstance(value, int) and isinstance(step, int):
        total = int(value) + int(step)
        return Int64(total) if isinstance(value, Int64) or isinstance(step, Int64) else \
            total if -2**31 <= total < 2**31 else Int64(total)
    return to_double(value) + to_double(step)


@pipeline_stage("$densify")
def compile_densify(arg: Any, ctx: Any):
    if not isinstance(arg, Mapping):
        raise ServerError(10065, f"the $densify stage specification must be an object, found "
                                 f"{type_name(arg)}")
    for key in arg:
        if key not in ("field", "partitionByFields", "range"):
            raise _unknown("$densify", key)
    for key in ("field", "range"):
        if key not in arg:
            raise _missing("$densify", key)
    field = arg["field"]
    if not isinstance(field, str):
        raise ServerError(14, f"BSON field '$densify.field' is the wrong type "
                              f"'{type_name(field)}', expected type 'string'")
    if field.startswith("$"):
        raise ServerError(16410, "FieldPath field names may not start with '$'. Consider using "
                                 "$getField or $setField.")
    partition_fields = arg.get("partitionByFields", [])
    if not isinstance(partition_fields, list) or \
            not all(isinstance(f, str) for f in partition_fields):
        raise ServerError(14, "BSON field '$densify.partitionByFields' is the wrong type, "
                              "expected type 'array'")
    for name in partition_fields:
        if name.startswith("$"):
            raise ServerError(16410, "FieldPath field names may not start with '$'. Consider "
                                     "using $getField or $setField.")
        if name == field or name.startswith(field + ".") or field.startswith(name + "."):
            raise ServerError(8993000, f"Cannot densify field '{field}' that is also a "
                                       "partition field")
    spec = arg["range"]
    if not isinstance(spec, Mapping):
        raise ServerError(14, "BSON field '$densify.range' is the wrong type, expected type "
                              "'object'")
    for key in spec:
        if key not in ("step", "unit", "bounds"):
            raise _unknown("$densify.range", key)
    for key in ("step", "bounds"):
        if key not in spec:
            raise _missing("$densify.range", key)
    step, unit, bounds = spec["step"], spec.get("unit"), spec["bounds"]
    if not is_numeric(step) or to_double(step) <= 0:
        raise ServerError(5733401, "the step parameter in a range statement must be a strictly "
                                   "positive numeric value")
    if unit is not None:
        if unit not in _UNITS:
            raise ServerError(9, f"unknown time unit value: {unit}")
        if not is_integral64(step):
            # code and text (sic "satement") as MongoDB's densify parse jstest expects
            raise ServerError(6586400, "The step parameter in a range satement must be a whole "
                                       "number when densifying a date range")
        step = to_long(step)
    if isinstance(bounds, str):
        if bounds not in ("full", "partition"):
            raise ServerError(5946800, "Bounds string must either be 'full' or 'partition'")
        explicit = None
    elif isinstance(bounds, list):
        if len(bounds) != 2:
            raise ServerError(5733403, "a bounding array in a range statement must have exactly "
                                       "two elements")
        lo, hi = bounds
        if unit is not None:
            if not (is_date(lo) and is_date(hi)):
                raise ServerError(5733402, "a bounding array must be an ascending array of "
                                           "either two dates or two numbers")
            explicit = (coerce_to_date_ms(lo), coerce_to_date_ms(hi))
        else:
            if not (is_numeric(lo) and is_numeric(hi)):
                raise ServerError(5876900 if is_date(lo) or is_date(hi) else 5733402,
                                  "Upper bound, lower bound, and step must all be numeric or "
                                  "all be dates, with a unit" if is_date(lo) or is_date(hi)
                                  else "a bounding array must be an ascending array of either "
                                       "two dates or two numbers")
            explicit = (lo, hi)
        if expr_compare(explicit[0], explicit[1]) > 0:
            raise ServerError(5733402, "a bounding array must be an ascending array of either "
                                       "two dates or two numbers")
    else:
        raise ServerError(5733404, "the bounds in a range statement must be the string 'full', "
                                   "'partition', or an ascending array of two numbers or two "
                                   "dates")
    parts = tuple(field.split("."))
    partition_parts = [tuple(f.split(".")) for f in partition_fields]

    def numeric_value(value: Any) -> Any:
        if unit is not None:
            if not is_date(value):
                raise ServerError(6053600, "Densify field type must be a date when a unit is "
                                           f"specified, found {type_name(value)}")
            return coerce_to_date_ms(value)
        if not is_numeric(value):
            raise ServerError(5733201 if is_date(value) else 5733201,
                              "Densify field type must be numeric, found "
                              f"{type_name(value)}" if not is_date(value) else
                              "Densify field type must be numeric when no unit is specified")
        return value

    def advance(value: Any) -> Any:
        if unit is None:
            return _add(value, step)
        return date_add(int(value), unit, step, UTC)

    def generate(anchor: Any, low: Any, high: Any, inclusive: bool, present: set,
                 generated: list[int]):
        """Grid values anchor + k*step with low < v (< or <=) high not present.

        ``generated[0]`` counts the documents made so far by the whole stage:
        past internalQueryMaxAllowedDensifyDocs the stage fails (5897900), as
        it does once the deadline of the operation (maxTimeMS) has passed.
        """
        value = anchor
        while expr_compare(value, high) < 0 or (inclusive and expr_compare(value, high) == 0):
            if expr_compare(value, low) > 0 or low is MISSING:
                if sort_key(to_double(value)) not in present:
                    generated[0] += 1
                    if generated[0] > MAX_DENSIFY_DOCS:
                        raise densify_limit_error(generated[0])
                    if not generated[0] % CHECK_EVERY:
                        check_deadline()
                    yield value
            value = advance(value)

    def make(value: Any, key_values: list) -> dict:
        out: dict = {}
        for p, v in zip(partition_parts, key_values):
            if v is not MISSING:
                out = _set_path(out, p, v)
        return _set_path(out, parts, ms_to_date(value) if unit is not None else value)

    collation = ctx.expressions.collation
    key_of = sort_key if collation is None else collation.sort_key  # partitions group by it

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        partitions: dict = {}
        for doc in docs:
            key_values = [path_value(doc, p) for p in partition_parts]
            key = tuple(key_of(None if v is MISSING else v) for v in key_values)
            entry = partitions.setdefault(key, (key_values, [], []))
            value = path_value(doc, parts)
            if value is MISSING or value is None:
                entry[1].append(doc)
            else:
                entry[2].append((numeric_value(value), doc))
        everything = [v for entry in partitions.values() for v, _ in entry[2]]
        if explicit is None and not everything:
            return [d for key in sorted(partitions) for d in partitions[key][1]]
        if bounds == "full":
            global_low = min(everything, key=to_double)
            global_high = max(everything, key=to_double)
        out = []
        generated = [0]
        for key in sorted(partitions):
            key_values, passthrough, values = partitions[key]
            out.extend(passthrough)
            values.sort(key=lambda e: to_double(e[0]))
            if explicit is not None:
                anchor, high, inclusive = explicit[0], explicit[1], False
            elif bounds == "full":
                anchor, high, inclusive = global_low, global_high, True
            else:
                if not values:
                    continue
                anchor, high, inclusive = values[0][0], values[-1][0], True
            present = {sort_key(to_double(v)) for v, _ in values}
            made = list(generate(anchor, MISSING, high, inclusive, present, generated))
            merged = [(to_double(v), 0, i, d) for i, (v, d) in enumerate(values)]
            merged += [(to_double(g), 1, i, make(g, key_values)) for i, g in enumerate(made)]
            merged.sort(key=lambda e: (e[0], e[1], e[2]))
            out.extend(e[3] for e in merged)
        return out

    return run


# ---------------------------------------------------------------------------
# $fill
# ---------------------------------------------------------------------------

@pipeline_stage("$fill")
def compile_fill(arg: Any, ctx: Any):
    if not isinstance(arg, Mapping):
        raise ServerError(10065, f"the $fill stage specification must be an object, found "
                                 f"{type_name(arg)}")
    for key in arg:
        if key not in ("partitionBy", "partitionByFields", "sortBy", "output"):
            raise _unknown("$fill", key)
    if "output" not in arg:
        raise _missing("$fill", "output")
    if "partitionBy" in arg and "partitionByFields" in arg:
        raise ServerError(6050204, "Maximum one of 'partitionBy' and 'partitionByFields can be "
                                   "specified in '$fill'")
    output = arg["output"]
    if not isinstance(output, Mapping):
        raise ServerError(14, "BSON field '$fill.output' is the wrong type, expected type "
                              "'object'")
    methods: dict = {}
    values: dict = {}
    for field, spec in output.items():
        if not isinstance(spec, Mapping):
            raise ServerError(6050200, f"All output fields must be objects, found "
                                       f"{type_name(spec)} for field {field}")
        if len(spec) != 1 or next(iter(spec)) not in ("value", "method"):
            raise ServerError(6050201, "Exactly one of 'value' and 'method' must be specified "
                                       "per field")
        kind, value = next(iter(spec.items()))
        if kind == "method":
            if value not in ("locf", "linear"):
                raise ServerError(6050202, "Method must be either locf or linear")
            methods[field] = {"$locf" if value == "locf" else "$linearFill": "$" + field}
        else:
            values[field] = {"$ifNull": ["$" + field, value]}
    partition = arg.get("partitionBy")
    if "partitionByFields" in arg:
        fields = arg["partitionByFields"]
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise ServerError(14, "BSON field '$fill.partitionByFields' is the wrong type, "
                                  "expected type 'array'")
        for name in fields:
            if name.startswith("$"):
                raise ServerError(16410, "FieldPath field names may not start with '$'. "
                                         "Consider using $getField or $setField.")
        partition = {f"__fill_{i}": "$" + f for i, f in enumerate(fields)}
    stages: list = []
    if methods:
        window: dict = {"output": methods}
        if partition is not None:
            window["partitionBy"] = partition
        if "sortBy" in arg:
            window["sortBy"] = arg["sortBy"]
        stages.append({"$setWindowFields": window})
    elif "sortBy" in arg:
        stages.append({"$sort": arg["sortBy"]})
    if values:
        stages.append({"$addFields": values})
    inner = compile_pipeline(stages, ctx.sub_pipeline(ctx.collection))
    return lambda docs, variables: inner(docs, variables)


__all__ = ["compile_densify", "compile_fill"]
