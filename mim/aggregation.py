"""``aggregate`` for collections and databases: validates pymongo's arguments
and runs the engine's pipeline, returning a ``CommandCursor``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pymongo import common

from .boundary import raise_server_error, to_engine
from .cursor import CommandCursor
from pymongo.collation import validate_collation_or_none

from .engine.ops.aggregate import run_pipeline
from .engine.values.errors import ServerError
from .engine.commands.fields import COMMAND_FIELDS, first_unknown, unknown_field
from .engine.values.deadline import operation_deadline

if TYPE_CHECKING:
    from .database import Database

_KNOWN_OPTIONS = {"allowDiskUse", "batchSize", "maxTimeMS", "collation", "hint", "comment",
                  "bypassDocumentValidation", "maxAwaitTimeMS", "explain", "cursor",
                  "readConcern", "writeConcern"}


def run_aggregate(database: "Database", collection: str | None, pipeline: Sequence[Any],
                  let: Any = None, **kwargs: Any) -> CommandCursor:
    common.validate_list("pipeline", pipeline)
    if let is not None:
        common.validate_is_mapping("let", let)
    batch_size = kwargs.pop("batchSize", kwargs.pop("batch_size", None))
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 0):
        raise TypeError("batchSize must be a non-negative integer")
    collation = kwargs.pop("collation", None)
    if collation is not None:
        collation = validate_collation_or_none(collation)
    hint = kwargs.pop("hint", None)
    if hint is not None and not isinstance(hint, (str, Mapping)) and \
            not isinstance(hint, (list, tuple)):
        raise TypeError("hint must be an index name (str) or a key specification")
    if isinstance(hint, (list, tuple)):
        hint = dict(hint)
    max_time = kwargs.get("maxTimeMS")
    if max_time is not None and (isinstance(max_time, bool) or not isinstance(max_time, int)):
        raise TypeError("maxTimeMS must be an integer or None")
    bypass_validation = bool(kwargs.pop("bypassDocumentValidation", False))
    allow_disk_use = kwargs.get("allowDiskUse") is not False
    for key in list(kwargs):
        if key in ("allowDiskUse", "maxTimeMS", "comment", "maxAwaitTimeMS"):
            kwargs.pop(key)
    # what is left goes into the command as pymongo sends it: the server's IDL decides
    unknown = first_unknown(kwargs, COMMAND_FIELDS["aggregate"])
    if unknown is not None:
        raise_server_error(unknown_field("aggregate", unknown))
    if kwargs:
        raise_server_error(ServerError(238, f"aggregate option {next(iter(kwargs))!r} is not "
                                            f"supported by mim's in-process client"))
    options = database.codec_options if collection is None else \
        database.get_collection(collection).codec_options
    values = to_engine(options, pipeline=list(pipeline), let=let, hint=hint)
    try:
        with operation_deadline(max_time):
            raws = run_pipeline(database.client._server, database.name, collection,
                                values.get("pipeline", []), let=values.get("let"),
                                hint=values.get("hint") if hint is not None else None,
                                bypass_validation=bypass_validation,
                                allow_disk_use=allow_disk_use, collation=collation)
    except ServerError as exc:
        raise_server_error(exc)
    return CommandCursor(database.get_collection(collection) if collection else None,
                         raws, options)
