"""Writing vector files, and checking each one against sandi as it is written."""

from __future__ import annotations

import hashlib
import json
from base64 import b64encode
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _members import MEMBERS, MEMBERS_POLA_BYTES
from _world import (
    AGENCIES,
    AUTHORITY,
    EXPIRES,
    ISSUED,
    KEYS,
    MEMBER_KEYS,
    NOW,
    OUTSIDER,
    POLA_BYTES,
    header_fields,
)

import sandi
from sandi._internal.time import epoch
from sandi.envelope.format import Metadata, parse_header
from sandi.keys.holdings import Holdings
from sandi.keys.keystore import Keystore
from sandi.pola.policy import Pola

#: The "expect" class of each error a vector may name.
EXPECT = {
    "MalformedEnvelope": "malformed", "MalformedPola": "malformed",
    "UnsupportedVersion": "unsupported", "UnsupportedSuite": "unsupported",
    "UnsupportedPolaVersion": "unsupported",
    "NotARecipient": "not a recipient",
    "TamperedEnvelope": "tampered", "WrappedKeyInvalid": "tampered",
    "SignatureInvalid": "signature", "PolaSignatureInvalid": "signature",
    "PolicyViolation": "policy refusal", "UnknownAgency": "policy refusal",
    "MemberSignatureRequired": "policy refusal",
    "KeyNotValid": "policy refusal", "KeyRevoked": "policy refusal",
    "PolaMismatch": "policy refusal", "PolaRollback": "policy refusal",
    "PolaExpired": "expired", "EnvelopeFromFuture": "expired",
    "TimestampInvalid": "timestamp",
}


#: The polas of world.json a vector may name in ``world_pola`` (default: ``pola``).
WORLD_POLAS = {"pola": POLA_BYTES, "pola_members": MEMBERS_POLA_BYTES}


def b64(data: bytes) -> str:
    return b64encode(data).decode()


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _keystore(agency: str) -> Keystore:
    # In memory only: the generator never touches a keystore file.
    return Keystore._holding(_InMemory(), Holdings(tuple(k for (a, _), k in KEYS.items()  # type: ignore[arg-type]
                                                if a == agency)))


class _InMemory:
    """A keystore's storage that is never read or written (a member-less home)."""

    member = None
    path = Path("/nonexistent")


