"""The 100 MB a blocking stage may hold when the pipeline forbids spilling to disk.

``allowDiskUse`` defaults to true in MongoDB 7.0 (``allowDiskUseByDefault``):
only a pipeline run with ``allowDiskUse: false`` fails, with 292
QueryExceededMemoryLimitNoDiskUseAllowed, once ``$sort``, ``$group`` or
``$bucketAuto`` (whose sorter may not spill) holds more than the server's limit
(``internalQueryMaxBlockingSortMemoryUsageBytes``,
``internalDocumentSourceGroupMaxMemoryBytes``,
``internalDocumentSourceBucketAutoMaxMemoryBytes``: 100 MB each).
``$setWindowFields`` sorts first when it has ``partitionBy`` or ``sortBy`` (the
sort's 292 comes first); one partition held beyond
``internalDocumentSourceSetWindowFieldsMaxMemoryBytes`` (100 MB) fails with
5414201.  The memory held is measured as the BSON size of the documents kept
(the whole partition, for a window), and only under ``allowDiskUse: false``:
the default costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

import bson

from ..storage.store import ENGINE_CODEC
from ..values.errors import ServerError

__all__ = ["SORT_MEMORY_LIMIT", "GROUP_MEMORY_LIMIT", "BUCKET_AUTO_MEMORY_LIMIT",
           "WINDOW_MEMORY_LIMIT", "check_sort_memory", "check_group_memory",
           "check_bucket_auto_memory", "check_window_memory"]

#: internalQueryMaxBlockingSortMemoryUsageBytes
SORT_MEMORY_LIMIT = 100 * 1024 * 1024
#: internalDocumentSourceGroupMaxMemoryBytes
GROUP_MEMORY_LIMIT = 100 * 1024 * 1024
#: internalDocumentSourceBucketAutoMaxMemoryBytes
BUCKET_AUTO_MEMORY_LIMIT = 100 * 1024 * 1024
#: internalDocumentSourceSetWindowFieldsMaxMemoryBytes
WINDOW_MEMORY_LIMIT = 100 * 1024 * 1024


def _held_bytes(docs: Iterable[dict], limit: int) -> int:
    """The BSON size of ``docs`` once it exceeds ``limit`` (counting stops there),
    else 0."""
    total = 0
    for doc in docs:
        total += len(bson.encode(doc, codec_options=ENGINE_CODEC))
        if total > limit:
            return total
    return 0


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


def check_bucket_auto_memory(docs: list[dict]) -> None:
    """Refuse a ``$bucketAuto`` whose sorter holds more than its limit (292: the
    sorter's own words, with the stage's limit)."""
    if _held_bytes(docs, BUCKET_AUTO_MEMORY_LIMIT):
        raise ServerError(292, f"Sort exceeded memory limit of {BUCKET_AUTO_MEMORY_LIMIT} "
                               "bytes, but did not opt in to external sorting.")


def check_window_memory(partition: list[dict]) -> None:
    """Refuse a ``$setWindowFields`` partition held beyond the limit (5414201)."""
    used = _held_bytes(partition, WINDOW_MEMORY_LIMIT)
    if used:
        raise ServerError(5414201, f"Exceeded memory limit in DocumentSourceSetWindowFields, "
                                   f"used {used} bytes but max allowed is "
                                   f"{WINDOW_MEMORY_LIMIT}")
