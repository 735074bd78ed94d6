"""``Database`` with pymongo 4's names, signatures and checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import bson
from bson.codec_options import DEFAULT_CODEC_OPTIONS, CodecOptions
from bson.dbref import DBRef
from bson.raw_bson import RawBSONDocument
from bson.son import SON
from pymongo import common
from pymongo.errors import CollectionInvalid, InvalidName, InvalidOperation
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from .change_stream import ChangeStream, watch as watch_changes
from pymongo.helpers_shared import _check_command_response

from .boundary import to_engine
from .collection import Collection
from .cursor import CommandCursor
from .engine.commands import MAX_WIRE_VERSION
from .options import OptionsCarrier
from .aggregation import run_aggregate
from .runner import run_cursor_command
from .session import BOUND_SESSION, check_transaction_read_preference, in_transaction

if TYPE_CHECKING:
    from .client import MongoClient

_DocumentType = TypeVar("_DocumentType")

__all__ = ["Database"]


def validate_database_name(name: Any) -> None:
    if not isinstance(name, str):
        raise TypeError(f"name must be an instance of str, not {type(name)}")
    if not name:
        raise InvalidName("database name cannot be the empty string")
    for invalid in (" ", ".", "$", "/", "\\", "\x00", '"'):
        if invalid in name:
            raise InvalidName(f"database names cannot contain the character {invalid!r}")


class Database(OptionsCarrier, Generic[_DocumentType]):
    """A database on a mim server."""

    #: the class of the collections this database hands out (a subclass may hand out its own)
    _collection_class: type = Collection

    def __init__(self, client: "MongoClient", name: str,
                 codec_options: CodecOptions | None = None, read_preference: Any = None,
                 write_concern: WriteConcern | None = None,
                 read_concern: ReadConcern | None = None) -> None:
        if name != "$external":  # pymongo lets the authentication database's name through
            validate_database_name(name)
        self._client = client
        self._name = name
        self._set_options(codec_options or client.codec_options,
                          read_preference or client.read_preference,
                          write_concern or client.write_concern,
                          read_concern or client.read_concern)

    @property
    def client(self) -> "MongoClient":
        return self._client

    @property
    def name(self) -> str:
        return self._name





    @property
    def _server(self) -> Any:
        return self._client._server

    def with_options(self, codec_options: CodecOptions | None = None, read_preference: Any = None,
                     write_concern: WriteConcern | None = None,
                     read_concern: ReadConcern | None = None) -> "Database[_DocumentType]":
        return type(self)(self._client, self._name, codec_options or self._codec_options,
                          read_preference or self._read_preference,
                          write_concern or self._write_concern,
                          read_concern or self._read_concern)

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, Database):
            return self._client == other.client and self._name == other.name
        return NotImplemented

    def __ne__(self, other: Any) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((self._client, self._name))

    def __repr__(self) -> str:
        # Ming's MIM spelling, which the ODM's documentation shows (``session.db``)
        return f"mim.Database({self._name})"

    def __getattr__(self, name: str) -> Collection[_DocumentType]:
        if name.startswith("_"):
            raise AttributeError(
                f"Database has no attribute {name!r}. To access the {name} collection, use "
                f"database[{name!r}].")
        return self.__getitem__(name)

    def __getitem__(self, name: str) -> Collection[_DocumentType]:
        return self._collection_class(self, name)

    def __bool__(self) -> bool:
        raise NotImplementedError("Database objects do not implement truth value testing or "
                                  "bool(). Please compare with None instead: database is not "
                                  "None")

    def __iter__(self) -> "Database[_DocumentType]":
        return self

    def __next__(self) -> None:
        raise TypeError("'Database' object is not iterable")

    next = __next__

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(f"'Database' object is not callable. If you meant to call the "
                        f"'{self._name}' method on a 'MongoClient' object it is failing because "
                        f"no such method exists.")

    def get_collection(self, name: str, codec_options: CodecOptions | None = None,
                       read_preference: Any = None, write_concern: WriteConcern | None = None,
                       read_concern: ReadConcern | None = None) -> Collection[_DocumentType]:
        return self._collection_class(self, name, False, codec_options, read_preference,
                                      write_concern, read_concern)

    def create_collection(self, name: str, codec_options: CodecOptions | None = None,
                          read_preference: Any = None, write_concern: WriteConcern | None = None,
                          read_concern: ReadConcern | None = None, session: Any = None,
                          check_exists: bool | None = True, **kwargs: Any
                          ) -> Collection[_DocumentType]:
        if check_exists and name in self.list_collection_names(session, filter={"name": name}):
            raise CollectionInvalid(f"collection {name} already exists")
        return self._collection_class(self, name, True, codec_options, read_preference,
                                      write_concern, read_concern, session=session, **kwargs)

    def list_collections(self, session: Any = None, filter: Mapping[str, Any] | None = None,
                         comment: Any = None, **kwargs: Any) -> CommandCursor:
        if filter is not None:
            common.validate_is_mapping("filter", filter)
        cmd: dict[str, Any] = {"listCollections": 1, "cursor": {}}
        cmd.update(to_engine(self._codec_options, filter=filter, o=kwargs, comment=comment))
        cmd.update(cmd.pop("o", {}))
        raws, more = run_cursor_command(self._client._runner, self._name, cmd, session)
        return CommandCursor(None, raws, self._codec_options, more=more)

    def list_collection_names(self, session: Any = None,
                              filter: Mapping[str, Any] | None = None, comment: Any = None,
                              **kwargs: Any) -> list[str]:
        return [info["name"] for info in self.list_collections(session, filter=filter,
                                                               nameOnly=True)]

    def drop_collection(self, name_or_collection: Any, session: Any = None, comment: Any = None,
                        encrypted_fields: Any = None) -> dict:
        name = name_or_collection
        if isinstance(name, Collection):
            name = name.name
        if not isinstance(name, str):
            raise TypeError(f"name_or_collection must be an instance of str or Collection, "
                            f"not {type(name)}")
        cmd: dict[str, Any] = {"drop": name}
        if comment is not None:
            cmd["comment"] = comment
        if not self._write_concern.is_server_default:
            cmd["writeConcern"] = self._write_concern.document
        reply = self._client._runner.run(self._name, cmd, session, self._write_concern,
                                         unchecked=True)
        # "ns not found" is one of pymongo's allowable errors for drop
        _check_command_response(reply, MAX_WIRE_VERSION, ["ns not found", 26])
        return reply

    def command(self, command: Any, value: Any = 1, check: bool = True,
                allowable_errors: Sequence[Any] | None = None, read_preference: Any = None,
                codec_options: CodecOptions = DEFAULT_CODEC_OPTIONS, session: Any = None,
                comment: Any = None, **kwargs: Any) -> Any:
        if isinstance(command, str):
            command = SON([(command, value)])
        elif not isinstance(command, Mapping):
            raise TypeError("command must be an instance of str or a mapping")
        command = SON(command)
        command.update(kwargs)
        if comment is not None:
            command["comment"] = comment
        if in_transaction(session):  # pymongo's _apply_to: the read preference it runs with
            check_transaction_read_preference(session if session is not None
                                              else BOUND_SESSION.get(), read_preference)
        engine_cmd = to_engine(self._codec_options, c=command)["c"]
        reply = self._client._runner.run(self._name, engine_cmd, session, implicit=True,
                                         unchecked=True)
        if check:  # pymongo's own reading of the reply
            _check_command_response(reply, MAX_WIRE_VERSION, allowable_errors)
        raw = bson.encode(reply)
        return bson.decode(raw, codec_options)

    def cursor_command(self, command: Any, value: Any = 1, read_preference: Any = None,
                       codec_options: CodecOptions | None = None, session: Any = None,
                       comment: Any = None, max_await_time_ms: int | None = None,
                       **kwargs: Any) -> CommandCursor:
        """Run a command that returns a cursor (``find``, ``aggregate``, ``listIndexes``
        …); every batch is fetched up front."""
        raw_options = CodecOptions(document_class=RawBSONDocument)
        reply = self.command(command, value, codec_options=raw_options, comment=comment,
                             session=session, **kwargs)
        if "cursor" not in reply:
            raise InvalidOperation("Command does not return a cursor.")
        cursor = reply["cursor"]
        raws = [doc.raw for doc in cursor.get("firstBatch", ())]
        collection = cursor["ns"].split(".", 1)[1] if "ns" in cursor else None
        while cursor.get("id"):
            cursor = self.command("getMore", cursor["id"], collection=collection,
                                  codec_options=raw_options, session=session)["cursor"]
            raws.extend(doc.raw for doc in cursor.get("nextBatch", ()))
        return CommandCursor(None, raws, codec_options or self._codec_options)

    def aggregate(self, pipeline: Sequence[Mapping[str, Any]], session: Any = None,
                  **kwargs: Any) -> CommandCursor:
        return run_aggregate(self, None, pipeline, session=session, **kwargs)

    def dereference(self, dbref: DBRef, session: Any = None, comment: Any = None,
                    **kwargs: Any) -> Any:
        if not isinstance(dbref, DBRef):
            raise TypeError(f"cannot dereference a {type(dbref)}")
        if dbref.database is not None and dbref.database != self._name:
            raise ValueError(f"trying to dereference a DBRef that points to another database "
                             f"({dbref.database!r} not {self._name!r})")
        return self[dbref.collection].find_one({"_id": dbref.id}, session=session, **kwargs)

    def validate_collection(self, name_or_collection: Any, scandata: bool = False,
                            full: bool = False, session: Any = None,
                            background: bool | None = None, comment: Any = None) -> dict:
        """The ``validate`` command as pymongo sends it (mim's storage is never corrupt)."""
        name = name_or_collection.name if isinstance(name_or_collection, Collection) \
            else name_or_collection
        if not isinstance(name, str):
            raise TypeError(f"name_or_collection must be an instance of str or Collection, "
                            f"not {type(name)}")
        cmd: dict[str, Any] = {"validate": name, "scandata": scandata, "full": full}
        if comment is not None:
            cmd["comment"] = comment
        if background is not None:
            cmd["background"] = background
        result = self.command(cmd, session=session)
        if not result.get("valid", False):
            raise CollectionInvalid(f"{name} invalid: {result!r}")
        return result

    def watch(self, *args: Any, **kwargs: Any) -> ChangeStream:
        """A change stream of every collection of this database (pymongo's ``watch`` parameters:
        ``pipeline``, ``full_document``, ``resume_after``, ``max_await_time_ms``,
        ``batch_size``, ``collation``, ``start_at_operation_time``, ``session``,
        ``start_after``, ``comment``, ``full_document_before_change``,
        ``show_expanded_events``)."""
        return watch_changes(self, self, 1, False, *args, **kwargs)
