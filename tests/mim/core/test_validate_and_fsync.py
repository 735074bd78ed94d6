"""``validate``'s option rules and ``fsync`` (without lock), as ``validate.cpp`` and
``fsync.cpp`` of MongoDB 7.0 answer.  pymongo's own ``test_validate_collection_background``
runs ``fsync`` and then ``validate`` with ``background``/``scandata``, and expects
``{full: true, background: true}`` to fail."""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure


@pytest.fixture
def filled(db):
    db.c.insert_one({"x": 1})
    return db


def _refused(db, **options) -> OperationFailure:
    with pytest.raises(OperationFailure) as caught:
        db.validate_collection("c", **options) if set(options) <= {"full", "background",
                                                                   "scandata"} \
            else db.command("validate", "c", **options)
    return caught.value


def test_background_validation_is_valid(filled):
    assert filled.validate_collection("c", background=True)["valid"] is True
    assert filled.validate_collection("c", scandata=True, background=True)["valid"] is True


def test_full_and_background_are_refused_together(filled):
    error = _refused(filled, full=True, background=True)
    assert error.code == 72 and error.details["codeName"] == "InvalidOptions"
    assert str(error).startswith("Running the validate command with both { background: true } "
                                 "and { full: true } is not supported.")


def test_enforce_fast_count_needs_a_foreground_scan(filled):
    error = _refused(filled, background=True, enforceFastCount=1)
    assert error.code == 72
    assert "both { background: true } and { enforceFastCount: true }" in str(error)


def test_check_bson_conformance_false_with_full_is_refused(filled):
    error = _refused(filled, full=True, checkBSONConformance=False)
    assert error.code == 72
    assert "Cannot explicitly set 'checkBSONConformance: false' with full validation set." \
        in str(error)


def test_repair_needs_a_standalone(filled):
    error = _refused(filled, repair=True)
    assert error.code == 72 and "can only be performed in standalone mode" in str(error)
    error = _refused(filled, repair=True, background=True)
    assert "both { background: true } and { repair: true }" in str(error)


def test_metadata_stands_alone(filled):
    error = _refused(filled, metadata=True, full=True)
    assert error.code == 72
    assert "{ metadata: true } is not supported with any other options" in str(error)


def test_options_are_checked_before_the_collection_is_looked_up(db):
    error = _refused(db, full=True, background=True)  # "c" does not exist
    assert error.code == 72


def test_fsync_flushes_and_answers_num_files(client):
    reply = client.admin.command("fsync")
    assert reply["numFiles"] == 1 and reply["ok"] == 1.0


def test_fsync_is_admin_only(client):
    with pytest.raises(OperationFailure) as caught:
        client.testdb.command("fsync")
    assert caught.value.code == 13
    assert "fsync may only be run against the admin database." in str(caught.value)



def test_validate_counts_the_keys_of_each_index(client):
    """``keysPerIndex``: the keys each index holds (a multikey index one per array
    element); ``indexDetails`` comes with ``full: true`` (``_reportValidationResults``)."""
    coll = client.testdb.keys
    coll.insert_many([{"_id": 1, "a": [1, 2, 3]}, {"_id": 2, "a": 4}, {"_id": 3}])
    coll.create_index("a")
    reply = client.testdb.command("validate", "keys")
    assert reply["keysPerIndex"] == {"_id_": 3, "a_1": 5}
    assert "indexDetails" not in reply
    full = client.testdb.command("validate", "keys", full=True)
    assert full["indexDetails"] == {"_id_": {"valid": True}, "a_1": {"valid": True}}
