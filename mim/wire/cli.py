"""``mim serve``: run the wire server from the command line.

    python -m mim serve [--host 127.0.0.1] [--port 27017] [--maxConns 1000] [--auth]
                        [--networkMessageCompressors zstd,zlib,snappy]
                        [--tlsCertificateKeyFile PEM [--tlsCAFile PEM]]
                        [--logpath FILE [--logappend]] [--quiet] [-v…]
                        [--dbpath DIR [--journalCommitInterval MS]]
                        [--dump-on-exit PATH] [--restore PATH] [--debug]
    python -m mim compact --dbpath DIR

With ``--dbpath`` the data lives in DIR and survives restarts (and crashes):
a snapshot plus a journal, ``fsync``-ed before each reply unless
``--journalCommitInterval`` asks for a group commit every N ms (see
:mod:`mim.engine.ops.durable`).  ``mim compact`` folds DIR's journal into a new
snapshot while no server has it open.

Binds 127.0.0.1 unless ``--host`` says otherwise (``--host 0.0.0.0`` to
listen on every interface; without ``--auth`` that is warned about).  The
one-node replica set names its member as ``rs.initiate()`` would: by the host
name given (``--host localhost``: ``localhost:27017``, as a default mongod), or
by the address a client reached when ``--host`` is an address.  SIGINT
(Ctrl+C) and SIGTERM stop it cleanly: connections are closed, running commands
finish, and with ``--dump-on-exit`` the data is written in mongodump's layout
(see :mod:`mim.wire.dump`).

The server logs in mongod's structured JSON format (one object per line) to
stdout, or to ``--logpath``; ``getLog`` returns the same lines.  ``--debug``
additionally prints mim's own diagnostic log (Python ``logging``) to stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from typing import Any, TextIO

import pymongo
from pymongo.errors import PyMongoError
from pymongo.uri_parser import parse_uri

from .. import __version__, tools
from ..engine.commands import BUILD_INFO
from ..engine.ops.command_line import command_line_of
from ..engine.ops.durable import CorruptDataFile, DataDirectoryLocked
from ..engine.storage.log import log_of
from ..engine.storage.store import Server
from . import compression
from .dump import DumpError, check_dump_target, dump, restore
from .server import DEFAULT_MAX_CONNECTIONS, WireServer

__all__ = ["main", "build_parser"]

log = logging.getLogger("mim.wire")


def _compressor_list(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if names == ["disabled"]:
        return []
    unknown = [name for name in names if name not in compression.available()]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unavailable compressor(s) {', '.join(unknown)} (this installation has: "
            f"{', '.join(compression.available())}; zstd and snappy come with "
            f"'pip install mim-odm[compression]')")
    return names


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mim", description="mim: an in-memory MongoDB in pure Python.")
    parser.add_argument("--version", action="version", version=f"mim {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    serve = commands.add_parser(
        "serve", help="run a MongoDB wire-protocol server (any driver can connect)",
        description="Run a MongoDB-compatible server (wire protocol, MongoDB 7.0 semantics) "
                    "holding its data in memory.")
    serve.add_argument("--host", "--bind_ip", default="127.0.0.1",
                       help="address or host name to bind (default 127.0.0.1; 0.0.0.0 for all "
                            "interfaces); a host name (localhost) names the replica-set "
                            "member, as rs.initiate() does")
    serve.add_argument("--port", type=int, default=27017,
                       help="port to listen on (default 27017; 0 picks a free one)")
    serve.add_argument("--maxConns", dest="max_conns", type=_positive_int,
                       default=DEFAULT_MAX_CONNECTIONS, metavar="N",
                       help=f"most connections open at once (default "
                            f"{DEFAULT_MAX_CONNECTIONS}); one more is closed at once, as "
                            f"mongod does")
    serve.add_argument("--auth", action="store_true",
                       help="access control: clients must authenticate (SCRAM-SHA-1/256) and "
                            "are limited to their roles; with no user yet, a loopback "
                            "connection may create the first one in 'admin'")
    serve.add_argument("--networkMessageCompressors", type=_compressor_list,
                       metavar="LIST", default=None,
                       help="compressors the handshake may negotiate, comma-separated "
                            f"(default: every one installed: {','.join(compression.available())}"
                            "; 'disabled' for none)")
    serve.add_argument("--tlsCertificateKeyFile", metavar="PEM",
                       help="serve TLS only, with this certificate and private key (one PEM)")
    serve.add_argument("--tlsCAFile", metavar="PEM",
                       help="require client certificates signed by this CA")
    serve.add_argument("--tlsAllowConnectionsWithoutCertificates", action="store_true",
                       help="with --tlsCAFile, accept clients that present no certificate")
    serve.add_argument("--logpath", metavar="FILE",
                       help="write the JSON log to FILE instead of stdout")
    serve.add_argument("--logappend", action="store_true",
                       help="append to --logpath instead of starting it afresh")
    serve.add_argument("--quiet", action="store_true",
                       help="leave connection events out of the log")
    serve.add_argument("-v", "--verbose", action="count", default=0,
                       help="log debug lines too (-vv… for more, up to 5)")
    serve.add_argument("--dbpath", metavar="DIR",
                       help="keep the data in DIR across restarts (a snapshot plus a "
                            "journal, fsync-ed before every reply); default: memory only")
    serve.add_argument("--journalCommitInterval", dest="journal_commit_interval",
                       type=_commit_interval, metavar="MS",
                       help="with --dbpath: commit the journal every MS milliseconds "
                            "(1-500) instead of before every reply - faster, and a crash "
                            "may lose the last MS ms of acknowledged writes")
    serve.add_argument("--dump-on-exit", metavar="PATH",
                       help="on shutdown, write the data to PATH in mongodump's layout "
                            "(PATH/<db>/<collection>.bson + .metadata.json)")
    serve.add_argument("--restore", metavar="PATH",
                       help="load a dump (mongodump layout) before serving")
    topology = serve.add_mutually_exclusive_group()
    topology.add_argument("--replSet", dest="repl_set", metavar="NAME", default="rs0",
                          type=_set_name,
                          help="the one-node replica set's name (default rs0): drivers may "
                               "connect with replicaSet=NAME or directConnection=true")
    topology.add_argument("--standalone", action="store_true",
                          help="answer as a standalone mongod (no replica set: no "
                               "transactions, no change streams, no $clusterTime)")
    serve.add_argument("--debug", action="store_true",
                       help="print mim's own diagnostics (every connection, protocol "
                            "details) to stderr")
    _add_tool_parsers(commands)
    compact = commands.add_parser(
        "compact", help="fold a data directory's journal into a new snapshot",
        description="Rewrite a --dbpath directory as one snapshot and an empty journal "
                    "(the server must not be running on it).")
    compact.add_argument("--dbpath", metavar="DIR", required=True,
                         help="the data directory")
    return parser


def _commit_interval(text: str) -> int:
    value = _positive_int(text)
    if value > 500:
        raise argparse.ArgumentTypeError(f"must be between 1 and 500, not {value}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _add_tool_parsers(commands: Any) -> None:
    """``mim dump`` and ``mim restore``, flags spelled as mongodump's and mongorestore's."""
    dump_cmd = commands.add_parser(
        "dump", help="write a server's data in mongodump's directory format",
        description="Dump a MongoDB server (mim serve or any mongod) through the driver, "
                    "as mongodump does: OUT/<db>/<collection>.bson + .metadata.json.")
    restore_cmd = commands.add_parser(
        "restore", help="load a mongodump directory into a server",
        description="Restore a mongodump directory into a MongoDB server (mim serve or any "
                    "mongod) through the driver, as mongorestore does.")
    for tool in (dump_cmd, restore_cmd):
        tool.add_argument("--uri", default="mongodb://127.0.0.1:27017/",
                          help="connection string (default mongodb://127.0.0.1:27017/)")
        tool.add_argument("-d", "--db", help="only this database")
        tool.add_argument("-c", "--collection", help="only this collection")
        tool.add_argument("--gzip", action="store_true",
                          help="compressed files (.bson.gz, .metadata.json.gz)")
        tool.add_argument("--archive", nargs="?", const="-", metavar="FILE",
                          help="one file in mongodump's archive format instead of a "
                               "directory (no FILE, or '-': standard output/input)")
        tool.add_argument("--nsInclude", action="append", default=[], metavar="PATTERN",
                          help="only namespaces matching PATTERN (* wildcards; repeatable)")
        tool.add_argument("--nsExclude", action="append", default=[], metavar="PATTERN",
                          help="leave out namespaces matching PATTERN (repeatable)")
        tool.add_argument("--quiet", action="store_true", help="no progress bars or summary")
    dump_cmd.add_argument("-o", "--out", default="dump",
                          help="output directory (default 'dump')")
    restore_cmd.add_argument("--drop", action="store_true",
                             help="drop each collection before restoring it")
    restore_cmd.add_argument("dir", nargs="?", default="dump",
                             help="the dump directory (default 'dump')")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.argv = ["mim", *(sys.argv[1:] if argv is None else argv)]
    logging.basicConfig(level=logging.DEBUG if getattr(args, "debug", False) else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command in ("dump", "restore"):
        return _run_tool(args)
    if args.command == "compact":
        return _compact(args)
    return _serve(args)


def _byte_progress(total: int, description: str) -> tools.Progress:
    """Progress bars (tqdm, when stderr is a terminal) for journal replay and compaction."""
    return tools.Progress(total, description, unit="B" if description.startswith("replay")
                          else "record")


def _compact(args: argparse.Namespace) -> int:
    try:
        engine = Server(dbpath=args.dbpath, progress=_byte_progress)
    except (DataDirectoryLocked, CorruptDataFile, OSError) as exc:
        print(f"mim compact: Failed: {exc}", file=sys.stderr)
        return 1
    try:
        engine.data_directory.compact()
    finally:
        engine.close()
    return 0


def _run_tool(args: argparse.Namespace) -> int:
    """``mim dump`` / ``mim restore`` through pymongo; 0 on success, 1 on failure
    (the message on stderr, as mongodump's ``Failed: …``)."""
    if args.db is None:
        # as mongodump: a database named in the connection string selects it
        try:
            args.db = parse_uri(args.uri)["database"]
        except (PyMongoError, ValueError) as exc:
            print(f"mim {args.command}: Failed: {exc}", file=sys.stderr)
            return 1
    if args.collection is not None and args.db is None:
        print(f"mim {args.command}: Failed: cannot use --collection without --db",
              file=sys.stderr)
        return 1
    progress = False if args.quiet else None
    archive: Any = args.archive
    if archive == "-":
        archive = sys.stdout.buffer if args.command == "dump" else sys.stdin.buffer
    client: pymongo.MongoClient = pymongo.MongoClient(args.uri, datetime_conversion="DATETIME_AUTO")
    try:
        if args.command == "dump":
            done = tools.dump(client, args.out, db=args.db, collection=args.collection,
                              gzip=args.gzip, archive=archive, ns_include=args.nsInclude,
                              ns_exclude=args.nsExclude, progress=progress)
            summary = f"done dumping {len(done)} namespace(s) to {args.archive or args.out}"
        else:
            done = tools.restore(client, args.dir, db=args.db, collection=args.collection,
                                 gzip=args.gzip, drop=args.drop, archive=archive,
                                 ns_include=args.nsInclude,
                                 ns_exclude=args.nsExclude, progress=progress)
            summary = (f"{len(done)} namespace(s) restored from {args.archive or args.dir}, "
                       f"{done.failures} document(s) failed to restore")
    except (DumpError, PyMongoError, OSError, ValueError) as exc:
        print(f"mim {args.command}: Failed: {exc}", file=sys.stderr)
        return 1
    finally:
        client.close()
    if not args.quiet:
        print(summary, file=sys.stderr)
    return 0


def _set_name(text: str) -> str:
    if not text or "/" in text:
        raise argparse.ArgumentTypeError(f"invalid replica set name: {text!r}")
    return text


def _open_log(args: argparse.Namespace) -> TextIO:
    if args.logpath is None:
        return sys.stdout
    return open(args.logpath, "a" if args.logappend else "w", encoding="utf-8")


def _serve(args: argparse.Namespace) -> int:
    if args.journal_commit_interval is not None and args.dbpath is None:
        log.error("--journalCommitInterval needs --dbpath")
        return 1
    try:
        engine = Server((args.host, args.port), dbpath=args.dbpath,
                        commit_interval_ms=args.journal_commit_interval,
                        progress=_byte_progress, standalone=args.standalone,
                        replica_set_name=args.repl_set)
    except (DataDirectoryLocked, CorruptDataFile, OSError) as exc:
        log.error("cannot open the data directory: %s", exc)
        return 1
    try:
        return _serve_engine(args, engine)
    finally:
        engine.close()


def _serve_engine(args: argparse.Namespace, engine: Server) -> int:
    command_line_of(engine).record(getattr(args, "argv", None))
    loaded: list[str] = []
    try:
        if args.dump_on_exit:
            # refuse to start rather than lose the data at exit
            check_dump_target(args.dump_on_exit)
        if args.restore:
            loaded = restore(engine, args.restore)
            log.info("restored %d collection(s) from %s", len(loaded), args.restore)
    except DumpError as exc:
        log.error("%s", exc)
        return 1
    try:
        server = WireServer(
            args.host, args.port, engine, auth=args.auth, max_connections=args.max_conns,
            compressors=args.networkMessageCompressors,
            tls_certificate_key_file=args.tlsCertificateKeyFile, tls_ca_file=args.tlsCAFile,
            tls_allow_connections_without_certificates=args.tlsAllowConnectionsWithoutCertificates,
            structured_log=True, quiet=args.quiet)
    except (OSError, ValueError) as exc:  # an unreadable certificate, say
        log.error("cannot start: %s", exc)
        return 1
    try:
        server.bind()
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", args.host, args.port, exc)
        return 1
    out = _open_log(args)
    server_log = log_of(engine)
    server_log.verbosity = min(args.verbose, 5)

    def write_line(line: str) -> None:
        out.write(line + "\n")
        out.flush()

    server_log.sink = write_line
    stop_requested = threading.Event()
    received: list[int] = []

    def request_stop(signum: int, _frame: object) -> None:
        # only flags here: the handler runs between two bytecodes of the main
        # thread, which may be holding the log's lock (a write would deadlock)
        received.append(signum)
        stop_requested.set()
        server.request_stop()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    # the banner comes first on stdout (scripts read the URI from it), then the log
    print(f"mim {__version__} serving on {server.uri}  (Ctrl+C to stop)", flush=True)
    server_log.write("I", "CONTROL", 4615611, "initandlisten", "MongoDB starting",
                     {"pid": os.getpid(), "port": server.port,
                      "dbPath": os.path.abspath(args.dbpath) if args.dbpath else None,
                      "architecture": "64-bit", "host": args.host})
    server_log.write("I", "CONTROL", 23403, "initandlisten", "Build Info",
                     {"buildInfo": {"version": BUILD_INFO["version"], "gitVersion": "mim",
                                    "mim": __version__}})
    server_log.write("I", "CONTROL", 21951, "initandlisten", "Options set by command line",
                     {"options": _options(args)})
    if args.restore:
        server_log.write("I", "STORAGE", 0, "initandlisten", "mim restored a dump",
                         {"path": args.restore, "collections": len(loaded)})
    status = 0
    try:
        server.serve_forever()
    finally:
        for signum in received[:1]:
            server_log.write("I", "CONTROL", 23377, "SignalHandler", "Received signal",
                             {"signal": signum, "error": signal.Signals(signum).name})
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if args.dump_on_exit:
            status = _dump_on_exit(engine, args.dump_on_exit)
        server_log.write("I", "CONTROL", 23138, "SignalHandler", "Shutting down",
                         {"exitCode": status})
        server_log.sink = None
        if out is not sys.stdout:
            out.close()
    return status


def _dump_on_exit(engine: Server, path: str) -> int:
    """Dump to ``path``; if that fails, to a new directory under the system's
    temporary directory, so the data is not lost (exit status 1 either way)."""
    try:
        written = dump(engine, path)
    except DumpError as exc:
        log.error("%s", exc)
    else:
        log_of(engine).write("I", "STORAGE", 0, "SignalHandler", "mim dumped its data",
                             {"path": path, "collections": len(written)})
        return 0
    try:
        fallback = os.path.join(tempfile.mkdtemp(prefix="mim-dump-"), "dump")
        written = dump(engine, fallback)
    except (DumpError, OSError) as exc:
        log.error("the fallback dump failed too, the data is lost: %s", exc)
        return 1
    log.error("dumped %d collection(s) to %s instead", len(written), fallback)
    return 1


def _options(args: argparse.Namespace) -> dict[str, Any]:
    """The command line as mongod's "Options set by command line" shows it."""
    shown: dict[str, Any] = {"net": {"bindIp": args.host, "port": args.port}}
    if args.dbpath:
        shown["storage"] = {"dbPath": args.dbpath}
        if args.journal_commit_interval is not None:
            shown["storage"]["journal"] = {"commitIntervalMs": args.journal_commit_interval}
    if args.auth:
        shown["security"] = {"authorization": "enabled"}
    if args.tlsCertificateKeyFile:
        shown["net"]["tls"] = {"mode": "requireTLS",
                               "certificateKeyFile": args.tlsCertificateKeyFile}
    if args.networkMessageCompressors is not None:
        shown["net"]["compression"] = {"compressors": ",".join(args.networkMessageCompressors)
                                       or "disabled"}
    if args.logpath:
        shown["systemLog"] = {"destination": "file", "path": args.logpath,
                              "logAppend": args.logappend}
    if args.quiet:
        shown.setdefault("systemLog", {})["quiet"] = True
    if args.verbose:
        shown.setdefault("systemLog", {})["verbosity"] = args.verbose
    return shown


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
