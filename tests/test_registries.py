"""Every operator table of the engine is one kind of registry: name, family, and a
name registered twice is refused (so no module silently replaces another's)."""

from __future__ import annotations

import pytest

from mim.engine.commands.registry import COMMANDS
from mim.engine.languages.expressions.registry import OPERATORS
from mim.engine.languages.matcher.registry import FIELD_OPERATORS, TOP_LEVEL_OPERATORS
from mim.engine.pipeline.group import ACCUMULATORS
from mim.engine.pipeline.registry import STAGES
from mim.engine.update.registry import UPDATE_OPERATORS
from mim.engine.values.registry import Registry

TABLES = {"query operators": FIELD_OPERATORS, "top-level query operators": TOP_LEVEL_OPERATORS,
          "expression operators": OPERATORS, "accumulators": ACCUMULATORS,
          "pipeline stages": STAGES, "update operators": UPDATE_OPERATORS,
          "commands": COMMANDS}


@pytest.mark.parametrize("table", TABLES.values(), ids=list(TABLES))
def test_every_table_is_a_registry_with_a_family_per_name(table: Registry) -> None:
    assert isinstance(table, Registry)
    assert table and set(table.families) == set(table)
    assert all(table.families.values())


@pytest.mark.parametrize("table", TABLES.values(), ids=list(TABLES))
def test_a_name_registered_twice_is_refused(table: Registry) -> None:
    name = next(iter(table))
    with pytest.raises(ValueError, match="registered twice"):
        table.register(name)(lambda *args: None)
    assert table[name] is not None and name in table.families


def test_registered_names_keep_their_module_as_family() -> None:
    assert UPDATE_OPERATORS.families["$push"] == "arrays"
    assert STAGES.families["$group"] == "group"
    assert COMMANDS.families["find"] == "crud"
