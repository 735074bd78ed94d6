"""pymongo's retry loop for the in-process face: retryable writes, retryable reads,
commit/abort retries and the driver-side error labels.

A real :class:`pymongo.MongoClient` runs every operation through
``_ClientConnectionRetryable.run`` (``pymongo/synchronous/mongo_client.py``); the
in-process face has no connection or server selection, but the decisions are the
same and live here, once, for :mod:`mim.runner` and :mod:`mim.session`:

* a retryable write (``insert``, single-document ``update``/``delete``,
  ``findAndModify``) with ``retryWrites`` on, an acknowledged write concern and no
  transaction carries a ``txnNumber`` and is tried again once after an error
  labelled ``RetryableWriteError`` — the server's label, or the driver's on a
  network error (a ``closeConnection`` fail point);
* a retryable read is tried again once after a network error or a retryable code,
  never inside a transaction;
* ``commitTransaction``/``abortTransaction`` are always retried once after a
  ``RetryableWriteError``;
* a network error inside a transaction gets ``TransientTransactionError``
  (``_ClientCheckout.handle``);
* an error labelled ``SystemOverloadedError`` and ``RetryableError`` is retried
  up to ``maxAdaptiveRetries`` times with pymongo's exponential backoff.

Only the checked path of :class:`mim.runner.Runner` comes here: a plain command
(no session, nothing armed) is never retried, because nothing but a fail point
makes an in-process command fail retryably.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Callable

from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError
from pymongo.helpers_shared import _RETRYABLE_ERROR_CODES, _RetryPolicy

try:
    from pymongo.mongo_client_shared import _add_retryable_write_error
except ImportError:  # pragma: no cover - pymongo < 4.10 kept it in mongo_client
    from pymongo.synchronous.mongo_client import _add_retryable_write_error  # type: ignore

__all__ = ["is_retryable_write", "run_with_retries", "TRANSACTION_END", "RetryableReply"]

#: commands the driver always retries once (``_finish_transaction_with_retry``)
TRANSACTION_END = frozenset({"commitTransaction", "abortTransaction"})


def is_retryable_write(name: str, cmd: Mapping[str, Any]) -> bool:
    """Whether pymongo sends command ``name`` as a retryable write: inserts,
    updates and deletes of one document each, ``findAndModify``."""
    if name == "insert" or name == "findAndModify" or name == "findandmodify":
        return True
    if name == "update":
        updates = cmd.get("updates")
        return isinstance(updates, list) and all(
            isinstance(u, Mapping) and not u.get("multi") for u in updates)
    if name == "delete":
        deletes = cmd.get("deletes")
        return isinstance(deletes, list) and all(
            isinstance(d, Mapping) and d.get("limit") == 1 for d in deletes)
    return False


class RetryableReply(OperationFailure):
    """A retryable write's reply with a ``writeConcernError``: pymongo checks the
    reply inside its retry loop, so the error is seen (and retried when labelled
    ``RetryableWriteError``) there; when it is not retried the caller answers with
    :attr:`reply` and raises from it as it always does."""

    def __init__(self, reply: dict) -> None:
        error = dict(reply["writeConcernError"])
        if reply.get("errorLabels"):
            error["errorLabels"] = reply["errorLabels"]
        super().__init__(error.get("errmsg", ""), error.get("code"), error)
        self.reply = reply


def _policy(client: Any) -> _RetryPolicy:
    policy = client.__dict__.get("_mim_retry_policy")
    if policy is None:
        attempts = getattr(client.options, "max_adaptive_retries", None)
        policy = client.__dict__.setdefault("_mim_retry_policy", _RetryPolicy(attempts))
    return policy


def _revert_to_starting(session: Any) -> None:
    """An overloaded first statement of a transaction: send ``startTransaction`` again."""
    transaction = session._transaction
    if not getattr(transaction, "has_completed_command", True):
        transaction.set_starting()
    transaction.attempt = 0


def run_with_retries(attempt: Callable[[], dict], client: Any, session: Any, name: str,
                     is_read: bool, retryable: bool) -> dict:
    """``attempt()`` under pymongo's retry rules for command ``name``.  ``retryable``
    is what pymongo computes for the operation: a retryable read or write outside
    a transaction, on a client that allows it."""
    in_transaction = session is not None and session.in_transaction
    options = client.options
    last_error: BaseException | None = None
    attempt_number = 0
    retrying = False
    max_retries: float = 1
    base_backoff_ms: float | None = None
    while True:
        try:
            reply = attempt()
        except PyMongoError as exc:
            if in_transaction and isinstance(exc, ConnectionFailure):
                exc._add_error_label("TransientTransactionError")
            if not is_read and retryable:
                _add_retryable_write_error(exc)
            overloaded = exc.has_error_label("SystemOverloadedError")
            if overloaded:
                max_retries = options.max_adaptive_retries
                base_backoff_ms = getattr(exc, "_base_backoff_ms", None)
            always = overloaded and exc.has_error_label("RetryableError")
            not_eligible = not retryable or (retrying and attempt_number >= max_retries)
            no_writes = exc.has_error_label("NoWritesPerformed")
            if is_read:
                if not isinstance(exc, (ConnectionFailure, OperationFailure)):
                    raise
                if not options.retry_reads or (not always and (
                        not_eligible or (isinstance(exc, OperationFailure)
                                         and exc.code not in _RETRYABLE_ERROR_CODES))):
                    raise
                last_error = exc
            else:
                if name not in TRANSACTION_END and (
                        not options.retry_writes or not (retryable or always)):
                    raise
                if not always and (not exc.has_error_label("RetryableWriteError")
                                   or not_eligible):
                    if no_writes and last_error is not None:
                        raise last_error from exc
                    raise
                if not no_writes or last_error is None:
                    last_error = exc
            attempt_number += 1
            retrying = True
            if overloaded:
                if in_transaction:
                    _revert_to_starting(session)
                policy = _policy(client)
                delay = policy.backoff(attempt_number,
                                       base_backoff_ms / 1000 if base_backoff_ms else None)
                if not policy.should_retry(attempt_number, delay):
                    if no_writes and last_error is not exc and last_error is not None:
                        raise last_error from exc
                    raise
                time.sleep(delay)
            continue
        if in_transaction:
            session._transaction.has_completed_command = True
        return reply
