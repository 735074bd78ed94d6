"""Aggregation expression operators: the MongoDB manual's worked examples
(mongodb/docs source/reference/operator/aggregation/<operator>.txt), run as data.

``X(name, expression, result)`` is one row of a manual's example table: the expression
evaluated once (``$documents`` + ``$project``); ``XE`` a row whose documented result
is "Error"."""

from datetime import datetime

import pytest
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.regex import Regex
from pymongo.errors import OperationFailure

from .harness import ANY, CAKE_SALES, ids, run

D = Decimal128
L = Int64
dt = datetime


def X(name, expression, result):
    return dict(name=name, db=True, pipeline=[
        {"$documents": [{}]}, {"$project": {"_id": 0, "r": expression}}],
        expected=[{"r": result}])


def XE(name, expression):
    return dict(name=name, error=expression)


FILTER_SALES = [
    {"_id": 0, "items": [{"item_id": 43, "quantity": 2, "price": 10},
                         {"item_id": 2, "quantity": 1, "price": 240}]},
    {"_id": 1, "items": [{"item_id": 23, "quantity": 3, "price": 110},
                         {"item_id": 103, "quantity": 4, "price": 5},
                         {"item_id": 38, "quantity": 1, "price": 300}]},
    {"_id": 2, "items": [{"item_id": 4, "quantity": 1, "price": 23}]},
]
I = {(d["_id"], i): item for d in FILTER_SALES for i, item in enumerate(d["items"])}
TEAM = [
    {"name": "pat", "age": 30, "address": {"street": "12 Baker St", "city": "London"}},
    {"name": "dallas", "age": 36, "address": {"street": "12 Cowper St", "city": "Palo Alto"}},
    {"name": "charlie", "age": 42, "address": {"street": "12 French St", "city": "New Brunswick"}},
]


def filt(cond, **extra):
    return [{"$project": {"items": {"$filter": {"input": "$items", "as": "item", "cond": cond,
                                                **extra}}}}]


def sort_team(sort_by):
    return [{"$project": {"_id": 0, "result": {"$sortArray": {"input": "$team",
                                                               "sortBy": sort_by}}}}]


EXAMPLES = [
    # --------------------------------------------------------- $dateToString
    dict(name="dateToString/formats", docs=[
        {"_id": 1, "item": "abc", "price": 10, "quantity": 2,
         "date": dt(2014, 1, 1, 8, 15, 39, 736000)}],
        pipeline=[{"$project": {
            "yearMonthDayUTC": {"$dateToString": {"format": "%Y-%m-%d", "date": "$date"}},
            "timewithOffsetNY": {"$dateToString": {"format": "%H:%M:%S:%L%z", "date": "$date",
                                                   "timezone": "America/New_York"}},
            "timewithOffset430": {"$dateToString": {"format": "%H:%M:%S:%L%z", "date": "$date",
                                                    "timezone": "+04:30"}},
            "minutesOffsetNY": {"$dateToString": {"format": "%Z", "date": "$date",
                                                  "timezone": "America/New_York"}},
            "minutesOffset430": {"$dateToString": {"format": "%Z", "date": "$date",
                                                   "timezone": "+04:30"}}}}],
        expected=[{"_id": 1, "yearMonthDayUTC": "2014-01-01",
                   "timewithOffsetNY": "03:15:39:736-0500",
                   "timewithOffset430": "12:45:39:736+0430",
                   "minutesOffsetNY": "-300", "minutesOffset430": "270"}]),
    # ------------------------------------------------------------ $dateTrunc
    dict(name="dateTrunc/project-two-weeks", docs=CAKE_SALES, pipeline=[{"$project": {
        "_id": 1, "orderDate": 1, "truncatedOrderDate": {"$dateTrunc": {
            "date": "$orderDate", "unit": "week", "binSize": 2,
            "timezone": "America/Los_Angeles", "startOfWeek": "Monday"}}}}],
        expected=[{"_id": i, "orderDate": CAKE_SALES[i]["orderDate"], "truncatedOrderDate": t}
                  for i, t in enumerate([dt(2020, 5, 11, 7), dt(2021, 3, 15, 7),
                                         dt(2021, 1, 4, 8), dt(2020, 2, 3, 8),
                                         dt(2019, 5, 13, 7), dt(2019, 1, 7, 8)])]),
    dict(name="dateTrunc/group-six-months", docs=CAKE_SALES, pipeline=[{"$group": {
        "_id": {"truncatedOrderDate": {"$dateTrunc": {"date": "$orderDate", "unit": "month",
                                                      "binSize": 6}}},
        "sumQuantity": {"$sum": "$quantity"}}}],
        expected=[{"_id": {"truncatedOrderDate": dt(2020, 1, 1)}, "sumQuantity": 224},
                  {"_id": {"truncatedOrderDate": dt(2021, 1, 1)}, "sumQuantity": 285},
                  {"_id": {"truncatedOrderDate": dt(2019, 1, 1)}, "sumQuantity": 296}]),
    # ------------------------------------------------------------- $dateDiff
    # (the manual's "2011-06-31" is read by the shell as 2011-07-01, as its table shows)
    dict(name="dateDiff/result-precision", docs=[
        {"custId": 456, "start": dt(2010, 1, 1), "end": dt(2011, 1, 1)},
        {"custId": 457, "start": dt(2010, 1, 1), "end": dt(2011, 7, 1)},
        {"custId": 458, "start": dt(2010, 3, 1), "end": dt(2010, 4, 30)}],
        pipeline=[{"$project": {
            "Start": "$start", "End": "$end",
            "years": {"$dateDiff": {"startDate": "$start", "endDate": "$end", "unit": "year"}},
            "months": {"$dateDiff": {"startDate": "$start", "endDate": "$end", "unit": "month"}},
            "days": {"$dateDiff": {"startDate": "$start", "endDate": "$end", "unit": "day"}},
            "_id": 0}}],
        expected=[
            {"Start": dt(2010, 1, 1), "End": dt(2011, 1, 1), "years": L(1), "months": L(12),
             "days": L(365)},
            {"Start": dt(2010, 1, 1), "End": dt(2011, 7, 1), "years": L(1), "months": L(18),
             "days": L(546)},
            {"Start": dt(2010, 3, 1), "End": dt(2010, 4, 30), "years": L(0), "months": L(1),
             "days": L(60)}]),
    dict(name="dateDiff/weeks-per-month", docs=[
        {"month": "January", "start": dt(2021, 1, 1), "end": dt(2021, 1, 31)},
        {"month": "February", "start": dt(2021, 2, 1), "end": dt(2021, 2, 28)},
        {"month": "March", "start": dt(2021, 3, 1), "end": dt(2021, 3, 31)}],
        pipeline=[{"$project": {
            "wks_default": {"$dateDiff": {"startDate": "$start", "endDate": "$end",
                                          "unit": "week"}},
            "wks_monday": {"$dateDiff": {"startDate": "$start", "endDate": "$end",
                                         "unit": "week", "startOfWeek": "Monday"}},
            "wks_friday": {"$dateDiff": {"startDate": "$start", "endDate": "$end",
                                         "unit": "week", "startOfWeek": "fri"}},
            "_id": 0}}],
        expected=[{"wks_default": L(5), "wks_monday": L(4), "wks_friday": L(4)},
                  {"wks_default": L(4), "wks_monday": L(3), "wks_friday": L(4)},
                  {"wks_default": L(4), "wks_monday": L(4), "wks_friday": L(4)}]),
    # --------------------------------------------------------------- $filter
    X("filter/behavior-numbers", {"$filter": {
        "input": [1, "a", 2, None, 3.1, L(4), "5"], "as": "num",
        "cond": {"$and": [{"$gte": ["$$num", L(-9223372036854775807)]},
                          {"$lte": ["$$num", L(9223372036854775807)]}]}}},
      [1, 2, 3.1, L(4)]),
    dict(name="filter/price-gte-100", docs=FILTER_SALES,
         pipeline=filt({"$gte": ["$$item.price", 100]}),
         expected=[{"_id": 0, "items": [I[0, 1]]}, {"_id": 1, "items": [I[1, 0], I[1, 2]]},
                   {"_id": 2, "items": []}]),
    dict(name="filter/limit", docs=FILTER_SALES,
         pipeline=filt({"$gte": ["$$item.price", 100]}, limit=1),
         expected=[{"_id": 0, "items": [I[0, 1]]}, {"_id": 1, "items": [I[1, 0]]},
                   {"_id": 2, "items": []}]),
    dict(name="filter/limit-numeric-expression", docs=FILTER_SALES,
         pipeline=filt({"$lte": ["$$item.price", 150]}, limit=2.000),
         expected=[{"_id": 0, "items": [I[0, 0]]}, {"_id": 1, "items": [I[1, 0], I[1, 1]]},
                   {"_id": 2, "items": [I[2, 0]]}]),
    dict(name="filter/limit-greater-than-matches", docs=FILTER_SALES,
         pipeline=filt({"$gte": ["$$item.price", 100]}, limit=5),
         expected=[{"_id": 0, "items": [I[0, 1]]}, {"_id": 1, "items": [I[1, 0], I[1, 2]]},
                   {"_id": 2, "items": []}]),
    # ------------------------------------------------------------ $sortArray
    dict(name="sortArray/field", docs=[{"team": TEAM}], pipeline=sort_team({"name": 1}),
         expected=[{"result": [TEAM[2], TEAM[1], TEAM[0]]}]),
    dict(name="sortArray/subfield", docs=[{"team": TEAM}],
         pipeline=sort_team({"address.city": -1}),
         expected=[{"result": [TEAM[1], TEAM[2], TEAM[0]]}]),
    dict(name="sortArray/multiple-fields", docs=[{"team": TEAM}],
         pipeline=sort_team({"age": -1, "name": 1}),
         expected=[{"result": [TEAM[2], TEAM[1], TEAM[0]]}]),
    X("sortArray/integers", {"$sortArray": {"input": [1, 4, 1, 6, 12, 5], "sortBy": 1}},
      [1, 1, 4, 5, 6, 12]),
    X("sortArray/mixed-types", {"$sortArray": {"input": [
        20, 4, {"a": "Free"}, 6, 21, 5, "Gratis", {"a": None}, {"a": {"sale": True, "price": 19}},
        D("10.23"), {"a": "On sale"}], "sortBy": 1}},
      [4, 5, 6, D("10.23"), 20, 21, "Gratis", {"a": None}, {"a": "Free"}, {"a": "On sale"},
       {"a": {"sale": True, "price": 19}}]),
]

