"""Async twin of ``core/test_command_field_support.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_command_field_support")
