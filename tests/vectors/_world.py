"""The fixed world of the published test vectors, and low-level envelope tools.

Used by ``generate.py`` only; the test (tests/test_vectors.py) reads the
committed ``world.json`` and never imports this. Every key here is derived from
a fixed label, so the world (``world.json``) is the same on every run. TEST KEYS
ONLY: they are public, never use them for anything else.
"""

from __future__ import annotations

import hashlib
import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import msgpack
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import sandi.crypto.wrap
from sandi._internal.time import from_epoch, optional_datetime
from sandi.authority.authoring import AuthorityKeyPair, compile_source, parse_source, sign_body
from sandi.crypto.primitives import (
    LABEL_ENVELOPE_SIGNATURE,
    LABEL_METADATA,
    ZERO_NONCE,
    DocumentKeys,
)
from sandi.crypto.suite import Suite
from sandi.crypto.wrap import x25519_public
from sandi.envelope.attachments import encode_attachments
from sandi.envelope.format import (
    DOC_ID_SIZE,
    NONCE_SIZE,
    Bound,
    Metadata,
    ReceiptRequest,
    SignedHeader,
    Signer,
    SignerKind,
    Stanza,
    encode_bound,
    encode_meta,
    encode_signed_header,
    encode_stanzas,
    hash_header,
    parse_header,
    signature_input,
    signed_region,
)
from sandi.envelope.sealing import _Parts, _receipt_request, _Request, _seal_from_parts
from sandi.envelope.stanzas import wrap
from sandi.envelope.stream import plaintext_chunks, seal_payload
from sandi.keys.keystore import AgencyKey, Identity
from sandi.pola._wire import PolaBody, SignedPola
from sandi.pola.classification import Classification, Urgency
from sandi.pola.model import KeyState, KeyVersion, RevocationReason
from sandi.pola.policy import Pola

DAY = 86_400
ISSUED = int(datetime(2026, 1, 5, tzinfo=UTC).timestamp())  # the pola's issue time
NOW = ISSUED + 150 * DAY  # the world's "now": 2026-06-04
CREATED = ISSUED + 30 * DAY + 3_723  # default creation time of an envelope
VALID_DAYS = 3660
EXPIRES = ISSUED + VALID_DAYS * DAY
NOT_BEFORE = ISSUED - 30 * DAY  # keys valid from here, but for inspektorat v2
INSPEKTORAT_V2_FROM = ISSUED + 10 * DAY  # inspektorat v1 superseded, v2 valid
KEC_A_COMPROMISED = ISSUED + 5 * DAY  # kec-a v1 revoked as compromised
BKPSDMD_V1_RETIRED = ISSUED  # bkpsdmd v1 retired: its successor was published then
SKEW = 300  # an envelope dated more than this after "now" is refused
POLA_VERSION = 3

#: The pola's source; compile_source adds the keys (below) and the authority.
POLA_SOURCE = (Path(__file__).parent / "pola-source.toml").read_text()


def seed(label: str, size: int) -> bytes:
    """Fixed key material for ``label`` (SHAKE-256 of a labelled name)."""
    return hashlib.shake_256(b"sandi/test-vectors/" + label.encode()).digest(size)


def agency_key(agency: str, version: int, *, pq: bool) -> AgencyKey:
    """The fixed private key of (agency, version)."""
    name = f"{agency}/v{version}"
    return AgencyKey(agency, version, from_epoch(NOT_BEFORE), seed(name + "/x25519", 32),
                     seed(name + "/ed25519", 32),
                     seed(name + "/mlkem", 64) if pq else None,
                     seed(name + "/mldsa", 32) if pq else None)