# -------------------------------------------------------------- $convert tables
CONVERT = [
    ({"input": D("9223372036000.000"), "to": "int",
      "onError": "Could not convert to type integer."}, "Could not convert to type integer."),
    ({"input": L(5000), "to": "int"}, 5000),
    ({"input": L(922337203600), "to": "int"}, "Error"),
    ({"input": "-2", "to": "int"}, -2),
    ({"input": "2.5", "to": "int"}, "Error"),
    ({"input": None, "to": "int"}, None),
    ({"input": True, "to": "decimal"}, D("1")),
    ({"input": False, "to": "decimal"}, D("0")),
    ({"input": 2.5, "to": "decimal"}, D("2.50000000000000")),
    ({"input": 5, "to": "decimal"}, D("5")),
    ({"input": L(10000), "to": "decimal"}, D("10000")),
    ({"input": "-5.5", "to": "decimal"}, D("-5.5")),
    ({"input": dt(2018, 3, 27, 5, 4, 47, 890000), "to": "decimal"}, D("1522127087890")),
    ({"input": True, "to": "double"}, 1.0),
    ({"input": False, "to": "double"}, 0.0),
    ({"input": 2.5, "to": "double"}, 2.5),
    ({"input": 5, "to": "double"}, 5.0),
    ({"input": L(10000), "to": "double"}, 10000.0),
    ({"input": "-5.5", "to": "double"}, -5.5),
    ({"input": "5e10", "to": "double"}, 50000000000.0),
    ({"input": "5e550", "to": "double", "onError": "Could not convert to type double."},
     "Could not convert to type double."),
    ({"input": dt(2018, 3, 27, 5, 4, 47, 890000), "to": "double"}, 1522127087890.0),
    ({"input": True, "to": "long"}, L(1)),
    ({"input": False, "to": "long"}, L(0)),
    ({"input": 1.99999, "to": "long"}, L(1)),
    ({"input": D("5.5000"), "to": "long"}, L(5)),
    ({"input": D("9223372036854775808.0"), "to": "long"}, "Error"),
    ({"input": D("9223372036854775808.000"), "to": "long",
      "onError": "Could not convert to type long."}, "Could not convert to type long."),
    ({"input": 8, "to": "long"}, L(8)),
    ({"input": dt(2018, 3, 26, 4, 38, 28, 44000), "to": "long"}, L(1522039108044)),
    ({"input": "-2", "to": "long"}, L(-2)),
    ({"input": "2.5", "to": "long"}, "Error"),
    ({"input": None, "to": "long"}, None),
    ({"input": 120000000000.5, "to": "date"}, dt(1973, 10, 20, 21, 20)),
    ({"input": D("1253372036000.50"), "to": "date"}, dt(2009, 9, 19, 14, 53, 56)),
    ({"input": L(1100000000000), "to": "date"}, dt(2004, 11, 9, 11, 33, 20)),
    ({"input": L(-1100000000000), "to": "date"}, dt(1935, 2, 22, 12, 26, 40)),
    ({"input": ObjectId("5ab9c3da31c2ab715d421285"), "to": "date"}, dt(2018, 3, 27, 4, 8, 58)),
    ({"input": "2018-03-03", "to": "date"}, dt(2018, 3, 3)),
    ({"input": "2018-03-20 11:00:06 +0500", "to": "date"}, dt(2018, 3, 20, 6, 0, 6)),
    ({"input": "Friday", "to": "date"}, "Error"),
    ({"input": "Friday", "to": "date", "onError": "Could not convert to type date."},
     "Could not convert to type date."),
    ({"input": "5ab9cbfa31c2ab715d42129e", "to": "objectId"},
     ObjectId("5ab9cbfa31c2ab715d42129e")),
    ({"input": "5ab9cbfa31c2ab715d42129", "to": "objectId"}, "Error"),
    ({"input": "5ab9cbfa31c2ab715d42129", "to": "objectId",
      "onError": "Could not convert to type ObjectId."}, "Could not convert to type ObjectId."),
    ({"input": True, "to": "string"}, "true"),
    ({"input": False, "to": "string"}, "false"),
    ({"input": 2.5, "to": "string"}, "2.5"),
    ({"input": 2, "to": "string"}, "2"),
    ({"input": L(1000), "to": "string"}, "1000"),
    ({"input": ObjectId("5ab9c3da31c2ab715d421285"), "to": "string"},
     "5ab9c3da31c2ab715d421285"),
    ({"input": dt(2018, 3, 27, 16, 58, 51, 538000), "to": "string"},
     "2018-03-27T16:58:51.538Z"),
]
for i, (spec, result) in enumerate(CONVERT):
    name = f"convert/table-{spec['to']}-{i}"
    if result == "Error":
        EXAMPLES.append(XE(name, {"$convert": spec}))
    else:
        EXAMPLES.append(X(name, {"$convert": spec}, result))

# ----------------------------------------------------------------- $round
for value, r1, r0, rm1 in [(124.5, 124.5, 124, 120), (125.5, 125.5, 126, 130), (25, 25, 25, 20),
                           (12.5, 12.5, 12, 10), (2.25, 2.2, 2, 0), (2.45, 2.5, 2, 0)]:
    for place, result in [(1, r1), (0, r0), (-1, rm1)]:
        EXAMPLES.append(X(f"round/half-to-even-{value}-{place}", {"$round": [value, place]},
                          result))
EXAMPLES += [
    X("round/nan", {"$round": [float("nan"), 1]}, float("nan")),
    X("round/null", {"$round": [None, 1]}, None),
    X("round/infinity", {"$round": [float("inf"), 1]}, float("inf")),
    X("round/-infinity", {"$round": [float("-inf"), 1]}, float("-inf")),
]
SAMPLES = [{"_id": 1, "value": 19.25}, {"_id": 2, "value": 28.73}, {"_id": 3, "value": 34.32},
           {"_id": 4, "value": -45.39}]
# (the page's place -1 output, 10 / 20 / 30 / -50, is not what rounding 19.25 and 28.73 to
# tens gives -- 20 and 30 -- so that example is left out)
for place, results in [(1, [19.2, 28.7, 34.3, -45.4]), (0, [19, 29, 34, -45])]:
    EXAMPLES.append(dict(name=f"round/samples-{place}", docs=SAMPLES,
                         pipeline=[{"$project": {"roundedValue": {"$round": ["$value", place]}}}],
                         expected=[{"_id": i + 1, "roundedValue": r}
                                   for i, r in enumerate(results)]))

# ---------------------------------------------------------------- $reduce
EXAMPLES += [
    X("reduce/concat", {"$reduce": {"input": ["a", "b", "c"], "initialValue": "",
                                    "in": {"$concat": ["$$value", "$$this"]}}}, "abc"),
    X("reduce/sum-product", {"$reduce": {
        "input": [1, 2, 3, 4], "initialValue": {"sum": 5, "product": 2},
        "in": {"sum": {"$add": ["$$value.sum", "$$this"]},
               "product": {"$multiply": ["$$value.product", "$$this"]}}}},
      {"sum": 15, "product": 48}),
    X("reduce/concatArrays", {"$reduce": {"input": [[3, 4], [5, 6]], "initialValue": [1, 2],
                                          "in": {"$concatArrays": ["$$value", "$$this"]}}},
      [1, 2, 3, 4, 5, 6]),
    dict(name="reduce/probability", docs=[
        {"_id": 1, "type": "die", "experimentId": "r5", "description": "Roll a 5",
         "eventNum": 1, "probability": 0.16666666666667},
        {"_id": 2, "type": "card", "experimentId": "d3rc", "description": "Draw 3 red cards",
         "eventNum": 1, "probability": 0.5},
        {"_id": 3, "type": "card", "experimentId": "d3rc", "description": "Draw 3 red cards",
         "eventNum": 2, "probability": 0.49019607843137},
        {"_id": 4, "type": "card", "experimentId": "d3rc", "description": "Draw 3 red cards",
         "eventNum": 3, "probability": 0.48},
        {"_id": 5, "type": "die", "experimentId": "r16", "description": "Roll a 1 then a 6",
         "eventNum": 1, "probability": 0.16666666666667},
        {"_id": 6, "type": "die", "experimentId": "r16", "description": "Roll a 1 then a 6",
         "eventNum": 2, "probability": 0.16666666666667},
        {"_id": 7, "type": "card", "experimentId": "dak", "description": "Draw an ace, then a king",
         "eventNum": 1, "probability": 0.07692307692308},
        {"_id": 8, "type": "card", "experimentId": "dak", "description": "Draw an ace, then a king",
         "eventNum": 2, "probability": 0.07843137254902}],
        pipeline=[{"$group": {"_id": "$experimentId", "probabilityArr": {"$push": "$probability"}}},
                  {"$project": {"description": 1, "results": {"$reduce": {
                      "input": "$probabilityArr", "initialValue": 1,
                      "in": {"$multiply": ["$$value", "$$this"]}}}}}],
        expected=[{"_id": "dak", "results": 0.00603318250377101},
                  {"_id": "r5", "results": 0.16666666666667},
                  {"_id": "r16", "results": 0.027777777777778886},
                  {"_id": "d3rc", "results": 0.11764705882352879}]),
    dict(name="reduce/discounted-merchandise", docs=[
        {"productId": "ts1", "description": "T-Shirt", "color": "black", "size": "M", "price": 20,
         "discounts": [0.5, 0.1]},
        {"productId": "j1", "description": "Jeans", "color": "blue", "size": "36", "price": 40,
         "discounts": [0.25, 0.15, 0.05]},
        {"productId": "s1", "description": "Shorts", "color": "beige", "size": "32", "price": 30,
         "discounts": [0.15, 0.05]},
        {"productId": "ts2", "description": "Cool T-Shirt", "color": "White", "size": "L",
         "price": 25, "discounts": [0.3]},
        {"productId": "j2", "description": "Designer Jeans", "color": "blue", "size": "30",
         "price": 80, "discounts": [0.1, 0.25]}],
        pipeline=[{"$project": {"discountedPrice": {"$reduce": {
            "input": "$discounts", "initialValue": "$price",
            "in": {"$multiply": ["$$value", {"$subtract": [1, "$$this"]}]}}}}}],
        expected=[{"_id": ANY, "discountedPrice": v}
                  for v in [9, 24.224999999999998, 24.224999999999998, 17.5, 54]]),
    dict(name="reduce/string-concatenation", docs=[
        {"_id": 1, "name": "Melissa", "hobbies": ["softball", "drawing", "reading"]},
        {"_id": 2, "name": "Brad", "hobbies": ["gaming", "skateboarding"]},
        {"_id": 3, "name": "Scott", "hobbies": ["basketball", "music", "fishing"]},
        {"_id": 4, "name": "Tracey", "hobbies": ["acting", "yoga"]},
        {"_id": 5, "name": "Josh", "hobbies": ["programming"]},
        {"_id": 6, "name": "Claire"}],
        pipeline=[{"$match": {"hobbies": {"$gt": []}}}, {"$project": {"name": 1, "bio": {
            "$reduce": {"input": "$hobbies", "initialValue": "My hobbies include:", "in": {
                "$concat": ["$$value", {"$cond": {
                    "if": {"$eq": ["$$value", "My hobbies include:"]}, "then": " ",
                    "else": ", "}}, "$$this"]}}}}}],
        expected=[
            {"_id": 1, "name": "Melissa", "bio": "My hobbies include: softball, drawing, reading"},
            {"_id": 2, "name": "Brad", "bio": "My hobbies include: gaming, skateboarding"},
            {"_id": 3, "name": "Scott", "bio": "My hobbies include: basketball, music, fishing"},
            {"_id": 4, "name": "Tracey", "bio": "My hobbies include: acting, yoga"},
            {"_id": 5, "name": "Josh", "bio": "My hobbies include: programming"}]),
]
MATRICES = [
    {"_id": 1, "arr": [[24, 55, 79], [14, 78, 35], [84, 90, 3], [50, 89, 70]]},
    {"_id": 2, "arr": [[39, 32, 43, 7], [62, 17, 80, 64], [17, 88, 11, 73]]},
    {"_id": 3, "arr": [[42], [26, 59], [17], [72, 19, 35]]},
    {"_id": 4},
]
COLLAPSED = [[24, 55, 79, 14, 78, 35, 84, 90, 3, 50, 89, 70],
             [39, 32, 43, 7, 62, 17, 80, 64, 17, 88, 11, 73], [42, 26, 59, 17, 72, 19, 35], None]
