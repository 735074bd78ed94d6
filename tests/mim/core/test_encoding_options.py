"""``mim.boundary.encoding_options``: the codec options the faces hand pymongo's C
encoder (a document class that carries ``_type_marker`` instead of ``dict``, so
the encoder's lookup of it does not fail) encode every document to the very bytes
the caller's own codec options give — whatever else those options say (time zones,
UUID representation, datetime conversion, a type registry) — and documents
inserted through a collection with such options are stored as those bytes."""

from __future__ import annotations

import datetime
import decimal
import uuid

import bson
from bson import Binary, Code, DBRef, Decimal128, Int64, MaxKey, MinKey, ObjectId, Regex, Timestamp
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions, DatetimeConversion, TypeEncoder, TypeRegistry
from bson.raw_bson import RawBSONDocument
from bson.son import SON
from hypothesis import given, settings, strategies as st

import mim
from mim.boundary import encoding_options


class _DecimalEncoder(TypeEncoder):
    python_type = decimal.Decimal

    def transform_python(self, value):
        return Decimal128(value)


_CODECS = [
    CodecOptions(),
    CodecOptions(tz_aware=True, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
    CodecOptions(uuid_representation=UuidRepresentation.STANDARD),
    CodecOptions(uuid_representation=UuidRepresentation.PYTHON_LEGACY),
    CodecOptions(datetime_conversion=DatetimeConversion.DATETIME_MS),
    CodecOptions(type_registry=TypeRegistry([_DecimalEncoder()], fallback_encoder=str)),
]

_SCALARS = st.one_of(
    st.integers(-2 ** 63, 2 ** 63 - 1), st.floats(allow_nan=False), st.text(max_size=5),
    st.booleans(), st.none(), st.binary(max_size=4),
    st.sampled_from([Int64(5), Decimal128("1.5"), ObjectId("64b7f0c2a1b2c3d4e5f60718"),
                     Timestamp(5, 1), Regex("a", "i"), Code("f"), Code("g", {"x": 1}),
                     MinKey(), MaxKey(), DBRef("c", 1), uuid.UUID(int=7),
                     datetime.datetime(2020, 1, 1, 10, 30),
                     datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc),
                     RawBSONDocument(bson.encode({"raw": 1}))]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.tuples(inner, inner),
    st.dictionaries(st.text(max_size=3).filter(lambda k: "\x00" not in k), inner,
                    max_size=3)), max_leaves=10)


@settings(max_examples=150, deadline=None)
@given(doc=st.dictionaries(st.text(max_size=4).filter(lambda k: "\x00" not in k and
                                                       not k.startswith("$")),
                           _VALUES, max_size=5),
       codec=st.sampled_from(_CODECS))
def test_the_encoding_options_give_the_callers_bytes(doc, codec):
    encoding = encoding_options(codec)
    try:
        expected = bson._dict_to_bson(doc, False, codec)
    except (ValueError, bson.errors.InvalidDocument) as exc:  # (a UUID without a representation)
        try:
            bson._dict_to_bson(doc, False, encoding)
        except type(exc) as again:
            assert str(again) == str(exc)
            return
        raise AssertionError("encoded with the encoding options only")
    assert bson._dict_to_bson(doc, False, encoding) == expected


def test_only_dict_documents_are_given_the_marked_class():
    plain = CodecOptions()
    encoding = encoding_options(plain)
    assert encoding.document_class is not dict and issubclass(encoding.document_class, dict)
    assert encoding._replace(document_class=dict) == plain
    assert encoding_options(plain) is encoding  # (remembered while asked again)
    for codec in (CodecOptions(document_class=SON), CodecOptions(document_class=RawBSONDocument)):
        assert encoding_options(codec) is codec


def test_stored_documents_are_the_callers_bytes():
    client = mim.MongoClient(server=mim.Server(), uuidRepresentation="standard", tz_aware=True)
    coll = client.test.c
    docs = [{"_id": i, "u": uuid.UUID(int=i), "when": datetime.datetime(2021, 5, 6, 7, 8, 9),
             "sub": {"t": (1, "two")}} for i in range(3)]
    expected = [bson.encode(d, codec_options=coll.codec_options) for d in docs]
    coll.insert_one(docs[0])
    coll.insert_many(docs[1:])
    raw = coll.with_options(codec_options=coll.codec_options.with_options(
        document_class=RawBSONDocument))
    assert [d.raw for d in raw.find().sort("_id", 1)] == expected
    found = coll.find_one({"_id": 1})
    assert type(found) is dict and found["u"] == uuid.UUID(int=1)
