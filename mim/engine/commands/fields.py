"""Which fields each command accepts, as 7.0's IDL parsers decide.

A command document holding a field its IDL struct does not declare (and that is
not one of the generic arguments every command takes) fails before anything
runs with 40415 ``BSON field '<command>.<field>' is an unknown field.``; the
statements of ``update``/``delete`` are checked the same way
(``update.updates.sort``: the statement ``sort`` arrived with 8.0).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..values.errors import ServerError

__all__ = ["GENERIC_ARGUMENTS", "COMMAND_FIELDS", "STATEMENT_FIELDS", "UNSUPPORTED_FIELDS",
           "check_fields", "unknown_field"]

#: generic_argument.idl: accepted (and routed elsewhere) by every command
GENERIC_ARGUMENTS = frozenset({
    "$db", "lsid", "$clusterTime", "txnNumber", "$readPreference", "apiVersion", "apiStrict",
    "apiDeprecationErrors", "writeConcern", "readConcern", "comment", "autocommit",
    "startTransaction", "maxTimeMS", "$audit", "$client", "$configServerState",
    "mayBypassWriteBlocking", "stmtId", "clientOperationKey", "help", "$queryOptions",
    "$replData", "$oplogQueryData", "databaseVersion", "shardVersion", "tracking_info",
    "coordinator", "maxTimeMSOpOnly", "usesDefaultMaxTimeMS", "$configTime", "$topologyTime",
    "allowImplicitCollectionCreation", "$gleStats",
})

_WRITE_BASE = ("bypassDocumentValidation", "ordered", "stmtIds", "isTimeseriesNamespace",
               "collectionUUID", "encryptionInformation", "originalQuery",
               "originalCollation")

#: the fields of each command's IDL struct (7.0), its own name included
COMMAND_FIELDS: dict[str, frozenset[str]] = {name: frozenset(fields) for name, fields in {
    "find": ("find", "filter", "projection", "sort", "hint", "skip", "limit", "batchSize",
             "singleBatch", "let", "max", "min", "returnKey", "showRecordId", "tailable",
             "oplogReplay", "noCursorTimeout", "awaitData", "allowPartialResults",
             "collation", "allowDiskUse", "readOnce", "allowSpeculativeMajorityRead",
             "$_requestResumeToken", "$_resumeAfter", "$_startAt", "term",
             "encryptionInformation", "ntoreturn", "includeQueryStatsMetrics"),
    "aggregate": ("aggregate", "pipeline", "explain", "allowDiskUse", "cursor",
                  "bypassDocumentValidation", "collation", "hint", "let", "needsMerge",
                  "fromMongos", "$_requestReshardingResumeToken", "isMapReduceCommand",
                  "collectionUUID", "exchange", "runtimeConstants", "encryptionInformation",
                  "$_generateV2ResumeTokens", "$_passthroughToShard",
                  "isClusterQueryWithoutShardKeyCmd", "includeQueryStatsMetrics"),
    "count": ("count", "query", "limit", "skip", "hint", "collation", "fields",
              "encryptionInformation", "mirrored", "sampleId"),
    "distinct": ("distinct", "key", "query", "collation", "mirrored", "sampleId"),
    "insert": ("insert", "documents", *_WRITE_BASE),
    "update": ("update", "updates", "let", "runtimeConstants", *_WRITE_BASE),
    "delete": ("delete", "deletes", "let", "runtimeConstants", *_WRITE_BASE),
    "findAndModify": ("findAndModify", "query", "fields", "sort", "hint", "collation",
                      "arrayFilters", "remove", "update", "new", "upsert",
                      "bypassDocumentValidation", "let", "runtimeConstants",
                      "encryptionInformation", "sampleId", "$_fromRouter"),
    "dropIndexes": ("dropIndexes", "index", "collectionUUID", "isTimeseriesNamespace"),
    "deleteIndexes": ("deleteIndexes", "index", "collectionUUID", "isTimeseriesNamespace"),
    "createIndexes": ("createIndexes", "indexes", "commitQuorum", "ignoreUnknownIndexOptions",
                      "isTimeseriesNamespace", "collectionUUID", "returnOnStart"),
}.items()}
COMMAND_FIELDS["findandmodify"] = COMMAND_FIELDS["findAndModify"] | {"findandmodify"}

_INTERNAL_WRITE = ("stmtIds", "isTimeseriesNamespace", "collectionUUID", "encryptionInformation",
                   "originalQuery", "originalCollation", "runtimeConstants")
#: IDL fields mim does not implement: the server's internal fields (sharding,
#: resharding, replication, queryable encryption, mirrored reads) and the legacy
#: ``ntoreturn``.  A command carrying one is refused (238) rather than run with the
#: field ignored.  (Fields a single-node server itself ignores are not listed:
#: ``oplogReplay`` (ignored since 4.4), ``allowPartialResults`` (sharding only),
#: ``count.fields`` (unused).)
UNSUPPORTED_FIELDS: dict[str, frozenset[str]] = {name: frozenset(fields) for name, fields in {
    "find": ("readOnce", "allowSpeculativeMajorityRead", "$_requestResumeToken",
             "$_resumeAfter", "$_startAt", "term", "encryptionInformation", "ntoreturn",
             "includeQueryStatsMetrics"),
    "aggregate": ("needsMerge", "fromMongos", "$_requestReshardingResumeToken",
                  "isMapReduceCommand", "collectionUUID", "exchange", "runtimeConstants",
                  "encryptionInformation", "$_generateV2ResumeTokens", "$_passthroughToShard",
                  "isClusterQueryWithoutShardKeyCmd", "includeQueryStatsMetrics"),
    "count": ("encryptionInformation", "mirrored", "sampleId"),
    "distinct": ("mirrored", "sampleId"),
    "insert": _INTERNAL_WRITE,
    "update": _INTERNAL_WRITE,
    "delete": _INTERNAL_WRITE,
    "findAndModify": ("runtimeConstants", "encryptionInformation", "sampleId", "$_fromRouter"),
    "dropIndexes": ("collectionUUID", "isTimeseriesNamespace"),
    "deleteIndexes": ("collectionUUID", "isTimeseriesNamespace"),
    "createIndexes": ("isTimeseriesNamespace", "collectionUUID", "returnOnStart"),
}.items()}
UNSUPPORTED_FIELDS["findandmodify"] = UNSUPPORTED_FIELDS["findAndModify"]

#: the fields of one statement of ``update``/``delete`` (UpdateOpEntry, DeleteOpEntry)
STATEMENT_FIELDS: dict[str, frozenset[str]] = {
    "updates": frozenset({"q", "u", "c", "arrayFilters", "hint", "multi", "upsert",
                          "upsertSupplied", "collation", "sampleId",
                          "$_allowShardKeyUpdatesWithoutFullShardKeyInQuery"}),
    "deletes": frozenset({"q", "limit", "hint", "collation", "sampleId"}),
}


def unknown_field(owner: str, field: str) -> ServerError:
    return ServerError(40415, f"BSON field '{owner}.{field}' is an unknown field.")


def first_unknown(fields: Iterable[str], known: frozenset[str]) -> str | None:
    for field in fields:
        if field not in known and field not in GENERIC_ARGUMENTS:
            return field
    return None


def check_fields(name: str, cmd: Mapping[str, Any]) -> None:
    """Refuse a field ``name``'s IDL does not declare (40415, commands without a table
    pass) and one it declares but mim does not implement (238)."""
    known = COMMAND_FIELDS.get(name)
    if known is None:
        return
    owner = "findAndModify" if name == "findandmodify" else name
    field = first_unknown(cmd, known)
    if field is not None:
        raise unknown_field(owner, field)
    unsupported = UNSUPPORTED_FIELDS.get(name)
    if unsupported is not None:
        field = next((f for f in cmd if f in unsupported), None)
        if field is not None:
            raise ServerError(238, f"{owner} field '{field}' is not supported by mim (a "
                                   f"server-internal or encryption field)")


def check_statement_fields(command_name: str, field: str, statement: Mapping) -> None:
    known = STATEMENT_FIELDS.get(field)
    if known is None:
        return
    unknown = next((key for key in statement if key not in known), None)
    if unknown is not None:
        raise unknown_field(f"{command_name}.{field}", unknown)
