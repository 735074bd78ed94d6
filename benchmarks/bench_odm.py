"""ODM workload: create and flush N mapped objects, load them back, change and flush them.

    python -m benchmarks.bench_odm [--objects 10000] [--repeat 3] [--no-ming]

Runs ``odm`` (this project, on ``mim://``) and, when installed, Ming's own ODM
on Ming's MIM, with the same model.  Prints seconds per phase (lower is
better, the best of ``--repeat`` runs) and microseconds per object.
"""
from __future__ import annotations

import argparse
import time
import uuid
from typing import Any, Callable


def _models(schema: Any, MappedClass: Any, FieldProperty: Any, session: Any) -> type:  # noqa: N803
    class Item(MappedClass):
        class __mongometa__:
            name = "items"

        __mongometa__.session = session
        _id = FieldProperty(schema.ObjectId)
        name = FieldProperty(str)
        age = FieldProperty(int)
        city = FieldProperty(str)
        score = FieldProperty(float)
        tags = FieldProperty([str])
        address = FieldProperty({"street": str, "zip": str})
        active = FieldProperty(bool)

    return Item


def workload(n: int, schema: Any, MappedClass: Any, FieldProperty: Any, session: Any, Mapper: Any) -> dict[str, float]:  # noqa: N803
    Item = _models(schema, MappedClass, FieldProperty, session)
    Mapper.compile_all()
    times: dict[str, float] = {}
    start = time.perf_counter()
    for i in range(n):
        Item(name=f"user{i}", age=i % 90, city=["Paris", "Lima", "Oslo", "Pune"][i % 4], score=(i * 7919) % 1000 / 10,
             tags=["a", "b", "c"][: i % 3 + 1], address={"street": f"{i} Main St", "zip": f"{i % 100000:05d}"}, active=i % 2 == 0)
    times["create"] = time.perf_counter() - start
    start = time.perf_counter()
    session.flush()
    times["flush (insert)"] = time.perf_counter() - start
    session.clear()
    start = time.perf_counter()
    items = Item.query.find().all()
    times["load all"] = time.perf_counter() - start
    assert len(items) == n
    start = time.perf_counter()
    for item in items[: n // 10]:
        item.age += 1
        item.tags.append("z")
    session.flush()
    times["change 10% + flush"] = time.perf_counter() - start
    session.clear()
    return times


def run_odm(n: int) -> dict[str, float]:
    from odm import create_datastore, schema
    from odm.odm import FieldProperty, MappedClass, Mapper, ODMSession

    session = ODMSession(bind=create_datastore(f"mim://bench-{uuid.uuid4().hex[:8]}/bench"))
    return workload(n, schema, MappedClass, FieldProperty, session, Mapper)


def run_ming(n: int) -> dict[str, float]:
    from ming import create_datastore, schema
    from ming.odm import FieldProperty, MappedClass, Mapper, ODMSession

    session = ODMSession(bind=create_datastore(f"mim:///bench{uuid.uuid4().hex[:8]}"))
    return workload(n, schema, MappedClass, FieldProperty, session, Mapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per library; the best time of each phase is shown")
    parser.add_argument("--no-ming", action="store_true")
    args = parser.parse_args()
    runners: dict[str, Callable[[int], dict[str, float]]] = {"odm on mim": run_odm}
    if not args.no_ming:
        try:
            import ming.odm  # noqa: F401
            runners["Ming ODM on Ming MIM"] = run_ming
        except ImportError:
            pass
    results: dict[str, dict[str, float]] = {}
    for name, fn in runners.items():
        for _ in range(max(args.repeat, 1)):
            times = fn(args.objects)
            best = results.setdefault(name, times)
            for phase, seconds in times.items():
                best[phase] = min(best[phase], seconds)
    phases = list(next(iter(results.values())))
    names = list(results)
    print(f"ODM workload, {args.objects} objects: seconds (µs per object), best of {max(args.repeat, 1)}")
    header = f"{'phase':<22}" + "".join(f"{name:>26}" for name in names)
    print(header)
    print("-" * len(header))
    for phase in phases:
        per = n = args.objects
        if phase.startswith("change"):
            per = max(n // 10, 1)
        cells = "".join(f"{results[name][phase]:>12.3f} s ({results[name][phase] / per * 1e6:>7.1f} µs)" for name in names)
        print(f"{phase:<22}{cells}")


if __name__ == "__main__":
    main()
