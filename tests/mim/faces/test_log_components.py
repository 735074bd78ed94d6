"""``logLevel`` / ``logComponentVerbosity`` server parameters on both faces: what
mongosh's ``db.setLogLevel(level, component)`` (``setParameter`` with a nested
``{<component>: {verbosity}}``) and ``db.getLogComponents()`` (``getParameter``)
run.  Shape and messages from mongod 7.0's ``getLogComponentVerbosity`` and
``parseLogComponentSettings`` (components from ``logv2/log_component.h``)."""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure

#: every component back to its start-up level (default 0, the others -1: inherit)
DEFAULTS = {"verbosity": 0, "query": -1, "storage": {"verbosity": -1, "journal": -1}}


@pytest.fixture(autouse=True)
def restored(client):
    """Server parameters outlive the wire server's engine reset: put the levels back."""
    yield
    client.admin.command("setParameter", 1, logComponentVerbosity=DEFAULTS)


def _components(client) -> dict:
    return client.admin.command("getParameter", 1,
                                logComponentVerbosity=1)["logComponentVerbosity"]


def test_default_verbosity_document(client):
    shown = _components(client)
    assert all(value == {"verbosity": -1} or isinstance(value, dict)
               for key, value in shown.items() if key != "verbosity")
    assert shown["verbosity"] == 0
    assert shown["accessControl"] == {"verbosity": -1}
    assert shown["network"] == {"verbosity": -1, "asio": {"verbosity": -1},
                                "bridge": {"verbosity": -1},
                                "connectionPool": {"verbosity": -1}}
    assert list(shown["replication"]) == ["verbosity", "election", "heartbeats",
                                          "initialSync", "rollback"]
    assert shown["storage"]["wt"]["wtCheckpoint"] == {"verbosity": -1}


def test_set_log_level_of_a_component_reports_the_old_document(client):
    before = _components(client)
    reply = client.admin.command("setParameter", 1,
                                 logComponentVerbosity={"storage": {"journal": {"verbosity": 2}}})
    assert reply["was"] == before
    shown = _components(client)
    assert shown["storage"]["journal"] == {"verbosity": 2}
    assert shown["storage"]["verbosity"] == -1
    client.admin.command("setParameter", 1, logComponentVerbosity={"verbosity": 1,
                                                                    "query": 3})
    shown = _components(client)
    assert (shown["verbosity"], shown["query"]["verbosity"]) == (1, 3)
    assert client.admin.command("getParameter", 1, logLevel=1)["logLevel"] == 1


def test_log_level_parameter(client):
    client.admin.command("setParameter", 1, logLevel=0)
    assert client.admin.command("setParameter", 1, logLevel=2)["was"] == 0
    assert client.admin.command("getParameter", 1, logLevel=1)["logLevel"] == 2
    assert _components(client)["verbosity"] == 2
    assert "logComponentVerbosity" in client.admin.command("getParameter", "*")


@pytest.mark.parametrize("settings, message", [
    ({"foo": 1}, "Invalid component name default.foo"),
    ({"storage": {"foo": {"verbosity": 1}}}, "Invalid component name storage.foo"),
    ({"journal": 1}, "Invalid component name default.journal"),
    ({"verbosity": -2},
     "Expected default.verbosity to be greater than or equal to -1, but found -2"),
    ({"storage": {"verbosity": "x"}}, "Expected storage.verbosity to be safely cast to "
                                      "integer, but could not: Unable to coerce value to "
                                      "integral type"),
    ({"storage": "s"}, "Invalid type stringfor component default.storage"),
])
def test_bad_settings_change_nothing(client, settings, message):
    before = _components(client)
    with pytest.raises(OperationFailure) as raised:
        client.admin.command("setParameter", 1,
                             logComponentVerbosity={"query": 5, **settings})
    assert raised.value.code == 2
    assert raised.value.details["errmsg"] == message
    assert _components(client) == before
