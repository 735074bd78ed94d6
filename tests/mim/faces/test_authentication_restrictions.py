"""``authenticationRestrictions`` on users and roles, on both faces, as mongod 7.0.

From the server's source: ``createUser`` stores them when the array is not
empty and checks them with ``V2UserDocumentParser::checkValidUserDocument``
(``parseAuthenticationRestriction``: a set with neither ``clientSource`` nor
``serverAddress`` is 26 "At least one of 'clientSource' or 'serverAddress' must
be set"; anything wrong inside a set, e.g. ``CIDR``'s "Invalid IP address in CIDR
string" / "Invalid length in CIDR string", is 2 BadValue); the IDL refuses a
non-array (14) or a non-object element (14).  ``updateUser``/``updateRole`` unset
them with an empty array.  A user authenticates only when its own restrictions
and its roles' are met by the connection (``User::validateRestrictions``);
otherwise the authentication fails (18, "Authentication failed.").  The
in-process face counts as a loopback connection (client and server 127.0.0.1).
"""

from __future__ import annotations

import pymongo
import pytest
from pymongo.errors import OperationFailure

import mim

PASSWORD = "pw-secret"


def _login(client, engine, wire_server, user: str, db: str = "facetest"):
    """A new client authenticated as ``user`` on the same face as ``client`` (the
    authentication happens on its first command): the users it is authenticated
    as (the in-process face, trusted, remembers none: its first command passing
    is the authentication passing)."""
    if isinstance(client, pymongo.MongoClient):
        other = pymongo.MongoClient(wire_server.uri, username=user, password=PASSWORD,
                                    authSource=db, serverSelectionTimeoutMS=5000)
    else:
        other = mim.MongoClient(server=engine, username=user, password=PASSWORD,
                                authSource=db)
    try:
        users = other[db].command("connectionStatus")["authInfo"]["authenticatedUsers"]
        return users if isinstance(client, pymongo.MongoClient) else [{"user": user, "db": db}]
    finally:
        other.close()


@pytest.fixture
def login(request, client, engine):
    wire = request.getfixturevalue("wire_server") \
        if isinstance(client, pymongo.MongoClient) else None
    return lambda user, db="facetest": _login(client, engine, wire, user, db)


def test_a_user_allowed_from_loopback_authenticates(db, login):
    db.command("createUser", "near", pwd=PASSWORD, roles=[],
               authenticationRestrictions=[{"clientSource": ["127.0.0.1/8"],
                                            "serverAddress": ["127.0.0.1"]}])
    assert login("near") == [{"user": "near", "db": "facetest"}]


def test_a_user_restricted_elsewhere_fails_to_authenticate(db, login):
    db.command("createUser", "far", pwd=PASSWORD, roles=[],
               authenticationRestrictions=[{"clientSource": ["10.0.0.0/8"]}])
    with pytest.raises(OperationFailure) as failure:
        login("far")
    assert failure.value.code == 18 and "Authentication failed." in str(failure.value)


def test_any_restriction_set_of_the_array_suffices(db, login):
    db.command("createUser", "either", pwd=PASSWORD, roles=[],
               authenticationRestrictions=[{"clientSource": ["10.0.0.0/8"]},
                                           {"serverAddress": ["127.0.0.0/8", "::1"]}])
    assert login("either") == [{"user": "either", "db": "facetest"}]


def test_a_roles_restrictions_bind_its_users_too(db, login):
    db.command("createRole", "remote", privileges=[], roles=[],
               authenticationRestrictions=[{"clientSource": ["192.168.0.0/16"]}])
    db.command("createUser", "member", pwd=PASSWORD, roles=["remote"])
    with pytest.raises(OperationFailure) as failure:
        login("member")
    assert failure.value.code == 18
    db.command("updateRole", "remote", authenticationRestrictions=[])  # unset
    assert login("member") == [{"user": "member", "db": "facetest"}]


def test_update_user_sets_and_unsets_them(db, login):
    db.command("createUser", "moved", pwd=PASSWORD, roles=[])
    db.command("updateUser", "moved",
               authenticationRestrictions=[{"clientSource": ["10.1.2.3"]}])
    with pytest.raises(OperationFailure):
        login("moved")
    shown = db.command("usersInfo", "moved", showAuthenticationRestrictions=True)["users"][0]
    assert shown["authenticationRestrictions"] == [{"clientSource": ["10.1.2.3"]}]
    db.command("updateUser", "moved", authenticationRestrictions=[])
    assert login("moved") == [{"user": "moved", "db": "facetest"}]
    shown = db.command("usersInfo", "moved", showAuthenticationRestrictions=True)["users"][0]
    assert shown["authenticationRestrictions"] == []


def test_users_info_and_roles_info_show_them(db):
    db.command("createRole", "office", privileges=[], roles=[],
               authenticationRestrictions=[{"clientSource": ["10.1.0.0/16"]}])
    db.command("createUser", "clerk", pwd=PASSWORD, roles=["office"],
               authenticationRestrictions=[{"serverAddress": ["127.0.0.1"]}])
    user = db.command("usersInfo", "clerk", showPrivileges=True,
                      showAuthenticationRestrictions=True)["users"][0]
    assert user["authenticationRestrictions"] == [{"serverAddress": ["127.0.0.1"]}]
    # the roles' restrictions, as the server writes a parsed range back (address/length)
    assert user["inheritedAuthenticationRestrictions"] == [[{"clientSource": ["10.1.0.0/16"]}]]
    role = db.command("rolesInfo", "office", showAuthenticationRestrictions=True)["roles"][0]
    assert role["authenticationRestrictions"] == [{"clientSource": ["10.1.0.0/16"]}]
    assert role["inheritedAuthenticationRestrictions"] == [[{"clientSource": ["10.1.0.0/16"]}]]


@pytest.mark.parametrize("restrictions, code, message", [
    ("10.0.0.0/8", 14, "BSON field 'createUser.authenticationRestrictions' is the wrong type "
                       "'string', expected type 'array'"),
    ([5], 14, "BSON field 'createUser.authenticationRestrictions.0' is the wrong type 'int', "
              "expected type 'object'"),
    ([{}], 26, "At least one of 'clientSource' or 'serverAddress' must be set"),
    ([{"clientSource": ["300.1.1.1"]}], 2, "Invalid IP address in CIDR string"),
    ([{"clientSource": ["10.0.0.0/33"]}], 2, "Invalid length in CIDR string"),
    ([{"clientSource": ["10.0.0.0/x"]}], 2, "Non-numeric length in CIDR string"),
    ([{"clientSource": "10.0.0.0/8"}], 2, "BSON field 'address restriction.clientSource' is "
                                          "the wrong type 'string', expected type 'array'"),
    ([{"clientSource": ["10.0.0.0/8"], "port": 1}], 2,
     "BSON field 'address restriction.port' is an unknown field."),
])
def test_create_user_refuses_bad_restrictions(db, restrictions, code, message):
    with pytest.raises(OperationFailure) as failure:
        db.command("createUser", "bad", pwd=PASSWORD, roles=[],
                   authenticationRestrictions=restrictions)
    assert failure.value.code == code
    assert failure.value.details["errmsg"] == message
    assert db.command("usersInfo", "bad")["users"] == []


def test_an_empty_array_stores_none(db):
    db.command("createUser", "plain", pwd=PASSWORD, roles=[], authenticationRestrictions=[])
    stored = db.client.admin["system.users"].find_one({"_id": "facetest.plain"})
    assert "authenticationRestrictions" not in stored
