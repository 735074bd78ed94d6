"""Text search: the manual's ``$text`` examples (reference/operator/query/text.txt,
the ``articles`` collection with a text index on ``subject``) and the server's
errors for misplaced or malformed ``$text``."""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure

ARTICLES = [
    {"_id": 1, "subject": "coffee", "author": "xyz", "views": 50},
    {"_id": 2, "subject": "Coffee Shopping", "author": "efg", "views": 5},
    {"_id": 3, "subject": "Baking a cake", "author": "abc", "views": 90},
    {"_id": 4, "subject": "baking", "author": "xyz", "views": 100},
    {"_id": 5, "subject": "Café Con Leche", "author": "abc", "views": 200},
    {"_id": 6, "subject": "Сырники", "author": "jkl", "views": 80},
    {"_id": 7, "subject": "coffee and cream", "author": "efg", "views": 10},
    {"_id": 8, "subject": "Cafe con Leche", "author": "xyz", "views": 10},
]


@pytest.fixture
def articles(db):
    coll = db.articles
    coll.insert_many([dict(doc) for doc in ARTICLES])
    coll.create_index([("subject", "text")])
    return coll


@pytest.mark.parametrize("text, expected", [
    ({"$search": "coffee"}, {1, 2, 7}),
    ({"$search": "bake coffee cake"}, {1, 2, 3, 4, 7}),
    ({"$search": "\"coffee shop\""}, {2}),
    ({"$search": "coffee -shop"}, {1, 7}),
    ({"$search": "leche", "$language": "es"}, {5, 8}),
    ({"$search": "сы́рники CAFÉS"}, {5, 6, 8}),
    ({"$search": "Coffee", "$caseSensitive": True}, {2}),
    ({"$search": "\"Café Con\"", "$caseSensitive": True}, {5}),
    ({"$search": "Coffee -shop", "$caseSensitive": True}, {2}),
    ({"$search": "CAFÉ", "$diacriticSensitive": True}, {5}),
    ({"$search": "leches -cafés", "$diacriticSensitive": True}, {8}),
], ids=lambda value: repr(value) if not isinstance(value, set) else "")
def test_manual_text_examples(articles, text, expected):
    assert {doc["_id"] for doc in articles.find({"$text": text})} == expected


def test_stop_words_alone_match_nothing(articles):
    assert list(articles.find({"$text": {"$search": "and a the"}})) == []


def test_count_and_aggregate_first_match(articles):
    assert articles.count_documents({"$text": {"$search": "coffee"}}) == 3
    found = articles.aggregate([{"$match": {"$text": {"$search": "cake"}}}])
    assert [doc["_id"] for doc in found] == [3]


def test_text_with_other_conditions(articles):
    found = articles.find({"$text": {"$search": "coffee"}, "author": "efg"})
    assert {doc["_id"] for doc in found} == {2, 7}


def test_update_and_delete_filters_use_text(articles):
    articles.update_many({"$text": {"$search": "cake"}}, {"$set": {"tag": "x"}})
    assert [doc["_id"] for doc in articles.find({"tag": "x"})] == [3]
    assert articles.delete_many({"$text": {"$search": "leche"}}).deleted_count == 2


def _error(call):
    with pytest.raises(OperationFailure) as caught:
        call()
    return caught.value.code, caught.value.details["errmsg"]


def test_text_without_text_index(db):
    db.plain.insert_one({"a": "coffee"})
    assert _error(lambda: list(db.plain.find({"$text": {"$search": "coffee"}})))\
        == (27, "text index required for $text query")


def test_text_on_missing_collection_finds_nothing(db):
    assert list(db.missing.find({"$text": {"$search": "coffee"}})) == []


@pytest.mark.parametrize("filter, code, message", [
    ({"$text": "coffee"}, 2, "$text expects an object"),
    ({"$text": {}}, 4, 'Missing expected field "$search"'),
    ({"$text": {"$search": 1}}, 14, '"$search" had the wrong type. Expected string, found int'),
    ({"$text": {"$search": "a", "$caseSensitive": 1}}, 14,
     '"$caseSensitive" had the wrong type. Expected bool, found int'),
    ({"$text": {"$search": "a", "$language": 1}}, 14,
     '"$language" had the wrong type. Expected string, found int'),
    ({"$text": {"$search": "a", "$foo": 1}}, 2, "extra fields in $text"),
    ({"$and": [{"$text": {"$search": "a"}}, {"$text": {"$search": "b"}}]}, 2,
     "Too many text expressions"),
    ({"$nor": [{"$text": {"$search": "a"}}]}, 2, "text expression not allowed in nor"),
    ({"a": {"$elemMatch": {"$text": {"$search": "a"}}}}, 2,
     "$text can only be applied to the top-level document"),
])
def test_malformed_or_misplaced_text(articles, filter, code, message):
    assert _error(lambda: list(articles.find(filter))) == (code, message)


