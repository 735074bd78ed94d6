"""Wildcard indexes (MongoDB 7.0), on both faces: creation and its refusals
(codes and messages from ``index_key_validate.cpp``, ``wildcard_validation.cpp``,
``index_catalog_impl.cpp``'s ``validateWildcardSpec`` and the jstests
``wildcard_index_validindex.js`` / ``compound_wildcard_index_validation.js``),
listIndexes, the planner's per-path IXSCAN ``{$_path: 1, <path>: 1}``, hints,
and the key rules (``wildcard_key_generator.cpp``)."""

from __future__ import annotations

import datetime

import pytest
from pymongo.errors import OperationFailure


def _create(coll, keys, **options):
    return coll.create_index(list(keys.items()), **options)


def _failure(coll, keys, **options) -> OperationFailure:
    with pytest.raises(OperationFailure) as info:
        _create(coll, keys, **options)
    return info.value


def _winning_scan(cursor):
    plan = cursor.explain()["queryPlanner"]["winningPlan"]
    while plan.get("stage") != "IXSCAN":
        if "inputStage" not in plan:
            return plan
        plan = plan["inputStage"]
    return plan


# -- creation --------------------------------------------------------------------------

@pytest.mark.parametrize("keys, options, name", [
    ({"$**": 1}, {}, "$**_1"),
    ({"a.$**": 1}, {}, "a.$**_1"),
    ({"$**": -1}, {}, "$**_-1"),
    ({"$**": 1}, {"partialFilterExpression": {"a": {"$gt": 0}}}, "$**_1"),
    ({"$**": 1}, {"collation": {"locale": "fr"}}, "$**_1"),
    ({"$**": 1}, {"wildcardProjection": {"a": 1, "b": 1, "c": 1}}, "$**_1"),
    ({"$**": 1}, {"wildcardProjection": {"a": 0, "b": 0, "c": 0}}, "$**_1"),
    ({"$**": 1}, {"wildcardProjection": {"_id": 1, "a": 0, "b": 0, "c": 0}}, "$**_1"),
    ({"$**": 1}, {"wildcardProjection": {"_id": 0, "a": 1, "b": 1, "c": 1}}, "$**_1"),
    ({"a": 1, "b.$**": 1}, {}, "a_1_b.$**_1"),
    ({"a.$**": 1, "b": 1}, {}, "a.$**_1_b_1"),
    ({"a": 1, "b.$**": -1, "c": 1}, {}, "a_1_b.$**_-1_c_1"),
    ({"a": 1, "$**": 1}, {"wildcardProjection": {"a": 0}}, "a_1_$**_1"),
    ({"$**": 1, "other": 1}, {"wildcardProjection": {"_id": 0, "a": 1}}, "$**_1_other_1"),
    ({"$**": 1, "d": 1}, {"wildcardProjection": {"a": {"b": 1, "c": 1}}}, "$**_1_d_1"),
    ({"_id": 1, "$**": 1}, {"wildcardProjection": {"_id": 0}}, "_id_1_$**_1"),
    ({"$**": 1, "e": 1}, {"wildcardProjection": {"_id": 1, "e": 0}}, "$**_1_e_1"),
    ({"_id": 1, "a.b": 1, "$**": 1}, {"wildcardProjection": {"_id": 0, "a": 0}},
     "_id_1_a.b_1_$**_1"),
])
def test_valid_wildcard_indexes_are_created(coll, keys, options, name):
    assert _create(coll, keys, **options) == name
    listed = {spec["name"]: spec for spec in coll.list_indexes()}[name]
    assert dict(listed["key"]) == keys
    for option, value in options.items():
        if option != "collation":
            assert listed[option] == value  # the projection as submitted (6.3+)


