"""Collation: the manual's collation examples (reference/collation, cursor.collation(),
case-insensitive indexes, views) and ICU's documented orderings, on the
in-process face and through pymongo's own client on the command path (the
driver transport); the async face runs them too (asyncface twin).

Expected orders are ICU/CLDR facts: strength 1 ignores case and accents,
strength 2 ignores case, ``caseLevel`` brings case back at strength 1,
``numericOrdering`` puts "2" before "10", ``caseFirst: "upper"`` puts "A"
before "a", ``alternate: "shifted"`` ignores spaces and punctuation (only
spaces with ``maxVariable: "space"``), French ``backwards`` weighs the last
accent first (cote < côte < coté < côté), Swedish puts "ä" after "z", Spanish
"ñ" after "n".  Error codes and messages are CollatorFactoryICU's.
"""

from __future__ import annotations

import pytest
from bson.min_key import MinKey
from pymongo.collation import Collation
from pymongo.errors import DuplicateKeyError, OperationFailure

import mim
from mim.engine.languages import collation as collation_module

pytest.importorskip("icu", reason="the 'collation' extra (PyICU) is not installed")


@pytest.fixture(params=["in-process", "driver"])
def cdb(request):
    """A database on the in-process face, then on pymongo's client (command path)."""
    if request.param == "in-process":
        client = mim.MongoClient(server=mim.Server())
    else:
        client = mim.driver_client(server=mim.Server())
    yield client["collation"]
    client.close()


def _values(cursor, field="n"):
    return [doc[field] for doc in cursor]


# ---------------------------------------------------------------------------
# the collation document, validated as the server does
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("spec, code, message", [
    ({"locale": "xx"}, 2, 'Field \'locale\' is invalid in: { locale: "xx" }'),
    ({"locale": "EN"}, 2, 'Field \'locale\' is invalid in: { locale: "EN" }. Did you mean '
                          '\'en\'?'),
    ({"locale": ""}, 2, "Field 'locale' cannot be the empty string in: { locale: \"\" }"),
    ({"strength": 2}, 4, 'Missing expected field "locale"'),
    ({"locale": 1}, 14, '"locale" had the wrong type. Expected string, found int'),
    ({"locale": "en", "strength": 6}, 9, "Field 'strength' must be an integer 1 through 5. "
                                         "Got: 6"),
    ({"locale": "en", "strength": 2.5}, 2, 'Expected field "strength" to have a value exactly '
                                           'representable as a 64-bit integer, but found '
                                           'strength: 2.5'),
    ({"locale": "en", "strength": "2"}, 14, 'Expected field "strength" to have numeric type, '
                                            'but found string'),
    ({"locale": "en", "caseLevel": 1}, 14, '"caseLevel" had the wrong type. Expected bool, '
                                           'found int'),
    ({"locale": "en", "caseFirst": "first"}, 9, "Field 'caseFirst' must be 'upper', 'lower', "
                                                "or 'off'. Got: first"),
    ({"locale": "en", "alternate": "ignorable"}, 9, "Field 'alternate' must be 'non-ignorable' "
                                                    "or 'shifted'. Got: ignorable"),
    ({"locale": "en", "maxVariable": "symbol"}, 9, "Field 'maxVariable' must be 'punct' or "
                                                   "'space'. Got: symbol"),
    ({"locale": "en", "colour": 1}, 9, 'Collation spec contains unknown field. Collation '
                                       'spec: { locale: "en", colour: 1 }'),
    ({"locale": "simple", "strength": 1}, 9, 'If locale=simple, no other fields should be '
                                             'present in: { locale: "simple", strength: 1 }'),
    ({"locale": "en", "version": "1.0"}, 161, 'Requested collation version 1.0 but the only '
                                              'available collator version was 57.1. Requested '
                                              'collation spec: { locale: "en", version: "1.0" }'),
])
def test_invalid_collation_documents(cdb, spec, code, message):
    cdb.c.insert_one({"n": "a"})
    with pytest.raises(OperationFailure) as info:
        list(cdb.c.find({}, collation=spec))
    assert info.value.code == code
    assert info.value.details["errmsg"] == message


@pytest.mark.parametrize("spec, message", [
    ({"locale": "en", "strength": 1, "backwards": True},
     "'backwards' is invalid with 'strength' of 1 in: "),
    ({"locale": "en", "strength": 2, "caseFirst": "upper"},
     "'caseFirst' is invalid unless 'caseLevel' is on or 'strength' is greater than 2 in: "),
])
def test_options_without_effect_are_refused(cdb, spec, message):
    with pytest.raises(OperationFailure) as info:
        cdb.c.count_documents({}, collation=spec)
    assert info.value.code == 2
    assert info.value.details["errmsg"].startswith(message)