EXAMPLES += [
    dict(name="reduce/single-reduction", docs=MATRICES, pipeline=[{"$project": {"collapsed": {
        "$reduce": {"input": "$arr", "initialValue": [],
                    "in": {"$concatArrays": ["$$value", "$$this"]}}}}}],
        expected=[{"_id": i + 1, "collapsed": c} for i, c in enumerate(COLLAPSED)]),
    dict(name="reduce/multiple-reductions", docs=MATRICES, pipeline=[{"$project": {"results": {
        "$reduce": {"input": "$arr", "initialValue": [], "in": {
            "collapsed": {"$concatArrays": ["$$value.collapsed", "$$this"]},
            "firstValues": {"$concatArrays": ["$$value.firstValues",
                                              {"$slice": ["$$this", 1]}]}}}}}}],
        expected=[{"_id": 1, "results": {"collapsed": COLLAPSED[0],
                                         "firstValues": [24, 14, 84, 50]}},
                  {"_id": 2, "results": {"collapsed": COLLAPSED[1], "firstValues": [39, 62, 17]}},
                  {"_id": 3, "results": {"collapsed": COLLAPSED[2],
                                         "firstValues": [42, 26, 17, 72]}},
                  {"_id": 4, "results": None}]),
    # --------------------------------------------------------- $objectToArray
    X("objectToArray/flat", {"$objectToArray": {"item": "foo", "qty": 25}},
      [{"k": "item", "v": "foo"}, {"k": "qty", "v": 25}]),
    X("objectToArray/not-recursive", {"$objectToArray": {
        "item": "foo", "qty": 25, "size": {"len": 25, "w": 10, "uom": "cm"}}},
      [{"k": "item", "v": "foo"}, {"k": "qty", "v": 25},
       {"k": "size", "v": {"len": 25, "w": 10, "uom": "cm"}}]),
    dict(name="objectToArray/dimensions", docs=[
        {"_id": 1, "item": "ABC1", "dimensions": {"l": 25, "w": 10, "uom": "cm"}},
        {"_id": 2, "item": "ABC2", "dimensions": {"l": 50, "w": 25, "uom": "cm"}},
        {"_id": 3, "item": "XYZ1", "dimensions": {"l": 70, "w": 75, "uom": "cm"}}],
        pipeline=[{"$project": {"item": 1, "dimensions": {"$objectToArray": "$dimensions"}}}],
        expected=[{"_id": i, "item": item, "dimensions": [
            {"k": "l", "v": l_}, {"k": "w", "v": w}, {"k": "uom", "v": "cm"}]}
            for i, item, l_, w in [(1, "ABC1", 25, 10), (2, "ABC2", 50, 25),
                                   (3, "XYZ1", 70, 75)]]),
    dict(name="objectToArray/sum-nested", docs=[
        {"_id": 1, "item": "ABC1", "instock": {"warehouse1": 2500, "warehouse2": 500}},
        {"_id": 2, "item": "ABC2", "instock": {"warehouse2": 500, "warehouse3": 200}}],
        pipeline=[{"$project": {"warehouses": {"$objectToArray": "$instock"}}},
                  {"$unwind": "$warehouses"},
                  {"$group": {"_id": "$warehouses.k", "total": {"$sum": "$warehouses.v"}}}],
        expected=[{"_id": "warehouse3", "total": 200}, {"_id": "warehouse2", "total": 1000},
                  {"_id": "warehouse1", "total": 2500}]),
]

# ---------------------------------------------------------- $regexFindAll
PRODUCTS = [
    {"_id": 1, "description": "Single LINE description."},
    {"_id": 2, "description": "First lines\nsecond line"},
    {"_id": 3, "description": "Many spaces before     line"},
    {"_id": 4, "description": "Multiple\nline descriptions"},
    {"_id": 5, "description": "anchors, links and hyperlinks"},
    {"_id": 6, "description": "m\u00e9tier work vocation"},
]


def m(match, idx, *captures):
    return {"match": match, "idx": idx, "captures": list(captures)}


def find_all(name, spec, results):
    return dict(name=name, docs=PRODUCTS, pipeline=[{"$addFields": {"returnObject": {
        "$regexFindAll": {"input": "$description", **spec}}}}],
        expected=[dict(doc, returnObject=r) for doc, r in zip(PRODUCTS, results)])


EXAMPLES += [
    find_all("regexFindAll/case-sensitive", {"regex": Regex("line")},
             [[], [m("line", 6), m("line", 19)], [m("line", 23)], [m("line", 9)], [], []]),
    find_all("regexFindAll/grouping", {"regex": Regex("lin(e|k)")},
             [[], [m("line", 6, "e"), m("line", 19, "e")], [m("line", 23, "e")],
              [m("line", 9, "e")], [m("link", 9, "k"), m("link", 24, "k")], []]),
    find_all("regexFindAll/code-point-index", {"regex": Regex("tier")},
             [[], [], [], [], [], [m("tier", 2)]]),
    find_all("regexFindAll/i-option", {"regex": Regex("line", "i")},
             [[m("LINE", 7)], [m("line", 6), m("line", 19)], [m("line", 23)], [m("line", 9)],
              [], []]),
    find_all("regexFindAll/im-options", {"regex": Regex("^s", "im")},
             [[m("S", 0)], [m("s", 12)], [], [], [], []]),
    find_all("regexFindAll/x-option",
             {"regex": Regex("lin(e|k) # matches line or link"), "options": "x"},
             [[], [m("line", 6, "e"), m("line", 19, "e")], [m("line", 23, "e")],
              [m("line", 9, "e")], [m("link", 9, "k"), m("link", 24, "k")], []]),
    dict(name="regexFindAll/parse-email", docs=[
        {"_id": 1, "comment": "Hi, I'm just reading about MongoDB -- aunt.arc.tica@example.com"},
        {"_id": 2, "comment": "I wanted to concatenate a string"},
        {"_id": 3, "comment": "How do I convert a date to string? Contact me at either "
                              "cam@mongodb.com or c.dia@mongodb.com"},
        {"_id": 4, "comment": "It's just me. I'm testing.  fred@MongoDB.com"}],
        pipeline=[{"$addFields": {"email": {"$regexFindAll": {
            "input": "$comment",
            "regex": Regex("[a-z0-9_.+-]+@[a-z0-9_.+-]+\\.[a-z0-9_.+-]+", "i")}}}}],
        expected=[
            {"_id": 1, "comment": "Hi, I'm just reading about MongoDB -- aunt.arc.tica@example.com",
             "email": [m("aunt.arc.tica@example.com", 38)]},
            {"_id": 2, "comment": "I wanted to concatenate a string", "email": []},
            {"_id": 3, "comment": "How do I convert a date to string? Contact me at either "
                                  "cam@mongodb.com or c.dia@mongodb.com",
             "email": [m("cam@mongodb.com", 56), m("c.dia@mongodb.com", 75)]},
            {"_id": 4, "comment": "It's just me. I'm testing.  fred@MongoDB.com",
             "email": [m("fred@MongoDB.com", 28)]}]),
]


DELIVERIES = [
    {"_id": 1, "city": "Berkeley, CA", "qty": 648}, {"_id": 2, "city": "Bend, OR", "qty": 491},
    {"_id": 3, "city": "Kensington, CA", "qty": 233}, {"_id": 4, "city": "Eugene, OR", "qty": 842},
    {"_id": 5, "city": "Reno, NV", "qty": 655}, {"_id": 6, "city": "Portland, OR", "qty": 408},
    {"_id": 7, "city": "Sacramento, CA", "qty": 574},
]
FOOD = ["apple", "banana", "\u00e9clair", "hamburger", "jalape\u00f1o", "pizza", "tacos",
        "\u5bff\u53f8sushi"]
MENU = ["app", "ban", "\u00e9cl", "ham", "jal", "piz", "tac", "\u5bff\u53f8s"]
SWITCH_BRANCHES = [
    {"case": {"$gte": [{"$avg": "$scores"}, 90]}, "then": "Doing great!"},
    {"case": {"$and": [{"$gte": [{"$avg": "$scores"}, 80]}, {"$lt": [{"$avg": "$scores"}, 90]}]},
     "then": "Doing pretty well."},
    {"case": {"$lt": [{"$avg": "$scores"}, 80]}, "then": "Needs improvement."},
]
COND_INVENTORY = [{"_id": 1, "item": "abc1", "qty": 300}, {"_id": 2, "item": "abc2", "qty": 200},
                  {"_id": 3, "item": "xyz1", "qty": 250}]
COND_RESULT = [{"_id": 1, "item": "abc1", "discount": 30},
               {"_id": 2, "item": "abc2", "discount": 20},
               {"_id": 3, "item": "xyz1", "discount": 30}]
