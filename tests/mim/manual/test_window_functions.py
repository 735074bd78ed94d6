"""$setWindowFields and the window operators: the MongoDB manual's worked examples
(setWindowFields.txt and the per-operator pages, all on the ``cakeSales`` collection)."""

from datetime import datetime

import pytest

from .harness import ANY, CAKE_SALES, ids, run

dt = datetime

BY_ID = {d["_id"]: d for d in CAKE_SALES}
STATE_DATE = [4, 0, 2, 5, 3, 1]      # partitionBy state, sortBy orderDate
YEAR_DATE = [5, 4, 3, 0, 2, 1]       # partitionBy $year, sortBy orderDate
STATE_PRICE = [2, 0, 4, 3, 1, 5]     # partitionBy state, sortBy price


def out(order, field, values, **more):
    """The manual's output: the cake documents in ``order`` with ``field`` added."""
    docs = []
    for i, (cid, value) in enumerate(zip(order, values)):
        doc = dict(BY_ID[cid])
        doc[field] = value
        for name, vals in more.items():
            doc[name] = vals[i]
        docs.append(doc)
    return docs


def swf(partition, sort, output):
    return [{"$setWindowFields": {"partitionBy": partition, "sortBy": sort, "output": output}}]


D = {i: BY_ID[i]["orderDate"] for i in BY_ID}

EXAMPLES = [
    dict(name="setWindowFields/cumulative-quantity-state", ordered=True,
         pipeline=swf("$state", {"orderDate": 1}, {"cumulativeQuantityForState": {
             "$sum": "$quantity", "window": {"documents": ["unbounded", "current"]}}}),
         expected=out(STATE_DATE, "cumulativeQuantityForState", [162, 282, 427, 134, 238, 378])),
    dict(name="setWindowFields/cumulative-quantity-year", ordered=True,
         pipeline=swf({"$year": "$orderDate"}, {"orderDate": 1}, {"cumulativeQuantityForYear": {
             "$sum": "$quantity", "window": {"documents": ["unbounded", "current"]}}}),
         expected=out(YEAR_DATE, "cumulativeQuantityForYear", [134, 296, 104, 224, 145, 285])),
    dict(name="setWindowFields/moving-average", ordered=True,
         pipeline=swf({"$year": "$orderDate"}, {"orderDate": 1}, {"averageQuantity": {
             "$avg": "$quantity", "window": {"documents": [-1, 0]}}}),
         expected=out(YEAR_DATE, "averageQuantity", [134, 148, 104, 112, 145, 142.5])),
    dict(name="setWindowFields/cumulative-and-max", ordered=True,
         pipeline=swf({"$year": "$orderDate"}, {"orderDate": 1}, {
             "cumulativeQuantityForYear": {"$sum": "$quantity",
                                           "window": {"documents": ["unbounded", "current"]}},
             "maximumQuantityForYear": {"$max": "$quantity",
                                        "window": {"documents": ["unbounded", "unbounded"]}}}),
         expected=out(YEAR_DATE, "cumulativeQuantityForYear", [134, 296, 104, 224, 145, 285],
                      maximumQuantityForYear=[162, 162, 120, 120, 145, 145])),
    dict(name="setWindowFields/range-window", ordered=True,
         pipeline=swf("$state", {"price": 1}, {"quantityFromSimilarOrders": {
             "$sum": "$quantity", "window": {"range": [-10, 10]}}}),
         expected=out(STATE_PRICE, "quantityFromSimilarOrders", [265, 265, 162, 244, 244, 134])),
    dict(name="setWindowFields/time-range-positive-upper", ordered=True,
         pipeline=swf("$state", {"orderDate": 1}, {"recentOrders": {
             "$push": "$orderDate", "window": {"range": ["unbounded", 10], "unit": "month"}}}),
         expected=out(STATE_DATE, "recentOrders", [
             [D[4]], [D[4], D[0], D[2]], [D[4], D[0], D[2]],
             [D[5]], [D[5], D[3]], [D[5], D[3], D[1]]])),
    dict(name="setWindowFields/time-range-negative-upper", ordered=True,
         pipeline=swf("$state", {"orderDate": 1}, {"recentOrders": {
             "$push": "$orderDate", "window": {"range": ["unbounded", -10], "unit": "month"}}}),
         expected=out(STATE_DATE, "recentOrders", [
             [], [D[4]], [D[4]], [], [D[5]], [D[5], D[3]]])),
]
STATE_QTY = [4, 2, 0, 1, 5, 3]      # partitionBy state, sortBy quantity -1
EXAMPLES += [
    dict(name="rank/quantity", ordered=True,
         pipeline=swf("$state", {"quantity": -1}, {"rankQuantityForState": {"$rank": {}}}),
         expected=out(STATE_QTY, "rankQuantityForState", [1, 2, 3, 1, 2, 3])),
    dict(name="rank/date", ordered=True,
         pipeline=swf("$state", {"orderDate": 1}, {"rankOrderDateForState": {"$rank": {}}}),
         expected=out(STATE_DATE, "rankOrderDateForState", [1, 2, 3, 1, 2, 3])),
    dict(name="shift/positive", ordered=True,
         pipeline=swf("$state", {"quantity": -1}, {"shiftQuantityForState": {"$shift": {
             "output": "$quantity", "by": 1, "default": "Not available"}}}),
         expected=out(STATE_QTY, "shiftQuantityForState",
                      [145, 120, "Not available", 134, 104, "Not available"])),
    dict(name="shift/negative", ordered=True,
         pipeline=swf("$state", {"quantity": -1}, {"shiftQuantityForState": {"$shift": {
             "output": "$quantity", "by": -1, "default": "Not available"}}}),
         expected=out(STATE_QTY, "shiftQuantityForState",
                      ["Not available", 162, 145, "Not available", 140, 134])),
]
for ex in EXAMPLES:
    ex.setdefault("docs", CAKE_SALES)

