"""Agency key versions and the passphrase-protected keystore on disk.

An agency key version is an X25519 key pair (to receive wrapped data keys) and
an Ed25519 key pair (to sign), optionally with ML-KEM-768 and ML-DSA-65 halves
for the hybrid suite. The keystore keeps every private version a home holds in
one file, ``keystore.sandi`` (mode 0600), encrypted with AES-256-GCM under a key
derived from the passphrase by Argon2id (PyNaCl ``pwhash``).

>>> import tempfile, sandi.keys as k
>>> k.KDF_DEFAULT = k.KdfParams(ops=1, mem=8192)          # fast, for the example only
>>> home = tempfile.mkdtemp()
>>> ks = k.Keystore.create(home, passphrase="rahasia kami")
>>> key = ks.generate("diskominfo")
>>> k.Keystore.open(home, passphrase="rahasia kami").get("diskominfo", 1).version
1
"""

from __future__ import annotations

import hashlib
import secrets
import time
from base64 import b32encode
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa, mlkem
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from nacl import pwhash

from sandi import _fs
from sandi._codec import Fields, pack, unpack
from sandi.errors import (
    InvalidArgument,
    KeyNotFound,
    KeystoreExists,
    MalformedKeyFile,
    NoKeystore,
    WrongPassphrase,
)
from sandi.primitives import (
    LABEL_KEYSTORE,
    LABEL_KEYSTORE_CHECK,
    SigningKey,
    aead_open,
    hkdf,
    same,
)
from sandi.wrap import generate_x25519, x25519_public

KEYSTORE_FILE = "keystore.sandi"
KEYSTORE_MAGIC = b"SANDK\x01"
_MAX_KEYSTORE = 16 * 1024 * 1024


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost: ``ops`` passes over ``mem`` bytes."""

    ops: int
    mem: int

    def check(self) -> None:
        """Refuse costs outside what libsodium accepts or what would exhaust memory."""
        if not 1 <= self.ops <= 16 or not 8192 <= self.mem <= 2**30:
            raise MalformedKeyFile(f"keystore: Argon2id cost ops={self.ops} mem={self.mem}"
                                   " is out of range")


#: Argon2id cost for new keystores: 3 passes over 64 MiB (libsodium's "moderate"
#: pass count at its "interactive" memory; about 0.2 s here).
KDF_DEFAULT = KdfParams(ops=3, mem=64 * 1024 * 1024)


@dataclass(frozen=True)
class PublicKeys:
    """The public half of one agency key version, as published in the pola."""

    x25519: bytes
    ed25519: bytes
    mlkem: bytes | None = None
    mldsa: bytes | None = None

    @property
    def has_pq(self) -> bool:
        """Whether this version can receive and sign with the hybrid suite."""
        return self.mlkem is not None and self.mldsa is not None

    def fingerprint(self) -> str:
        """A short code two people can compare aloud: 20 base32 characters in groups."""
        digest = hashlib.sha256(b"sandi/v1/fingerprint\x00" + pack(
            [self.x25519, self.ed25519, self.mlkem, self.mldsa])).digest()
        code = b32encode(digest[:15]).decode()
        return "-".join(code[i:i + 4] for i in range(0, 20, 4))


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
    public: PublicKeys = field(init=False, compare=False)

    def __post_init__(self) -> None:
        ed_pub = ed25519.Ed25519PrivateKey.from_private_bytes(self.ed25519).public_key()
        kem = mlkem.MLKEM768PrivateKey.from_seed_bytes(self.mlkem_seed) if self.mlkem_seed else None
        dsa = mldsa.MLDSA65PrivateKey.from_seed_bytes(self.mldsa_seed) if self.mldsa_seed else None
        object.__setattr__(self, "public", PublicKeys(
            x25519_public(self.x25519), ed_pub.public_bytes_raw(),
            kem.public_key().public_bytes_raw() if kem else None,
            dsa.public_key().public_bytes_raw() if dsa else None))

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
        return SigningKey(self.ed25519, self.mldsa_seed)


@dataclass(frozen=True)
class Identity:
    """An agency's private key versions as one home holds them; the sender of seal."""

    agency: str
    keys: tuple[AgencyKey, ...]

    def version(self, version: int) -> AgencyKey:
        """The private key of ``version``, or KeyNotFound naming what is held."""
        for key in self.keys:
            if key.version == version:
                return key
        held = ", ".join(f"v{k.version}" for k in self.keys) or "none"
        raise KeyNotFound(f"this keystore holds no key {self.agency} v{version} (holds {held})")


# --- the keystore file ---------------------------------------------------------------

_FILE = Fields(MalformedKeyFile, "keystore")


def _encode_keys(keys: list[AgencyKey]) -> bytes:
    return pack([[k.agency, k.version, k.created_at, k.x25519, k.ed25519, k.mlkem_seed,
                  k.mldsa_seed] for k in keys])


def _decode_keys(data: bytes) -> list[AgencyKey]:
    f = _FILE
    out = []
    for item in f.array(unpack(data, MalformedKeyFile, "keystore", _MAX_KEYSTORE), "keys",
                        0, 100_000):
        r = f.record(item, "key", 7)
        out.append(AgencyKey(
            f.slug(r[0], "agency"), f.integer(r[1], "version", 1, 2**31),
            f.integer(r[2], "created", 0, 2**40), f.blob(r[3], "x25519", 32),
            f.blob(r[4], "ed25519", 32),
            None if r[5] is None else f.blob(r[5], "ml-kem seed", 64),
            None if r[6] is None else f.blob(r[6], "ml-dsa seed", 32)))
    return out


