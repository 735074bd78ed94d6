"""Async twin of ``core/test_insert_one_plain.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_insert_one_plain", skip={
    "test_the_shortcut_is_taken_only_for_the_plain_command":
        "calls the sync client's Runner.insert_one itself (the async face's insert_one "
        "answers are compared by the other tests)",
})
