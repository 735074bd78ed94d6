"""Async twin of ``indexes/test_in_points_plan.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "indexes.test_in_points_plan")
