"""Async twin of ``core/test_cursor.py`` (see ``twin.py``)."""
from .twin import twin

_NO_INDEXING = ("pymongo's AsyncCursor does not support indexing (IndexError); "
                "asserted in test_async_face.py")

twin(globals(), "core.test_cursor", skip={
    "test_getitem_index": _NO_INDEXING,
    "test_getitem_slice": _NO_INDEXING,
    "test_modifiers_after_iteration_raise_invalid_operation[<lambda>8]": _NO_INDEXING,
})
