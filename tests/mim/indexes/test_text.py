"""Text indexes: stored as the server's ``FTSSpec::fixSpec`` writes them.

Expected shapes from the manual ("Text Indexes", "Assign Weights to Text
Search Results", "Specify the Default Language for a Text Index",
"Create a Wildcard Text Index") and fts_spec.cpp / index_catalog_impl.cpp
for the errors.
"""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure


def _listed(coll, name):
    return next(dict(spec) for spec in coll.list_indexes() if spec["name"] == name)


def test_text_index_listed_with_fts_key_and_filled_options(coll):
    name = coll.create_index([("title", "text"), ("body", "text")])
    assert name == "title_text_body_text"
    spec = _listed(coll, name)
    assert list(spec) == ["v", "key", "name", "weights", "default_language",
                          "language_override", "textIndexVersion"]
    assert dict(spec["key"]) == {"_fts": "text", "_ftsx": 1}
    assert dict(spec["weights"]) == {"body": 1, "title": 1}
    assert spec["default_language"] == "english"
    assert spec["language_override"] == "language"
    assert spec["textIndexVersion"] == 3


def test_weights_sorted_by_field_and_unnamed_fields_weigh_one(coll):
    coll.create_index([("content", "text"), ("keywords", "text"), ("about", "text")],
                      weights={"content": 10, "keywords": 5}, name="TextIndex")
    weights = _listed(coll, "TextIndex")["weights"]
    assert list(weights.items()) == [("about", 1), ("content", 10), ("keywords", 5)]


def test_default_language_and_language_override_kept(coll):
    coll.create_index([("quote", "text")], default_language="spanish",
                      language_override="idioma")
    spec = _listed(coll, "quote_text")
    assert spec["default_language"] == "spanish"
    assert spec["language_override"] == "idioma"


def test_wildcard_text_index_weighs_every_field(coll):
    assert coll.create_index([("$**", "text")]) == "$**_text"
    spec = _listed(coll, "$**_text")
    assert dict(spec["key"]) == {"_fts": "text", "_ftsx": 1}
    assert dict(spec["weights"]) == {"$**": 1}


def test_compound_text_index_keeps_other_keys_around_fts(coll):
    coll.create_index([("dept", 1), ("description", "text"), ("year", -1)])
    spec = _listed(coll, "dept_1_description_text_year_-1")
    assert list(spec["key"].items()) == [("dept", 1), ("_fts", "text"), ("_ftsx", 1),
                                         ("year", -1)]


def test_index_information_shows_text_index(coll):
    coll.create_index([("title", "text")])
    info = coll.index_information()["title_text"]
    assert info["key"] == [("_fts", "text"), ("_ftsx", 1)]
    assert info["textIndexVersion"] == 3


def test_second_text_index_refused(coll):
    coll.create_index([("title", "text")])
    with pytest.raises(OperationFailure) as caught:
        coll.create_index([("a", 1), ("body", "text")])
    assert caught.value.code == 67
    assert caught.value.details["errmsg"] == (
        'only one text index per collection allowed, found existing text index "title_text"')


def test_second_text_index_on_other_fields_conflicts_with_equal_key(coll):
    coll.create_index([("title", "text")])
    with pytest.raises(OperationFailure) as caught:
        coll.create_index([("body", "text")])
    assert caught.value.code == 85


def test_text_index_not_used_for_ordinary_queries(coll):
    coll.create_index([("title", "text")])
    coll.insert_many([{"_id": 1, "title": "a"}, {"_id": 2, "title": "b"}])
    assert list(coll.find({"title": "b"})) == [{"_id": 2, "title": "b"}]
    plan = coll.find({"title": "b"}).explain()["queryPlanner"]["winningPlan"]
    assert plan["stage"] == "COLLSCAN"


@pytest.mark.parametrize("options, code, message", [
    ({"default_language": "klingon"}, 17264, "default_language is not valid"),
    ({"default_language": 1}, 17263, "default_language needs a string type"),
    ({"weights": {"a": "x"}}, 17283, "weight for text index needs numeric type"),
    ({"weights": 5}, 17284, "text index option 'weights' must be an object"),
    ({"weights": {"a": 0}}, 16674, "score for word too high"),
    ({"weights": {"a.$b": 2}}, 17292, "weight cannot have path component with $ prefix"),
    ({"language_override": "a.b"}, 17136, "language_override is not valid"),
    ({"textIndexVersion": "3"}, 17293,
     "text index option 'textIndexVersion' must be a number"),
    ({"textIndexVersion": 9}, 16730, "bad textIndexVersion: 9"),
])
def test_invalid_text_options(coll, options, code, message):
    with pytest.raises(OperationFailure) as caught:
        coll.create_index([("a", "text")], **options)
    assert caught.value.code == code
    assert caught.value.details["errmsg"] == message
    assert "a_text" not in [spec["name"] for spec in coll.list_indexes()]


def test_text_fields_must_be_adjacent(coll):
    with pytest.raises(OperationFailure) as caught:
        coll.create_index([("a", "text"), ("b", 1), ("c", "text")])
    assert caught.value.code == 17389
