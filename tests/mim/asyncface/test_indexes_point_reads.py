"""Async twin of ``indexes/test_point_reads.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "indexes.test_point_reads", skip={
    "test_the_point_path_is_taken_and_leaves_the_rest":
        "calls the sync client's Runner.find_one_point itself (the async face's find_one "
        "answers are checked by the other tests)",
})