# cakeSalesWithDuplicates: every document is shown in the manual's output
DUPLICATES = CAKE_SALES + [
    {"_id": 6, "type": "strawberry", "orderDate": dt(2020, 1, 8, 6, 12, 3), "state": "WA",
     "price": 41, "quantity": 134},
    {"_id": 7, "type": "strawberry", "orderDate": dt(2020, 1, 1, 6, 12, 3), "state": "WA",
     "price": 34, "quantity": 134},
    {"_id": 8, "type": "strawberry", "orderDate": dt(2020, 1, 2, 6, 12, 3), "state": "WA",
     "price": 40, "quantity": 134},
    {"_id": 9, "type": "strawberry", "orderDate": dt(2020, 5, 11, 16, 9, 1), "state": "CA",
     "price": 39, "quantity": 162},
    {"_id": 10, "type": "strawberry", "orderDate": dt(2020, 5, 11, 16, 9, 1), "state": "CA",
     "price": 39, "quantity": None},
    {"_id": 11, "type": "strawberry", "orderDate": dt(2020, 5, 11, 16, 9, 1), "state": "CA",
     "price": 39},
]
DUP_RANKS = {4: 1, 9: 1, 2: 3, 0: 4, 10: 5, 11: 5, 1: 1, 5: 2, 6: 2, 7: 2, 8: 2, 3: 6}
STOCKS = [
    {"stock": s, "date": dt(2020, 5, d, 20), "price": p}
    for s, d, p in [("MDB", 18, 13), ("MDB", 19, 15.4), ("MDB", 20, 12), ("MDB", 21, 11.7),
                    ("MSFT", 18, 82), ("MSFT", 19, 94), ("MSFT", 20, 112), ("MSFT", 21, 97.3)]
]


def stock_out(values):
    return [{"_id": ANY, **doc, "expMovingAvgForStock": v} for doc, v in zip(STOCKS, values)]


