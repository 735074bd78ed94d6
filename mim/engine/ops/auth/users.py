"""Each engine's users: what mongod keeps in ``admin.system.users``.

A user is named ``user@db`` (the database it was created in is its
authentication database); it holds SCRAM credentials for the mechanisms it was
created with (never the password), its roles (``{role, db}``) and optional
``customData``.  The store is per :class:`~mim.engine.store.Server`, shared
by every face of that engine.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bson.binary import Binary

from ...storage.attached import PerServer
from .scram import MECHANISMS, make_credentials

__all__ = ["User", "UserStore", "users_of"]


@dataclass
class User:
    name: str
    db: str
    credentials: dict[str, dict[str, Any]]
    roles: list[tuple[str, str]]
    custom_data: dict[str, Any] | None = None
    user_id: Binary = field(default_factory=lambda: Binary(uuid.uuid4().bytes, 4))

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


class UserStore:
    """The users of one engine, by ``(db, name)``; thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._users: dict[tuple[str, str], User] = {}

    def __len__(self) -> int:
        return len(self._users)

    def get(self, name: str, db: str) -> User | None:
        return self._users.get((db, name))

    def add(self, user: User) -> None:
        self._users[(user.db, user.name)] = user

    def remove(self, name: str, db: str) -> User | None:
        return self._users.pop((db, name), None)

    def in_database(self, db: str | None) -> Iterator[User]:
        """Every user of ``db`` (of every database when None), in name order."""
        for key in sorted(self._users):
            if db is None or key[0] == db:
                yield self._users[key]


#: ``users_of(server)``: the user store of an engine server (created on first use).
users_of: PerServer[UserStore] = PerServer(UserStore)
