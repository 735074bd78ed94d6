"""``mim serve``'s access-control, compression and TLS flags, end to end."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pymongo
import pytest
from pymongo.errors import OperationFailure

from mim.wire.cli import build_parser

ROOT = Path(__file__).resolve().parents[3]


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def test_flag_defaults():
    args = build_parser().parse_args(["serve"])
    assert (args.auth, args.networkMessageCompressors, args.tlsCertificateKeyFile,
            args.logpath, args.quiet, args.verbose) == (False, None, None, None, False, 0)
    assert build_parser().parse_args(["serve", "-vvv"]).verbose == 3
    assert build_parser().parse_args(
        ["serve", "--networkMessageCompressors", "disabled"]).networkMessageCompressors == []


def test_unknown_compressor_is_a_usage_error():
    result = subprocess.run([sys.executable, "-m", "mim", "serve", "--port", "0",
                             "--networkMessageCompressors", "zlib,lz4"], capture_output=True,
                            text=True, env=_env(), cwd=ROOT, timeout=60)
    assert result.returncode == 2
    assert "unavailable compressor(s) lz4" in result.stderr


def test_unreadable_certificate_refuses_to_start(tmp_path):
    result = subprocess.run([sys.executable, "-m", "mim", "serve", "--port", "0",
                             "--tlsCertificateKeyFile", str(tmp_path / "missing.pem")],
                            capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=60)
    assert result.returncode == 1
    assert "cannot start" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl for a certificate")
def test_auth_tls_and_compression_from_the_command_line(tmp_path):
    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=mim", "-addext",
                    "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    both = tmp_path / "server.pem"
    both.write_text(cert.read_text() + key.read_text())
    proc = subprocess.Popen([sys.executable, "-m", "mim", "serve", "--port", "0", "--auth",
                             "--networkMessageCompressors", "zlib", "--tlsCertificateKeyFile",
                             str(both), "--logpath", str(tmp_path / "log")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env(), cwd=ROOT)
    try:
        uri = re.search(r"mongodb://\S+", proc.stdout.readline()).group(0)
        assert uri.endswith("tls=true")
        port = int(re.search(r":(\d+)/", uri).group(1))
        first = pymongo.MongoClient(uri, tlsCAFile=str(cert), serverSelectionTimeoutMS=5000)
        with pytest.raises(OperationFailure) as info:
            first.test.c.insert_one({})  # the localhost exception gives only createUser
        assert info.value.code == 13
        first.admin.command("createUser", "admin", pwd="pw", roles=["root"])
        first.close()
        admin = pymongo.MongoClient(
            f"mongodb://admin:pw@127.0.0.1:{port}/?authSource=admin&tls=true"
            f"&directConnection=true", tlsCAFile=str(cert), compressors="zlib",
            serverSelectionTimeoutMS=5000)
        admin.test.c.insert_one({"x": 1})
        assert admin.test.c.find_one({}, {"_id": 0}) == {"x": 1}
        admin.close()
        proc.terminate()
        assert proc.wait(60) == 0  # generous: a loaded 2-core CI machine
    finally:
        if proc.poll() is None:
            proc.kill()
    entries = [json.loads(line) for line in (tmp_path / "log").read_text().splitlines()]
    options = next(e for e in entries if e["id"] == 21951)["attr"]["options"]
    assert options["net"]["compression"] == {"compressors": "zlib"}
    assert options["net"]["tls"]["mode"] == "requireTLS"
    assert any(e["id"] == 20250 for e in entries)  # the authentication
