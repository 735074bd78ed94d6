"""Async twin of ``replset/test_transaction_insert_one.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "replset.test_transaction_insert_one", skip={
    "test_the_shortcut_declines_what_the_command_must_answer":
        "calls the sync client's Runner.insert_one_in_transaction itself (the async "
        "face's statements are compared with the command by the other tests)",
})
