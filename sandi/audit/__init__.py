"""The hash-chained audit log of who sealed and opened what (SQLite or PostgreSQL).

>>> import tempfile, os
>>> from sandi import audit
>>> log = audit.AuditLog(os.path.join(tempfile.mkdtemp(), "audit.db"))
>>> log.append(audit.Event("seal", agency="diskominfo", doc_id="ab" * 16)).seq
1
>>> log.verify().size
1
"""

from typing import TYPE_CHECKING

from sandi._internal.lazy import surface

if TYPE_CHECKING:
    from sandi.audit.log import AuditLog, Checkpoint, Event, LogStatus, Record

__getattr__, __dir__ = surface(__name__, dict.fromkeys(
    ["AuditLog", "Checkpoint", "Event", "LogStatus", "Record"], "sandi.audit.log"))

__all__ = ["AuditLog", "Checkpoint", "Event", "LogStatus", "Record"]