def test_list_indexes_shows_the_projection_as_submitted(coll):
    coll.create_index([("$**", 1)], wildcardProjection={"author.name": 1, "author.website": 1},
                      name="authorWildcard")
    spec = coll.index_information()["authorWildcard"]
    assert spec["key"] == [("$**", 1)]
    assert spec["wildcardProjection"] == {"author.name": 1, "author.website": 1}
    # the projection is part of the signature: another projection, another index
    coll.create_index([("$**", 1)], wildcardProjection={"publisher.name": 1},
                      name="publisherWildcard")
    assert {"authorWildcard", "publisherWildcard"} <= set(coll.index_information())


@pytest.mark.parametrize("keys, options, code, reason", [
    ({"$**": 0}, {}, 67, "Values in the index key pattern cannot be 0."),
    ({"$**": "hashed"}, {}, 67,
     "Index key contains an illegal field name: field name starts with '$'."),
    ({"$**": "2dsphere"}, {}, 67,
     "Index key contains an illegal field name: field name starts with '$'."),
    ({"a.$**": "text"}, {}, 67,
     "Index key contains an illegal field name: field name starts with '$'."),
    ({"$**": "wildcard"}, {}, 67,
     "The key pattern value for an 'wildcard' index must be a non-zero number, not a string."),
    ({"a": "wildcard"}, {}, 7246202,
     "No wildcard index field is specified for the wildcard index"),
    ({"a.$**.$**": 1}, {}, 67,
     "Index key contains an illegal field name: field name starts with '$'."),
    ({"$**": "hello"}, {}, 67, "Unknown index plugin 'hello'"),
    ({"a.$**": 1, "b.$**": 1}, {}, 7246201,
     "Index Key can contain only one wildcard index field"),
    ({"a": 1, "a.$**": 1}, {}, 7246204,
     "A wildcard index field should not overlap with and index key fields if wildcard "
     "projection is empty, however 'a' is overlapping with the wildcard index field."),
    ({"a.b.c": 1, "a.b.$**": 1}, {}, 7246204,
     "A wildcard index field should not overlap with and index key fields if wildcard "
     "projection is empty, however 'a.b.c' is overlapping with the wildcard index field."),
    ({"a.$**": 1, "b": "text"}, {}, 67, "Can't use more than one index plugin for a single index."),
    ({"a.$**": 1, "b": "hashed"}, {}, 67,
     "Can't use more than one index plugin for a single index."),
    ({"a": 1, "$**": 1}, {}, 67,
     "Compound wildcard indexes on all fields must also specify 'wildcardProjection' option"),
    ({"a": 1}, {"wildcardProjection": {"a": 1, "b": 1}}, 2,
     "The field 'wildcardProjection' is only allowed in 'wildcard' indexes"),
    ({"a.$**": 1}, {"wildcardProjection": "string"}, 14,
     "The field 'wildcardProjection' must be a non-empty object, but got string"),
    ({"a.$**": 1}, {"wildcardProjection": {"a": 1}}, 9,
     "The field 'wildcardProjection' is only allowed when 'key' is {\"$**\": ±1} or "
     "{\"$**\": \"columnstore\"}"),
    ({"$**": 1}, {"wildcardProjection": {}}, 9,
     "The 'wildcardProjection' field can't be an empty object"),
    ({"$**": 1}, {"wildcardProjection": {"a": 1, "b": 0}}, 31254,
     "Failed to parse projection: wildcardProjection :: caused by :: Cannot do exclusion on "
     "field b in inclusion projection"),
    ({"$**": 1}, {"wildcardProjection": {"a": 1, "b": "string"}}, 51271,
     "Failed to parse projection: wildcardProjection :: caused by :: Bad projection "
     "specification, cannot use computed fields when parsing a spec in kBanComputedFields "
     "mode"),
    ({"$**": 1}, {"wildcardProjection": {"a.$": 1}}, 31324,
     "Failed to parse projection: wildcardProjection :: caused by :: Cannot use positional "
     "projection in aggregation projection"),
    ({"$**": 1, "c": 1}, {"wildcardProjection": {"a.b": 1, "a.b.c": 1}}, 7246200,
     "Fields in Wildcard Projection cannot overlap, however 'a.b' is overlapped with 'a.b.c"),
    ({"a": 1, "$**": 1}, {"wildcardProjection": {"a": 1, "b": 1}}, 7246208,
     "Index Key and Wildcard Projection cannot contain overlapping fields, however 'a' index "
     "field is ovverlapping with 'a' wildcardProjection path."),
    ({"_id": 1, "$**": 1}, {"wildcardProjection": {"_id": 1}}, 7246208,
     "Index Key and Wildcard Projection cannot contain overlapping fields, however '_id' index "
     "field is ovverlapping with '_id' wildcardProjection path."),
    ({"$**": 1, "c": 1}, {"wildcardProjection": {"_id": 0, "a": 0, "b": 1}}, 7246211,
     "Inclusion and exclusion statements cannot combine in the wildcardProjection with an "
     "exception of explicitly including _id field"),
    ({"$**": 1, "_id": 1, "e": 1}, {"wildcardProjection": {"_id": 1, "e": 0}}, 7246209,
     "wildcardProjection paths must exclude all regular index fields, however '_id'is not "
     "excluded."),
    ({"a": 1, "$**": 1}, {"wildcardProjection": {"_id": 0}}, 7246210,
     "wildcardProjection paths must exclude all regular index fields, however 'a'is not "
     "excluded."),
    ({"$**": 1, "e.c": 1}, {"wildcardProjection": {"_id": 1, "e.b": 0}}, 7246210,
     "wildcardProjection paths must exclude all regular index fields, however 'e.c'is not "
     "excluded."),
    ({"a": 1, "$**": 1}, {"wildcardProjection": {"_id": 0, "a.b": 0}}, 7246209,
     "wildcardProjection paths must exclude all regular index fields, however 'a'is not "
     "excluded."),
])
def test_invalid_wildcard_specs_are_refused(coll, keys, options, code, reason):
    error = _failure(coll, keys, **options)
    assert error.code == code
    assert error.details["errmsg"].startswith("Error in specification ")
    assert error.details["errmsg"].endswith(f" :: caused by :: {reason}")
    assert coll.index_information().keys() == {"_id_"} or not coll.index_information()


