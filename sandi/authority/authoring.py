"""For the persandian authority: compile a pola source (TOML) and sign it k-of-n.

The source is what people edit (see ``docs/examples/pola-kota-contoh.toml``); the
agencies' public keys come from their enrollment requests, never from the
source. Compiling refuses anything the loader would refuse, with the same
``MalformedPola`` messages prefixed ``pola source:``.

>>> from sandi.authority.authoring import AuthorityKeyPair
>>> AuthorityKeyPair.generate("kustodian-1", "Budi").public.id
'kustodian-1'
"""

from __future__ import annotations

import os
import secrets
import tomllib
from base64 import b64decode, b64encode
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from sandi._internal import fs as _fs
from sandi._internal.codec import Fields, is_slug, pack, unpack
from sandi._internal.i18n import Phrase
from sandi._internal.time import epoch_of
from sandi.crypto.primitives import SigningKey, hkdf
from sandi.crypto.suite import MLDSA65_PUBLIC_SIZE, Suite
from sandi.errors import MalformedKeyFile, MalformedPola
from sandi.keys.secretfile import CUSTODIAN_KEY, KdfParams, SealedFile, read_sealed
from sandi.pola._wire import (
    POLA_MLDSA_CONTEXT,
    PolaBody,
    SignedPola,
    decode_body,
    encode_body,
    pola_message,
)
from sandi.pola.classification import Classification
from sandi.pola.model import (
    MAX_FRESHNESS_AGE,
    MAX_RECIPIENTS,
    Agency,
    Authority,
    AuthorityKey,
    Decree,
    Effect,
    Freshness,
    KeyVersion,
    Member,
    Requirement,
    Rule,
    TimeStamping,
)

_SRC = Fields(MalformedPola, Phrase("pola source"))
#: HKDF info deriving an authority key's ML-DSA-65 seed from its 32-byte seed.
AUTHORITY_MLDSA_SEED_LABEL = b"sandi/v2/authority-seed/ml-dsa-65"
_DAY = 86_400
DEFAULT_FRESHNESS_HOURS = 24


@dataclass(frozen=True, repr=False)
class AuthorityKeyPair:
    """One authority custodian's private signing key."""

    id: str
    custodian: str
    seed: bytes

    def __repr__(self) -> str:
        return f"AuthorityKeyPair({self.id!r}, {self.custodian!r})"

    @classmethod
    def generate(cls, key_id: str, custodian: str) -> AuthorityKeyPair:
        """A fresh Ed25519 authority key."""
        if not is_slug(key_id):
            raise MalformedPola("authority key id {key_id!r} is not a slug", key_id=key_id)
        return cls(key_id, custodian, secrets.token_bytes(32))

    def _key(self) -> SigningKey:
        # Ed25519 from the seed itself; ML-DSA-65 from a seed derived from it with its
        # own label, so a custodian's key file keeps one 32-byte secret.
        return SigningKey(self.seed, hkdf(self.seed, salt=b"", info=AUTHORITY_MLDSA_SEED_LABEL))

    @property
    def public(self) -> AuthorityKey:
        """Its public half, as listed in the pola: Ed25519 and ML-DSA-65."""
        key = self._key()
        return AuthorityKey(self.id, key.ed25519_public, self.custodian, key.mldsa_public)

    def sign(self, body_bytes: bytes, *, hybrid: bool = True) -> tuple[str, bytes]:
        """This custodian's signature on a pola body: Ed25519 then ML-DSA-65 (context
        ``sandi/v2/pola-signature``), or Ed25519 alone for a key listed without its
        ML-DSA-65 half (``hybrid=False``)."""
        return self.id, self.signature(pola_message(body_bytes), hybrid=hybrid,
                                       context=POLA_MLDSA_CONTEXT)

    def signature(self, message: bytes, *, hybrid: bool, context: bytes) -> bytes:
        """Ed25519 over ``message``, then ML-DSA-65 (with ``context``) if ``hybrid``: the
        one signing path of every authority key (pola bodies, freshness statements)."""
        return self._key().sign(message, hybrid=hybrid, context=context)


