"""Async twin of ``manual/test_text_search.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "manual.test_text_search")
