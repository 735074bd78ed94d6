"""Layer 3 of the engine: indexes.

Index keys (:mod:`.keys`), index specifications (:mod:`.specs`), the per
collection index catalog and its constraints (:mod:`.indexes`) and TTL
expiry (:mod:`.ttl`).  Index structures answer range questions; choosing how
to read documents is the planner's job.
"""