#: Every private key of the world: (agency, version) -> key.
KEYS: dict[tuple[str, int], AgencyKey] = {
    ("sekda", 1): agency_key("sekda", 1, pq=True),
    ("bkpsdmd", 1): agency_key("bkpsdmd", 1, pq=False),
    ("bkpsdmd", 2): agency_key("bkpsdmd", 2, pq=True),
    ("inspektorat", 1): agency_key("inspektorat", 1, pq=False),
    ("inspektorat", 2): agency_key("inspektorat", 2, pq=True),
    ("kec-a", 1): agency_key("kec-a", 1, pq=False),
    ("kec-a", 2): agency_key("kec-a", 2, pq=False),
}

AGENCIES = ("sekda", "bkpsdmd", "inspektorat", "kec-a")

#: The personal keys of bkpsdmd's members in the members' pola (``_members.py``):
#: (member id, version) -> key (its ``agency`` field holds the member id).
MEMBER_KEYS: dict[tuple[str, int], AgencyKey] = {
    (m, 1): agency_key(m, 1, pq=True) for m in ("andi", "budi", "citra")}

AUTHORITY = tuple(AuthorityKeyPair(f"kustodian-{i}", name, seed(f"authority/{i}", 32))
                  for i, name in ((1, "Rina Marlina, S.Kom."), (2, "Agus Salim, S.T."),
                                  (3, "Dewi Lestari, M.Kom.")))
OUTSIDER = AuthorityKeyPair("kustodian-4", "Bukan Kustodian", seed("authority/outsider", 32))


def published() -> dict[str, list[KeyVersion]]:
    def pub(agency: str, version: int, state: KeyState, not_before: int = NOT_BEFORE,
            revoked_at: int | None = None,
            reason: RevocationReason | None = None) -> KeyVersion:
        return KeyVersion(version, KEYS[agency, version].public, state, from_epoch(not_before),
                          optional_datetime(revoked_at), reason,
                          from_epoch(BKPSDMD_V1_RETIRED) if state is KeyState.RETIRED else None)

    return {
        "sekda": [pub("sekda", 1, KeyState.CURRENT)],
        "bkpsdmd": [pub("bkpsdmd", 1, KeyState.RETIRED), pub("bkpsdmd", 2, KeyState.CURRENT)],
        "inspektorat": [pub("inspektorat", 1, KeyState.REVOKED, revoked_at=INSPEKTORAT_V2_FROM,
                            reason=RevocationReason.SUPERSEDED),
                        pub("inspektorat", 2, KeyState.CURRENT, INSPEKTORAT_V2_FROM)],
        "kec-a": [pub("kec-a", 1, KeyState.REVOKED, revoked_at=KEC_A_COMPROMISED,
                      reason=RevocationReason.COMPROMISED),
                  pub("kec-a", 2, KeyState.CURRENT)],
    }


def pola_body(*, version: int = POLA_VERSION, pola_id: str = "kota-uji",
              name: str | None = None, authority: Sequence[AuthorityKeyPair] = AUTHORITY,
              threshold: int = 2) -> PolaBody:
    """The world's pola body (or a variant of it)."""
    source = parse_source(POLA_SOURCE)
    assert (source["pola"]["version"], source["pola"]["valid_days"]) == (POLA_VERSION,
                                                                         VALID_DAYS)
    source["pola"]["version"] = version
    source["pola"]["id"] = pola_id
    if name is not None:
        source["pola"]["name"] = name
    return compile_source(source, keys=published(),
                          authority_keys=[a.public for a in authority], threshold=threshold,
                          issued_at=from_epoch(ISSUED))


def signed_pola(body: PolaBody | None = None,
                signers: Sequence[AuthorityKeyPair] = AUTHORITY[:2]) -> SignedPola:
    """A pola body signed by ``signers`` (default: the world's 2 of 3)."""
    return sign_body(body or pola_body(), signers)


POLA_BYTES = signed_pola().to_bytes()
POLA = Pola.from_bytes(POLA_BYTES, now=datetime.fromtimestamp(NOW, UTC))


# --- deterministic ephemeral keys ----------------------------------------------------


