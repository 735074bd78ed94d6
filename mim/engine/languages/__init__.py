"""Layer 1 of the engine: the query languages.

The matcher (filters), expressions (aggregation expressions and
accumulators), projection and sorting: compiled once, evaluated per
document.  Imports only :mod:`mim.engine.values`.
"""
