"""Update operators: the MongoDB manual's worked examples
(mongodb/docs source/reference/operator/update/<operator>.txt and the shared
source/includes/example-*.rst snippets), run as data.

An example: ``docs`` inserted into ``c``; ``updates`` a list of
(method, filter, update[, options]) run in order; ``expected`` the documented
collection contents afterwards (field order compared: the shell prints it)."""

from datetime import datetime

import pytest
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.timestamp import Timestamp

from .harness import ANY, compare, ids

D = Decimal128
L = Int64
dt = datetime

PRODUCT_100 = {"_id": 100, "sku": "abc123", "quantity": 250, "instock": True, "reorder": False,
               "details": {"model": "14Q2", "make": "xyz"}, "tags": ["apparel", "clothing"],
               "ratings": [{"by": "ijk", "rating": 4}]}
STUDENTS_NMAE = [
    {"_id": 1, "alias": ["The American Cincinnatus", "The American Fabius"],
     "mobile": "555-555-5555", "nmae": {"first": "george", "last": "washington"}},
    {"_id": 2, "alias": ["My dearest friend"], "mobile": "222-222-2222",
     "nmae": {"first": "abigail", "last": "adams"}},
    {"_id": 3, "alias": ["Amazing grace"], "mobile": "111-111-1111",
     "nmae": {"first": "grace", "last": "hopper"}},
]


def _renamed(doc, **name):
    out = {k: v for k, v in doc.items() if k != "nmae"}
    out["name"] = name or doc["nmae"]
    return out


GRADES_3 = [{"_id": 1, "grades": [85, 82, 80]}, {"_id": 2, "grades": [88, 90, 92]},
            {"_id": 3, "grades": [85, 100, 90]}]
GRADES_3_PLUS_10 = [{"_id": 1, "grades": [95, 92, 90]}, {"_id": 2, "grades": [98, 100, 102]},
                    {"_id": 3, "grades": [95, 110, 100]}]


def _g(grade, mean, std):
    return {"grade": grade, "mean": mean, "std": std}


STUDENTS3 = [{"_id": 1, "grades": [
    {"type": "quiz", "questions": [10, 8, 5]}, {"type": "quiz", "questions": [8, 9, 6]},
    {"type": "hw", "questions": [5, 4, 3]}, {"type": "exam", "questions": [25, 10, 23, 0]}]}]
SURVEY_NESTED = [
    {"_id": 1, "results": [
        {"item": "A", "score": 5, "answers": [{"q": 1, "a": 4}, {"q": 2, "a": 6}]},
        {"item": "B", "score": 8, "answers": [{"q": 1, "a": 8}, {"q": 2, "a": 9}]}]},
    {"_id": 2, "results": [
        {"item": "C", "score": 8, "answers": [{"q": 1, "a": 8}, {"q": 2, "a": 7}]},
        {"item": "B", "score": 4, "answers": [{"q": 1, "a": 0}, {"q": 2, "a": 8}]}]},
]
ALUMNI = [
    {"_id": 1, "name": "Christine Franklin", "degrees": [
        {"level": "Master", "major": "Biology", "completion_year": 2010, "faculty": "Science"},
        {"level": "Bachelor", "major": "Biology", "completion_year": 2008,
         "faculty": "Science"}],
     "school_email": "cfranklin@example.edu", "email": "christine@example.com"},
    {"_id": 2, "name": "Reyansh Sengupta", "degrees": [
        {"level": "Bachelor", "major": "Chemical Engineering", "completion_year": 2002,
         "faculty": "Engineering"}],
     "school_email": "rsengupta2@example.edu"},
]
QUIZZES_5 = [{"_id": 5, "quizzes": [{"wk": 1, "score": 10}, {"wk": 2, "score": 8},
                                    {"wk": 3, "score": 5}, {"wk": 4, "score": 6}]}]

