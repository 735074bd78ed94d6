"""Creating, listing and dropping indexes: names, options and the server's errors."""

from __future__ import annotations

import pytest
from bson.son import SON
from pymongo import ASCENDING, DESCENDING, HASHED, IndexModel
from pymongo.errors import OperationFailure


def test_generated_names(coll):
    assert coll.create_index("a") == "a_1"
    assert coll.create_index([("a", ASCENDING), ("b", DESCENDING)]) == "a_1_b_-1"
    assert coll.create_index([("h", HASHED)]) == "h_hashed"
    assert coll.create_index([("x.y", 1)]) == "x.y_1"
    assert coll.create_index("z", name="custom") == "custom"


def test_list_indexes_shape(coll):
    coll.create_index([("a", 1), ("b", -1)], unique=True, sparse=True)
    specs = list(coll.list_indexes())
    assert [s["name"] for s in specs] == ["_id_", "a_1_b_-1"]
    assert specs[0] == SON([("v", 2), ("key", SON([("_id", 1)])), ("name", "_id_")])
    spec = specs[1]
    assert list(spec)[:3] == ["v", "key", "name"]
    assert list(spec["key"].items()) == [("a", 1), ("b", -1)]
    assert spec["unique"] is True and spec["sparse"] is True


def test_index_information(coll):
    coll.create_index([("a", 1), ("b", -1)], name="ab")
    info = coll.index_information()
    assert info["_id_"] == {"v": 2, "key": [("_id", 1)]}
    assert info["ab"]["key"] == [("a", 1), ("b", -1)]


def test_create_index_creates_collection(db):
    db.fresh.create_index("a")
    assert "fresh" in db.list_collection_names()


def test_create_indexes_with_models(coll):
    names = coll.create_indexes([IndexModel("a"), IndexModel([("b", -1)], name="b_desc",
                                                             unique=True)])
    assert names == ["a_1", "b_desc"]
    assert sorted(coll.index_information()) == ["_id_", "a_1", "b_desc"]


def test_identical_index_is_a_no_op(coll):
    assert coll.create_index("a", unique=True) == "a_1"
    assert coll.create_index("a", unique=True) == "a_1"
    assert len(list(coll.list_indexes())) == 2


def test_same_key_different_name_is_85(coll):
    coll.create_index("a")
    with pytest.raises(OperationFailure) as info:
        coll.create_index("a", name="other")
    assert info.value.code == 85
    assert info.value.details["codeName"] == "IndexOptionsConflict"
    assert str(info.value.details["errmsg"]) == "Index already exists with a different name: a_1"


def test_same_name_different_options_is_85(coll):
    coll.create_index("a", expireAfterSeconds=10)
    with pytest.raises(OperationFailure) as info:
        coll.create_index("a", expireAfterSeconds=20)
    assert info.value.code == 85
    assert info.value.details["errmsg"].startswith(
        "An equivalent index already exists with the same name but different options. "
        "Requested index: { v: 2, key: { a: 1 }, name: \"a_1\", expireAfterSeconds: 20 }, "
        "existing index: { v: 2, key: { a: 1 }, name: \"a_1\", expireAfterSeconds: 10 }")


def test_equivalent_index_different_name_and_options_is_85(coll):
    coll.create_index("a", expireAfterSeconds=10)
    with pytest.raises(OperationFailure) as info:
        coll.create_index("a", name="a2", expireAfterSeconds=20)
    assert info.value.code == 85
    assert info.value.details["errmsg"].startswith(
        "An equivalent index already exists with a different name and options.")


def test_same_name_different_key_is_86(coll):
    coll.create_index("a", name="idx")
    with pytest.raises(OperationFailure) as info:
        coll.create_index("b", name="idx")
    assert info.value.code == 86
    assert info.value.details["codeName"] == "IndexKeySpecsConflict"
    assert info.value.details["errmsg"].startswith(
        "An existing index has the same name as the requested index.")


def test_unique_and_sparse_are_part_of_the_signature(coll):
    # MongoDB 5.0+: same key pattern with a different unique/sparse is another index
    coll.create_index("a")
    assert coll.create_index("a", unique=True, name="a_unique") == "a_unique"
    with pytest.raises(OperationFailure) as info:
        coll.create_index("a", unique=True)  # generated name a_1 is taken by a different index
    assert info.value.code == 86


def test_partial_filters_distinguish_indexes(coll):
    coll.create_index("a", name="p1", partialFilterExpression={"b": {"$gt": 1}})
    coll.create_index("a", name="p2", partialFilterExpression={"b": {"$gt": 2}})
    with pytest.raises(OperationFailure) as info:
        coll.drop_index([("a", 1)])
    assert info.value.code == 181
    assert info.value.details["codeName"] == "AmbiguousIndexKeyPattern"
    coll.drop_index("p1")
    coll.drop_index([("a", 1)])
    assert list(coll.index_information()) == ["_id_"]


