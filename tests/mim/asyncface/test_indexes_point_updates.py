"""Async twin of ``indexes/test_point_updates.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "indexes.test_point_updates")
