"""Async twin of ``core/test_two_field_sort.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_two_field_sort")
