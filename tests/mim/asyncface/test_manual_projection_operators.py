"""Async twin of ``manual/test_projection_operators.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "manual.test_projection_operators")
