"""Async twin of ``indexes/test_planner.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "indexes.test_planner")
