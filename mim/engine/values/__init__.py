"""Layer 0 of the engine: values.

BSON order and equality (:mod:`.order`), dotted paths (:mod:`.paths`), the
server's errors and codes (:mod:`.errors`) and how values are rendered in
error messages (:mod:`.render`).  Imports nothing else from the engine.
"""
