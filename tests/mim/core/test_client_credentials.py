"""An in-process client given credentials authenticates, as pymongo's first connection does.

A mongod checks the credentials a driver presents even when access control is
off: pymongo authenticates each new connection with SCRAM (``DEFAULT``: SCRAM-SHA-256
when the user's ``saslSupportedMechs`` has it, else SCRAM-SHA-1), and an unknown user
or a wrong password fails the operation that needed the connection with
``OperationFailure`` code 18, AuthenticationFailed, "Authentication failed.".  A
mechanism the server does not enable (PLAIN is Enterprise-only) is refused with 334,
MechanismUnavailable.  MongoEngine's own suite relies on this
(``test_uri_without_credentials_doesnt_override_conn_settings``,
``test_connect_uri_with_authsource``).
"""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure

import mim


@pytest.fixture
def server():
    server = mim.Server()
    admin = mim.MongoClient(server=server).admin
    admin.command("createUser", "alice", pwd="secret", roles=["root"])
    admin.command("createUser", "old", pwd="pw", roles=["root"], mechanisms=["SCRAM-SHA-1"])
    return server


@pytest.mark.parametrize("kwargs", [
    {"username": "alice", "password": "secret"},
    {"username": "alice", "password": "secret", "authMechanism": "SCRAM-SHA-1"},
    {"username": "alice", "password": "secret", "authMechanism": "SCRAM-SHA-256"},
    {"username": "old", "password": "pw"},
])
def test_the_right_password_authenticates(server, kwargs):
    client = mim.MongoClient(server=server, **kwargs)
    client.db.c.insert_one({"_id": 1})
    assert client.db.c.find_one() == {"_id": 1}


def test_credentials_in_the_uri_authenticate_against_auth_source(server):
    client = mim.MongoClient("mongodb://alice:secret@localhost/shop?authSource=admin",
                             server=server)
    assert client.shop.list_collection_names() == []
    # without authSource the URI's database is the source, where alice does not exist
    wrong_source = mim.MongoClient("mongodb://alice:secret@localhost/shop", server=server)
    with pytest.raises(OperationFailure) as info:
        wrong_source.shop.list_collection_names()
    assert (info.value.code, info.value.details["codeName"]) == (18, "AuthenticationFailed")


@pytest.mark.parametrize("username, password", [("alice", "wrong"), ("nobody", "secret")])
def test_a_wrong_password_or_unknown_user_fails_the_first_operation(server, username,
                                                                    password):
    client = mim.MongoClient(server=server, username=username, password=password)
    with pytest.raises(OperationFailure) as info:
        client.db.c.insert_one({"_id": 1})
    assert info.value.code == 18
    assert info.value.details == {"ok": 0.0, "errmsg": "Authentication failed.", "code": 18,
                                  "codeName": "AuthenticationFailed"}
    assert mim.MongoClient(server=server).db.c.count_documents({}) == 0


def test_credentials_are_checked_even_with_no_user_at_all():
    client = mim.MongoClient(server=mim.Server(), username="user", password="pass")
    with pytest.raises(OperationFailure, match="Authentication failed."):
        client.db.list_collection_names()


def test_a_mechanism_the_server_does_not_enable_is_refused(server):
    client = mim.MongoClient(server=server, username="alice", password="secret",
                             authMechanism="PLAIN")
    with pytest.raises(OperationFailure) as info:
        client.db.c.find_one()
    assert (info.value.code, str(info.value.details["errmsg"])) == (
        334, "Received authentication for mechanism PLAIN which is not enabled")
