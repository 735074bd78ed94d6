"""Async twin of ``indexes/test_covered_explain.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "indexes.test_covered_explain")
