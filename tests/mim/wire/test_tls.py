"""TLS on the wire: ``--tlsCertificateKeyFile`` (every connection must speak TLS)
and ``--tlsCAFile`` (clients must present a certificate signed by that CA),
with self-signed certificates made by the ``openssl`` command for each run."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import warnings

import pymongo
import pytest
from pymongo.errors import ServerSelectionTimeoutError

import mim

from .helpers import op_msg

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None,
                                reason="needs the openssl command to make certificates")


def _self_signed(directory, name: str) -> tuple[str, str]:
    """(PEM with certificate and key, PEM with the certificate alone) for 127.0.0.1."""
    key, cert = directory / f"{name}.key", directory / f"{name}.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", f"/CN={name}", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    both = directory / f"{name}.pem"
    both.write_text(cert.read_text() + key.read_text())
    return str(both), str(cert)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tls")
    return {"server": _self_signed(directory, "server"),
            "client": _self_signed(directory, "client")}


def test_pymongo_over_tls(certificates):
    server_pem, server_cert = certificates["server"]
    with mim.serve(port=0, tls_certificate_key_file=server_pem) as server:
        assert server.uri.endswith("&tls=true")
        client = pymongo.MongoClient(server.uri, tlsCAFile=server_cert,
                                     serverSelectionTimeoutMS=5000)
        try:
            client.secure.things.insert_one({"_id": 1, "secret": "x"})
            assert client.secure.things.find_one() == {"_id": 1, "secret": "x"}
        finally:
            client.close()


def test_plain_connections_are_refused(certificates):
    server_pem, _ = certificates["server"]
    with mim.serve(port=0, tls_certificate_key_file=server_pem) as server:
        sock = socket.create_connection((server.host, server.port), timeout=5)
        try:
            sock.sendall(op_msg({"ping": 1, "$db": "admin"}))
            received = b""
            try:
                while chunk := sock.recv(4096):
                    received += chunk
            except ConnectionResetError:  # closed with data unread: a reset, also an end
                pass
            # no reply: the connection ends, at most after a TLS alert record (type 21)
            assert received == b"" or received[0] == 21
        finally:
            sock.close()
        plain = pymongo.MongoClient(f"mongodb://127.0.0.1:{server.port}/?directConnection=true",
                                    serverSelectionTimeoutMS=1000)
        with pytest.raises(ServerSelectionTimeoutError):
            plain.admin.command("ping")
        plain.close()


def test_client_that_does_not_trust_the_certificate_fails(certificates):
    server_pem, _ = certificates["server"]
    _, other_cert = certificates["client"]
    with mim.serve(port=0, tls_certificate_key_file=server_pem) as server:
        client = pymongo.MongoClient(server.uri, tlsCAFile=other_cert,
                                     serverSelectionTimeoutMS=1000)
        with pytest.raises(ServerSelectionTimeoutError, match="CERTIFICATE_VERIFY_FAILED"):
            client.admin.command("ping")
        client.close()


def test_ca_file_requires_client_certificates(certificates):
    server_pem, server_cert = certificates["server"]
    client_pem, client_cert = certificates["client"]
    with mim.serve(port=0, tls_certificate_key_file=server_pem, tls_ca_file=client_cert) \
            as server:
        with_cert = pymongo.MongoClient(server.uri, tlsCAFile=server_cert,
                                        tlsCertificateKeyFile=client_pem,
                                        serverSelectionTimeoutMS=5000)
        assert with_cert.admin.command("ping")["ok"] == 1.0
        with_cert.close()
        without = pymongo.MongoClient(server.uri, tlsCAFile=server_cert,
                                      serverSelectionTimeoutMS=1000)
        with pytest.raises(ServerSelectionTimeoutError):
            without.admin.command("ping")
        without.close()


def test_tls_with_auth_and_compression(certificates):
    server_pem, server_cert = certificates["server"]
    with mim.serve(port=0, auth=True, tls_certificate_key_file=server_pem) as server:
        first = pymongo.MongoClient(server.uri, tlsCAFile=server_cert,
                                    serverSelectionTimeoutMS=5000)
        first.admin.command("createUser", "admin", pwd="pw", roles=["root"])
        first.close()
        client = pymongo.MongoClient(
            f"mongodb://admin:pw@127.0.0.1:{server.port}/?authSource=admin&tls=true"
            f"&directConnection=true", tlsCAFile=server_cert, compressors="zlib",
            serverSelectionTimeoutMS=5000)
        try:
            client.app.c.insert_one({"x": 1})
            assert client.app.c.count_documents({}) == 1
        finally:
            client.close()
        assert server.compression_counts[("zlib", "in")] >= 1


def test_a_ca_file_without_a_certificate_is_refused():
    with pytest.raises(ValueError):
        mim.serve(port=0, tls_ca_file="ca.pem")


def test_minimum_protocol_is_tls_1_2(certificates):
    server_pem, server_cert = certificates["server"]
    with mim.serve(port=0, tls_certificate_key_file=server_pem) as server:
        context = ssl.create_default_context(cafile=server_cert)
        with warnings.catch_warnings():  # TLS 1.0/1.1 are deprecated: that is the point
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = ssl.TLSVersion.TLSv1
            context.maximum_version = ssl.TLSVersion.TLSv1_1
        with socket.create_connection((server.host, server.port), timeout=5) as raw:
            with pytest.raises(ssl.SSLError):
                context.wrap_socket(raw, server_hostname="127.0.0.1")