@pytest.mark.parametrize("keys, options, message", [
    ({"$**": 1}, {"sparse": True}, "Index type 'wildcard' does not support the 'sparse' option"),
    ({"$**": 1}, {"unique": True}, "Index type 'wildcard' does not support the 'unique' option"),
    ({"$**": 1}, {"expireAfterSeconds": 3600},
     "cannot make a TTL index :: caused by :: Index type 'wildcard' does not support the "
     "'expireAfterSeconds' option"),
    ({"a.$**": 1, "b": 1}, {"unique": True},
     "Index type 'wildcard' does not support the 'unique' option"),
    ({"$**": 1}, {"v": 1}, "Index type 'wildcard' is not allowed with index version v: 1"),
    ({"a.$**": 1, "b": 1}, {"sparse": True},
     "Index type 'wildcard' does not support the 'sparse' option"),
])
def test_wildcard_options_refused(coll, keys, options, message):
    error = _failure(coll, keys, **options)
    assert (error.code, error.details["errmsg"]) == (67, message)


def test_compound_wildcard_ttl_is_refused_as_compound(coll):
    error = _failure(coll, {"a.$**": 1, "b": 1}, expireAfterSeconds=60)
    assert error.code == 67
    assert error.details["errmsg"].startswith("TTL indexes are single-field indexes, compound "
                                              "indexes do not support TTL.")


def test_drop_by_name_and_by_key_and_hide(coll):
    coll.create_index([("$**", 1)])
    coll.create_index([("a.$**", 1)])
    coll.drop_index([("a.$**", 1)])
    assert set(coll.index_information()) == {"_id_", "$**_1"}
    coll.insert_many([{"_id": 1, "a": 1}, {"_id": 2, "a": 2}])
    coll.database.command("collMod", coll.name, index={"name": "$**_1", "hidden": True})
    assert _winning_scan(coll.find({"a": 1}))["stage"] == "COLLSCAN"
    coll.database.command("collMod", coll.name, index={"name": "$**_1", "hidden": False})
    assert _winning_scan(coll.find({"a": 1}))["indexName"] == "$**_1"
    coll.drop_index("$**_1")
    assert set(coll.index_information()) == {"_id_"}


