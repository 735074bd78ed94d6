"""A stored shadow copied from the caller's dict (issue 25's insert and memory rows;
:func:`mim.engine.storage.shapes.copied_shadow`) must be exactly what decoding the
stored bytes gives — same field order, same types (int32 vs ``Int64``, lists for
tuples, aware millisecond UTC datetimes), same values, at every depth — or no copy
at all (the engine then decodes); and it must share no mutable object with the
caller, whatever the caller does to its dict afterwards."""

from __future__ import annotations

import datetime
import uuid
from collections import OrderedDict

import bson
from bson.binary import Binary, UuidRepresentation
from bson.code import Code
from bson.codec_options import CodecOptions
from bson.dbref import DBRef
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.son import SON
from bson.timestamp import Timestamp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mim
from mim.engine.storage.encoding import ENGINE_CODEC, decode_shadow
from mim.engine.storage.shapes import copied_shadow, offer_originals, offered_originals


class _Name(str):
    """A str subclass (as a field name or a value: the decoder gives a str)."""


class _Offset(datetime.tzinfo):
    def __init__(self, minutes: int) -> None:
        self.minutes = minutes

    def utcoffset(self, dt):  # noqa: ANN001
        return datetime.timedelta(minutes=self.minutes)

    def dst(self, dt):  # noqa: ANN001
        return None


NAMES = st.sampled_from(["_id", "a", "b", "city", "x.y", "", "é", "$k", "$ref", "$id"])
DATETIMES = st.datetimes(min_value=datetime.datetime(1, 1, 2),
                         max_value=datetime.datetime(9999, 12, 30))
#: what a copy reproduces (a document of these alone is always copied)
PLAIN_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2 ** 31), 2 ** 31 - 1),
    st.integers(-(2 ** 63), 2 ** 63 - 1), st.integers(-(2 ** 63), 2 ** 63 - 1).map(Int64),
    st.floats(), st.text(max_size=5).filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF
                                                             for c in s)),
    st.sampled_from(["Paris", "", "a" * 40]), st.binary(max_size=4),
    DATETIMES, st.tuples(DATETIMES, st.integers(-23 * 60, 23 * 60)).map(
        lambda pair: pair[0].replace(tzinfo=_Offset(pair[1]))),
    DATETIMES.map(lambda d: d.replace(fold=1)),
    st.sampled_from([Decimal128("1.10"), Decimal128("-0"), ObjectId("6500000000000000000000aa"),
                     float("nan"), -0.0, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1,
                     2 ** 40, 2 ** 63 - 1, -(2 ** 63)]))
#: what it leaves to the decoder
OTHER_SCALARS = st.one_of(
    st.binary(max_size=4).map(lambda b: Binary(b, 0)), st.binary(max_size=4).map(
        lambda b: Binary(b, 5)),
    st.sampled_from([Regex("^a", "i"), DBRef("things", 1, "db", extra=2), Timestamp(5, 1),
                     MinKey(), MaxKey(), Code("x"), Code("x", {"y": 1}), uuid.UUID(int=7),
                     _Name("sub")]))
PLAIN_VALUES = st.recursive(PLAIN_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple),
    st.dictionaries(NAMES, inner, max_size=3)), max_leaves=8)
VALUES = st.recursive(st.one_of(PLAIN_SCALARS, OTHER_SCALARS), lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple),
    st.dictionaries(NAMES, inner, max_size=3),
    st.dictionaries(NAMES, inner, max_size=2).map(SON),
    st.dictionaries(NAMES, inner, max_size=2).map(OrderedDict),
    st.dictionaries(NAMES.map(_Name), inner, max_size=2)), max_leaves=8)
DOCUMENTS = st.one_of(st.dictionaries(NAMES, PLAIN_VALUES, max_size=6),
                      st.dictionaries(NAMES, VALUES, max_size=6)).map(
    lambda doc: doc if "_id" in doc else {**doc, "_id": ObjectId()})
CODECS = st.sampled_from([
    CodecOptions(), CodecOptions(tz_aware=True),
    CodecOptions(uuid_representation=UuidRepresentation.STANDARD),
    CodecOptions(document_class=SON, tz_aware=True,
                 tzinfo=datetime.timezone(datetime.timedelta(hours=2)))])