def parse_source(text: str) -> dict[str, Any]:
    """Parse TOML source text."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MalformedPola("pola source: not valid TOML ({exc})", exc=exc) from None


def _level(value: object, name: str) -> Classification:
    text = _SRC.text(value, name, 32)
    for level in Classification:
        if level.slug == text:
            return level
    _SRC.fail("{name} {text!r} is not one of biasa, terbatas, rahasia, sangat-rahasia", name=name,
              text=text)


def _rules(src: Mapping[str, Any], agencies: set[str], groups: set[str]) -> tuple[Rule, ...]:
    f = _SRC
    out: list[Rule] = []

    def selector(value: object, name: str) -> str:
        text = f.text(value, name, 40)
        if text == "*" or text in agencies:
            return text
        if text.startswith("group:") and text[6:] in groups:
            return text
        f.fail("{name} {text!r} is not an agency id, an existing group:<slug> or *", name=name,
               text=text)

    for item in f.array(src.get("allow", []), "allow", 0, 1_000_000):
        d = f.map(item, "allow", {"from", "to", "up_to"}, frozenset({"sarana", "note"}))
        out.append(Rule(Effect.ALLOW, selector(d["from"], "from"), selector(d["to"], "to"),
                        _level(d["up_to"], "up_to"), d.get("sarana"), d.get("note")))
    for item in f.array(src.get("deny", []), "deny", 0, 1_000_000):
        d = f.map(item, "deny", {"from", "to"}, frozenset({"from_level", "note"}))
        level = _level(d["from_level"], "from_level") if "from_level" in d else \
            Classification.BIASA
        out.append(Rule(Effect.DENY, selector(d["from"], "from"), selector(d["to"], "to"),
                        level, None, d.get("note")))
    return tuple(out)


def source_requirements(src: Mapping[str, Any]) -> tuple[Requirement, ...]:
    """The ``[requirement.<level>]`` tables of a parsed source, checked."""
    f = _SRC
    out = []
    for slug, item in f.map(src.get("requirement", {}), "requirement", set(),
                            frozenset(c.slug for c in Classification)).items():
        d = f.map(item, f"requirement.{slug}", set(),
                  frozenset({"suite", "max_recipients", "receipts", "member_signed"}))
        suite_text = d.get("suite", "classical")
        if suite_text not in ("classical", "hybrid"):
            f.fail("requirement.{slug}.suite must be classical or hybrid", slug=slug)
        out.append(Requirement(_level(slug, "requirement"), Suite[suite_text.upper()],
                               f.integer(d.get("max_recipients", MAX_RECIPIENTS),
                                     "max_recipients", 1, MAX_RECIPIENTS),
                               _flag(d.get("receipts", False), f"requirement.{slug}.receipts"),
                               _flag(d.get("member_signed", False),
                                     f"requirement.{slug}.member_signed")))
    return tuple(sorted(out, key=lambda r: r.level))


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        _SRC.fail("{name} must be true or false", name=name)
    return value


def _tsa(src: Mapping[str, Any]) -> TimeStamping | None:
    """``[tsa]``: ``url``, ``certificates`` (PEM text, the TSA's own first, its root
    last) and ``required`` (default false)."""
    if "tsa" not in src:
        return None
    f = _SRC
    d = f.map(src["tsa"], "tsa", {"url", "certificates"}, frozenset({"required"}))
    certs = []
    for pem in f.array(d["certificates"], "tsa.certificates", 1, 4):
        try:
            cert = x509.load_pem_x509_certificate(f.text(pem, "certificate", 65536).encode())
        except ValueError:
            f.fail("tsa.certificates: not a PEM certificate")
        certs.append(cert.public_bytes(serialization.Encoding.DER))
    return TimeStamping(f.text(d["url"], "tsa.url", 1024), tuple(certs),
                        _flag(d.get("required", False), "tsa.required"))


def _freshness(src: Mapping[str, Any], key: AuthorityKey | None) -> Freshness | None:
    """The ``[freshness]`` table (defaults: 24 hours, refuse above terbatas) with the
    timestamp key of the authority's registry (both its halves, when it has them)."""
    table = src.get("freshness")
    if key is None:
        if table is not None:
            _SRC.fail("[freshness] needs a timestamp key: give one with `sandi pola init` or "
                      "`sandi pola authority --timestamp-key`")
        return None
    d = _SRC.map(table or {}, "freshness", set(), frozenset({"max_age_hours", "refuse_above"}))
    hours = _SRC.integer(d.get("max_age_hours", DEFAULT_FRESHNESS_HOURS), "max_age_hours", 1,
                         MAX_FRESHNESS_AGE // 3600)
    return Freshness(key.ed25519, hours * 3600,
                     _level(d.get("refuse_above", "terbatas"), "refuse_above"), key.mldsa)


def compile_source(src: Mapping[str, Any], *, keys: Mapping[str, Sequence[KeyVersion]],
                   authority_keys: Sequence[AuthorityKey], threshold: int,
                   issued_at: datetime,
                   members: Mapping[str, Sequence[Member]] | None = None,
                   timestamp_key: AuthorityKey | None = None,
                   history: Sequence[tuple[int, datetime]] = ()) -> PolaBody:
    """Compile parsed source plus each agency's key versions into a pola body, issued at
    ``issued_at``.

    ``timestamp_key`` is the public key of the timestamp role (freshness statements,
    :mod:`sandi.pola.freshness`; its ``id`` and ``custodian`` are not published, and its
    ML-DSA-65 half is required where the pola requires the hybrid suite); ``history``
    the ``(version, issued_at)`` of every
    version published before.
    """
    f = _SRC
    issued = epoch_of(issued_at)  # the body is the wire's: seconds
    published = tuple((version, epoch_of(at)) for version, at in history)
    top = f.map(dict(src), "source", {"pola", "decree", "agency"},
                frozenset({"allow", "deny", "requirement", "tsa", "freshness"}))
    meta = f.map(top["pola"], "pola", {"id", "name", "authority", "valid_days"},
                 frozenset({"version"}))
    dec = f.map(top["decree"], "decree", {"number", "date", "title"})
    agencies = []
    for item in f.array(top["agency"], "agency", 1, 100_000):
        d = f.map(item, "agency", {"id", "name", "abbrev", "groups"}, frozenset({"sipd"}))
        agency_id = f.slug(d["id"], "agency id")
        f.array(d["groups"], f"groups of {agency_id}", 0, 64)
        if agency_id not in keys:
            f.fail("agency {agency_id} has no keys: add its enrollment request",
                   agency_id=agency_id)
        agencies.append(Agency(agency_id, f.text(d["name"], "name", 1024),
                               f.text(d["abbrev"], "abbrev", 64), d.get("sipd"),
                               tuple(f.slug(g, "group") for g in d["groups"]),
                               tuple(keys[agency_id]),
                               tuple((members or {}).get(agency_id, ()))))
    ids = {a.id for a in agencies}
    if len(ids) != len(agencies):
        f.fail("agency ids must be unique")
    groups = {g for a in agencies for g in a.groups}
    decree_date = dec["date"]
    if isinstance(decree_date, date):
        decree_date = decree_date.isoformat()
    valid = f.integer(meta["valid_days"], "valid_days", 1, 3660)
    return _as_loaded(PolaBody(
        f.slug(meta["id"], "pola id"), f.integer(meta.get("version", 1), "version", 1, 2**62),
        f.text(meta["name"], "name", 1024), issued, issued + valid * _DAY,
        Decree(f.text(dec["number"], "decree number", 1024), f.text(decree_date, "date", 32),
               f.text(dec["title"], "decree title", 1024)),
        Authority(f.text(meta["authority"], "authority", 1024), threshold,
                  tuple(authority_keys)),
        tuple(agencies), _rules(top, ids, groups), source_requirements(top), _tsa(top),
        _freshness(top, timestamp_key), published))


def _as_loaded(body: PolaBody) -> PolaBody:
    """Refuse, at compile time, anything the loader would refuse (one set of rules)."""
    try:
        return decode_body(encode_body(body))
    except MalformedPola as exc:  # a decoding failure is in the source: say so
        where = {"what": Phrase("pola source")} if exc.params.get("what") == "pola" else {}
        raise exc.with_params(**where) from None
    except (TypeError, ValueError) as exc:
        raise MalformedPola("pola source: a field has the wrong type ({exc})", exc=exc) from None


def _hybrid(signer: AuthorityKeyPair, listed: Sequence[AuthorityKey]) -> bool:
    """Whether ``signer`` signs with both halves: unless a pola lists its key classical."""
    return not any(k.id == signer.id and not k.has_pq for k in listed)


def sign_body(body: PolaBody, signers: Sequence[AuthorityKeyPair]) -> SignedPola:
    """Encode ``body`` and sign it with each of ``signers``."""
    data = encode_body(body)
    return SignedPola(body, data, tuple(
        k.sign(data, hybrid=_hybrid(k, body.authority.keys)) for k in signers))


def add_signature(signed: SignedPola, signer: AuthorityKeyPair,
                  listed: Sequence[AuthorityKey] = ()) -> SignedPola:
    """A draft with one more custodian's signature (replacing that key's old one);
    ``listed``: the previous authority's keys too, for a rotation's co-signatures."""
    kept = tuple(s for s in signed.signatures if s[0] != signer.id)
    hybrid = _hybrid(signer, (*signed.body.authority.keys, *listed))
    return SignedPola(signed.body, signed.body_bytes,
                      (*kept, signer.sign(signed.body_bytes, hybrid=hybrid)))


# --- custodian key files -----------------------------------------------------------

CUSTODIAN_MAGIC = CUSTODIAN_KEY.magic


def save_custodian_key(path: str | os.PathLike[str], key: AuthorityKeyPair,
                       passphrase: str | bytes, *, kdf: KdfParams = KdfParams.CUSTODIAN) -> None:
    """Write a custodian's private key, sealed under their own passphrase (0600) at
    Argon2id cost ``kdf`` (default 1 GiB x 3: this key signs a whole government's pola)."""
    sealed = SealedFile.new(CUSTODIAN_MAGIC, passphrase, kdf)
    _fs.atomic_write(path, sealed.seal(pack([key.id, key.custodian, key.seed])), mode=0o600)


def load_custodian_key(path: str | os.PathLike[str], passphrase: str | bytes) -> AuthorityKeyPair:
    """Unlock a custodian's private key file (:func:`custodian_key_cost` tells its cost)."""
    _, plain = read_sealed(Path(path), CUSTODIAN_MAGIC, passphrase)
    f = Fields(MalformedKeyFile, Phrase("custodian key"))
    r = f.record(unpack(plain, MalformedKeyFile, Phrase("custodian key"), 4096), "key", 3)
    return AuthorityKeyPair(f.slug(r[0], "id"), f.text(r[1], "custodian", 1024),
                            f.blob(r[2], "seed", 32))


def public_key_text(key: AuthorityKey) -> str:
    """A custodian's public key as one line to hand to the authority: id, key (Ed25519,
    then ML-DSA-65 if it has that half, in one base64), name."""
    raw = key.ed25519 + (key.mldsa or b"")
    return f"{key.id} {b64encode(raw).decode()} {key.custodian}\n"


def parse_public_key_text(text: str) -> AuthorityKey:
    """Parse :func:`public_key_text` output."""
    parts = text.strip().split(" ", 2)
    try:
        raw = b64decode(parts[1], validate=True)
    except (IndexError, ValueError):
        raise MalformedPola("custodian public key: expected 'ID BASE64 NAME'") from None
    if len(parts) != 3 or len(raw) not in (32, 32 + MLDSA65_PUBLIC_SIZE) or not is_slug(
            parts[0]):
        raise MalformedPola("custodian public key: expected 'ID BASE64 NAME'")
    return AuthorityKey(parts[0], raw[:32], parts[2], raw[32:] or None)