def test_index_collation_is_stored_with_every_option(cdb):
    # db.collection.createIndex() manual: the index's collation as listIndexes shows it
    cdb.c.create_index("n", collation={"locale": "fr"})
    spec = [i for i in cdb.c.list_indexes() if i["name"] == "n_1"][0]
    assert dict(spec["collation"]) == {
        "locale": "fr", "caseLevel": False, "caseFirst": "off", "strength": 3,
        "numericOrdering": False, "alternate": "non-ignorable", "maxVariable": "punct",
        "normalization": False, "backwards": False, "version": "57.1"}
    cdb.d.create_index("n", collation={"locale": "fr_CA"})  # Canadian French: backwards
    spec = [i for i in cdb.d.list_indexes() if i["name"] == "n_1"][0]
    assert spec["collation"]["backwards"] is True


def test_simple_collation_is_binary(cdb):
    cdb.c.insert_many([{"n": v} for v in ["b", "B", "a", "A"]])
    assert _values(cdb.c.find({}, {"_id": 0}, collation={"locale": "simple"}).sort("n")) == \
        ["A", "B", "a", "b"]


# ---------------------------------------------------------------------------
# comparison levels and options
# ---------------------------------------------------------------------------

CAFES = [{"_id": 1, "category": "café", "status": "A"},
         {"_id": 2, "category": "cafe", "status": "a"},
         {"_id": 3, "category": "cafE", "status": "a"}]


@pytest.fixture
def cafes(cdb):
    cdb.myColl.insert_many([dict(d) for d in CAFES])
    return cdb.myColl


def test_manual_cursor_collation_strength_1(cafes):
    # cursor.collation() manual: strength 1 ignores case and diacritics
    found = cafes.find({"category": "cafe", "status": "a"}).sort("category", 1).collation(
        Collation(locale="fr", strength=1))
    assert sorted(d["_id"] for d in found) == [1, 2, 3]


@pytest.mark.parametrize("collation, expected", [
    (None, [2]),
    ({"locale": "fr"}, [2]),
    ({"locale": "fr", "strength": 2}, [2, 3]),
    ({"locale": "fr", "strength": 1}, [1, 2, 3]),
    ({"locale": "fr", "strength": 1, "caseLevel": True}, [1, 2]),
])
def test_equality_by_strength(cafes, collation, expected):
    found = cafes.find({"category": "cafe"}, collation=collation)
    assert sorted(d["_id"] for d in found) == expected


def test_in_nin_and_ranges_follow_the_collation(cafes):
    strength2 = {"locale": "fr", "strength": 2}
    assert sorted(d["_id"] for d in cafes.find({"category": {"$in": ["CAFE", "x"]}},
                                                collation=strength2)) == [2, 3]
    assert sorted(d["_id"] for d in cafes.find({"category": {"$nin": ["CAFE"]}},
                                                collation=strength2)) == [1]
    assert sorted(d["_id"] for d in cafes.find({"category": {"$gte": "CAFE", "$lte": "cafe"}},
                                                collation=strength2)) == [2, 3]
    assert sorted(d["_id"] for d in cafes.find({"category": {"$ne": "CAFE"}},
                                                collation=strength2)) == [1]


def test_regex_ignores_the_collation(cafes):
    found = cafes.find({"category": {"$regex": "^CAF"}}, collation={"locale": "fr", "strength": 1})
    assert list(found) == []


@pytest.mark.parametrize("collation, expected", [
    ({"locale": "en"}, ["a", "A", "b", "B"]),
    ({"locale": "en", "caseFirst": "upper"}, ["A", "a", "B", "b"]),
    ({"locale": "en", "caseFirst": "lower"}, ["a", "A", "b", "B"]),
])
def test_case_first(cdb, collation, expected):
    cdb.c.insert_many([{"n": v} for v in ["b", "B", "A", "a"]])
    assert _values(cdb.c.find({}, collation=collation).sort("n", 1)) == expected


def test_numeric_ordering(cdb):
    cdb.c.insert_many([{"n": v} for v in ["10", "2", "1", "20"]])
    assert _values(cdb.c.find({}).sort("n", 1)) == ["1", "10", "2", "20"]
    numeric = {"locale": "en", "numericOrdering": True}
    assert _values(cdb.c.find({}, collation=numeric).sort("n", 1)) == ["1", "2", "10", "20"]
    assert _values(cdb.c.find({"n": {"$gt": "2"}}, collation=numeric).sort("n", 1)) == \
        ["10", "20"]


