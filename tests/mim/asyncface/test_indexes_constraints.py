"""Async twin of ``indexes/test_constraints.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "indexes.test_constraints")
