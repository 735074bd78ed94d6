"""Storage validation of update results and the array padding limit.

Expected codes and messages are MongoDB's: ``src/mongo/db/update/storage_validation.cpp``
(``storageValid``, ``validateDollarPrefixElement``, ``storageValidIdField``),
``BSONObj::storageValidEmbedded``, ``exec/upsert_stage.cpp`` (upserts validated as
inserts), ``update/pipeline_executor.cpp`` (pipelines allow top-level ``$`` names),
``update/path_support.{h,cpp}`` (``kMaxPaddingAllowed``), and the manual page
"Dollar-Prefixed Field Names" (upserts accept ``$`` fields, a matched document fails).
"""

import pytest
from bson.dbref import DBRef
from bson.regex import Regex
from pymongo.errors import WriteError

import mim

from .helpers import apply, fails

DOLLAR_HINT = ("is not allowed in the context of an update's replacement document. "
               "Consider using an aggregation pipeline with $replaceWith.")


@pytest.fixture
def coll():
    client = mim.MongoClient()
    collection = client.db.get_collection("storage")
    collection.drop()
    yield collection
    collection.drop()


def write_error(call, code, message=None):
    with pytest.raises(WriteError) as info:
        call()
    assert info.value.code == code, info.value.details
    if message is not None:
        assert info.value.details["errmsg"] == message
    return info.value


# ---------------------------------------------------------------------------
# operator updates of an existing document: top-level '$' names
# ---------------------------------------------------------------------------

def test_set_top_level_dollar_field_fails():
    fails({"_id": 1}, {"$set": {"$a": 1}}, 52,
          f"The dollar ($) prefixed field '$a' in '$a' {DOLLAR_HINT}")


def test_dollar_field_created_through_a_dotted_path_fails():
    fails({"_id": 1}, {"$set": {"$a.b": 1}}, 52,
          f"The dollar ($) prefixed field '$a' in '$a' {DOLLAR_HINT}")


def test_other_operators_creating_a_top_level_dollar_field_fail():
    fails({"_id": 1}, {"$inc": {"$n": 1}}, 52)
    fails({"_id": 1}, {"$push": {"$arr": 1}}, 52)
    fails({"_id": 1, "a": 1}, {"$rename": {"a": "$b"}}, 52)


def test_nested_dollar_fields_are_allowed_since_5_0():
    # only top-level fields are checked (recursionLevel == 1)
    assert apply({"_id": 1}, {"$set": {"a": {"$b": 1}}}) == {"_id": 1, "a": {"$b": 1}}
    assert apply({"_id": 1, "a": {}}, {"$set": {"a.$b": 1}}) == {"_id": 1, "a": {"$b": 1}}


def test_dbref_rules_at_top_level():
    fails({"_id": 1}, {"$set": {"$ref": "c"}}, 55,
          "The DBRef $ref field must be followed by a $id field")
    fails({"_id": 1}, {"$set": {"$ref": 1}}, 55, "The DBRef $ref field must be a String, not a int")
    # '$id' sorts before '$ref', so it is created first, with no '$ref' before it
    fails({"_id": 1}, {"$set": {"$ref": "c", "$id": 1}}, 55,
          "Found $id field without a $ref before it, which is invalid.")
    fails({"_id": 1}, {"$set": {"$db": 1}}, 55, "The DBRef $db field must be a String, not a int")
    fails({"_id": 1}, {"$set": {"$db": "x"}}, 55,
          "Found $db field without a $id before it, which is invalid.")


def test_existing_dbref_fields_may_be_updated_in_place():
    doc = {"_id": 1, "$ref": "c", "$id": 1}
    assert apply(doc, {"$set": {"$id": 2}}) == {"_id": 1, "$ref": "c", "$id": 2}


def test_untouched_existing_dollar_field_is_not_checked(coll):
    coll.insert_one({"_id": 1, "$price": 1, "n": 1})
    coll.update_one({"_id": 1}, {"$inc": {"n": 1}})
    assert coll.find_one({"_id": 1}) == {"_id": 1, "$price": 1, "n": 2}


