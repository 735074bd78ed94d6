"""Text index entries: the index holds one key per (term, document), kept by every
write, and ``$text`` reads the query's terms' keys only (the server's TEXT plan:
``fts/fts_index_format.cpp`` keys, ``query_planner.cpp``'s text rules).

Expected values: the manual's ``$text`` pages and the server's planner messages
(``QueryPlanner::plan``: a ``$text`` hinted to another index, or a compound text
index without equalities on its prefix fields, is NoQueryExecutionPlans 291)."""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure, WriteError

UNUSABLE = ("failed to use text index to satisfy $text query (if text index is compound, "
            "are equality predicates given for all prefix fields?)")


@pytest.fixture
def articles(coll):
    coll.create_index([("body", "text")])
    coll.insert_many([
        {"_id": 1, "body": "coffee", "n": 1},
        {"_id": 2, "body": "coffee cake", "n": 2},
        {"_id": 3, "body": "baking a cake", "n": 3},
        {"_id": 4, "body": "tea and biscuits", "n": 4},
    ])
    return coll


def _ids(cursor):
    return sorted(doc["_id"] for doc in cursor)


def _stats(cursor):
    return cursor.explain()["executionStats"]


def test_text_reads_only_the_query_terms_keys(articles):
    # one key per (term, document): "coffe" has two, "cake" two, the documents are
    # fetched once each (TEXT_OR de-duplicates), tea's document is never read
    stats = _stats(articles.find({"$text": {"$search": "coffee"}}))
    assert (stats["totalKeysExamined"], stats["totalDocsExamined"], stats["nReturned"]) \
        == (2, 2, 2)
    stats = _stats(articles.find({"$text": {"$search": "coffee cake"}},
                                 {"score": {"$meta": "textScore"}}))
    assert (stats["totalKeysExamined"], stats["totalDocsExamined"], stats["nReturned"]) \
        == (4, 3, 3)


def test_negations_and_phrases_are_checked_on_the_candidates(articles):
    stats = _stats(articles.find({"$text": {"$search": "cake -coffee"}}))
    assert (stats["totalKeysExamined"], stats["totalDocsExamined"], stats["nReturned"]) \
        == (2, 2, 1)
    assert _ids(articles.find({"$text": {"$search": "cake -coffee"}})) == [3]
    assert _ids(articles.find({"$text": {"$search": "\"coffee cake\""}})) == [2]
    assert _ids(articles.find({"$text": {"$search": "cake -\"a cake\""}})) == [2]


def test_every_write_keeps_the_entries(articles):
    articles.insert_one({"_id": 5, "body": "cake with coffee icing"})
    articles.update_one({"_id": 1}, {"$set": {"body": "green tea"}})
    articles.replace_one({"_id": 3}, {"body": "a slice of cheesecake"})
    articles.delete_one({"_id": 2})
    assert _ids(articles.find({"$text": {"$search": "coffee"}})) == [5]
    assert _ids(articles.find({"$text": {"$search": "cake"}})) == [5]
    assert _ids(articles.find({"$text": {"$search": "tea"}})) == [1, 4]
    assert _ids(articles.find({"$text": {"$search": "cheesecake"}})) == [3]
    # a write of a field the index does not cover keeps the document's keys and scores
    before = {d["_id"]: d["s"] for d in articles.find({"$text": {"$search": "tea"}},
                                                     {"s": {"$meta": "textScore"}})}
    articles.update_many({}, {"$inc": {"n": 10}})
    after = {d["_id"]: d["s"] for d in articles.find({"$text": {"$search": "tea"}},
                                                    {"s": {"$meta": "textScore"}})}
    assert after == before
    # the writes found through the text index itself
    assert articles.update_many({"$text": {"$search": "tea"}},
                                {"$set": {"tag": 1}}).modified_count == 2
    assert articles.delete_many({"$text": {"$search": "tea"}}).deleted_count == 2
    assert _ids(articles.find({"$text": {"$search": "tea"}})) == []


def test_dropped_and_rebuilt_index_reads_the_documents_again(articles):
    articles.drop_index("body_text")
    articles.insert_one({"_id": 5, "body": "coffee beans"})
    with pytest.raises(OperationFailure) as caught:
        list(articles.find({"$text": {"$search": "coffee"}}))
    assert caught.value.code == 27
    articles.create_index([("body", "text")])
    assert _ids(articles.find({"$text": {"$search": "coffee"}})) == [1, 2, 5]
    articles.delete_many({})
    assert _ids(articles.find({"$text": {"$search": "coffee"}})) == []


def test_language_override_change_rekeys_the_document(coll):
    coll.create_index([("quote", "text")])
    coll.insert_one({"_id": 1, "quote": "la casa", "language": "english"})
    # "la" is no English stop word, but a Spanish one (stop_words_spanish.txt)
    assert _ids(coll.find({"$text": {"$search": "la"}})) == [1]
    coll.update_one({"_id": 1}, {"$set": {"language": "spanish"}})
    assert _ids(coll.find({"$text": {"$search": "la"}})) == []
    assert _ids(coll.find({"$text": {"$search": "casa", "$language": "spanish"}})) == [1]


