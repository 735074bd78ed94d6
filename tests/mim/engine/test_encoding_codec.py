"""``ENCODING_CODEC`` (the engine's codec with a document class that carries
pymongo's ``_type_marker``, so the C encoder's lookup of it does not fail) encodes
every value to the very bytes ``ENGINE_CODEC`` gives: the document class only
shapes decoding."""

from __future__ import annotations

import datetime
import uuid

import bson
from bson import (Binary, Code, DBRef, Decimal128, Int64, MaxKey, MinKey, ObjectId, Regex,
                  Timestamp)
from bson.raw_bson import RawBSONDocument
from hypothesis import given, settings, strategies as st

from mim.engine.storage.encoding import ENCODING_CODEC, ENGINE_CODEC

_SCALARS = st.one_of(
    st.integers(-2 ** 63, 2 ** 63 - 1), st.floats(allow_nan=True), st.text(max_size=5),
    st.booleans(), st.none(), st.binary(max_size=4).map(lambda b: Binary(b, 0)),
    st.sampled_from([Int64(5), Decimal128("1.5"), ObjectId("64b7f0c2a1b2c3d4e5f60718"),
                     Timestamp(0, 0), Timestamp(5, 1), Regex("a", "i"), Code("f"),
                     Code("g", {"x": 1}), MinKey(), MaxKey(), DBRef("c", 1),
                     Binary(uuid.UUID(int=7).bytes, 4),
                     datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc),
                     RawBSONDocument(bson.encode({"raw": 1}))]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3).filter(
        lambda k: "\x00" not in k), inner, max_size=3)), max_leaves=10)


@settings(max_examples=200, deadline=None)
@given(doc=st.dictionaries(st.text(max_size=4).filter(lambda k: "\x00" not in k), _VALUES,
                           max_size=5))
def test_the_encoding_codec_gives_the_engine_codecs_bytes(doc):
    assert bson.encode(doc, codec_options=ENCODING_CODEC) == \
        bson.encode(doc, codec_options=ENGINE_CODEC)
    assert bson._dict_to_bson(doc, False, ENCODING_CODEC) == \
        bson._dict_to_bson(doc, False, ENGINE_CODEC)