EXAMPLES += [
    # ------------------------------------------------------------------ $map
    dict(name="map/add-to-each", docs=[
        {"_id": 1, "quizzes": [5, 6, 7]}, {"_id": 2, "quizzes": []},
        {"_id": 3, "quizzes": [3, 8, 9]}],
        pipeline=[{"$project": {"adjustedGrades": {"$map": {
            "input": "$quizzes", "as": "grade", "in": {"$add": ["$$grade", 2]}}}}}],
        expected=[{"_id": 1, "adjustedGrades": [7, 8, 9]}, {"_id": 2, "adjustedGrades": []},
                  {"_id": 3, "adjustedGrades": [5, 10, 11]}]),
    # ---------------------------------------------------------------- $split
    X("split/dashes", {"$split": ["June-15-2013", "-"]}, ["June", "15", "2013"]),
    X("split/banana", {"$split": ["banana split", "a"]}, ["b", "n", "n", " split"]),
    X("split/space", {"$split": ["Hello World", " "]}, ["Hello", "World"]),
    X("split/leading", {"$split": ["astronomical", "astro"]}, ["", "nomical"]),
    X("split/no-match", {"$split": ["pea green boat", "owl"]}, ["pea green boat"]),
    XE("split/number-delimiter", {"$split": ["headphone jack", 7]}),
    XE("split/regex-delimiter", {"$split": ["headphone jack", Regex("jack")]}),
    dict(name="split/deliveries-by-state", docs=DELIVERIES, ordered=True, pipeline=[
        {"$project": {"city_state": {"$split": ["$city", ", "]}, "qty": 1}},
        {"$unwind": "$city_state"},
        {"$match": {"city_state": Regex("[A-Z]{2}")}},
        {"$group": {"_id": {"state": "$city_state"}, "total_qty": {"$sum": "$qty"}}},
        {"$sort": {"total_qty": -1}}],
        expected=[{"_id": {"state": "OR"}, "total_qty": 1741},
                  {"_id": {"state": "CA"}, "total_qty": 1455},
                  {"_id": {"state": "NV"}, "total_qty": 655}]),
    # -------------------------------------------------------------- $substrCP
    dict(name="substrCP/single-byte", docs=[
        {"_id": 1, "item": "ABC1", "quarter": "13Q1", "description": "product 1"},
        {"_id": 2, "item": "ABC2", "quarter": "13Q4", "description": "product 2"},
        {"_id": 3, "item": "XYZ1", "quarter": "14Q2", "description": None}],
        pipeline=[{"$project": {
            "item": 1, "yearSubstring": {"$substrCP": ["$quarter", 0, 2]},
            "quarterSubtring": {"$substrCP": [
                "$quarter", 2, {"$subtract": [{"$strLenCP": "$quarter"}, 2]}]}}}],
        expected=[
            {"_id": 1, "item": "ABC1", "yearSubstring": "13", "quarterSubtring": "Q1"},
            {"_id": 2, "item": "ABC2", "yearSubstring": "13", "quarterSubtring": "Q4"},
            {"_id": 3, "item": "XYZ1", "yearSubstring": "14", "quarterSubtring": "Q2"}]),
    dict(name="substrCP/multibyte",
         docs=[{"_id": i, "name": n} for i, n in enumerate(FOOD, 1)],
         pipeline=[{"$project": {"name": 1, "menuCode": {"$substrCP": ["$name", 0, 3]}}}],
         expected=[{"_id": i, "name": n, "menuCode": c}
                   for i, (n, c) in enumerate(zip(FOOD, MENU), 1)]),
    # ---------------------------------------------------------- $mergeObjects
    X("mergeObjects/with-null", {"$mergeObjects": [{"$literal": {"a": 1}}, None]}, {"a": 1}),
    X("mergeObjects/nulls", {"$mergeObjects": [None, None]}, {}),
    X("mergeObjects/last-wins", {"$mergeObjects": [
        {"a": 1}, {"a": 2, "b": 2}, {"a": 3, "c": 3}]}, {"a": 3, "b": 2, "c": 3}),
    X("mergeObjects/null-value-kept", {"$mergeObjects": [
        {"a": 1}, {"a": 2, "b": 2}, {"a": 3, "b": None, "c": 3}]}, {"a": 3, "b": None, "c": 3}),
    dict(name="mergeObjects/lookup-replaceRoot", colls={
        "orders": [{"_id": 1, "item": "abc", "price": 12, "ordered": 2},
                   {"_id": 2, "item": "jkl", "price": 20, "ordered": 1}],
        "items": [{"_id": 1, "item": "abc", "description": "product 1", "instock": 120},
                  {"_id": 2, "item": "def", "description": "product 2", "instock": 80},
                  {"_id": 3, "item": "jkl", "description": "product 3", "instock": 60}]},
        coll="orders", pipeline=[
            {"$lookup": {"from": "items", "localField": "item", "foreignField": "item",
                         "as": "fromItems"}},
            {"$replaceRoot": {"newRoot": {"$mergeObjects": [
                {"$arrayElemAt": ["$fromItems", 0]}, "$$ROOT"]}}},
            {"$project": {"fromItems": 0}}],
        expected=[{"_id": 1, "item": "abc", "description": "product 1", "instock": 120,
                   "price": 12, "ordered": 2},
                  {"_id": 2, "item": "jkl", "description": "product 3", "instock": 60,
                   "price": 20, "ordered": 1}]),
    dict(name="mergeObjects/accumulator", docs=[
        {"_id": 1, "year": 2017, "item": "A", "quantity": {"2017Q1": 500, "2017Q2": 500}},
        {"_id": 2, "year": 2016, "item": "A",
         "quantity": {"2016Q1": 400, "2016Q2": 300, "2016Q3": 0, "2016Q4": 0}},
        {"_id": 3, "year": 2017, "item": "B", "quantity": {"2017Q1": 300}},
        {"_id": 4, "year": 2016, "item": "B", "quantity": {"2016Q3": 100, "2016Q4": 250}}],
        pipeline=[{"$group": {"_id": "$item", "mergedSales": {"$mergeObjects": "$quantity"}}}],
        expected=[{"_id": "B", "mergedSales": {"2017Q1": 300, "2016Q3": 100, "2016Q4": 250}},
                  {"_id": "A", "mergedSales": {"2017Q1": 500, "2017Q2": 500, "2016Q1": 400,
                                               "2016Q2": 300, "2016Q3": 0, "2016Q4": 0}}]),
    # --------------------------------------------------------------- $switch
    X("switch/first-true-branch", {"$switch": {"branches": [
        {"case": {"$eq": [0, 5]}, "then": "equals"},
        {"case": {"$gt": [0, 5]}, "then": "greater than"},
        {"case": {"$lt": [0, 5]}, "then": "less than"}]}}, "less than"),
    X("switch/default", {"$switch": {"branches": [
        {"case": {"$eq": [0, 5]}, "then": "equals"},
        {"case": {"$gt": [0, 5]}, "then": "greater than"}], "default": "Did not match"}},
      "Did not match"),
    # the page prints "First case"; the branch's value is "first case"
    X("switch/truthy-case", {"$switch": {"branches": [
        {"case": "this is true", "then": "first case"},
        {"case": False, "then": "second case"}], "default": "Did not match"}}, "first case"),
    dict(name="switch/grades-summary", docs=[
        {"_id": 1, "name": "Susan Wilkes", "scores": [87, 86, 78]},
        {"_id": 2, "name": "Bob Hanna", "scores": [71, 64, 81]},
        {"_id": 3, "name": "James Torrelio", "scores": [91, 84, 97]}],
        pipeline=[{"$project": {"name": 1, "summary": {"$switch": {
            "branches": SWITCH_BRANCHES, "default": "No scores found."}}}}],
        expected=[{"_id": 1, "name": "Susan Wilkes", "summary": "Doing pretty well."},
                  {"_id": 2, "name": "Bob Hanna", "summary": "Needs improvement."},
                  {"_id": 3, "name": "James Torrelio", "summary": "Doing great!"}]),
    # ----------------------------------------------------------------- $cond
    dict(name="cond/object-syntax", docs=COND_INVENTORY, expected=COND_RESULT,
         pipeline=[{"$project": {"item": 1, "discount": {"$cond": {
             "if": {"$gte": ["$qty", 250]}, "then": 30, "else": 20}}}}]),
    dict(name="cond/array-syntax", docs=COND_INVENTORY, expected=COND_RESULT,
         pipeline=[{"$project": {"item": 1, "discount": {"$cond": [
             {"$gte": ["$qty", 250]}, 30, 20]}}}]),
    # ------------------------------------------------------------------ $let
    dict(name="let/final-total", docs=[
        {"_id": 1, "price": 10, "tax": 0.50, "applyDiscount": True},
        {"_id": 2, "price": 10, "tax": 0.25, "applyDiscount": False}],
        pipeline=[{"$project": {"finalTotal": {"$let": {
            "vars": {"total": {"$add": ["$price", "$tax"]},
                     "discounted": {"$cond": {"if": "$applyDiscount", "then": 0.9, "else": 1}}},
            "in": {"$multiply": ["$$total", "$$discounted"]}}}}}],
        expected=[{"_id": 1, "finalTotal": 9.450000000000001}, {"_id": 2, "finalTotal": 10.25}]),
]

PRODUCTS_RE = ["Single LINE description.", "First lines\nsecond line",
               "Many spaces before     line", "Multiple\nline descriptions",
               "anchors, links and hyperlinks", "m\u00e9tier work vocation"]


def regex_find(regex, results, **options):
    return dict(
        name=None, docs=[{"_id": i, "description": d} for i, d in enumerate(PRODUCTS_RE, 1)],
        pipeline=[{"$addFields": {"returnObject": {"$regexFind": {
            "input": "$description", "regex": regex, **options}}}}],
        expected=[{"_id": i, "description": d,
                   "returnObject": r and {"match": r[0], "idx": r[1], "captures": r[2]}}
                  for i, (d, r) in enumerate(zip(PRODUCTS_RE, results), 1)])


def named(name, ex):
    ex["name"] = name
    return ex


FLOWERS = [["rose", "orchid"], ["orchid", "rose", "orchid"], ["rose", "orchid", "jasmine"],
           ["jasmine", "rose"], [], [["rose"], ["orchid"]], [["rose", "orchid"]]]
EXAMPLES += [
    # ------------------------------------------------------------------ $zip
    X("zip/three-singletons", {"$zip": {"inputs": [["a"], ["b"], ["c"]]}}, [["a", "b", "c"]]),
    X("zip/shortest", {"$zip": {"inputs": [["a"], ["b", "c"]]}}, [["a", "b"]]),
    X("zip/longest", {"$zip": {"inputs": [[1], [2, 3]], "useLongestLength": True}},
      [[1, 2], [None, 3]]),
    X("zip/defaults", {"$zip": {"inputs": [[1], [2, 3], [4]], "useLongestLength": True,
                                "defaults": ["a", "b", "c"]}}, [[1, 2, 4], ["a", 3, "c"]]),
    dict(name="zip/matrix-transposition", docs=[
        {"matrix": [[1, 2], [2, 3], [3, 4]]}, {"matrix": [[8, 7], [7, 6], [5, 4]]}],
        pipeline=[{"$project": {"_id": False, "transposed": {"$zip": {"inputs": [
            {"$arrayElemAt": ["$matrix", 0]}, {"$arrayElemAt": ["$matrix", 1]},
            {"$arrayElemAt": ["$matrix", 2]}]}}}}],
        expected=[{"transposed": [[1, 2, 3], [2, 3, 4]]},
                  {"transposed": [[8, 7, 5], [7, 6, 4]]}]),
    dict(name="zip/filter-preserving-indexes", docs=[{"category": "unix", "pages": [
        {"title": "awk for beginners", "reviews": 5}, {"title": "sed for newbies", "reviews": 0},
        {"title": "grep made simple", "reviews": 2}]}],
        pipeline=[{"$project": {"_id": False, "pages": {"$filter": {
            "input": {"$zip": {"inputs": ["$pages", {"$range": [0, {"$size": "$pages"}]}]}},
            "as": "pageWithIndex",
            "cond": {"$let": {"vars": {"page": {"$arrayElemAt": ["$$pageWithIndex", 0]}},
                              "in": {"$gte": ["$$page.reviews", 1]}}}}}}}],
        expected=[{"pages": [[{"title": "awk for beginners", "reviews": 5}, 0],
                             [{"title": "grep made simple", "reviews": 2}, 2]]}]),
    # ---------------------------------------------------------------- $range
    X("range/step-2", {"$range": [0, 10, 2]}, [0, 2, 4, 6, 8]),
    X("range/negative-step", {"$range": [10, 0, -2]}, [10, 8, 6, 4, 2]),
    X("range/wrong-direction", {"$range": [0, 10, -2]}, []),
    X("range/default-step", {"$range": [0, 5]}, [0, 1, 2, 3, 4]),
    dict(name="range/rest-stops", docs=[
        {"_id": 0, "city": "San Jose", "distance": 42},
        {"_id": 1, "city": "Sacramento", "distance": 88},
        {"_id": 2, "city": "Reno", "distance": 218},
        {"_id": 3, "city": "Los Angeles", "distance": 383}],
        pipeline=[{"$project": {"_id": 0, "city": 1,
                                "Rest stops": {"$range": [0, "$distance", 25]}}}],
        expected=[{"city": "San Jose", "Rest stops": [0, 25]},
                  {"city": "Sacramento", "Rest stops": [0, 25, 50, 75]},
                  {"city": "Reno", "Rest stops": list(range(0, 218, 25))},
                  {"city": "Los Angeles", "Rest stops": list(range(0, 383, 25))}]),
    # --------------------------------------------------------- $arrayToObject
    dict(name="arrayToObject/kv-with-field-path", docs=[{"_id": 1, "qty": 25}],
         pipeline=[{"$project": {"_id": 0, "r": {"$arrayToObject": [
             [{"k": "item", "v": "abc123"}, {"k": "qty", "v": "$qty"}]]}}}],
         expected=[{"r": {"item": "abc123", "qty": 25}}]),
    X("arrayToObject/pairs", {"$arrayToObject": {"$literal": [["item", "abc123"], ["qty", 25]]}},
      {"item": "abc123", "qty": 25}),
    X("arrayToObject/repeated-name-last-wins", {"$arrayToObject": {"$literal": [
        {"k": "item", "v": "123abc"}, {"k": "item", "v": "abc123"}]}}, {"item": "abc123"}),
    dict(name="arrayToObject/dimensions", docs=[
        {"_id": 1, "item": "ABC1", "dimensions": [{"k": "l", "v": 25}, {"k": "w", "v": 10},
                                                  {"k": "uom", "v": "cm"}]},
        {"_id": 2, "item": "ABC2", "dimensions": [["l", 50], ["w", 25], ["uom", "cm"]]},
        {"_id": 3, "item": "ABC3", "dimensions": [["l", 25], ["l", "cm"], ["l", 50]]}],
        pipeline=[{"$project": {"item": 1, "dimensions": {"$arrayToObject": "$dimensions"}}}],
        expected=[{"_id": 1, "item": "ABC1", "dimensions": {"l": 25, "w": 10, "uom": "cm"}},
                  {"_id": 2, "item": "ABC2", "dimensions": {"l": 50, "w": 25, "uom": "cm"}},
                  {"_id": 3, "item": "ABC3", "dimensions": {"l": 50}}]),
    # ---------------------------------------------------------- $indexOfArray
    X("indexOfArray/first", {"$indexOfArray": [["a", "abc"], "a"]}, 0),
    X("indexOfArray/array-element", {"$indexOfArray": [["a", "abc", "de", ["de"]], ["de"]]}, 3),
    X("indexOfArray/not-found", {"$indexOfArray": [[1, 2], 5]}, -1),
    X("indexOfArray/subarray-not-found", {"$indexOfArray": [[1, 2, 3], [1, 2]]}, -1),
    X("indexOfArray/start", {"$indexOfArray": [[10, 9, 9, 8, 9], 9, 3]}, 4),
    X("indexOfArray/end-exclusive", {"$indexOfArray": [["a", "abc", "b"], "b", 0, 1]}, -1),
    X("indexOfArray/start-after-end", {"$indexOfArray": [["a", "abc", "b"], "b", 1, 0]}, -1),
    X("indexOfArray/start-past-length", {"$indexOfArray": [["a", "abc", "b"], "b", 20]}, -1),
    X("indexOfArray/null-element", {"$indexOfArray": [[None, None, None], None]}, 0),
    X("indexOfArray/null-array", {"$indexOfArray": [None, "foo"]}, None),
    XE("indexOfArray/string-array", {"$indexOfArray": ["foo", "foo"]}),
    dict(name="indexOfArray/inventory", docs=[
        {"_id": 0, "items": ["one", "two", "three"]}, {"_id": 1, "items": [1, 2, 3]},
        {"_id": 2, "items": [1, 2, 3, 2]}, {"_id": 3, "items": [None, None, 2]},
        {"_id": 4, "items": [2, None, None, 2]}, {"_id": 5, "items": None},
        {"_id": 6, "amount": 3}],
        pipeline=[{"$project": {"index": {"$indexOfArray": ["$items", 2]}}}],
        expected=[{"_id": 0, "index": -1}, {"_id": 1, "index": 1}, {"_id": 2, "index": 1},
                  {"_id": 3, "index": 2}, {"_id": 4, "index": 0}, {"_id": 5, "index": None},
                  {"_id": 6, "index": None}]),
    # ------------------------------------------------------- $setIntersection
    dict(X("setIntersection/duplicates", {"$setIntersection": [["a", "b", "a"], ["b", "a"]]},
           ["b", "a"]), unordered_arrays=["r"]),
    X("setIntersection/nested-array", {"$setIntersection": [["a", "b"], [["a", "b"]]]}, []),
    dict(name="setIntersection/flowers", unordered_arrays=["commonToBoth"],
         docs=[{"_id": i, "flowerFieldA": ["rose", "orchid"], "flowerFieldB": b}
               for i, b in enumerate(FLOWERS, 1)]
         + [{"_id": 8, "flowerFieldA": [], "flowerFieldB": []},
            {"_id": 9, "flowerFieldA": [], "flowerFieldB": ["rose"]}],
         pipeline=[{"$project": {"flowerFieldA": 1, "flowerFieldB": 1, "commonToBoth": {
             "$setIntersection": ["$flowerFieldA", "$flowerFieldB"]}, "_id": 0}}],
         expected=[{"flowerFieldA": ["rose", "orchid"], "flowerFieldB": b, "commonToBoth": c}
                   for b, c in zip(FLOWERS, [["orchid", "rose"]] * 3 + [["rose"]] + [[]] * 3)]
         + [{"flowerFieldA": [], "flowerFieldB": [], "commonToBoth": []},
            {"flowerFieldA": [], "flowerFieldB": ["rose"], "commonToBoth": []}]),
    # ------------------------------------------------------------ $regexFind
    named("regexFind/no-grouping", regex_find(Regex("line"), [
        None, ("line", 6, []), ("line", 23, []), ("line", 9, []), None, None])),
    named("regexFind/grouping", regex_find(Regex("lin(e|k)"), [
        None, ("line", 6, ["e"]), ("line", 23, ["e"]), ("line", 9, ["e"]), ("link", 9, ["k"]),
        None])),
    named("regexFind/code-point-idx", regex_find(Regex("tier"), [
        None, None, None, None, None, ("tier", 2, [])])),
    named("regexFind/option-i", regex_find(Regex("line", "i"), [
        ("LINE", 7, []), ("line", 6, []), ("line", 23, []), ("line", 9, []), None, None])),
    named("regexFind/options-im", regex_find(Regex("^s", "im"), [
        ("S", 0, []), ("s", 12, []), None, None, None, None])),
    named("regexFind/option-x", regex_find(Regex("lin(e|k) # matches line or link"), [
        None, ("line", 6, ["e"]), ("line", 23, ["e"]), ("line", 9, ["e"]), ("link", 9, ["k"]),
        None], options="x")),
    named("regexFind/options-si", regex_find(Regex("m.*line"), [
        None, None, ("Many spaces before     line", 0, []), ("Multiple\nline", 0, []), None,
        None], options="si")),
]

