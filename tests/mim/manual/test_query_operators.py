"""Query operators: the MongoDB manual's worked examples
(mongodb/docs source/reference/operator/query/<operator>.txt), run as data."""

from datetime import datetime

import pytest
from bson.binary import Binary
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex

from .harness import ANY, ids, run

# The documents the $bitsAllSet page shows (the page's shared collection include is not in
# the index; these two are printed in full in its results).
BITS = [
    {"_id": 1, "a": 54, "binaryValueofA": "00110110"},
    {"_id": 4, "a": Binary(b"f", 0), "binaryValueofA": "01100110"},
]
# pymongo hands BinData subtype 0 back as bytes
BITS_OUT = [BITS[0], dict(BITS[1], a=b"f")]

EXAMPLES = [
    dict(name="bitsAllSet/position-array", docs=BITS, filter={"a": {"$bitsAllSet": [1, 5]}},
         expected=BITS_OUT),
    dict(name="bitsAllSet/integer-bitmask", docs=BITS, filter={"a": {"$bitsAllSet": 50}},
         expected=[BITS[0]]),
    dict(name="bitsAllSet/bindata-bitmask", docs=BITS,
         filter={"a": {"$bitsAllSet": Binary(b"0", 0)}}, expected=[BITS[0]]),
]


MOD_INVENTORY = [{"_id": 1, "item": "abc123", "qty": 0}, {"_id": 2, "item": "xyz123", "qty": 5},
                 {"_id": 3, "item": "ijk123", "qty": 12}]
BUDGET = [{"_id": 1, "category": "food", "budget": 400, "spent": 450},
          {"_id": 2, "category": "drinks", "budget": 100, "spent": 150},
          {"_id": 3, "category": "clothes", "budget": 100, "spent": 50},
          {"_id": 4, "category": "misc", "budget": 500, "spent": 300},
          {"_id": 5, "category": "travel", "budget": 200, "spent": 650}]
SUPPLIES = [{"_id": 1, "item": "binder", "qty": 100, "price": 12},
            {"_id": 2, "item": "notebook", "qty": 200, "price": 8},
            {"_id": 3, "item": "pencil", "qty": 50, "price": 6},
            {"_id": 4, "item": "eraser", "qty": 150, "price": 3}]
EXAMPLES += [
    # ------------------------------------------------------------------ $mod
    dict(name="mod/select", docs=MOD_INVENTORY, filter={"qty": {"$mod": [4, 0]}},
         expected=[MOD_INVENTORY[0], MOD_INVENTORY[2]]),
    *[dict(name=f"mod/float-divisor-{d}", docs=MOD_INVENTORY, filter={"qty": {"$mod": [d, 0]}},
           expected=[MOD_INVENTORY[0], MOD_INVENTORY[2]]) for d in (4.0, 4.5, 4.99)],
    dict(name="mod/negative-divisor", docs=MOD_INVENTORY, filter={"qty": {"$mod": [-4, -0]}},
         expected=[MOD_INVENTORY[0], MOD_INVENTORY[2]]),
    # ----------------------------------------------------------------- $expr
    dict(name="expr/compare-fields", docs=BUDGET,
         filter={"$expr": {"$gt": ["$spent", "$budget"]}},
         expected=[BUDGET[0], BUDGET[1], BUDGET[4]]),
    dict(name="expr/conditional", docs=SUPPLIES, filter={"$expr": {"$lt": [{"$cond": {
        "if": {"$gte": ["$qty", 100]}, "then": {"$divide": ["$price", 2]},
        "else": {"$divide": ["$price", 4]}}}, 5]}}, expected=SUPPLIES[1:]),
]
ERRORS = [
    ("mod/not-enough-elements-one", {"qty": {"$mod": [4]}}, "malformed mod, not enough elements"),
    ("mod/not-enough-elements-empty", {"qty": {"$mod": []}}, "malformed mod, not enough elements"),
    ("mod/too-many-elements", {"qty": {"$mod": [4, 1, 2, 3]}}, "malformed mod, too many elements"),
]


@pytest.mark.parametrize("name,filter_,message", ERRORS, ids=[e[0] for e in ERRORS])
def test_manual_error(db, name, filter_, message):
    from pymongo.errors import OperationFailure
    db.c.insert_many([dict(d) for d in MOD_INVENTORY])
    with pytest.raises(OperationFailure, match=message):
        list(db.c.find(filter_))

SURVEY = [
    {"_id": 1, "results": [{"product": "abc", "score": 10}, {"product": "xyz", "score": 5}]},
    {"_id": 2, "results": [{"product": "abc", "score": 8}, {"product": "xyz", "score": 7}]},
    {"_id": 3, "results": [{"product": "abc", "score": 7}, {"product": "xyz", "score": 8}]},
    {"_id": 4, "results": [{"product": "abc", "score": 7}, {"product": "def", "score": 8}]},
]
RECORDS = [{"a": 5, "b": 5, "c": None}, {"a": 3, "b": None, "c": 8}, {"a": None, "b": 3, "c": 9},
           {"a": 1, "b": 2, "c": 3}, {"a": 2, "c": 5}, {"a": 3, "b": 2}, {"a": 4},
           {"b": 2, "c": 4}, {"b": 2}, {"c": 6}]


