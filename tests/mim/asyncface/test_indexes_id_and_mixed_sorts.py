"""Async twin of ``indexes/test_id_and_mixed_sorts.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "indexes.test_id_and_mixed_sorts")