# -- queries -----------------------------------------------------------------------------

@pytest.fixture
def products(coll):
    coll.create_index([("product_attributes.$**", 1)])
    coll.insert_many([
        {"_id": 1, "product_name": "Spy Coat",
         "product_attributes": {"material": ["Tweed", "Wool", "Leather"],
                                "size": {"length": 72, "units": "inches"}}},
        {"_id": 2, "product_name": "Spy Pen",
         "product_attributes": {"colors": ["Blue", "Black"],
                                "secret_feature": {"name": "laser", "power": "1000",
                                                   "units": "watts"}}},
        {"_id": 3, "product_name": "Other", "product_attributes": {"elements": [], "x": {}}},
    ])
    return coll


def test_manual_subtree_queries_use_the_index(products):
    cursor = products.find({"product_attributes.size.length": {"$gt": 60}})
    assert [d["_id"] for d in cursor] == [1]
    scan = _winning_scan(products.find({"product_attributes.size.length": {"$gt": 60}}))
    assert scan["keyPattern"] == {"$_path": 1, "product_attributes.size.length": 1}
    assert scan["indexName"] == "product_attributes.$**_1"
    assert scan["indexBounds"] == {
        "$_path": ['["product_attributes.size.length", "product_attributes.size.length"]'],
        "product_attributes.size.length": ["(60, inf.0]"]}
    assert scan["isMultiKey"] is False
    assert [d["_id"] for d in products.find({"product_attributes.material": "Leather"})] == [1]
    scan = _winning_scan(products.find({"product_attributes.material": "Leather"}))
    assert scan["isMultiKey"] is True
    assert scan["multiKeyPaths"] == {"$_path": [],
                                     "product_attributes.material": ["product_attributes.material"]}
    assert [d["_id"] for d in products.find(
        {"product_attributes.secret_feature.name": "laser"})] == [2]


def test_exists_scans_the_path_and_its_subpaths(products):
    scan = _winning_scan(products.find({"product_attributes.size": {"$exists": True}}))
    assert scan["indexBounds"] == {
        "$_path": ['["product_attributes.size", "product_attributes.size"]',
                   '["product_attributes.size.", "product_attributes.size/")'],
        "product_attributes.size": ["[MinKey, MaxKey]"]}
    assert [d["_id"] for d in products.find({"product_attributes.size": {"$exists": True}})] \
        == [1]


def test_empty_objects_and_arrays_are_leaves(products):
    # an empty object is indexed as itself, an empty array as undefined
    assert [d["_id"] for d in products.find({"product_attributes.x": {}})] == [3]
    assert _winning_scan(products.find({"product_attributes.x": {}}))["stage"] == "IXSCAN"
    assert [d["_id"] for d in products.find({"product_attributes.elements": {"$exists": True}})] \
        == [3]


@pytest.mark.parametrize("filter", [
    {"product_attributes": {"$exists": False}},
    {"product_attributes.size": {"length": 72, "units": "inches"}},
    {"product_attributes.colors": ["Blue", "Black"]},
    {"product_attributes.size.length": None},
    {"product_attributes.size.length": {"$ne": 72}},
    {"product_name": "Spy Coat"},
    {"product_attributes.colors.0": "Blue"},
])
def test_unsupported_patterns_do_not_use_the_index(products, filter):
    """The manual's restrictions: no ``$exists: false``, no equality to a
    document or an array, nor to null, no ``$ne``; paths outside the subtree."""
    assert _winning_scan(products.find(filter))["stage"] == "COLLSCAN"
    assert len(list(products.find(filter))) == len(list(products.find(filter).hint(
        {"$natural": 1})))


