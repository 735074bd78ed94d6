"""Miscellaneous operators: $literal $const $rand $bsonSize $binarySize $tsSecond
$tsIncrement $meta."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import bson
from bson.binary import Binary
from bson.int64 import Int64
from bson.timestamp import Timestamp

from ...values.errors import ServerError
from ..metadata import TABLE_OF_META, attached_metadata
from ...values.order import MISSING, type_name
from .coercion import nullish
from .compiler import constant, document_operator, fixed_arity
from .registry import expression_operator

#: Names ``$meta`` accepts; their values come from ``variables["META"]`` (a dict).
META_NAMES = frozenset({
    "textScore", "randVal", "searchScore", "searchHighlights", "geoNearDistance",
    "geoNearPoint", "recordId", "indexKey", "sortKey", "searchScoreDetails",
    "timeseriesBucketMinTime", "timeseriesBucketMaxTime",
})


@expression_operator("$literal", "$const")
def compile_literal(arg: Any, ctx: Any, name: str):
    return constant(arg)


@expression_operator("$rand")
def compile_rand(arg: Any, ctx: Any, name: str):
    if not isinstance(arg, Mapping) or arg:
        raise ServerError(3040501, "$rand does not currently accept arguments")
    return lambda variables: random.random()


@expression_operator("$bsonSize")
def compile_bson_size(arg: Any, ctx: Any, name: str):
    return document_operator(name, arg, ctx, 31393, lambda value: len(bson.encode(value)))


@expression_operator("$binarySize")
def compile_binary_size(arg: Any, ctx: Any, name: str):
    (operand,) = fixed_arity(name, arg, ctx, 1)

    def evaluate(variables: dict) -> Any:
        value = operand(variables)
        if nullish(value):
            return None
        if isinstance(value, str):
            return len(value.encode("utf-8"))
        if isinstance(value, (bytes, Binary)):
            return len(value)
        if type_name(value) == "binData":
            return len(value.bytes)
        raise ServerError(51276, f"$binarySize requires a string or BinData argument, found: "
                                 f"{type_name(value)}")

    return evaluate


@expression_operator("$tsSecond", "$tsIncrement")
def compile_ts_part(arg: Any, ctx: Any, name: str):
    (operand,) = fixed_arity(name, arg, ctx, 1)
    code = 5687301 if name == "$tsSecond" else 5687302

    def evaluate(variables: dict) -> Any:
        value = operand(variables)
        if nullish(value):
            return None
        if not isinstance(value, Timestamp):
            raise ServerError(code, f" Argument to {name} must be a timestamp, but is "
                                    f"{type_name(value)}")
        return Int64(value.time if name == "$tsSecond" else value.inc)

    return evaluate


@expression_operator("$meta")
def compile_meta(arg: Any, ctx: Any, name: str):
    if not isinstance(arg, str):
        raise ServerError(17307, "$meta only supports string arguments")
    if arg not in META_NAMES:
        raise ServerError(17308, f"Unsupported argument to $meta: {arg}")
    table_name = TABLE_OF_META.get(arg)

    def evaluate(variables: dict) -> Any:
        meta = variables.get("META")
        if meta:  # a find's projection: the matched document's metadata
            return meta.get(arg, MISSING)
        if table_name is None:
            return MISSING
        # a pipeline: what its first $text $match or its $geoNear attached to the
        # document (a pipeline that has neither is refused with 40218 before it runs)
        value = attached_metadata(variables, table_name, variables.get("ROOT"))
        return MISSING if value is None or value is ... else value

    return evaluate
