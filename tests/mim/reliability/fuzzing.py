"""A seeded generator of hostile inputs: filters, updates, projections and
pipelines mixing valid operators, wrong arguments, unknown names, deep nesting
and odd values.  Deterministic for a seed, so any failure can be replayed."""

from __future__ import annotations

import datetime
import random
from typing import Any

from bson.decimal128 import Decimal128
from bson.objectid import ObjectId
from bson.regex import Regex

FIELDS = ["a", "b", "c", "a.b", "arr", "arr.0", "s", "n", "_id", "d.e", "$bad", ""]
SCALARS: list[Any] = [0, 1, -1, 2**31, 2**62, 1.5, -0.0, float("nan"), float("inf"), "x", "",
                      "abc", None, True, False, Decimal128("1.1"), ObjectId("0" * 24),
                      datetime.datetime(2020, 1, 1), Regex("^a", "i")]
QUERY_OPERATORS = ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$type",
                   "$regex", "$options", "$elemMatch", "$size", "$all", "$not", "$mod",
                   "$bitsAllSet", "$foo", "$expr", "$where", "$near"]
UPDATE_OPERATORS = ["$set", "$unset", "$inc", "$mul", "$min", "$max", "$push", "$pull",
                    "$addToSet", "$pop", "$rename", "$currentDate", "$setOnInsert", "$pullAll",
                    "$bit", "$foo"]
EXPRESSION_OPERATORS = ["$add", "$subtract", "$multiply", "$divide", "$concat", "$substr",
                        "$size", "$arrayElemAt", "$cond", "$ifNull", "$toString", "$toInt",
                        "$range", "$slice", "$regexMatch", "$dateToString", "$literal",
                        "$mergeObjects", "$objectToArray", "$sqrt", "$log", "$nope"]
STAGES = ["$match", "$project", "$addFields", "$group", "$sort", "$limit", "$skip", "$unwind",
          "$count", "$bucket", "$facet", "$replaceRoot", "$sample", "$densify", "$fill",
          "$setWindowFields", "$lookup", "$unknownStage"]


class Fuzzer:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def pick(self, items: list) -> Any:
        return items[self.rng.randrange(len(items))]

    def value(self, depth: int = 0) -> Any:
        roll = self.rng.random()
        if depth < 3 and roll < 0.12:
            return [self.value(depth + 1) for _ in range(self.rng.randrange(4))]
        if depth < 3 and roll < 0.2:
            return {self.pick(["a", "b", "x", "$x", "y.z"]): self.value(depth + 1)
                    for _ in range(self.rng.randrange(3))}
        if roll < 0.24:
            return self.nested(self.rng.choice([50, 150, 250]))
        return self.pick(SCALARS)

    def nested(self, depth: int) -> Any:
        value: Any = 1
        for _ in range(depth):
            value = {"a": value} if self.rng.random() < 0.5 else [value]
        return value

    def document(self) -> dict:
        doc = {self.pick(["a", "b", "c", "s", "n", "arr", "d"]): self.value() for _ in range(4)}
        if self.rng.random() < 0.5:
            doc["_id"] = self.rng.randrange(40)
        return doc

    def expression(self, depth: int = 0) -> Any:
        roll = self.rng.random()
        if depth > 4 or roll < 0.3:
            return self.pick(["$a", "$n", "$arr", "$s", "$$ROOT", "$$nope", 1, "x", None, [1, 2]])
        if roll < 0.35:
            value: Any = 1
            for _ in range(self.rng.choice([40, 120, 300])):
                value = {"$add": [value, 1]}
            return value
        op = self.pick(EXPRESSION_OPERATORS)
        return {op: [self.expression(depth + 1) for _ in range(self.rng.randrange(4))]}

    def filter(self, depth: int = 0) -> dict:
        roll = self.rng.random()
        if depth < 3 and roll < 0.15:
            return {self.pick(["$and", "$or", "$nor"]):
                    [self.filter(depth + 1) for _ in range(self.rng.randrange(3))]}
        if roll < 0.2:
            return {"$expr": self.expression()}
        if roll < 0.23:
            nested: dict = {"a": 1}
            for _ in range(self.rng.choice([50, 101, 400])):
                nested = {"$and": [nested]}
            return nested
        field = self.pick(FIELDS)
        if self.rng.random() < 0.3:
            return {field: self.value()}
        op = self.pick(QUERY_OPERATORS)
        argument = self.filter(depth + 1) if op in ("$elemMatch", "$not") and depth < 3 \
            else self.value()
        if op in ("$in", "$nin", "$all") and self.rng.random() < 0.7:
            argument = [self.value() for _ in range(3)]
        return {field: {op: argument}}

    def update(self) -> Any:
        if self.rng.random() < 0.15:
            return [self.stage() for _ in range(self.rng.randrange(3))]
        update: dict = {}
        for _ in range(self.rng.randrange(1, 3)):
            op = self.pick(UPDATE_OPERATORS)
            update[op] = {self.pick(FIELDS): self.value() for _ in range(self.rng.randrange(1, 3))}
        return update

    def projection(self) -> dict:
        projection: dict = {}
        for _ in range(self.rng.randrange(1, 3)):
            field = self.pick(FIELDS)
            projection[field] = self.pick([0, 1, True, {"$slice": self.pick([1, -1, [1, 0],
                                                                                [0, 2], "x"])},
                                           {"$elemMatch": self.filter(2)}, self.expression(),
                                           {"$meta": "textScore"}, "$a"])
        return projection

    def stage(self) -> dict:
        name = self.pick(STAGES)
        if name == "$match":
            return {name: self.filter()}
        if name in ("$project", "$addFields"):
            return {name: self.projection() if name == "$project" else
                    {"x": self.expression()}}
        if name == "$group":
            return {name: {"_id": self.expression(), "n": {self.pick(["$sum", "$push", "$max",
                                                                       "$bogus"]):
                                                            self.expression()}}}
        if name == "$sort":
            return {name: {self.pick(FIELDS): self.pick([1, -1, 0, "x"])}}
        if name in ("$limit", "$skip", "$sample"):
            return {name: self.pick([0, 1, 5, -1, "x", 2**40]) if name != "$sample"
                    else {"size": self.pick([1, -1, "x"])}}
        if name == "$unwind":
            return {name: self.pick(["$arr", "arr", {"path": "$arr"}, 5])}
        if name == "$densify":
            return {name: {"field": "n", "range": {"step": self.pick([1, 0.5, 0, -1]),
                                                   "bounds": self.pick(["full", [0, 20],
                                                                        [5, 1]])}}}
        if name == "$facet":
            return {name: {"f": [self.stage()]}}
        if name == "$lookup":
            return {name: {"from": "other", "localField": "a", "foreignField": "a",
                           "as": self.pick(["j", "", "$j"])}}
        return {name: self.value()}

    def pipeline(self) -> list:
        return [self.stage() for _ in range(self.rng.randrange(1, 4))]
