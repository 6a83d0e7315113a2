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
    from sandi.audit.checkpoint import Checkpoint, Cosignature
    from sandi.audit.log import AuditLog, Event, LogStatus, Record
    from sandi.audit.witness import CosignRequest, Witness, witnessed

__getattr__, __dir__ = surface(__name__, {
    **dict.fromkeys(["AuditLog", "Event", "LogStatus", "Record"], "sandi.audit.log"),
    **dict.fromkeys(["Checkpoint", "Cosignature"], "sandi.audit.checkpoint"),
    **dict.fromkeys(["CosignRequest", "Witness", "witnessed"], "sandi.audit.witness")})

__all__ = ["AuditLog", "Checkpoint", "CosignRequest", "Cosignature", "Event", "LogStatus",
           "Record", "Witness", "witnessed"]