def test_matched_document_with_dollar_set_fails_and_is_unchanged(coll):
    coll.insert_one({"_id": 1, "date": "2021-07-07"})
    write_error(lambda: coll.update_one({"date": "2021-07-07"},
                                        {"$set": {"phone": 25.17, "$hotel": 320.10}},
                                        upsert=True), 52)
    assert coll.find_one({"_id": 1}) == {"_id": 1, "date": "2021-07-07"}


# ---------------------------------------------------------------------------
# upserts are validated as inserts
# ---------------------------------------------------------------------------

def test_upsert_accepts_top_level_dollar_fields(coll):
    # the manual's example: an upsert that inserts may create '$hotel'
    result = coll.update_one({"date": "2021-07-07"},
                             {"$set": {"phone": 25.17, "$hotel": 320.10}}, upsert=True)
    doc = coll.find_one({"_id": result.upserted_id})
    assert doc == {"_id": result.upserted_id, "date": "2021-07-07", "$hotel": 320.10,
                   "phone": 25.17}


def test_upsert_with_array_id_fails_invalid_id_field(coll):
    write_error(lambda: coll.update_one({"x": 1}, {"$set": {"_id": [1, 2]}}, upsert=True),
                53, "The '_id' value cannot be of type array")
    write_error(lambda: coll.update_one({"_id": [1]}, {"$set": {"x": 1}}, upsert=True),
                53, "The '_id' value cannot be of type array")
    write_error(lambda: coll.update_one({"x": 1}, {"$set": {"_id": Regex("a")}}, upsert=True),
                53, "The '_id' value cannot be of type regex")
    assert coll.count_documents({}) == 0


def test_upsert_id_document_with_dollar_field_fails(coll):
    write_error(lambda: coll.update_one({"x": 1}, {"$set": {"_id": {"$a": 1}}}, upsert=True),
                52, "_id fields may not contain '$'-prefixed fields: $a is not valid for "
                    "storage.")
    # a DBRef-shaped _id is allowed
    coll.update_one({"x": 1}, {"$set": {"_id": {"$ref": "c", "$id": 1}}}, upsert=True)
    assert coll.find_one({"x": 1})["_id"] == DBRef("c", 1)


def test_replacement_upsert_accepts_top_level_dollar_fields(coll):
    coll.replace_one({"x": 1}, {"x": 1, "$y": 2}, upsert=True)
    doc = coll.find_one({"x": 1})
    assert {k: v for k, v in doc.items() if k != "_id"} == {"x": 1, "$y": 2}


def test_replacement_upsert_with_array_id(coll):
    write_error(lambda: coll.replace_one({"x": 1}, {"_id": [1], "x": 1}, upsert=True),
                53, "The '_id' value cannot be of type array")


# ---------------------------------------------------------------------------
# replacements of an existing document
# ---------------------------------------------------------------------------

def test_replacement_with_top_level_dollar_field_fails(coll):
    coll.insert_one({"_id": 1, "a": 1})
    write_error(lambda: coll.replace_one({"_id": 1}, {"a": 2, "$b": 1}), 52,
                f"The dollar ($) prefixed field '$b' in '$b' {DOLLAR_HINT}")
    assert coll.find_one({"_id": 1}) == {"_id": 1, "a": 1}


def test_replacement_with_dollar_field_and_no_match_is_not_an_error(coll):
    # the replacement is only validated when applied to a document
    result = coll.replace_one({"_id": 1}, {"a": 2, "$b": 1})
    assert (result.matched_count, result.modified_count) == (0, 0)


def test_replacement_nested_dollar_fields_are_allowed(coll):
    coll.insert_one({"_id": 1})
    coll.replace_one({"_id": 1}, {"a": {"$b": 1}})
    assert coll.find_one({"_id": 1}) == {"_id": 1, "a": {"$b": 1}}


