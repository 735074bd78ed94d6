"""Writing an engine's data to disk in mongodump's layout, and reading it back.

``PATH/<database>/<collection>.bson`` holds the collection's documents, the
exact BSON bytes stored, concatenated in natural order (what ``mongodump``
writes and ``mongorestore`` or ``bsondump`` read).
``PATH/<database>/<collection>.metadata.json`` is canonical extended JSON:
``{"options": …, "indexes": [ … ], "uuid": "…", "collectionName": …,
"type": "collection"}``.  Empty databases are not written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import bson
from bson import json_util

from ..engine.storage.store import Server, decode_shadow

__all__ = ["dump", "restore"]

_JSON = json_util.JSONOptions(json_mode=json_util.JSONMode.CANONICAL)


def dump(engine: Server, path: str | os.PathLike[str]) -> list[str]:
    """Write every collection of ``engine`` under ``path``; returns the namespaces written.

    The copy is taken under the engine's lock, so it is one consistent moment.
    """
    root = Path(path)
    with engine.lock:
        snapshot = []
        for db_name, database in engine.databases.items():
            for coll_name, coll in database.collections.items():
                raws = [stored.raw for stored in coll.documents.values()]
                metadata = {"options": dict(coll.options), "indexes": coll.indexes.list(),
                            "collectionName": coll_name, "type": "collection"}
                if getattr(coll, "uuid", None) is not None:
                    metadata["uuid"] = coll.uuid.hex
                snapshot.append((db_name, coll_name, raws, metadata))
    written = []
    for db_name, coll_name, raws, metadata in snapshot:
        directory = root / db_name
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / f"{coll_name}.bson", "wb") as out:
            for raw in raws:
                out.write(raw)
        with open(directory / f"{coll_name}.metadata.json", "w", encoding="utf-8") as out:
            out.write(json_util.dumps(metadata, json_options=_JSON))
        written.append(f"{db_name}.{coll_name}")
    return written


def restore(engine: Server, path: str | os.PathLike[str]) -> list[str]:
    """Load a dump written by :func:`dump` (or mongodump) into ``engine``.

    Collections that already exist are replaced.  Returns the namespaces loaded.
    """
    root = Path(path)
    loaded = []
    for directory in sorted(p for p in root.iterdir() if p.is_dir()):
        for data_file in sorted(directory.glob("*.bson")):
            coll_name = data_file.name[:-len(".bson")]
            meta_file = directory / f"{coll_name}.metadata.json"
            metadata: dict[str, Any] = {}
            if meta_file.exists():
                metadata = json_util.loads(meta_file.read_text(encoding="utf-8"))
            raws = _split_documents(data_file.read_bytes(), data_file)
            with engine.lock:
                database = engine.get_database(directory.name, create=True)
                database.drop_collection(coll_name)
                coll = database.create_collection(coll_name, dict(metadata.get("options", {})))
                for spec in metadata.get("indexes", []):
                    spec = dict(spec)
                    spec.pop("ns", None)
                    if spec.get("name") != "_id_":
                        coll.indexes.create(spec)
                for raw in raws:
                    coll.insert(raw, decode_shadow(raw))
            loaded.append(f"{directory.name}.{coll_name}")
    return loaded


def _split_documents(data: bytes, source: Path) -> list[bytes]:
    raws = []
    offset = 0
    while offset < len(data):
        if offset + 4 > len(data):
            raise ValueError(f"{source}: truncated document at byte {offset}")
        size = int.from_bytes(data[offset:offset + 4], "little")
        if size < 5 or offset + size > len(data):
            raise ValueError(f"{source}: bad document size {size} at byte {offset}")
        raw = data[offset:offset + size]
        bson.decode(raw)  # validate before anything is stored
        raws.append(raw)
        offset += size
    return raws
