"""Async twin of ``indexes/test_collmod.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "indexes.test_collmod")