GETFIELD_ITEMS = [("sweatshirt", 45.99, 300), ("winter coat", 499.99, 200),
                  ("sun dress", 199.99, 250), ("leather boots", 249.99, 300),
                  ("bow tie", 9.99, 180)]


def getfield_docs(price_field):
    return [{"_id": i, "item": item, price_field: price, "qty": qty}
            for i, (item, price, qty) in enumerate(GETFIELD_ITEMS, 1)]


SMALL = [(50, 50, 25), (35, 35, 35), (45, 40, 5), (20, 30, 40), (0, 10, 75)]
GETFIELD_SUB = [{"_id": i, "item": item, "price.usd": price,
                 "quantity": {"$large": q[0], "$medium": q[1], "$small": q[2]}}
                for i, ((item, price, _), q) in enumerate(zip(GETFIELD_ITEMS, SMALL), 1)]
EXAMPLES += [
    # ----------------------------------------------------------- $dateToParts
    dict(name="dateToParts/plain-iso-timezone", docs=[
        {"_id": 2, "item": "abc", "price": 10, "quantity": 2,
         "date": dt(2017, 1, 1, 1, 29, 9, 123000)}],
        pipeline=[{"$project": {
            "date": {"$dateToParts": {"date": "$date"}},
            "date_iso": {"$dateToParts": {"date": "$date", "iso8601": True}},
            "date_timezone": {"$dateToParts": {"date": "$date",
                                               "timezone": "America/New_York"}}}}],
        expected=[{"_id": 2,
                   "date": {"year": 2017, "month": 1, "day": 1, "hour": 1, "minute": 29,
                            "second": 9, "millisecond": 123},
                   "date_iso": {"isoWeekYear": 2016, "isoWeek": 52, "isoDayOfWeek": 7,
                                "hour": 1, "minute": 29, "second": 9, "millisecond": 123},
                   "date_timezone": {"year": 2016, "month": 12, "day": 31, "hour": 20,
                                     "minute": 29, "second": 9, "millisecond": 123}}]),
    # -------------------------------------------------------------- $getField
    # (the page prints qty before the price field; the documents hold it after item)
    dict(name="getField/field-with-period", docs=getfield_docs("price.usd"),
         any_key_order=True,
         pipeline=[{"$match": {"$expr": {"$gt": [{"$getField": "price.usd"}, 200]}}}],
         expected=[getfield_docs("price.usd")[1], getfield_docs("price.usd")[3]]),
    dict(name="getField/field-with-dollar", docs=getfield_docs("$price"), any_key_order=True,
         pipeline=[{"$match": {"$expr": {"$gt": [
             {"$getField": {"$literal": "$price"}}, 200]}}}],
         expected=[getfield_docs("$price")[1], getfield_docs("$price")[3]]),
    dict(name="getField/sub-document", docs=GETFIELD_SUB,
         pipeline=[{"$match": {"$expr": {"$lte": [{"$getField": {
             "field": {"$literal": "$small"}, "input": "$quantity"}}, 20]}}}],
         expected=[GETFIELD_SUB[2]]),
]

FLOWERS = [
    {"_id": 1, "flowerFieldA": ["rose", "orchid"], "flowerFieldB": ["rose", "orchid"]},
    {"_id": 2, "flowerFieldA": ["rose", "orchid"], "flowerFieldB": ["orchid", "rose", "orchid"]},
    {"_id": 3, "flowerFieldA": ["rose", "orchid"], "flowerFieldB": ["rose", "orchid", "jasmine"]},
    {"_id": 4, "flowerFieldA": ["rose", "orchid"], "flowerFieldB": ["jasmine", "rose"]},
    {"_id": 5, "flowerFieldA": ["rose", "orchid"], "flowerFieldB": []},
    {"_id": 6, "flowerFieldA": ["rose", "orchid"], "flowerFieldB": [["rose"], ["orchid"]]},
    {"_id": 7, "flowerFieldA": ["rose", "orchid"], "flowerFieldB": [["rose", "orchid"]]},
    {"_id": 8, "flowerFieldA": [], "flowerFieldB": []},
    {"_id": 9, "flowerFieldA": [], "flowerFieldB": ["rose"]},
]
SETUNION_ALL = [["orchid", "rose"], ["orchid", "rose"], ["orchid", "rose", "jasmine"],
                ["orchid", "rose", "jasmine"], ["orchid", "rose"],
                ["orchid", "rose", ["rose"], ["orchid"]], ["orchid", "rose", ["rose", "orchid"]],
                [], ["rose"]]
FOOD = [(1, "apple", 5), (2, "banana", 6), (3, "éclair", 6), (4, "hamburger", 9),
        (5, "jalapeño", 8), (6, "pizza", 5), (7, "tacos", 5), (8, "寿司", 2)]
TOSTRING_ORDERS = [
    {"_id": 1, "item": "apple", "qty": 5, "zipcode": 12345},
    {"_id": 2, "item": "pie", "qty": 10, "zipcode": 11111},
    {"_id": 3, "item": "ice cream", "zipcode": "12345"},
    {"_id": 4, "item": "almonds", "qty": 2, "zipcode": "12345-0030"},
]
EXAMPLES += [
    # -------------------------------------------------------------- $setUnion
    dict(X("setUnion/table-duplicates", {"$setUnion": [["a", "b", "a"], ["b", "a"]]},
           ["b", "a"]), unordered_arrays=["r"]),
    dict(X("setUnion/table-nested", {"$setUnion": [["a", "b"], [["a", "b"]]]},
           [["a", "b"], "b", "a"]), unordered_arrays=["r"]),
    dict(name="setUnion/flowers", docs=FLOWERS, unordered_arrays=["allValues"],
         pipeline=[{"$project": {"flowerFieldA": 1, "flowerFieldB": 1, "allValues": {
             "$setUnion": ["$flowerFieldA", "$flowerFieldB"]}, "_id": 0}}],
         expected=[{"flowerFieldA": d["flowerFieldA"], "flowerFieldB": d["flowerFieldB"],
                    "allValues": a} for d, a in zip(FLOWERS, SETUNION_ALL)]),
    # -------------------------------------------------------------- $strLenCP
    X("strLenCP/abcde", {"$strLenCP": "abcde"}, 5),
    X("strLenCP/hello-world", {"$strLenCP": "Hello World!"}, 12),
    X("strLenCP/cafeteria-accents", {"$strLenCP": "cafétéria"}, 9),
    X("strLenCP/empty", {"$strLenCP": ""}, 0),
    X("strLenCP/sushi", {"$strLenCP": "寿司"}, 2),
    dict(name="strLenCP/food", docs=[{"_id": i, "name": n} for i, n, _ in FOOD],
         pipeline=[{"$project": {"name": 1, "length": {"$strLenCP": "$name"}}}],
         expected=[{"_id": i, "name": n, "length": k} for i, n, k in FOOD]),
    # -------------------------------------------------------------- $toString
    X("toString/true", {"$toString": True}, "true"),
    X("toString/false", {"$toString": False}, "false"),
    X("toString/double", {"$toString": 2.5}, "2.5"),
    X("toString/int", {"$toString": 2}, "2"),
    X("toString/long", {"$toString": L(1000)}, "1000"),
    X("toString/objectid", {"$toString": ObjectId("5ab9c3da31c2ab715d421285")},
      "5ab9c3da31c2ab715d421285"),
    X("toString/date", {"$toString": dt(2018, 3, 27, 16, 58, 51, 538000)},
      "2018-03-27T16:58:51.538Z"),
    dict(name="toString/zipcode-sort", docs=TOSTRING_ORDERS,
         sorted_by=("convertedZipCode", 1),
         pipeline=[{"$addFields": {"convertedZipCode": {"$toString": "$zipcode"}}},
                   {"$sort": {"convertedZipCode": 1}}],
         expected=[dict(TOSTRING_ORDERS[1], convertedZipCode="11111"),
                   dict(TOSTRING_ORDERS[0], convertedZipCode="12345"),
                   dict(TOSTRING_ORDERS[2], convertedZipCode="12345"),
                   dict(TOSTRING_ORDERS[3], convertedZipCode="12345-0030")]),
]