@pytest.mark.parametrize("language, code, message", [
    (3, 17261, "found language override field in document with non-string type"),
    ("klingon", 17262, "language override unsupported: klingon"),
])
def test_bad_language_override_refuses_the_write(coll, language, code, message):
    coll.create_index([("quote", "text")])
    coll.insert_one({"_id": 1, "quote": "hello"})
    with pytest.raises(WriteError) as caught:
        coll.insert_one({"_id": 2, "quote": "hello", "language": language})
    assert (caught.value.code, caught.value.details["errmsg"]) == (code, message)
    with pytest.raises(WriteError) as caught:
        coll.update_one({"_id": 1}, {"$set": {"language": language}})
    assert caught.value.code == code
    assert list(coll.find()) == [{"_id": 1, "quote": "hello"}]
    assert _ids(coll.find({"$text": {"$search": "hello"}})) == [1]


def test_index_build_over_a_bad_language_override_fails(coll):
    coll.insert_one({"_id": 1, "quote": "hello", "language": 3})
    with pytest.raises(OperationFailure) as caught:
        coll.create_index([("quote", "text")])
    assert caught.value.code == 17261
    assert [spec["name"] for spec in coll.list_indexes()] == ["_id_"]


def test_hint_must_name_the_text_index(articles):
    articles.create_index([("n", 1)])
    with pytest.raises(OperationFailure) as caught:
        list(articles.find({"$text": {"$search": "coffee"}}).hint("n_1"))
    assert caught.value.code == 291
    assert caught.value.details["errmsg"] == (
        f"error processing query: ns={articles.full_name} planner returned error :: "
        f"caused by :: {UNUSABLE}")
    assert _ids(articles.find({"$text": {"$search": "coffee"}}).hint("body_text")) == [1, 2]


def test_compound_text_index_needs_equality_on_its_prefix(coll):
    coll.create_index([("dept", 1), ("body", "text")])
    coll.insert_many([{"_id": 1, "dept": "kitchen", "body": "coffee"},
                      {"_id": 2, "dept": "bakery", "body": "coffee cake"}])
    with pytest.raises(OperationFailure) as caught:
        list(coll.find({"$text": {"$search": "coffee"}}))
    assert (caught.value.code, caught.value.details["errmsg"].split(":: ")[-1]) \
        == (291, UNUSABLE)
    with pytest.raises(OperationFailure) as caught:
        list(coll.find({"$text": {"$search": "coffee"}, "dept": {"$gt": "a"}}))
    assert caught.value.code == 291
    query = {"$text": {"$search": "coffee"}, "dept": "bakery"}
    assert _ids(coll.find(query)) == [2]
    plan = coll.find(query).explain()["queryPlanner"]["winningPlan"]
    assert plan["stage"] == "TEXT_MATCH"
    assert plan["indexPrefix"] == {"dept": "bakery"}


def test_transaction_abort_restores_the_entries(client, coll):
    coll.create_index([("body", "text")])
    coll.insert_many([{"_id": 1, "body": "coffee"}, {"_id": 2, "body": "tea"}])
    with client.start_session() as session:
        session.start_transaction()
        coll.insert_one({"_id": 3, "body": "coffee beans"}, session=session)
        coll.update_one({"_id": 2}, {"$set": {"body": "coffee"}}, session=session)
        coll.delete_one({"_id": 1}, session=session)
        assert _ids(coll.find({"$text": {"$search": "coffee"}}, session=session)) == [2, 3]
        assert _ids(coll.find({"$text": {"$search": "coffee"}})) == [1]
        session.abort_transaction()
    assert _ids(coll.find({"$text": {"$search": "coffee"}})) == [1]
    assert _ids(coll.find({"$text": {"$search": "tea"}})) == [2]
    with client.start_session() as session:
        session.start_transaction()
        coll.insert_one({"_id": 3, "body": "coffee beans"}, session=session)
        coll.delete_one({"_id": 1}, session=session)
        session.commit_transaction()
    assert _ids(coll.find({"$text": {"$search": "coffee"}})) == [3]
    assert _ids(coll.find({"$text": {"$search": "bean"}})) == [3]


def test_wildcard_index_follows_nested_writes(coll):
    coll.create_index([("$**", "text")])
    coll.insert_one({"_id": 1, "a": {"b": ["red apples", {"c": "green pears"}]}})
    assert _ids(coll.find({"$text": {"$search": "pear"}})) == [1]
    coll.update_one({"_id": 1}, {"$set": {"a.b.1.c": "plums"}})
    assert _ids(coll.find({"$text": {"$search": "pear"}})) == []
    assert _ids(coll.find({"$text": {"$search": "plum apple"}})) == [1]


def test_profiled_text_query_summarises_its_text_index_scan(db, articles):
    # a mongod slow-query line for {$text: {$search: "world"}}: "planSummary: IXSCAN
    # { _fts: "text", _ftsx: 1 } keysExamined:1 docsExamined:1"
    db.command("profile", 2)
    list(articles.find({"$text": {"$search": "biscuit"}}))
    entry = db.system.profile.find_one({"op": "query", "ns": articles.full_name})
    assert (entry["planSummary"], entry["keysExamined"], entry["docsExamined"]) \
        == ('IXSCAN { _fts: "text", _ftsx: 1 }', 1, 1)