def test_hints(coll):
    coll.create_index([("$**", 1)])
    coll.insert_many([{"_id": 10, "a": 1, "b": 1, "c": {"d": 1, "e": 1}},
                      {"_id": 11, "a": 1, "b": 2, "c": {"d": 2, "e": 2}},
                      {"_id": 12, "a": 2, "b": 2, "c": {"d": 1, "e": 2}}])
    coll.create_index([("a", 1)])
    assert sorted(d["_id"] for d in coll.find({"a": 1}).hint([("$**", 1)])) == [10, 11]
    assert _winning_scan(coll.find({"a": 1}).hint("$**_1"))["indexName"] == "$**_1"
    assert _winning_scan(coll.find({"a": 1, "_id": 10}).hint([("$**", 1)]))["indexName"] \
        == "$**_1"
    coll.create_index([("c.$**", 1)])
    with pytest.raises(OperationFailure) as info:
        list(coll.find({"a": 1}).hint([("c.$**", 1)]))
    assert info.value.code == 291
    assert info.value.details["errmsg"].endswith(
        "planner returned error :: caused by :: No query solutions")
    assert sorted(d["_id"] for d in coll.find({"c.d": 1}).hint([("c.$**", 1)])) == [10, 12]
    with pytest.raises(OperationFailure) as info:
        list(coll.find({"b": 1}).min([("a", 1)]).hint([("$**", 1)]))
    assert info.value.code == 51174


def test_compound_wildcard_index(coll):
    coll.create_index([("a", 1), ("$**", 1)], wildcardProjection={"a": 0})
    coll.insert_many([{"_id": 1, "a": 1, "b": {"c": 5}}, {"_id": 2, "a": 2, "b": {"c": 5}},
                      {"_id": 3, "a": 1}])
    assert [d["_id"] for d in coll.find({"a": 1, "b.c": 5})] == [1]
    scan = _winning_scan(coll.find({"a": 1, "b.c": 5}))
    assert scan["keyPattern"] == {"a": 1, "$_path": 1, "b.c": 1}
    assert scan["indexBounds"] == {"a": ["[1, 1]"], "$_path": ['["b.c", "b.c"]'],
                                   "b.c": ["[5, 5]"]}
    assert sorted(d["_id"] for d in coll.find({"a": 1})) == [1, 3]


def test_projection_decides_what_is_indexed(coll):
    coll.create_index([("$**", 1)], wildcardProjection={"a": 1})
    coll.insert_many([{"_id": 1, "a": {"x": 1}, "b": 1}, {"_id": 2, "a": {"x": 2}, "b": 1}])
    assert _winning_scan(coll.find({"a.x": 1}))["stage"] == "IXSCAN"
    assert _winning_scan(coll.find({"b": 1}))["stage"] == "COLLSCAN"
    assert _winning_scan(coll.find({"_id": {"$gt": 0}}))["indexName"] == "_id_"


def test_writes_and_transactions_keep_the_entries(client, coll):
    coll.create_index([("$**", 1)])
    coll.insert_one({"_id": 1, "tags": {"color": "red"}})
    coll.update_one({"_id": 1}, {"$set": {"tags.color": "blue", "tags.size": [1, 2]}})
    assert [d["_id"] for d in coll.find({"tags.color": "blue"})] == [1]
    assert list(coll.find({"tags.color": "red"})) == []
    assert [d["_id"] for d in coll.find({"tags.size": 2})] == [1]
    with client.start_session() as session:
        with session.start_transaction():
            coll.insert_one({"_id": 2, "tags": {"color": "green"}}, session=session)
            coll.delete_one({"_id": 1}, session=session)
            assert [d["_id"] for d in coll.find({"tags.color": "green"}, session=session)] \
                == [2]
            session.abort_transaction()
    assert list(coll.find({"tags.color": "green"})) == []
    assert [d["_id"] for d in coll.find({"tags.color": "blue"})] == [1]
    with client.start_session() as session:
        with session.start_transaction():
            coll.update_one({"_id": 1}, {"$set": {"tags.color": "black"}}, session=session)
    assert [d["_id"] for d in coll.find({"tags.color": "black"})] == [1]
    assert _winning_scan(coll.find({"tags.color": "black"}))["indexName"] == "$**_1"
    coll.delete_one({"_id": 1})
    assert list(coll.find({"tags.size": 2})) == []


