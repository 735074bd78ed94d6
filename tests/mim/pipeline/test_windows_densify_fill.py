"""$setWindowFields, $densify and $fill through Collection.aggregate (manual examples)."""

import datetime

import pytest
from pymongo.errors import OperationFailure


def dt(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


CAKE_SALES = [
    {"_id": 0, "type": "chocolate", "orderDate": dt("2020-05-18T14:10:30Z"), "state": "CA",
     "price": 13, "quantity": 120},
    {"_id": 1, "type": "chocolate", "orderDate": dt("2021-03-20T11:30:05Z"), "state": "WA",
     "price": 14, "quantity": 140},
    {"_id": 2, "type": "vanilla", "orderDate": dt("2021-01-11T06:31:15Z"), "state": "CA",
     "price": 12, "quantity": 145},
    {"_id": 3, "type": "vanilla", "orderDate": dt("2020-02-08T13:13:23Z"), "state": "WA",
     "price": 13, "quantity": 104},
    {"_id": 4, "type": "strawberry", "orderDate": dt("2019-05-18T16:09:01Z"), "state": "CA",
     "price": 41, "quantity": 162},
    {"_id": 5, "type": "strawberry", "orderDate": dt("2019-01-08T06:12:03Z"), "state": "WA",
     "price": 43, "quantity": 134},
]


@pytest.fixture
def cakes(db):
    db.cakeSales.insert_many([dict(d) for d in CAKE_SALES])
    return db.cakeSales


def code_of(coll, pipeline):
    with pytest.raises(OperationFailure) as info:
        list(coll.aggregate(pipeline))
    return info.value.code


def column(out, field):
    return [(d["_id"], d[field]) for d in out]


def test_cumulative_sum_per_state(cakes):
    out = list(cakes.aggregate([{"$setWindowFields": {
        "partitionBy": "$state", "sortBy": {"orderDate": 1},
        "output": {"cumulativeQuantityForState": {
            "$sum": "$quantity", "window": {"documents": ["unbounded", "current"]}}}}}]))
    assert column(out, "cumulativeQuantityForState") == \
        [(4, 162), (0, 282), (2, 427), (5, 134), (3, 238), (1, 378)]
    assert out[0]["type"] == "strawberry"


def test_cumulative_sum_per_year_and_moving_average(cakes):
    out = list(cakes.aggregate([{"$setWindowFields": {
        "partitionBy": {"$year": "$orderDate"}, "sortBy": {"orderDate": 1},
        "output": {
            "cumulativeQuantityForYear": {"$sum": "$quantity",
                                          "window": {"documents": ["unbounded", "current"]}},
            "averageQuantity": {"$avg": "$quantity", "window": {"documents": [-1, 0]}}}}}]))
    assert column(out, "cumulativeQuantityForYear") == \
        [(5, 134), (4, 296), (3, 104), (0, 224), (2, 145), (1, 285)]
    assert column(out, "averageQuantity") == \
        [(5, 134), (4, 148), (3, 104), (0, 112), (2, 145), (1, 142.5)]


def test_whole_partition_and_unsorted_window(cakes):
    out = list(cakes.aggregate([{"$setWindowFields": {
        "partitionBy": "$state",
        "output": {"total": {"$sum": "$quantity"}, "maxPrice": {"$max": "$price"},
                   "n": {"$count": {}}, "types": {"$addToSet": "$type"}}}},
        {"$sort": {"_id": 1}}]))
    assert [(d["_id"], d["total"], d["maxPrice"], d["n"]) for d in out] == [
        (0, 427, 41, 3), (1, 378, 43, 3), (2, 427, 41, 3), (3, 378, 43, 3), (4, 427, 41, 3),
        (5, 378, 43, 3)]


def test_range_window(cakes):
    out = list(cakes.aggregate([{"$setWindowFields": {
        "partitionBy": "$state", "sortBy": {"price": 1},
        "output": {"quantityFromSimilarOrders": {"$sum": "$quantity",
                                                 "window": {"range": [-10, 10]}}}}}]))
    assert column(out, "quantityFromSimilarOrders") == \
        [(2, 265), (0, 265), (4, 162), (3, 244), (1, 244), (5, 134)]


def test_time_range_window_with_unit(cakes):
    out = list(cakes.aggregate([{"$setWindowFields": {
        "partitionBy": "$state", "sortBy": {"orderDate": 1},
        "output": {"recentOrders": {"$push": "$orderDate",
                                    "window": {"range": ["unbounded", 10], "unit": "month"}}}}}]))
    got = {d["_id"]: [o.strftime("%Y-%m-%d") for o in d["recentOrders"]] for d in out}
    assert got == {
        4: ["2019-05-18"], 0: ["2019-05-18", "2020-05-18", "2021-01-11"],
        2: ["2019-05-18", "2020-05-18", "2021-01-11"],
        5: ["2019-01-08"], 3: ["2019-01-08", "2020-02-08"],
        1: ["2019-01-08", "2020-02-08", "2021-03-20"]}


def test_rank_dense_rank_document_number(db):
    db.c.insert_many([{"_id": i, "s": s} for i, s in enumerate([10, 20, 20, 30])])
    out = list(db.c.aggregate([{"$setWindowFields": {
        "sortBy": {"s": 1},
        "output": {"r": {"$rank": {}}, "d": {"$denseRank": {}}, "n": {"$documentNumber": {}}}}}]))
    assert [(d["r"], d["d"], d["n"]) for d in out] == [(1, 1, 1), (2, 2, 2), (2, 2, 3),
                                                       (4, 3, 4)]


def test_rank_manual_example(cakes):
    out = list(cakes.aggregate([{"$setWindowFields": {
        "partitionBy": "$state", "sortBy": {"quantity": -1},
        "output": {"rankQuantityForState": {"$rank": {}}}}}]))
    assert column(out, "rankQuantityForState") == [(4, 1), (2, 2), (0, 3), (1, 1), (5, 2),
                                                   (3, 3)]


def test_shift(cakes):
    out = list(cakes.aggregate([{"$setWindowFields": {
        "partitionBy": "$state", "sortBy": {"quantity": -1},
        "output": {"shiftQuantityForState": {"$shift": {
            "output": "$quantity", "by": 1, "default": "Not available"}}}}}]))
    assert column(out, "shiftQuantityForState") == \
        [(4, 145), (2, 120), (0, "Not available"), (1, 134), (5, 104), (3, "Not available")]
    out = list(cakes.aggregate([{"$setWindowFields": {
        "partitionBy": "$state", "sortBy": {"quantity": -1},
        "output": {"prev": {"$shift": {"output": "$quantity", "by": -1}}}}}]))
    assert column(out, "prev")[:3] == [(4, None), (2, 162), (0, 145)]


def test_derivative_integral_exp_moving_avg_covariance(db):
    db.c.insert_many([{"_id": 0, "t": 0, "y": 0}, {"_id": 1, "t": 1, "y": 10},
                      {"_id": 2, "t": 2, "y": 30}])
    out = list(db.c.aggregate([{"$setWindowFields": {
        "sortBy": {"t": 1},
        "output": {
            "rate": {"$derivative": {"input": "$y"}, "window": {"documents": [-1, 0]}},
            "area": {"$integral": {"input": "$y"},
                     "window": {"documents": ["unbounded", "current"]}},
            "ema": {"$expMovingAvg": {"input": "$y", "alpha": 0.5}},
            "covP": {"$covariancePop": ["$t", "$y"]},
            "covS": {"$covarianceSamp": ["$t", "$y"]}}}}]))
    assert [d["rate"] for d in out] == [None, 10.0, 20.0]
    assert [d["area"] for d in out] == [0.0, 5.0, 25.0]
    assert [d["ema"] for d in out] == [0.0, 5.0, 17.5]
    # x mean 1, y mean 40/3: sum of products (−1)(−40/3) + 0 + (1)(50/3) = 30
    assert out[0]["covP"] == pytest.approx(10.0)
    assert out[0]["covS"] == pytest.approx(15.0)


def test_derivative_with_date_unit(db):
    base = datetime.datetime(2020, 1, 1)
    db.c.insert_many([{"ts": base, "km": 0},
                      {"ts": base + datetime.timedelta(hours=2), "km": 120}])
    out = list(db.c.aggregate([{"$setWindowFields": {
        "sortBy": {"ts": 1},
        "output": {"speed": {"$derivative": {"input": "$km", "unit": "hour"},
                             "window": {"documents": [-1, 0]}}}}}]))
    assert [d["speed"] for d in out] == [None, 60.0]


def test_exp_moving_avg_with_n(db):
    db.c.insert_many([{"t": i, "p": p} for i, p in enumerate([10, 20, 30])])
    out = list(db.c.aggregate([{"$setWindowFields": {
        "sortBy": {"t": 1}, "output": {"ema": {"$expMovingAvg": {"input": "$p", "N": 2}}}}}]))
    # alpha = 2 / (N + 1)
    assert [round(d["ema"], 6) for d in out] == [10.0, round(10 / 3 + 40 / 3, 6),
                                                 round(20 + (10 / 3 + 40 / 3) / 3, 6)]


def test_linear_fill_and_locf(db):
    db.c.insert_many([{"t": 1, "y": 10}, {"t": 2, "y": None}, {"t": 3},
                      {"t": 4, "y": 40}, {"t": 5}])
    out = list(db.c.aggregate([{"$setWindowFields": {
        "sortBy": {"t": 1},
        "output": {"lin": {"$linearFill": "$y"}, "last": {"$locf": "$y"}}}}]))
    assert [d["lin"] for d in out] == [10, 20.0, 30.0, 40, None]
    assert [d["last"] for d in out] == [10, 10, 10, 40, 40]


def test_set_window_fields_errors(cakes):
    assert code_of(cakes, [{"$setWindowFields": {"partitionBy": "$state"}}]) == 40414
    assert code_of(cakes, [{"$setWindowFields": {"output": {}, "foo": 1}}]) == 40415
    assert code_of(cakes, [{"$setWindowFields": {"output": {"r": {"$rank": {}}}}}]) == 5371602
    assert code_of(cakes, [{"$setWindowFields": {
        "sortBy": {"a": 1, "b": 1}, "output": {"r": {"$rank": {}}}}}]) == 5371602
    assert code_of(cakes, [{"$setWindowFields": {"output": {
        "s": {"$sum": "$quantity", "window": {"documents": [-1, 0]}}}}}]) == 5339901
    assert code_of(cakes, [{"$setWindowFields": {"sortBy": {"a": 1}, "output": {
        "s": {"$sum": "$quantity", "window": {"documents": [1, 0]}}}}}]) == 5339900
    assert code_of(cakes, [{"$setWindowFields": {"sortBy": {"a": 1, "b": 1}, "output": {
        "s": {"$sum": "$quantity", "window": {"range": [-1, 0]}}}}}]) == 5339902
    assert code_of(cakes, [{"$setWindowFields": {"output": {"s": {"$bogus": 1}}}}]) == 5397900
    assert code_of(cakes, [{"$setWindowFields": {"sortBy": {"type": 1}, "output": {
        "s": {"$sum": "$quantity", "window": {"range": [-1, 0]}}}}}]) == 5429414


DENSE_WEATHER = [
    {"metadata": {"sensorId": 5578, "type": "temperature"}, "timestamp": dt(f"2021-05-18T{h}Z"),
     "temp": t}
    for h, t in [("00:00:00", 12), ("04:00:00", 11), ("08:00:00", 11), ("12:00:00", 12)]
]


def test_densify_time_series_with_explicit_bounds(db):
    db.weather.insert_many([dict(d) for d in DENSE_WEATHER])
    out = list(db.weather.aggregate([{"$densify": {
        "field": "timestamp",
        "range": {"step": 1, "unit": "hour",
                  "bounds": [dt("2021-05-18T00:00:00Z"), dt("2021-05-18T08:00:00Z")]}}},
        {"$project": {"_id": 0}}]))
    assert [d["timestamp"].hour for d in out] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 12]
    assert out[1] == {"timestamp": dt("2021-05-18T01:00:00Z")}
    assert out[0]["temp"] == 12


