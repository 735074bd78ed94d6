"""What pymongo checks and decides on the client side of a transaction, on both
faces (the transactions specification's client rules): reads in a transaction
go to the primary, a collection's ``w: 0`` does not apply to a transaction's
statements, and an ended transaction is forgotten by the session's next operation."""

from __future__ import annotations

import pytest
from pymongo import ReadPreference, WriteConcern
from pymongo.errors import InvalidOperation


@pytest.fixture
def coll(client):
    client.t.create_collection("c")
    client.t.c.insert_one({"_id": 0})
    return client.t.c


def test_a_read_with_a_secondary_transaction_read_preference_is_refused(client, coll):
    with client.start_session() as session:
        session.start_transaction(read_preference=ReadPreference.SECONDARY)
        with pytest.raises(InvalidOperation, match="read preference in a transaction must "
                                                   "be primary"):
            coll.find_one({}, session=session)
        coll.insert_one({"_id": 1}, session=session)  # writes go to the primary
        session.commit_transaction()
    assert coll.count_documents({}) == 2


def test_a_command_with_an_explicit_secondary_read_preference_is_refused(client, coll):
    with client.start_session() as session:
        session.start_transaction()
        with pytest.raises(InvalidOperation):
            client.t.command("find", "c", read_preference=ReadPreference.SECONDARY,
                             session=session)
        session.abort_transaction()


def test_a_collections_unacknowledged_write_concern_is_ignored_in_a_transaction(client, coll):
    unacknowledged = coll.with_options(write_concern=WriteConcern(w=0))
    with client.start_session() as session:
        session.start_transaction()
        result = unacknowledged.delete_one({"_id": 0}, session=session)
        assert result.acknowledged and result.deleted_count == 1
        assert unacknowledged.find_one_and_update(
            {"_id": 5}, {"$set": {"x": 1}}, upsert=True, session=session) is None
        session.commit_transaction()
    assert list(coll.find()) == [{"_id": 5, "x": 1}]


def test_the_next_operation_forgets_a_committed_transaction(client, coll):
    with client.start_session() as session:
        session.start_transaction()
        coll.insert_one({"_id": 1}, session=session)
        session.commit_transaction()
        coll.insert_one({"_id": 2}, session=session)
        with pytest.raises(InvalidOperation, match="No transaction started"):
            session.commit_transaction()
