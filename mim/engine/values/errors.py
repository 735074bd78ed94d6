"""Server errors with MongoDB's numeric codes, code names and messages.

The engine reports every failure the way a server does: a code, its code
name and a message.  :class:`ServerError` is a
:class:`pymongo.errors.OperationFailure` whose ``details`` is the server's
error reply, so a read error can surface unchanged while the API layer
re-wraps write errors as :class:`~pymongo.errors.WriteError` and the wire
server sends ``details`` as the reply document.
"""

from __future__ import annotations

from typing import Any

from pymongo.errors import DuplicateKeyError, OperationFailure

__all__ = ["ServerError", "TransactionConflict", "WRITE_CONFLICT_MESSAGE", "CODE_NAMES", "server_error", "bad_value", "failed_to_parse",
           "type_mismatch", "duplicate_key"]

CODE_NAMES: dict[int, str] = {
    1: "InternalError",
    2: "BadValue",
    4: "NoSuchKey",
    5: "GraphContainsCycle",
    6: "HostUnreachable",
    7: "HostNotFound",
    8: "UnknownError",
    9: "FailedToParse",
    10: "CannotMutateObject",
    11: "UserNotFound",
    12: "UnsupportedFormat",
    13: "Unauthorized",
    14: "TypeMismatch",
    15: "Overflow",
    16: "InvalidLength",
    17: "ProtocolError",
    18: "AuthenticationFailed",
    20: "IllegalOperation",
    22: "InvalidBSON",
    24: "LockTimeout",
    26: "NamespaceNotFound",
    27: "IndexNotFound",
    28: "PathNotViable",
    31: "RoleNotFound",
    40: "ConflictingUpdateOperators",
    43: "CursorNotFound",
    47: "NoMatchingDocument",
    48: "NamespaceExists",
    49: "InvalidRoleModification",
    50: "MaxTimeMSExpired",
    51: "DollarPrefixedFieldName",
    52: "DollarPrefixedFieldName",
    53: "InvalidIdField",
    54: "NotSingleValueField",
    55: "InvalidDBRef",
    56: "EmptyFieldName",
    57: "DottedFieldName",
    59: "CommandNotFound",
    64: "WriteConcernFailed",
    66: "ImmutableField",
    67: "CannotCreateIndex",
    68: "IndexAlreadyExists",
    72: "InvalidOptions",
    79: "UnknownReplWriteConcern",
    73: "InvalidNamespace",
    85: "IndexOptionsConflict",
    86: "IndexKeySpecsConflict",
    89: "NetworkTimeout",
    91: "ShutdownInProgress",
    96: "OperationFailed",
    100: "UnsatisfiableWriteConcern",
    112: "WriteConflict",
    115: "CommandNotSupported",
    117: "ConflictingOperationInProgress",
    121: "DocumentValidationFailure",
    134: "ReadConcernMajorityNotAvailableYet",
    146: "ExceededMemoryLimit",
    161: "IncompatibleCollationVersion",
    166: "CommandNotSupportedOnView",
    167: "OptionNotSupportedOnView",
    168: "InvalidPipelineOperator",
    171: "CannotIndexParallelArrays",
    175: "QueryPlanKilled",
    189: "PrimarySteppedDown",
    197: "InvalidIndexSpecificationOption",
    224: "QueryFeatureNotAllowed",
    225: "TransactionTooOld",
    238: "NotImplemented",
    239: "SnapshotTooOld",
    241: "ConversionFailure",
    246: "SnapshotUnavailable",
    251: "NoSuchTransaction",
    256: "TransactionCommitted",
    260: "InvalidResumeToken",
    262: "ExceededTimeLimit",
    263: "OperationNotSupportedInTransaction",
    266: "FailPointSetFailed",
    267: "PreparedTransactionInProgress",
    276: "IndexBuildAborted",
    290: "TransactionExceededLifetimeLimitSeconds",
    280: "ChangeStreamFatalError",
    286: "ChangeStreamHistoryLost",
    291: "NoQueryExecutionPlans",
    292: "QueryExceededMemoryLimitNoDiskUseAllowed",
    322: "APIVersionError",
    323: "APIStrictError",
    324: "APIDeprecationError",
    325: "APIMismatchError",
    334: "MechanismUnavailable",
    9001: "SocketException",
    10058: "LegacyNotPrimary",
    10107: "NotWritablePrimary",
    10334: "BSONObjectTooLarge",
    11000: "DuplicateKey",
    11600: "InterruptedAtShutdown",
    11601: "Interrupted",
    11602: "InterruptedDueToReplStateChange",
    13435: "NotPrimaryNoSecondaryOk",
    13436: "NotPrimaryOrSecondary",
    16410: "Location16410",
    17419: "Location17419",
    40324: "Location40324",
    24: "LockTimeout",
    46: "LockBusy",
    63: "StaleShardVersion",
    65: "MultipleErrorsOccurred",
    90: "CallbackCanceled",
    123: "NotAReplicaSet",
    125: "CommandFailed",
    133: "FailedToSatisfyReadPreference",
    136: "CappedPositionLost",
    143: "CursorInUse",
    148: "ReadConcernMajorityNotEnabled",
    150: "StaleEpoch",
    187: "LinearizableReadConcernError",
    202: "NetworkInterfaceExceededTimeLimit",
    206: "NoSuchSession",
    209: "StaleClusterTime",
    213: "DuplicateSession",
    215: "DatabaseDropPending",
    217: "IncompleteTransactionHistory",
    222: "CloseChangeStream",
    234: "RetryChangeStream",
    237: "CursorKilled",
    239: "SnapshotTooOld",
    242: "CannotCreateCollection",
    246: "SnapshotUnavailable",
    249: "StaleDbVersion",
    250: "StaleChunkHistory",
    257: "TransactionTooLarge",
    261: "TooManyLogicalSessions",
    267: "PreparedTransactionInProgress",
    279: "ClientDisconnect",
    285: "IndexBuildAlreadyInProgress",
    11601: "Interrupted",
    13388: "StaleConfig",
    14031: "OutOfDiskSpace",
}


