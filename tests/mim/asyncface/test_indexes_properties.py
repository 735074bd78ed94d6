"""Async twin of ``indexes/test_properties.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "indexes.test_properties")
