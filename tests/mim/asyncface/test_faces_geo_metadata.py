"""Async twin of ``faces/test_geo_metadata.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "faces.test_geo_metadata")
