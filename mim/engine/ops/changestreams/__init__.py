"""Change streams: the change history (an oplog kept in memory), resume tokens in
the server's format, change event documents and the change stream cursor.

:func:`open_change_stream` is what ``aggregate`` runs for a pipeline that starts
with ``$changeStream``; every face reaches it through that command.
"""

from .history import ChangeHistory, ChangeRecord, history_of
from .stream import (ALLOWED_FOLLOWING_STAGES, STANDALONE_ERROR, ChangeStreamTail,
                     is_change_stream, open_change_stream)

__all__ = ["ChangeHistory", "ChangeRecord", "history_of", "ChangeStreamTail",
           "open_change_stream", "is_change_stream", "ALLOWED_FOLLOWING_STAGES",
           "STANDALONE_ERROR"]
