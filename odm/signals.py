"""Signals: ``pre_save``, ``post_save``, ``pre_update``, ``post_update``, ``pre_remove``, ``post_remove``, ``pre_flush``, ``post_flush``.

MongoTor's signals (and Django's way of spelling them) over the mapper's one
event registry (:mod:`odm.orm.events`)::

    from odm import signals

    @signals.receiver(signals.pre_save, User)
    def stamp(sender, instance):
        instance.created = datetime.now(timezone.utc)

    signals.post_remove.connect(audit)          # every mapped class

A receiver is called as ``receiver(sender, instance)``: for the object
signals the sender is the object's class and the instance the object; for
``pre_flush``/``post_flush`` the sender is the :class:`~odm.orm.ODMSession`
and the instance the object being flushed (``None`` for a whole flush).
``connect(receiver, sender=Model)`` hears only objects whose class *is*
``Model`` (not its subclasses, as in Django and blinker); ``connect(receiver)``
hears all of them.

When each fires, in unit-of-work terms:

* ``pre_save``/``post_save``: around the insert of a new object (``flush``);
* ``pre_update``/``post_update``: around the write of a dirty object's changes;
* ``pre_remove``/``post_remove``: around the delete of an object marked
  deleted (``obj.delete()`` then ``flush``) - not for ``Model.query.remove(filter)``,
  which deletes documents, not objects;
* ``pre_flush``/``post_flush``: around every ``session.flush()``.

Receivers run at the place Ming's ``SessionExtension`` hooks run, outermost
(``pre_*`` before the session's and mapper's extensions, ``post_*`` after
them); what a ``pre_save`` receiver changes is written.  While a receiver
listens to ``pre_save`` or ``post_save``, new objects are inserted one by one
(as with insert extensions) so that each gets its own signals.

The implementation is a few lines of our own rather than ``blinker``: blinker
matches a sender by identity with what is sent, while these signals are sent
an object and matched on its class, and a dependency would buy nothing else.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional

from .orm.events import registry

__all__ = [
    "Signal",
    "receiver",
    "pre_save",
    "post_save",
    "pre_update",
    "post_update",
    "pre_remove",
    "post_remove",
    "pre_flush",
    "post_flush",
]

Receiver = Callable[[Any, Any], Any]


class Signal:
    """A named signal sent by the mapper on one event of :mod:`odm.orm.events`.

    It listens to its event in the registry only while it has receivers, so an
    unused signal costs nothing (and does not keep inserts from being batched).
    """

    def __init__(self, name: str, event: str, sender_of: Callable[..., Any], doc: str) -> None:
        self.name = name
        self.event = event
        self.__doc__ = doc
        self._sender_of = sender_of
        self._receivers: list[tuple[Receiver, Optional[Any]]] = []

    @property
    def receivers(self) -> list[tuple[Receiver, Optional[Any]]]:
        """``(receiver, sender)`` pairs in connection order (``sender`` ``None``: any)."""
        return list(self._receivers)

    def connect(self, receiver: Receiver, sender: Optional[Any] = None) -> Receiver:
        """Call ``receiver(sender, instance)`` when this signal is sent (by ``sender`` only, if given).

        Returns ``receiver``, so ``connect`` works as a decorator on a function.
        Connecting the same receiver for the same sender twice has no effect.
        """
        if not callable(receiver):
            raise TypeError(f"a receiver must be callable, not {receiver!r}")
        if (receiver, sender) not in self._receivers:
            if not self._receivers:
                registry.listen(self.event, self._on_event)
            self._receivers.append((receiver, sender))
        return receiver

    def disconnect(self, receiver: Receiver, sender: Optional[Any] = None) -> None:
        """Stop calling ``receiver`` for ``sender`` (nothing happens if it was not connected)."""
        if (receiver, sender) in self._receivers:
            self._receivers.remove((receiver, sender))
            if not self._receivers:
                registry.remove(self.event, self._on_event)

    @contextmanager
    def connected_to(self, receiver: Receiver, sender: Optional[Any] = None) -> Iterator[Receiver]:
        """``with signal.connected_to(receiver): ...`` - connected for the block only."""
        self.connect(receiver, sender)
        try:
            yield receiver
        finally:
            self.disconnect(receiver, sender)

    def send(self, sender: Any, instance: Any = None) -> list[tuple[Receiver, Any]]:
        """Call the receivers connected for ``sender`` (and for any sender); returns ``(receiver, result)`` pairs."""
        return [(receiver, receiver(sender, instance))
                for receiver, wanted in list(self._receivers) if wanted is None or wanted is sender]

    def _on_event(self, session: Any, *payload: Any) -> None:
        sender, instance = self._sender_of(session, *payload)
        self.send(sender, instance)

    def __repr__(self) -> str:
        return f"<Signal {self.name} ({len(self._receivers)} receivers)>"


def _object_sender(session: Any, obj: Any, st: Any) -> tuple[type, Any]:
    return type(obj), obj


def _session_sender(session: Any, obj: Any) -> tuple[Any, Any]:
    return session.facade, obj  # the session the application holds (an AsyncODMSession, not its sync worker)


pre_save = Signal("pre_save", "before_insert", _object_sender, "A new object is about to be inserted.")
post_save = Signal("post_save", "after_insert", _object_sender, "A new object was inserted.")
pre_update = Signal("pre_update", "before_update", _object_sender, "A dirty object's changes are about to be written.")
post_update = Signal("post_update", "after_update", _object_sender, "A dirty object's changes were written.")
pre_remove = Signal("pre_remove", "before_delete", _object_sender, "A deleted object is about to be removed.")
post_remove = Signal("post_remove", "after_delete", _object_sender, "A deleted object was removed.")
pre_flush = Signal("pre_flush", "before_flush", _session_sender, "A session flush starts.")
post_flush = Signal("post_flush", "after_flush", _session_sender, "A session flush ended.")


def receiver(signal: Signal, sender: Optional[Any] = None) -> Callable[[Receiver], Receiver]:
    """Decorator connecting a function to ``signal`` (for ``sender`` only, if given), as in MongoTor."""
    def decorate(function: Receiver) -> Receiver:
        return signal.connect(function, sender)

    return decorate
