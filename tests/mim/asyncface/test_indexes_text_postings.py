"""Async twin of ``indexes/test_text_postings.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "indexes.test_text_postings")