@pytest.mark.parametrize("key, reason", [
    ({"a": 0}, "Values in the index key pattern cannot be 0."),
    ({"a": True}, "Values in v:2 index key pattern cannot be of type bool. Only numbers > 0, "
                  "numbers < 0, and strings are allowed."),
    ({"a": "nope"}, "Unknown index plugin 'nope'"),
    ({"$a": 1}, "Index key contains an illegal field name: field name starts with '$'."),
    ({"a..b": 1}, "Index keys cannot contain an empty field."),
])
def test_bad_key_patterns_are_67(db, key, reason):
    with pytest.raises(OperationFailure) as info:
        db.c.create_indexes([IndexModel(list(key.items()), name="bad")])
    assert info.value.code == 67
    assert info.value.details["codeName"] == "CannotCreateIndex"
    assert info.value.details["errmsg"].startswith("Error in specification {")
    assert info.value.details["errmsg"].endswith(" :: caused by :: " + reason)


def test_unknown_option_is_197(coll):
    with pytest.raises(OperationFailure) as info:
        coll.create_index("a", bogus=1)
    assert info.value.code == 197
    assert info.value.details["codeName"] == "InvalidIndexSpecificationOption"
    assert "The field 'bogus' is not valid for an index specification." in \
        info.value.details["errmsg"]


def test_sparse_and_partial_cannot_mix(coll):
    with pytest.raises(OperationFailure) as info:
        coll.create_index("a", sparse=True, partialFilterExpression={"a": {"$gt": 1}})
    assert info.value.code == 67
    assert info.value.details["errmsg"].endswith(
        'cannot mix "partialFilterExpression" and "sparse" options')


def test_hashed_unique_is_refused(coll):
    with pytest.raises(OperationFailure) as info:
        coll.create_index([("a", HASHED)], unique=True)
    assert info.value.code == 16764


def test_background_is_accepted(coll):
    assert coll.create_index("a", background=True) == "a_1"


def test_drop_index_by_name_and_key(coll):
    coll.create_index("a")
    coll.create_index([("b", 1), ("c", -1)])
    coll.drop_index("a_1")
    coll.drop_index([("b", 1), ("c", -1)])
    assert list(coll.index_information()) == ["_id_"]


def test_drop_index_not_found_is_27(coll):
    coll.insert_one({})
    with pytest.raises(OperationFailure) as info:
        coll.drop_index("nope")
    assert info.value.code == 27
    assert info.value.details["codeName"] == "IndexNotFound"
    assert info.value.details["errmsg"] == "index not found with name [nope]"
    with pytest.raises(OperationFailure) as info:
        coll.drop_index([("zz", 1)])
    assert info.value.code == 27
    assert info.value.details["errmsg"] == "can't find index with key: { zz: 1 }"


def test_dropping_the_id_index_is_refused(coll):
    coll.insert_one({})
    for target in ("_id_", [("_id", 1)]):
        with pytest.raises(OperationFailure) as info:
            coll.drop_index(target)
        assert info.value.code == 72
        assert info.value.details["errmsg"] == "cannot drop _id index"


def test_drop_indexes_keeps_id(coll):
    coll.create_index("a")
    coll.create_index("b")
    coll.drop_indexes()
    assert list(coll.index_information()) == ["_id_"]


def test_drop_index_on_missing_collection_is_26(db):
    # the server's answer; pymongo's drop_index allows it (issue 20): see tests/mim/faces
    with pytest.raises(OperationFailure) as info:
        db.command("dropIndexes", "nothing", index="a_1")
    assert info.value.code == 26


def test_failed_create_indexes_creates_nothing(coll):
    coll.insert_many([{"a": 1}, {"a": 1}])
    with pytest.raises(OperationFailure):
        coll.create_indexes([IndexModel("b"), IndexModel("a", unique=True)])
    assert list(coll.index_information()) == ["_id_"]


def test_dropping_a_collection_drops_its_indexes(db):
    db.c.create_index("a", unique=True)
    db.c.drop()
    db.c.insert_many([{"a": 1}, {"a": 1}])
    assert list(db.c.index_information()) == ["_id_"]


def test_hidden_index_is_listed_and_still_enforced(coll):
    coll.create_index("a", unique=True, hidden=True)
    assert coll.index_information()["a_1"]["hidden"] is True
    coll.insert_one({"a": 1})
    with pytest.raises(OperationFailure):
        coll.insert_one({"a": 1})
