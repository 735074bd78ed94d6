"""Authentication commands: ``saslStart`` / ``saslContinue`` (SCRAM-SHA-1 and
SCRAM-SHA-256), ``logout`` and ``connectionStatus``.

They act on the connection's :class:`~mim.engine.auth.authorization.AuthSession`
(``CURRENT_SESSION``, set by the wire server).  The in-process faces have no
connection: they are trusted, so there ``saslStart`` only checks the
credentials and nothing is remembered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bson.binary import Binary

from ..ops.auth.authorization import CURRENT_SESSION, AuthSession
from ..ops.auth.restrictions import LOCAL_ADDRESS, restriction_documents, restrictions_met
from ..ops.auth.role_store import roles_of
from ..ops.auth.roles import privilege_document
from ..ops.auth.scram import (MECHANISMS, Mechanism, ScramConversation,
                              authentication_failed, password_matches)
from ..ops.auth.users import users_of
from ..values.errors import ServerError
from ..storage.store import Server
from .registry import command
from .arguments import type_name

__all__ = ["sasl_start", "supported_mechanisms", "check_credentials"]


def _session(server: Server) -> AuthSession:
    session = CURRENT_SESSION.get()
    return session if session is not None else AuthSession(users_of(server))


def _payload(cmd: Mapping, name: str) -> bytes:
    if "payload" not in cmd:
        raise ServerError(40414, f"BSON field '{name}.payload' is missing but a required field")
    payload = cmd["payload"]
    if isinstance(payload, str):
        return payload.encode()
    if not isinstance(payload, (bytes, Binary)):
        raise ServerError(14, f"BSON field '{name}.payload' is the wrong type "
                              f"'{type_name(payload)}', expected types '[string, binData]'")
    return bytes(payload)


def _skips_empty_exchange(cmd: Mapping) -> bool:
    options = cmd.get("options")
    return isinstance(options, Mapping) and bool(options.get("skipEmptyExchange"))


def _mechanism(mechanism_name: str) -> Mechanism:
    mechanism = MECHANISMS.get(mechanism_name)
    if mechanism is None:
        raise ServerError(334, f"Received authentication for mechanism {mechanism_name} which "
                               f"is not enabled")
    return mechanism


def check_credentials(server: Server, db: str, user: str, password: str,
                      mechanism_name: str) -> None:
    """What a driver's SASL conversation on a new connection proves, for the in-process
    faces (which have no connection): that ``password`` is ``user``'s on ``db``.  Fails
    as the conversation fails: 18 (AuthenticationFailed) for an unknown user or a wrong
    password, 334 for a mechanism this server does not enable.  ``DEFAULT`` is
    pymongo's negotiation: SCRAM-SHA-256 when the user has it, else SCRAM-SHA-1."""
    stored = users_of(server).get(user, db)
    if mechanism_name == "DEFAULT":
        mechanism_name = "SCRAM-SHA-256" if stored is not None and \
            "SCRAM-SHA-256" in stored.credentials else "SCRAM-SHA-1"
    mechanism = _mechanism(mechanism_name)
    credentials = None if stored is None else stored.credentials.get(mechanism.name)
    if credentials is None or not password_matches(mechanism, credentials, user, password):
        raise authentication_failed()
    _check_restrictions(server, user, db, LOCAL_ADDRESS, LOCAL_ADDRESS)


def _check_restrictions(server: Server, name: str, db: str, client: str | None,
                        server_address: str | None) -> None:
    """``User::validateRestrictions`` once the user is proved: its own and its
    roles' authentication restrictions must all be met by this connection, or the
    authentication fails (the reason goes to the server's log only)."""
    user = users_of(server).get(name, db)
    if user is None:
        raise authentication_failed()
    documents = restriction_documents(roles_of(server), user.roles, user.restrictions)
    if documents and not restrictions_met(documents, client, server_address):
        raise authentication_failed()