def test_replacement_dbref_fields_out_of_order(coll):
    coll.insert_one({"_id": 1})
    write_error(lambda: coll.replace_one({"_id": 1}, {"a": 1, "$id": 2}), 55,
                "Found $id field without a $ref before it, which is invalid.")


def test_replacement_array_id_is_invalid_id_before_immutable(coll):
    coll.insert_one({"_id": 1})
    # storage validation runs before the immutable-field check
    write_error(lambda: coll.replace_one({"_id": 1}, {"_id": [1]}), 53,
                "The '_id' value cannot be of type array")
    write_error(lambda: coll.replace_one({"_id": 1}, {"_id": Regex("x")}), 53,
                "The '_id' value cannot be of type regex")


def test_replacement_too_deep_fails_overflow(coll):
    coll.insert_one({"_id": 1})
    deep = 1
    for _ in range(100):
        deep = {"a": deep}
    write_error(lambda: coll.replace_one({"_id": 1}, {"x": deep}), 15,
                "Document exceeds maximum nesting depth of 100")


def test_update_command_decides_replacement_by_the_first_field(coll):
    # pymongo only checks the first key; the server treats {"a": …, "$b": …} as a
    # replacement and {"$set": …, "b": …} as operators (unknown modifier 'b')
    coll.insert_one({"_id": 1})
    db = coll.database
    reply = db.command("update", coll.name, updates=[{"q": {"_id": 1},
                                                      "u": {"$set": {"a": 1}, "b": 1}}])
    assert reply["writeErrors"][0]["code"] == 9
    reply = db.command("update", coll.name, updates=[{"q": {"_id": 1},
                                                      "u": {"a": 1, "$b": 1}}])
    assert reply["writeErrors"][0]["code"] == 52


# ---------------------------------------------------------------------------
# pipeline updates allow top-level '$' names but not a bad _id
# ---------------------------------------------------------------------------

def test_pipeline_cannot_make_id_an_array():
    fails({"_id": 1}, [{"$set": {"_id": [1]}}], 53, "The '_id' value cannot be of type array")


def test_pipeline_may_create_top_level_dollar_fields(coll):
    coll.insert_one({"_id": 1})
    coll.update_one({"_id": 1}, [{"$replaceWith": {"$setField": {
        "field": {"$literal": "$x"}, "input": "$$ROOT", "value": 1}}}])
    assert coll.find_one({"_id": 1}) == {"_id": 1, "$x": 1}


# ---------------------------------------------------------------------------
# array padding limit (pathsupport::kMaxPaddingAllowed = 1500000, CannotBackfillArray)
# ---------------------------------------------------------------------------

def test_padding_past_the_limit_fails_without_allocating():
    fails({"_id": 1, "a": []}, {"$set": {"a.100000000": 1}}, 34,
          "can't backfill more than 1500000 elements")
    fails({"_id": 1, "a": [0]}, {"$set": {"a.1500002": 1}}, 34,
          "can't backfill more than 1500000 elements")
    fails({"_id": 1, "a": []}, {"$inc": {"a.1500001": 1}}, 34)


def test_padding_up_to_the_limit_is_allowed():
    doc = apply({"_id": 1, "a": [0]}, {"$set": {"a.1500001": 1}})
    assert len(doc["a"]) == 1500002 and doc["a"][-1] == 1 and doc["a"][1] is None


def test_large_index_on_a_missing_field_creates_a_document():
    assert apply({"_id": 1}, {"$set": {"a.100000000": 1}}) == {"_id": 1,
                                                                "a": {"100000000": 1}}


def test_padding_error_through_the_collection_leaves_the_document(coll):
    coll.insert_one({"_id": 1, "a": [1]})
    write_error(lambda: coll.update_one({"_id": 1}, {"$set": {"a.99999999": 1}}), 34)
    assert coll.find_one({"_id": 1}) == {"_id": 1, "a": [1]}
