"""``aggregate`` for collections and databases: pymongo's client-side checks, then
the ``aggregate`` command pymongo builds, run through the client's runner; the
result is a ``CommandCursor`` over every batch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pymongo import common
from pymongo.collation import validate_collation_or_none

from .boundary import to_engine
from .cursor import CommandCursor, index_list
from .runner import run_cursor_command

if TYPE_CHECKING:
    from .collection import Collection
    from .database import Database


def aggregate_command(collection: str | None, pipeline: Sequence[Any], let: Any = None,
                      codec_options: Any = None, **kwargs: Any) -> dict[str, Any]:
    """The ``aggregate`` command document pymongo's ``_AggregationCommand`` builds
    (``batchSize`` goes into ``cursor``; ``maxAwaitTimeMS`` belongs to getMore)."""
    common.validate_list("pipeline", pipeline)
    if let is not None:
        common.validate_is_mapping("let", let)
    batch_size = kwargs.pop("batchSize", kwargs.pop("batch_size", None))
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 0):
        raise TypeError("batchSize must be a non-negative integer")
    kwargs.pop("maxAwaitTimeMS", None)
    if "collation" in kwargs:
        kwargs["collation"] = validate_collation_or_none(kwargs["collation"])
    hint = kwargs.get("hint")
    if hint is not None and not isinstance(hint, (str, Mapping)) and \
            not isinstance(hint, (list, tuple)):
        raise TypeError("hint must be an index name (str) or a key specification")
    if isinstance(hint, (list, tuple)):
        kwargs["hint"] = dict(index_list(hint))
    max_time = kwargs.get("maxTimeMS")
    if max_time is not None and (isinstance(max_time, bool) or not isinstance(max_time, int)):
        raise TypeError("maxTimeMS must be an integer or None")
    cmd: dict[str, Any] = {"aggregate": collection if collection is not None else 1}
    values = to_engine(codec_options, pipeline=list(pipeline), let=let, o=kwargs)
    cmd["pipeline"] = values.get("pipeline", [])
    if "cursor" not in kwargs:
        cmd["cursor"] = {"batchSize": batch_size} if batch_size is not None else {}
    if "let" in values:
        cmd["let"] = values["let"]
    cmd.update(values.get("o", {}))
    return cmd


def run_aggregate(database: "Database", collection: "Collection | None", pipeline: Sequence[Any],
                  let: Any = None, session: Any = None, **kwargs: Any) -> CommandCursor:
    """``collection.aggregate`` (``database.aggregate`` when ``collection`` is None): the
    pipeline is encoded and the results decoded with that object's codec options, and
    the cursor's collection is that object (options and all), as pymongo's are."""
    options = database.codec_options if collection is None else collection.codec_options
    cmd = aggregate_command(None if collection is None else collection.name, pipeline, let,
                            options, **kwargs)
    # an aggregate that writes ($out, $merge) is not a retryable read (pymongo's
    # ``_performs_write``)
    writes = any(isinstance(stage, Mapping) and ("$out" in stage or "$merge" in stage)
                 for stage in cmd["pipeline"])
    raws, more = run_cursor_command(database.client._runner, database.name, cmd, session,
                                    implicit=True, retryable_read=not writes)
    if more is not None:  # as pymongo's CommandCursor: each getMore asks for batchSize too
        more.batch_size = cmd.get("cursor", {}).get("batchSize") or 0
    return CommandCursor(collection, raws, options, more=more)
