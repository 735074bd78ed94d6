"""``buildInfo`` fields as mongod 7.0's ``VersionInfoInterface::appendBuildInfo`` lays
them out (only those with a true value for mim: no tcmalloc, no JavaScript engine),
and ``getParameter`` of ``authenticationMechanisms`` (the SCRAM mechanisms served)."""

from __future__ import annotations

import platform

import mim


def test_build_info_fields_in_the_server_order():
    info = mim.MongoClient(server=mim.Server()).admin.command("buildInfo")
    assert list(info) == ["version", "gitVersion", "modules", "allocator", "javascriptEngine",
                          "sysInfo", "versionArray", "buildEnvironment", "bits", "debug",
                          "maxBsonObjectSize", "storageEngines", "ok"]
    assert info["sysInfo"] == "deprecated"
    assert info["allocator"] == "system"
    assert info["buildEnvironment"]["distarch"] == platform.machine()


def test_authentication_mechanisms_parameter():
    admin = mim.MongoClient(server=mim.Server()).admin
    reply = admin.command("getParameter", 1, authenticationMechanisms=1)
    assert reply["authenticationMechanisms"] == ["SCRAM-SHA-1", "SCRAM-SHA-256"]
    assert "authenticationMechanisms" in admin.command("getParameter", "*")
