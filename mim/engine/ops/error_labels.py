"""The error labels a server puts on a command's error reply (``errorLabels``).

Drivers decide what to retry from these labels, so they follow the server's
``ErrorLabelBuilder`` (``src/mongo/db/error_labels.cpp``, 7.0):

* ``TransientTransactionError`` — a statement of a transaction (``txnNumber``
  with ``autocommit``) failed with a code that leaves nothing behind:
  WriteConflict, LockTimeout, PreparedTransactionInProgress, a snapshot error, a
  retargeting error; any retriable error or NoSuchTransaction for a statement;
  NoSuchTransaction without a write concern error for commit/abort;
* otherwise ``RetryableWriteError`` — a retryable write (``txnNumber`` without
  ``autocommit``) or a transaction's commit/abort failed with a retriable code
  (network, not-primary, shutdown…), or its write concern error has one.

A ``failCommand`` fail point with ``errorLabels`` replaces them all
(``errorLabelsOverride``, :mod:`.failpoints`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["NOT_PRIMARY_CODES", "RETRIABLE_CODES", "error_labels",
           "is_transient_transaction_error"]

#: ``ErrorCategory::RetriableError`` (``error_codes.yml``): HostUnreachable,
#: HostNotFound, NetworkTimeout, ShutdownInProgress, ReadConcernMajorityNotAvailableYet,
#: PrimarySteppedDown, ExceededTimeLimit, InternalTransactionNotSupported,
#: SocketException, NotWritablePrimary, InterruptedAtShutdown,
#: InterruptedDueToReplStateChange, NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary,
#: BackupCursorOpenConflictWithCheckpoint
RETRIABLE_CODES = frozenset({6, 7, 89, 91, 134, 189, 262, 358, 9001, 10107, 11600, 11602,
                             13435, 13436, 50915})
#: ``ErrorCategory::NotPrimaryError``: PrimarySteppedDown, NotWritablePrimary,
#: InterruptedDueToReplStateChange, NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary
NOT_PRIMARY_CODES = frozenset({189, 10107, 11602, 13435, 13436})
#: ``ErrorCategory::SnapshotError``: SnapshotTooOld, SnapshotUnavailable,
#: StaleChunkHistory, MigrationConflict
_SNAPSHOT_CODES = frozenset({239, 246, 250, 272})
#: ``ErrorCategory::NeedRetargettingError``: StaleEpoch, StaleConfig
_RETARGETING_CODES = frozenset({150, 13388})
#: always transient: WriteConflict, LockTimeout, PreparedTransactionInProgress,
#: ShardCannotRefreshDueToLocksHeld, StaleDbVersion
_TRANSIENT_CODES = frozenset({112, 24, 267, 343, 249})
_INTERNAL_TRANSACTION_NOT_SUPPORTED = 358
_NO_SUCH_TRANSACTION = 251
_COMMIT_OR_ABORT = frozenset({"commitTransaction", "abortTransaction",
                              "coordinateCommitTransaction"})


def is_transient_transaction_error(code: int, has_write_concern_error: bool,
                                   commit_or_abort: bool) -> bool:
    """``isTransientTransactionError``: retrying the whole transaction is safe."""
    if code == _INTERNAL_TRANSACTION_NOT_SUPPORTED:
        return False
    if code in _TRANSIENT_CODES or code in _SNAPSHOT_CODES or code in _RETARGETING_CODES:
        return True
    if commit_or_abort:
        return code == _NO_SUCH_TRANSACTION and not has_write_concern_error
    return code in RETRIABLE_CODES or code == _NO_SUCH_TRANSACTION


def error_labels(cmd: Mapping[str, Any], name: str, code: int | None,
                 wc_code: int | None = None) -> list[str]:
    """The labels the server gives the reply of command ``name`` (sent as ``cmd``)
    that failed with ``code`` and/or a write concern error ``wc_code``."""
    if "txnNumber" not in cmd:
        return []
    in_transaction = "autocommit" in cmd
    commit_or_abort = name in _COMMIT_OR_ABORT
    if in_transaction and code is not None and is_transient_transaction_error(
            code, wc_code is not None, commit_or_abort):
        return ["TransientTransactionError"]
    if not in_transaction or commit_or_abort:
        if (code is not None and code in RETRIABLE_CODES) \
                or (wc_code is not None and wc_code in RETRIABLE_CODES):
            return ["RetryableWriteError"]
    return []
