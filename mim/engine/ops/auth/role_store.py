"""User-defined roles, kept where mongod keeps them: ``admin.system.roles``.

A role document has mongod's shape: ``{_id: "<db>.<role>", role, db,
privileges: [{resource, actions}], roles: [{role, db}]}``.  A role grants its
own privileges and those of every role it holds, transitively (built-in roles
hold privileges only).  :func:`resolve_roles` walks that graph the way
``AuthzManagerExternalStateLocal::resolveRoles`` does: breadth first, each role
once, a role that no longer exists skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ...storage.attached import PerServer
from .roles import (Privilege, builtin_role_exists, merge_privileges, privileges_of_role,
                    role_document_privileges)
from .users import AuthDocuments

__all__ = ["RoleStore", "roles_of", "resolve_roles", "role_exists", "role_names", "RoleName"]

RoleName = tuple[str, str]  # (role, db)


def role_names(value: Any) -> list[RoleName]:
    """A stored ``roles`` array as ``(role, db)`` pairs."""
    return [(entry["role"], entry["db"]) for entry in value or ()
            if isinstance(entry, Mapping) and isinstance(entry.get("role"), str)
            and isinstance(entry.get("db"), str)]


class RoleStore(AuthDocuments):
    """The user-defined roles of one engine (``admin.system.roles``)."""

    collection_name = "system.roles"

    def get(self, role: str, db: str) -> dict[str, Any] | None:
        return self.document(f"{db}.{role}")

    def in_database(self, db: str) -> list[dict[str, Any]]:
        """Every user-defined role of ``db``, in name order."""
        return [doc for doc in self.all_documents() if doc.get("db") == db]


#: ``roles_of(server)``: the role store of an engine server (created on first use).
roles_of: PerServer[RoleStore] = PerServer(RoleStore, with_server=True)


def role_exists(store: RoleStore, role: str, db: str) -> bool:
    return builtin_role_exists(role, db) or store.get(role, db) is not None


def resolve_roles(store: RoleStore, roles: Iterable[RoleName]
                  ) -> tuple[list[RoleName], list[Privilege]]:
    """The roles ``roles`` hold, directly or not (``roles`` themselves not included
    unless some role holds them), and every privilege they all grant, merged by
    resource."""
    inherited: dict[RoleName, None] = {}
    privileges: list[Privilege] = []
    frontier = list(dict.fromkeys(roles))
    visited: set[RoleName] = set()
    while frontier:
        next_frontier: list[RoleName] = []
        for role in frontier:
            visited.add(role)
            if builtin_role_exists(*role):
                privileges += privileges_of_role(*role)
                continue
            doc = store.get(*role)
            if doc is None:
                continue
            for sub_role in role_names(doc.get("roles")):
                if sub_role in visited or sub_role in next_frontier:
                    continue
                next_frontier.append(sub_role)
                inherited[sub_role] = None
            privileges += role_document_privileges(doc)
        frontier = next_frontier
    return list(inherited), merge_privileges(privileges)
