"""Async twin of ``core/test_top_k_sort.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_top_k_sort")
