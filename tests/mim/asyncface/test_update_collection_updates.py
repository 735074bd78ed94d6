"""Async twin of ``update/test_collection_updates.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "update.test_collection_updates")
