"""Checkpoints of an agency's audit log, signed by the agency and cosigned by a witness.

A checkpoint is a signed note in the manner of C2SP's ``tlog-checkpoint`` and
``tlog-cosignature`` (docs/format.md, "Audit checkpoints"): an origin line naming the
agency's log, the number of records, and the RFC 9162 Merkle root over their hashes,
then a blank line and one signature line by the agency, then one line per witness
(another agency of the pola) that checked the checkpoint extends the last one it saw::

    sandi/audit/bkpsdmd
    20
    lW0BpL3Ut4f6nKzUoBGQE2FfcmBc1yWL8L3bL1xqYJI=

    — bkpsdmd/v3 ...
    — inspektorat/v1 ...

Every signature is labelled (an agency key also signs envelopes, receipts and key
requests), and is hybrid (Ed25519 + ML-DSA-65) when the pola requires the hybrid
suite for any classification: the log records documents of every level, so its
evidence is as strong as the strongest the pola asks for.

>>> cp = Checkpoint("bkpsdmd", 3, bytes(4), 0, bytes(32), bytes(64))
>>> cp.note()
b'sandi/audit/bkpsdmd\\n0\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\n'
"""

from __future__ import annotations

import hashlib
from base64 import b64decode, b64encode
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from sandi._internal.codec import is_slug
from sandi._internal.time import LAST_SECOND, epoch, from_epoch
from sandi.crypto.primitives import SigningKey, same, verify_signature
from sandi.crypto.public import PublicKeys
from sandi.crypto.suite import Suite
from sandi.errors import AuditLogBroken, InvalidArgument, MalformedInput, SignatureInvalid
from sandi.pola.model import KeyState, KeyVersion, RevocationReason
from sandi.pola.policy import Pola

LABEL_CHECKPOINT = b"sandi/v2/audit-checkpoint"  # + 0x00: the agency's signature
LABEL_COSIGNATURE = b"sandi/v2/audit-cosignature"  # + 0x00: a witness's cosignature
ORIGIN = "sandi/audit/"
EM_DASH = "\u2014 "
#: The most signature lines a checkpoint may carry (C2SP asks verifiers to accept 16).
MAX_SIGNATURES = 16
MAX_SIZE = 2**63 - 1
_SIG_LENGTHS = {Suite.CLASSICAL.signature_len: False, Suite.HYBRID.signature_len: True}


@dataclass(frozen=True)
class Cosignature:
    """A witness's statement that at ``time`` the checkpoint extended the last one it saw
    for this log (C2SP ``cosignature/v1``)."""

    witness: str
    key_version: int
    key_id: bytes  # C2SP key ID: a hint; the key is looked up by name in the pola
    time: datetime
    signature: bytes


