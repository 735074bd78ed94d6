"""The async face: a transaction reads its snapshot plus its own writes — by ``_id``,
through an index, counted, aggregated — nobody outside sees them before commit, a
write committed outside after the snapshot stays invisible to it, and commit applies
them all (see ``replset/test_transaction_overlay.py``).  pymongo's async spelling,
Motor's and pymongo's own ``AsyncMongoClient`` over the in-process transport."""

from __future__ import annotations

from .test_transaction_waits import awaited, client, run, start_session  # noqa: F401


async def _listed(cursor):
    return [document async for document in cursor]


def test_a_transaction_reads_its_own_writes_and_commits_them(client):
    async def main():
        coll = client.t.o
        await coll.insert_many([{"_id": i, "k": i * 10} for i in range(1, 6)])
        await coll.create_index("k")
        session = await start_session(client)
        await awaited(session.start_transaction())
        await coll.insert_one({"_id": 6, "k": 60}, session=session)
        await coll.update_one({"_id": 2}, {"$set": {"k": 25}}, session=session)
        await coll.delete_one({"_id": 3}, session=session)
        await coll.insert_one({"_id": 7, "k": 70})  # committed outside, after the snapshot
        inside = {
            "by id": await coll.find_one({"_id": 6}, session=session),
            "deleted": await coll.find_one({"_id": 3}, session=session),
            "outside insert": await coll.find_one({"_id": 7}, session=session),
            "by index": await _listed(coll.find({"k": {"$gte": 25}}, {"_id": 1},
                                                session=session).sort("k", 1)),
            "count": await coll.count_documents({}, session=session),
            "sum": await _listed(await awaited(coll.aggregate(
                [{"$group": {"_id": None, "k": {"$sum": "$k"}}}], session=session))),
        }
        before_commit = await coll.count_documents({"k": {"$in": [25, 60]}})
        await session.commit_transaction()
        await awaited(session.end_session())
        after = await _listed(coll.find({}, {"_id": 1}).sort("_id", 1))
        return inside, before_commit, after

    inside, before_commit, after = run(main())
    assert inside == {"by id": {"_id": 6, "k": 60}, "deleted": None, "outside insert": None,
                      "by index": [{"_id": 2}, {"_id": 4}, {"_id": 5}, {"_id": 6}],
                      "count": 5, "sum": [{"_id": None, "k": 185}]}
    assert before_commit == 0
    assert after == [{"_id": i} for i in (1, 2, 4, 5, 6, 7)]


def test_an_aborted_transaction_leaves_documents_and_index_entries_as_they_were(client):
    async def main():
        coll = client.t.o
        await coll.insert_many([{"_id": i, "k": i * 10} for i in range(1, 4)])
        await coll.create_index("k")
        session = await start_session(client)
        await awaited(session.start_transaction())
        await coll.insert_one({"_id": 4, "k": 5}, session=session)
        await coll.update_one({"_id": 1}, {"$set": {"k": 15}}, session=session)
        await coll.delete_one({"_id": 2}, session=session)
        await session.abort_transaction()
        await awaited(session.end_session())
        return await _listed(coll.find({"k": {"$gte": 0}}).hint("k_1"))

    assert run(main()) == [{"_id": 1, "k": 10}, {"_id": 2, "k": 20}, {"_id": 3, "k": 30}]