TRIM_INVENTORY = [
    {"_id": 1, "item": "ABC1", "quarter": "13Q1", "description": " product 1"},
    {"_id": 2, "item": "ABC2", "quarter": "13Q4",
     "description": "product 2 \n The product is in stock.  \n\n  "},
    {"_id": 3, "item": "XYZ1", "quarter": "14Q2", "description": None},
]
CONCAT_INVENTORY = [
    {"_id": 1, "item": "ABC1", "quarter": "13Q1", "description": "product 1"},
    {"_id": 2, "item": "ABC2", "quarter": "13Q4", "description": "product 2"},
    {"_id": 3, "item": "XYZ1", "quarter": "14Q2", "description": None},
]
CMP_ITEMS = [("abc1", 300, 1), ("abc2", 200, -1), ("xyz1", 250, 0), ("VWZ1", 300, 1),
             ("VWZ2", 180, -1)]
QUIZZES = [
    {"_id": 1, "scores": [{"name": "dave123", "score": 85}, {"name": "dave2", "score": 90},
                          {"name": "ahn", "score": 71}]},
    {"_id": 2, "scores": [{"name": "li", "quiz": 2, "score": 96}, {"name": "annT", "score": 77},
                          {"name": "ty", "score": 82}]},
]
POINTS = [
    {"_id": 1, "p1": {"x": 5, "y": 8}, "p2": {"x": 0, "y": 5}},
    {"_id": 2, "p1": {"x": -2, "y": 1}, "p2": {"x": 1, "y": 5}},
    {"_id": 3, "p1": {"x": 4, "y": 4}, "p2": {"x": 4, "y": 0}},
]
EXAMPLES += [
    # ------------------------------------------------------------------ $trim
    X("trim/default-whitespace", {"$trim": {"input": "  \n good  bye \t  "}}, "good  bye"),
    X("trim/chars", {"$trim": {"input": " ggggoodbyeeeee", "chars": "ge"}}, " ggggoodby"),
    X("trim/chars-with-space", {"$trim": {"input": "    ggggoodbyeeeee", "chars": " ge"}},
      "oodby"),
    dict(name="trim/inventory-description", docs=TRIM_INVENTORY,
         pipeline=[{"$project": {"item": 1, "description": {"$trim": {"input": "$description"}}}}],
         expected=[{"_id": 1, "item": "ABC1", "description": "product 1"},
                   {"_id": 3, "item": "XYZ1", "description": None},
                   {"_id": 2, "item": "ABC2",
                    "description": "product 2 \n The product is in stock."}]),
    # ---------------------------------------------------------------- $concat
    dict(name="concat/item-description", docs=CONCAT_INVENTORY,
         pipeline=[{"$project": {"itemDescription": {
             "$concat": ["$item", " - ", "$description"]}}}],
         expected=[{"_id": 1, "itemDescription": "ABC1 - product 1"},
                   {"_id": 2, "itemDescription": "ABC2 - product 2"},
                   {"_id": 3, "itemDescription": None}]),
    # ------------------------------------------------------------------- $cmp
    dict(name="cmp/qty-250",
         docs=[{"_id": i, "item": it, "qty": q} for i, (it, q, _) in enumerate(CMP_ITEMS, 1)],
         pipeline=[{"$project": {"item": 1, "qty": 1, "cmpTo250": {"$cmp": ["$qty", 250]},
                                 "_id": 0}}],
         expected=[{"item": it, "qty": q, "cmpTo250": c} for it, q, c in CMP_ITEMS]),
    # ------------------------------------------------------------------- $abs
    X("abs/negative", {"$abs": -1}, 1),
    X("abs/positive", {"$abs": 1}, 1),
    X("abs/null", {"$abs": None}, None),
    dict(name="abs/ratings-delta",
         docs=[{"_id": 1, "start": 5, "end": 8}, {"_id": 2, "start": 4, "end": 4},
               {"_id": 3, "start": 9, "end": 7}, {"_id": 4, "start": 6, "end": 7}],
         pipeline=[{"$project": {"delta": {"$abs": {"$subtract": ["$start", "$end"]}}}}],
         expected=[{"_id": 1, "delta": 3}, {"_id": 2, "delta": 0}, {"_id": 3, "delta": 2},
                   {"_id": 4, "delta": 1}]),
    # ------------------------------------------------------------------ $ceil
    X("ceil/int", {"$ceil": 1}, 1),
    X("ceil/7.80", {"$ceil": 7.80}, 8),
    X("ceil/negative", {"$ceil": -2.8}, -2),
    dict(name="ceil/samples",
         docs=[{"_id": 1, "value": 9.25}, {"_id": 2, "value": 8.73}, {"_id": 3, "value": 4.32},
               {"_id": 4, "value": -5.34}],
         pipeline=[{"$project": {"value": 1, "ceilingValue": {"$ceil": "$value"}}}],
         expected=[{"_id": 1, "value": 9.25, "ceilingValue": 10},
                   {"_id": 2, "value": 8.73, "ceilingValue": 9},
                   {"_id": 3, "value": 4.32, "ceilingValue": 5},
                   {"_id": 4, "value": -5.34, "ceilingValue": -5}]),
    # ------------------------------------------------------------------- $pow
    X("pow/zero-exponent", {"$pow": [5, 0]}, 1),
    X("pow/square", {"$pow": [5, 2]}, 25),
    X("pow/negative-exponent", {"$pow": [5, -2]}, 0.04),
    X("pow/nan", {"$pow": [-5, 0.5]}, float("nan")),
    dict(name="pow/variance", docs=QUIZZES,
         pipeline=[{"$project": {"variance": {"$pow": [{"$stdDevPop": "$scores.score"}, 2]}}}],
         expected=[{"_id": 1, "variance": 64.66666666666667},
                   {"_id": 2, "variance": 64.66666666666667}]),
    # ------------------------------------------------------------------ $sqrt
    X("sqrt/25", {"$sqrt": 25}, 5),
    X("sqrt/30", {"$sqrt": 30}, 5.477225575051661),
    X("sqrt/null", {"$sqrt": None}, None),
    dict(name="sqrt/distance", docs=POINTS,
         pipeline=[{"$project": {"distance": {"$sqrt": {"$add": [
             {"$pow": [{"$subtract": ["$p2.y", "$p1.y"]}, 2]},
             {"$pow": [{"$subtract": ["$p2.x", "$p1.x"]}, 2]}]}}}}],
         expected=[{"_id": 1, "distance": 5.830951894845301}, {"_id": 2, "distance": 5},
                   {"_id": 3, "distance": 4}]),
]

SAMPLES = [{"_id": 1, "value": 9.25}, {"_id": 2, "value": 8.73}, {"_id": 3, "value": 4.32},
           {"_id": 4, "value": -5.34}]
