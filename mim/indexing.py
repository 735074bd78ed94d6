"""Index management through the pymongo API: ``create_index(es)``,
``drop_index(es)``, ``list_indexes`` and ``explain`` — each the command pymongo
sends, run through the client's runner."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import bson
from bson.son import SON
from pymongo.errors import OperationFailure
from pymongo.operations import IndexModel

from .boundary import ENGINE_CODEC, decode, to_engine
from .cursor import CommandCursor, index_list
from .runner import run_cursor_command

if TYPE_CHECKING:
    from .collection import Collection
    from .cursor import Cursor


def index_model(keys: Any, **kwargs: Any) -> IndexModel:
    return IndexModel(keys, **kwargs)


def _index_document(model: Any) -> dict[str, Any]:
    document = model.document if isinstance(model, IndexModel) else model
    if not isinstance(document, Mapping):
        raise TypeError(f"{model!r} is not an instance of pymongo.operations.IndexModel")
    return dict(document)


def create_indexes(collection: "Collection", models: list[Any], session: Any = None,
                   comment: Any = None, **options: Any) -> list[str]:
    """``createIndexes`` with the indexes and the command's own fields
    (``commitQuorum``, ``maxTimeMS``…) as pymongo sends them; the server checks
    them, and creates all the indexes or none."""
    documents = [_index_document(m) for m in models]
    # encoded as pymongo encodes the command: a key pymongo cannot send (a NUL
    # in a field name, say) raises InvalidDocument here, before the server
    cmd: dict[str, Any] = {"createIndexes": collection.name,
                           "indexes": to_engine(collection.codec_options,
                                                indexes=documents)["indexes"]}
    cmd.update(to_engine(collection.codec_options, o=options).get("o", {}))
    if comment is not None:
        cmd["comment"] = comment
    collection._command(cmd, session, write=True)
    return [d["name"] for d in documents]


def drop_index(collection: "Collection", index_or_name: Any, session: Any = None,
               comment: Any = None, **kwargs: Any) -> None:
    """``dropIndexes``; "ns not found" (26) is one of pymongo's allowable errors here.
    (A key list goes to the server as a key pattern, where pymongo would send the
    name it generates: tests/mim/indexes rely on the key-pattern answers.)"""
    if isinstance(index_or_name, IndexModel):
        index_or_name = index_or_name.document["name"]
    name = index_or_name
    if not isinstance(name, str):
        name = dict(index_list(name))
    cmd: dict[str, Any] = {"dropIndexes": collection.name, "index": name}
    cmd.update(to_engine(collection.codec_options, o=kwargs).get("o", {}))
    if comment is not None:
        cmd["comment"] = comment
    try:
        collection._command(cmd, session, write=True)
    except OperationFailure as exc:
        if exc.code != 26:  # "ns not found" is one of pymongo's allowable errors here
            raise


def list_indexes(collection: "Collection", session: Any = None,
                 comment: Any = None) -> CommandCursor:
    """``listIndexes``; as pymongo does, a collection that does not exist lists no
    index (NamespaceNotFound, 26)."""
    options = collection.codec_options.with_options(document_class=SON)
    cmd: dict[str, Any] = {"listIndexes": collection.name, "cursor": {}}
    if comment is not None:
        cmd["comment"] = comment
    try:
        raws, more = run_cursor_command(collection.database.client._runner,
                                        collection.database.name, cmd, session)
    except OperationFailure as exc:
        if exc.code != 26:
            raise
        raws, more = [], None
    return CommandCursor(collection, raws, options, more=more)


def explain_find(collection: "Collection", cursor: "Cursor") -> dict:
    """``Cursor.explain()``: the ``explain`` command around the cursor's find, as
    pymongo sends it (a limit made negative: one batch)."""
    clone = cursor._clone(deepcopy=False)
    if clone._limit:
        clone._limit = -abs(clone._limit)
    reply = collection.database.client._runner.run(
        collection.database.name, {"explain": clone._find_command()}, cursor._session)
    return decode(bson.encode(reply, codec_options=ENGINE_CODEC), collection.codec_options)
