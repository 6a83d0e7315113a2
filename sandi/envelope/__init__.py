"""Envelopes: seal, open and verify documents; rewrap them for a new key version.

The wire format is :mod:`sandi.envelope.format` (beside docs/format.md); what open
and verify return is :mod:`sandi.envelope.info`. Apps normally use the same names
from the top-level :mod:`sandi`; custodians' rewrap lives here.

>>> from sandi import envelope
>>> from sandi.demo import demo_world
>>> w = demo_world()
>>> env = envelope.seal(b"Nota dinas", sender=w.keystore.identity("diskominfo"),
...                     to=["bkpsdmd"], classification="rahasia", pola=w.pola)
>>> envelope.rewrap(env, keystore=w.keystore, pola=w.pola)[1].outcome.value
'already current'
"""

from typing import TYPE_CHECKING

from sandi._internal.lazy import surface

if TYPE_CHECKING:
    from sandi.envelope.acknowledging import ReceiptInfo, check_receipt, make_receipt
    from sandi.envelope.archive import archive_turn, end_with_parent
    from sandi.envelope.info import Document, EnvelopeInfo, Opened
    from sandi.envelope.inputs import EnvelopeSource, PlainSource, Readable
    from sandi.envelope.opening import open, open_file, verify
    from sandi.envelope.peeking import UnverifiedHeader, peek, precheck
    from sandi.envelope.receipts import Outcome as ReceiptOutcome
    from sandi.envelope.receipts import Reason as RefusalReason
    from sandi.envelope.receipts import Receipt, decode_receipt
    from sandi.envelope.refusing import refuse
    from sandi.envelope.rewrapping import Outcome as RewrapOutcome
    from sandi.envelope.rewrapping import Rewrapped, rewrap, rewrap_file
    from sandi.envelope.sealing import seal, seal_file

__getattr__, __dir__ = surface(__name__, {
    "Document": "sandi.envelope.info", "EnvelopeInfo": "sandi.envelope.info",
    "Opened": "sandi.envelope.info",
    "EnvelopeSource": "sandi.envelope.inputs", "PlainSource": "sandi.envelope.inputs",
    "Readable": "sandi.envelope.inputs",
    "open": "sandi.envelope.opening", "open_file": "sandi.envelope.opening",
    "verify": "sandi.envelope.opening",
    "peek": "sandi.envelope.peeking", "UnverifiedHeader": "sandi.envelope.peeking",
    "precheck": "sandi.envelope.peeking",
    "seal": "sandi.envelope.sealing", "seal_file": "sandi.envelope.sealing",
    "RewrapOutcome": "sandi.envelope.rewrapping:Outcome", "Rewrapped": "sandi.envelope.rewrapping",
    "rewrap": "sandi.envelope.rewrapping", "rewrap_file": "sandi.envelope.rewrapping",
    "ReceiptInfo": "sandi.envelope.acknowledging",
    "check_receipt": "sandi.envelope.acknowledging", "make_receipt": "sandi.envelope.acknowledging",
    "Receipt": "sandi.envelope.receipts", "decode_receipt": "sandi.envelope.receipts",
    "ReceiptOutcome": "sandi.envelope.receipts:Outcome",
    "RefusalReason": "sandi.envelope.receipts:Reason",
    "refuse": "sandi.envelope.refusing",
    "archive_turn": "sandi.envelope.archive", "end_with_parent": "sandi.envelope.archive",
})

__all__ = [
    "Document",
    "EnvelopeInfo",
    "EnvelopeSource",
    "Opened",
    "PlainSource",
    "Readable",
    "Receipt",
    "ReceiptInfo",
    "ReceiptOutcome",
    "RefusalReason",
    "RewrapOutcome",
    "Rewrapped",
    "UnverifiedHeader",
    "archive_turn",
    "check_receipt",
    "decode_receipt",
    "end_with_parent",
    "make_receipt",
    "open",
    "open_file",
    "peek",
    "precheck",
    "refuse",
    "rewrap",
    "rewrap_file",
    "seal",
    "seal_file",
    "verify",
]
