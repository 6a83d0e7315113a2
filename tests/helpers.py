"""Test helpers: take envelopes apart, put them back together, forge and re-sign them.

Everything here works on the wire format through :mod:`sandi.envelope.format`, so a test
can change one field, re-encode it canonically and see which check refuses it.
Nothing here is used by the library.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import msgpack
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import sandi
from sandi._internal.time import epoch
from sandi.authority.authoring import compile_source, parse_source, sign_body
from sandi.crypto.primitives import (
    LABEL_ENVELOPE_SIGNATURE,
    LABEL_METADATA,
    ZERO_NONCE,
    DocumentKeys,
)
from sandi.crypto.suite import Suite
from sandi.demo import DemoWorld, example_source
from sandi.envelope.attachments import NO_ATTACHMENTS, Attachments
from sandi.envelope.format import (
    CT_CHUNK_SIZE,
    DOC_ID_SIZE,
    NONCE_SIZE,
    PREFIX,
    Bound,
    Metadata,
    SignedHeader,
    Signer,
    SignerKind,
    Stanza,
    decode_signed_header,
    encode_bound,
    encode_header,
    encode_meta,
    encode_signed_header,
    encode_stanzas,
    hash_header,
    parse_header,
    signature_input,
    signed_region,
)
from sandi.envelope.sealing import _Parts, _Request, _seal_from_parts
from sandi.envelope.stanzas import wrap
from sandi.envelope.stream import plaintext_chunks, seal_payload
from sandi.errors import (
    EnvelopeFromFuture,
    KeyNotValid,
    MalformedEnvelope,
    NotARecipient,
    PolaMismatch,
    PolicyViolation,
    TamperedEnvelope,
    UnknownAgency,
)
from sandi.keys.keystore import Keystore
from sandi.keys.secretfile import KdfParams
from sandi.pola.classification import Classification, Urgency
from sandi.pola.model import KeyVersion
from sandi.pola.policy import Pola

#: Every error a changed envelope may legitimately raise: which one depends on
#: where the change lands (parse, policy, key choice, unwrap, chunk, signature; a
#: changed creation time may land in the future).
REFUSALS: tuple[type[sandi.SandiError], ...] = (
    MalformedEnvelope, TamperedEnvelope, NotARecipient, PolicyViolation, KeyNotValid,
    UnknownAgency, PolaMismatch, EnvelopeFromFuture,
)

PASSPHRASE = "kata sandi uji"


# --- keystores and polas -------------------------------------------------------------


def keystore_with(world: DemoWorld, home: Path, agencies: Iterable[str]) -> Keystore:
    """A keystore in ``home`` holding only the demo keys of ``agencies``."""
    store = Keystore.create(home, passphrase=PASSPHRASE, kdf=KdfParams.TEST)
    store.add_keys([key for agency in agencies for key in world.keystore.keys(agency)])
    return Keystore.open(home, passphrase=PASSPHRASE)


def pola_with(world: DemoWorld, keys: Mapping[str, Sequence[KeyVersion]], *,
              version: int = 2, pola_id: str | None = None,
              edit: Callable[[dict[str, Any]], object] | None = None) -> Pola:
    """The demo pola re-issued at ``version`` with some agencies' key histories replaced
    (and its TOML source changed by ``edit``), signed by the demo authority (2 of 3)."""
    source = parse_source(example_source())
    source["pola"]["version"] = version
    if pola_id is not None:
        source["pola"]["id"] = pola_id
    if edit is not None:
        edit(source)
    all_keys = {a.id: list(a.keys) for a in world.pola.agencies}
    all_keys.update({k: list(v) for k, v in keys.items()})
    body = compile_source(source, keys=all_keys,
                          timestamp_key=world.timestamp.public,
                          authority_keys=[a.public for a in world.authority],
                          threshold=2, issued_at=world.pola.issued_at)
    return Pola.from_bytes(sign_body(body, world.authority[:2]).to_bytes())


# --- taking envelopes apart ----------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where each region of an envelope lies, as byte offsets."""

    env: bytes
    signed_header: SignedHeader
    bound: Bound
    stanzas: tuple[Stanza, ...]
    header_hash: bytes
    signed_len_at: int  # the u32 S
    signed: slice  # the header's msgpack (hashed into H)
    bound_len_at: int  # the u32 B
    bound_block: slice  # the bound block's msgpack (commitment, encrypted metadata)
    stanzas_len_at: int  # the u32 R
    stanza_block: slice
    stanza_versions: tuple[slice, ...]  # each stanza's key-version integer
    stanza_bodies: tuple[slice, ...]  # each stanza's body bytes (without the bin header)
    attachments_len_at: int  # the u32 U
    attachment_block: slice  # the attachments' msgpack (an RFC 3161 token, if any)
    attachments: Attachments
    payload: slice
    chunks: tuple[slice, ...]
    signature: slice

    @classmethod
    def of(cls, env: bytes) -> Layout:
        """Parse ``env`` (which must be well formed) into its regions."""
        header, end = parse_header(env)
        sig_len = header.signed.suite.signature_len
        signed_at = len(PREFIX) + 4
        signed_end = signed_at + len(encode_signed_header(header.signed))
        bound_at = signed_end + 4
        signed_region_end = len(header.signed_region)
        block_at = signed_region_end + 4
        versions, bodies = [], []
        entries = [msgpack.packb([s.agency, s.key_version, s.body]) for s in header.stanzas]
        stanzas_end = block_at + len(encode_stanzas(header.stanzas))
        pos = stanzas_end - sum(map(len, entries))
        for s, entry in zip(header.stanzas, entries, strict=True):
            v_at = pos + 1 + len(msgpack.packb(s.agency))
            v_end = v_at + len(msgpack.packb(s.key_version))
            versions.append(slice(v_at, v_end))
            bodies.append(slice(pos + len(entry) - len(s.body), pos + len(entry)))
            pos += len(entry)
        assert pos == stanzas_end
        pay_end = len(env) - sig_len
        chunks = tuple(slice(a, min(a + CT_CHUNK_SIZE, pay_end))
                       for a in range(end, pay_end, CT_CHUNK_SIZE))
        return cls(env, header.signed, header.bound, header.stanzas, header.header_hash,
                   len(PREFIX), slice(signed_at, signed_end), signed_end,
                   slice(bound_at, signed_region_end), signed_region_end,
                   slice(block_at, stanzas_end), tuple(versions), tuple(bodies),
                   stanzas_end, slice(stanzas_end + 4, end), header.attachments,
                   slice(end, pay_end), chunks, slice(pay_end, len(env)))

    @property
    def signed_bytes(self) -> bytes:
        """The header's msgpack."""
        return self.env[self.signed]

    @property
    def bound_bytes(self) -> bytes:
        """The bound block's msgpack."""
        return self.env[self.bound_block]

    @property
    def region(self) -> bytes:
        """The signed region: magic to the end of the bound block."""
        return self.env[:self.bound_block.stop]

    @property
    def payload_bytes(self) -> bytes:
        """The payload ciphertext."""
        return self.env[self.payload]

    @property
    def signature_bytes(self) -> bytes:
        """The trailing signature."""
        return self.env[self.signature]

    def chunk_list(self) -> list[bytes]:
        """The payload ciphertext chunks."""
        return [self.env[c] for c in self.chunks]

    def stanza_exempt(self) -> set[int]:
        """Offsets outside the signature by design (guarantee 7): the stanzas' key
        versions and bodies. A custodian rewrapping changes exactly these."""
        out: set[int] = set()
        for s in (*self.stanza_versions, *self.stanza_bodies):
            out.update(range(s.start, s.stop))
        return out

    def with_(self, *, signed_bytes: bytes | None = None, bound_bytes: bytes | None = None,
              stanzas: tuple[Stanza, ...] | None = None, payload: bytes | None = None,
              signature: bytes | None = None, attachments: Attachments | None = None) -> bytes:
        """The envelope with some parts replaced (nothing re-signed)."""
        return assemble(self.signed_bytes if signed_bytes is None else signed_bytes,
                        self.bound_bytes if bound_bytes is None else bound_bytes,
                        self.stanzas if stanzas is None else stanzas,
                        self.payload_bytes if payload is None else payload,
                        self.signature_bytes if signature is None else signature,
                        self.attachments if attachments is None else attachments)


