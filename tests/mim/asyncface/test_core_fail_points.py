"""Async twin of ``core/test_fail_points.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_fail_points")
