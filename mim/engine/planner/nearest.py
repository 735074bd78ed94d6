"""The nearest documents of a ``$near``/``$nearSphere`` query through its
2dsphere index: cells of the index's latitude/longitude grid are visited in
rings around the query point, and the search stops once the documents found
are nearer than anything a further ring could hold.

Used only when the query wants a bounded number of documents (a limit) or has a
``$maxDistance``, in distance order; otherwise every document is measured anyway.  A search that
would visit more cells than the index has entries gives up (None) and the
caller measures every document instead.
"""

from __future__ import annotations

import heapq
import math
from typing import TYPE_CHECKING, Any

from ..index.geo import ANYWHERE, GRID_COLUMNS, GRID_DEGREES, GRID_ROWS, grid_cell
from ..languages.geometry import EARTH_RADIUS_METERS
from ..languages.matcher import MatchNode
from ..languages.matcher.geo import NearNode
from ..values.deadline import checked

if TYPE_CHECKING:
    from ..storage.store import CollectionData, StoredDocument

__all__ = ["nearest_documents"]


def _ring_bound(lat: float, ring: int) -> float:
    """The least angle (radians) from a point at ``lat`` to any point of a cell
    ``ring`` cells away (Chebyshev) from the point's own cell."""
    if ring <= 1:
        return 0.0
    steps = math.radians((ring - 1) * GRID_DEGREES)
    by_latitude = steps
    longitude = min(steps, math.pi)
    farthest_lat = min(90.0, abs(lat) + (ring + 1) * GRID_DEGREES)
    scale = math.cos(math.radians(lat)) * math.cos(math.radians(farthest_lat))
    by_longitude = 2 * math.asin(min(1.0, math.sqrt(max(scale, 0.0)) * math.sin(longitude / 2)))
    return min(by_latitude, by_longitude)


def _ring_cells(row: int, column: int, ring: int) -> list[tuple[int, int]]:
    if ring == 0:
        return [(row, column)]
    cells = set()
    for dr in range(-ring, ring + 1):
        r = row + dr
        if not 0 <= r < GRID_ROWS:
            continue
        if abs(dr) == ring:
            span = range(-ring, ring + 1)
        else:
            span = (-ring, ring)
        for dc in span:
            cells.add((r, (column + dc) % GRID_COLUMNS))
    return sorted(cells)


def _cell_ids(entries: Any, key: tuple) -> list[tuple]:
    found = []
    position = entries.bisect_left((key,))
    n = len(entries)
    while position < n:
        entry_key, id_key = entries[position]
        if entry_key != key:
            break
        found.append(id_key)
        position += 1
    return found


def nearest_documents(coll: "CollectionData", near: NearNode, node: MatchNode,
                      want: int) -> list["StoredDocument"] | None:
    """Up to ``want`` documents matching ``node``, nearest first (None: give up);
    ``want`` 0: every one within the query's ``$maxDistance``."""
    index = coll.indexes.by_name(near.index["name"])
    if getattr(index, "geo", None) is None or near.query.flat:
        return None
    field_number = list(near.index["key"]).index(near.path)
    entries = index.entries
    lng, lat = near.query.point.flat
    row, column = grid_cell(lng, lat)
    unit = 1.0 if near.query.radians else EARTH_RADIUS_METERS
    documents = coll.documents
    matches = node.matches
    distance_of = near.distance
    seen: set = set()
    found: list[tuple[float, int, Any]] = []

    def consider(id_keys: list) -> None:
        for id_key in checked(id_keys):
            if id_key in seen:
                continue
            seen.add(id_key)
            stored = documents.get(id_key)
            if stored is not None and matches(stored.doc):
                heapq.heappush(found, (distance_of(stored.doc), len(seen), stored))

    consider(_cell_ids(entries, (field_number, ANYWHERE, ANYWHERE)))
    visited = 0
    budget = len(entries) + 64
    ring = 0
    while True:
        cells = _ring_cells(row, column, ring)
        visited += len(cells)
        if visited > budget:
            return None
        for cell in cells:
            consider(_cell_ids(entries, (field_number, *cell)))
        ring += 1
        bound = _ring_bound(lat, ring) * unit
        if bound > near.query.max_distance:
            break
        if want and sum(1 for distance, _, _ in found if distance < bound) >= want:
            break
        if ring > max(GRID_ROWS, GRID_COLUMNS):
            break
    ordered = [heapq.heappop(found) for _ in range(len(found))]
    return [stored for _, _, stored in (ordered[:want] if want else ordered)]
