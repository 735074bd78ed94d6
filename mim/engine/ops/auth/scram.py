"""SCRAM (RFC 5802 / RFC 7677) the way mongod stores and checks it.

A user's password is never stored: for each mechanism the server keeps a random
salt, an iteration count and two keys derived from the salted password
(``storedKey = H(HMAC(salted, "Client Key"))``, ``serverKey = HMAC(salted,
"Server Key")``), base64-encoded as in ``admin.system.users``.  SCRAM-SHA-1
salts the MD5 digest of ``"<user>:mongo:<password>"`` (MongoDB's legacy
password digest); SCRAM-SHA-256 salts the SASLprep'ed password itself.

:class:`ScramConversation` is the server's half of the two round trips
(``saslStart`` then ``saslContinue``); any failure is reported to the client
only as ``AuthenticationFailed`` (18), as mongod does, so a client cannot tell
an unknown user from a wrong password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pymongo.saslprep import saslprep

from ...values.errors import ServerError

__all__ = ["Mechanism", "MECHANISMS", "make_credentials", "ScramConversation",
           "authentication_failed", "password_matches"]


@dataclass(frozen=True)
class Mechanism:
    """One SCRAM mechanism: its hash, salt size and default iteration count
    (mongod's ``scramIterationCount`` / ``scramSHA256IterationCount``)."""

    name: str
    hash_name: str
    salt_size: int
    default_iterations: int

    def password_digest(self, user: str, password: str, digested: bool = False) -> bytes:
        """What gets salted: MongoDB's MD5 digest for SHA-1 (``digested``: the caller
        sent that digest itself, ``digestPassword: false``), SASLprep for SHA-256."""
        if self.hash_name == "sha1":
            if digested:
                return password.encode()
            return hashlib.md5(f"{user}:mongo:{password}".encode()).hexdigest().encode()
        return saslprep(password).encode()

    def hash(self, data: bytes) -> bytes:
        return hashlib.new(self.hash_name, data).digest()

    def hmac(self, key: bytes, data: bytes) -> bytes:
        return hmac.new(key, data, self.hash_name).digest()

    def salted_password(self, user: str, password: str, salt: bytes, iterations: int,
                        digested: bool = False) -> bytes:
        return hashlib.pbkdf2_hmac(self.hash_name,
                                   self.password_digest(user, password, digested), salt,
                                   iterations)


MECHANISMS: dict[str, Mechanism] = {
    "SCRAM-SHA-1": Mechanism("SCRAM-SHA-1", "sha1", 16, 10000),
    "SCRAM-SHA-256": Mechanism("SCRAM-SHA-256", "sha256", 28, 15000),
}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def make_credentials(mechanism: Mechanism, user: str, password: str,
                     digested: bool = False) -> dict[str, Any]:
    """``{iterationCount, salt, storedKey, serverKey}`` for a new password."""
    salt = os.urandom(mechanism.salt_size)
    iterations = mechanism.default_iterations
    salted = mechanism.salted_password(user, password, salt, iterations, digested)
    client_key = mechanism.hmac(salted, b"Client Key")
    return {"iterationCount": iterations, "salt": _b64(salt),
            "storedKey": _b64(mechanism.hash(client_key)),
            "serverKey": _b64(mechanism.hmac(salted, b"Server Key"))}


def password_matches(mechanism: Mechanism, credentials: Mapping[str, Any], user: str,
                     password: str) -> bool:
    """Whether ``password`` is the one ``credentials`` (``make_credentials``'s) were
    made from: the stored key a client proving it in a SCRAM exchange derives."""
    try:
        salt = base64.b64decode(credentials["salt"])
        iterations = credentials["iterationCount"]
        stored_key = base64.b64decode(credentials["storedKey"])
    except (KeyError, ValueError, TypeError):
        return False
    salted = mechanism.salted_password(user, password, salt, iterations)
    return hmac.compare_digest(mechanism.hash(mechanism.hmac(salted, b"Client Key")),
                               stored_key)


def authentication_failed() -> ServerError:
    return ServerError(18, "Authentication failed.")


def _attributes(message: str) -> dict[str, str]:
    """``"n=user,r=nonce"`` → ``{"n": "user", "r": "nonce"}``."""
    attributes = {}
    for part in message.split(","):
        key, sep, value = part.partition("=")
        if not sep or len(key) != 1:
            raise authentication_failed()
        attributes.setdefault(key, value)
    return attributes


def _sasl_name(value: str) -> str:
    """RFC 5802's ``saslname``: ``=2C`` is a comma and ``=3D`` an equals sign."""
    return value.replace("=2C", ",").replace("=3D", "=")


class ScramConversation:
    """The server side of one SCRAM exchange.

    ``lookup(user)`` returns the stored credentials of ``user`` for this
    mechanism (or None); :attr:`user` is set once the client has proved it
    knows the password.
    """

    def __init__(self, mechanism: Mechanism,
                 lookup: Callable[[str], Mapping[str, Any] | None], db: str = "",
                 skip_empty_exchange: bool = False) -> None:
        self.mechanism = mechanism
        #: the authentication database (``saslContinue`` must name the same one)
        self.db = db
        #: the client asked to finish in two round trips instead of three
        self.skip_empty_exchange = skip_empty_exchange
        #: begun inside ``hello`` (``speculativeAuthenticate``), for the logs
        self.speculative = False
        self._lookup = lookup
        self._credentials: Mapping[str, Any] | None = None
        self._auth_message_head = ""
        self._nonce = ""
        self._pending_user = ""
        self.user: str | None = None
        self.done = False

    def start(self, payload: bytes) -> bytes:
        """Answer client-first (``n,,n=user,r=nonce``) with server-first."""
        try:
            text = bytes(payload).decode("utf-8")
        except UnicodeDecodeError:
            raise authentication_failed() from None
        gs2_flag, _, rest = text.partition(",")
        _authzid, _, client_first_bare = rest.partition(",")
        if gs2_flag not in ("n", "y"):  # "p=…" asks for channel binding, never offered
            raise authentication_failed()
        attributes = _attributes(client_first_bare)
        if "n" not in attributes or "r" not in attributes or "m" in attributes:
            raise authentication_failed()
        name = _sasl_name(attributes["n"])
        credentials = self._lookup(name)
        if credentials is None:
            raise authentication_failed()
        self._credentials = credentials
        self._pending_user = name
        self._nonce = attributes["r"] + _b64(os.urandom(24))
        server_first = (f"r={self._nonce},s={credentials['salt']},"
                        f"i={credentials['iterationCount']}")
        self._auth_message_head = f"{client_first_bare},{server_first}"
        return server_first.encode()

    def finish(self, payload: bytes) -> bytes:
        """Check client-final's proof; answer with the server signature."""
        if self._credentials is None:
            raise authentication_failed()
        try:
            client_final = bytes(payload).decode("utf-8")
        except UnicodeDecodeError:
            raise authentication_failed() from None
        without_proof, sep, proof_part = client_final.rpartition(",p=")
        if not sep:
            raise authentication_failed()
        attributes = _attributes(without_proof)
        if attributes.get("r") != self._nonce or "c" not in attributes:
            raise authentication_failed()
        mechanism = self.mechanism
        auth_message = f"{self._auth_message_head},{without_proof}".encode()
        try:
            proof = base64.b64decode(proof_part, validate=True)
            stored_key = base64.b64decode(self._credentials["storedKey"])
            server_key = base64.b64decode(self._credentials["serverKey"])
        except (ValueError, TypeError):
            raise authentication_failed() from None
        signature = mechanism.hmac(stored_key, auth_message)
        if len(proof) != len(signature):
            raise authentication_failed()
        client_key = bytes(a ^ b for a, b in zip(proof, signature))
        if not hmac.compare_digest(mechanism.hash(client_key), stored_key):
            raise authentication_failed()
        self.user = self._pending_user
        self.done = True
        return f"v={_b64(mechanism.hmac(server_key, auth_message))}".encode()
