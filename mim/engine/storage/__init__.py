"""Layer 2 of the engine: storage.

Servers, databases and collections holding documents as BSON bytes; the one
write path every change goes through; the server's structured log
(:mod:`.log`, what ``getLog`` returns).  Imports only the layers below it
(:mod:`~mim.engine.languages`, :mod:`~mim.engine.values`).
"""
