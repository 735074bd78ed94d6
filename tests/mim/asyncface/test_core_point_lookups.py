"""Async twin of ``core/test_point_lookups.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_point_lookups")
