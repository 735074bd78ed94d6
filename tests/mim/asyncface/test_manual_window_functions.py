"""Async twin of ``manual/test_window_functions.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "manual.test_window_functions")
