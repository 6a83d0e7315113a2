"""Agency key versions and the passphrase-protected keystore on disk.

An agency key version is an X25519 key pair (to receive wrapped data keys) and
an Ed25519 key pair (to sign), optionally with ML-KEM-768 and ML-DSA-65 halves
for the hybrid suite. The keystore keeps every private version a home holds in
one file, ``keystore.sandi`` (mode 0600), encrypted with AES-256-GCM under a key
derived from the passphrase by Argon2id (PyNaCl ``pwhash``).

>>> import tempfile, sandi.keys.keystore as k
>>> k.KDF_DEFAULT = k.KdfParams(ops=1, mem=8192)          # fast, for the example only
>>> home = tempfile.mkdtemp()
>>> ks = k.Keystore.create(home, passphrase="rahasia kami")
>>> key = ks.generate("diskominfo")
>>> k.Keystore.open(home, passphrase="rahasia kami").get("diskominfo", 1).version
1
"""

from __future__ import annotations

import functools
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import mlkem

from sandi._internal import fs as _fs
from sandi._internal.codec import Fields, pack, unpack
from sandi._internal.i18n import Phrase
from sandi.crypto.primitives import SigningKey
from sandi.crypto.public import PublicKeys
from sandi.crypto.wrap import generate_x25519, x25519_public
from sandi.errors import (
    KeyNotFound,
    KeystoreExists,
    MalformedKeyFile,
    NoKeystore,
)
from sandi.keys.secretfile import KdfParams, SealedFile, read_sealed

KEYSTORE_FILE = "keystore.sandi"
KEYSTORE_MAGIC = b"SANDK\x01"
_MAX_KEYSTORE = 16 * 1024 * 1024


#: Argon2id cost for new key files: 19 MiB and 2 passes, the first of OWASP's
#: recommended Argon2id settings (Password Storage Cheat Sheet). Memory is what makes
#: guessing on GPUs expensive, but the CLI's whole-process peak must stay under
#: 64 MiB on any file, and libsodium's 64 MiB "interactive" setting alone would
#: exceed it. The cost is stored in each file, so it can be raised later.
KDF_DEFAULT = KdfParams(ops=2, mem=19 * 1024 * 1024)


@dataclass(frozen=True, repr=False)
class AgencyKey:
    """One private key version of an agency. Its repr never shows secrets."""

    agency: str
    version: int
    created_at: int
    x25519: bytes
    ed25519: bytes
    mlkem_seed: bytes | None = None
    mldsa_seed: bytes | None = None

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
                 now: int | None = None) -> AgencyKey:
        """Fresh keys for ``agency`` at ``version`` (with post-quantum halves if ``pq``)."""
        x_priv, _ = generate_x25519()
        return cls(agency, version, int(time.time()) if now is None else now, x_priv,
                   secrets.token_bytes(32),
                   secrets.token_bytes(64) if pq else None,
                   secrets.token_bytes(32) if pq else None)

    def signing_key(self) -> SigningKey:
        """The private signing key of this version."""
        return self._signer

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
    keys: tuple[AgencyKey, ...]
    member: AgencyKey | None = None

    def version(self, version: int) -> AgencyKey:
        """The private key of ``version``, or KeyNotFound naming what is held."""
        for key in self.keys:
            if key.version == version:
                return key
        held = ", ".join(f"v{k.version}" for k in self.keys) or "none"
        raise KeyNotFound("this keystore holds no key {agency} v{version} (holds {held})",
                          agency=self.agency, version=version, held=held)


# --- the keystore file ---------------------------------------------------------------

_FILE = Fields(MalformedKeyFile, Phrase("keystore"))


def encode_key_records(keys: list[AgencyKey]) -> bytes:
    """The canonical msgpack of private key records (inside the keystore and backups)."""
    return pack([[k.agency, k.version, k.created_at, k.x25519, k.ed25519, k.mlkem_seed,
                  k.mldsa_seed] for k in keys])


def decode_key_records(data: bytes) -> list[AgencyKey]:
    """Parse private key records."""
    f = _FILE
    out = []
    for item in f.array(unpack(data, MalformedKeyFile, Phrase("keystore"), _MAX_KEYSTORE), "keys",
                        0, 100_000):
        r = f.record(item, "key", 7)
        out.append(AgencyKey(
            f.slug(r[0], "agency"), f.integer(r[1], "version", 1, 2**31),
            f.integer(r[2], "created", 0, 2**40), f.blob(r[3], "x25519", 32),
            f.blob(r[4], "ed25519", 32),
            None if r[5] is None else f.blob(r[5], "ml-kem seed", 64),
            None if r[6] is None else f.blob(r[6], "ml-dsa seed", 32)))
    if len({(k.agency, k.version) for k in out}) != len(out):
        f.fail("a key version appears twice")
    return out


