"""Access control, as mongod's ``src/mongo/db/auth/`` has it.

- :mod:`.scram` — SCRAM-SHA-1 / SCRAM-SHA-256: the salted keys stored for a
  user, and the server side of the SASL conversation;
- :mod:`.users` — each engine's user store (what ``admin.system.users`` holds);
- :mod:`.roles` — the built-in roles and the privileges they grant;
- :mod:`.authorization` — which privileges a command needs, and the
  per-connection :class:`~.authorization.AuthSession` that holds who is
  authenticated and decides whether a command may run.

The commands over them live in :mod:`mim.engine.commands.users` and
:mod:`mim.engine.commands.authentication`; the wire server holds one
``AuthSession`` per connection.  Layering: this package imports only
:mod:`mim.engine.values` (it sits in the ops layer, used by :mod:`mim.engine.commands`
and the wire face).
"""