def test_text_under_or_with_unindexed_branch(articles):
    code, message = _error(lambda: list(articles.find(
        {"$or": [{"$text": {"$search": "a"}}, {"views": 1}]})))
    assert code == 291
    assert message.endswith("Failed to produce a solution for TEXT under OR - other non-TEXT "
                            "clauses under OR have to be indexed as well.")


def test_text_only_in_first_match_stage(articles):
    assert _error(lambda: list(articles.aggregate(
        [{"$match": {}}, {"$match": {"$text": {"$search": "cake"}}}]))) == (
        17313, "$match with $text is only allowed as the first pipeline stage")


def test_language_override_field_selects_document_language(db):
    coll = db.quotes
    coll.create_index([("quote", "text")])
    coll.insert_many([
        {"_id": 1, "language": "spanish", "quote": "Nada hay más surrealista que la realidad."},
        {"_id": 2, "quote": "is this a dagger which I see before me."},
    ])
    # "la" is a Spanish stop word: it does not index document 1
    assert list(coll.find({"$text": {"$search": "la"}})) == []
    assert [d["_id"] for d in coll.find({"$text": {"$search": "dagger"}})] == [2]


def test_wildcard_text_index_searches_every_string(db):
    coll = db.any
    coll.create_index([("$**", "text")])
    coll.insert_many([{"_id": 1, "a": {"b": "red apples"}}, {"_id": 2, "c": ["green", "pear"]}])
    assert [d["_id"] for d in coll.find({"$text": {"$search": "apple"}})] == [1]
    assert [d["_id"] for d in coll.find({"$text": {"$search": "pears"}})] == [2]


def test_text_score_projection_manual_example(articles):
    # reference/operator/aggregation/meta.txt / $text page: "cake" scores 0.75
    found = list(articles.find({"$text": {"$search": "cake"}}, {"score": {"$meta": "textScore"}}))
    assert found == [{"_id": 3, "subject": "Baking a cake", "author": "abc", "views": 90,
                      "score": 0.75}]


def test_text_score_formula_and_sort(articles):
    # fts_spec.cpp scoreDocument: a lone term scores weight * 1 * (0.5 * 1/1 + 0.5) = 1.0;
    # one term of two non-stop-word tokens (0.5 * 1/2 + 0.5) = 0.75
    found = list(articles.find({"$text": {"$search": "coffee"}},
                               {"score": {"$meta": "textScore"}, "subject": 1})
                 .sort([("score", {"$meta": "textScore"}), ("_id", 1)]))
    assert found == [{"_id": 1, "subject": "coffee", "score": 1.0},
                     {"_id": 2, "subject": "Coffee Shopping", "score": 0.75},
                     {"_id": 7, "subject": "coffee and cream", "score": 0.75}]


def test_text_score_repeated_terms_weights_and_exact_boost(db):
    coll = db.scored
    coll.create_index([("title", "text"), ("body", "text")], weights={"title": 10})
    coll.insert_many([
        {"_id": 1, "title": "tree", "body": "tree tree oak"},
        {"_id": 2, "title": "oak", "body": "a tree"},
    ])
    found = {d["_id"]: d["score"] for d in coll.find({"$text": {"$search": "tree"}},
                                                     {"score": {"$meta": "textScore"}})}
    # _id 1: title "tree" is the whole string: 10 * 1 * 1.0 * 1.1; body: freq 1 + 1/2,
    # count 2 of 3 tokens: 1.5 * (0.5 * 2/3 + 0.5)
    assert found[1] == pytest.approx(10 * 1.1 + 1.5 * (0.5 * 2 / 3 + 0.5))
    # _id 2: body "a tree": "a" is a stop word, one token: 1 * 1.0 (raw differs from term)
    assert found[2] == pytest.approx(1.0)


@pytest.mark.parametrize("call", [
    lambda coll: list(coll.find({}, {"score": {"$meta": "textScore"}})),
    lambda coll: list(coll.find({}).sort([("score", {"$meta": "textScore"})])),
])
def test_text_score_without_text_query(articles, call):
    assert _error(lambda: call(articles)) == (
        40218, "query requires text score metadata, but it is not available")


def test_text_score_in_pipeline_project_add_fields_and_sort(articles):
    # reference/operator/aggregation/meta.txt: $meta "textScore" after a $text $match
    found = list(articles.aggregate([
        {"$match": {"$text": {"$search": "coffee"}}},
        {"$addFields": {"score": {"$meta": "textScore"}}},
        {"$sort": {"score": {"$meta": "textScore"}, "_id": -1}},
        {"$project": {"score": 1, "again": {"$meta": "textScore"}}},
    ]))
    assert found == [{"_id": 1, "score": 1.0, "again": 1.0},
                     {"_id": 7, "score": 0.75, "again": 0.75},
                     {"_id": 2, "score": 0.75, "again": 0.75}]


