"""The engine's layers, as ``../shared/DESIGN.md`` draws them, hold in the code.

Each module imports only from its own layer or the layers below it; no import is
placed inside a function (that is how cycles get hidden); and no group of
modules imports itself in a circle.  The check reads the source with ``ast``
(nothing is imported), so a violation is reported with file and line.
"""

from __future__ import annotations

import ast
import pathlib
from collections.abc import Iterator

import mim

ROOT = pathlib.Path(mim.__file__).parent

#: The layers from the bottom up.  A module belongs to the longest prefix that
#: names it; anything else under ``mim`` is a face (client, wire server, …).
LAYERS: list[tuple[str, str]] = [
    ("mim.engine.values", "values: BSON order and equality, paths, errors"),
    ("mim.engine.languages", "languages: matcher, expressions, projection, sorting"),
    ("mim.engine.storage", "storage: documents and the one write path"),
    ("mim.engine.index", "index: keys, specs, index catalog, ttl"),
    ("mim.engine.planner", "planner: the only code that decides how documents are read"),
    ("mim.engine.pipeline", "pipeline: stages, one parser for every pipeline"),
    ("mim.engine.update", "update: update operators and update pipelines"),
    ("mim.engine.ops", "ops: find/count/distinct, writes, catalog, views, cursors, sessions"),
    ("mim.engine.commands", "commands: command document in, reply out"),
    ("mim", "faces: client, database, collection, cursor, wire server"),
]

#: Imports that may stay inside a function, each with the reason it must.
#: Key: (importing module, imported module).
#: (None is justified today: optional dependencies are imported at module level
#: inside ``try: … except ImportError``.)
LAZY_IMPORTS_ALLOWED: dict[tuple[str, str], str] = {}


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> int:
    best, rank = -1, -1
    for i, (prefix, _) in enumerate(LAYERS):
        if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
            best, rank = len(prefix), i
    return rank


MODULES: dict[str, pathlib.Path] = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def imports(module: str) -> Iterator[tuple[ast.stmt, str, bool, bool]]:
    """Every import in ``module``: (node, imported module, inside a function,
    under ``if TYPE_CHECKING``).  ``from pkg import sub`` yields ``pkg.sub``
    when ``sub`` is a module, else ``pkg``."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(), str(path))

    def visit(node: ast.AST, in_function: bool, type_only: bool) -> Iterator:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[:len(base) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                for alias in child.names:
                    sub = f"{target}.{alias.name}"
                    yield child, (sub if sub in MODULES else target), in_function, type_only
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    yield child, alias.name, in_function, type_only
            else:
                yield from visit(
                    child,
                    in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                      ast.Lambda)),
                    type_only or (isinstance(child, ast.If)
                                  and "TYPE_CHECKING" in ast.unparse(child.test)))

    yield from visit(tree, False, False)


def test_every_module_belongs_to_a_layer() -> None:
    assert all(layer_of(m) >= 0 for m in MODULES)
    engine = [m for m in MODULES if m.startswith("mim.engine.")]
    assert all(layer_of(m) < len(LAYERS) - 1 for m in engine), \
        [m for m in engine if layer_of(m) == len(LAYERS) - 1]


def test_no_module_imports_from_a_layer_above_it() -> None:
    upward = []
    for module in MODULES:
        for node, target, _, _ in imports(module):
            if target.startswith("mim") and layer_of(target) > layer_of(module):
                upward.append(f"{MODULES[module]}:{node.lineno}: {module} "
                              f"({LAYERS[layer_of(module)][0]}) imports {target} "
                              f"({LAYERS[layer_of(target)][0]})")
    assert not upward, "\n".join(upward)


def test_no_import_is_placed_inside_a_function() -> None:
    lazy = []
    allowed_and_seen = set()
    for module in MODULES:
        for node, target, in_function, _ in imports(module):
            if in_function and (module, target) in LAZY_IMPORTS_ALLOWED:
                allowed_and_seen.add((module, target))
            elif in_function:
                lazy.append(f"{MODULES[module]}:{node.lineno}: {module} imports {target}")
    assert not lazy, "\n".join(lazy)
    # an allowance nobody uses any more is removed, so the list stays honest
    assert set(LAZY_IMPORTS_ALLOWED) == allowed_and_seen


def test_modules_import_each_other_without_cycles() -> None:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module in MODULES:
        for _, target, in_function, type_only in imports(module):
            if target in MODULES and target != module and not type_only:
                graph[module].add(target)
    cycles = [sorted(c) for c in strongly_connected(graph) if len(c) > 1]
    assert not cycles, "\n".join(" <-> ".join(c) for c in cycles)


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (the graph has a few hundred nodes)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    found.append(component)
    return found