class EphemeralKeys:
    """Replaces sandi.crypto.wrap.generate_x25519 while generating, so classical vectors
    come out byte for byte the same on every run (ML-KEM encapsulation and
    ML-DSA signing stay randomised: hybrid vectors differ between runs)."""

    def __init__(self) -> None:
        self.label = "unset"
        self.count = 0
        self._real = sandi.crypto.wrap.generate_x25519

    def reset(self, label: str) -> None:
        """Start the sequence of a new vector."""
        self.label, self.count = label, 0

    def __call__(self) -> tuple[bytes, bytes]:
        self.count += 1
        private = seed(f"ephemeral/{self.label}/{self.count}", 32)
        return private, x25519_public(private)

    def __enter__(self) -> EphemeralKeys:
        sandi.crypto.wrap.generate_x25519 = self
        return self

    def __exit__(self, *exc: object) -> None:
        sandi.crypto.wrap.generate_x25519 = self._real


EPHEMERAL = EphemeralKeys()
NO_META = Metadata()


# --- building envelopes --------------------------------------------------------------


def parts(n: int) -> _Parts:
    """The fixed random parts of envelope number ``n``."""
    return _Parts(seed(f"parts/{n}/data-key", 32), seed(f"parts/{n}/nonce", NONCE_SIZE),
                  seed(f"parts/{n}/doc-id", DOC_ID_SIZE))


def plaintext(size: int, n: int = 0) -> bytes:
    """A fixed plaintext of ``size`` bytes."""
    return seed(f"plaintext/{n}", size) if size else b""


def identity(agency: str) -> Identity:
    """Every private key version of ``agency``."""
    return Identity(agency, tuple(k for (a, _), k in sorted(KEYS.items()) if a == agency))


def seal(data: bytes, *, sender: str, to: Sequence[str], level: str, n: int,
         meta: Metadata = NO_META, urgency: str = "biasa",
         created_at: int = CREATED, pola: Pola = POLA,
         receipts: bool | Sequence[str] = False,
         receipts_to: Sequence[str] | None = None) -> bytes:
    """Seal through sandi's deterministic core (with every policy check of seal)."""
    EPHEMERAL.reset(f"envelope/{n}")
    names, lvl = tuple(sorted(set(to))), Classification.parse(level)
    req = _Request(identity(sender), names, lvl, pola, encode_meta(meta),
                   Urgency.parse(urgency), created_at,
                   _receipt_request(pola, sender, names, lvl, receipts, receipts_to))
    out = io.BytesIO()
    _seal_from_parts(plaintext_chunks(io.BytesIO(data).read), out.write, parts(n), req)
    return out.getvalue()