FLEET = [
    {"truckID": t, "timeStamp": dt(2020, 5, 18, 14, m, s), "miles": mi}
    for t, m, s, mi in [("1", 10, 30, 1295.1), ("1", 11, 0, 1295.63), ("1", 11, 30, 1296.25),
                        ("1", 12, 0, 1296.76), ("2", 10, 30, 10234.1), ("2", 11, 0, 10234.33),
                        ("2", 11, 30, 10234.73), ("2", 12, 0, 10235.13)]
]
EXAMPLES += [
    dict(name="rank/duplicates-null-missing", docs=DUPLICATES,
         pipeline=swf("$state", {"quantity": -1}, {"rankQuantityForState": {"$rank": {}}}),
         expected=[dict(d, rankQuantityForState=DUP_RANKS[d["_id"]]) for d in DUPLICATES]),
    dict(name="expMovingAvg/N", docs=STOCKS, ordered=True,
         pipeline=swf("$stock", {"date": 1}, {"expMovingAvgForStock": {
             "$expMovingAvg": {"input": "$price", "N": 2}}}),
         expected=stock_out([13, 14.6, 12.866666666666667, 12.088888888888889, 82, 90,
                             104.66666666666667, 99.75555555555556])),
    dict(name="expMovingAvg/alpha", docs=STOCKS, ordered=True,
         pipeline=swf("$stock", {"date": 1}, {"expMovingAvgForStock": {
             "$expMovingAvg": {"input": "$price", "alpha": 0.75}}}),
         expected=stock_out([13, 14.8, 12.7, 11.95, 82, 91, 106.75, 99.6625])),
    dict(name="derivative/truck-speed", docs=FLEET, ordered=True,
         pipeline=swf("$truckID", {"timeStamp": 1}, {"truckAverageSpeed": {
             "$derivative": {"input": "$miles", "unit": "hour"},
             "window": {"range": [-30, 0], "unit": "second"}}})
         + [{"$match": {"truckAverageSpeed": {"$gt": 50}}}],
         expected=[{"_id": ANY, **FLEET[1], "truckAverageSpeed": 63.60000000002401},
                   {"_id": ANY, **FLEET[2], "truckAverageSpeed": 74.3999999999869},
                   {"_id": ANY, **FLEET[3], "truckAverageSpeed": 61.199999999998916}]),
]

POWER = [
    {"powerMeterID": m, "timeStamp": dt(2020, 5, 18, 14, mi, se), "kilowatts": kw}
    for m, mi, se, kw in [("1", 10, 30, 2.95), ("1", 11, 0, 2.7), ("1", 11, 30, 2.6),
                          ("1", 12, 0, 2.98), ("2", 10, 30, 2.5), ("2", 11, 0, 2.25),
                          ("2", 11, 30, 2.75), ("2", 12, 0, 2.82)]
]
EXAMPLES += [
    dict(name="integral/kilowatt-hours", docs=POWER, ordered=True,
         pipeline=swf("$powerMeterID", {"timeStamp": 1}, {"powerMeterKilowattHours": {
             "$integral": {"input": "$kilowatts", "unit": "hour"},
             "window": {"range": ["unbounded", "current"], "unit": "hour"}}}),
         expected=[{"_id": ANY, **doc, "powerMeterKilowattHours": v} for doc, v in zip(POWER, [
             0, 0.023541666666666666, 0.045625, 0.068875,
             0, 0.019791666666666666, 0.040625, 0.06383333333333334])]),
    dict(name="covariancePop/year-quantity", docs=CAKE_SALES, ordered=True,
         pipeline=swf("$state", {"orderDate": 1}, {"covariancePopForState": {
             "$covariancePop": [{"$year": "$orderDate"}, "$quantity"],
             "window": {"documents": ["unbounded", "current"]}}}),
         expected=out(STATE_DATE, "covariancePopForState",
                      [0, -10.5, -5.666666666666671, 0, -7.5, 2])),
]


@pytest.mark.parametrize("ex", EXAMPLES, ids=ids(EXAMPLES))
def test_manual_example(db, ex):
    run(db, ex)