FRUIT = [
    {"_id": 1, "location": "24th Street", "in_stock": ["apples", "oranges", "bananas"]},
    {"_id": 2, "location": "36th Street", "in_stock": ["bananas", "pears", "grapes"]},
    {"_id": 3, "location": "82nd Street", "in_stock": ["cantaloupes", "watermelons", "apples"]},
]
WAREHOUSES = [
    {"_id": 1, "instock": ["chocolate"], "ordered": ["butter", "apples"]},
    {"_id": 2, "instock": ["apples", "pudding", "pie"]},
    {"_id": 3, "instock": ["pears", "pecans"], "ordered": ["cherries"]},
    {"_id": 4, "instock": ["ice cream"], "ordered": []},
]
SIZE_INVENTORY = [
    {"_id": 1, "item": "ABC1", "description": "product 1", "colors": ["blue", "black", "red"]},
    {"_id": 2, "item": "ABC2", "description": "product 2", "colors": ["purple"]},
    {"_id": 3, "item": "XYZ1", "description": "product 3", "colors": []},
    {"_id": 4, "item": "ZZZ1", "description": "product 4 - missing colors"},
    {"_id": 5, "item": "ZZZ2", "description": "product 5 - colors is string",
     "colors": "blue,red"},
]
SLICE_USERS = [
    {"_id": 1, "name": "dave123", "favorites": ["chocolate", "cake", "butter", "apples"]},
    {"_id": 2, "name": "li", "favorites": ["apples", "pudding", "pie"]},
    {"_id": 3, "name": "ahn", "favorites": ["pears", "pecans", "chocolate", "cherries"]},
    {"_id": 4, "name": "ty", "favorites": ["ice cream"]},
]
REVERSE_USERS = [
    {"_id": 1, "name": "dave123", "favorites": ["chocolate", "cake", "butter", "apples"]},
    {"_id": 2, "name": "li", "favorites": ["apples", "pudding", "pie"]},
    {"_id": 3, "name": "ahn", "favorites": []},
    {"_id": 4, "name": "ty"},
]
EXAMPLES += [
    # ------------------------------------------------------------------- $log
    X("log/base-10", {"$log": [100, 10]}, 2),
    X("log/base-e", {"$log": [100, 2.718281828459045]}, 4.605170185988092),
    dict(name="log/bits-needed",
         docs=[{"_id": 1, "positiveInt": 5}, {"_id": 2, "positiveInt": 2},
               {"_id": 3, "positiveInt": 23}, {"_id": 4, "positiveInt": 10}],
         pipeline=[{"$project": {"bitsNeeded": {
             "$floor": {"$add": [1, {"$log": ["$positiveInt", 2]}]}}}}],
         expected=[{"_id": 1, "bitsNeeded": 3}, {"_id": 2, "bitsNeeded": 2},
                   {"_id": 3, "bitsNeeded": 5}, {"_id": 4, "bitsNeeded": 4}]),
    # ----------------------------------------------------------------- $floor
    X("floor/int", {"$floor": 1}, 1),
    X("floor/7.80", {"$floor": 7.80}, 7),
    X("floor/negative", {"$floor": -2.8}, -3),
    dict(name="floor/samples", docs=SAMPLES,
         pipeline=[{"$project": {"value": 1, "floorValue": {"$floor": "$value"}}}],
         expected=[dict(d, floorValue=f) for d, f in zip(SAMPLES, [9, 8, 4, -6])]),
    # -------------------------------------------------------------------- $in
    X("in/number", {"$in": [2, [1, 2, 3]]}, True),
    X("in/string", {"$in": ["abc", ["xyz", "abc"]]}, True),
    X("in/string-prefix", {"$in": ["xy", ["xyz", "abc"]]}, False),
    X("in/array-not-element", {"$in": [["a"], ["a"]]}, False),
    X("in/array-element", {"$in": [["a"], [["a"]]]}, True),
    X("in/regex-no-match", {"$in": [Regex("^a"), ["a"]]}, False),
    X("in/regex-equal", {"$in": [Regex("^a"), [Regex("^a")]]}, True),
    dict(name="in/has-bananas", docs=FRUIT,
         pipeline=[{"$project": {"store location": "$location",
                                 "has bananas": {"$in": ["bananas", "$in_stock"]}}}],
         expected=[{"_id": 1, "store location": "24th Street", "has bananas": True},
                   {"_id": 2, "store location": "36th Street", "has bananas": True},
                   {"_id": 3, "store location": "82nd Street", "has bananas": False}]),
    # --------------------------------------------------------------- $isArray
    X("isArray/string", {"$isArray": "hello"}, False),
    X("isArray/string-in-argument-list", {"$isArray": ["hello"]}, False),
    X("isArray/array-in-argument-list", {"$isArray": [["hello"]]}, True),
    dict(name="isArray/warehouses", docs=WAREHOUSES,
         pipeline=[{"$project": {"items": {"$cond": {
             "if": {"$and": [{"$isArray": "$instock"}, {"$isArray": "$ordered"}]},
             "then": {"$concatArrays": ["$instock", "$ordered"]},
             "else": "One or more fields is not an array."}}}}],
         expected=[{"_id": 1, "items": ["chocolate", "butter", "apples"]},
                   {"_id": 2, "items": "One or more fields is not an array."},
                   {"_id": 3, "items": ["pears", "pecans", "cherries"]},
                   {"_id": 4, "items": ["ice cream"]}]),
    # ------------------------------------------------------------------ $size
    dict(name="size/number-of-colors", docs=SIZE_INVENTORY,
         pipeline=[{"$project": {"item": 1, "numberOfColors": {"$cond": {
             "if": {"$isArray": "$colors"}, "then": {"$size": "$colors"}, "else": "NA"}}}}],
         expected=[{"_id": 1, "item": "ABC1", "numberOfColors": 3},
                   {"_id": 2, "item": "ABC2", "numberOfColors": 1},
                   {"_id": 3, "item": "XYZ1", "numberOfColors": 0},
                   {"_id": 4, "item": "ZZZ1", "numberOfColors": "NA"},
                   {"_id": 5, "item": "ZZZ2", "numberOfColors": "NA"}]),
    # ----------------------------------------------------------------- $slice
    X("slice/position-n", {"$slice": [[1, 2, 3], 1, 1]}, [2]),
    X("slice/last-two", {"$slice": [[1, 2, 3], -2]}, [2, 3]),
    X("slice/position-past-end", {"$slice": [[1, 2, 3], 15, 2]}, []),
    X("slice/negative-position-past-start", {"$slice": [[1, 2, 3], -15, 2]}, [1, 2]),
    dict(name="slice/three-favorites", docs=SLICE_USERS,
         pipeline=[{"$project": {"name": 1, "threeFavorites": {"$slice": ["$favorites", 3]}}}],
         expected=[{"_id": d["_id"], "name": d["name"], "threeFavorites": d["favorites"][:3]}
                   for d in SLICE_USERS]),
    # ---------------------------------------------------------- $reverseArray
    X("reverseArray/literal", {"$reverseArray": {"$literal": [1, 2, 3]}}, [3, 2, 1]),
    X("reverseArray/slice", {"$reverseArray": {"$slice": [["foo", "bar", "baz", "qux"], 1, 2]}},
      ["baz", "bar"]),
    X("reverseArray/null", {"$reverseArray": None}, None),
    X("reverseArray/empty", {"$reverseArray": {"$literal": []}}, []),
    X("reverseArray/nested", {"$reverseArray": {"$literal": [[1, 2, 3], [4, 5, 6]]}},
      [[4, 5, 6], [1, 2, 3]]),
    dict(name="reverseArray/favorites", docs=REVERSE_USERS,
         pipeline=[{"$project": {"name": 1, "reverseFavorites": {"$reverseArray": "$favorites"}}}],
         expected=[{"_id": 1, "name": "dave123",
                    "reverseFavorites": ["apples", "butter", "cake", "chocolate"]},
                   {"_id": 2, "name": "li", "reverseFavorites": ["pie", "pudding", "apples"]},
                   {"_id": 3, "name": "ahn", "reverseFavorites": []},
                   {"_id": 4, "name": "ty", "reverseFavorites": None}]),
    # ------------------------------------------------------------------ $week
    X("week/jan-1-2016", {"$week": dt(2016, 1, 1)}, 0),
    X("week/date-document", {"$week": {"date": dt(2016, 1, 4)}}, 1),
    X("week/utc", {"$week": dt(1998, 11, 1)}, 44),
    X("week/offset-timezone", {"$week": {"date": dt(1998, 11, 1), "timezone": "-0500"}}, 43),
    XE("week/string-error", {"$week": "March 28, 1976"}),
    XE("week/iso-string-error", {"$week": "2009-04-09"}),
    dict(name="week/date-breakdown",
         docs=[{"_id": 1, "item": "abc", "price": 10, "quantity": 2,
                "date": dt(2014, 1, 1, 8, 15, 39, 736000)}],
         pipeline=[{"$project": {
             "year": {"$year": "$date"}, "month": {"$month": "$date"},
             "day": {"$dayOfMonth": "$date"}, "hour": {"$hour": "$date"},
             "minutes": {"$minute": "$date"}, "seconds": {"$second": "$date"},
             "milliseconds": {"$millisecond": "$date"}, "dayOfYear": {"$dayOfYear": "$date"},
             "dayOfWeek": {"$dayOfWeek": "$date"}, "week": {"$week": "$date"}}}],
         expected=[{"_id": 1, "year": 2014, "month": 1, "day": 1, "hour": 8, "minutes": 15,
                    "seconds": 39, "milliseconds": 736, "dayOfYear": 1, "dayOfWeek": 4,
                    "week": 0}]),
]

FIRST_EXAMPLE1 = [{"_id": 1, "x": [1, 2, 3]}, {"_id": 2, "x": [[]]}, {"_id": 3, "x": [None]},
                  {"_id": 4, "x": []}, {"_id": 5, "x": None}, {"_id": 6}]
RUNNINGLOG = [
    {"_id": 1, "team": "Anteater", "log": [{"run": 1, "distance": 8}, {"run2": 2, "distance": 7.5},
                                           {"run": 3, "distance": 9.2}]},
    {"_id": 2, "team": "Bears", "log": [{"run": 1, "distance": 18}, {"run2": 2, "distance": 17},
                                        {"run": 3, "distance": 16}]},
    {"_id": 3, "team": "Cobras", "log": [{"run": 1, "distance": 2}]},
]
SETFIELD_INVENTORY = [
    {"_id": 1, "item": "sweatshirt", "price": 45.99, "qty": 300},
    {"_id": 2, "item": "winter coat", "price": 499.99, "qty": 200},
    {"_id": 3, "item": "sun dress", "price": 199.99, "qty": 250},
    {"_id": 4, "item": "leather boots", "price": 249.99, "qty": 300},
    {"_id": 5, "item": "bow tie", "price": 9.99, "qty": 180},
]


def priced(field):
    return [{"_id": d["_id"], "item": d["item"], "qty": d["qty"], field: d["price"]}
            for d in SETFIELD_INVENTORY]


def unpriced():
    return [{"_id": d["_id"], "item": d["item"], "qty": d["qty"]} for d in SETFIELD_INVENTORY]


EXAMPLES += [
    # --------------------------------------------------------------- $isoWeek
    X("isoWeek/jan-4-2016", {"$isoWeek": {"date": dt(2016, 1, 4)}}, 1),
    X("isoWeek/jan-1-2016", {"$isoWeek": dt(2016, 1, 1)}, 53),
    X("isoWeek/utc", {"$isoWeek": dt(1998, 11, 2)}, 45),
    X("isoWeek/offset-timezone", {"$isoWeek": {"date": dt(1998, 11, 2), "timezone": "-0500"}}, 44),
    XE("isoWeek/string-error", {"$isoWeek": "March 28, 1976"}),
    XE("isoWeek/iso-string-error", {"$isoWeek": "2009-04-09"}),
    dict(name="isoWeek/deliveries",
         docs=[{"_id": 1, "date": dt(2006, 10, 24), "city": "Boston"},
               {"_id": 2, "date": dt(2011, 8, 18), "city": "Detroit"}],
         pipeline=[{"$project": {"_id": 0, "city": "$city", "weekNumber": {"$isoWeek": "$date"}}}],
         expected=[{"city": "Boston", "weekNumber": 43}, {"city": "Detroit", "weekNumber": 33}]),
    # --------------------------------------------------------- $dateFromParts
    X("dateFromParts/month-above-range",
      {"$dateFromParts": {"year": 2017, "month": 14, "day": 1, "hour": 12}}, dt(2018, 2, 1, 12)),
    X("dateFromParts/month-below-range",
      {"$dateFromParts": {"year": 2017, "month": 0, "day": 1, "hour": 12}}, dt(2016, 12, 1, 12)),
    dict(name="dateFromParts/three-dates", docs=[{"_id": 1}],
         pipeline=[{"$project": {
             "date": {"$dateFromParts": {"year": 2017, "month": 2, "day": 8, "hour": 12}},
             "date_iso": {"$dateFromParts": {"isoWeekYear": 2017, "isoWeek": 6,
                                             "isoDayOfWeek": 3, "hour": 12}},
             "date_timezone": {"$dateFromParts": {
                 "year": 2016, "month": 12, "day": 31, "hour": 23, "minute": 46, "second": 12,
                 "timezone": "America/New_York"}}}}],
         expected=[{"_id": 1, "date": dt(2017, 2, 8, 12), "date_iso": dt(2017, 2, 8, 12),
                    "date_timezone": dt(2017, 1, 1, 4, 46, 12)}]),
    # ------------------------------------------------------ $first/$last (array)
    dict(name="first-array/valid-operands", docs=FIRST_EXAMPLE1,
         pipeline=[{"$addFields": {"firstElem": {"$first": "$x"}}}],
         expected=[{"_id": 1, "x": [1, 2, 3], "firstElem": 1},
                   {"_id": 2, "x": [[]], "firstElem": []},
                   {"_id": 3, "x": [None], "firstElem": None},
                   {"_id": 4, "x": []},
                   {"_id": 5, "x": None, "firstElem": None},
                   {"_id": 6, "firstElem": None}]),
    dict(name="first-array/runninglog-first-last", docs=RUNNINGLOG,
         pipeline=[{"$addFields": {"firstrun": {"$first": "$log"}, "lastrun": {"$last": "$log"}}}],
         expected=[dict(RUNNINGLOG[0], firstrun={"run": 1, "distance": 8},
                        lastrun={"run": 3, "distance": 9.2}),
                   dict(RUNNINGLOG[1], firstrun={"run": 1, "distance": 18},
                        lastrun={"run": 3, "distance": 16}),
                   dict(RUNNINGLOG[2], firstrun={"run": 1, "distance": 2},
                        lastrun={"run": 1, "distance": 2})]),
    dict(name="first-array/runninglog-progress", docs=RUNNINGLOG,
         pipeline=[{"$addFields": {"firstrun": {"$first": "$log"}, "lastrun": {"$last": "$log"}}},
                   {"$project": {"team": 1, "progress": {"$cond": {
                       "if": {"$gt": [{"$size": "$log"}, 1]},
                       "then": {"$subtract": ["$lastrun.distance", "$firstrun.distance"]},
                       "else": "Not enough data."}}}}],
         expected=[{"_id": 1, "team": "Anteater", "progress": 1.1999999999999993},
                   {"_id": 2, "team": "Bears", "progress": -2},
                   {"_id": 3, "team": "Cobras", "progress": "Not enough data."}]),
    # -------------------------------------------------- $setField / $unsetField
    dict(name="setField/add-field-with-period", docs=SETFIELD_INVENTORY,
         pipeline=[{"$replaceWith": {"$setField": {
             "field": "price.usd", "input": "$$ROOT", "value": "$price"}}},
             {"$unset": "price"}],
         expected=priced("price.usd")),
    dict(name="setField/add-field-with-dollar", docs=SETFIELD_INVENTORY,
         pipeline=[{"$replaceWith": {"$setField": {
             "field": {"$literal": "$price"}, "input": "$$ROOT", "value": "$price"}}},
             {"$unset": "price"}],
         expected=priced("$price")),
    dict(name="setField/update-field-with-period", docs=priced("price.usd"),
         pipeline=[{"$match": {"_id": 1}}, {"$replaceWith": {"$setField": {
             "field": "price.usd", "input": "$$ROOT", "value": 49.99}}}],
         expected=[{"_id": 1, "item": "sweatshirt", "qty": 300, "price.usd": 49.99}]),
    dict(name="setField/update-field-with-dollar", docs=priced("$price"),
         pipeline=[{"$match": {"_id": 1}}, {"$replaceWith": {"$setField": {
             "field": {"$literal": "$price"}, "input": "$$ROOT", "value": 49.99}}}],
         expected=[{"_id": 1, "item": "sweatshirt", "qty": 300, "$price": 49.99}]),
    dict(name="setField/remove-field-with-period", docs=priced("price.usd"),
         pipeline=[{"$replaceWith": {"$setField": {
             "field": "price.usd", "input": "$$ROOT", "value": "$$REMOVE"}}}],
         expected=unpriced()),
    dict(name="setField/remove-field-with-dollar", docs=priced("$price"),
         pipeline=[{"$replaceWith": {"$setField": {
             "field": {"$literal": "$price"}, "input": "$$ROOT", "value": "$$REMOVE"}}}],
         expected=unpriced()),
    dict(name="unsetField/remove-field-with-period", docs=priced("price.usd"),
         pipeline=[{"$replaceWith": {"$unsetField": {"field": "price.usd", "input": "$$ROOT"}}}],
         expected=unpriced()),
    dict(name="unsetField/remove-field-with-dollar", docs=priced("$price"),
         pipeline=[{"$replaceWith": {"$unsetField": {
             "field": {"$literal": "$price"}, "input": "$$ROOT"}}}],
         expected=unpriced()),
]