def assemble(signed_bytes: bytes, bound_bytes: bytes, stanzas: tuple[Stanza, ...],
             payload: bytes, signature: bytes, attachments: Attachments = NO_ATTACHMENTS
             ) -> bytes:
    """Put an envelope together from its parts."""
    return (encode_header(signed_region(signed_bytes, bound_bytes), stanzas, attachments)
            + payload + signature)


def flip(env: bytes, pos: int, mask: int = 0x01) -> bytes:
    """``env`` with the byte at ``pos`` xored with ``mask`` (non-zero)."""
    assert mask & 0xFF
    out = bytearray(env)
    out[pos] ^= mask
    return bytes(out)


# --- sealing with known parts, and forging ---------------------------------------------


def known_parts(seed: int = 1) -> _Parts:
    """Fixed random parts, so a test knows the data key."""
    return _Parts(bytes([seed]) * 32, bytes([seed + 1]) * NONCE_SIZE,
                  bytes([seed + 2]) * DOC_ID_SIZE)


def seal_known(world: DemoWorld, data: bytes, *, sender: str, to: Sequence[str],
               classification: str, parts: _Parts, pola: Pola | None = None,
               filename: str | None = None) -> bytes:
    """Seal through the deterministic core with ``parts``."""
    req = _Request.make(sender=world.keystore.identity(sender), to=to,
                        classification=classification, pola=pola or world.pola,
                        meta=Metadata(filename), urgency=Urgency.BIASA, now=None)
    out = io.BytesIO()
    _seal_from_parts(plaintext_chunks(io.BytesIO(data).read), out.write, parts, req)
    return out.getvalue()


