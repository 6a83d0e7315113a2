"""Seal, open, verify and rewrap envelopes: policy + keys + format + stream.

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

import hashlib
import io
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sandi import _fs
from sandi._time import epoch
from sandi.classification import Classification, Urgency
from sandi.envelope_info import Document, EnvelopeInfo, Opened, describe
from sandi.errors import (
    InvalidArgument,
    KeyNotFound,
    KeyNotValid,
    MalformedEnvelope,
    NotARecipient,
    PolicyViolation,
    TamperedEnvelope,
    WrappedKeyInvalid,
)
from sandi.format import (
    DOC_ID_SIZE,
    NONCE_SIZE,
    Header,
    Metadata,
    SignedHeader,
    Signer,
    SignerKind,
    Stanza,
    Suite,
    decode_meta,
    encode_header,
    encode_meta,
    encode_signed_header,
    read_header,
    signature_input,
    signed_region,
)
from sandi.keys import AgencyKey, Identity, Keystore
from sandi.pola import Pola
from sandi.pola_model import KeyState
from sandi.primitives import (
    LABEL_METADATA,
    ZERO_NONCE,
    DocumentKeys,
    aead_open,
    same,
    verify_signature,
)
from sandi.stream import ChunkReader, Offload, open_payload, plaintext_chunks, seal_payload
from sandi.wrap import unwrap, wrap

Source = Path | str | BinaryIO
Write = Callable[[bytes], object]

__all__ = ["Document", "EnvelopeInfo", "Opened", "open", "open_file", "seal", "seal_file",
           "verify"]


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
    meta: Metadata
    urgency: Urgency
    created_at: int

    @classmethod
    def make(cls, *, sender: Identity, to: Sequence[str] | str,
             classification: Classification | str, pola: Pola, meta: Metadata,
             urgency: Urgency | str, now: datetime | None) -> _Request:
        return cls(sender, _recipients(to), Classification.parse(classification), pola,
                   _checked_meta(meta), Urgency.parse(urgency), epoch(now))


def _checked_meta(meta: Metadata) -> Metadata:
    """Refuse at seal any metadata that open would refuse (an empty or over-long
    filename, subject or content type), rather than seal an unopenable envelope."""
    try:
        decode_meta(encode_meta(meta))
    except (MalformedEnvelope, ValueError) as exc:  # ValueError: text msgpack cannot encode
        detail = str(exc).removeprefix("metadata: ")
        raise InvalidArgument(f"cannot seal this metadata: {detail}") from None
    return meta


def _prepare(parts: _Parts, req: _Request) -> tuple[bytes, bytes, AgencyKey, Suite, bytes]:
    """Check policy, build and wrap the header.

    Returns (header, signed region, signing key, suite, payload key).
    """
    pola, level, sender = req.pola, req.classification, req.sender
    for name in (sender.agency, *req.to):
        pola.agency(name)  # UnknownAgency before anything else
    suite = pola.requirement(level).suite
    pola.check_flow(sender.agency, req.to, level, suite)
    published = pola.sealing_key(sender.agency)
    key = sender.version(published.version)
    if key.public != published.keys:
        raise KeyNotValid(f"keystore key {sender.agency} v{key.version} is not the key the"
                          " pola publishes for it")
    published.check_signed_at(sender.agency, req.created_at)
    targets = [pola.sealing_key(a) for a in req.to]
    if suite is Suite.HYBRID:
        for name, target in zip(req.to, targets, strict=True):
            if not target.keys.has_pq:
                raise PolicyViolation(
                    f"{level.label} requires the hybrid suite but {name} key v{target.version}"
                    f" has no post-quantum key; its custodian must run `sandi keys rotate --pq`")
        if not key.public.has_pq:
            raise PolicyViolation(f"{level.label} requires the hybrid suite but your key"
                                  f" {sender.agency} v{key.version} has no post-quantum key")
    keys = DocumentKeys.derive(parts.data_key, parts.nonce)
    meta_ct = AESGCM(keys.metadata).encrypt(ZERO_NONCE, encode_meta(req.meta), LABEL_METADATA)
    signed = SignedHeader(
        suite=suite, pola_id=pola.id, pola_version=pola.version, doc_id=parts.doc_id,
        created_at=req.created_at, sender=sender.agency,
        signer=Signer(SignerKind.AGENCY, sender.agency, key.version), to=req.to,
        classification=level, urgency=req.urgency, payload_nonce=parts.nonce,
        commitment=keys.commitment, meta=meta_ct)
    signed_bytes = encode_signed_header(signed)
    stanzas = tuple(wrap(parts.data_key, suite, name, t.version, t.keys.x25519, t.keys.mlkem)
                    for name, t in zip(req.to, targets, strict=True))
    return (encode_header(signed_bytes, stanzas), signed_region(signed_bytes), key, suite,
            keys.payload)


def _seal_from_parts(chunks: Iterable[tuple[bytes | memoryview, bool]], write: Write,
                     parts: _Parts,
                     req: _Request) -> bytes:
    """Seal with the random parts given; write the envelope; return its header bytes."""
    header, region, key, suite, payload_key = _prepare(parts, req)
    write(header)
    digest, offload = hashlib.sha256(), Offload()
    for block in seal_payload(payload_key, chunks):
        offload.run(digest.update, block)
        offload.run(write, block)
    offload.finish()
    write(key.signing_key().sign(signature_input(region, digest.digest()),
                                 hybrid=suite is Suite.HYBRID))
    return header


def seal(data: bytes, *, sender: Identity, to: Sequence[str] | str,
         classification: Classification | str, pola: Pola, filename: str | None = None,
         subject: str | None = None, content_type: str | None = None,
         urgency: Urgency | str = Urgency.BIASA, now: datetime | None = None) -> bytes:
    """Seal ``data`` from ``sender`` to the agencies ``to``; return the envelope.

    Raises PolicyViolation / UnknownAgency if the pola does not allow it,
    KeyNotFound if the keystore lacks the sender's current key, InvalidArgument
    for bad arguments. The clear header shows sender, recipients, classification,
    urgency, creation time, document id and pola version; filename, subject and
    content type are encrypted.
    """
    req = _Request.make(sender=sender, to=to, classification=classification, pola=pola,
                        meta=Metadata(filename, subject, content_type), urgency=urgency,
                        now=now)
    out = io.BytesIO()
    _seal_from_parts(plaintext_chunks(io.BytesIO(data).read), out.write, _Parts.random(), req)
    return out.getvalue()


def seal_file(src: Source, dst: Path | str | BinaryIO, *, sender: Identity,
              to: Sequence[str] | str, classification: Classification | str, pola: Pola,
              filename: str | None = None, subject: str | None = None,
              content_type: str | None = None, urgency: Urgency | str = Urgency.BIASA,
              force: bool = False, now: datetime | None = None) -> EnvelopeInfo:
    """Seal a file or binary stream to a file (atomically) or stream, in constant memory.

    ``filename`` defaults to the source's base name. An existing ``dst`` is
    replaced only with ``force``; on any failure nothing is left at ``dst``.
    """
    if filename is None and isinstance(src, (str, Path)):
        filename = Path(src).name
    req = _Request.make(sender=sender, to=to, classification=classification, pola=pola,
                        meta=Metadata(filename, subject, content_type), urgency=urgency,
                        now=now)
    with _reader(src) as read:
        if isinstance(dst, (str, Path)):
            with _fs.atomic_output(dst, overwrite=force) as out:
                header = _seal_from_parts(plaintext_chunks(read), out.write, _Parts.random(),
                                          req)
        else:
            header = _seal_from_parts(plaintext_chunks(read), dst.write, _Parts.random(), req)
    return describe(read_header(io.BytesIO(header).read).signed, pola)


# --- open and verify -------------------------------------------------------------------


def unwrap_checked(header: Header, stanza: Stanza, key: AgencyKey
                   ) -> tuple[bytes, DocumentKeys]:
    """Unwrap ``stanza`` with ``key`` and check the result against the key commitment."""
    data_key = unwrap(stanza, header.signed.suite, key.x25519, key.mlkem_seed,
                      key.public.x25519)
    keys = DocumentKeys.derive(data_key, header.signed.payload_nonce)
    if not same(keys.commitment, header.signed.commitment):
        raise WrappedKeyInvalid(f"recipient stanza for {stanza.agency}: the key does not"
                                " match the header's commitment")
    return data_key, keys


def _my_stanza(header: Header, keystore: Keystore) -> tuple[DocumentKeys, AgencyKey]:
    """Unwrap our stanza (try every stanza addressed to an agency we hold keys for)."""
    held = set(keystore.agencies())
    tried: list[str] = []
    for stanza in header.stanzas:
        if stanza.agency not in held:
            continue
        try:
            key = keystore.get(stanza.agency, stanza.key_version)
        except KeyNotFound:
            tried.append(f"{stanza.agency} v{stanza.key_version} (not held)")
            continue
        return unwrap_checked(header, stanza, key)[1], key
    to = ", ".join(header.signed.to)
    detail = f"; tried {', '.join(tried)}" if tried else ""
    raise NotARecipient(f"this envelope is for {to}; this keystore holds keys for"
                        f" {', '.join(sorted(held)) or 'no agency'}{detail}")


def _check_signature(header: Header, signer: object, trailer: bytes, digest: bytes) -> None:
    from sandi.pola_model import KeyVersion
    assert isinstance(signer, KeyVersion)
    verify_signature(signer.keys.ed25519, signer.keys.mldsa,
                     signature_input(header.signed_region, digest), trailer,
                     hybrid=header.signed.suite is Suite.HYBRID,
                     what=f"signature of {header.signed.sender}")


def _open_stream(read: Callable[[int], bytes], write: Write, keystore: Keystore,
                 pola: Pola) -> Opened:
    header = read_header(read)
    h = header.signed
    signer = pola.check_envelope(h)
    doc_keys, key = _my_stanza(header, keystore)
    meta = decode_meta(aead_open(doc_keys.metadata, ZERO_NONCE, h.meta,
                                 LABEL_METADATA, TamperedEnvelope, "encrypted metadata"
                                 " does not authenticate"))
    digest, offload = hashlib.sha256(), Offload()
    reader = ChunkReader(read, h.suite.signature_len, lambda block: offload.run(digest.update,
                                                                                 block))
    try:
        for plain in open_payload(doc_keys.payload, reader):
            offload.run(write, plain)
    except BaseException:
        offload.finish(quiet=True)  # the refusal, not a write error behind it, is the news
        raise
    offload.finish()
    _check_signature(header, signer, reader.trailer, digest.digest())
    warnings = _recipient_warnings(pola, key)
    return describe(h, pola, meta=meta, opened_with=(key.agency, key.version),
                    warnings=warnings)


def _recipient_warnings(pola: Pola, key: AgencyKey) -> tuple[str, ...]:
    version = pola.agency(key.agency).key(key.version) if key.agency in {
        a.id for a in pola.agencies} else None
    if version is not None and version.state is KeyState.REVOKED:
        return (f"opened with {key.agency} key v{key.version}, which is revoked; rewrap or"
                " re-seal what you still need",)
    return ()


def open(envelope: bytes, *, keystore: Keystore, pola: Pola) -> Document:
    """Open an envelope in memory; the plaintext is returned only if all checks pass.

    Raises MalformedEnvelope, TamperedEnvelope (SignatureInvalid,
    WrappedKeyInvalid), NotARecipient, PolicyViolation, KeyRevoked, KeyNotValid,
    PolaMismatch.
    """
    parts: list[bytes] = []
    opened = _open_stream(io.BytesIO(envelope).read, parts.append, keystore, pola)
    return Document(**vars(opened), plaintext=b"".join(parts))


def open_file(src: Source, dst: Path | str | BinaryIO, *, keystore: Keystore, pola: Pola,
              force: bool = False) -> Opened:
    """Open to a file (published only when fully verified) or stream, in constant memory.

    If ``dst`` is an existing directory, the file is named after the sender's
    encrypted filename (its base name only; names that are hidden, empty or
    path-like fall back to the envelope's name without ``.sandi``); ``Opened.path``
    says where it went. For a stream destination the plaintext is staged in an
    anonymous temporary file and copied out only after verification.
    """
    with _reader(src) as read:
        if isinstance(dst, (str, Path)) and Path(dst).is_dir():
            fallback = Path(src).name if isinstance(src, (str, Path)) else "dokumen.sandi"
            result: list[Opened] = []

            def name() -> str:
                return output_name(result[0].filename, fallback)

            with _fs.atomic_output_in(dst, name, overwrite=force, mode=0o600) as out:
                result.append(_open_stream(read, out.write, keystore, pola))
            return replace(result[0], path=str(Path(dst).absolute() / name()))
        if isinstance(dst, (str, Path)):
            with _fs.atomic_output(dst, overwrite=force, mode=0o600) as out:
                opened = _open_stream(read, out.write, keystore, pola)
            return replace(opened, path=str(Path(dst).absolute()))
        with tempfile.TemporaryFile() as staged:
            opened = _open_stream(read, staged.write, keystore, pola)
            staged.seek(0)
            shutil.copyfileobj(staged, dst, 1 << 20)
            return opened


def output_name(filename: str | None, envelope_name: str) -> str:
    """A safe output name: the sender's filename reduced to a plain, visible base name,
    else the envelope's name without ``.sandi`` (never a path, never hidden)."""
    for candidate in (filename or "", envelope_name.removesuffix(".sandi")):
        base = candidate.replace("\\", "/").rsplit("/", 1)[-1].strip()
        if base and not base.startswith(".") and base.isprintable():
            return base
    return "dokumen"


def verify(envelope: bytes | Source, *, pola: Pola) -> EnvelopeInfo:
    """Check an envelope with public information only: structure, policy, the
    signer's key validity and the signature over header and payload.

    Needs no private key; cannot check the recipient stanzas' contents (only each
    recipient can), but does check their number, order and names.
    """
    if isinstance(envelope, bytes):
        envelope = io.BytesIO(envelope)
    with _reader(envelope) as read:
        header = read_header(read)
        signer = pola.check_envelope(header.signed)
        digest, offload = hashlib.sha256(), Offload()
        reader = ChunkReader(read, header.signed.suite.signature_len,
                             lambda block: offload.run(digest.update, block))
        for _chunk in reader:
            pass
        offload.finish()
        _check_signature(header, signer, reader.trailer, digest.digest())
    return describe(header.signed, pola)


class _reader:
    def __init__(self, src: Source) -> None:
        self._src = src
        self._owned: BinaryIO | None = None

    def __enter__(self) -> Callable[[int], bytes]:
        if isinstance(self._src, (str, Path)):
            try:
                self._owned = Path(self._src).open("rb")
            except OSError as exc:
                raise InvalidArgument(f"cannot read {self._src}: {exc.strerror}") from None
            return self._owned.read
        return self._src.read

    def __exit__(self, *exc: object) -> None:
        if self._owned is not None:
            self._owned.close()