def test_alternate_shifted_ignores_spaces_and_punctuation(cdb):
    cdb.c.insert_many([{"n": v} for v in ["black bird", "black-bird", "blackbird", "blackbirds"]])
    shifted = {"locale": "en", "alternate": "shifted"}
    assert sorted(_values(cdb.c.find({"n": "blackbird"}, collation=shifted))) == \
        ["black bird", "black-bird", "blackbird"]
    spaces_only = {"locale": "en", "alternate": "shifted", "maxVariable": "space"}
    assert sorted(_values(cdb.c.find({"n": "blackbird"}, collation=spaces_only))) == \
        ["black bird", "blackbird"]
    assert _values(cdb.c.find({"n": "blackbird"}, collation={"locale": "en"})) == ["blackbird"]


@pytest.mark.parametrize("collation, expected", [
    ({"locale": "fr"}, ["cote", "coté", "côte", "côté"]),
    ({"locale": "fr", "backwards": True}, ["cote", "côte", "coté", "côté"]),
    ({"locale": "fr_CA"}, ["cote", "côte", "coté", "côté"]),
])
def test_french_backwards_secondary(cdb, collation, expected):
    cdb.c.insert_many([{"n": v} for v in ["côté", "coté", "cote", "côte"]])
    assert _values(cdb.c.find({}, collation=collation).sort("n", 1)) == expected


@pytest.mark.parametrize("locale, expected", [
    ("en", ["a", "ä", "z"]),
    ("de", ["a", "ä", "z"]),
    ("sv", ["a", "z", "ä"]),
])
def test_locale_tailorings_swedish(cdb, locale, expected):
    cdb.c.insert_many([{"n": v} for v in ["z", "ä", "a"]])
    assert _values(cdb.c.find({}, collation={"locale": locale}).sort("n", 1)) == expected


@pytest.mark.parametrize("locale, expected", [("en", ["ña", "nz"]), ("es", ["nz", "ña"])])
def test_locale_tailorings_spanish(cdb, locale, expected):
    cdb.c.insert_many([{"n": v} for v in ["nz", "ña"]])
    assert _values(cdb.c.find({}, collation={"locale": locale}).sort("n", 1)) == expected


def test_descending_sort_and_strings_inside_arrays_and_documents(cdb):
    cdb.c.insert_many([{"_id": 1, "n": ["B", "c"]}, {"_id": 2, "n": ["a"]},
                       {"_id": 3, "d": {"k": "A"}}, {"_id": 4, "d": {"k": "a"}}])
    en = {"locale": "en"}
    assert [d["_id"] for d in cdb.c.find({"n": {"$exists": True}}, collation=en)
            .sort("n", -1)] == [1, 2]
    assert sorted(d["_id"] for d in cdb.c.find({"d": {"k": "a"}},
                                               collation={"locale": "en", "strength": 2})) == [3, 4]


# ---------------------------------------------------------------------------
# every command that takes a collation
# ---------------------------------------------------------------------------

def test_count_and_distinct(cafes):
    assert cafes.count_documents({"category": "CAFÉ"}, collation={"locale": "fr",
                                                                   "strength": 1}) == 3
    values = cafes.distinct("status", collation={"locale": "fr", "strength": 2})
    assert len(values) == 1 and values[0].lower() == "a"
    assert sorted(cafes.distinct("category", collation={"locale": "fr", "strength": 2})) \
        in (["cafe", "café"], ["cafE", "café"])


def test_update_delete_and_find_and_modify(cafes):
    strength1 = {"locale": "fr", "strength": 1}
    assert cafes.update_many({"category": "CAFE"}, {"$set": {"seen": True}},
                             collation=strength1).modified_count == 3
    assert cafes.update_one({"status": "A"}, {"$set": {"first": True}},
                            collation={"locale": "fr", "strength": 2}).modified_count == 1
    found = cafes.find_one_and_update({"category": "CAFÉ"}, {"$set": {"x": 1}},
                                      sort=[("_id", -1)], collation=strength1)
    assert found["_id"] == 3
    assert cafes.delete_many({"category": "CAFE"},
                             collation={"locale": "fr", "strength": 2}).deleted_count == 2
    assert [d["_id"] for d in cafes.find()] == [1]


def test_bulk_write_statements_take_their_collation(cafes):
    from pymongo import DeleteMany, UpdateMany
    result = cafes.bulk_write([
        UpdateMany({"category": "CAFE"}, {"$set": {"b": 1}}, collation={"locale": "fr",
                                                                       "strength": 2}),
        DeleteMany({"category": "CAFE"}, collation={"locale": "fr", "strength": 1}),
    ])
    assert result.modified_count == 2
    assert result.deleted_count == 3