@dataclass(frozen=True)
class Checkpoint:
    """The log of ``agency`` had ``size`` records with Merkle root ``root``, signed by
    the agency's key version ``key_version``, and the witnesses' cosignatures."""

    agency: str
    key_version: int
    key_id: bytes  # C2SP key ID: a hint; the key is looked up by name in the pola
    size: int
    root: bytes
    signature: bytes
    cosignatures: tuple[Cosignature, ...] = ()

    @property
    def time(self) -> datetime | None:
        """The latest time a witness cosigned it (None if no witness has)."""
        return max((c.time for c in self.cosignatures), default=None)

    def note(self) -> bytes:
        """The note text: origin, size and root lines (what every signature covers)."""
        return f"{ORIGIN}{self.agency}\n{self.size}\n{_b64(self.root)}\n".encode()

    def message(self) -> bytes:
        """The bytes the agency signs."""
        return LABEL_CHECKPOINT + b"\x00" + self.note()

    def cosigned_message(self, at: datetime) -> bytes:
        """The bytes a witness signs at ``at``."""
        return (LABEL_COSIGNATURE + b"\x00" + f"cosignature/v1\ntime {epoch(at)}\n".encode()
                + self.note())

    def cosignature(self, witness: str) -> Cosignature | None:
        """The cosignature by ``witness``, if it has one."""
        return next((c for c in self.cosignatures if c.witness == witness), None)

    def to_text(self) -> str:
        """The signed note, as handed to a witness or an auditor."""
        lines = [self.note().decode(), "\n",
                 _line(self.agency, self.key_version, self.key_id + self.signature)]
        lines += [_line(c.witness, c.key_version,
                        c.key_id + epoch(c.time).to_bytes(8, "big") + c.signature)
                  for c in self.cosignatures]
        return "".join(lines)

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse :meth:`to_text` output; anything else (another encoding of the same
        numbers included) is MalformedInput."""
        try:
            parsed = _parse(text)
        except (ValueError, IndexError):
            raise MalformedInput("audit checkpoint: not a sandi checkpoint text") from None
        if parsed.to_text() != text:  # one encoding only: no malleable variants
            raise MalformedInput("audit checkpoint: not a sandi checkpoint text")
        return parsed

    def check(self, pola: Pola, *, witness: str | None = None) -> None:
        """Raise AuditLogBroken unless the agency's key version in ``pola`` signed it (and,
        with ``witness``, that agency cosigned it), each signature hybrid if the pola
        requires the hybrid suite, and every key valid when the witness cosigned."""
        hybrid = requires_hybrid(pola)
        agency_key = pola.agency(self.agency).key(self.key_version)
        _verify(agency_key.keys, self.message(), self.key_id, self.signature, hybrid,
                LABEL_CHECKPOINT, f"{self.agency}/v{self.key_version}")
        # The agency signed before any witness cosigned, at a time nobody witnessed:
        # only a key revoked as compromised makes its signature worthless.
        _not_compromised(self.agency, agency_key)
        if witness is None:
            return
        cosigned = self.cosignature(witness)
        if cosigned is None or witness == self.agency:
            raise AuditLogBroken("audit checkpoint: not cosigned by the witness {witness}",
                                 witness=witness)
        witness_key = pola.agency(witness).key(cosigned.key_version)
        _verify(witness_key.keys, self.cosigned_message(cosigned.time), cosigned.key_id,
                cosigned.signature, hybrid, LABEL_COSIGNATURE,
                f"{witness}/v{cosigned.key_version}")
        witness_key.check_signed_at(witness, cosigned.time)


class CheckpointKey(Protocol):
    """What signs a checkpoint or a cosignature: an agency's private key version
    (``sandi.keys.AgencyKey``)."""

    @property
    def agency(self) -> str:
        """The agency id."""

    @property
    def version(self) -> int:
        """The key version."""

    def signing_key(self) -> SigningKey:
        """The private signing key."""


def requires_hybrid(pola: Pola) -> bool:
    """Whether checkpoints under ``pola`` are signed hybrid: when any classification
    requires the hybrid suite."""
    return any(r.suite is Suite.HYBRID for r in pola.requirements)


def sign_checkpoint(key: CheckpointKey, size: int, root: bytes, *, pola: Pola) -> Checkpoint:
    """The agency's checkpoint of a log of ``size`` records with Merkle ``root``."""
    _check_key(key, pola)
    name = f"{key.agency}/v{key.version}"
    unsigned = Checkpoint(key.agency, key.version, key_id(name, LABEL_CHECKPOINT, key),
                          size, root, b"")
    return replace(unsigned, signature=key.signing_key().sign(
        unsigned.message(), hybrid=requires_hybrid(pola), context=LABEL_CHECKPOINT))


def add_cosignature(checkpoint: Checkpoint, key: CheckpointKey, *, pola: Pola,
                    now: datetime | None = None) -> Checkpoint:
    """``checkpoint`` with ``key``'s cosignature at ``now`` (replacing an earlier one by
    the same witness). The caller has checked consistency: see :class:`Witness`."""
    if key.agency == checkpoint.agency:
        raise InvalidArgument("an agency cannot witness its own audit log")
    _check_key(key, pola)
    at = from_epoch(epoch(now))
    signature = key.signing_key().sign(checkpoint.cosigned_message(at),
                                       hybrid=requires_hybrid(pola), context=LABEL_COSIGNATURE)
    others = tuple(c for c in checkpoint.cosignatures if c.witness != key.agency)
    if len(others) + 2 > MAX_SIGNATURES:
        raise InvalidArgument("an audit checkpoint carries at most {n} signatures",
                              n=MAX_SIGNATURES)
    name = f"{key.agency}/v{key.version}"
    return replace(checkpoint, cosignatures=(*others, Cosignature(
        key.agency, key.version, key_id(name, LABEL_COSIGNATURE, key), at, signature)))


