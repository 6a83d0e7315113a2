"""Seal envelopes: policy + keys + format + stream (opening is in :mod:`sandi.envelope.opening`).

Randomness (the data key, the payload nonce, the document id) is drawn in the
public functions; :func:`_seal_from_parts` does the rest deterministically but
for the wrap's ephemeral keys, so tests and vectors can fix the parts.

Nothing unverified is released: ``open`` returns plaintext, and ``open_file``
publishes its output, only after the header, every chunk, the key commitment,
the sender's signature and the policy have all been checked.

>>> import sandi
>>> from sandi.demo import demo_world
>>> w = demo_world()
>>> env = sandi.seal(b"Nota dinas", sender=w.keystore.identity("diskominfo"),
...                  to=["bkpsdmd"], classification="rahasia", pola=w.pola)
>>> sandi.open(env, keystore=w.keystore, pola=w.pola).plaintext
b'Nota dinas'
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sandi._internal import fs as _fs
from sandi._internal.time import epoch, from_epoch
from sandi.crypto.primitives import (
    LABEL_ENVELOPE_SIGNATURE,
    LABEL_METADATA,
    ZERO_NONCE,
    DocumentKeys,
)
from sandi.crypto.suite import Suite
from sandi.envelope import policy
from sandi.envelope.armor import ArmorWriter
from sandi.envelope.attachments import Attachments
from sandi.envelope.format import (
    DOC_ID_SIZE,
    MAX_RETURN_TO,
    NONCE_SIZE,
    Bound,
    Metadata,
    ReceiptRequest,
    SignedHeader,
    Signer,
    SignerKind,
    decode_meta,
    encode_bound,
    encode_header,
    encode_meta,
    encode_signed_header,
    hash_header,
    read_header,
    signature_input,
    signed_region,
)
from sandi.envelope.info import EnvelopeInfo, describe
from sandi.envelope.inputs import PlainSource, plain_input
from sandi.envelope.pipeline import Pipeline
from sandi.envelope.stanzas import wrap
from sandi.envelope.stream import plaintext_chunks, seal_payload
from sandi.envelope.timestamping import envelope_witnessed, stamp
from sandi.errors import (
    InvalidArgument,
    KeyNotValid,
    MalformedEnvelope,
    PolicyViolation,
)
from sandi.keys.agencykey import Identity, PrivateKey
from sandi.pola.classification import Classification, Urgency
from sandi.pola.policy import Pola

Write = Callable[[bytes | memoryview], object]  # blocks may be views of fresh buffers

__all__ = ["seal", "seal_file"]


# --- seal ---------------------------------------------------------------------------


def _recipients(to: Sequence[str] | str) -> tuple[str, ...]:
    if isinstance(to, str):
        to = [to]
    names = tuple(sorted(set(to)))
    if not names:
        raise InvalidArgument("at least one recipient agency required")
    return names


@dataclass(frozen=True, repr=False)
class _Parts:
    """The random parts of an envelope, drawn by the public functions only."""

    data_key: bytes
    nonce: bytes
    doc_id: bytes

    @classmethod
    def random(cls) -> _Parts:
        return cls(secrets.token_bytes(32), secrets.token_bytes(NONCE_SIZE),
                   secrets.token_bytes(DOC_ID_SIZE))


@dataclass(frozen=True)
class _Request:
    """What the caller asked to seal, before any check."""

    sender: Identity
    to: tuple[str, ...]
    classification: Classification
    pola: Pola
    meta: bytes  # encoded, and checked as open will check it
    urgency: Urgency
    created_at: int
    receipts: ReceiptRequest | None = None

    @classmethod
    def make(cls, *, sender: Identity, to: Sequence[str] | str,
             classification: Classification | str, pola: Pola, meta: Metadata,
             urgency: Urgency | str, now: datetime | None,
             receipts: bool | Sequence[str] = False,
             receipts_to: Sequence[str] | str | None = None) -> _Request:
        names, level = _recipients(to), Classification.parse(classification)
        return cls(sender, names, level, pola, _checked_meta(meta), Urgency.parse(urgency),
                   epoch(now), _receipt_request(pola, sender.agency, names, level, receipts,
                                                receipts_to))


def _receipt_request(pola: Pola, sender: str, to: tuple[str, ...], level: Classification,
                     receipts: bool | Sequence[str], receipts_to: Sequence[str] | str | None
                     ) -> ReceiptRequest | None:
    """The receipt request to sign into the header: from every recipient (True), from
    the ones named, or none; returned to ``receipts_to`` (default: the sender). Where
    the pola requires receipts for the level, every recipient is asked."""
    required = pola.requirement(level).receipts
    if receipts is False and not required:
        return None
    named = () if isinstance(receipts, bool) else tuple(sorted(set(
        [receipts] if isinstance(receipts, str) else receipts)))
    if not set(named) <= set(to):
        raise InvalidArgument("receipts can be requested only from recipients")
    if required and named and named != to:
        raise PolicyViolation("{label} requires a receipt from every recipient",
                              label=level.label)
    back = [receipts_to] if isinstance(receipts_to, str) else receipts_to or [sender]
    return_to = tuple(sorted(set(back)))
    if not 1 <= len(return_to) <= MAX_RETURN_TO:
        raise InvalidArgument("receipts are returned to 1..{limit} agencies",
                              limit=MAX_RETURN_TO)
    for name in return_to:
        pola.agency(name)
    return ReceiptRequest(() if named == to else named, return_to)


def _checked_meta(meta: Metadata) -> bytes:
    """The encoded metadata. Refuse at seal any metadata that open would refuse (an
    empty or over-long filename, subject or content type), rather than seal an
    unopenable envelope."""
    try:
        encoded = encode_meta(meta)
        decode_meta(encoded)
    except (MalformedEnvelope, ValueError) as exc:  # ValueError: text msgpack cannot encode
        # The problem without the "metadata: " prefix, in the caller's language.
        detail = exc.params.get("problem", exc) if isinstance(exc, MalformedEnvelope) else exc
        raise InvalidArgument("cannot seal this metadata: {detail}", detail=detail) from None
    return encoded


def _signing_key(pola: Pola, sender: Identity, at: int) -> tuple[PrivateKey, Signer]:
    """The key that signs: the member's personal key if one acts, else the agency's
    current key; either must be the one the pola publishes and valid at ``at``."""
    agency = pola.agency(sender.agency)
    if sender.member is not None:
        person = agency.member(sender.member.agency)
        person._check_active_at(sender.agency, at)
        published = person.key(sender.member.version)
        key, signer = sender.member, Signer(SignerKind.MEMBER, person.id, published.version)
    else:
        published = agency.current
        key = sender.version(published.version)
        signer = Signer(SignerKind.AGENCY, sender.agency, key.version)
    if key.public != published.keys:
        raise KeyNotValid("keystore key {agency} v{version} is not the key the pola publishes for "
                          "it", agency=key.agency, version=key.version)
    published._check_signed_at(key.agency, at)
    return key, signer


def _prepare(parts: _Parts, req: _Request) -> tuple[bytes, bytes, PrivateKey, Suite, bytes]:
    """Check policy, build and wrap the header.

    Returns (header, signed region, signing key, suite, payload key).
    """
    pola, level, sender = req.pola, req.classification, req.sender
    pola.check_time(from_epoch(req.created_at), level)
    for name in (sender.agency, *req.to):
        pola.agency(name)  # UnknownAgency before anything else
    suite = pola.requirement(level).suite
    pola.check_flow(sender.agency, req.to, level, suite)
    policy.check_member_signed(pola, level, sender.member is not None, sender.agency)
    key, signer = _signing_key(pola, sender, req.created_at)
    targets = [pola.sealing_key(a) for a in req.to]
    if suite is Suite.HYBRID:
        for name, target in zip(req.to, targets, strict=True):
            if not target.keys.has_pq:
                raise PolicyViolation(
                    "{label} requires the hybrid suite but {agency} key v{version} has no "
                    "post-quantum key; its custodian must run `sandi keys rotate --pq`",
                    label=level.label, agency=name, version=target.version)
        if not key.public.has_pq:
            raise PolicyViolation("{label} requires the hybrid suite but the signing key {agency} "
                                  "v{version} has no post-quantum key", label=level.label,
                                  agency=key.agency, version=key.version)
    header_bytes = encode_signed_header(SignedHeader(
        suite=suite, pola_id=pola.id, pola_version=pola.version, doc_id=parts.doc_id,
        created_at=req.created_at, sender=sender.agency, signer=signer, to=req.to,
        classification=level, urgency=req.urgency, payload_nonce=parts.nonce,
        receipt_request=req.receipts))
    # Every key of the document, the commitment and every stanza are bound to the
    # header hash: copied under any other header, none of them opens (format.md §7.4).
    hh = hash_header(header_bytes)
    token = stamp(pola, hh, req.created_at)  # the TSA witnesses H, before any payload
    keys = DocumentKeys.derive(parts.data_key, parts.nonce, hh)
    meta_ct = AESGCM(keys.metadata).encrypt(ZERO_NONCE, req.meta, LABEL_METADATA)
    region = signed_region(header_bytes, encode_bound(Bound(keys.commitment, meta_ct)))
    stanzas = tuple(wrap(parts.data_key, suite, name, t.version, t.keys.x25519, t.keys.mlkem,
                         header_hash=hh)
                    for name, t in zip(req.to, targets, strict=True))
    return (encode_header(region, stanzas, Attachments(timestamp=token)), region, key, suite,
            keys.payload)


def _seal_from_parts(chunks: Iterable[tuple[bytes | memoryview, bool]], write: Write,
                     parts: _Parts,
                     req: _Request) -> bytes:
    """Seal with the random parts given; write the envelope; return its header bytes."""
    header, region, key, suite, payload_key = _prepare(parts, req)
    write(header)
    with Pipeline(write) as pipe:
        for block in seal_payload(payload_key, chunks, pipe.ring()):
            pipe.hash(block)
            pipe.write(block)
    write(key.sign(signature_input(region, pipe.digest.digest()),
                                 hybrid=suite is Suite.HYBRID, context=LABEL_ENVELOPE_SIGNATURE))
    return header


def seal(data: bytes, *, sender: Identity, to: Sequence[str] | str,
         classification: Classification | str, pola: Pola, filename: str | None = None,
         subject: str | None = None, content_type: str | None = None,
         urgency: Urgency | str = Urgency.BIASA, now: datetime | None = None,
         armor: bool = False, receipts: bool | Sequence[str] = False,
         receipts_to: Sequence[str] | str | None = None) -> bytes:
    """Seal ``data`` from ``sender`` to the agencies ``to``; return the envelope.

    Raises PolicyViolation / UnknownAgency if the pola does not allow it,
    KeyNotFound if the keystore lacks the sender's current key, InvalidArgument
    for bad arguments. The clear header shows sender, recipients, classification,
    urgency, creation time, document id and pola version; filename, subject and
    content type are encrypted.

    ``receipts`` asks for signed receipts (tanda terima) from every recipient (True)
    or from the recipients named, returned to ``receipts_to`` (default: the sender);
    where the pola requires receipts for the classification, every recipient is asked.
    Where the pola names a time-stamping authority, the envelope carries its token.
    """
    req = _Request.make(sender=sender, to=to, classification=classification, pola=pola,
                        meta=Metadata(filename, subject, content_type), urgency=urgency,
                        now=now, receipts=receipts, receipts_to=receipts_to)
    out = io.BytesIO()
    with _maybe_armored(out.write, armor) as write:
        _seal_from_parts(plaintext_chunks(io.BytesIO(data).read), write, _Parts.random(), req)
    return out.getvalue()


@contextlib.contextmanager
def _maybe_armored(write: Write, armored: bool) -> Iterator[Write]:
    if not armored:
        yield write
        return
    writer = ArmorWriter(write)
    yield writer.write
    writer.close()


def seal_file(src: PlainSource, dst: str | os.PathLike[str] | BinaryIO, *, sender: Identity,
              to: Sequence[str] | str, classification: Classification | str, pola: Pola,
              filename: str | None = None, subject: str | None = None,
              content_type: str | None = None, urgency: Urgency | str = Urgency.BIASA,
              force: bool = False, now: datetime | None = None,
              armor: bool = False, progress: Callable[[int], object] | None = None,
              receipts: bool | Sequence[str] = False,
              receipts_to: Sequence[str] | str | None = None,
              before_publish: Callable[[EnvelopeInfo], object] | None = None
              ) -> EnvelopeInfo:
    """Seal a file or binary stream to a file (atomically) or stream, in constant memory.

    ``src`` is a :class:`pathlib.Path` or any object with ``read(n)`` returning bytes
    (:class:`sandi.envelope.inputs.Readable`); a ``str`` is never taken as a file
    name (TypeError). ``filename`` defaults to the source's base name. An existing ``dst`` is
    replaced only with ``force``; on any failure nothing is left at ``dst``.
    ``progress`` is called with the number of plaintext bytes of each read;
    ``receipts`` and ``receipts_to`` are as for :func:`seal`. ``before_publish`` is
    called with the envelope's description once it is complete and before a file
    ``dst`` is published (to record the sealing in an audit log): if it raises, nothing
    is published. (A stream ``dst`` has the bytes already.)
    """
    if filename is None and isinstance(src, os.PathLike):
        filename = Path(src).name
    req = _Request.make(sender=sender, to=to, classification=classification, pola=pola,
                        meta=Metadata(filename, subject, content_type), urgency=urgency,
                        now=now, receipts=receipts, receipts_to=receipts_to)
    with plain_input(src, progress) as (read, readinto):
        chunks = plaintext_chunks(read, readinto)
        if isinstance(dst, (str, os.PathLike)):
            with _fs.atomic_output(dst, overwrite=force) as out:
                with _maybe_armored(out.write, armor) as write:
                    header = _seal_from_parts(chunks, write, _Parts.random(), req)
                info = _described(header, pola)
                if before_publish is not None:
                    before_publish(info)
            return info
        with _maybe_armored(dst.write, armor) as write:
            header = _seal_from_parts(chunks, write, _Parts.random(), req)
    info = _described(header, pola)
    if before_publish is not None:
        before_publish(info)
    return info


def _described(header: bytes, pola: Pola) -> EnvelopeInfo:
    """What seal_file returns: the envelope's description (and its time-stamp's time)."""
    parsed = read_header(io.BytesIO(header).read)
    return describe(parsed.signed, pola, witnessed=envelope_witnessed(parsed, pola))

