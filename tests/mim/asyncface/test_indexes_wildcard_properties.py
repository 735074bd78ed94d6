"""Async twin of ``indexes/test_wildcard_properties.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "indexes.test_wildcard_properties")
