"""Async twin of ``indexes/test_ttl.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "indexes.test_ttl")
