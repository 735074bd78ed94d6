"""Async twin of ``sessions/test_sessions.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "sessions.test_sessions", skip={
    "test_start_session_is_a_pymongo_client_session[mim]":
        "the async face's session is pymongo's AsyncClientSession; asserted in "
        "test_async_face.py",
    "test_session_of_another_client":
        "pymongo's async API says 'Can only use session with the AsyncMongoClient that "
        "started it'; asserted in test_async_face.py::test_sessions_are_pymongo_async_sessions",
})