def test_densify_full_and_partition(db):
    db.c.insert_many([{"_id": 1, "k": "A", "v": 0}, {"_id": 2, "k": "A", "v": 5},
                      {"_id": 3, "k": "B", "v": 3}, {"_id": 4, "k": "B"}])
    out = list(db.c.aggregate([{"$densify": {"field": "v", "partitionByFields": ["k"],
                                             "range": {"step": 2, "bounds": "full"}}},
                               {"$project": {"_id": 0}}]))
    assert out == [{"k": "A", "v": 0}, {"k": "A", "v": 2}, {"k": "A", "v": 4},
                   {"k": "A", "v": 5},
                   {"k": "B"}, {"k": "B", "v": 0}, {"k": "B", "v": 2}, {"k": "B", "v": 3},
                   {"k": "B", "v": 4}]
    out = list(db.c.aggregate([{"$densify": {"field": "v", "partitionByFields": ["k"],
                                             "range": {"step": 2, "bounds": "partition"}}},
                               {"$project": {"_id": 0}}]))
    assert [(d["k"], d.get("v")) for d in out] == [("A", 0), ("A", 2), ("A", 4), ("A", 5),
                                                   ("B", None), ("B", 3)]


def test_densify_errors(db):
    db.c.insert_many([{"v": 1}, {"v": "x"}])
    assert code_of(db.c, [{"$densify": {"range": {"step": 1, "bounds": "full"}}}]) == 40414
    assert code_of(db.c, [{"$densify": {"field": "v", "range": {"step": 0,
                                                                "bounds": "full"}}}]) == 5733401
    assert code_of(db.c, [{"$densify": {"field": "v", "range": {"step": 1,
                                                                "bounds": "half"}}}]) == 5946800
    assert code_of(db.c, [{"$densify": {"field": "v", "range": {"step": 1,
                                                                "bounds": [3, 1]}}}]) == 5733402
    assert code_of(db.c, [{"$densify": {"field": "v", "range": {
        "step": 1.5, "unit": "hour", "bounds": "full"}}}]) == 6586400
    assert code_of(db.c, [{"$densify": {"field": "v", "foo": 1,
                                        "range": {"step": 1, "bounds": "full"}}}]) == 40415
    assert code_of(db.c, [{"$densify": {"field": "v", "range": {"step": 1,
                                                                "bounds": "full"}}}]) == 5733201


