"""Async twin of ``indexes/test_exact_bounds.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "indexes.test_exact_bounds")
