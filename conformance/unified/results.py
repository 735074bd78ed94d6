"""pymongo result objects in the shape the unified format expects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.results import (BulkWriteResult, DeleteResult, InsertManyResult, InsertOneResult,
                             UpdateResult)

__all__ = ["as_spec_result", "bulk_write_result"]


def bulk_write_result(result: Any) -> dict[str, Any]:
    """A ``BulkWriteResult`` (or the details of a ``BulkWriteError``) as the format's document."""
    if isinstance(result, Mapping):
        result = BulkWriteResult(dict(result), True)
    return {
        "deletedCount": result.deleted_count,
        "insertedCount": result.inserted_count,
        "matchedCount": result.matched_count,
        "modifiedCount": result.modified_count,
        "upsertedCount": result.upserted_count,
        "upsertedIds": {str(index): value for index, value in result.upserted_ids.items()},
    }


def as_spec_result(result: Any) -> Any:
    """Convert an operation's return value to what ``expectResult`` describes."""
    if isinstance(result, InsertOneResult):
        return {"insertedId": result.inserted_id} if result.acknowledged else {}
    if isinstance(result, InsertManyResult):
        return {"insertedIds": {str(i): v for i, v in enumerate(result.inserted_ids)}}
    if isinstance(result, UpdateResult):
        if not result.acknowledged:
            return {}
        out = {"matchedCount": result.matched_count, "modifiedCount": result.modified_count,
               "upsertedCount": 0 if result.upserted_id is None else 1}
        if result.upserted_id is not None:
            out["upsertedId"] = result.upserted_id
        return out
    if isinstance(result, DeleteResult):
        return {"deletedCount": result.deleted_count} if result.acknowledged else {}
    if type(result).__name__ == "ClientBulkWriteResult":
        if not result.acknowledged:
            return {}
        out = {"insertedCount": result.inserted_count, "upsertedCount": result.upserted_count,
               "matchedCount": result.matched_count, "modifiedCount": result.modified_count,
               "deletedCount": result.deleted_count}
        if result.has_verbose_results:
            out["insertResults"] = {str(k): {"insertedId": v.inserted_id}
                                    for k, v in result.insert_results.items()}
            out["updateResults"] = {str(k): as_spec_result(v)
                                    for k, v in result.update_results.items()}
            out["deleteResults"] = {str(k): as_spec_result(v)
                                    for k, v in result.delete_results.items()}
        return out
    if isinstance(result, BulkWriteResult):
        return bulk_write_result(result) if result.acknowledged else {}
    return result
