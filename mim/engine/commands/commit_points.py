"""The ``onPrimaryTransactionalWrite`` fail point: a retryable write's commit points.

The retryable-writes spec tests (and drivers' own suites) use this fail point to
lose a reply after the server committed a write, or before it did.  mongod
evaluates it where a retryable write's statement commits
(``TransactionParticipant::onWriteOpCompletedOnPrimary``): once per statement -
each document of an ``insert``, each statement of an ``update``/``delete`` (so a
``skip`` counts statements) - and once for a ``findAndModify``.  When it fires, its data
decide: ``closeConnection`` (default true) ends the client's connection, so the
reply never arrives; ``failBeforeCommitExceptionCode`` fails the statement with
that code, uncommitted.

The statements that did commit are remembered by the session (per ``txnNumber``,
as the server's ``stmtId`` records), so the driver's retry of the same command
executes only the others: a retryable write happens at most once.  This path is
taken only while a fail point is on or a retry has statements to reuse: a plain
retryable write never comes here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..ops.failpoints import ConnectionClosedByFailPoint, fail_points_of
from ..ops.sessions import RetryableWrite, session_text
from ..values.errors import ServerError

__all__ = ["runs_at_commit_points", "run_at_commit_points", "FAIL_POINT"]

FAIL_POINT = "onPrimaryTransactionalWrite"
_STATEMENT_FIELDS = {"insert": "documents", "update": "updates", "delete": "deletes"}
_COMMANDS = frozenset({*_STATEMENT_FIELDS, "findAndModify", "findandmodify"})


def runs_at_commit_points(server: Any, name: str, retry: RetryableWrite) -> bool:
    """Whether this retryable write goes statement by statement: the fail point is
    armed, or an earlier attempt left committed statements to reuse."""
    return name in _COMMANDS and (fail_points_of(server).armed or retry.has_statements())


def run_at_commit_points(server: Any, name: str, cmd: Mapping[str, Any],
                         run: Callable[[Mapping[str, Any]], dict],
                         retry: RetryableWrite) -> dict:
    """Run the retryable write ``cmd`` (``run`` executes one command document) with
    its commit points; raise :class:`ConnectionClosedByFailPoint` when the fail
    point closed the connection (what committed stays committed and remembered)."""
    field = _STATEMENT_FIELDS.get(name)
    statements = cmd.get(field) if field is not None else None
    if field is None:
        return _run_whole(server, cmd, run, retry)
    if not isinstance(statements, list):
        return run(cmd)  # the command's own checks refuse it
    done = retry.statements()
    ordered = bool(cmd.get("ordered", True))
    closing = False
    parts: list[tuple[int, dict]] = []
    for index, statement in enumerate(statements):
        if index in done:
            parts.append((index, done[index]))
            continue
        data = _enter(server)
        closing = closing or _closes(data)
        if data is not None and "failBeforeCommitExceptionCode" in data:
            reply = {"n": 0, "writeErrors": [_not_committed(data, retry)]}
        else:
            reply = run({**cmd, field: [statement]})
            if not reply.get("writeErrors"):
                done[index] = reply
        parts.append((index, reply))
        if ordered and reply.get("writeErrors"):
            break
    merged = _merge(name, parts)
    if closing:
        raise ConnectionClosedByFailPoint(name)
    return merged


def _run_whole(server: Any, cmd: Mapping[str, Any], run: Callable[[Mapping[str, Any]], dict],
               retry: RetryableWrite) -> dict:
    """A findAndModify: one commit point."""
    data = _enter(server)
    if data is not None and "failBeforeCommitExceptionCode" in data:
        error = _not_committed(data, retry)
        if _closes(data):
            raise ConnectionClosedByFailPoint(next(iter(cmd)))
        raise ServerError(error["code"], error["errmsg"])
    reply = run(cmd)
    if _closes(data):
        retry.remember(reply)  # committed: the retry is answered with this reply
        raise ConnectionClosedByFailPoint(next(iter(cmd)))
    return reply


def _enter(server: Any) -> dict[str, Any] | None:
    return fail_points_of(server).enter(FAIL_POINT, _always)


def _always(data: Any) -> bool:
    return True


def _closes(data: Mapping[str, Any] | None) -> bool:
    return data is not None and data.get("closeConnection", True) is not False


def _not_committed(data: Mapping[str, Any], retry: RetryableWrite) -> dict[str, Any]:
    """The statement's error when the fail point fails it before its commit."""
    code = int(data["failBeforeCommitExceptionCode"])
    return {"index": 0, "code": code,
            "errmsg": f"Failing write for {session_text(retry.record)}:{retry.number} due to "
                      f"failpoint. The write must not be reflected."}


def _merge(name: str, parts: list[tuple[int, dict]]) -> dict:
    """One reply from the single-statement replies, statement indexes restored."""
    merged: dict[str, Any] = {"n": 0}
    if name == "update":
        merged["nModified"] = 0
    upserted: list[dict] = []
    errors: list[dict] = []
    for index, part in sorted(parts, key=lambda item: item[0]):
        merged["n"] += part.get("n", 0)
        if name == "update":
            merged["nModified"] += part.get("nModified", 0)
        upserted.extend(dict(entry, index=index) for entry in part.get("upserted", ()))
        errors.extend(dict(error, index=index) for error in part.get("writeErrors", ()))
    if upserted:
        merged["upserted"] = upserted
    if errors:
        merged["writeErrors"] = errors
    merged["ok"] = 1.0
    return merged