def doc_keys(data_key: bytes, signed: SignedHeader | bytes) -> DocumentKeys:
    """The document keys of ``data_key`` under a header (or its encoded bytes)."""
    header_bytes = encode_signed_header(signed) if isinstance(signed, SignedHeader) else signed
    nonce = signed.payload_nonce if isinstance(signed, SignedHeader) else \
        decode_signed_header(signed).payload_nonce
    return DocumentKeys.derive(data_key, nonce, hash_header(header_bytes))


def encrypt_payload(keys: DocumentKeys, plaintext: bytes) -> bytes:
    """The STREAM payload of ``plaintext`` under ``keys``."""
    return b"".join(seal_payload(keys.payload, plaintext_chunks(io.BytesIO(plaintext).read)))


def encrypt_meta(keys: DocumentKeys, meta: Metadata) -> bytes:
    """The encrypted metadata field under ``keys``."""
    return AESGCM(keys.metadata).encrypt(ZERO_NONCE, encode_meta(meta), LABEL_METADATA)


def bound_for(data_key: bytes, signed: SignedHeader, meta: Metadata | None = None) -> bytes:
    """The bound block a sender holding ``data_key`` writes for the header ``signed``."""
    keys = doc_keys(data_key, signed)
    return encode_bound(Bound(keys.commitment, encrypt_meta(keys, meta or Metadata())))


def make_header(world: DemoWorld, *, sender: str, to: Sequence[str],
                classification: Classification, suite: Suite, parts: _Parts,
                created_at: int | None = None, pola: Pola | None = None) -> SignedHeader:
    """A header built by hand (no policy check at all)."""
    pola = pola or world.pola
    return SignedHeader(
        suite=suite, pola_id=pola.id, pola_version=pola.version, doc_id=parts.doc_id,
        created_at=epoch(pola.issued_at) + 60 if created_at is None else created_at, sender=sender,
        signer=Signer(SignerKind.AGENCY, sender, pola.sealing_key(sender).version),
        to=tuple(sorted(to)), classification=classification, urgency=Urgency.BIASA,
        payload_nonce=parts.nonce)