@dataclass
class Draft:
    """An envelope built by hand, with no policy check: every field is ours to set."""

    data: bytes
    sender: str
    to: tuple[str, ...]
    level: str
    n: int
    suite: Suite = Suite.CLASSICAL
    urgency: str = "biasa"
    created_at: int = CREATED
    pola_id: str = "kota-uji"
    pola_version: int = POLA_VERSION
    signer: Signer | None = None  # default: the sender's current key
    meta: Metadata = field(default_factory=Metadata)
    meta_plain: bytes | None = None  # raw metadata plaintext, instead of ``meta``
    chunks: list[tuple[bytes, bool]] | None = None  # instead of cutting ``data``
    stanza_versions: dict[str, int] = field(default_factory=dict)  # default: current
    sign_with: tuple[str, int] | None = None  # default: the signer's key
    receipt_request: ReceiptRequest | None = None

    @property
    def header_hash(self) -> bytes:
        return hash_header(encode_signed_header(self.header()))

    @property
    def keys(self) -> DocumentKeys:
        p = parts(self.n)
        return DocumentKeys.derive(p.data_key, p.nonce, self.header_hash)

    def header(self) -> SignedHeader:
        p = parts(self.n)
        signer = self.signer or Signer(SignerKind.AGENCY, self.sender,
                                       current_version(self.sender))
        return SignedHeader(
            suite=self.suite, pola_id=self.pola_id, pola_version=self.pola_version,
            doc_id=p.doc_id, created_at=self.created_at, sender=self.sender, signer=signer,
            to=self.to, classification=Classification.parse(self.level),
            urgency=Urgency.parse(self.urgency), payload_nonce=p.nonce,
            receipt_request=self.receipt_request)

    def bound(self) -> Bound:
        meta_plain = self.meta_plain if self.meta_plain is not None else encode_meta(self.meta)
        keys = self.keys
        return Bound(keys.commitment,
                     AESGCM(keys.metadata).encrypt(ZERO_NONCE, meta_plain, LABEL_METADATA))

    def stanzas(self, data_key: bytes | None = None) -> tuple[Stanza, ...]:
        key = parts(self.n).data_key if data_key is None else data_key
        hh = self.header_hash
        return tuple(stanza(key, self.suite, a, self.stanza_versions.get(a), header_hash=hh)
                     for a in self.to)

    def payload(self) -> bytes:
        if self.chunks is None:
            return b"".join(seal_payload(self.keys.payload,
                                         plaintext_chunks(io.BytesIO(self.data).read)))
        # Hand-made chunks, with whatever last flags the vector asks for: STREAM
        # nonce = 11-byte big-endian counter || 0x01 for the last chunk, else 0x00.
        aead = AESGCM(self.keys.payload)
        return b"".join(aead.encrypt(i.to_bytes(11, "big") + bytes([last]), chunk, None)
                        for i, (chunk, last) in enumerate(self.chunks))

    def envelope(self) -> Envelope:
        """The envelope, unsigned."""
        EPHEMERAL.reset(f"envelope/{self.n}")
        return Envelope(encode_signed_header(self.header()), encode_bound(self.bound()),
                        self.stanzas(), self.payload(), b"")

    def build(self) -> bytes:
        """The complete envelope, signed."""
        h = self.header()
        return self.envelope().resigned(self.sign_with or (h.signer.id, h.signer.key_version),
                                        h.suite)


def current_version(agency: str) -> int:
    """The current key version of ``agency`` in the world pola."""
    return POLA.sealing_key(agency).version


def stanza(data_key: bytes, suite: Suite, agency: str, version: int | None = None, *,
           header_hash: bytes) -> Stanza:
    """``data_key`` wrapped to (agency, version) (default: its current version), bound to
    ``header_hash``."""
    version = current_version(agency) if version is None else version
    pub = KEYS[agency, version].public
    return wrap(data_key, suite, agency, version, pub.x25519, pub.mlkem,
                header_hash=header_hash)


def sign(key: tuple[str, int], region: bytes, payload: bytes, *, hybrid: bool) -> bytes:
    """A signature by ``key`` (an agency's or a member's) over a signed region and a
    payload."""
    message = signature_input(region, hashlib.sha256(payload).digest())
    signer = KEYS[key] if key in KEYS else MEMBER_KEYS[key]
    return signer.signing_key().sign(message, hybrid=hybrid, context=LABEL_ENVELOPE_SIGNATURE)


_U32 = struct.Struct(">I")