def _derive(passphrase: str | bytes, salt: bytes, params: KdfParams) -> bytes:
    secret = passphrase.encode() if isinstance(passphrase, str) else passphrase
    if not secret:
        raise InvalidArgument("the passphrase is empty")
    return pwhash.argon2id.kdf(32, secret, salt, opslimit=params.ops, memlimit=params.mem)


class Keystore:
    """The private keys of a home, unlocked by one passphrase.

    Build it only with :meth:`create` or :meth:`open`.
    """

    def __init__(self, path: Path, master: bytes, salt: bytes, params: KdfParams,
                 keys: list[AgencyKey]) -> None:
        self._path = path
        self._master = master
        self._salt = salt
        self._params = params
        self._keys = keys

    def __repr__(self) -> str:
        return f"Keystore({str(self._path)!r}, {len(self._keys)} keys)"

    @staticmethod
    def exists(home: Path | str) -> bool:
        """Whether ``home`` has a keystore."""
        return (Path(home) / KEYSTORE_FILE).exists()

    @classmethod
    def create(cls, home: Path | str, *, passphrase: str | bytes) -> Keystore:
        """A new, empty keystore in ``home`` (created 0700 if missing)."""
        path = Path(home) / KEYSTORE_FILE
        if path.exists():
            raise KeystoreExists(f"{path} already exists")
        try:
            Path(home).mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise _fs.storage_error(exc, home) from None
        salt = secrets.token_bytes(16)
        store = cls(path, _derive(passphrase, salt, KDF_DEFAULT), salt, KDF_DEFAULT, [])
        store._save(overwrite=False)
        return store

    @classmethod
    def open(cls, home: Path | str, *, passphrase: str | bytes) -> Keystore:
        """Unlock the keystore in ``home``; WrongPassphrase if the passphrase is wrong."""
        path = Path(home) / KEYSTORE_FILE
        if not path.exists():
            raise NoKeystore(f"no keystore in {home}")
        fields, blob = _read_file(path)
        salt, params = fields["salt"], KdfParams(fields["ops"], fields["mem"])
        master = _derive(passphrase, salt, params)
        # The check value tells a wrong passphrase apart from a damaged file,
        # without weakening anything: it is another HKDF output of the same key.
        if not same(hkdf(master, salt=b"", info=LABEL_KEYSTORE_CHECK)[:16], fields["check"]):
            raise WrongPassphrase(f"the passphrase does not unlock {path}")
        return cls(path, master, salt, params, _open_blob(master, fields, blob))

    def keys(self, agency: str | None = None) -> list[AgencyKey]:
        """Every key version held (of ``agency`` if given), oldest first."""
        return sorted((k for k in self._keys if agency is None or k.agency == agency),
                      key=lambda k: (k.agency, k.version))

    def agencies(self) -> list[str]:
        """The agencies this keystore holds keys for."""
        return sorted({k.agency for k in self._keys})

    def get(self, agency: str, version: int) -> AgencyKey:
        """One private key version."""
        return self.identity(agency).version(version)

    def identity(self, agency: str) -> Identity:
        """All key versions of ``agency``: what seal signs with and open unwraps with."""
        keys = tuple(self.keys(agency))
        if not keys:
            raise KeyNotFound(f"this keystore holds no keys for {agency!r}"
                              f" (holds: {', '.join(self.agencies()) or 'none'})")
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
                self._keys.append(key)
                made.append(key)
            self._save(overwrite=True)
        return made

    def _reload(self) -> None:
        if self._path.exists():
            fields, blob = _read_file(self._path)
            self._keys = _open_blob(self._master, fields, blob)

    def _save(self, *, overwrite: bool) -> None:
        nonce = secrets.token_bytes(12)
        fields: dict[str, Any] = {"salt": self._salt, "ops": self._params.ops,
                                  "mem": self._params.mem, "nonce": nonce,
                                  "check": hkdf(self._master, salt=b"",
                                                info=LABEL_KEYSTORE_CHECK)[:16]}
        head = pack(fields)
        box = AESGCM(hkdf(self._master, salt=b"", info=LABEL_KEYSTORE)).encrypt(
            nonce, _encode_keys(self._keys), KEYSTORE_MAGIC + head)
        _fs.atomic_write(self._path, KEYSTORE_MAGIC + pack([head, box]), overwrite=overwrite,
                         mode=0o600)


def _read_file(path: Path) -> tuple[dict[str, Any], bytes]:
    data = _fs.read_private(path)
    if not data.startswith(KEYSTORE_MAGIC):
        raise MalformedKeyFile(f"{path}: not a sandi keystore")
    f = _FILE
    outer = f.record(unpack(data[len(KEYSTORE_MAGIC):], MalformedKeyFile, "keystore",
                            _MAX_KEYSTORE), "file", 2)
    head = f.blob(outer[0], "head", 1, 4096)
    fields = f.map(unpack(head, MalformedKeyFile, "keystore head", 4096), "head",
                   {"salt", "ops", "mem", "nonce", "check"})
    f.blob(fields["salt"], "salt", 16)
    f.blob(fields["nonce"], "nonce", 12)
    f.blob(fields["check"], "check", 16)
    KdfParams(f.integer(fields["ops"], "ops", 0, 2**32),
              f.integer(fields["mem"], "mem", 0, 2**40)).check()
    fields["head"] = head
    return fields, f.blob(outer[1], "box", 16, _MAX_KEYSTORE)


def _open_blob(master: bytes, fields: dict[str, Any], blob: bytes) -> list[AgencyKey]:
    plain = aead_open(hkdf(master, salt=b"", info=LABEL_KEYSTORE), fields["nonce"], blob,
                      KEYSTORE_MAGIC + fields["head"], MalformedKeyFile,
                      "keystore: the passphrase is right but the file was damaged or altered")
    return _decode_keys(plain)
