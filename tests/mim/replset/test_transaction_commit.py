"""What a commit leaves behind, whichever way it installs the transaction's writes (both
faces): the view's prepared collection taken over when nothing else wrote the
collection since the snapshot, a created collection adopted whole, the writes
replayed when someone else wrote the collection meanwhile.  Every way must leave
documents, secondary indexes (unique, multikey) and the collation-aware ``_id``
index exactly as the same writes made outside a transaction would."""

from __future__ import annotations

import pytest
from pymongo.errors import DuplicateKeyError, OperationFailure

from mim.engine.storage.store import CollectionData

STRENGTH_2 = {"locale": "en", "strength": 2}


def _index_names_used(coll, query) -> str:
    plan = coll.find(query).explain()["queryPlanner"]["winningPlan"]
    while "inputStage" in plan:
        plan = plan["inputStage"]
    return plan.get("indexName", plan["stage"])


@pytest.mark.parametrize("written_meanwhile", [False, True], ids=["installed", "replayed"])
def test_committed_documents_are_in_every_index(client, written_meanwhile):
    coll = client.t.c
    coll.create_index("k", unique=True)
    coll.create_index("tags")
    coll.insert_many([{"_id": 1, "k": 1, "tags": ["a"]}, {"_id": 2, "k": 2, "tags": ["b"]}])
    with client.start_session() as session:
        session.start_transaction()
        coll.insert_one({"_id": 3, "k": 3, "tags": ["a", "c"]}, session=session)
        coll.update_one({"_id": 1}, {"$set": {"k": 10, "tags": ["d"]}}, session=session)
        coll.delete_one({"_id": 2}, session=session)
        if written_meanwhile:
            coll.insert_one({"_id": 4, "k": 4, "tags": ["a"]})  # outside, no conflict
        session.commit_transaction()
    expected = [{"_id": 1, "k": 10, "tags": ["d"]}, {"_id": 3, "k": 3, "tags": ["a", "c"]}]
    if written_meanwhile:
        expected.insert(1, {"_id": 4, "k": 4, "tags": ["a"]})
    assert sorted(coll.find(), key=lambda d: d["_id"]) == sorted(expected, key=lambda d: d["_id"])
    assert [d["_id"] for d in coll.find({"k": {"$gte": 3}}).sort("k", 1)] == (
        [3, 4, 1] if written_meanwhile else [3, 1])
    assert _index_names_used(coll, {"k": 10}) == "k_1"
    assert [d["_id"] for d in coll.find({"tags": "a"}).sort("_id", 1)] == (
        [3, 4] if written_meanwhile else [3])
    assert coll.find_one({"tags": "b"}) is None and coll.find_one({"k": 1}) is None
    assert coll.find({"tags": "c"}).explain()["queryPlanner"]["winningPlan"][
        "inputStage"]["isMultiKey"] is True
    with pytest.raises(DuplicateKeyError):
        coll.insert_one({"_id": 5, "k": 3})  # the unique index holds the committed key
    coll.insert_one({"_id": 6, "k": 1})  # and no longer the one the transaction changed


def test_a_collection_created_in_the_transaction_is_committed_with_its_indexes(client):
    db = client.t
    with client.start_session() as session:
        session.start_transaction()
        db.create_collection("fresh", check_exists=False, session=session)
        db.fresh.create_index("k", unique=True, session=session)
        db.fresh.insert_many([{"_id": 1, "k": 1}, {"_id": 2, "k": 2}], session=session)
        assert "fresh" not in db.list_collection_names()
        session.commit_transaction()
    assert "fresh" in db.list_collection_names()
    assert [index["name"] for index in db.fresh.list_indexes()] == ["_id_", "k_1"]
    assert _index_names_used(db.fresh, {"k": 2}) == "k_1"
    with pytest.raises(DuplicateKeyError):
        db.fresh.insert_one({"_id": 3, "k": 2})
    db.fresh.insert_one({"_id": 4, "k": 4})
    assert db.fresh.count_documents({}) == 3


def test_the_collation_of_the_id_index_holds_inside_and_after_a_transaction(client):
    # a collection whose default collation ignores case: its _id index does too, so
    # "A" duplicates "a" (the server's _id index carries the collection's collation)
    coll = client.t.get_collection("ci")
    client.t.create_collection("ci", collation=STRENGTH_2)
    coll.insert_one({"_id": "a"})
    with client.start_session() as session:
        session.start_transaction()
        with pytest.raises(OperationFailure) as info:
            coll.insert_one({"_id": "A"}, session=session)
        assert info.value.code == 11000
    with client.start_session() as session:
        session.start_transaction()
        coll.insert_one({"_id": "b"}, session=session)
        session.commit_transaction()
    with pytest.raises(DuplicateKeyError):
        coll.insert_one({"_id": "B"})
    assert sorted(d["_id"] for d in coll.find()) == ["a", "b"]


def test_statements_answer_the_latest_optime_and_the_commit_a_new_one(client):
    # a transaction's statements write no oplog entry, so each answers with the last
    # applied optime (computeOperationTime); its commit writes one
    coll = client.t.c
    coll.insert_one({"_id": 0})
    with client.start_session() as session:
        coll.find_one({}, session=session)
        before = session.operation_time
        session.start_transaction()
        coll.insert_one({"_id": 1}, session=session)
        coll.update_one({"_id": 0}, {"$set": {"x": 1}}, session=session)
        assert session.operation_time == before
        session.commit_transaction()
        assert session.operation_time > before


def test_a_commit_stores_no_document_a_second_time(client, monkeypatch):
    # the documents the transaction stored in its view become the collection's as
    # they are: the commit writes none of them again (the 2x cost target of issue 18)
    coll = client.t.c
    coll.create_index("k")
    coll.insert_many([{"_id": i, "k": i} for i in range(10)])
    with client.start_session() as session:
        session.start_transaction()
        for i in range(10, 20):
            coll.insert_one({"_id": i, "k": i}, session=session)
        coll.update_one({"_id": 1}, {"$set": {"k": -1}}, session=session)
        coll.delete_one({"_id": 2}, session=session)
        writes: list[str] = []
        for name in ("insert", "replace", "delete"):
            original = getattr(CollectionData, name)
            monkeypatch.setattr(CollectionData, name,
                                lambda self, *a, _n=name, _o=original, **k:
                                (writes.append(_n), _o(self, *a, **k))[1])
        session.commit_transaction()
        monkeypatch.undo()
    assert writes == []
    assert coll.count_documents({}) == 19
    assert coll.find_one({"k": -1}) == {"_id": 1, "k": -1}
