"""An ``$in`` of several points on a one-field index reads its ids from the
index's point map (:func:`~mim.engine.planner.plans.mapped_points_id_keys`):
they must be the ids the walk over the sorted entries finds
(:func:`~mim.engine.planner.plans.points_id_keys`), in the same order, whether
each key has no entry, one, or several (the map's SEVERAL)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from sortedcontainers import SortedList

from mim.engine.index.indexes import SEVERAL
from mim.engine.planner.plans import mapped_points_id_keys, points_id_keys


def _point_map(entries: SortedList) -> dict:
    """What Index.point_map builds from the same entries."""
    points: dict = {}
    for key, id_key in entries:
        points[key] = id_key if key not in points else SEVERAL
    return points


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 5000)), max_size=3000),
       st.sets(st.integers(-3, 35), max_size=60))
def test_point_map_ids_are_the_walks_ids(pairs, wanted):
    # (several values per document: a multikey index; one: a plain one)
    entries = SortedList(((2, value), (2, doc)) for value, doc in set(pairs))
    keys = sorted((2, value) for value in wanted)
    assert mapped_points_id_keys(_point_map(entries), entries, keys) == \
        points_id_keys(entries, keys)