def test_aggregate_match_sort_group_and_expressions(cafes):
    strength1 = {"locale": "fr", "strength": 1}
    groups = list(cafes.aggregate([{"$group": {"_id": "$category", "n": {"$sum": 1},
                                               "statuses": {"$addToSet": "$status"}}}],
                                  collation=strength1))
    assert len(groups) == 1 and groups[0]["n"] == 3 and len(groups[0]["statuses"]) == 1
    matched = list(cafes.aggregate([{"$match": {"category": "CAFE"}}, {"$sort": {"_id": 1}},
                                    {"$project": {"same": {"$eq": ["$category", "CAFE"]},
                                                  "cmp": {"$cmp": ["$status", "A"]},
                                                  "in": {"$in": ["$status", ["A"]]}}}],
                                   collation={"locale": "fr", "strength": 2}))
    assert [(d["_id"], d["same"], d["cmp"], d["in"]) for d in matched] == \
        [(2, True, 0, True), (3, True, 0, True)]
    union = list(cafes.aggregate([{"$limit": 1}, {"$project": {
        "u": {"$setUnion": [["a", "A", "b"], ["B"]]}}}], collation={"locale": "en",
                                                                    "strength": 2}))
    assert len(union[0]["u"]) == 2
    expr = list(cafes.aggregate([{"$match": {"$expr": {"$eq": ["$category", "CAFE"]}}}],
                                collation=strength1))
    assert len(expr) == 3


def test_group_min_max_follow_the_collation(cdb):
    cdb.c.insert_many([{"n": v} for v in ["10", "9", "100"]])
    out = list(cdb.c.aggregate([{"$group": {"_id": None, "lo": {"$min": "$n"},
                                            "hi": {"$max": "$n"}}}],
                               collation={"locale": "en", "numericOrdering": True}))
    assert (out[0]["lo"], out[0]["hi"]) == ("9", "100")


def test_update_operators_compare_by_the_collation(cdb):
    strength2 = {"locale": "en", "strength": 2}
    cdb.c.insert_one({"_id": 1, "tags": ["Red", "green", "BLUE"], "best": "b",
                      "items": [{"k": "A", "v": 1}, {"k": "b", "v": 2}]})
    cdb.c.update_one({"_id": 1}, {"$pull": {"tags": "red"}}, collation=strength2)
    cdb.c.update_one({"_id": 1}, {"$addToSet": {"tags": {"$each": ["GREEN", "yellow"]}}},
                     collation=strength2)
    cdb.c.update_one({"_id": 1}, {"$pullAll": {"tags": ["blue"]}}, collation=strength2)
    assert cdb.c.find_one({"_id": 1})["tags"] == ["green", "yellow"]
    cdb.c.update_one({"_id": 1}, {"$max": {"best": "B"}}, collation=strength2)
    assert cdb.c.find_one({"_id": 1})["best"] == "b"  # equal under the collation: kept
    cdb.c.update_one({"_id": 1}, {"$set": {"items.$[i].v": 0}}, array_filters=[{"i.k": "a"}],
                     collation=strength2)
    assert [i["v"] for i in cdb.c.find_one({"_id": 1})["items"]] == [0, 2]
    cdb.c.update_one({"_id": 1}, {"$push": {"tags": {"$each": ["Banana", "apple"],
                                                      "$sort": 1}}},
                     collation={"locale": "en"})
    assert cdb.c.find_one({"_id": 1})["tags"] == ["apple", "Banana", "green", "yellow"]
    cdb.c.update_one({"_id": 1}, [{"$set": {"same": {"$eq": ["$best", "B"]}}}],
                     collation=strength2)
    assert cdb.c.find_one({"_id": 1})["same"] is True