EXAMPLES = [
    # ------------------------------------------------------------------ $set
    dict(name="set/top-level-fields", docs=[PRODUCT_100], updates=[
        ("update_one", {"_id": 100}, {"$set": {
            "quantity": 500, "details": {"model": "14Q3", "make": "xyz"},
            "tags": ["coats", "outerwear", "clothing"]}})],
        expected=[dict(PRODUCT_100, quantity=500, details={"model": "14Q3", "make": "xyz"},
                       tags=["coats", "outerwear", "clothing"])]),
    dict(name="set/embedded-field", docs=[PRODUCT_100], updates=[
        ("update_one", {"_id": 100}, {"$set": {"details.make": "zzz"}})],
        expected=[dict(PRODUCT_100, details={"model": "14Q2", "make": "zzz"})]),
    dict(name="set/array-elements", docs=[PRODUCT_100], updates=[
        ("update_one", {"_id": 100}, {"$set": {"tags.1": "rain gear", "ratings.0.rating": 2}})],
        expected=[dict(PRODUCT_100, tags=["apparel", "rain gear"],
                       ratings=[{"by": "ijk", "rating": 2}])]),
    # ---------------------------------------------------------------- $unset
    dict(name="unset/missing-field-no-effect", docs=[{"_id": 1, "field": "value1", "a": 1}],
         updates=[("update_one", {"field": "value1"}, {"$unset": {"field1": ""}})],
         expected=[{"_id": 1, "field": "value1", "a": 1}]),
    dict(name="unset/field", docs=[{"_id": 1, "field": "value1", "field1": 2}],
         updates=[("update_one", {"field": "value1"}, {"$unset": {"field1": ""}})],
         expected=[{"_id": 1, "field": "value1"}]),
    # ------------------------------------------------------------------ $inc
    dict(name="inc/negative-and-embedded", docs=[
        {"_id": 1, "sku": "abc123", "quantity": 10, "metrics": {"orders": 2, "ratings": 3.5}}],
        updates=[("update_one", {"sku": "abc123"},
                  {"$inc": {"quantity": -2, "metrics.orders": 1}})],
        expected=[{"_id": 1, "sku": "abc123", "quantity": 8,
                   "metrics": {"orders": 3, "ratings": 3.5}}]),
    # ------------------------------------------------------------------ $mul
    dict(name="mul/multiply-field", docs=[
        {"_id": 1, "item": "ABC", "price": D("10.99"), "qty": 25}],
        updates=[("update_one", {"_id": 1}, {"$mul": {"price": D("1.25"), "qty": 2}})],
        expected=[{"_id": 1, "item": "ABC", "price": D("13.7375"), "qty": 50}]),
    dict(name="mul/non-existing-field", docs=[{"_id": 2, "item": "Unknown"}],
         updates=[("update_one", {"_id": 2}, {"$mul": {"price": L(100)}})],
         expected=[{"_id": 2, "item": "Unknown", "price": L(0)}]),
    dict(name="mul/mixed-types", docs=[{"_id": 3, "item": "XYZ", "price": L(10)}],
         updates=[("update_one", {"_id": 3}, {"$mul": {"price": 5}})],
         expected=[{"_id": 3, "item": "XYZ", "price": L(50)}]),
    # ------------------------------------------------------------ $min / $max
    dict(name="min/numbers", docs=[{"_id": 1, "highScore": 800, "lowScore": 200}],
         updates=[("update_one", {"_id": 1}, {"$min": {"lowScore": 150}})],
         expected=[{"_id": 1, "highScore": 800, "lowScore": 150}]),
    dict(name="min/numbers-no-effect", docs=[{"_id": 1, "highScore": 800, "lowScore": 200}],
         updates=[("update_one", {"_id": 1}, {"$min": {"lowScore": 150}}),
                  ("update_one", {"_id": 1}, {"$min": {"lowScore": 250}})],
         expected=[{"_id": 1, "highScore": 800, "lowScore": 150}]),
    dict(name="min/dates", docs=[
        {"_id": 1, "desc": "crafts", "dateEntered": dt(2013, 10, 1, 5),
         "dateExpired": dt(2013, 10, 1, 16, 38, 16)}],
        updates=[("update_one", {"_id": 1}, {"$min": {"dateEntered": dt(2013, 9, 25)}})],
        expected=[{"_id": 1, "desc": "crafts", "dateEntered": dt(2013, 9, 25),
                   "dateExpired": dt(2013, 10, 1, 16, 38, 16)}]),
    dict(name="max/numbers", docs=[{"_id": 1, "highScore": 800, "lowScore": 200}],
         updates=[("update_one", {"_id": 1}, {"$max": {"highScore": 950}}),
                  ("update_one", {"_id": 1}, {"$max": {"highScore": 870}})],
         expected=[{"_id": 1, "highScore": 950, "lowScore": 200}]),
    # the page's result shows desc "decorative arts", a slip: $max touches dateExpired only
    dict(name="max/dates-no-effect", docs=[
        {"_id": 1, "desc": "crafts", "dateEntered": dt(2013, 10, 1, 5),
         "dateExpired": dt(2013, 10, 1, 16, 38, 16, 163000)}],
        updates=[("update_one", {"_id": 1}, {"$max": {"dateExpired": dt(2013, 9, 30)}})],
        expected=[{"_id": 1, "desc": "crafts", "dateEntered": dt(2013, 10, 1, 5),
                   "dateExpired": dt(2013, 10, 1, 16, 38, 16, 163000)}]),
    # --------------------------------------------------------------- $rename
    dict(name="rename/field", docs=STUDENTS_NMAE,
         updates=[("update_many", {}, {"$rename": {"nmae": "name"}})],
         expected=[_renamed(d) for d in STUDENTS_NMAE]),
    dict(name="rename/embedded-field", docs=STUDENTS_NMAE,
         updates=[("update_many", {}, {"$rename": {"nmae": "name"}}),
                  ("update_one", {"_id": 1}, {"$rename": {"name.first": "name.fname"}})],
         expected=[_renamed(STUDENTS_NMAE[0], last="washington", fname="george")]
         + [_renamed(d) for d in STUDENTS_NMAE[1:]]),
    dict(name="rename/missing-field", docs=STUDENTS_NMAE,
         updates=[("update_one", {"_id": 1}, {"$rename": {"wife": "spouse"}})],
         expected=STUDENTS_NMAE),
    # ---------------------------------------------------------- $setOnInsert
    dict(name="setOnInsert/upsert-inserts", docs=[],
         updates=[("update_one", {"_id": 1},
                   {"$set": {"item": "apple"}, "$setOnInsert": {"defaultQty": 100}},
                   {"upsert": True})],
         # 5.0+ applies the fields of all operators in lexicographic order, so the inserted
         # document holds defaultQty before item; the page prints the pre-5.0 order
         expected=[{"_id": 1, "item": "apple", "defaultQty": 100}], any_key_order=True),
    dict(name="setOnInsert/match-ignores", docs=[{"_id": 1, "item": "pear"}],
         updates=[("update_one", {"_id": 1},
                   {"$set": {"item": "apple"}, "$setOnInsert": {"defaultQty": 100}},
                   {"upsert": True})],
         expected=[{"_id": 1, "item": "apple"}]),
    # ---------------------------------------------------------- $currentDate
    dict(name="currentDate/date-and-timestamp", docs=[
        {"_id": 1, "status": "a", "lastModified": dt(2013, 10, 2, 1, 11, 18, 965000)}],
        updates=[("update_one", {"_id": 1}, {
            "$currentDate": {"lastModified": True, "cancellation.date": {"$type": "timestamp"}},
            "$set": {"cancellation.reason": "user request", "status": "D"}})],
        expected=[{"_id": 1, "status": "D", "lastModified": ANY,
                   "cancellation": {"date": ANY, "reason": "user request"}}],
        types={("lastModified",): datetime, ("cancellation", "date"): Timestamp}),
    # ----------------------------------------------------------------- $push
    dict(name="push/append-value", docs=[{"_id": 1, "scores": [44, 78, 38, 80]}],
         updates=[("update_one", {"_id": 1}, {"$push": {"scores": 89}})],
         expected=[{"_id": 1, "scores": [44, 78, 38, 80, 89]}]),
    dict(name="push/each", docs=[{"_id": 1, "name": "joe", "scores": [44, 78, 38, 80]}],
         updates=[("update_one", {"name": "joe"}, {"$push": {"scores": {"$each": [90, 92, 85]}}})],
         expected=[{"_id": 1, "name": "joe", "scores": [44, 78, 38, 80, 90, 92, 85]}]),
    dict(name="push/multiple-modifiers", docs=QUIZZES_5,
         updates=[("update_one", {"_id": 5}, {"$push": {"quizzes": {
             "$each": [{"wk": 5, "score": 8}, {"wk": 6, "score": 7}, {"wk": 7, "score": 6}],
             "$sort": {"score": -1}, "$slice": 3}}})],
         expected=[{"_id": 5, "quizzes": [{"wk": 1, "score": 10}, {"wk": 2, "score": 8},
                                          {"wk": 5, "score": 8}]}]),
    # $position
    dict(name="position/start", docs=[{"_id": 1, "scores": [100]}],
         updates=[("update_one", {"_id": 1},
                   {"$push": {"scores": {"$each": [50, 60, 70], "$position": 0}}})],
         expected=[{"_id": 1, "scores": [50, 60, 70, 100]}]),
    dict(name="position/middle", docs=[{"_id": 1, "scores": [50, 60, 70, 100]}],
         updates=[("update_one", {"_id": 1},
                   {"$push": {"scores": {"$each": [20, 30], "$position": 2}}})],
         expected=[{"_id": 1, "scores": [50, 60, 20, 30, 70, 100]}]),
    dict(name="position/negative", docs=[{"_id": 1, "scores": [50, 60, 20, 30, 70, 100]}],
         updates=[("update_one", {"_id": 1},
                   {"$push": {"scores": {"$each": [90, 80], "$position": -2}}})],
         expected=[{"_id": 1, "scores": [50, 60, 20, 30, 90, 80, 70, 100]}]),
    # $slice
    dict(name="slice/from-end", docs=[{"_id": 1, "scores": [40, 50, 60]}],
         updates=[("update_one", {"_id": 1},
                   {"$push": {"scores": {"$each": [80, 78, 86], "$slice": -5}}})],
         expected=[{"_id": 1, "scores": [50, 60, 80, 78, 86]}]),
    dict(name="slice/from-front", docs=[{"_id": 2, "scores": [89, 90]}],
         updates=[("update_one", {"_id": 2},
                   {"$push": {"scores": {"$each": [100, 20], "$slice": 3}}})],
         expected=[{"_id": 2, "scores": [89, 90, 100]}]),
    dict(name="slice/slice-only", docs=[{"_id": 3, "scores": [89, 70, 100, 20]}],
         updates=[("update_one", {"_id": 3}, {"$push": {"scores": {"$each": [], "$slice": -3}}})],
         expected=[{"_id": 3, "scores": [70, 100, 20]}]),
    # $sort
    dict(name="sort/documents-by-field",
         docs=[{"_id": 1, "quizzes": [{"id": 1, "score": 6}, {"id": 2, "score": 9}]}],
         updates=[("update_one", {"_id": 1}, {"$push": {"quizzes": {
             "$each": [{"id": 3, "score": 8}, {"id": 4, "score": 7}, {"id": 5, "score": 6}],
             "$sort": {"score": 1}}}})],
         expected=[{"_id": 1, "quizzes": [
             {"id": 1, "score": 6}, {"id": 5, "score": 6}, {"id": 4, "score": 7},
             {"id": 3, "score": 8}, {"id": 2, "score": 9}]}]),
    dict(name="sort/non-documents", docs=[{"_id": 2, "tests": [89, 70, 89, 50]}],
         updates=[("update_one", {"_id": 2}, {"$push": {"tests": {"$each": [40, 60],
                                                                  "$sort": 1}}})],
         expected=[{"_id": 2, "tests": [40, 50, 60, 70, 89, 89]}]),
    dict(name="sort/sort-only", docs=[{"_id": 3, "tests": [89, 70, 100, 20]}],
         updates=[("update_one", {"_id": 3}, {"$push": {"tests": {"$each": [], "$sort": -1}}})],
         expected=[{"_id": 3, "tests": [100, 89, 70, 20]}]),
    # ------------------------------------------------------------- $addToSet
    dict(name="addToSet/array-value", docs=[{"_id": 1, "letters": ["a", "b"]}],
         updates=[("update_one", {"_id": 1}, {"$addToSet": {"letters": ["c", "d"]}})],
         expected=[{"_id": 1, "letters": ["a", "b", ["c", "d"]]}]),
    dict(name="addToSet/add-and-exists",
         docs=[{"_id": 1, "item": "polarizing_filter", "tags": ["electronics", "camera"]}],
         updates=[("update_one", {"_id": 1}, {"$addToSet": {"tags": "accessories"}}),
                  ("update_one", {"_id": 1}, {"$addToSet": {"tags": "camera"}})],
         expected=[{"_id": 1, "item": "polarizing_filter",
                    "tags": ["electronics", "camera", "accessories"]}]),
    dict(name="addToSet/each", docs=[{"_id": 2, "item": "cable",
                                      "tags": ["electronics", "supplies"]}],
         updates=[("update_one", {"_id": 2}, {"$addToSet": {"tags": {
             "$each": ["camera", "electronics", "accessories"]}}})],
         expected=[{"_id": 2, "item": "cable",
                    "tags": ["electronics", "supplies", "camera", "accessories"]}]),
    # ------------------------------------------------------------------ $pop
    dict(name="pop/last", docs=[{"_id": 1, "field": [1, 2, 3]}],
         updates=[("update_one", {"_id": 1}, {"$pop": {"field": 1}})],
         expected=[{"_id": 1, "field": [1, 2]}]),
    dict(name="pop/first", docs=[{"_id": 1, "field": [1, 2, 3]}],
         updates=[("update_one", {"_id": 1}, {"$pop": {"field": -1}})],
         expected=[{"_id": 1, "field": [2, 3]}]),
    dict(name="pop/last-item-leaves-empty-array", docs=[{"_id": 1, "field": [1]}],
         updates=[("update_one", {"_id": 1}, {"$pop": {"field": 1}})],
         expected=[{"_id": 1, "field": []}]),
    # ----------------------------------------------------------------- $pull
    dict(name="pull/equal-values", docs=[
        {"_id": 1, "fruits": ["apples", "pears", "oranges", "grapes", "bananas"],
         "vegetables": ["carrots", "celery", "squash", "carrots"]},
        {"_id": 2, "fruits": ["plums", "kiwis", "oranges", "bananas", "apples"],
         "vegetables": ["broccoli", "zucchini", "carrots", "onions"]}],
        updates=[("update_many", {}, {"$pull": {"fruits": {"$in": ["apples", "oranges"]},
                                                "vegetables": "carrots"}})],
        expected=[{"_id": 1, "fruits": ["pears", "grapes", "bananas"],
                   "vegetables": ["celery", "squash"]},
                  {"_id": 2, "fruits": ["plums", "kiwis", "bananas"],
                   "vegetables": ["broccoli", "zucchini", "onions"]}]),
    dict(name="pull/condition", docs=[{"_id": 1, "votes": [3, 5, 6, 7, 7, 8]}],
         updates=[("update_one", {"_id": 1}, {"$pull": {"votes": {"$gte": 6}}})],
         expected=[{"_id": 1, "votes": [3, 5]}]),
    dict(name="pull/two-conditions", docs=[{"_id": 1, "votes": [3, 5, 6, 7, 7, 8]}],
         updates=[("update_one", {"_id": 1}, {"$pull": {"votes": {"$gte": 6}}}),
                  ("update_one", {"_id": 1}, {"$pull": {"votes": {"$lte": 3}}})],
         expected=[{"_id": 1, "votes": [5]}]),
    dict(name="pull/array-of-documents", docs=[
        {"_id": 1, "results": [{"item": "A", "score": 5}, {"item": "B", "score": 8}]},
        {"_id": 2, "results": [{"item": "C", "score": 8}, {"item": "B", "score": 4}]}],
        updates=[("update_many", {}, {"$pull": {"results": {"score": 8, "item": "B"}}})],
        expected=[{"_id": 1, "results": [{"item": "A", "score": 5}]},
                  {"_id": 2, "results": [{"item": "C", "score": 8}, {"item": "B", "score": 4}]}]),
    dict(name="pull/elemMatch-on-top-level-elements-pulls-nothing", docs=[
        {"_id": 1, "results": [{"item": "A", "score": 5}, {"item": "B", "score": 8}]},
        {"_id": 2, "results": [{"item": "C", "score": 8}, {"item": "B", "score": 4}]}],
        updates=[("update_many", {}, {"$pull": {"results": {
            "$elemMatch": {"score": 8, "item": "B"}}}})],
        expected=[
            {"_id": 1, "results": [{"item": "A", "score": 5}, {"item": "B", "score": 8}]},
            {"_id": 2, "results": [{"item": "C", "score": 8}, {"item": "B", "score": 4}]}]),
    dict(name="pull/nested-arrays", docs=SURVEY_NESTED,
         updates=[("update_many", {}, {"$pull": {"results": {
             "answers": {"$elemMatch": {"q": 2, "a": {"$gte": 8}}}}}})],
         expected=[{"_id": 1, "results": [SURVEY_NESTED[0]["results"][0]]},
                   {"_id": 2, "results": [SURVEY_NESTED[1]["results"][0]]}]),
    # -------------------------------------------------------------- $pullAll
    dict(name="pullAll/values", docs=[{"_id": 1, "scores": [0, 2, 5, 5, 1, 0]}],
         updates=[("update_one", {"_id": 1}, {"$pullAll": {"scores": [0, 5]}})],
         expected=[{"_id": 1, "scores": [2, 1]}]),
    # ------------------------------------------------------------ positional $
    dict(name="positional/values", docs=[
        {"_id": 1, "grades": [85, 80, 80]}, {"_id": 2, "grades": [88, 90, 92]},
        {"_id": 3, "grades": [85, 100, 90]}],
        updates=[("update_one", {"_id": 1, "grades": 80}, {"$set": {"grades.$": 82}})],
        expected=GRADES_3),
    dict(name="positional/documents", docs=[
        {"_id": 4, "grades": [_g(80, 75, 8), _g(85, 90, 5), _g(85, 85, 8)]}],
        updates=[("update_one", {"_id": 4, "grades.grade": 85}, {"$set": {"grades.$.std": 6}})],
        expected=[{"_id": 4, "grades": [_g(80, 75, 8), _g(85, 90, 6), _g(85, 85, 8)]}]),
    dict(name="positional/elemMatch", docs=[
        {"_id": 5, "grades": [_g(80, 75, 8), _g(85, 90, 5), _g(90, 85, 3)]}],
        updates=[("update_one", {"_id": 5, "grades": {"$elemMatch": {
            "grade": {"$lte": 90}, "mean": {"$gt": 80}}}}, {"$set": {"grades.$.std": 6}})],
        expected=[{"_id": 5, "grades": [_g(80, 75, 8), _g(85, 90, 6), _g(90, 85, 3)]}]),
    # ------------------------------------------------------------------- $[]
    dict(name="positional-all/values", docs=GRADES_3,
         updates=[("update_many", {}, {"$inc": {"grades.$[]": 10}})],
         expected=GRADES_3_PLUS_10),
    dict(name="positional-all/documents", docs=[
        {"_id": 1, "grades": [_g(80, 75, 8), _g(85, 90, 6), _g(85, 85, 8)]},
        {"_id": 2, "grades": [_g(90, 75, 8), _g(87, 90, 5), _g(85, 85, 6)]}],
        updates=[("update_many", {}, {"$inc": {"grades.$[].std": -2}})],
        expected=[{"_id": 1, "grades": [_g(80, 75, 6), _g(85, 90, 4), _g(85, 85, 6)]},
                  {"_id": 2, "grades": [_g(90, 75, 6), _g(87, 90, 3), _g(85, 85, 4)]}]),
    dict(name="positional-all/negation-query", docs=GRADES_3,
         updates=[("update_many", {"grades": {"$ne": 100}}, {"$inc": {"grades.$[]": 10}})],
         expected=GRADES_3_PLUS_10[:2] + GRADES_3[2:]),
    dict(name="positional-all/nested-with-filtered", docs=STUDENTS3,
         updates=[("update_many", {}, {"$inc": {"grades.$[].questions.$[score]": 2}},
                   {"array_filters": [{"score": {"$gte": 8}}]})],
         expected=[{"_id": 1, "grades": [
             {"type": "quiz", "questions": [12, 10, 5]},
             {"type": "quiz", "questions": [10, 11, 6]},
             {"type": "hw", "questions": [5, 4, 3]},
             {"type": "exam", "questions": [27, 12, 25, 0]}]}]),
    # --------------------------------------------------------- $[<identifier>]
    dict(name="positional-filtered/values", docs=GRADES_3_PLUS_10,
         updates=[("update_many", {}, {"$set": {"grades.$[element]": 100}},
                   {"array_filters": [{"element": {"$gte": 100}}]})],
         expected=[{"_id": 1, "grades": [95, 92, 90]}, {"_id": 2, "grades": [98, 100, 100]},
                   {"_id": 3, "grades": [95, 100, 100]}]),
    dict(name="positional-filtered/documents", docs=[
        {"_id": 1, "grades": [_g(80, 75, 6), _g(85, 90, 4), _g(85, 85, 6)]},
        {"_id": 2, "grades": [_g(90, 75, 6), _g(87, 90, 3), _g(85, 85, 4)]}],
        updates=[("update_many", {}, {"$set": {"grades.$[elem].mean": 100}},
                  {"array_filters": [{"elem.grade": {"$gte": 85}}]})],
        expected=[{"_id": 1, "grades": [_g(80, 75, 6), _g(85, 100, 4), _g(85, 100, 6)]},
                  {"_id": 2, "grades": [_g(90, 100, 6), _g(87, 100, 3), _g(85, 100, 4)]}]),
    dict(name="positional-filtered/multiple-conditions", docs=[
        {"_id": 1, "grades": [_g(80, 75, 6), _g(85, 100, 4), _g(85, 100, 6)]},
        {"_id": 2, "grades": [_g(90, 100, 6), _g(87, 100, 3), _g(85, 100, 4)]}],
        updates=[("update_many", {}, {"$inc": {"grades.$[elem].std": -1}},
                  {"array_filters": [{"elem.grade": {"$gte": 80}, "elem.std": {"$gte": 5}}]})],
        expected=[{"_id": 1, "grades": [_g(80, 75, 5), _g(85, 100, 4), _g(85, 100, 5)]},
                  {"_id": 2, "grades": [_g(90, 100, 5), _g(87, 100, 3), _g(85, 100, 4)]}]),
    dict(name="positional-filtered/negation", docs=ALUMNI,
         updates=[("update_many", {}, {"$set": {"degrees.$[degree].gradcampaign": 1}},
                   {"array_filters": [{"degree.level": {"$ne": "Bachelor"}}]})],
         expected=[dict(ALUMNI[0], degrees=[dict(ALUMNI[0]["degrees"][0], gradcampaign=1),
                                            ALUMNI[0]["degrees"][1]]), ALUMNI[1]]),
    dict(name="positional-filtered/nested-arrays", docs=STUDENTS3,
         updates=[("update_many", {}, {"$inc": {"grades.$[t].questions.$[score]": 2}},
                   {"array_filters": [{"t.type": "quiz"}, {"score": {"$gte": 8}}]})],
         expected=[{"_id": 1, "grades": [
             {"type": "quiz", "questions": [12, 10, 5]},
             {"type": "quiz", "questions": [10, 11, 6]},
             {"type": "hw", "questions": [5, 4, 3]},
             {"type": "exam", "questions": [25, 10, 23, 0]}]}]),
    # ------------------------------------------------------------------ $bit
    # the page's own forms: { $bit: { field: { and: NumberInt(5) } } } and { or: ... }
    dict(name="bit/and", docs=[{"_id": 1, "field": 1}],
         updates=[("update_one", {"field": 1}, {"$bit": {"field": {"and": 5}}})],
         expected=[{"_id": 1, "field": 1}]),
    dict(name="bit/or", docs=[{"_id": 1, "field": 1}],
         updates=[("update_one", {"field": 1}, {"$bit": {"field": {"or": 5}}})],
         expected=[{"_id": 1, "field": 5}]),
]


def _at(doc, path):
    for key in path:
        doc = doc[key]
    return doc


@pytest.mark.parametrize("ex", EXAMPLES, ids=ids(EXAMPLES))
def test_manual_example(db, ex):
    coll = db["c"]
    if ex["docs"]:
        coll.insert_many([dict(d) for d in ex["docs"]])
    for method, filter_, update, *options in ex["updates"]:
        getattr(coll, method)(filter_, update, **(options[0] if options else {}))
    actual = list(coll.find().sort("_id", 1))
    compare(actual, ex["expected"], ordered=True, key_order=not ex.get("any_key_order"))
    for path, type_ in ex.get("types", {}).items():
        assert all(isinstance(_at(d, path), type_) for d in actual), (path, actual)