def test_compound_wildcard_prefix_scans_every_path(coll):
    """compound_wildcard_index_unbounded.js: a query on the regular field alone
    scans ``{a: 1, $_path: 1}`` over every path, documents without a leaf
    under the wildcard (``$_path`` MinKey) included."""
    keys = [("a", 1), ("$**", 1)]
    coll.create_index(keys, wildcardProjection={"a": 0})
    coll.insert_one({"a": 1, "b": 1})
    coll.insert_one({"b": [1, 2]})
    coll.insert_one({"a": 2})
    cursor = coll.find({"a": {"$exists": True}}).hint(keys)
    scan = _winning_scan(cursor)
    assert scan["keyPattern"] == {"a": 1, "$_path": 1}
    assert scan["indexBounds"] == {"a": ["[MinKey, MaxKey]"],
                                   "$_path": ["[MinKey, MinKey]", '["", {})']}
    assert sorted(d["a"] for d in coll.find({"a": {"$exists": True}}).hint(keys)) == [1, 2]
    assert [d["a"] for d in coll.find({"a": 2})] == [2]
    assert _winning_scan(coll.find({"a": 2}))["indexBounds"] == {
        "a": ["[2, 2]"], "$_path": ["[MinKey, MinKey]", '["", {})']}


def test_manual_embedded_object_behavior(coll):
    """The manual's "Wildcard Indexes on Embedded Objects and Arrays": objects
    are descended into, array elements indexed at the array's path, an array
    directly inside an array indexed as one value."""
    coll.create_index([("$**", 1)])
    coll.insert_one({"_id": 1, "account": {"username": "SuperAdmin01",
                                           "contact": {"phone": "123-456-7890",
                                                       "email": "xyz@example.com"},
                                           "access": {"group": "admin"}}})
    coll.insert_one({"_id": 2, "users": [{"name": "a", "roles": ["x", "y"]},
                                         {"name": "b", "roles": [["z"]]}]})
    assert [d["_id"] for d in coll.find({"account.contact.email": "xyz@example.com"})] == [1]
    assert _winning_scan(coll.find({"account.access.group": "admin"}))["keyPattern"] == \
        {"$_path": 1, "account.access.group": 1}
    assert [d["_id"] for d in coll.find({"users.roles": "y"})] == [2]
    assert [d["_id"] for d in coll.find({"users.roles": ["z"]})] == [2]
    assert list(coll.find({"users.roles": "z"})) == []
    scan = _winning_scan(coll.find({"users.name": "b"}))
    assert scan["multiKeyPaths"] == {"$_path": [], "users.name": ["users"]}


def test_covered_projection_of_the_queried_path(coll):
    coll.create_index([("$**", 1)])
    coll.insert_many([{"_id": i, "a": i, "b": {"c": i}} for i in range(5)])
    explain = coll.find({"a": {"$gt": 2}}, {"a": 1, "_id": 0}).explain()
    assert explain["queryPlanner"]["winningPlan"]["stage"] == "PROJECTION_COVERED"
    assert list(coll.find({"a": {"$gt": 2}}, {"a": 1, "_id": 0})) == [{"a": 3}, {"a": 4}]


def test_sort_on_the_scanned_path_needs_no_sort_stage(coll):
    coll.create_index([("$**", 1)])
    coll.insert_many([{"_id": i, "a": (i * 7) % 10} for i in range(10)])
    cursor = coll.find({"a": {"$gt": 3}}).sort("a", -1)
    assert [d["a"] for d in cursor] == [9, 8, 7, 6, 5, 4]
    plan = coll.find({"a": {"$gt": 3}}).sort("a", -1).explain()["queryPlanner"]["winningPlan"]
    assert plan["stage"] == "FETCH"
    assert plan["inputStage"]["direction"] == "backward"


