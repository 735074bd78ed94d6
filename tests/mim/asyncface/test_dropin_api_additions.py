"""Async twin of ``dropin/test_api_additions.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "dropin.test_api_additions")