class Keystore:
    """The private keys of a home, unlocked by one passphrase.

    Build it only with :meth:`create` or :meth:`open`.
    """

    #: The official whose personal key unlocked a members' vault (None for a keystore
    #: unlocked by its own passphrase).
    member: AgencyKey | None = None

    def __init__(self, path: Path, sealed: SealedFile, keys: list[AgencyKey]) -> None:
        self._path = path
        self._sealed = sealed
        self._keys = keys

    def __repr__(self) -> str:
        return f"Keystore({str(self._path)!r}, {len(self._keys)} keys)"

    @property
    def _keys(self) -> list[AgencyKey]:
        return self._held

    @_keys.setter
    def _keys(self, keys: list[AgencyKey]) -> None:
        # Every change replaces the list, so the index below is rebuilt when needed.
        self._held = keys
        self._index: dict[str, tuple[AgencyKey, ...]] | None = None

    def _by_agency(self) -> dict[str, tuple[AgencyKey, ...]]:
        """The held versions of each agency, oldest first: built once, not on every
        open (which looks up its key, and the agencies held, per stanza)."""
        if self._index is None:
            index: dict[str, list[AgencyKey]] = {}
            for key in sorted(self._held, key=lambda k: (k.agency, k.version)):
                index.setdefault(key.agency, []).append(key)
            self._index = {agency: tuple(keys) for agency, keys in index.items()}
        return self._index

    @staticmethod
    def exists(home: Path | str) -> bool:
        """Whether ``home`` has a keystore (its own, or a members' vault)."""
        return (Path(home) / KEYSTORE_FILE).exists() or (Path(home) / "vault.sandi").exists()

    @classmethod
    def create(cls, home: Path | str, *, passphrase: str | bytes) -> Keystore:
        """A new, empty keystore in ``home`` (created 0700 if missing)."""
        path = Path(home) / KEYSTORE_FILE
        if path.exists():
            raise KeystoreExists("{path} already exists", path=path)
        try:
            Path(home).mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise _fs.storage_error(exc, home) from None
        store = cls(path, SealedFile.new(KEYSTORE_MAGIC, passphrase, KDF_DEFAULT), [])
        store._save(overwrite=False)
        return store

    @classmethod
    def open(cls, home: Path | str, *, passphrase: str | bytes,
             member: str | None = None) -> Keystore:
        """Unlock the keystore in ``home``; WrongPassphrase if the passphrase is wrong.

        In a home whose agency keys are held for named members (``vault.sandi``,
        see :mod:`sandi.keys.vault`), ``passphrase`` is the member's own and
        ``member`` says who (needed when several members share the home).
        """
        if (Path(home) / "vault.sandi").exists():
            from sandi.keys.vault import open_member_keystore

            return open_member_keystore(home, passphrase=passphrase, member=member)
        path = Path(home) / KEYSTORE_FILE
        if not path.exists():
            raise NoKeystore("no keystore in {home}", home=home)
        sealed, plain = read_sealed(path, KEYSTORE_MAGIC, passphrase)
        return cls(path, sealed, decode_key_records(plain))

    def keys(self, agency: str | None = None) -> list[AgencyKey]:
        """Every key version held (of ``agency`` if given), oldest first."""
        index = self._by_agency()
        if agency is not None:
            return list(index.get(agency, ()))
        return [key for keys in index.values() for key in keys]

    def agencies(self) -> list[str]:
        """The agencies this keystore holds keys for."""
        return list(self._by_agency())

    def holds(self, agency: str) -> bool:
        """Whether this keystore holds any key of ``agency``."""
        return agency in self._by_agency()

    def get(self, agency: str, version: int) -> AgencyKey:
        """One private key version."""
        return self.identity(agency).version(version)

    def identity(self, agency: str) -> Identity:
        """All key versions of ``agency``: what seal signs with and open unwraps with."""
        keys = self._by_agency().get(agency, ())
        if not keys:
            raise KeyNotFound("this keystore holds no keys for {agency!r} (holds: {held})",
                              agency=agency, held=", ".join(self.agencies()) or Phrase("none"))
        return Identity(agency, keys)

    def generate(self, agency: str, *, pq: bool = False, now: int | None = None) -> AgencyKey:
        """Make and store the next key version of ``agency``."""
        return self.generate_batch([agency], pq=pq, now=now)[0]

    def generate_batch(self, agencies: list[str], *, pq: bool = False,
                       now: int | None = None) -> list[AgencyKey]:
        """Make the next key version of each agency, stored in one atomic write."""
        with _fs.locked(self._path.with_suffix(".lock")):
            self._reload()
            made = []
            for agency in agencies:
                version = max((k.version for k in self._keys if k.agency == agency),
                              default=0) + 1
                key = AgencyKey.generate(agency, version, pq=pq, now=now)
                self._keys = [*self._keys, key]
                made.append(key)
            self._save(overwrite=True)
        return made

    def add_keys(self, keys: list[AgencyKey]) -> None:
        """Store existing key versions (from a backup); a version already held is refused."""
        with _fs.locked(self._path.with_suffix(".lock")):
            self._reload()
            held = {(k.agency, k.version) for k in self._keys}
            for key in keys:
                if (key.agency, key.version) in held:
                    raise KeystoreExists("this keystore already holds {agency} v{version}",
                                         agency=key.agency, version=key.version)
            self._keys = [*self._keys, *keys]
            self._save(overwrite=True)

    def _reload(self) -> None:
        if self._path.exists():
            data = _fs.read_private(self._path)
            self._keys = decode_key_records(self._sealed.reopen(data, str(self._path)))

    def _save(self, *, overwrite: bool) -> None:
        _fs.atomic_write(self._path, self._sealed.seal(encode_key_records(self._keys)),
                         overwrite=overwrite, mode=0o600)
