"""Async twin of ``sessions/test_faces_agree.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "sessions.test_faces_agree", skip={
    "test_faces_agree": "its wire half hands a mim session to a real pymongo client; "
                        "test_async_face.py::test_session_scenario_agrees_with_sync_face "
                        "runs the same scenario on both in-process faces",
})
