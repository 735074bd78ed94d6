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
from ..text_search import text_score_of
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


#: geo near metadata mim does not carry between stages, with the $geoNear option giving it
_GEO_NEAR_META = {"geoNearDistance": "distanceField", "geoNearPoint": "includeLocs"}


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
    if arg in _GEO_NEAR_META:
        raise ServerError(238, f"$meta \"{arg}\" is not supported by mim: use the $geoNear "
                               f"stage's {_GEO_NEAR_META[arg]} option")

    def evaluate(variables: dict) -> Any:
        meta = variables.get("META")
        if not meta:
            if arg == "textScore":
                # after a first $text $match (a pipeline without one is refused with
                # 40218 before it runs)
                score = text_score_of(variables, variables.get("ROOT"))
                return MISSING if score is None or score is ... else score
            return MISSING
        return meta.get(arg, MISSING)

    return evaluate
