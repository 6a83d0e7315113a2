"""The unsigned attachments of an envelope (after its stanzas) and of a receipt (after
its signature): evidence that the signer cannot make, each checked against what it
names. docs/format.md §6a.

::

    u32be U, attachments    canonical msgpack array of [type, body], U <= 64 KiB

Type 1 is an RFC 3161 ``TimeStampResp`` (DER, as the time-stamping authority
returned it) whose message imprint is SHA-256 of the envelope's header hash H
(of a receipt's hash, for a receipt). There is no other type: an unknown one is
refused, never skipped.

>>> from sandi.envelope.attachments import Attachments, decode_attachments, encode_attachments
>>> encode_attachments(Attachments())
b'\\x90'
>>> decode_attachments(encode_attachments(Attachments(timestamp=b"token"))).timestamp
b'token'
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sandi._internal.codec import Fields, pack, unpack
from sandi._internal.i18n import Phrase
from sandi.errors import MalformedEnvelope

MAX_ATTACHMENTS = 64 * 1024
MAX_TIMESTAMP = 32 * 1024  # one DER TimeStampResp (token and TSA certificate)


class AttachmentType(enum.IntEnum):
    """The kinds of unsigned attachment; each is checked against what it names."""

    TIMESTAMP = 1  # an RFC 3161 TimeStampResp over the header hash H


@dataclass(frozen=True)
class Attachments:
    """The unsigned attachments after the stanzas (and after a receipt's signature)."""

    timestamp: bytes | None = None  # a DER TimeStampResp over the header (receipt) hash


NO_ATTACHMENTS = Attachments()

_ATTACHMENTS_WORDS = Phrase("attachments")
_ATTACHMENTS = Fields(MalformedEnvelope, _ATTACHMENTS_WORDS)
_NONE = b"\x90"  # msgpack's empty array: no attachments


def encode_attachments(a: Attachments) -> bytes:
    """The canonical msgpack of the attachments: records [type, body], by type."""
    records = [] if a.timestamp is None else [[int(AttachmentType.TIMESTAMP), a.timestamp]]
    return pack(records)


def decode_attachments(data: bytes) -> Attachments:
    """Parse the attachments: known types only, each at most once, in ascending order.

    An unknown type is refused rather than skipped: an unsigned block a reader skips
    would be a channel nobody checks."""
    if data == _NONE:  # the usual case, and its one canonical encoding
        return NO_ATTACHMENTS
    f = _ATTACHMENTS
    items = f.array(unpack(data, MalformedEnvelope, _ATTACHMENTS_WORDS, MAX_ATTACHMENTS),
                    "attachments", 0, len(AttachmentType))
    records = [f.record(x, "attachment", 2) for x in items]
    types = [f.integer(r[0], "attachment type", 1, 2**32) for r in records]
    if types != sorted(set(types)):
        f.fail("attachment types must be ascending and unique")
    found: dict[int, bytes] = {}
    for kind, record in zip(types, records, strict=True):
        if kind not in AttachmentType._value2member_map_:
            f.fail("unknown attachment type {kind}", kind=kind)
        found[kind] = f.blob(record[1], "time-stamp token", 1, MAX_TIMESTAMP)
    return Attachments(timestamp=found.get(AttachmentType.TIMESTAMP))


