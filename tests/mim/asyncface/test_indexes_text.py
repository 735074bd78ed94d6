"""Async twin of ``indexes/test_text.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "indexes.test_text")
