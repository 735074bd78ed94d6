"""Async twin of ``indexes/test_option_validation.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "indexes.test_option_validation")
