"""Async twin of ``manual/test_update_operators.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "manual.test_update_operators")