def test_fill_value_manual_example(db):
    db.dailySales.insert_many([
        {"date": dt("2022-02-02T00:00:00Z"), "bootsSold": 10, "sandalsSold": 20,
         "sneakersSold": 12},
        {"date": dt("2022-02-03T00:00:00Z"), "bootsSold": 7, "sneakersSold": 18},
        {"date": dt("2022-02-04T00:00:00Z"), "sneakersSold": 5}])
    out = list(db.dailySales.aggregate([{"$fill": {"output": {
        "bootsSold": {"value": 0}, "sandalsSold": {"value": 0}, "sneakersSold": {"value": 0}}}},
        {"$project": {"_id": 0, "date": 0}}]))
    assert out == [{"bootsSold": 10, "sandalsSold": 20, "sneakersSold": 12},
                   {"bootsSold": 7, "sneakersSold": 18, "sandalsSold": 0},
                   {"sneakersSold": 5, "bootsSold": 0, "sandalsSold": 0}]


def test_fill_linear_and_locf_with_partitions(db):
    db.c.insert_many([{"_id": 1, "g": "a", "t": 1, "p": 10}, {"_id": 2, "g": "a", "t": 2},
                      {"_id": 3, "g": "a", "t": 3, "p": 30}, {"_id": 4, "g": "b", "t": 1,
                                                              "p": None},
                      {"_id": 5, "g": "b", "t": 2, "p": 7}, {"_id": 6, "g": "b", "t": 3}])
    out = list(db.c.aggregate([{"$fill": {"partitionByFields": ["g"], "sortBy": {"t": 1},
                                          "output": {"p": {"method": "linear"}}}}]))
    assert [(d["_id"], d["p"]) for d in out] == [(1, 10), (2, 20.0), (3, 30), (4, None),
                                                 (5, 7), (6, None)]
    out = list(db.c.aggregate([{"$fill": {"partitionBy": "$g", "sortBy": {"t": 1},
                                          "output": {"p": {"method": "locf"}}}}]))
    assert [(d["_id"], d["p"]) for d in out] == [(1, 10), (2, 10), (3, 30), (4, None),
                                                 (5, 7), (6, 7)]


def test_fill_errors(db):
    db.c.insert_one({"a": 1})
    assert code_of(db.c, [{"$fill": {}}]) == 40414
    assert code_of(db.c, [{"$fill": {"output": {"a": {"method": "avg"}}}}]) == 6050202
    assert code_of(db.c, [{"$fill": {"output": {"a": {"value": 1, "method": "locf"}}}}]) \
        == 6050201
    assert code_of(db.c, [{"$fill": {"partitionBy": "$a", "partitionByFields": ["a"],
                                     "output": {"a": {"value": 1}}}}]) == 6050204
    assert code_of(db.c, [{"$fill": {"output": {"a": {"method": "linear"}}}}]) == 5371602