def test_text_score_summed_in_group(articles):
    found = list(articles.aggregate([
        {"$match": {"$text": {"$search": "coffee"}}},
        {"$group": {"_id": None, "total": {"$sum": {"$meta": "textScore"}}}},
    ]))
    assert found == [{"_id": None, "total": 2.5}]


@pytest.mark.parametrize("pipeline", [
    [{"$project": {"score": {"$meta": "textScore"}}}],
    [{"$sort": {"score": {"$meta": "textScore"}}}],
])
def test_text_score_in_pipeline_without_text(articles, pipeline):
    assert _error(lambda: list(articles.aggregate(pipeline))) == (
        40218, "query requires text score metadata, but it is not available")


def test_explain_one_term_text_match_fetch_ixscan(articles):
    plan = articles.find({"$text": {"$search": "coffee"}}).explain()["queryPlanner"]
    winning = plan["winningPlan"]
    assert winning["stage"] == "TEXT_MATCH"
    assert winning["indexName"] == "subject_text"
    assert winning["parsedTextQuery"] == {"terms": ["coffe"], "negatedTerms": [],
                                          "phrases": [], "negatedPhrases": []}
    assert winning["inputStage"]["stage"] == "FETCH"
    scan = winning["inputStage"]["inputStage"]
    assert scan["stage"] == "IXSCAN"
    assert scan["keyPattern"] == {"_fts": "text", "_ftsx": 1}


def test_explain_scored_text_query_uses_text_or(articles):
    cursor = articles.find({"$text": {"$search": "coffee cake -shop \"cafe con\""}},
                           {"score": {"$meta": "textScore"}})
    winning = cursor.explain()["queryPlanner"]["winningPlan"]
    assert winning["stage"] == "TEXT_MATCH"
    assert winning["parsedTextQuery"] == {"terms": ["cafe", "cake", "coffe", "con"],
                                          "negatedTerms": ["shop"], "phrases": ["cafe con"],
                                          "negatedPhrases": []}
    assert winning["inputStage"]["stage"] == "TEXT_OR"
    assert [s["stage"] for s in winning["inputStage"]["inputStages"]] == ["IXSCAN"] * 4


@pytest.mark.parametrize("language, stop_word, text, search", [
    # stop words from MongoDB's src/mongo/db/fts/stop_words_<language>.txt
    ("portuguese", "uma", "As casas são muito bonitas", "casa"),
    ("italian", "della", "Le case della città", "casa"),
    ("dutch", "zijn", "De huizen zijn groot", "huis"),
    ("swedish", "och", "Husen och trädgårdarna", "trädgård"),
    ("romanian", "pentru", "Cartea copiilor", "carte"),
    ("ro", "asupra", "Frumoasele orase", "frumoasa"),
])
def test_more_languages_have_their_stop_words_and_stemming(db, language, stop_word, text,
                                                           search):
    coll = db[f"text_{language}"]
    coll.create_index([("body", "text")], default_language=language)
    coll.insert_one({"_id": 1, "body": f"{text} {stop_word}"})
    # a stop word alone matches nothing; a word matches its inflected forms (Snowball)
    assert list(coll.find({"$text": {"$search": stop_word}})) == []
    assert [d["_id"] for d in coll.find({"$text": {"$search": search}})] == [1]


def test_romanian_stop_words_are_not_indexed(db):
    # stop_words_romanian.txt's words are not indexed: a document of only stop words
    # has no keys; a search of stop words and other words matches by the others
    coll = db.text_romanian_stops
    coll.create_index([("body", "text")], default_language="romanian")
    coll.insert_many([{"_id": 1, "body": "si pentru care"}, {"_id": 2, "body": "cartea si masa"}])
    assert list(coll.find({"$text": {"$search": "si care"}})) == []
    assert [d["_id"] for d in coll.find({"$text": {"$search": "cartile si"}})] == [2]


def test_text_follows_writes_after_its_terms_were_read(db):
    # the index view remembers each stored document's terms: a write stores a new
    # document, so the next $text reads the new terms
    coll = db.text_rewrites
    coll.create_index([("body", "text")])
    coll.insert_many([{"_id": 1, "body": "red apple"}, {"_id": 2, "body": "green pear"}])
    assert [d["_id"] for d in coll.find({"$text": {"$search": "apple"}})] == [1]
    coll.update_one({"_id": 1}, {"$set": {"body": "yellow banana"}})
    coll.replace_one({"_id": 2}, {"body": "apples in a basket"})
    coll.insert_one({"_id": 3, "body": "an apple a day"})
    coll.delete_one({"_id": 3})
    assert [d["_id"] for d in coll.find({"$text": {"$search": "apple"}})] == [2]
    assert [d["_id"] for d in coll.find({"$text": {"$search": "banana"}})] == [1]
