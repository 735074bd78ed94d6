"""Diagnostic fields on both faces, only those with a true value for mim: ``buildInfo``
as mongod 7.0's ``VersionInfoInterface::appendBuildInfo`` lays it out (no tcmalloc, no
JavaScript engine), ``getParameter`` of ``authenticationMechanisms`` and
``cursorTimeoutMillis``, ``serverStatus().extra_info`` and ``hostInfo().extra``."""

from __future__ import annotations

import os
import platform

from bson.int64 import Int64


def test_build_info_fields_in_the_server_order(client):
    info = client.admin.command("buildInfo")
    assert [key for key in info if not key.startswith("$") and key != "operationTime"] == [
        "version", "gitVersion", "modules", "allocator", "javascriptEngine", "sysInfo",
        "versionArray", "buildEnvironment", "bits", "debug", "maxBsonObjectSize",
        "storageEngines", "ok"]
    assert info["sysInfo"] == "deprecated"
    assert info["allocator"] == "system"
    assert info["buildEnvironment"]["distarch"] == platform.machine()


def test_authentication_mechanisms_parameter(client):
    admin = client.admin
    reply = admin.command("getParameter", 1, authenticationMechanisms=1)
    assert reply["authenticationMechanisms"] == ["SCRAM-SHA-1", "SCRAM-SHA-256"]
    assert "authenticationMechanisms" in admin.command("getParameter", "*")


def test_cursor_timeout_millis_parameter(client):
    """An idle cursor lives ten minutes (mongod's default ``cursorTimeoutMillis``)."""
    reply = client.admin.command("getParameter", 1, cursorTimeoutMillis=1)
    assert reply["cursorTimeoutMillis"] == 600000
    assert isinstance(reply["cursorTimeoutMillis"], Int64)


def test_server_status_extra_info_is_the_process_rusage(client):
    """``serverStatus().extra_info`` on Linux: mongod's note and getrusage figures
    (NumberLong), the CPU times growing as the process works."""
    admin = client.admin
    first = admin.command("serverStatus")["extra_info"]
    assert list(first) == ["note", "user_time_us", "system_time_us", "maximum_resident_set_kb",
                           "input_blocks", "output_blocks", "page_reclaims", "page_faults",
                           "voluntary_context_switches", "involuntary_context_switches"]
    assert first["note"] == "fields vary by platform"
    assert all(isinstance(value, Int64) for key, value in first.items() if key != "note")
    sum(i * i for i in range(200_000))  # some CPU time
    second = admin.command("serverStatus")["extra_info"]
    assert second["user_time_us"] + second["system_time_us"] > \
        first["user_time_us"] + first["system_time_us"]


def test_host_info_extra_on_linux(client):
    """``hostInfo().extra`` on Linux: ``/proc/version``'s line, the glibc version, the
    kernel release, ``/proc/cpuinfo``'s ``cpu MHz`` and ``flags``, the page size (a
    long) and count, and the open-file limit (``collectSystemInfo``)."""
    extra = client.admin.command("hostInfo")["extra"]
    with open("/proc/version") as handle:
        assert extra["versionString"] == handle.readline().rstrip("\n")
    assert extra["kernelVersion"] == platform.release()
    assert extra["libcVersion"] == platform.libc_ver()[1]
    assert extra["pageSize"] == os.sysconf("SC_PAGE_SIZE")
    assert isinstance(extra["pageSize"], Int64)
    assert extra["numPages"] == os.sysconf("SC_PHYS_PAGES")
    assert extra["maxOpenFiles"] == os.sysconf("SC_OPEN_MAX")
