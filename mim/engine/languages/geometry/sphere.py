"""Geometry on the unit sphere, as S2 (the server's geometry library) does it.

Points are unit vectors ``(x, y, z)``; edges are the shorter great-circle arcs
between consecutive vertices (geodesics, not lines of constant latitude), so
a polygon edge from ``[-170, 60]`` to ``[170, 60]`` crosses the antimeridian
and bulges toward the pole exactly as on the server.  Distances are angles in
radians; the server turns them into meters with the earth radius it uses
(:data:`EARTH_RADIUS_METERS`, 6378.1 km).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["EARTH_RADIUS_METERS", "Vector", "to_vector", "angle", "arc_distance",
           "arcs_cross", "point_on_arc", "Loop", "normalised_loop"]

#: kRadiusOfEarthInMeters (geoconstants.h)
EARTH_RADIUS_METERS = 6378.1 * 1000

Vector = tuple[float, float, float]

#: two unit vectors closer than this (radians, ~0.6 mm on earth) are one point
_SAME_POINT = 1e-10


def to_vector(lng: float, lat: float) -> Vector:
    """The unit vector of a longitude/latitude in degrees."""
    phi = math.radians(lat)
    theta = math.radians(lng)
    cos_phi = math.cos(phi)
    return (cos_phi * math.cos(theta), cos_phi * math.sin(theta), math.sin(phi))


def _cross(a: Vector, b: Vector) -> Vector:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _dot(a: Vector, b: Vector) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _norm(a: Vector) -> float:
    return math.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2])


def angle(a: Vector, b: Vector) -> float:
    """The angle between two unit vectors (S1Angle(a, b)): the great-circle
    distance in radians, accurate for tiny and near-antipodal angles alike."""
    return math.atan2(_norm(_cross(a, b)), _dot(a, b))


def arc_distance(p: Vector, a: Vector, b: Vector) -> float:
    """The distance from ``p`` to the arc ``a``–``b`` (S2EdgeUtil::GetDistance)."""
    normal = _cross(a, b)
    if _dot(p, _cross(normal, a)) > 0 and _dot(p, _cross(b, normal)) > 0:
        length = _norm(normal)
        if length > 0:
            return abs(math.asin(max(-1.0, min(1.0, _dot(p, normal) / length))))
    return min(angle(p, a), angle(p, b))


def arcs_cross(a: Vector, b: Vector, c: Vector, d: Vector) -> bool:
    """Whether the arcs ``a``–``b`` and ``c``–``d`` cross at a point interior
    to both (S2EdgeUtil::SimpleCrossing)."""
    ab = _cross(a, b)
    acb = -_dot(ab, c)
    bda = _dot(ab, d)
    if acb * bda <= 0:
        return False
    cd = _cross(c, d)
    cbd = -_dot(cd, b)
    dac = _dot(cd, a)
    return acb * cbd > 0 and acb * dac > 0


def point_on_arc(p: Vector, a: Vector, b: Vector) -> bool:
    return arc_distance(p, a, b) < _SAME_POINT


def _turn_angle(a: Vector, b: Vector, c: Vector) -> float:
    """The signed turn at ``b`` walking ``a`` → ``b`` → ``c`` (S2::TurnAngle)."""
    u = _cross(a, b)
    v = _cross(b, c)
    turn = math.atan2(_norm(_cross(u, v)), _dot(u, v))
    return turn if _dot(_cross(a, b), c) > 0 else -turn


class Loop:
    """A closed chain of vertices whose interior is on its left (counter-clockwise).

    ``contains`` decides by the winding number the loop makes around the point:
    walking the edges, the directions toward the vertices seen from ``p`` turn
    by a full turn when the loop goes around ``p`` with ``p`` on its inside and
    ``-p`` outside, by minus a full turn in the opposite case, and by zero
    otherwise.
    """

    __slots__ = ("vertices", "big")

    def __init__(self, vertices: Sequence[Vector]) -> None:
        self.vertices = list(vertices)
        #: the interior covers more than a hemisphere (only big polygons)
        self.big = self.turning() < 0

    def turning(self) -> float:
        vs = self.vertices
        n = len(vs)
        return sum(_turn_angle(vs[i - 1], vs[i], vs[(i + 1) % n]) for i in range(n))

    def edges(self):
        vs = self.vertices
        return zip(vs, vs[1:] + vs[:1])

    def winding(self, p: Vector) -> float | None:
        """Turns around ``p`` (None when ``p`` is on the boundary)."""
        total = 0.0
        for a, b in self.edges():
            u = _cross(p, a)
            v = _cross(p, b)
            nu = _norm(u)
            nv = _norm(v)
            if nu < _SAME_POINT or nv < _SAME_POINT:
                if _dot(p, a) > 0 if nu < _SAME_POINT else _dot(p, b) > 0:
                    return None  # p is a vertex
                continue  # -p is a vertex: that edge sweeps nothing measurable
            sweep = math.atan2(_dot(_cross(u, v), p), _dot(u, v))
            if abs(abs(sweep) - math.pi) < 1e-9 and point_on_arc(p, a, b):
                return None
            total += sweep
        return total / (2 * math.pi)

    def contains(self, p: Vector, boundary: bool = True) -> bool:
        turns = self.winding(p)
        if turns is None:
            return boundary
        if self.big:
            return turns > -0.5
        return turns > 0.5

    def crosses(self, a: Vector, b: Vector) -> bool:
        """Whether the arc ``a``–``b`` crosses one of the loop's edges."""
        return any(arcs_cross(a, b, c, d) for c, d in self.edges())

    def distance(self, p: Vector) -> float:
        return min(arc_distance(p, a, b) for a, b in self.edges())

    def self_crossing(self) -> tuple[int, int] | None:
        """The first two non-adjacent edges that cross (S2Loop::IsValid), if any."""
        vs = self.vertices
        n = len(vs)
        for i in range(n):
            a, b = vs[i], vs[(i + 1) % n]
            for j in range(i + 2, n):
                if i == 0 and j == n - 1:
                    continue
                if arcs_cross(a, b, vs[j], vs[(j + 1) % n]):
                    return i, j
        return None

    def duplicate_vertex(self) -> tuple[int, int] | None:
        vs = self.vertices
        for i in range(len(vs)):
            for j in range(i + 1, len(vs)):
                if angle(vs[i], vs[j]) < _SAME_POINT:
                    return i, j
        return None


def normalised_loop(vertices: Sequence[Vector]) -> Loop:
    """A loop whose interior is the smaller of the two regions its vertices
    bound (S2Loop::Normalize: a loop larger than a hemisphere is inverted)."""
    loop = Loop(vertices)
    if loop.big:
        loop = Loop(list(reversed(loop.vertices)))
    return loop
