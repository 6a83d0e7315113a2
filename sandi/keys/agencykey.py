"""Agency key versions: the private keys of one version, and an agency's versions as
one home holds them (:class:`Identity`, the sender of seal).

An agency key version is an X25519 key pair (to receive wrapped data keys) and an
Ed25519 key pair (to sign), optionally with ML-KEM-768 and ML-DSA-65 halves for the
hybrid suite. Members' personal keys are the same structure, their ``agency`` field
holding the member id.

>>> key = AgencyKey.generate("diskominfo", 1, pq=True)
>>> key, decode_key_records(encode_key_records([key]))[0].public == key.public
(AgencyKey('diskominfo', v1, pq=True), True)
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric import mlkem

from sandi._internal.codec import Fields, pack, unpack
from sandi._internal.i18n import Phrase
from sandi._internal.time import LAST_SECOND, epoch, epoch_of, from_epoch
from sandi.crypto.primitives import LABEL_MLDSA_CONTEXT, SigningKey
from sandi.crypto.public import PublicKeys
from sandi.crypto.suite import Suite
from sandi.crypto.wrap import WrapLabels, generate_x25519, unwrap_key, x25519_public
from sandi.errors import KeyNotFound, MalformedKeyFile

MAX_RECORDS = 16 * 1024 * 1024


class PrivateKey(Protocol):
    """What seal, open and rewrap do with one private key version: sign, and unwrap a
    secret wrapped to it. An :class:`AgencyKey` holds the key itself; a key held by
    ``sandi agent`` (:mod:`sandi.agent`) asks the agent, so the key never leaves it."""

    @property
    def agency(self) -> str:
        """The agency (or, for a member's personal key, the member id)."""

    @property
    def version(self) -> int:
        """The key version."""

    @property
    def public(self) -> PublicKeys:
        """The public half, as the pola publishes it."""

    def sign(self, message: bytes, *, hybrid: bool, context: bytes = LABEL_MLDSA_CONTEXT
             ) -> bytes:
        """Ed25519 signature of ``message`` (then ML-DSA-65 with ``context`` if ``hybrid``)."""

    def unwrap(self, body: bytes, suite: Suite, *, labels: WrapLabels, aad: bytes) -> bytes:
        """The secret :func:`sandi.crypto.wrap.wrap_key` wrapped to this key version under
        ``labels`` with associated data ``aad``; WrappedKeyInvalid if it does not open."""


@dataclass(frozen=True, repr=False)
class AgencyKey:
    """One private key version of an agency. Its repr never shows secrets."""

    agency: str
    version: int
    created_at: datetime  # whole seconds, UTC (the records keep seconds)
    x25519: bytes
    ed25519: bytes
    mlkem_seed: bytes | None = None
    mldsa_seed: bytes | None = None

    def __post_init__(self) -> None:
        epoch_of(self.created_at)  # a naive (or non-datetime) time is refused

    # The key objects are expanded on first use and then kept, never per seal or open
    # (ML-KEM-768 from its seed ~90 us, ML-DSA-65 ~250 us): a keystore may hold many
    # agencies' keys (the demo's holds 40) while a command uses one or two.
    @functools.cached_property
    def _signer(self) -> SigningKey:
        return SigningKey(self.ed25519, self.mldsa_seed)

    @functools.cached_property
    def _kem(self) -> mlkem.MLKEM768PrivateKey | None:
        if self.mlkem_seed is None:
            return None
        return mlkem.MLKEM768PrivateKey.from_seed_bytes(self.mlkem_seed)

    @functools.cached_property
    def public(self) -> PublicKeys:
        """The public half, as the pola publishes it."""
        kem = self._kem
        return PublicKeys(x25519_public(self.x25519), self._signer.ed25519_public,
                          kem.public_key().public_bytes_raw() if kem else None,
                          self._signer.mldsa_public)

    def __repr__(self) -> str:
        return f"AgencyKey({self.agency!r}, v{self.version}, pq={self.public.has_pq})"

    @classmethod
    def generate(cls, agency: str, version: int, *, pq: bool = False,
                 now: datetime | None = None) -> AgencyKey:
        """Fresh keys for ``agency`` at ``version`` (with post-quantum halves if ``pq``),
        made at ``now`` (the current time if None; naive is refused)."""
        x_priv, _ = generate_x25519()
        return cls(agency, version, from_epoch(epoch(now)), x_priv,
                   secrets.token_bytes(32),
                   secrets.token_bytes(64) if pq else None,
                   secrets.token_bytes(32) if pq else None)

    def signing_key(self) -> SigningKey:
        """The private signing key of this version."""
        return self._signer

    def sign(self, message: bytes, *, hybrid: bool, context: bytes = LABEL_MLDSA_CONTEXT
             ) -> bytes:
        """Sign ``message`` with this version (see :class:`PrivateKey`)."""
        return self._signer.sign(message, hybrid=hybrid, context=context)

    def unwrap(self, body: bytes, suite: Suite, *, labels: WrapLabels, aad: bytes) -> bytes:
        """Unwrap a secret wrapped to this version (see :class:`PrivateKey`)."""
        return unwrap_key(body, suite, self.agency, self.version, self.x25519, self._kem,
                          self.public.x25519, labels=labels, aad=aad)

    def mlkem_key(self) -> mlkem.MLKEM768PrivateKey | None:
        """The ML-KEM-768 private key of this version, if it has one."""
        return self._kem


@dataclass(frozen=True)
class Identity:
    """An agency's private key versions as one home holds them; the sender of seal.

    ``member`` is the personal key of the official acting for the agency (its
    ``agency`` field holds the member id); when set, seal signs as that person.
    """

    agency: str
    keys: tuple[PrivateKey, ...]
    member: PrivateKey | None = None

    def version(self, version: int) -> PrivateKey:
        """The private key of ``version``, or KeyNotFound naming what is held."""
        for key in self.keys:
            if key.version == version:
                return key
        raise no_version(self.agency, version, self.keys)


def no_version(agency: str, version: int, keys: Sequence[PrivateKey]) -> KeyNotFound:
    """KeyNotFound for ``agency`` ``version``, naming the versions held (``keys``)."""
    held = ", ".join(f"v{k.version}" for k in keys) or "none"
    return KeyNotFound("this keystore holds no key {agency} v{version} (holds {held})",
                       agency=agency, version=version, held=held)


class Keyring(Protocol):
    """What seal, open and rewrap need of a set of private keys: a :class:`Keystore
    <sandi.keys.keystore.Keystore>` unlocked in this process, or the keys an agent
    holds (:class:`sandi.agent.AgentKeystore`)."""

    def agencies(self) -> list[str]:
        """The agencies whose keys are held."""

    def holds(self, agency: str) -> bool:
        """Whether any key of ``agency`` is held."""

    def get(self, agency: str, version: int) -> PrivateKey:
        """One key version (KeyNotFound if not held)."""

    def identity(self, agency: str) -> Identity:
        """All held versions of ``agency`` (KeyNotFound if none)."""


def held_identity(agency: str, index: Mapping[str, tuple[PrivateKey, ...]],
                  member: PrivateKey | None) -> Identity:
    """``agency``'s versions from an index of held keys, or KeyNotFound naming what is
    held (shared by the keystore and the agent's client)."""
    keys = index.get(agency, ())
    if not keys:
        raise KeyNotFound("this keystore holds no keys for {agency!r} (holds: {held})",
                          agency=agency, held=", ".join(index) or Phrase("none"))
    return Identity(agency, keys, member)


_FILE = Fields(MalformedKeyFile, Phrase("keystore"))


def key_records(keys: list[AgencyKey] | tuple[AgencyKey, ...]) -> list[list[object]]:
    """Private key records as msgpack values (inside keystores, vaults and backups)."""
    return [[k.agency, k.version, epoch_of(k.created_at), k.x25519, k.ed25519, k.mlkem_seed,
             k.mldsa_seed] for k in keys]


def keys_from_records(f: Fields, value: object) -> list[AgencyKey]:
    """Parse private key records (``f`` names the file they came from)."""
    out = []
    for item in f.array(value, "keys", 0, 100_000):
        r = f.record(item, "key", 7)
        out.append(AgencyKey(
            f.slug(r[0], "agency"), f.integer(r[1], "version", 1, 2**31),
            from_epoch(f.integer(r[2], "created", 0, LAST_SECOND)), f.blob(r[3], "x25519", 32),
            f.blob(r[4], "ed25519", 32),
            None if r[5] is None else f.blob(r[5], "ml-kem seed", 64),
            None if r[6] is None else f.blob(r[6], "ml-dsa seed", 32)))
    if len({(k.agency, k.version) for k in out}) != len(out):
        f.fail("a key version appears twice")
    return out


def encode_key_records(keys: list[AgencyKey]) -> bytes:
    """The canonical msgpack of private key records."""
    return pack(key_records(keys))


def decode_key_records(data: bytes) -> list[AgencyKey]:
    """Parse :func:`encode_key_records` output."""
    return keys_from_records(_FILE, unpack(data, MalformedKeyFile, Phrase("keystore"),
                                           MAX_RECORDS))
