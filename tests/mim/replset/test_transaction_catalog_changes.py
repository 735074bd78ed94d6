"""A transaction whose snapshot predates a catalog change of a collection (MongoDB 7.0,
both faces).

The change — an index created, dropped or hidden, a ``collMod``, a rename away and
back — is made outside the transaction after its snapshot was taken (its first
statement) and before it touched the collection (a collection it touched is held: the
DDL operation would wait for it, ``test_transaction_waits``).  7.0 reads the collection
through its point-in-time catalog, as the snapshot saw it, so reads go on; a write needs
the latest collection, and the snapshot's is not it: WriteConflict (112) labelled
TransientTransactionError, "Unable to write to collection '<ns>' due to catalog
changes; please retry the operation" (``verifyDbAndCollection`` in catalog_raii.cpp /
shard_role.cpp, ``throwWriteConflictException``), and the transaction is aborted.
jstests/noPassthrough/read_concern_snapshot_catalog_invalidation.js: after a rename
away and back, find/aggregate/distinct work and every write fails so."""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure
from pymongo.read_concern import ReadConcern

#: the server's words (the WriteConflict's own suffix added by throwWriteConflictException)
CATALOG_CHANGED = ("Caused by :: Unable to write to collection 't.c' due to catalog changes; "
                   "please retry the operation :: Please retry your operation or "
                   "multi-document transaction.")


@pytest.fixture
def coll(client):
    client.t.c.insert_many([{"_id": 0, "a": 1}, {"_id": 1, "a": 2}])
    client.t.d.insert_one({"_id": 0})
    return client.t.c


@pytest.fixture
def session(client, coll):
    """A transaction whose snapshot is taken (it read t.d), t.c not touched yet."""
    with client.start_session() as session:
        session.start_transaction()
        assert client.t.d.find_one({}, session=session) == {"_id": 0}
        yield session


def _write_conflicts(client, session, write) -> None:
    with pytest.raises(OperationFailure) as info:
        write()
    assert info.value.code == 112
    assert info.value.details["codeName"] == "WriteConflict"
    assert info.value.details["errmsg"] == CATALOG_CHANGED
    assert info.value.has_error_label("TransientTransactionError")
    with pytest.raises(OperationFailure) as aborted:
        session.commit_transaction()
    assert aborted.value.code == 251  # NoSuchTransaction: the conflict aborted it


def test_an_index_built_after_the_snapshot_leaves_reads_and_refuses_writes(
        client, coll, session):
    coll.create_index("a")
    assert list(coll.find({"a": {"$gte": 1}}, session=session)) == [
        {"_id": 0, "a": 1}, {"_id": 1, "a": 2}]
    assert coll.distinct("a", session=session) == [1, 2]
    _write_conflicts(client, session, lambda: coll.insert_one({"_id": 2}, session=session))
    assert coll.count_documents({}) == 2


def test_an_index_dropped_after_the_snapshot_refuses_an_update(client, coll):
    coll.create_index("a")
    with client.start_session() as session:
        session.start_transaction()
        client.t.d.find_one({}, session=session)
        coll.drop_index("a_1")
        _write_conflicts(client, session, lambda: coll.update_one(
            {"_id": 0}, {"$set": {"a": 5}}, session=session))
    assert coll.find_one({"_id": 0}) == {"_id": 0, "a": 1}


def test_a_coll_mod_after_the_snapshot_refuses_a_delete(client, coll, session):
    client.t.command("collMod", "c", validator={"a": {"$type": "int"}})
    assert coll.find_one({"_id": 1}, session=session) == {"_id": 1, "a": 2}
    _write_conflicts(client, session, lambda: coll.delete_one({"_id": 1}, session=session))
    assert coll.count_documents({}) == 2


def test_an_index_hidden_after_the_snapshot_refuses_find_and_modify(client, coll):
    coll.create_index("a")
    with client.start_session() as session:
        session.start_transaction()
        client.t.d.find_one({}, session=session)
        client.t.command("collMod", "c", index={"name": "a_1", "hidden": True})
        _write_conflicts(client, session, lambda: coll.find_one_and_update(
            {"_id": 0}, {"$set": {"a": 7}}, session=session))


def test_a_rename_away_and_back_leaves_reads_and_refuses_writes(client, coll, session):
    # read_concern_snapshot_catalog_invalidation.js: the collection is the same, its
    # catalog entry is newer than the snapshot
    client.admin.command("renameCollection", "t.c", to="t.temp")
    client.admin.command("renameCollection", "t.temp", to="t.c")
    assert len(list(coll.aggregate([], session=session))) == 2
    assert coll.distinct("a", session=session) == [1, 2]
    _write_conflicts(client, session, lambda: coll.update_many(
        {}, {"$set": {"b": 1}}, session=session))


def test_with_transaction_retries_into_a_snapshot_that_sees_the_change(client, coll):
    attempts = []

    def callback(session):
        client.t.d.find_one({}, session=session)
        if not attempts:
            coll.create_index("a")  # the first attempt's snapshot predates it
        attempts.append(1)
        coll.insert_one({"_id": 2, "a": 3}, session=session)

    with client.start_session() as session:
        session.with_transaction(callback)
    assert len(attempts) == 2
    assert coll.find_one({"a": 3}) == {"_id": 2, "a": 3}


def test_changes_before_the_snapshot_and_document_writes_after_it_do_not_conflict(
        client, coll):
    coll.create_index("a")
    client.t.command("collMod", "c", validator={"a": {"$type": "int"}})
    with client.start_session() as session:
        with session.start_transaction():
            client.t.d.find_one({}, session=session)
            coll.insert_one({"_id": 5, "a": 5})  # a document write is no catalog change
            coll.insert_one({"_id": 2, "a": 3}, session=session)
            coll.update_one({"_id": 0}, {"$set": {"a": 4}}, session=session)
    assert sorted(doc["_id"] for doc in coll.find()) == [0, 1, 2, 5]
    assert coll.find_one({"_id": 0}) == {"_id": 0, "a": 4}


def test_a_change_to_another_collection_does_not_stop_the_transaction(client, coll, session):
    client.t.e.insert_one({"_id": 0})
    client.t.e.create_index("x")
    coll.insert_one({"_id": 2}, session=session)
    session.commit_transaction()
    assert coll.count_documents({}) == 3


def test_hints_name_the_snapshot_s_indexes(client, coll):
    # the point-in-time catalog: an index built after the snapshot is not the
    # transaction's to hint (BadValue 2, the planner's words); one dropped after it
    # still is
    coll.create_index("b")
    for hinted, expected in (("a_1", None), ("b_1", [{"_id": 0, "a": 1}])):
        with client.start_session() as session:
            session.start_transaction(read_concern=ReadConcern("snapshot"))
            assert client.t.d.find_one({}, session=session) == {"_id": 0}
            if hinted == "a_1":
                coll.create_index("a")
            else:
                coll.drop_index("b_1")
            cursor = coll.find({"a": 1}, session=session).hint(hinted)
            if expected is None:
                with pytest.raises(OperationFailure) as info:
                    list(cursor)
                assert info.value.code == 2
                assert "hint provided does not correspond to an existing index" in \
                    info.value.details["errmsg"]
            else:
                assert list(cursor) == expected
            session.abort_transaction()
