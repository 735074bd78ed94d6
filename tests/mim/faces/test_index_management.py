"""Index management as pymongo + MongoDB 7.0 behave: dropping indexes of a missing
collection is quiet (pymongo allows "ns not found"), an ``{_id: 1}`` index is the
``_id_`` index whatever name it is given, unknown command options fail."""

from __future__ import annotations

import pytest
from pymongo import IndexModel
from pymongo.errors import OperationFailure


def test_drop_index_on_a_missing_collection_is_quiet(db):
    assert db.nope.drop_index("j_1") is None
    assert db.nope.drop_indexes() is None
    assert "nope" not in db.list_collection_names()


def test_drop_index_raw_command_still_reports_ns_not_found(db):
    with pytest.raises(OperationFailure) as info:
        db.command("dropIndexes", "nope", index="*")
    assert info.value.code == 26


def test_an_id_index_under_another_name_is_the_id_index(coll):
    coll.insert_one({"_id": 1})
    assert coll.create_indexes([IndexModel("_id")]) == ["_id_1"]
    assert coll.create_index([("_id", 1)], name="whatever") == "whatever"
    assert list(coll.index_information()) == ["_id_"]


def test_id_index_options_are_still_checked(coll):
    with pytest.raises(OperationFailure) as info:
        coll.create_index("_id", unique=True)
    assert info.value.code == 197


def test_create_indexes_unknown_option(coll):
    with pytest.raises(OperationFailure) as info:
        coll.create_indexes([IndexModel("j")], bogus=1)
    assert info.value.code == 40415
    assert "BSON field 'createIndexes.bogus' is an unknown field." in str(info.value)
    assert coll.create_indexes([IndexModel("j")], commitQuorum="majority") == ["j_1"]