def wrap_for(world: DemoWorld, data_key: bytes, suite: Suite, agency: str, header_hash: bytes,
             pola: Pola | None = None) -> Stanza:
    """A stanza wrapping ``data_key`` to ``agency``'s current key in the pola, bound to
    ``header_hash``."""
    key = (pola or world.pola).sealing_key(agency)
    return wrap(data_key, suite, agency, key.version, key.keys.x25519, key.keys.mlkem,
                header_hash=header_hash)


def sign(world: DemoWorld, region: bytes, payload: bytes, suite: Suite, *,
         agency: str, version: int = 1) -> bytes:
    """A signature by ``agency`` key ``version`` over a signed region and a payload."""
    message = signature_input(region, hashlib.sha256(payload).digest())
    return world.keystore.get(agency, version).signing_key().sign(
        message, hybrid=suite is Suite.HYBRID, context=LABEL_ENVELOPE_SIGNATURE)


def forge(world: DemoWorld, signed: SignedHeader, plaintext: bytes, parts: _Parts, *,
          sign_as: str | None = None, sign_version: int = 1,
          stanzas: tuple[Stanza, ...] | None = None, meta: Metadata | None = None) -> bytes:
    """A complete envelope from a hand-built header, with every key derived as a sender
    does (under the header's hash), signed by ``sign_as`` (default: the header's sender)."""
    header_bytes = encode_signed_header(signed)
    hh = hash_header(header_bytes)
    if stanzas is None:
        stanzas = tuple(wrap_for(world, parts.data_key, signed.suite, a, hh) for a in signed.to)
    bound = bound_for(parts.data_key, signed, meta)
    payload = encrypt_payload(doc_keys(parts.data_key, signed), plaintext)
    return assemble(header_bytes, bound, stanzas, payload,
                    sign(world, signed_region(header_bytes, bound), payload, signed.suite,
                         agency=sign_as or signed.sender, version=sign_version))


def resign(world: DemoWorld, layout: Layout, signed: SignedHeader | bytes, *,
           agency: str | None = None, version: int | None = None,
           stanzas: tuple[Stanza, ...] | None = None, bound_bytes: bytes | None = None
           ) -> bytes:
    """The re-signing attack (issue 14 §1): ``layout``'s envelope under another header,
    its bound block, stanzas (unless given) and payload copied as they are, signed by
    ``agency`` key ``version`` (default: the new header's signer)."""
    header_bytes = encode_signed_header(signed) if isinstance(signed, SignedHeader) else signed
    h = decode_signed_header(header_bytes)
    bound = layout.bound_bytes if bound_bytes is None else bound_bytes
    region = signed_region(header_bytes, bound)
    return assemble(header_bytes, bound,
                    layout.stanzas if stanzas is None else stanzas, layout.payload_bytes,
                    sign(world, region, layout.payload_bytes, h.suite,
                         agency=agency or h.signer.id,
                         version=h.signer.key_version if version is None else version))


__all__ = [
    "REFUSALS",
    "Layout",
    "assemble",
    "bound_for",
    "doc_keys",
    "encrypt_meta",
    "encrypt_payload",
    "flip",
    "forge",
    "keystore_with",
    "known_parts",
    "make_header",
    "pola_with",
    "replace",
    "resign",
    "seal_known",
    "sign",
    "wrap_for",
]


def catalogues() -> ModuleType:
    """tools/catalogues.py, the script that extracts, checks and compiles the gettext
    catalogues (a script, not a package: loaded from its file, once)."""
    if "catalogues" in sys.modules:
        return sys.modules["catalogues"]
    path = Path(__file__).resolve().parent.parent / "tools" / "catalogues.py"
    spec = importlib.util.spec_from_file_location("catalogues", path)
    assert spec is not None and spec.loader is not None
    module = sys.modules["catalogues"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