def _check_key(key: CheckpointKey, pola: Pola) -> None:
    published = pola.agency(key.agency).key(key.version).keys
    if not same(published.ed25519, key.signing_key().ed25519_public):
        raise InvalidArgument("{agency} key v{version} is not the one the pola publishes",
                              agency=key.agency, version=key.version)
    if requires_hybrid(pola) and not key.signing_key().has_pq:
        raise InvalidArgument("the pola requires hybrid audit checkpoints and {agency} key "
                              "v{version} has no ML-DSA-65 half", agency=key.agency,
                              version=key.version)


def key_id(name: str, label: bytes, key: CheckpointKey | PublicKeys) -> bytes:
    """The C2SP signed-note key ID of a key named ``name``: type 0xff followed by the
    label as its longer identifier, then the Ed25519 and (if any) ML-DSA-65 public keys."""
    if isinstance(key, PublicKeys):
        public = key.ed25519 + (key.mldsa or b"")
    else:
        signer = key.signing_key()
        public = signer.ed25519_public + (signer.mldsa_public or b"")
    return hashlib.sha256(name.encode() + b"\n\xff" + label + public).digest()[:4]


def _line(agency: str, version: int, body: bytes) -> str:
    return f"{EM_DASH}{agency}/v{version} {_b64(body)}\n"


def _verify(keys: PublicKeys, message: bytes, kid: bytes, signature: bytes, hybrid: bool,
            label: bytes, name: str) -> None:
    if not same(kid, key_id(name, label, keys)):
        raise AuditLogBroken("audit checkpoint: the key ID of {name} is not the pola's key",
                             name=name)
    if _SIG_LENGTHS[len(signature)] != hybrid:
        raise AuditLogBroken("audit checkpoint: the signature of {name} is not {suite}, as "
                             "the pola requires", name=name,
                             suite="hybrid" if hybrid else "classical")
    try:
        verify_signature(keys.ed25519, keys.mldsa, message, signature, hybrid=hybrid,
                         context=label)
    except SignatureInvalid:
        raise AuditLogBroken("audit checkpoint: the signature of {name} does not verify",
                             name=name) from None


def _not_compromised(agency: str, key: KeyVersion) -> None:
    if key.state is KeyState.REVOKED and key.reason is RevocationReason.COMPROMISED:
        key.check_signed_at(agency, key.not_before)  # raises KeyRevoked, naming the key


def _b64(data: bytes) -> str:
    return b64encode(data).decode()


def _number(text: str, lo: int, hi: int) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 19 or \
            (len(text) > 1 and text[0] == "0"):
        raise ValueError(text)
    value = int(text)
    if not lo <= value <= hi:
        raise ValueError(text)
    return value


def _name(text: str) -> tuple[str, int]:
    agency, _, version = text.partition("/v")
    if not is_slug(agency):
        raise ValueError(text)
    return agency, _number(version, 1, 2**31)


def _parse(text: str) -> Checkpoint:
    if len(text.encode()) > 65_536 or not text.endswith("\n"):
        raise ValueError("size")
    head, _, tail = text.partition("\n\n")
    origin, size, root = head.split("\n")
    agency = origin.removeprefix(ORIGIN)
    if origin == agency or not is_slug(agency):
        raise ValueError("origin")
    lines = tail[:-1].split("\n")
    if not 1 <= len(lines) <= MAX_SIGNATURES:
        raise ValueError("signatures")
    signed: list[tuple[str, int, bytes, bytes]] = []
    for line in lines:
        name, blob = line.removeprefix(EM_DASH).split(" ")
        body = b64decode(blob, validate=True)
        signed.append((*_name(name), body[:4], body[4:]))
    (owner, version, kid, signature), *cosigned = signed
    if owner != agency or len(signature) not in _SIG_LENGTHS:
        raise ValueError("signer")
    cosignatures = []
    for witness, wversion, wkid, body in cosigned:
        if len(body) - 8 not in _SIG_LENGTHS or witness == agency:
            raise ValueError("cosignature")
        at = int.from_bytes(body[:8], "big")
        if at > LAST_SECOND:
            raise ValueError("time")
        cosignatures.append(Cosignature(witness, wversion, wkid, from_epoch(at), body[8:]))
    if len({c.witness for c in cosignatures}) != len(cosignatures):
        raise ValueError("duplicate witness")
    digest = b64decode(root, validate=True)
    if len(digest) != 32:
        raise ValueError("root")
    return Checkpoint(agency, version, kid, _number(size, 0, MAX_SIZE), digest, signature,
                      tuple(cosignatures))
