"""Open and verify envelopes: nothing unverified is released.

``open`` returns plaintext, and ``open_file`` publishes its output, only after
the header, every chunk, the key commitment, the sender's signature and the
policy have all been checked; ``verify`` checks everything that needs no
private key.

>>> import sandi
>>> from sandi.demo import demo_world
>>> w = demo_world()
>>> env = sandi.seal(b"Nota dinas", sender=w.keystore.identity("setda"),
...                  to=["inspektorat"], classification="rahasia", pola=w.pola)
>>> sandi.verify(env, pola=w.pola).sender
'setda'
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sandi._internal import fs as _fs
from sandi._internal.i18n import Phrase
from sandi.crypto.primitives import (
    LABEL_ENVELOPE_SIGNATURE,
    LABEL_METADATA,
    ZERO_NONCE,
    DocumentKeys,
    aead_open,
    same,
    verify_signature,
)
from sandi.crypto.suite import Suite
from sandi.envelope.format import Header, Stanza, decode_meta, read_header, signature_input
from sandi.envelope.info import (
    Document,
    EnvelopeInfo,
    Opened,
    describe,
    opened_from,
    plain_name,
)
from sandi.envelope.inputs import EnvelopeSource, envelope_input, envelope_reader
from sandi.envelope.pipeline import Pipeline
from sandi.envelope.policy import check_envelope, check_published
from sandi.envelope.stanzas import STANZA_LABELS
from sandi.envelope.stream import ChunkReader, ReadInto, open_payload
from sandi.envelope.timestamping import envelope_witnessed
from sandi.errors import (
    KeyNotFound,
    NotARecipient,
    TamperedEnvelope,
    UnknownAgency,
    WrappedKeyInvalid,
)
from sandi.keys.agencykey import Keyring, PrivateKey
from sandi.pola.model import KeyState
from sandi.pola.policy import Pola

Write = Callable[[bytes | memoryview], object]  # blocks may be views of fresh buffers

__all__ = ["open", "open_file", "output_name", "unwrap_checked", "verify"]

_META_FAILS = Phrase("encrypted metadata does not authenticate")



def unwrap_checked(header: Header, stanza: Stanza, key: PrivateKey
                   ) -> tuple[bytes, DocumentKeys]:
    """Unwrap ``stanza`` with ``key`` and check the result against the key commitment.

    Both are bound to the header hash: a stanza (or a commitment) copied under any
    other header fails here, for every recipient."""
    data_key = key.unwrap(stanza.body, header.signed.suite, labels=STANZA_LABELS,
                          aad=header.header_hash)
    keys = DocumentKeys.derive(data_key, header.signed.payload_nonce, header.header_hash)
    if not same(keys.commitment, header.bound.commitment):
        raise WrappedKeyInvalid("recipient stanza for {agency}: the key does not match the "
                                "envelope's key commitment", agency=stanza.agency)
    return data_key, keys


def _my_stanza(header: Header, keystore: Keyring) -> tuple[DocumentKeys, PrivateKey]:
    """Unwrap our stanza (try every stanza addressed to an agency we hold keys for)."""
    tried: list[tuple[str, int]] = []
    for stanza in header.stanzas:
        if not keystore.holds(stanza.agency):
            continue
        try:
            key = keystore.get(stanza.agency, stanza.key_version)
        except KeyNotFound:
            tried.append((stanza.agency, stanza.key_version))
            continue
        return unwrap_checked(header, stanza, key)[1], key
    # The message says only that no held key is a recipient: which agencies and key
    # versions this keystore holds is the keystore's business (issue 14 §8). The
    # detail is on the error, for `--debug`.
    raise NotARecipient.of(to=header.signed.to, held=tuple(keystore.agencies()),
                           tried=tuple(tried))


def _our_key_is_published(header: Header, keystore: Keyring, pola: Pola) -> None:
    """After our stanza failed to unwrap: if the key version we tried is not the one the
    pola publishes for it (a key whose request was never registered, or another home's
    keystore), say so (KeyNotFound) rather than blame the envelope. Only on failure:
    nothing is added to an open that succeeds."""
    for stanza in header.stanzas:
        if keystore.holds(stanza.agency):
            try:
                key = keystore.get(stanza.agency, stanza.key_version)
            except KeyNotFound:
                continue
            check_published(pola, key.agency, key.version, key.public)
            return


def _check_signature(header: Header, signer: object, trailer: bytes, digest: bytes) -> None:
    from sandi.pola.model import KeyVersion
    assert isinstance(signer, KeyVersion)
    verify_signature(signer.keys.ed25519, signer.keys.mldsa,
                     signature_input(header.signed_region, digest), trailer,
                     hybrid=header.signed.suite is Suite.HYBRID,
                     what=lambda: Phrase("signature of {agency}", agency=header.signed.sender),
                     context=LABEL_ENVELOPE_SIGNATURE)


def _open_stream(read: Callable[[int], bytes], write: Write, keystore: Keyring,
                 pola: Pola, now: datetime | None = None, receipt: bool = False,
                 readinto: ReadInto | None = None,
                 plaintext: Callable[[], bytes] | None = None) -> Opened:
    """Open from ``read`` to ``write``; with ``plaintext`` (what ``write`` wrote, asked for
    only once every check has passed), the result is a :class:`Document` holding it."""
    header = read_header(read)
    h = header.signed
    signer = check_envelope(pola, h, now)
    seen = envelope_witnessed(header, pola)
    try:
        doc_keys, key = _my_stanza(header, keystore)
    except WrappedKeyInvalid:
        _our_key_is_published(header, keystore, pola)  # a truer error, if it is not
        raise
    meta = decode_meta(aead_open(doc_keys.metadata, ZERO_NONCE, header.bound.meta,
                                 LABEL_METADATA, TamperedEnvelope,
                                 _META_FAILS))
    with Pipeline(write) as pipe:
        reader = ChunkReader(read, h.suite.signature_len, pipe.hash, readinto,
                             pipe.ring(extra=h.suite.signature_len))
        for plain in open_payload(doc_keys.payload, reader, pipe.ring(secret=True)):
            pipe.write(plain)
    _check_signature(header, signer, reader.trailer, pipe.digest.digest())
    warnings = _recipient_warnings(pola, key)
    kind, extra = (Opened, {}) if plaintext is None else (Document, {"plaintext": plaintext()})
    opened = opened_from(kind, h, pola, witnessed=seen, meta=meta,
                         opened_with=(key.agency, key.version), warnings=warnings, **extra)
    if not receipt:
        return opened
    # Only now, with every check passed: never a receipt for what failed verification.
    from sandi.envelope.acknowledging import make_receipt  # only when a receipt is asked for

    return replace(opened, receipt=make_receipt(header, reader.trailer,
                                                keystore.identity(key.agency), pola, now=now))


def _recipient_warnings(pola: Pola, key: PrivateKey) -> tuple[str, ...]:
    try:  # one lookup, not a set of every agency id per open (37 us at 1,025 agencies)
        version = pola.agency(key.agency).key(key.version)
    except UnknownAgency:
        return ()
    if version.state is KeyState.REVOKED:
        return (Phrase("opened with {agency} key v{version}, which is revoked; rewrap or"
                       " re-seal what you still need", agency=key.agency, version=key.version),)
    return ()


def open(envelope: EnvelopeSource, *, keystore: Keyring, pola: Pola,
         now: datetime | None = None, receipt: bool = False) -> Document:
    """Open an envelope in memory; the plaintext is returned only if all checks pass.

    ``envelope`` is bytes (binary or armored), armored text (``str``), a
    :class:`pathlib.Path` or a binary stream (:mod:`sandi.envelope.inputs`); a ``str``
    is never taken as a file name. With ``receipt``, ``Document.receipt`` is a signed
    receipt (tanda terima) for the sender, made after every check passed;
    ``Document.receipts_to`` says where the sender asked it be returned.

    Raises MalformedEnvelope, TamperedEnvelope (SignatureInvalid,
    WrappedKeyInvalid), NotARecipient, PolicyViolation, KeyRevoked, KeyNotValid,
    PolaMismatch, TimestampInvalid; TypeError for an argument of another type.
    """
    out = io.BytesIO()  # copies each block: the pipeline reuses its buffers
    with envelope_input(envelope) as (read, readinto):
        opened = _open_stream(read, out.write, keystore, pola, now, receipt, readinto,
                              plaintext=out.getvalue)
    assert isinstance(opened, Document)
    return opened


def open_file(src: EnvelopeSource, dst: str | os.PathLike[str] | BinaryIO, *, keystore: Keyring,
              pola: Pola, force: bool = False, now: datetime | None = None,
              progress: Callable[[int], object] | None = None,
              receipt: bool = False,
              before_publish: Callable[[Opened], object] | None = None) -> Opened:
    """Open to a file (published only when fully verified) or stream, in constant memory.

    ``src`` is as for :func:`open`. If ``dst`` is an existing directory, the file is
    named after the sender's encrypted filename reduced to a plain base name
    (``Opened.safe_filename``; a name that is not one, or longer than 255 bytes, falls
    back to the envelope's name without ``.sandi``); ``Opened.path`` says where it
    went. In a directory an existing file is never replaced, even with ``force``
    (OutputExists): the sender chose that name, so ``force`` applies only to a ``dst``
    the caller named. For a
    stream destination the plaintext is staged once, in an anonymous temporary file,
    and copied out only after verification. ``receipt`` is as for :func:`open`.
    ``before_publish`` is called once everything is verified and before the plaintext
    is published (to record the opening in an audit log): if it raises, nothing is
    published.
    """
    publish = before_publish or (lambda _opened: None)
    with envelope_input(src, progress) as (read, into):
        if isinstance(dst, (str, os.PathLike)) and Path(dst).is_dir():
            fallback = Path(src).name if isinstance(src, os.PathLike) else "dokumen.sandi"
            result: list[Opened] = []

            def name() -> str:
                return output_name(result[0].filename, fallback)

            # overwrite=False whatever ``force`` says: the name is the sender's choice,
            # and a sender must not choose which of the recipient's files is replaced.
            with _fs.atomic_output_in(dst, name, overwrite=False, mode=0o600) as out:
                result.append(_open_stream(read, out.write, keystore, pola, now, receipt, into))
                publish(result[0])
            return replace(result[0], path=str(Path(dst).absolute() / name()))
        if isinstance(dst, (str, os.PathLike)):
            with _fs.atomic_output(dst, overwrite=force, mode=0o600) as out:
                opened = _open_stream(read, out.write, keystore, pola, now, receipt, into)
                publish(opened)
            return replace(opened, path=str(Path(dst).absolute()))
        import shutil  # only here: `sandi open` never stages (issue 18 §1, start-up)
        import tempfile

        with tempfile.TemporaryFile() as staged:
            opened = _open_stream(read, staged.write, keystore, pola, now, receipt, into)
            publish(opened)
            staged.seek(0)
            shutil.copyfileobj(staged, dst, 1 << 20)
            return opened


def output_name(filename: str | None, envelope_name: str) -> str:
    """A safe output name: the sender's filename reduced by :func:`plain_name`, else the
    envelope's name without ``.sandi`` (or with ``.opened``), else ``dokumen.opened``;
    never a path, never hidden, never longer than 255 bytes."""
    # Never the envelope's own name: the plaintext would take its place.
    stem = envelope_name.replace("\\", "/").rsplit("/", 1)[-1]
    fallback = stem.removesuffix(".sandi") if stem.endswith(".sandi") else stem + ".opened"
    for candidate in (filename, fallback):
        base = plain_name(candidate)
        if base is not None and base != stem:
            return base
    return "dokumen.opened"


def verify(envelope: EnvelopeSource, *, pola: Pola, now: datetime | None = None,
           progress: Callable[[int], object] | None = None) -> EnvelopeInfo:
    """Check an envelope with public information only: structure, policy, the
    signer's key validity and the signature over header and payload.

    ``envelope`` is as for :func:`open`. Needs no private key; cannot check the
    recipient stanzas' contents (only each recipient can), but does check their
    number, order and names. Returns the verified clear header (an
    :class:`EnvelopeInfo`, nothing more: the metadata is encrypted).
    """
    with envelope_reader(envelope, progress) as read:
        header = read_header(read)
        signer = check_envelope(pola, header.signed, now)
        seen = envelope_witnessed(header, pola)
        with Pipeline() as pipe:
            reader = ChunkReader(read, header.signed.suite.signature_len, pipe.hash)
            for _block in reader:
                pass
        _check_signature(header, signer, reader.trailer, pipe.digest.digest())
    return describe(header.signed, pola, witnessed=seen)
