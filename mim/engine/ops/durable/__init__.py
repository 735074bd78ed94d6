"""A durable data directory: a snapshot plus a journal of the one write path.

``Server(dbpath=DIR)`` (and ``mim serve --dbpath DIR``) keeps every database
across restarts, the way mongod's WiredTiger keeps a checkpoint plus a
journal:

* ``DIR/snapshot.<n>`` - every collection (options, indexes, documents in
  natural order) and view at the moment generation ``n`` began;
* ``DIR/journal.<n>`` - every write since, one record per change event that
  storage emitted (:mod:`.records`), in checksummed frames (:mod:`.frames`);
* ``DIR/mongod.lock`` - held (``flock``) while a process has the directory open.

Start-up loads the newest complete snapshot and replays the journals from its
generation on.  Writes are collected as storage reports them and written as
one frame when the command that made them finishes - flushed and ``fsync``-ed
before the reply by default (``j: true`` semantics); with
``commit_interval_ms`` a background thread commits every N ms instead, as
mongod's ``journalCommitInterval`` does (faster, and a crash may lose the last
N ms of acknowledged writes).  A frame is all or nothing, so the writes of one
command - a transaction's commit included - survive a crash together or not
at all.

Compaction writes a new snapshot (to a temporary file, ``fsync``, rename) and
starts a new journal; it runs when the journal outgrows ``compact_bytes`` and
on demand (the ``compact`` command, ``mim compact``).
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

from ...storage.changes import ChangeEvent
from ...storage.store import Server, install_data_directory
from .frames import CorruptDataFile, encode_frame, read_frames, write_header
from .records import (apply_record, collection_records, decode_records, encode_records,
                      event_records, view_record)

__all__ = ["DataDirectory", "CorruptDataFile", "DataDirectoryLocked", "open_data_directory"]

log = logging.getLogger("mim.engine")

#: a journal this large is folded into a new snapshot at the next commit
DEFAULT_COMPACT_BYTES = 64 * 1024 * 1024
LOCK_FILE = "mongod.lock"
#: how often writes made outside any command (TTL passes) are committed
SAFETY_NET_MS = 100
_GENERATION = re.compile(r"^(snapshot|journal)\.(\d+)$")


class DataDirectoryLocked(Exception):
    """Another process has the data directory open."""


class DataDirectory:
    """One server's data directory: recovery at open, journaling while open."""

    def __init__(self, server: Server, path: str, commit_interval_ms: int | None = None,
                 compact_bytes: int = DEFAULT_COMPACT_BYTES,
                 progress: Callable[[int, str], Any] | None = None) -> None:
        if commit_interval_ms is not None and not 1 <= commit_interval_ms <= 500:
            # mongod's journalCommitInterval range
            raise ValueError(f"commit_interval_ms must be between 1 and 500, "
                             f"not {commit_interval_ms}")
        self.server = server
        self.path = os.path.abspath(path)
        self.commit_interval_ms = commit_interval_ms
        self.compact_bytes = compact_bytes
        #: ``progress(total, description)``: a bar with ``update(n)``/``close()``, or None
        self.progress = progress
        self.generation = 0
        #: encoded records waiting for the next commit (appended under the server lock)
        self._pending: list[bytes] = []
        #: serialises commits and compactions (taken before the server lock)
        self._file_lock = threading.Lock()
        self._journal = None
        self._journal_size = 0
        self._lock_handle = None
        self._flusher: threading.Thread | None = None
        self._stopping = threading.Event()
        self.closed = False
        #: how many commits and fsyncs were made (the benchmark reads them)
        self.commits = 0

    # -- opening ------------------------------------------------------------------

    def open(self) -> "DataDirectory":
        os.makedirs(self.path, exist_ok=True)
        self._lock()
        try:
            with self.server.lock:
                self._recover()
                self._start_journal(self.generation)
                self.server.add_listener(self._record)
        except BaseException:
            self._unlock()
            raise
        self._flusher = threading.Thread(target=self._flush_periodically,
                                         name=f"mim-journal {self.path}", daemon=True)
        self._flusher.start()
        return self

    def _lock(self) -> None:
        lock_path = os.path.join(self.path, LOCK_FILE)
        handle = open(lock_path, "a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.close()
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise DataDirectoryLocked(
                    f"Unable to lock the lock file: {lock_path} (Resource temporarily "
                    f"unavailable). Another mim or mongod instance is already running on "
                    f"the {self.path} directory") from None
            raise
        handle.seek(0)
        previous = handle.read().strip()
        if previous:
            # the process that wrote this pid is gone (its flock went with it)
            log.warning("%s: detected an unclean shutdown (lock file left by process %s); "
                        "recovering from the journal", lock_path, previous)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        os.fsync(handle.fileno())
        self._lock_handle = handle

    def _unlock(self) -> None:
        handle, self._lock_handle = self._lock_handle, None
        if handle is not None:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()

    def _files(self) -> dict[str, dict[int, str]]:
        found: dict[str, dict[int, str]] = {"snapshot": {}, "journal": {}}
        for name in os.listdir(self.path):
            match = _GENERATION.match(name)
            if match:
                found[match.group(1)][int(match.group(2))] = os.path.join(self.path, name)
            elif name.endswith(".tmp"):
                # a snapshot whose compaction did not finish: its journal is still there
                os.unlink(os.path.join(self.path, name))
        return found

    def _recover(self) -> None:
        files = self._files()
        snapshots, journals = files["snapshot"], files["journal"]
        base = max(snapshots) if snapshots else 0
        if base:
            self._replay(snapshots[base], repair=False)
        for generation in sorted(g for g in journals if g >= base):
            self._replay(journals[generation], repair=True)
        self.generation = max([base, *journals]) if journals else base
        # files older than the snapshot in use were left by a compaction cut short
        for generation, path in [*snapshots.items(), *journals.items()]:
            if generation < base:
                os.unlink(path)

    def _replay(self, path: str, repair: bool) -> None:
        bar = self._bar(os.path.getsize(path), f"replaying {os.path.basename(path)}")
        try:
            for payload in read_frames(path, repair=repair):
                for record in decode_records(payload):
                    apply_record(self.server, record)
                bar.update(len(payload))
        finally:
            bar.close()

    def _bar(self, total: int, description: str) -> Any:
        return self.progress(total, description) if self.progress else _NO_BAR

    def _start_journal(self, generation: int) -> None:
        path = os.path.join(self.path, f"journal.{generation}")
        handle = open(path, "ab")
        if handle.tell() == 0:
            write_header(handle)
            handle.flush()
            os.fsync(handle.fileno())
            _fsync_directory(self.path)
        self._journal = handle
        self._journal_size = handle.tell()
        self.generation = generation

    # -- journaling ---------------------------------------------------------------

    def _record(self, event: ChangeEvent) -> None:
        """Storage's listener (called under the server lock): keep the records."""
        coll = event.collection
        if coll is not None and coll.member_state:
            return
        self._pending.append(encode_records(event_records(event)))

    def commit(self) -> None:
        """Write what the writes so far reported as one frame; ``fsync`` unless
        the directory commits on an interval."""
        if not self._pending or self.closed:
            return
        with self._file_lock:
            with self.server.lock:
                batch, self._pending = self._pending, []
            if not batch:
                return
            frame = encode_frame(b"".join(batch))
            self._journal.write(frame)
            self._journal.flush()
            os.fsync(self._journal.fileno())
            self._journal_size += len(frame)
            self.commits += 1
            if self._journal_size > self.compact_bytes:
                self._compact_locked()

    def command_done(self) -> None:
        """A command finished: its writes are committed before its reply
        (unless the directory commits on an interval)."""
        if self._pending and self.commit_interval_ms is None:
            self.commit()

    def _flush_periodically(self) -> None:
        """Group commit every ``commit_interval_ms``; without one, a safety net
        for writes made outside a command (a TTL pass, say)."""
        interval = (self.commit_interval_ms or SAFETY_NET_MS) / 1000
        while not self._stopping.wait(interval):
            try:
                self.commit()
            except OSError:
                log.exception("mim journal commit failed (%s)", self.path)

    # -- compaction ---------------------------------------------------------------

    def compact(self) -> None:
        """Fold the journal into a new snapshot now."""
        with self._file_lock:
            self._compact_locked()

    def _compact_locked(self) -> None:
        with self.server.lock:
            # what is pending belongs to the old generation; the new one starts empty
            batch, self._pending = self._pending, []
            if batch:
                self._journal.write(encode_frame(b"".join(batch)))
                self._journal.flush()
                os.fsync(self._journal.fileno())
            records = _server_records(self.server)
            old_generation = self.generation
            self._journal.close()
            self._start_journal(old_generation + 1)
        snapshot = os.path.join(self.path, f"snapshot.{self.generation}")
        temporary = snapshot + ".tmp"
        bar = self._bar(len(records), f"compacting {self.path}")
        try:
            with open(temporary, "wb") as handle:
                write_header(handle)
                for count, chunk in _chunks(records):
                    handle.write(encode_frame(chunk))
                    bar.update(count)
                handle.flush()
                os.fsync(handle.fileno())
        finally:
            bar.close()
        os.replace(temporary, snapshot)
        _fsync_directory(self.path)
        for kind in ("snapshot", "journal"):
            old = os.path.join(self.path, f"{kind}.{old_generation}")
            if os.path.exists(old):
                os.unlink(old)
        _fsync_directory(self.path)

    # -- closing ------------------------------------------------------------------

    def close(self) -> None:
        if self.closed:
            return
        self._stopping.set()
        if self._flusher is not None:
            self._flusher.join()
        self.commit()
        with self._file_lock:
            self.closed = True
            with self.server.lock:
                if self._record in self.server.listeners:
                    self.server.remove_listener(self._record)
            if self._journal is not None:
                self._journal.close()
            self._unlock()


def _server_records(server: Server) -> list[dict]:
    """Every collection and view as records (taken under the server lock; the
    documents' bytes are immutable, so encoding can wait until it is released)."""
    records: list[dict] = []
    for database in server.databases.values():
        for coll in database.collections.values():
            if not coll.member_state:
                records.extend(collection_records(coll))
        records.extend(view_record(database.name, view) for view in database.views.values())
    return records


def _chunks(records: list[dict], size: int = 4 * 1024 * 1024) -> Iterator[tuple[int, bytes]]:
    """``(records, frame)`` pairs of about ``size`` bytes (a snapshot frame need
    not be atomic)."""
    chunk: list[bytes] = []
    length = 0
    for record in records:
        encoded = encode_records([record])
        chunk.append(encoded)
        length += len(encoded)
        if length >= size:
            yield len(chunk), b"".join(chunk)
            chunk, length = [], 0
    if chunk:
        yield len(chunk), b"".join(chunk)


class _NoBar:
    """The progress bar of a directory opened without one."""

    def update(self, count: int) -> None:
        pass

    def close(self) -> None:
        pass


_NO_BAR = _NoBar()


def _fsync_directory(path: str) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def open_data_directory(server: Server, path: str, commit_interval_ms: int | None = None,
                        compact_bytes: int = DEFAULT_COMPACT_BYTES,
                        progress: Callable[[int, str], Any] | None = None) -> DataDirectory:
    """Recover ``server`` from ``path`` and journal its writes there from now on."""
    return DataDirectory(server, path, commit_interval_ms, compact_bytes, progress).open()


install_data_directory(open_data_directory)
