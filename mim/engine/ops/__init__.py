"""Layer 5 of the engine: operations.

find / count / distinct and the writes (:mod:`.crud`), the catalog (create,
drop, rename: :mod:`.catalog`), views (:mod:`.views`), server-side cursors
(:mod:`.cursors`) and logical sessions (:mod:`.sessions`).  Built on the
planner, pipeline and update layers; used by :mod:`mim.engine.commands`.
"""
