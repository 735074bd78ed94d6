"""``mim serve``: run the wire server from the command line.

    python -m mim serve [--host 127.0.0.1] [--port 27017] [--dump-on-exit PATH]
                        [--restore PATH] [--debug]

Binds 127.0.0.1 unless ``--host`` says otherwise (``--host 0.0.0.0`` to
listen on every interface).  SIGINT (Ctrl+C) and SIGTERM stop it cleanly:
connections are closed, running commands finish, and with ``--dump-on-exit``
the data is written in mongodump's layout (see :mod:`mim.wire.dump`).
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

from .. import __version__
from ..engine.storage.store import Server
from .dump import DumpError, check_dump_target, dump, restore
from .server import WireServer

__all__ = ["main", "build_parser"]

log = logging.getLogger("mim.wire")


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
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to bind (default 127.0.0.1; 0.0.0.0 for all interfaces)")
    serve.add_argument("--port", type=int, default=27017,
                       help="port to listen on (default 27017; 0 picks a free one)")
    serve.add_argument("--dump-on-exit", metavar="PATH",
                       help="on shutdown, write the data to PATH in mongodump's layout "
                            "(PATH/<db>/<collection>.bson + .metadata.json)")
    serve.add_argument("--restore", metavar="PATH",
                       help="load a dump (mongodump layout) before serving")
    serve.add_argument("--debug", action="store_true",
                       help="log every connection and protocol detail")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.debug:
        logging.getLogger("mim.wire").setLevel(logging.INFO)
    return _serve(args)


def _serve(args: argparse.Namespace) -> int:
    engine = Server((args.host, args.port))
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
    server = WireServer(args.host, args.port, engine)
    try:
        server.bind()
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", args.host, args.port, exc)
        return 1
    stop_requested = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("received %s, shutting down", signal.Signals(signum).name)
        stop_requested.set()
        server.request_stop()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    print(f"mim {__version__} serving on {server.uri}  (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if args.dump_on_exit:
            return _dump_on_exit(engine, args.dump_on_exit)
    return 0


def _dump_on_exit(engine: Server, path: str) -> int:
    """Dump to ``path``; if that fails, to a new directory under the system's
    temporary directory, so the data is not lost (exit status 1 either way)."""
    try:
        written = dump(engine, path)
    except DumpError as exc:
        log.error("%s", exc)
    else:
        log.info("dumped %d collection(s) to %s", len(written), path)
        return 0
    try:
        fallback = os.path.join(tempfile.mkdtemp(prefix="mim-dump-"), "dump")
        written = dump(engine, fallback)
    except (DumpError, OSError) as exc:
        log.error("the fallback dump failed too, the data is lost: %s", exc)
        return 1
    log.error("dumped %d collection(s) to %s instead", len(written), fallback)
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