@dataclass(frozen=True)
class Envelope:
    """An envelope taken apart: its five regions, as bytes."""

    signed_bytes: bytes  # the header (hashed)
    bound_bytes: bytes
    stanzas: tuple[Stanza, ...]
    payload: bytes
    signature: bytes
    stanza_block: bytes | None = None  # raw stanza bytes, instead of encoding ``stanzas``
    attachment_block: bytes = b"\x90"  # the attachments' msgpack: none, by default

    @classmethod
    def parse(cls, env: bytes) -> Envelope:
        header, end = parse_header(env)
        sig_len = header.signed.suite.signature_len
        return cls(encode_signed_header(header.signed), encode_bound(header.bound),
                   header.stanzas, env[end:len(env) - sig_len], env[len(env) - sig_len:],
                   attachment_block=encode_attachments(header.attachments))

    @property
    def header_hash(self) -> bytes:
        return hash_header(self.signed_bytes)

    @property
    def region(self) -> bytes:
        """The signed region: magic, version, S, header, B, bound block."""
        return signed_region(self.signed_bytes, self.bound_bytes)

    @property
    def header(self) -> bytes:
        """Everything before the payload."""
        block = self.stanza_block if self.stanza_block is not None else \
            encode_stanzas(self.stanzas)
        extra = self.attachment_block
        return b"".join([self.region, _U32.pack(len(block)), block, _U32.pack(len(extra)),
                         extra])

    def to_bytes(self) -> bytes:
        return self.header + self.payload + self.signature

    def chunks(self) -> list[bytes]:
        from sandi.envelope.format import CT_CHUNK_SIZE
        return [self.payload[i:i + CT_CHUNK_SIZE]
                for i in range(0, len(self.payload), CT_CHUNK_SIZE)]

    def with_(self, **changes: object) -> Envelope:
        return replace(self, **changes)  # type: ignore[arg-type]

    def resigned(self, key: tuple[str, int], suite: Suite) -> bytes:
        """The envelope with a fresh, valid signature by ``key`` over its bytes."""
        return replace(self, signature=sign(key, self.region, self.payload,
                                            hybrid=suite is Suite.HYBRID)).to_bytes()


# --- raw msgpack, for non-canonical encodings ------------------------------------------


class Raw(bytes):
    """Already-encoded msgpack, spliced in as is."""


def mp(obj: object) -> bytes:
    """Canonical msgpack of ``obj``, but with Raw parts spliced in verbatim."""
    if isinstance(obj, Raw):
        return bytes(obj)
    if isinstance(obj, list):
        n = len(obj)
        head = bytes([0x90 | n]) if n < 16 else b"\xdc" + struct.pack(">H", n)
        return head + b"".join(mp(x) for x in obj)
    return msgpack.packb(obj, use_bin_type=True)  # type: ignore[no-any-return]


def header_items(h: SignedHeader) -> list[object]:
    """The 12 items of a header, as encode_signed_header lays them out."""
    rr = h.receipt_request
    return [int(h.suite), h.pola_id, h.pola_version, h.doc_id, h.created_at, h.sender,
            [int(h.signer.kind), h.signer.id, h.signer.key_version], list(h.to),
            h.classification.slug, h.urgency.slug, h.payload_nonce,
            None if rr is None else [list(rr.from_agencies), list(rr.return_to)]]


def bound_items(b: Bound) -> list[object]:
    """The 2 items of a bound block, as encode_bound lays them out."""
    return [b.commitment, b.meta]


def stanza_items(stanzas: Sequence[Stanza]) -> list[object]:
    """The stanza list as encode_stanzas lays it out."""
    return [[s.agency, s.key_version, s.body] for s in stanzas]


def flip(data: bytes, pos: int, mask: int = 0x01) -> bytes:
    """``data`` with one byte xored."""
    out = bytearray(data)
    out[pos] ^= mask
    return bytes(out)


def header_fields(h: SignedHeader) -> dict[str, object]:
    """The clear header of a vector, as ``verify`` must report it."""
    return {"suite": h.suite.slug, "pola_id": h.pola_id, "pola_version": h.pola_version,
            "doc_id": h.doc_id.hex(), "created_at": h.created_at, "sender": h.sender,
            "signer": h.signer.id, "signer_key_version": h.signer.key_version,
            "to": list(h.to), "classification": h.classification.slug,
            "urgency": h.urgency.slug,
            "receipts_from": [] if h.receipt_request is None else
            list(h.receipt_request.from_agencies or h.to),
            "receipts_to": [] if h.receipt_request is None else list(h.receipt_request.return_to)}
