"""Async twin of ``core/test_max_time_fail_points.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_max_time_fail_points")
