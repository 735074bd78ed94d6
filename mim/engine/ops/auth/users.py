"""Each engine's users, kept where mongod keeps them: ``admin.system.users``.

A user is named ``user@db`` (the database it was created in is its
authentication database); it holds SCRAM credentials for the mechanisms it was
created with (never the password), its roles (``{role, db}``) and optional
``customData``.  Users are documents of ``admin.system.users`` in mongod's
shape (``_id: "<db>.<user>"``), written through storage's one write path, so a
durable data directory keeps them and a dump of ``admin`` carries them.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import bson
from bson.binary import Binary

from ...storage.attached import PerServer
from ...storage.encoding import decode_shadow
from ...storage.store import CollectionData, Server
from .scram import MECHANISMS, make_credentials

__all__ = ["AuthDocuments", "User", "UserStore", "users_of"]


@dataclass
class User:
    name: str
    db: str
    credentials: dict[str, dict[str, Any]]
    roles: list[tuple[str, str]]
    custom_data: dict[str, Any] | None = None
    user_id: Binary = field(default_factory=lambda: Binary(uuid.uuid4().bytes, 4))
    #: ``authenticationRestrictions`` as stored (None: the user has none)
    restrictions: list[dict[str, Any]] | None = None

    @property
    def full_name(self) -> str:
        return f"{self.name}@{self.db}"

    @property
    def mechanisms(self) -> list[str]:
        return [name for name in MECHANISMS if name in self.credentials]

    def set_password(self, password: str, mechanisms: list[str],
                     digested: bool = False) -> None:
        """New credentials for ``mechanisms`` (``digested``: ``password`` is already
        MongoDB's SCRAM-SHA-1 digest, ``digestPassword: false``)."""
        self.credentials = {name: make_credentials(MECHANISMS[name], self.name, password,
                                                   digested)
                            for name in mechanisms}

    def document(self, show_credentials: bool = False,
                 show_custom_data: bool = True) -> dict[str, Any]:
        """The user as ``usersInfo`` shows it."""
        doc: dict[str, Any] = {"_id": f"{self.db}.{self.name}", "userId": self.user_id,
                               "user": self.name, "db": self.db}
        if show_credentials:
            doc["credentials"] = {name: dict(value) for name, value in self.credentials.items()}
        if show_custom_data and self.custom_data is not None:
            doc["customData"] = self.custom_data
        doc["roles"] = [{"role": role, "db": db} for role, db in self.roles]
        doc["mechanisms"] = self.mechanisms
        return doc

    def stored_document(self) -> dict[str, Any]:
        """The user as ``admin.system.users`` holds it."""
        doc: dict[str, Any] = {"_id": f"{self.db}.{self.name}", "userId": self.user_id,
                               "user": self.name, "db": self.db,
                               "credentials": {name: dict(value)
                                               for name, value in self.credentials.items()},
                               "roles": [{"role": role, "db": db} for role, db in self.roles]}
        if self.custom_data is not None:
            doc["customData"] = self.custom_data
        if self.restrictions:
            doc["authenticationRestrictions"] = self.restrictions
        return doc

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> "User":
        return cls(doc["user"], doc["db"], {k: dict(v) for k, v in doc["credentials"].items()},
                   [(r["role"], r["db"]) for r in doc.get("roles", [])],
                   doc.get("customData"), doc["userId"], doc.get("authenticationRestrictions"))


class AuthDocuments:
    """One of ``admin``'s authorization collections (``system.users``,
    ``system.roles``), keyed by ``_id`` (``"<db>.<name>"``), read and written
    through storage's one write path.  ``lock`` serialises the management
    commands' read-modify-write."""

    collection_name = ""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.lock = threading.RLock()

    def _collection(self, create: bool = False) -> CollectionData | None:
        return self.server.get_collection("admin", self.collection_name, create=create)

    def __len__(self) -> int:
        coll = self._collection()
        return 0 if coll is None else len(coll)

    def document(self, key: str) -> dict[str, Any] | None:
        """A copy of the document ``_id: key`` (None when there is none)."""
        with self.server.lock:
            coll = self._collection()
            stored = None if coll is None else coll.get(key)
            return None if stored is None else decode_shadow(stored.raw)

    def put(self, doc: Mapping[str, Any]) -> None:
        """Store ``doc`` (a new one, or in place of the one with its ``_id``)."""
        raw = bson.encode(doc)
        with self.server.lock:
            coll = self._collection(create=True)
            existing = coll.get(doc["_id"])
            if existing is None:
                coll.insert(raw, decode_shadow(raw))
            else:
                coll.replace(existing, raw, decode_shadow(raw), "replace")

    def delete(self, key: str) -> dict[str, Any] | None:
        """Remove the document ``_id: key``; it is returned (None when there was none)."""
        with self.server.lock:
            coll = self._collection()
            stored = None if coll is None else coll.get(key)
            if stored is None:
                return None
            coll.delete(stored)
            return decode_shadow(stored.raw)

    def all_documents(self) -> list[dict[str, Any]]:
        """Copies of every document, in ``_id`` order."""
        with self.server.lock:
            coll = self._collection()
            stored = [] if coll is None else list(coll.documents.values())
        return sorted((decode_shadow(entry.raw) for entry in stored),
                      key=lambda doc: str(doc["_id"]))


class UserStore(AuthDocuments):
    """The users of one engine (``admin.system.users``), by ``(db, name)``.

    Users read from the store are copies: a changed user is written back with
    :meth:`save`."""

    collection_name = "system.users"

    def get(self, name: str, db: str) -> User | None:
        found = self.document(f"{db}.{name}")
        return None if found is None else User.from_document(found)

    def save(self, user: User) -> None:
        """Store ``user`` (a new one, or a changed one in place of the old)."""
        self.put(user.stored_document())

    add = save

    def remove(self, name: str, db: str) -> User | None:
        found = self.delete(f"{db}.{name}")
        return None if found is None else User.from_document(found)

    def in_database(self, db: str | None) -> Iterator[User]:
        """Every user of ``db`` (of every database when None), in name order."""
        found = [User.from_document(doc) for doc in self.all_documents()]
        for user in sorted(found, key=lambda u: (u.db, u.name)):
            if db is None or user.db == db:
                yield user


#: ``users_of(server)``: the user store of an engine server (created on first use).
users_of: PerServer[UserStore] = PerServer(UserStore, with_server=True)
