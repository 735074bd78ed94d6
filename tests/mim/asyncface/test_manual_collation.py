"""Async twin of ``manual/test_collation.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "manual.test_collation")
