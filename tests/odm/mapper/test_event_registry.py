"""The mapper's one event registry: scopes, calling order, removal (no database needed)."""
from __future__ import annotations

import gc

import pytest

from odm.orm.events import EVENTS, EventRegistry


class Scope:
    """Stands for a session or a mapped class (anything weakly referenceable)."""


def test_before_events_go_outside_in_and_after_events_inside_out():
    events = EventRegistry()
    session, cls, other = Scope(), Scope(), Scope()
    calls: list = []
    for event in ("before_insert", "after_insert"):
        events.listen(event, lambda s, *p, tag="global": calls.append(tag))
        events.listen(event, lambda s, *p, tag="session": calls.append(tag), session)
        events.listen(event, lambda s, *p, tag="class": calls.append(tag), cls)
        events.listen(event, lambda s, *p, tag="other": calls.append(tag), other)
    events.dispatch("before_insert", session, cls, "obj", "state")
    events.dispatch("after_insert", session, cls, "obj", "state")
    assert calls == ["global", "session", "class", "class", "session", "global"]


def test_listeners_receive_the_session_then_the_payload():
    events = EventRegistry()
    session = Scope()
    got: list = []
    events.listen("before_remove", lambda *args: got.append(args), session)
    events.dispatch("before_remove", session, None, "cls", ("filter",), {"multi": True})
    assert got == [(session, "cls", ("filter",), {"multi": True})]


def test_unknown_events_are_refused_and_removal_is_exact():
    events = EventRegistry()
    with pytest.raises(ValueError, match="before_save"):
        events.listen("before_save", print)
    listener = events.listen("after_flush", lambda s, obj: None)
    assert events.has_listeners(["after_flush"], Scope())
    events.remove("after_flush", listener)
    assert not events.has_listeners(["after_flush"], Scope())
    with pytest.raises(ValueError):
        events.remove("after_flush", listener)
    assert set(EVENTS) >= {"before_insert", "after_delete", "before_flush", "cursor_created"}


def test_a_scope_that_goes_away_takes_its_listeners_with_it():
    events = EventRegistry()
    session = Scope()
    events.listen("before_update", lambda s, obj, st: None, session)
    assert len(events.listeners("before_update", session)) == 1
    del session
    gc.collect()
    assert len(events._scoped) == 0