@pytest.mark.parametrize("keys, options", [
    ({"$**": 1}, {}),
    ({"$**": 1, "b": 1}, {"wildcardProjection": {"b": 0}}),
])
def test_equality_to_empty_object(coll, keys, options):
    """wildcard_index_equality_to_empty_obj.js: an empty object is a leaf, so
    equality (and its synonym ``$lte: {}``) to ``{}`` can use the index;
    ``$gte: {}`` cannot (a hinted index fails), though the query works."""
    coll.insert_many([
        {"_id": 0}, {"_id": 1, "a": None}, {"_id": 2, "a": []}, {"_id": 3, "a": {}},
        {"_id": 4, "a": [{}]}, {"_id": 5, "a": [[{}]]}, {"_id": 6, "a": [1, 2, {}]},
        {"_id": 7, "a": {"b": 1}}, {"_id": 8, "a": 3}, {"_id": 9, "a": {"b": {}}},
        {"_id": 10, "a": [0, {"b": {}}]}])
    hint = list(keys.items())
    coll.create_index(hint, **options)

    def ids(filter, hint=None):
        cursor = coll.find(filter, {"_id": 1}).sort("_id", 1)
        return [d["_id"] for d in (cursor.hint(hint) if hint else cursor)]

    for filter in ({"a": {}}, {"a": {"$lte": {}}}):
        assert ids(filter, hint) == ids(filter, [("$natural", 1)]) == ids(filter) == [3, 4, 6]
    with pytest.raises(OperationFailure):
        ids({"a": {"$gte": {}}}, hint)
    assert ids({"a": {"$gte": {}}}) == [3, 4, 6, 7, 9, 10]
    assert ids({"a": {"$in": [3, {}]}}, hint) == ids({"a": {"$in": [3, {}]}}) == [3, 4, 6, 8]
    assert ids({"a.b": {"$eq": {}}}, hint) == ids({"a.b": {"$eq": {}}}) == [9, 10]


@pytest.mark.parametrize("keys, options", [
    ({"$**": 1}, {}),
    ({"$**": 1, "other": 1}, {"wildcardProjection": {"other": 0}}),
])
def test_empty_arrays_and_array_positions(coll, keys, options):
    """wildcard_index_empty_arrays.js: a hinted wildcard index answers equality
    to ``[]`` (bounds ``[undefined, undefined]``, ``[[], []]``) and paths with
    array positions (``c.0``, ``f.0.g``)."""
    hint = list(keys.items())
    coll.create_index(hint, **options)
    coll.insert_many([
        {"a": 1, "b": 1, "c": [], "d": {"e": [5, 6]}},
        {"a": 2, "b": 2, "c": [1, 2], "d": {"e": []}},
        {"a": 1, "b": 2, "c": [3, 4], "d": {"e": [7, 8]}, "f": [{"g": []}]},
        {"a": 2, "b": [[]], "c": 1, "d": 4}])

    def found(filter):
        return [{k: v for k, v in d.items() if k != "_id"} for d in coll.find(filter).hint(hint)]

    assert found({"c": []}) == [{"a": 1, "b": 1, "c": [], "d": {"e": [5, 6]}}]
    assert found({"c.0": 1}) == [{"a": 2, "b": 2, "c": [1, 2], "d": {"e": []}}]
    assert found({"d.e": []}) == [{"a": 2, "b": 2, "c": [1, 2], "d": {"e": []}}]
    assert found({"f.0.g": []}) == [{"a": 1, "b": 2, "c": [3, 4], "d": {"e": [7, 8]},
                                     "f": [{"g": []}]}]
    assert found({"b": []}) == [{"a": 2, "b": [[]], "c": 1, "d": 4}]
    bounds = _winning_scan(coll.find({"c": []}).hint(hint))["indexBounds"]
    assert bounds["$_path"] == ['["c", "c"]']
    assert bounds["c"] == ["[undefined, undefined]", "[[], []]"]


