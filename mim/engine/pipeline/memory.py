"""The 100 MB a blocking stage may hold when the pipeline forbids spilling to disk.

``allowDiskUse`` defaults to true in MongoDB 7.0 (``allowDiskUseByDefault``):
only a pipeline run with ``allowDiskUse: false`` fails, with 292
QueryExceededMemoryLimitNoDiskUseAllowed, once ``$sort`` or ``$group`` holds
more than the server's limit (``internalQueryMaxBlockingSortMemoryUsageBytes``,
``internalDocumentSourceGroupMaxMemoryBytes``: 100 MB each).  The memory held
is measured as the BSON size of the documents kept, and only under
``allowDiskUse: false``: the default costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

import bson

from ..storage.store import ENGINE_CODEC
from ..values.errors import ServerError

__all__ = ["SORT_MEMORY_LIMIT", "GROUP_MEMORY_LIMIT", "check_sort_memory", "check_group_memory"]

#: internalQueryMaxBlockingSortMemoryUsageBytes
SORT_MEMORY_LIMIT = 100 * 1024 * 1024
#: internalDocumentSourceGroupMaxMemoryBytes
GROUP_MEMORY_LIMIT = 100 * 1024 * 1024


def _held_bytes(docs: Iterable[dict], limit: int) -> bool:
    """True once the BSON size of ``docs`` exceeds ``limit`` (stops counting there)."""
    total = 0
    for doc in docs:
        total += len(bson.encode(doc, codec_options=ENGINE_CODEC))
        if total > limit:
            return True
    return False


def check_sort_memory(docs: list[dict]) -> None:
    """Refuse a blocking sort of ``docs`` beyond the limit (292)."""
    if _held_bytes(docs, SORT_MEMORY_LIMIT):
        raise ServerError(292, f"Sort exceeded memory limit of {SORT_MEMORY_LIMIT} bytes, but "
                               "did not opt in to external sorting.")


def check_group_memory(groups: list[dict]) -> None:
    """Refuse a ``$group`` whose groups hold more than the limit (292)."""
    if _held_bytes(groups, GROUP_MEMORY_LIMIT):
        raise ServerError(292, "Exceeded memory limit for $group, but didn't allow external "
                               "sort. Pass allowDiskUse:true to opt in.")