class Writer:
    """Numbers, checks and writes vectors."""

    def __init__(self, here: Path) -> None:
        self.here = here
        self.vectors: list[dict[str, Any]] = []
        self.polas: list[dict[str, Any]] = []
        self.names: set[str] = set()
        self.disagreements: list[str] = []

    # --- envelope vectors --------------------------------------------------------------

    def ok(self, short: str, description: str, recipient: str, env: bytes, data: bytes,
           meta: Metadata, *, opened_with: tuple[str, int] | None = None,
           now: int | None = None, world_pola: str | None = None) -> None:
        """A vector that opens (under world.json's ``world_pola``, default ``pola``)."""
        signed = parse_header(env)[0].signed
        who = opened_with or (recipient, next(s.key_version for s in parse_header(env)[0].stanzas
                                              if s.agency == recipient))
        self._add(short, description, "success", None, recipient, env, "success",
                  plaintext_sha256=hashlib.sha256(data).hexdigest(),
                  metadata={"filename": meta.filename, "subject": meta.subject,
                            "content_type": meta.content_type},
                  header=header_fields(signed), opened_with=list(who), now=now,
                  world_pola=world_pola)

    def fail(self, short: str, description: str, recipient: str, env: bytes, error: str,
             verify: str | None = None, *, now: int | None = None,
             world_pola: str | None = None) -> None:
        """A vector that open refuses with ``error``; ``verify`` is what verify does
        ("success" or an error class; default: the same error)."""
        verify = verify or error
        header = header_fields(parse_header(env)[0].signed) if verify == "success" else None
        self._add(short, description, EXPECT[error], error, recipient, env, verify,
                  plaintext_sha256=None, metadata=None, header=header, now=now,
                  world_pola=world_pola)

    def _add(self, short: str, description: str, expect: str, error: str | None,
             recipient: str, env: bytes, verify: str, *, now: int | None = None,
             world_pola: str | None = None, **fields: Any) -> None:
        assert short not in self.names, short
        assert recipient in AGENCIES
        self.names.add(short)
        vector: dict[str, Any] = {
            "name": f"{len(self.vectors) + 1:03d}-{short}", "description": description,
            "expect": expect, "error": error, "verify": verify, "recipient": recipient}
        if now is not None:
            vector["now"] = iso(now)
        if world_pola is not None:
            vector["world_pola"] = world_pola
        vector.update(fields)
        vector["envelope"] = b64(env)
        self.vectors.append(vector)
        self._check(vector, env, now)

    def _check(self, v: dict[str, Any], env: bytes, now: int | None) -> None:
        at = datetime.fromtimestamp(NOW if now is None else now, UTC)
        got_open = got_verify = "success"
        pola_bytes = WORLD_POLAS[v.get("world_pola", "pola")]
        try:
            pola = Pola.from_bytes(pola_bytes, now=at)
            doc = sandi.open(env, keystore=_keystore(v["recipient"]), pola=pola, now=at)
            if hashlib.sha256(doc.plaintext).hexdigest() != v["plaintext_sha256"]:
                got_open = "wrong plaintext"
            elif list(doc.opened_with or ()) != v["opened_with"]:
                got_open = f"opened with {doc.opened_with}"
        except sandi.SandiError as exc:
            got_open = type(exc).__name__
        try:
            sandi.verify(env, pola=Pola.from_bytes(pola_bytes, now=at), now=at)
        except sandi.SandiError as exc:
            got_verify = type(exc).__name__
        want_open = v["error"] or "success"
        if (got_open, got_verify) != (want_open, v["verify"]):
            self.disagreements.append(f"{v['name']}: open {got_open} (want {want_open}),"
                                      f" verify {got_verify} (want {v['verify']})")

    # --- pola vectors ------------------------------------------------------------------

    def pola(self, short: str, description: str, data: bytes, error: str | None, *,
             trusted: bytes | None = None, now: int = NOW) -> None:
        """A pola vector: Pola.from_bytes(pola, trusted=..., now=now)."""
        vector = {"name": f"pola-{len(self.polas) + 1:03d}-{short}",
                  "description": description,
                  "expect": "success" if error is None else EXPECT[error], "error": error,
                  "now": iso(now), "trusted": None if trusted is None else b64(trusted),
                  "pola": b64(data)}
        self.polas.append(vector)
        at = datetime.fromtimestamp(now, UTC)
        try:
            anchor = None if trusted is None else Pola.from_bytes(trusted, now=at)
            Pola.from_bytes(data, trusted=anchor, now=at)
            got = None
        except sandi.SandiError as exc:
            got = type(exc).__name__
        if got != error:
            self.disagreements.append(f"{vector['name']}: got {got}, want {error}")

    # --- output ------------------------------------------------------------------------

    def finish(self) -> None:
        for old in self.here.glob("[0-9][0-9][0-9]-*.json"):
            old.unlink()
        for old in self.here.glob("pola-[0-9][0-9][0-9]-*.json"):
            old.unlink()
        for v in (*self.vectors, *self.polas):
            (self.here / f"{v['name']}.json").write_text(json.dumps(v, indent=1,
                                                                    ensure_ascii=False) + "\n")
        (self.here / "world.json").write_text(json.dumps(world(), indent=1) + "\n")
        counts: dict[str, int] = {}
        for v in self.vectors:
            counts[v["expect"]] = counts.get(v["expect"], 0) + 1
        print(f"{len(self.vectors)} envelope vectors, {len(self.polas)} pola vectors")
        for expect, count in sorted(counts.items()):
            print(f"  {expect}: {count}")
        for line in self.disagreements:
            print("DISAGREES", line)


def world() -> dict[str, Any]:
    """world.json: the pola, every private key, the fixed now."""
    return {
        "warning": "TEST KEYS ONLY. Every private key below is public; never use them for"
                   " anything but checking an implementation against these vectors.",
        "now": iso(NOW), "pola_issued": iso(ISSUED), "pola_expires": iso(EXPIRES),
        "pola": b64(POLA_BYTES),
        "pola_members": b64(MEMBERS_POLA_BYTES),
        "pola_members_note": "the world's pola again, as kota-uji-anggota v1, with three "
                             "members of bkpsdmd (andi active; budi suspended from "
                             "2026-01-25 until 2026-02-14, reinstated; citra removed at "
                             "2026-02-24) and member_signed for rahasia; vectors naming it "
                             "carry \"world_pola\": \"pola_members\"",
        "agencies": {agency: [_key(k) for (a, _), k in sorted(KEYS.items()) if a == agency]
                     for agency in AGENCIES},
        "members": {m.id: {"agency": "bkpsdmd", "keys": [_key(MEMBER_KEYS[m.id, 1])]}
                    for m in MEMBERS},
        "authority": [{"id": a.id, "custodian": a.custodian, "ed25519_seed": b64(a.seed)}
                      for a in (*AUTHORITY, OUTSIDER)],
        "authority_note": "kustodian-1..3 are the pola's authority (threshold 2; the world"
                          " pola is signed by 1 and 2); kustodian-4 is an outsider.",
    }


def _key(k: Any) -> dict[str, Any]:
    """A private key version as world.json lists it."""
    return {"version": k.version, "created_at": epoch(k.created_at), "x25519": b64(k.x25519),
            "ed25519": b64(k.ed25519),
            "mlkem_seed": None if k.mlkem_seed is None else b64(k.mlkem_seed),
            "mldsa_seed": None if k.mldsa_seed is None else b64(k.mldsa_seed)}
