"""Authentication restrictions: where a user may authenticate from
(``authenticationRestrictions`` of a user or a role: ``clientSource`` and
``serverAddress`` lists of IP addresses / CIDR ranges).

As mongod (``src/mongo/db/auth/restriction*.h``, ``address_restriction.cpp``,
``src/mongo/util/net/cidr.cpp``): a restriction *document* (one array) is met
when any of its restriction sets is; a set when each of its parts is; a part
when the connection's address (the client's for ``clientSource``, the one the
server accepted the connection on for ``serverAddress``) lies in one of its
ranges.  A user authenticates only when its own document and every one of its
roles' (direct or inherited) documents are met; otherwise the authentication
fails as any other (18, "Authentication failed.").
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from ...values.errors import ServerError
from ...values.idl import typed_array
from .role_store import RoleName, RoleStore, resolve_roles

__all__ = ["Cidr", "check_restriction_array", "parse_restriction_document", "restrictions_met",
           "canonical_restrictions", "restriction_documents", "inherited_restrictions",
           "LOCAL_ADDRESS"]

#: the in-process faces' address, as both ends of a loopback connection
LOCAL_ADDRESS = "127.0.0.1"

_PARTS = ("clientSource", "serverAddress")


class Cidr:
    """``CIDR``: an address and a prefix length (the address's full length when
    none is written)."""

    __slots__ = ("address", "length")

    def __init__(self, text: str) -> None:
        ip, slash, length = text.partition("/")
        try:
            self.address = ipaddress.ip_address(ip)
        except ValueError:
            raise ServerError(12, "Invalid IP address in CIDR string") from None
        bits = self.address.max_prefixlen
        self.length = bits
        if not slash:
            return
        if not length or not (length.isdigit() or length[0] in "+-" and length[1:].isdigit()):
            # strict_stoi: std::stoi's invalid_argument, or characters left over
            raise ServerError(12, "Non-numeric length in CIDR string")
        value = int(length)
        if not 0 <= value <= bits:
            raise ServerError(12, "Invalid length in CIDR string")
        self.length = value

    def __str__(self) -> str:
        return f"{self.address}/{self.length}"

    def contains(self, address: Any) -> bool:
        """Whether ``address`` (an ``ipaddress`` address) is in the range."""
        if address.version != self.address.version:
            return False
        shift = self.address.max_prefixlen - self.length
        return int(address) >> shift == int(self.address) >> shift


def _idl_check(document: Mapping) -> None:
    """``Address_restriction::parse``: known fields, each an array of strings."""
    for key, value in document.items():
        if key not in _PARTS:
            raise ServerError(40415, f"BSON field 'address restriction.{key}' is an unknown "
                                     f"field.")
        typed_array(value, f"address restriction.{key}", str, "string")


def parse_restriction_document(restrictions: list) -> list[dict[str, list[Cidr]]]:
    """``parseAuthenticationRestriction``: the restriction sets of one array, their
    ranges parsed.  Errors as the server reports them: a sub-document that is not
    an object 12, anything wrong inside one 2 (BadValue, with the reason), a set
    with neither part 26."""
    parsed = []
    for entry in restrictions:
        if not isinstance(entry, Mapping):
            raise ServerError(12, "restriction array sub-documents must be address "
                                  "restriction objects")
        try:
            _idl_check(entry)
            restriction = {part: [Cidr(text) for text in entry[part]]
                           for part in _PARTS if part in entry}
        except ServerError as exc:  # parseAddressRestrictionSet: catch (DBException) -> BadValue
            raise ServerError(2, exc.errmsg) from None
        if not restriction:
            raise ServerError(26, "At least one of 'clientSource' or 'serverAddress' must be "
                                  "set")
        parsed.append(restriction)
    return parsed


def check_restriction_array(cmd: Mapping, name: str) -> list[dict] | None:
    """A command's ``authenticationRestrictions`` as its IDL takes it (an array of
    objects), copied; None when the command has none."""
    if "authenticationRestrictions" not in cmd:
        return None
    value = cmd["authenticationRestrictions"]
    typed_array(value, f"{name}.authenticationRestrictions", Mapping, "object")
    return [dict(entry) for entry in value]


def _address(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return ipaddress.ip_address(text.partition("%")[0])
    except ValueError:
        return None  # not an IP address (a UNIX socket): no range holds it


def restrictions_met(documents: list[list], client: str | None, server: str | None) -> bool:
    """Whether a connection from ``client`` to ``server`` meets every restriction
    document of ``documents`` (an unparsable one is never met: the user cannot
    be loaded)."""
    addresses = {"clientSource": _address(client), "serverAddress": _address(server)}
    for document in documents:
        try:
            sets = parse_restriction_document(document)
        except ServerError:
            return False
        if sets and not any(all(address is not None and
                                any(r.contains(address) for r in ranges)
                                for address, ranges in ((addresses[part], ranges)
                                                        for part, ranges in rs.items()))
                                for rs in sets):
            return False
    return True


def canonical_restrictions(document: list) -> list[dict[str, list[str]]]:
    """A restriction document as the server writes back a parsed one
    (``inheritedAuthenticationRestrictions``): each range as ``address/length``."""
    try:
        sets = parse_restriction_document(document)
    except ServerError:
        return []
    return [{part: [str(r) for r in ranges] for part, ranges in rs.items()} for rs in sets]


def restriction_documents(store: RoleStore, roles: list[RoleName],
                          own: list | None = None) -> list[list]:
    """The restriction documents of a user or role: ``own`` (when it has any),
    then those of the roles ``roles`` hold, directly or not."""
    inherited, _privileges = resolve_roles(store, roles)
    documents = [own] if own else []
    for role in dict.fromkeys([*roles, *inherited]):
        stored = store.get(*role)
        if stored is not None and stored.get("authenticationRestrictions"):
            documents.append(stored["authenticationRestrictions"])
    return documents


def inherited_restrictions(store: RoleStore, roles: list[RoleName],
                           own: list | None = None) -> list[list[dict]]:
    """``inheritedAuthenticationRestrictions``: :func:`restriction_documents`, each
    as the server writes a parsed document back."""
    return [canonical_restrictions(document)
            for document in restriction_documents(store, roles, own)]
