"""Async twin of ``manual/test_aggregation_stages.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "manual.test_aggregation_stages")