def test_lookup_sort_array_top_and_buckets_follow_the_collation(cafes, cdb):
    strength2 = {"locale": "fr", "strength": 2}
    cdb.other.insert_many([{"_id": 10, "category": "CAFE"}, {"_id": 11, "category": "Café"}])
    joined = list(cafes.aggregate([{"$lookup": {"from": "other", "localField": "category",
                                                "foreignField": "category", "as": "o"}},
                                   {"$sort": {"_id": 1}}], collation=strength2))
    assert [[o["_id"] for o in d["o"]] for d in joined] == [[11], [10], [10]]
    sorted_ = list(cafes.aggregate([{"$limit": 1}, {"$project": {"_id": 0, "s": {
        "$sortArray": {"input": ["b", "A", "a", "B"], "sortBy": 1}}}}],
        collation={"locale": "en", "caseFirst": "upper"}))
    assert sorted_ == [{"s": ["A", "a", "B", "b"]}]
    top = list(cdb.aggregate([{"$documents": [{"v": "10"}, {"v": "9"}, {"v": "100"}]},
                                   {"$group": {"_id": None,
                                               "top": {"$top": {"sortBy": {"v": -1},
                                                                "output": "$v"}},
                                               "two": {"$minN": {"n": 2, "input": "$v"}}}}],
                                  collation={"locale": "en", "numericOrdering": True}))
    assert (top[0]["top"], top[0]["two"]) == ("100", ["9", "10"])
    buckets = list(cdb.aggregate([{"$documents": [{"v": "b"}, {"v": "B"}, {"v": "c"}]},
                                       {"$bucket": {"groupBy": "$v",
                                                    "boundaries": ["a", "c", "d"]}}],
                                      collation={"locale": "en"}))
    assert buckets == [{"_id": "a", "count": 2}, {"_id": "c", "count": 1}]


def test_window_functions_partition_and_rank_by_the_collation(cdb):
    cdb.w.insert_many([{"_id": 1, "k": "a"}, {"_id": 2, "k": "A"}, {"_id": 3, "k": "b"}])
    strength2 = {"locale": "en", "strength": 2}
    out = list(cdb.w.aggregate([
        {"$setWindowFields": {"partitionBy": "$k", "output": {"n": {"$sum": 1}}}},
        {"$sort": {"_id": 1}}], collation=strength2))
    assert [d["n"] for d in out] == [2, 2, 1]
    ranked = list(cdb.w.aggregate([
        {"$setWindowFields": {"sortBy": {"k": 1}, "output": {"r": {"$rank": {}}}}},
        {"$sort": {"_id": 1}}], collation=strength2))
    assert [d["r"] for d in ranked] == [1, 1, 3]


CASELESS = {"locale": "en", "strength": 2}


@pytest.fixture
def signups(cdb):
    cdb.signups.insert_many([{"_id": 1, "email": "ANN@X.ORG", "v": 1},
                             {"_id": 2, "email": "bob@x.org", "v": 2}])
    cdb.create_collection("members", collation=CASELESS)
    cdb.members.insert_one({"_id": "m1", "email": "ann@x.org", "v": 0})
    cdb.members.create_index("email", unique=True)  # takes the collection's collation
    return cdb.signups


def test_merge_on_a_unique_index_with_the_aggregations_collation(signups, cdb):
    list(signups.aggregate([{"$project": {"_id": 0}},
                            {"$merge": {"into": "members", "on": "email"}}],
                           collation=CASELESS))
    found = {d["email"].lower(): d for d in cdb.members.find({}, {"_id": 0})}
    # ANN@X.ORG matched ann@x.org under the collation: merged, not inserted
    assert found == {"ann@x.org": {"email": "ANN@X.ORG", "v": 1},
                     "bob@x.org": {"email": "bob@x.org", "v": 2}}


@pytest.mark.parametrize("collation, on", [
    (None, "email"),  # the caseless index does not serve a simple aggregation
    (CASELESS, "_id"),  # an explicit _id is checked too: plain's _id index is simple
])
def test_merge_on_needs_its_unique_index_in_the_same_collation(signups, cdb, collation, on):
    cdb.plain.insert_one({"_id": 1, "email": "x"})
    cdb.plain.create_index("email", unique=True)
    target = "members" if collation is None else "plain"
    with pytest.raises(OperationFailure) as info:
        list(signups.aggregate([{"$merge": {"into": target, "on": on}}],
                               **({"collation": collation} if collation else {})))
    assert (info.value.code, info.value.details["errmsg"]) == (
        51183, "Cannot find index to verify that join fields will be unique")
    assert cdb.members.count_documents({}) == 1 and cdb.plain.count_documents({}) == 1
    # with its own index's collation the same $merge runs
    list(signups.aggregate([{"$project": {"_id": 0}},
                            {"$merge": {"into": "members", "on": "email"}}],
                           collation=CASELESS))


def test_merge_default_on_matches_with_the_targets_collation(signups, cdb):
    # the default 'on' (_id) is not checked for an index; 7.0's merge updates carry no
    # collation, so the target's own (simple here) decides what matches
    cdb.plain.insert_one({"_id": "a", "v": 0})
    cdb.tags.insert_one({"_id": "A", "v": 1})
    list(cdb.tags.aggregate([{"$merge": {"into": "plain"}}], collation=CASELESS))
    assert sorted(d["_id"] for d in cdb.plain.find()) == ["A", "a"]


