"""The mapper's modules form layers: each imports only the ones below it, never from inside a function.

The order is the one ``odm/orm/__init__.py`` documents (SQLAlchemy's split of
an ORM): object state at the bottom, the session API and the declarative base
at the top.  A module added to ``odm/orm`` must be placed in :data:`LAYERS`.
"""
from __future__ import annotations

import ast
from pathlib import Path

import odm.orm

ORM = Path(odm.orm.__file__).parent

LAYERS = [
    "state",
    "registry",
    "events",
    "icollection",
    "expressions",
    "property",
    "embedded",
    "serialize",
    "mapper",
    "identity_map",
    "delete_rules",
    "persistence",
    "loading",
    "unit_of_work",
    "session",
    "asynchronous",
    "declarative",
    "middleware",
]


def _runtime_imports(tree: ast.Module) -> list[tuple[str, int]]:
    """``(module, line)`` of the package-relative imports that run when the module is imported."""
    found = []
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module is None:
                found.extend((alias.name, node.lineno) for alias in node.names)
            else:
                found.append((node.module.split(".")[0], node.lineno))
    return found


def test_every_mapper_module_has_a_layer():
    modules = {p.stem for p in ORM.glob("*.py") if p.stem != "__init__"}
    assert modules == set(LAYERS)


def test_each_mapper_module_imports_only_modules_below_it():
    upward = []
    for name in LAYERS:
        tree = ast.parse((ORM / f"{name}.py").read_text())
        for target, line in _runtime_imports(tree):
            if LAYERS.index(target) >= LAYERS.index(name):
                upward.append(f"odm/orm/{name}.py:{line} imports .{target}")
    assert upward == []


def test_no_mapper_module_imports_inside_a_function():
    inside = []
    for path in sorted(ORM.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        inside.append(f"{path.name}:{inner.lineno}")
    assert inside == []