SHIPPING = [{"custId": 456, "purchaseDate": dt(2020, 12, 31)},
            {"custId": 457, "purchaseDate": dt(2021, 2, 28)},
            {"custId": 458, "purchaseDate": dt(2021, 2, 26)}]
DELIVERY = {456: dt(2021, 1, 10), 457: dt(2021, 3, 1), 458: dt(2021, 3, 2)}
ADD_BILLING = [{"location": "America/New_York", "login": dt(2021, 3, 13, 15),
                "logout": dt(2021, 3, 14, 23)},
               {"location": "America/Mexico_City", "login": dt(2021, 3, 13, 10),
                "logout": dt(2021, 3, 14, 13)}]
CONNECTION_TIME = [
    {"custId": 457, "login": dt(2020, 12, 25, 19, 4), "logout": dt(2020, 12, 28, 9, 4)},
    {"custId": 457, "login": dt(2021, 1, 27, 5, 12), "logout": dt(2021, 1, 28, 13, 5)},
    {"custId": 458, "login": dt(2021, 1, 22, 6, 27), "logout": dt(2021, 1, 31, 11, 0)},
    {"custId": 459, "login": dt(2021, 2, 14, 20, 14), "logout": dt(2021, 2, 17, 16, 5)},
    {"custId": 460, "login": dt(2021, 2, 26, 2, 44), "logout": dt(2021, 2, 18, 14, 13)},
]
LOGMESSAGES = [
    {"_id": 1, "date": "2017-02-08T12:10:40.787", "timezone": "America/New_York",
     "message": "Step 1: Started"},
    {"_id": 2, "date": "2017-02-08", "timezone": "-05:00", "message": "Step 1: Ended"},
    {"_id": 3, "message": " Step 1: Ended "},
    {"_id": 4, "date": "2017-02-09", "timezone": "Europe/London", "message": "Step 2: Started"},
    {"_id": 5, "date": "2017-02-09T03:35:02.055", "timezone": "+0530",
     "message": "Step 2: In Progress"},
]
TEST_SCORES = [
    {"studentId": "2345", "test01": 62, "test02": 81, "test03": 80},
    {"studentId": "2356", "test01": 60, "test02": 83, "test03": 79},
    {"studentId": "2358", "test01": 67, "test02": 82, "test03": 78},
    {"studentId": "2367", "test01": 64, "test02": 72, "test03": 77},
    {"studentId": "2369", "test01": 60, "test02": 53, "test03": 72},
]


def fmt(date, tz=None):
    spec = {"format": "%Y-%m-%d %H:%M", "date": date}
    if tz:
        spec["timezone"] = tz
    return {"$dateToString": spec}


def date_add(op, unit, amount):
    return {op: {"startDate": "$login", "unit": unit, "amount": amount, "timezone": "$location"}}


def dst_project(op):
    return {"$project": {
        "_id": 0, "location": 1, "start": fmt("$login"),
        "days": fmt(date_add(op, "day", 1)), "hours": fmt(date_add(op, "hour", 24)),
        "startTZInfo": fmt("$login", "$location"),
        "daysTZInfo": fmt(date_add(op, "day", 1), "$location"),
        "hoursTZInfo": fmt(date_add(op, "hour", 24), "$location")}}


EXAMPLES += [
    # ---------------------------------------------------------------- $dateAdd
    dict(name="dateAdd/future-date-merge", colls={"shipping": SHIPPING}, coll="shipping",
         pipeline=[{"$project": {"expectedDeliveryDate": {
             "$dateAdd": {"startDate": "$purchaseDate", "unit": "day", "amount": 3}}}},
             {"$merge": "shipping"}],
         expected=[],
         after={"shipping": [
             {"_id": ANY, "custId": 456, "purchaseDate": dt(2020, 12, 31),
              "expectedDeliveryDate": dt(2021, 1, 3)},
             {"_id": ANY, "custId": 457, "purchaseDate": dt(2021, 2, 28),
              "expectedDeliveryDate": dt(2021, 3, 3)},
             {"_id": ANY, "custId": 458, "purchaseDate": dt(2021, 2, 26),
              "expectedDeliveryDate": dt(2021, 3, 1)}]}),
    dict(name="dateAdd/filter-date-range",
         docs=[dict(d, deliveryDate=DELIVERY[d["custId"]]) for d in SHIPPING],
         pipeline=[{"$match": {"$expr": {"$gt": ["$deliveryDate", {"$dateAdd": {
             "startDate": "$purchaseDate", "unit": "day", "amount": 5}}]}}},
             {"$project": {"_id": 0, "custId": 1,
                           "purchased": {"$dateToString": {"format": "%Y-%m-%d",
                                                           "date": "$purchaseDate"}},
                           "delivery": {"$dateToString": {"format": "%Y-%m-%d",
                                                          "date": "$deliveryDate"}}}}],
         expected=[{"custId": 456, "purchased": "2020-12-31", "delivery": "2021-01-10"}]),
    dict(name="dateAdd/daylight-savings", docs=ADD_BILLING, pipeline=[dst_project("$dateAdd")],
         expected=[{"location": "America/New_York", "start": "2021-03-13 15:00",
                    "days": "2021-03-14 14:00", "hours": "2021-03-14 15:00",
                    "startTZInfo": "2021-03-13 10:00", "daysTZInfo": "2021-03-14 10:00",
                    "hoursTZInfo": "2021-03-14 11:00"},
                   {"location": "America/Mexico_City", "start": "2021-03-13 10:00",
                    "days": "2021-03-14 10:00", "hours": "2021-03-14 10:00",
                    "startTZInfo": "2021-03-13 04:00", "daysTZInfo": "2021-03-14 04:00",
                    "hoursTZInfo": "2021-03-14 04:00"}]),
    # ----------------------------------------------------------- $dateSubtract
    # The page's $match repeats the $expr key; the shell keeps the last one (month == 1).
    dict(name="dateSubtract/logout-merge", colls={"connectionTime": CONNECTION_TIME},
         coll="connectionTime",
         pipeline=[{"$match": {"$expr": {"$eq": [{"$month": "$logout"}, 1]}}},
                   {"$project": {"logoutTime": {"$dateSubtract": {
                       "startDate": "$logout", "unit": "hour", "amount": 3}}}},
                   {"$merge": "connectionTime"}],
         expected=[],
         after={"connectionTime": [
             dict({"_id": ANY}, **CONNECTION_TIME[0]),
             dict({"_id": ANY}, **CONNECTION_TIME[1], logoutTime=dt(2021, 1, 28, 10, 5)),
             dict({"_id": ANY}, **CONNECTION_TIME[2], logoutTime=dt(2021, 1, 31, 8, 0)),
             dict({"_id": ANY}, **CONNECTION_TIME[3]),
             dict({"_id": ANY}, **CONNECTION_TIME[4])]}),
    # --------------------------------------------------------- $dateFromString
    dict(name="dateFromString/new-york-timezone", docs=LOGMESSAGES,
         pipeline=[{"$project": {"date": {"$dateFromString": {
             "dateString": "$date", "timezone": "America/New_York"}}}}],
         expected=[{"_id": 1, "date": dt(2017, 2, 8, 17, 10, 40, 787000)},
                   {"_id": 2, "date": dt(2017, 2, 8, 5)},
                   {"_id": 3, "date": None},
                   {"_id": 4, "date": dt(2017, 2, 9, 5)},
                   {"_id": 5, "date": dt(2017, 2, 9, 8, 35, 2, 55000)}]),
    dict(name="dateFromString/timezone-field", docs=LOGMESSAGES,
         pipeline=[{"$project": {"date": {"$dateFromString": {
             "dateString": "$date", "timezone": "$timezone"}}}}],
         expected=[{"_id": 1, "date": dt(2017, 2, 8, 17, 10, 40, 787000)},
                   {"_id": 2, "date": dt(2017, 2, 8, 5)},
                   {"_id": 3, "date": None},
                   {"_id": 4, "date": dt(2017, 2, 9)},
                   {"_id": 5, "date": dt(2017, 2, 8, 22, 5, 2, 55000)}]),
    dict(name="dateFromString/onError",
         docs=[{"_id": 1, "date": "2017-02-08T12:10:40.787", "timezone": "America/New_York"},
               {"_id": 2, "date": "20177-02-09T03:35:02.055", "timezone": "America/New_York"}],
         pipeline=[{"$project": {"date": {"$dateFromString": {
             "dateString": "$date", "timezone": "$timezone", "onError": "$date"}}}}],
         expected=[{"_id": 1, "date": dt(2017, 2, 8, 17, 10, 40, 787000)},
                   {"_id": 2, "date": "20177-02-09T03:35:02.055"}]),
    dict(name="dateFromString/onNull",
         docs=[{"_id": 1, "date": "2017-02-08T12:10:40.787", "timezone": "America/New_York"},
               {"_id": 2, "date": None, "timezone": "America/New_York"}],
         pipeline=[{"$project": {"date": {"$dateFromString": {
             "dateString": "$date", "timezone": "$timezone", "onNull": dt(1970, 1, 1)}}}}],
         expected=[{"_id": 1, "date": dt(2017, 2, 8, 17, 10, 40, 787000)},
                   {"_id": 2, "date": dt(1970, 1, 1)}]),
    # ----------------------------------------------------------------- $median
    dict(name="median/accumulator", docs=TEST_SCORES,
         pipeline=[{"$group": {"_id": None, "test01_median": {
             "$median": {"input": "$test01", "method": "approximate"}}}}],
         expected=[{"_id": None, "test01_median": 62}]),
    dict(name="median/project-expression", docs=TEST_SCORES,
         pipeline=[{"$project": {"_id": 0, "studentId": 1, "testMedians": {"$median": {
             "input": ["$test01", "$test02", "$test03"], "method": "approximate"}}}}],
         expected=[{"studentId": "2345", "testMedians": 80},
                   {"studentId": "2356", "testMedians": 79},
                   {"studentId": "2358", "testMedians": 78},
                   {"studentId": "2367", "testMedians": 72},
                   {"studentId": "2369", "testMedians": 60}]),
]

@pytest.mark.parametrize("ex", EXAMPLES, ids=ids(EXAMPLES))
def test_manual_example(db, ex):
    if "error" in ex:
        with pytest.raises(OperationFailure):
            list(db.aggregate([{"$documents": [{}]}, {"$project": {"r": ex["error"]}}]))
        return
    run(db, ex)