def _same(a: object, b: object) -> bool:
    """Equal type for type, in the same order, at every depth (NaN equal to NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(type(k) is str for k in a) \
            and all(_same(a[k], b[k]) for k in a)  # type: ignore[index]
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))  # type: ignore[arg-type]
    if isinstance(a, float) and a != a:
        return b != b
    if isinstance(a, datetime.datetime):
        return a == b and a.tzinfo is b.tzinfo and a.fold == b.fold  # type: ignore[union-attr]
    return a == b


def _containers(value: object) -> list:
    found = []
    if isinstance(value, (dict, list, tuple)):
        found.append(value)
        for item in (value.values() if isinstance(value, dict) else value):
            found.extend(_containers(item))
    return found


def _encodable(doc: dict, codec: CodecOptions) -> bytes | None:
    try:
        return bson.encode(doc, codec_options=codec)
    except Exception:  # (an unencodable sample: no bytes, nothing to copy)
        return None


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(DOCUMENTS, min_size=1, max_size=4), CODECS)
def test_a_copied_shadow_is_what_decoding_the_bytes_gives(variants, codec):
    """For documents of every BSON type and Python type pymongo encodes, under any
    codec options: the copy, when there is one, is the decoded shadow type for type
    and re-encodes to the very bytes — for a shape's first document and the next
    ones (each variant copied three times over, through the plans kept between)."""
    for _ in range(3):
        for doc in variants:
            raw = _encodable(doc, codec)
            if raw is None:
                continue
            copied = copied_shadow(doc, raw)
            if copied is None:
                continue
            decoded = decode_shadow(raw)
            assert _same(copied, decoded), (doc, copied, decoded)
            assert bson.encode(copied, codec_options=ENGINE_CODEC) == raw
            # no container shared with the caller's document
            mine = {id(c) for c in _containers(doc)}
            assert not mine & {id(c) for c in _containers(copied)}


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(NAMES.filter(lambda n: not n.startswith("$")), PLAIN_VALUES,
                       max_size=6))
def test_a_document_of_plain_values_is_copied(doc):
    """Without ``$ref``/``$id`` names, a document of plain values is always copied."""
    doc.setdefault("_id", 1)
    if any(isinstance(c, dict) and "$ref" in c for c in _containers(doc)):
        return
    raw = _encodable(doc, CodecOptions())
    if raw is not None:
        assert copied_shadow(doc, raw) is not None


def test_plain_documents_are_copied():
    """The usual documents are copied, not decoded: scalars, ints beyond int32,
    tuples, nested documents and arrays, naive and aware datetimes."""
    when = datetime.datetime(2024, 5, 1, 12, 30, 15, 123456)
    for doc in ({"_id": ObjectId(), "a": 1, "b": "x", "c": 2.5, "d": True, "e": None},
                {"_id": "k", "n": 2 ** 40, "t": (1, 2), "sub": {"z": [1, {"y": 2 ** 35}]}},
                {"a": when, "_id": 3, "b": when.replace(tzinfo=_Offset(90)),
                 "l": [when, Int64(3), Decimal128("2"), b"\x01"]}):
        raw = bson.encode(doc)
        copied = copied_shadow(doc, raw)
        assert copied is not None and _same(copied, decode_shadow(raw))
        assert list(copied)[0] == "_id"


def test_what_the_copy_cannot_reproduce_is_decoded():
    """None (decode) for what the round trip turns into something else or that is
    not a plain dict: a DBRef-shaped document, a UUID, a Binary, a str subclass,
    a SON, a missing ``_id``."""
    for doc in ({"_id": 1, "r": {"$ref": "c", "$id": 1}}, {"_id": 1, "u": uuid.UUID(int=1)},
                {"_id": 1, "b": Binary(b"x", 0)}, {"_id": 1, "s": _Name("x")},
                {"_id": 1, "s": SON(a=1)}, {"_id": 1, "l": [SON(a=1)]}, {"a": 1},
                {"_id": 1, _Name("k"): 1}, {"_id": 1, "d": {_Name("k"): 1}}):
        raw = bson.encode(doc, codec_options=CodecOptions(
            uuid_representation=UuidRepresentation.STANDARD))
        assert copied_shadow(doc, raw) is None


def test_an_offer_is_taken_once_and_only_for_its_own_list():
    raws = [b"x"]
    offer_originals(raws, [{"_id": 1}])
    assert offered_originals([b"x"]) is None  # an equal list, not the very one
    assert offered_originals(raws) == [{"_id": 1}]
    assert offered_originals(raws) is None


def _stored(collection) -> list:  # noqa: ANN001
    server = collection.database.client._runner.server
    data = server.get_collection(collection.database.name, collection.name)
    return list(data.documents.values())


def test_inserted_documents_stay_as_inserted_when_the_caller_changes_its_dicts():
    """insert_one and insert_many: the caller's later changes to its dicts (nested
    arrays and documents too) reach neither what is read back nor what the engine
    matches; each stored shadow is its bytes decoded, its field names shared."""
    coll = mim.MongoClient().db.items
    one = {"_id": 1, "tags": ["a"], "sub": {"k": 1}, "n": 2 ** 40}
    many = [{"_id": i, "tags": ["a"], "sub": {"k": 1}, "n": 2 ** 40} for i in (2, 3)]
    coll.insert_one(one)
    coll.insert_many(many)
    for doc in [one, *many]:
        doc["tags"].append("b")
        doc["sub"]["k"] = 2
        doc["n"] = 0
    assert coll.count_documents({"tags": "b"}) == 0
    assert coll.count_documents({"sub.k": 1, "n": {"$type": "long"}}) == 3
    assert [d["tags"] for d in coll.find()] == [["a"], ["a"], ["a"]]
    stored = _stored(coll)
    for entry in stored:
        assert _same(entry.doc, decode_shadow(entry.raw))
    first, second = stored[0].doc, stored[1].doc
    assert all(a is b for a, b in zip(first, second))  # the names are shared
