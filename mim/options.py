"""The four settings a client hands down to its databases and a database to its
collections: codec options, read preference, write concern and read concern.

One base class holds them for ``MongoClient``, ``Database`` and ``Collection``
(pymongo keeps them on a shared base too), checking their types as pymongo
does so ``with_options(write_concern="x")`` fails the same way.
"""

from __future__ import annotations

from typing import Any

from bson.codec_options import CodecOptions
from pymongo.read_concern import ReadConcern
from pymongo.read_preferences import _ServerMode
from pymongo.write_concern import WriteConcern

from .boundary import encoding_options, plain_encode


class OptionsCarrier:
    """Read-only ``codec_options``, ``read_preference``, ``write_concern`` and
    ``read_concern``, validated once at construction."""

    #: pymongo's client-side operation timeout (``timeoutMS``), which pymongo's own
    #: change stream code reads from its target; the in-process face sets none
    _timeout: float | None = None

    def _set_options(self, codec_options: CodecOptions, read_preference: Any,
                     write_concern: WriteConcern, read_concern: ReadConcern) -> None:
        if not isinstance(codec_options, CodecOptions):
            raise TypeError("codec_options must be an instance of "
                            "bson.codec_options.CodecOptions")
        if not isinstance(read_preference, _ServerMode):
            raise TypeError(f"{read_preference!r} is not valid for read_preference. See "
                            f"pymongo.read_preferences for valid options.")
        if not isinstance(write_concern, WriteConcern):
            raise TypeError(f"write_concern must be an instance of "
                            f"pymongo.write_concern.WriteConcern, not {type(write_concern)}")
        if not isinstance(read_concern, ReadConcern):
            raise TypeError(f"read_concern must be an instance of "
                            f"pymongo.read_concern.ReadConcern, not {type(read_concern)}")
        self._codec_options = codec_options
        #: the codec options are exactly ``CodecOptions``: a document may be encoded by
        #: the C encoder directly (:data:`mim.boundary.plain_encode`, insert_one's path)
        self._plain_codec = plain_encode is not None and type(codec_options) is CodecOptions
        #: what :data:`~mim.boundary.plain_encode` is given for ``codec_options``: the
        #: same bytes, without the encoder's failed lookup on ``dict`` (encoding only)
        self._encoding_codec = encoding_options(codec_options) if self._plain_codec \
            else codec_options
        self._read_preference = read_preference
        self._write_concern = write_concern
        #: the server's default write concern: a write sends no ``writeConcern`` field
        #: (read once here, so the insert path pays nothing for it)
        self._default_write = write_concern.is_server_default
        self._read_concern = read_concern

    @property
    def codec_options(self) -> CodecOptions:
        return self._codec_options

    @property
    def read_preference(self) -> Any:
        return self._read_preference

    @property
    def write_concern(self) -> WriteConcern:
        return self._write_concern

    @property
    def read_concern(self) -> ReadConcern:
        return self._read_concern