class ServerError(OperationFailure):
    """An error the server reports for a command (``ok: 0``)."""

    def __init__(self, code: int, errmsg: str, **extra: Any) -> None:
        self.errmsg = errmsg
        self.extra = extra
        details: dict[str, Any] = {"ok": 0.0, "errmsg": errmsg, "code": code,
                                   "codeName": code_name(code)}
        details.update(extra)
        super().__init__(errmsg, code, details)

    def as_write_error(self) -> dict[str, Any]:
        """This error as an element of a write reply's ``writeErrors``."""
        err: dict[str, Any] = {"code": self.code, "errmsg": self.errmsg}
        err.update(self.extra)
        return err


#: the server's WriteConflictException text
WRITE_CONFLICT_MESSAGE = ("WriteConflict error: this operation conflicted with another "
                          "operation. Please retry your operation or multi-document transaction.")


class TransactionConflict(OperationFailure):
    """A write-write conflict met by a transaction's statement: WriteConflict (112)
    with the TransientTransactionError label.  The server answers it as the
    command's error, never as one statement's write error, so it is deliberately
    not a :class:`ServerError` (which write loops collect into ``writeErrors``)."""

    def __init__(self, errmsg: str = WRITE_CONFLICT_MESSAGE) -> None:
        self.errmsg = errmsg
        details = {"ok": 0.0, "errmsg": errmsg, "code": 112, "codeName": "WriteConflict",
                   "errorLabels": ["TransientTransactionError"]}
        super().__init__(errmsg, 112, details)

    def as_server_error(self) -> ServerError:
        return ServerError(112, self.errmsg, errorLabels=["TransientTransactionError"])


def code_name(code: int) -> str:
    return CODE_NAMES.get(code, f"Location{code}")


def server_error(code: int, errmsg: str, **extra: Any) -> ServerError:
    return ServerError(code, errmsg, **extra)


def bad_value(errmsg: str) -> ServerError:
    return ServerError(2, errmsg)


def failed_to_parse(errmsg: str) -> ServerError:
    return ServerError(9, errmsg)


def type_mismatch(errmsg: str) -> ServerError:
    return ServerError(14, errmsg)


def duplicate_key(errmsg: str, key_pattern: dict, key_value: dict) -> ServerError:
    return ServerError(11000, errmsg, keyPattern=key_pattern, keyValue=key_value)