def test_min_max_bounds_follow_the_hinted_indexs_collation(cdb):
    names = ["apple", "Banana", "cherry", "Apple", "banana", "Cherry"]
    cdb.fruit.insert_many([{"_id": i, "name": n} for i, n in enumerate(names)])
    cdb.fruit.create_index("name", collation=CASELESS, name="caseless")
    cdb.fruit.create_index([("_id", 1), ("name", 1)], collation=CASELESS, name="id_caseless")
    found = cdb.fruit.find({}, min={"name": "b"}, max={"name": "c"}, hint="caseless",
                           collation=CASELESS)
    assert sorted(d["name"] for d in found) == ["Banana", "banana"]
    # another collation's index takes no string bound (indexCompatibleMaxMin) ...
    with pytest.raises(OperationFailure) as info:
        list(cdb.fruit.find({}, min={"name": "b"}, hint="caseless"))
    assert info.value.code == 51174
    assert info.value.details["errmsg"].endswith("The index chosen is not compatible with "
                                                 "min/max")
    # ... but bounds a collation does not order are fine
    found = cdb.fruit.find({"name": "apple"}, min={"_id": 0, "name": MinKey()},
                           max={"_id": 4, "name": MinKey()}, hint="id_caseless",
                           collation={"locale": "simple"})
    assert [d["_id"] for d in found] == [0]


# ---------------------------------------------------------------------------
# collection defaults, indexes and views
# ---------------------------------------------------------------------------

def test_manual_case_insensitive_index(cdb):
    # "Case-Insensitive Indexes" manual page: the fruit example
    cdb.create_collection("fruit")
    cdb.fruit.create_index([("type", 1)], collation={"locale": "en", "strength": 2})
    cdb.fruit.insert_many([{"type": "apple"}, {"type": "Apple"}, {"type": "APPLE"}])
    assert len(list(cdb.fruit.find({"type": "apple"}))) == 1
    with_index = cdb.fruit.find({"type": "apple"}).collation({"locale": "en", "strength": 2})
    assert len(list(with_index.clone())) == 3
    planner = with_index.explain()["queryPlanner"]
    assert "IXSCAN" in str(planner["winningPlan"])
    assert planner["collation"]["strength"] == 2  # the query's collation, as explain shows it
    other = cdb.fruit.find({"type": "apple"}).collation({"locale": "en", "strength": 1})
    assert len(list(other.clone())) == 3
    assert "IXSCAN" not in str(other.explain()["queryPlanner"]["winningPlan"])
    assert "IXSCAN" not in str(cdb.fruit.find({"type": "apple"}).explain()["queryPlanner"])


def test_manual_collection_default_collation(cdb):
    # "Case-Insensitive Indexes": the names collection with a default collation
    cdb.create_collection("names", collation={"locale": "en_US", "strength": 2})
    cdb.names.create_index([("first_name", 1)])  # inherits the default collation
    cdb.names.insert_many([{"first_name": "Betsy"}, {"first_name": "BETSY"},
                           {"first_name": "betsy"}])
    assert len(list(cdb.names.find({"first_name": "betsy"}))) == 3
    assert len(list(cdb.names.find({"first_name": "betsy"}).collation({"locale": "en_US"}))) == 1
    assert len(list(cdb.names.find({"first_name": "betsy"},
                                   collation={"locale": "simple"}))) == 1
    index = [i for i in cdb.names.list_indexes() if i["name"] == "first_name_1"][0]
    assert index["collation"]["locale"] == "en_US" and index["collation"]["strength"] == 2
    options = {c["name"]: c["options"] for c in cdb.list_collections()}
    assert options["names"]["collation"]["strength"] == 2
    assert cdb.names.count_documents({"first_name": "BETSY"}) == 3
    assert cdb.names.distinct("first_name") in (["Betsy"], ["BETSY"], ["betsy"])


def test_explicit_simple_index_on_a_collated_collection(cdb):
    cdb.create_collection("names", collation={"locale": "en", "strength": 2})
    cdb.names.create_index([("n", 1)], collation={"locale": "simple"})
    index = [i for i in cdb.names.list_indexes() if i["name"] == "n_1"][0]
    assert "collation" not in index
    with pytest.raises(OperationFailure) as info:
        cdb.names.create_index([("t", "text")])
    assert info.value.code == 67
    assert info.value.details["errmsg"].startswith("Index type 'text' does not support "
                                                   "collation: { locale: \"en\"")
    cdb.names.create_index([("t", "text")], collation={"locale": "simple"})