def test_time_series_wildcard_only_under_the_meta_field(db):
    """timeseries_metric_index_wildcard.js: wildcard indexes on measurements are
    refused; one under the metaField indexes the metadata."""
    db.create_collection("ts", timeseries={"timeField": "t", "metaField": "m"})
    for keys in ([("$**", 1)], [("x", 1), ("y.$**", 1)], [("m.tag", 1), ("x.$**", 1)]):
        with pytest.raises(OperationFailure):
            db.ts.create_index(keys)
    assert db.ts.create_index([("m.$**", 1)]) == "m.$**_1"
    now = datetime.datetime(2024, 1, 1)
    db.ts.insert_many([{"t": now, "m": {"tag": "a", "x": i}, "v": i} for i in range(5)])
    assert [d["v"] for d in db.ts.find({"m.x": 3})] == [3]
    assert _winning_scan(db.ts.find({"m.x": 3}))["indexName"] == "m.$**_1"


def test_return_key(coll):
    """wildcard_index_return_key.js: the key of an expanded wildcard index names
    its path (``{$_path: "a", a: 1}``); a collection scan's is ``{}``."""
    coll.create_index([("$**", 1)])
    coll.insert_many([{"a": 1, "b": 2, "c": {"d": 2, "e": 1}},
                      {"a": 2, "b": 2, "c": {"d": 1, "e": 2}},
                      {"a": 2, "b": 1, "c": {"d": 2, "e": 2}},
                      {"a": 1, "b": 1, "c": {"e": 2}}])
    assert list(coll.find({"a": 1}, return_key=True)) == [{"$_path": "a", "a": 1}] * 2
    assert list(coll.find({"c.e": 1}, return_key=True)) == [{"$_path": "c.e", "c.e": 1}]
    coll.insert_one({"a": 2, "b": 2, "c": {"e": 2}, "g": [{"h": 1}, {"i": 2}]})
    assert list(coll.find({"g.h": 1}, return_key=True)) == [{"$_path": "g.h", "g.h": 1}]
    coll.drop_indexes()
    coll.create_index([("c.$**", 1)])
    assert list(coll.find({"c.d": 1}, return_key=True)) == [{"$_path": "c.d", "c.d": 1}]
    assert list(coll.find({"a": 1, "b": 1}, return_key=True)) == [{}]


def test_compound_wildcard_prefix_queries_and_sorts(coll):
    """compound_wildcard_index_prefix.js: {a: 1, b: 1, "sub.$**": 1, c: 1} answers
    queries on its prefix (not on b or c alone) and sorts on a, b without a
    SORT stage (a sort involving c needs one); results as a collection scan's."""
    keys = [("a", 1), ("b", 1), ("sub.$**", 1), ("c", 1)]
    name = coll.create_index(keys)
    coll.insert_many([{"a": i, "b": i * 2, "sub": {"a": i}, "c": i * 3} for i in range(5)])

    def stages(plan):
        yield plan
        for child in [plan.get("inputStage")] + plan.get("inputStages", []):
            if child:
                yield from stages(child)

    def plan_of(cursor):
        return list(stages(cursor.explain()["queryPlanner"]["winningPlan"]))

    for query in ({"b": 1}, {"c": 1}):
        assert all(s.get("indexName") != name for s in plan_of(coll.find(query)))
    for query in ({"a": 1}, {"a": 1, "b": 1}, {"a": 1, "b": {"$gt": 1}}):
        for sort, blocking in (([("a", 1)], False), ([("a", 1), ("b", 1)], False),
                               ([("a", 1), ("c", 1)], True), ([("c", 1)], True)):
            plan = plan_of(coll.find(query).sort(sort))
            assert any(s.get("indexName") == name for s in plan)
            assert any(s["stage"] == "SORT" for s in plan) == blocking
            assert list(coll.find(query).sort(sort)) == \
                list(coll.find(query).sort(sort).hint([("$natural", 1)]))