def sasl_start(server: Server, db: str, cmd: Mapping, session: AuthSession,
               speculative: bool = False) -> dict:
    """Run ``saslStart`` (also the body of ``hello``'s ``speculativeAuthenticate``)."""
    mechanism_name = cmd.get("mechanism")
    if "mechanism" not in cmd:
        raise ServerError(40414, "BSON field 'saslStart.mechanism' is missing but a required "
                                 "field")
    if not isinstance(mechanism_name, str):
        raise ServerError(14, f"BSON field 'saslStart.mechanism' is the wrong type "
                              f"'{type_name(mechanism_name)}', expected type 'string'")
    mechanism = _mechanism(mechanism_name)
    payload = _payload(cmd, "saslStart")
    store = users_of(server)

    def lookup(name: str) -> Mapping[str, Any] | None:
        user = store.get(name, db)
        return None if user is None else user.credentials.get(mechanism.name)

    conversation = ScramConversation(mechanism, lookup, db, _skips_empty_exchange(cmd))
    conversation.speculative = speculative
    reply = conversation.start(payload)
    conversation_id = session.begin(conversation)
    return {"conversationId": conversation_id, "done": False, "payload": Binary(reply),
            "ok": 1.0}


@command("saslStart")
def cmd_sasl_start(server: Server, db: str, cmd: Mapping) -> dict:
    """Begin a SASL authentication conversation."""
    return sasl_start(server, db, cmd, _session(server))


@command("saslContinue")
def cmd_sasl_continue(server: Server, db: str, cmd: Mapping) -> dict:
    """Carry on a SASL conversation begun by ``saslStart``."""
    session = _session(server)
    if "conversationId" not in cmd:
        raise ServerError(40414, "BSON field 'saslContinue.conversationId' is missing but a "
                                 "required field")
    conversation_id = cmd["conversationId"]
    if not isinstance(conversation_id, int) or isinstance(conversation_id, bool):
        raise ServerError(14, f"BSON field 'saslContinue.conversationId' is the wrong type "
                              f"'{type_name(conversation_id)}', expected type 'int'")
    conversation = session.conversations.get(conversation_id)
    if conversation is None or conversation.db != db:
        raise ServerError(17, "No SASL session state found")
    payload = _payload(cmd, "saslContinue")
    try:
        if not conversation.done:
            reply = conversation.finish(payload)
            done = conversation.skip_empty_exchange
        else:
            reply, done = b"", True
    except ServerError:
        session.conversations.pop(conversation_id, None)
        raise
    if done:
        session.conversations.pop(conversation_id, None)
        assert conversation.user is not None
        _check_restrictions(server, conversation.user, db, session.client_address,
                            session.server_address)
        session.authenticated(conversation.user, db, conversation.mechanism.name,
                              conversation.speculative)
    return {"conversationId": conversation_id, "done": done, "payload": Binary(reply),
            "ok": 1.0}


@command("logout")
def cmd_logout(server: Server, db: str, cmd: Mapping) -> dict:
    """Forget the user authenticated on this database for this connection."""
    _session(server).logout(db)
    return {"ok": 1.0}


@command("connectionStatus")
def cmd_connection_status(server: Server, db: str, cmd: Mapping) -> dict:
    """Who this connection is authenticated as, and with which roles."""
    session = _session(server)
    users = session.current_users()
    roles, privileges = session.resolved()  # user-defined roles' own roles included
    info: dict[str, Any] = {
        "authenticatedUsers": [{"user": u.name, "db": u.db} for u in users],
        "authenticatedUserRoles": [{"role": role, "db": db} for role, db in roles],
    }
    if cmd.get("showPrivileges"):
        info["authenticatedUserPrivileges"] = [
            privilege_document(resource, actions) for resource, actions in privileges]
    return {"authInfo": info, "ok": 1.0}


def supported_mechanisms(server: Server, qualified_name: Any) -> list[str] | None:
    """``hello``'s ``saslSupportedMechs: "<db>.<user>"``: the user's mechanisms
    (None when there is no such user, and the field is left out)."""
    if not isinstance(qualified_name, str) or "." not in qualified_name:
        return None
    db, _, name = qualified_name.partition(".")
    user = users_of(server).get(name, db)
    return None if user is None else user.mechanisms