def with_id(docs):
    return [{"_id": ANY, **d} for d in docs]


GRADES = [
    {"_id": 1, "name": "Alice King", "classAverage": 87.333333333333333},
    {"_id": 2, "name": "Bob Jenkins", "classAverage": "83.52"},
    {"_id": 3, "name": "Cathy Hart", "classAverage": "94.06"},
    {"_id": 4, "name": "Drew Williams", "classAverage": 93},
]


def _grade(ms, grade, score):
    return {"date": datetime.utcfromtimestamp(ms / 1000), "grade": grade, "score": score}


TYPE_RESTAURANTS = [
    {"_id": 1, "address": {"building": "230", "coord": [-73.996089, 40.675018],
                           "street": "Huntington St", "zipcode": "11231"},
     "borough": "Brooklyn", "cuisine": "Bakery",
     "grades": [_grade(1393804800000, "C", 15), _grade(1378857600000, "C", 16),
                _grade(1358985600000, MinKey(), 30), _grade(1322006400000, "C", 15)],
     "name": "Dirty Dan's Donuts", "restaurant_id": "30075445"},
    {"_id": 2, "address": {"building": "1166", "coord": [-73.955184, 40.738589],
                           "street": "Manhattan Ave", "zipcode": "11222"},
     "borough": "Brooklyn", "cuisine": "Bakery",
     "grades": [_grade(1393804800000, MaxKey(), 2), _grade(1378857600000, "B", 6),
                _grade(1358985600000, MaxKey(), 3), _grade(1322006400000, "B", 5)],
     "name": "Dainty Daisey's Donuts", "restaurant_id": "30075449"},
]
SENSOR_READING = [
    {"_id": 1, "readings": [25, 23, ["Warn: High Temp!", 55], ["ERROR: SYSTEM SHUTDOWN!", 66]]},
    {"_id": 2, "readings": [25, 25, 24, 23]},
    {"_id": 3, "readings": [22, 24, []]},
    {"_id": 4, "readings": []},
    {"_id": 5, "readings": 24},
]
EXAMPLES += [
    # -------------------------------------------------------------- $elemMatch
    dict(name="elemMatch/element-match",
         docs=[{"_id": 1, "results": [82, 85, 88]}, {"_id": 2, "results": [75, 88, 89]}],
         filter={"results": {"$elemMatch": {"$gte": 80, "$lt": 85}}},
         expected=[{"_id": 1, "results": [82, 85, 88]}]),
    dict(name="elemMatch/embedded-documents", docs=SURVEY,
         filter={"results": {"$elemMatch": {"product": "xyz", "score": {"$gte": 8}}}},
         expected=[SURVEY[2]]),
    dict(name="elemMatch/single-condition", docs=SURVEY,
         filter={"results": {"$elemMatch": {"product": "xyz"}}}, expected=SURVEY[:3]),
    dict(name="elemMatch/single-condition-dotted", docs=SURVEY,
         filter={"results.product": "xyz"}, expected=SURVEY[:3]),
    dict(name="elemMatch/ne-inside", docs=SURVEY,
         filter={"results": {"$elemMatch": {"product": {"$ne": "xyz"}}}}, expected=SURVEY),
    dict(name="elemMatch/ne-without", docs=SURVEY,
         filter={"results.product": {"$ne": "xyz"}}, expected=[SURVEY[3]]),
    # ----------------------------------------------------------------- $exists
    dict(name="exists/true", docs=RECORDS, filter={"a": {"$exists": True}},
         expected=with_id(RECORDS[:7])),
    dict(name="exists/false", docs=RECORDS, filter={"b": {"$exists": False}},
         expected=with_id([RECORDS[4], RECORDS[6], RECORDS[9]])),
    # ------------------------------------------------------------------- $type
    dict(name="type/multiple-numeric-aliases", docs=GRADES,
         filter={"classAverage": {"$type": [2, 1]}}, expected=GRADES[:3]),
    dict(name="type/multiple-string-aliases", docs=GRADES,
         filter={"classAverage": {"$type": ["string", "double"]}}, expected=GRADES[:3]),
    dict(name="type/minKey", docs=TYPE_RESTAURANTS, filter={"grades.grade": {"$type": "minKey"}},
         expected=[TYPE_RESTAURANTS[0]]),
    dict(name="type/maxKey", docs=TYPE_RESTAURANTS, filter={"grades.grade": {"$type": "maxKey"}},
         expected=[TYPE_RESTAURANTS[1]]),
    dict(name="type/array", docs=SENSOR_READING, filter={"readings": {"$type": "array"}},
         expected=SENSOR_READING[:4]),
]