def test_unique_index_with_a_collation(cdb):
    cdb.c.create_index("n", unique=True, collation={"locale": "en", "strength": 2})
    cdb.c.insert_one({"n": "abc"})
    with pytest.raises(DuplicateKeyError):
        cdb.c.insert_one({"n": "ABC"})
    cdb.c.insert_one({"n": "abç"})  # the accent still differs at strength 2
    assert cdb.c.count_documents({}) == 2


def test_hashed_index_with_a_collation(cdb):
    cdb.h.create_index([("k", "hashed")], collation={"locale": "en", "strength": 2})
    cdb.h.insert_many([{"k": "abc"}, {"k": "ABC"}, {"k": "x"}])
    cursor = cdb.h.find({"k": "Abc"}).collation({"locale": "en", "strength": 2})
    assert len(list(cursor.clone())) == 2
    assert "IXSCAN" in str(cursor.explain()["queryPlanner"]["winningPlan"])
    assert list(cdb.h.find({"k": "Abc"})) == []


def test_index_range_scan_in_collation_order(cdb):
    cdb.c.create_index("n", collation={"locale": "en"})
    cdb.c.insert_many([{"n": v} for v in ["b", "B", "a", "A", "c"]])
    en = {"locale": "en"}
    found = cdb.c.find({"n": {"$gte": "A", "$lt": "c"}}, collation=en).sort("n", 1)
    assert _values(found) == ["A", "b", "B"]
    assert _values(cdb.c.find({}, collation=en).sort("n", -1)) == ["c", "B", "b", "A", "a"]


def test_views_have_their_own_collation(cdb):
    cdb.people.insert_many([{"n": "Ana"}, {"n": "ana"}, {"n": "Bob"}])
    cdb.create_collection("ci", viewOn="people", pipeline=[],
                          collation={"locale": "en", "strength": 2})
    options = {c["name"]: c["options"] for c in cdb.list_collections()}
    assert options["ci"]["collation"]["strength"] == 2
    assert len(list(cdb.ci.find({"n": "ANA"}))) == 2
    assert cdb.ci.count_documents({"n": "ANA"}) == 2
    with pytest.raises(OperationFailure) as info:
        list(cdb.ci.find({"n": "ANA"}, collation={"locale": "fr"}))
    assert info.value.code == 167
    assert info.value.details["errmsg"] == "Cannot override a view's default collation"
    cdb.create_collection("plain", viewOn="people", pipeline=[])
    with pytest.raises(OperationFailure) as info:
        list(cdb.plain.find({}, collation={"locale": "en"}))
    assert info.value.code == 167


def test_without_icu_a_collation_is_refused_not_ignored(cdb, monkeypatch):
    cdb.c.insert_one({"n": "a"})
    monkeypatch.setattr(collation_module, "icu", None)
    collation_module._parse_cached.cache_clear()
    try:
        with pytest.raises(OperationFailure) as info:
            list(cdb.c.find({"n": "A"}, collation={"locale": "en", "strength": 2}))
        assert info.value.code == 238
        assert len(list(cdb.c.find({"n": "a"}, collation={"locale": "simple"}))) == 1
    finally:
        collation_module._parse_cached.cache_clear()


def test_collated_collection_id_index(cdb):
    # the _id_ index of a collection with a default collation has that collation
    cdb.create_collection("ci", collation={"locale": "en", "strength": 2})
    cdb.ci.insert_one({"_id": "a"})
    with pytest.raises(DuplicateKeyError):
        cdb.ci.insert_one({"_id": "A"})
    id_index = [i for i in cdb.ci.list_indexes() if i["name"] == "_id_"][0]
    assert id_index["collation"]["strength"] == 2
    assert cdb.ci.find_one({"_id": "A"}) == {"_id": "a"}
    cdb.ci.delete_one({"_id": "A"})
    cdb.ci.insert_one({"_id": "A"})
    assert [d["_id"] for d in cdb.ci.find()] == ["A"]


def test_an_empty_collation_document_asks_for_none(cdb):
    cdb.create_collection("ci", collation={"locale": "en", "strength": 2})
    cdb.ci.insert_many([{"n": "a"}, {"n": "A"}])
    assert len(list(cdb.ci.find({"n": "a"}, collation={}))) == 2  # the default applies


