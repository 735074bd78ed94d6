"""Configure named datastores from a flat dictionary (e.g. an ini file's section).

``configure(**{'ming.main.uri': 'mim:///app'})`` creates the datastore named
``main`` and binds ``Session.by_name('main')`` to it - sessions asked for by
name before configuration are re-bound too, so models can be declared at
import time and configured at start-up.  The prefix ``odm.`` works as well as
``ming.``.
"""
from __future__ import annotations

from typing import Any, Mapping

from .base import dotted_keys
from .datastore import DataStore, create_datastore

__all__ = ["configure", "configure_from_nested_dict"]

_INT_OPTIONS = ("connect_retry",)


def configure(**kwargs: Any) -> dict[str, DataStore]:
    """Create the datastores described by flat ``ming.<name>.<option>`` keys.

    Each datastore needs a ``uri``; ``database`` names the database when the
    URI does not, ``connect_retry`` and ``auto_ensure_indexes`` configure the
    engine, and any other option goes to the client (``replicaSet``, ``w``,
    ``tz_aware``...).  Returns the datastores by name.
    """
    nested = dotted_keys(kwargs.items())
    config: dict = {}
    for prefix in ("ming", "odm"):
        config.update(nested.get(prefix, {}))
    return configure_from_nested_dict(config)


def configure_from_nested_dict(config: Mapping[str, Mapping[str, Any]]) -> dict[str, DataStore]:
    """Like :func:`configure`, from ``{name: {option: value}}``."""
    from .session import Session

    datastores: dict[str, DataStore] = {}
    for name, options in config.items():
        options = dict(options)
        try:
            uri = options.pop("uri")
        except KeyError:
            raise ValueError(f"datastore {name!r} has no uri") from None
        for key in _INT_OPTIONS:
            if key in options:
                options[key] = int(options[key])
        datastores[name] = create_datastore(uri, **options)
    Session._configure_datastores(datastores)
    return datastores
