"""Metadata a document carries beside its fields, read by ``{$meta: …}``.

A pipeline stage that attaches metadata keeps it in a pipeline variable
mapping ``id(doc) -> (doc, value)``: a leading ``$text`` ``$match`` the
``textScore`` (:data:`TEXT_SCORES`), ``$geoNear`` the ``geoNearDistance`` and
``geoNearPoint`` (:data:`GEO_NEAR_DISTANCES`, :data:`GEO_NEAR_POINTS`).  Stages
that reshape a document carry it to their output (:func:`carry_metadata`), as
the server's ``Document`` keeps its metadata; ``$group`` and the like do not.

A query that cannot produce a kind of metadata refuses every mention of it
before it runs: ``DepsTracker::setNeedsMetadata`` answers 40218 with the
server's name for it (``DocumentMetadataFields::typeNameToDebugString``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..values.errors import ServerError

__all__ = ["Deferred", "TEXT_SCORES", "GEO_NEAR_DISTANCES", "GEO_NEAR_POINTS", "GEO_NEAR_METADATA",
           "carry_metadata", "attached_metadata", "mentioned_metadata",
           "metadata_unavailable", "check_metadata_available", "text_score_of"]

#: the pipeline variable holding ``id(doc) -> (doc, score)`` after a first ``$text`` ``$match``
TEXT_SCORES = "__text_scores__"
#: the pipeline variable holding ``id(doc) -> (doc, distance)`` after ``$geoNear``
GEO_NEAR_DISTANCES = "__geo_near_distances__"
#: the pipeline variable holding ``id(doc) -> (doc, nearest location)`` after ``$geoNear``
GEO_NEAR_POINTS = "__geo_near_points__"

#: each ``$meta`` name a pipeline variable answers, and that variable
TABLE_OF_META = {"textScore": TEXT_SCORES, "geoNearDistance": GEO_NEAR_DISTANCES,
                 "geoNearPoint": GEO_NEAR_POINTS}

#: the metadata only a near query (``$near``, ``$nearSphere``, ``$geoNear``) produces
GEO_NEAR_METADATA = ("geoNearDistance", "geoNearPoint")

#: the server's words for each metadata in "query requires … metadata" (40218)
_DEBUG_NAMES = {"geoNearDistance": "$geoNear distance", "geoNearPoint": "$geoNear point",
                "textScore": "text score"}


def carry_metadata(variables: Mapping[str, Any], old: Any, new: Any) -> None:
    """``new`` (a stage's reshaped ``old``) keeps ``old``'s metadata."""
    for table_name in (TEXT_SCORES, GEO_NEAR_DISTANCES, GEO_NEAR_POINTS):
        table = variables.get(table_name)
        if table is not None:
            entry = table.get(id(old))
            if entry is not None and entry[0] is old:
                table[id(new)] = (new, entry[1])


class Deferred:
    """A metadata value worked out only when something reads it (``$geoNear``'s
    nearest location: most pipelines never ask for it)."""

    __slots__ = ("compute", "argument")

    def __init__(self, compute: Callable[[Any], Any], argument: Any) -> None:
        self.compute = compute
        self.argument = argument

    def value(self) -> Any:
        return self.compute(self.argument)


def attached_metadata(variables: Mapping[str, Any], table_name: str, doc: Any) -> Any:
    """The metadata ``doc`` carries from the table ``table_name``: None when no stage
    of the pipeline attaches it, ``...`` when this document carries none."""
    table = variables.get(table_name)
    if table is None:
        return None
    entry = table.get(id(doc))
    if entry is None or entry[0] is not doc:
        return ...
    value = entry[1]
    return value.value() if type(value) is Deferred else value


def text_score_of(variables: Mapping[str, Any], doc: Any) -> Any:
    """The textScore a pipeline document carries (see :func:`attached_metadata`)."""
    return attached_metadata(variables, TEXT_SCORES, doc)


def mentioned_metadata(spec: Any) -> set[str]:
    """The metadata names a spec (a pipeline, projection or sort) asks for with ``$meta``."""
    found: set[str] = set()
    _collect_mentions(spec, found)
    return found


def _collect_mentions(spec: Any, found: set[str]) -> None:
    if isinstance(spec, Mapping):
        name = spec.get("$meta")
        if isinstance(name, str):
            found.add(name)
        for value in spec.values():
            _collect_mentions(value, found)
    elif isinstance(spec, (list, tuple)):
        for value in spec:
            _collect_mentions(value, found)


def metadata_unavailable(name: str) -> ServerError:
    """40218: the query asks for metadata nothing in it produces."""
    return ServerError(40218, f"query requires {_DEBUG_NAMES[name]} metadata, but it is not "
                              f"available")


def check_metadata_available(mentioned: set[str], available: tuple[str, ...]) -> None:
    """Refuse (40218) the first mentioned metadata the query cannot produce, in the
    server's order (``DocumentMetadataFields::MetaType``: geo before text score)."""
    for name in ("geoNearDistance", "geoNearPoint", "textScore"):
        if name in mentioned and name not in available:
            raise metadata_unavailable(name)