def test_views_and_the_namespaces_they_read_share_one_collation(cdb):
    # jstests/core/views/views_collation.js: $lookup into a view, views on views
    def code_and_message(operation):
        with pytest.raises(OperationFailure) as info:
            operation()
        return info.value.code, info.value.details["errmsg"]

    cdb.create_collection("simpleCollection")
    cdb.create_collection("ukCollection", collation={"locale": "uk"})
    cdb.create_collection("filCollection", collation={"locale": "fil"})
    cdb.command({"create": "simpleView", "viewOn": "ukCollection"})
    cdb.command({"create": "filView", "viewOn": "ukCollection", "collation": {"locale": "fil"}})
    lookup_simple = {"$lookup": {"from": "simpleView", "localField": "x", "foreignField": "x",
                                 "as": "r"}}
    lookup_fil = {"$lookup": {"from": "filView", "localField": "x", "foreignField": "x",
                              "as": "r"}}
    list(cdb.simpleCollection.aggregate([lookup_simple]))
    list(cdb.ukCollection.aggregate([lookup_simple], collation={"locale": "simple"}))
    list(cdb.filCollection.aggregate([lookup_fil]))
    assert code_and_message(lambda: list(cdb.simpleCollection.aggregate(
        [lookup_simple], collation={"locale": "en"}))) == (
        167, "Cannot override a view's default collationcollation.simpleView")
    assert code_and_message(lambda: list(cdb.simpleCollection.aggregate([lookup_fil])))[0] == 167
    assert code_and_message(lambda: list(cdb.filView.aggregate([lookup_simple])))[0] == 167
    assert code_and_message(lambda: cdb.command(
        {"create": "zhView", "viewOn": "filView", "collation": {"locale": "zh"}})) == (
        167, "View collation.zhView has conflicting collation with view collation.filView")
    cdb.command({"create": "filView2", "viewOn": "filView", "collation": {"locale": "fil"}})
    cdb.command({"drop": "filView"})
    assert code_and_message(lambda: cdb.command(
        {"create": "filView", "viewOn": "simpleCollection"})) == (
        167, "View collation.filView has a collation that does not match the collation of "
             "view collation.filView2")
    cdb.command({"create": "filView", "viewOn": "ukCollection", "collation": {"locale": "fil"}})
    assert "zhView" not in cdb.list_collection_names()


def test_an_invalid_statement_collation_is_that_statements_write_error(cdb):
    from pymongo.errors import WriteError
    cdb.c.insert_one({"n": "a"})
    with pytest.raises(WriteError) as info:
        cdb.c.update_one({"n": "a"}, {"$set": {"x": 1}}, collation={"locale": "xx"})
    assert info.value.code == 2
    with pytest.raises(WriteError) as info:
        cdb.c.delete_one({"n": "a"}, collation={"locale": "en", "strength": 9})
    assert info.value.code == 9
    assert cdb.c.find_one({}, {"_id": 0}) == {"n": "a"}


def test_find_projection_follows_the_collation(cdb):
    cdb.c.insert_one({"_id": 1, "items": [{"k": "x"}, {"k": "A"}], "n": "abc"})
    strength2 = {"locale": "en", "strength": 2}
    found = cdb.c.find_one({}, {"items": {"$elemMatch": {"k": "a"}},
                                "same": {"$eq": ["$n", "ABC"]}}, collation=strength2)
    assert found == {"_id": 1, "items": [{"k": "A"}], "same": True}


def test_geo_near_query_and_tailable_finds_follow_the_collation(cdb):
    from pymongo import CursorType
    cdb.p.create_index([("loc", "2dsphere")])
    cdb.p.insert_many([{"loc": {"type": "Point", "coordinates": [0, 0]}, "n": "A"},
                       {"loc": {"type": "Point", "coordinates": [1, 1]}, "n": "a"}])
    strength2 = {"locale": "en", "strength": 2}
    near = list(cdb.p.aggregate([{"$geoNear": {"near": {"type": "Point", "coordinates": [0, 0]},
                                               "distanceField": "d", "query": {"n": "a"}}}],
                                collation=strength2))
    assert [d["n"] for d in near] == ["A", "a"]
    cdb.create_collection("capped", capped=True, size=4096)
    cdb.capped.insert_many([{"n": "A"}, {"n": "b"}, {"n": "a"}])
    tail = cdb.capped.find({"n": "a"}, cursor_type=CursorType.TAILABLE, collation=strength2)
    assert [d["n"] for d in tail] == ["A", "a"]


def test_a_collections_validator_uses_its_default_collation(cdb):
    from pymongo.errors import WriteError
    cdb.create_collection("v", collation={"locale": "en", "strength": 2},
                          validator={"status": {"$in": ["open", "closed"]}})
    cdb.v.insert_one({"status": "OPEN"})
    with pytest.raises(WriteError) as info:
        cdb.v.insert_one({"status": "pending"})
    assert info.value.code == 121
    assert cdb.v.count_documents({}) == 1