ALL_INVENTORY = [
    {"_id": ObjectId("5234cc89687ea597eabee675"), "code": "xyz",
     "tags": ["school", "book", "bag", "headphone", "appliance"],
     "qty": [{"size": "S", "num": 10, "color": "blue"}, {"size": "M", "num": 45, "color": "blue"},
             {"size": "L", "num": 100, "color": "green"}]},
    {"_id": ObjectId("5234cc8a687ea597eabee676"), "code": "abc",
     "tags": ["appliance", "school", "book"],
     "qty": [{"size": "6", "num": 100, "color": "green"},
             {"size": "6", "num": 50, "color": "blue"},
             {"size": "8", "num": 100, "color": "brown"}]},
    {"_id": ObjectId("5234ccb7687ea597eabee677"), "code": "efg", "tags": ["school", "book"],
     "qty": [{"size": "S", "num": 10, "color": "blue"}, {"size": "M", "num": 100, "color": "blue"},
             {"size": "L", "num": 100, "color": "green"}]},
    {"_id": ObjectId("52350353b2eff1353b349de9"), "code": "ijk", "tags": ["electronics", "school"],
     "qty": [{"size": "M", "num": 100, "color": "green"}]},
]
PRODUCTS = [
    {"_id": 100, "sku": "abc123", "description": "Single line description."},
    {"_id": 101, "sku": "abc789", "description": "First line\nSecond line"},
    {"_id": 102, "sku": "xyz456", "description": "Many spaces before     line"},
    {"_id": 103, "sku": "xyz789", "description": "Multiple\nline description"},
]
EXAMPLES += [
    # -------------------------------------------------------------------- $all
    dict(name="all/match-values", docs=ALL_INVENTORY,
         filter={"tags": {"$all": ["appliance", "school", "book"]}}, expected=ALL_INVENTORY[:2]),
    dict(name="all/with-elemMatch", docs=ALL_INVENTORY,
         filter={"qty": {"$all": [{"$elemMatch": {"size": "M", "num": {"$gt": 50}}},
                                  {"$elemMatch": {"num": 100, "color": "green"}}]}},
         expected=ALL_INVENTORY[2:]),
    dict(name="all/non-array-field", docs=ALL_INVENTORY, filter={"qty.num": {"$all": [50]}},
         expected=[ALL_INVENTORY[1]]),
    dict(name="all/non-array-field-equality", docs=ALL_INVENTORY, filter={"qty.num": 50},
         expected=[ALL_INVENTORY[1]]),
    # ------------------------------------------------------------------ $regex
    dict(name="regex/case-insensitive", docs=PRODUCTS,
         filter={"sku": {"$regex": Regex("^ABC", "i")}}, expected=PRODUCTS[:2]),
    dict(name="regex/multiline", docs=PRODUCTS,
         filter={"description": {"$regex": Regex("^S"), "$options": "m"}},
         expected=PRODUCTS[:2]),
    dict(name="regex/without-multiline", docs=PRODUCTS,
         filter={"description": {"$regex": Regex("^S")}}, expected=PRODUCTS[:1]),
    dict(name="regex/no-anchor", docs=PRODUCTS,
         filter={"description": {"$regex": Regex("S")}}, expected=PRODUCTS[:2]),
    dict(name="regex/dot-all", docs=PRODUCTS,
         filter={"description": {"$regex": Regex("m.*line"), "$options": "si"}},
         expected=PRODUCTS[2:]),
    dict(name="regex/without-dot-all", docs=PRODUCTS,
         filter={"description": {"$regex": Regex("m.*line"), "$options": "i"}},
         expected=[PRODUCTS[2]]),
    dict(name="regex/extended", docs=PRODUCTS,
         filter={"sku": {"$regex": "abc #category code\n123 #item number", "$options": "x"}},
         expected=PRODUCTS[:1]),
]

NIN_INVENTORY = [
    {"item": "Pens", "quantity": 350, "tags": ["school", "office"]},
    {"item": "Erasers", "quantity": 15, "tags": ["school", "home"]},
    {"item": "Maps", "tags": ["office", "storage"]},
    {"item": "Books", "quantity": 5, "tags": ["school", "storage", "home"]},
]
SIZE_FIELDS = [{"_id": 1, "field": ["red", "green"]}, {"_id": 2, "field": ["apple", "lime"]},
               {"_id": 3, "field": "fruit"}, {"_id": 4, "field": ["orange", "lemon", "grapefruit"]}]
EXAMPLES += [
    # -------------------------------------------------------------------- $nin
    dict(name="nin/unmatching-documents", docs=NIN_INVENTORY,
         filter={"quantity": {"$nin": [5, 15]}}, projection={"_id": 0},
         expected=[NIN_INVENTORY[0], NIN_INVENTORY[2]]),
    # ------------------------------------------------------------------- $size
    dict(name="size/two-elements", docs=SIZE_FIELDS, filter={"field": {"$size": 2}},
         expected=SIZE_FIELDS[:2]),
]

@pytest.mark.parametrize("ex", EXAMPLES, ids=ids(EXAMPLES))
def test_manual_example(db, ex):
    run(db, ex)
