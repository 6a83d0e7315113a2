"""Pola vectors: ``Pola.from_bytes(pola, trusted=Pola.from_bytes(trusted), now=now)``."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import msgpack
from _world import AUTHORITY, EXPIRES, OUTSIDER, POLA_BYTES, flip, pola_body, signed_pola
from _writer import Writer

from sandi._internal.codec import pack, unpack
from sandi.errors import MalformedPola
from sandi.pola._wire import POLA_PREFIX, SignedPola, decode_pola, encode_body
from sandi.pola.tables import pack_u32s, u32s

SIGFAIL = "PolaSignatureInvalid"


def _with_sigs(signed: SignedPola, sigs: list[tuple[str, bytes]]) -> bytes:
    return SignedPola(signed.body, signed.body_bytes, tuple(sigs)).to_bytes()


def pola_vectors(w: Writer) -> None:
    world = decode_pola(POLA_BYTES)
    k1, k2, k3 = AUTHORITY
    v2 = signed_pola(pola_body(version=2)).to_bytes()
    v4 = signed_pola(pola_body(version=4)).to_bytes()
    body_len = len(world.body_bytes)
    w.pola("valid", "the world's pola, signed by 2 of its 3 authority keys", POLA_BYTES, None)
    w.pola("valid-three-of-three", "signed by all three authority keys",
           signed_pola(signers=AUTHORITY).to_bytes(), None)
    w.pola("update", "v4 installed over the trusted v3", v4, None, trusted=POLA_BYTES)
    w.pola("same-as-trusted", "v3 offered again, identical bytes: unchanged", POLA_BYTES, None,
           trusted=POLA_BYTES)
    w.pola("rollback", "v2 offered over the trusted v3 (correctly signed)", v2, "PolaRollback",
           trusted=POLA_BYTES)
    w.pola("rollback-same-version", "another v3 (a different name) over the trusted v3",
           signed_pola(pola_body(name="Pola lain")).to_bytes(), "PolaRollback",
           trusted=POLA_BYTES)
    w.pola("other-id", "pola 'kota-lain' offered over the trusted 'kota-uji'",
           signed_pola(pola_body(version=4, pola_id="kota-lain")).to_bytes(), "PolaMismatch",
           trusted=POLA_BYTES)
    w.pola("too-few-signatures", "signed by 1 of the 2 required keys",
           signed_pola(signers=[k1]).to_bytes(), SIGFAIL)
    w.pola("no-signatures", "an empty signature list", _with_sigs(world, []), SIGFAIL)
    w.pola("duplicate-signature", "kustodian-1's signature twice (one key counts once)",
           _with_sigs(world, [world.signatures[0], world.signatures[0]]), SIGFAIL)
    w.pola("outsider-signature", "kustodian-1 and a key outside the authority",
           _with_sigs(world, [world.signatures[0], OUTSIDER.sign(world.body_bytes)]), SIGFAIL)
    w.pola("signature-flipped", "kustodian-2's signature with one bit flipped",
           _with_sigs(world, [world.signatures[0],
                              (world.signatures[1][0], flip(world.signatures[1][1], 5))]),
           SIGFAIL)
    w.pola("signature-swapped-ids", "the two signatures with their key ids swapped",
           _with_sigs(world, [(k2.id, world.signatures[0][1]), (k1.id, world.signatures[1][1])]),
           SIGFAIL)
    w.pola("signature-unlabelled", "both keys sign the body without the"
           " 'sandi/v2/pola-signature' label",
           _with_sigs(world, [(k.id, _raw_sign(k, POLA_PREFIX + struct.pack(">I", body_len)
                                                + hashlib.sha256(world.body_bytes).digest()))
                              for k in (k1, k2)]),
           SIGFAIL)
    changed = pola_body(name="Pola Hubungan Komunikasi Sandi (diubah)")
    w.pola("body-changed", "the body re-encoded with another name, old signatures kept",
           SignedPola(changed, encode_body(changed), world.signatures).to_bytes(), SIGFAIL)
    at = world.body_bytes.index(b"Inspektorat Daerah")
    flipped = world.body_bytes[:at] + b"i" + world.body_bytes[at + 1:]
    w.pola("body-byte-flipped", "one letter of an agency name changed in place (the body"
           " still parses)", SignedPola(world.body, flipped, world.signatures).to_bytes(),
           SIGFAIL)
    w.pola("authority-rotated-by-new-keys-only", "v4 with a new authority (kustodian-3 and"
           " kustodian-4), signed only by them: the trusted authority's 2 of 3 is missing",
           signed_pola(pola_body(version=4, authority=[k3, OUTSIDER]), [k3, OUTSIDER]
                       ).to_bytes(), SIGFAIL, trusted=POLA_BYTES)
    w.pola("authority-rotated", "v4 with a new authority, signed by 2 old and 2 new keys",
           signed_pola(pola_body(version=4, authority=[k3, OUTSIDER]),
                       [k1, k2, k3, OUTSIDER]).to_bytes(), None, trusted=POLA_BYTES)
    w.pola("expired", "checked at its expiry time", POLA_BYTES, "PolaExpired", now=EXPIRES)
    w.pola("expired-long-ago", "checked a year after it expired", POLA_BYTES, "PolaExpired",
           now=EXPIRES + 365 * 86_400)
    w.pola("bad-magic", "'SANDI' (an envelope's magic) instead of 'SANDP'",
           b"SANDI" + POLA_BYTES[5:], "MalformedPola")
    w.pola("version-1", "format version byte 1 (the format before key windows and"
           " freshness)", b"SANDP\x01" + POLA_BYTES[6:], "UnsupportedPolaVersion")
    w.pola("truncated", "the last byte removed", POLA_BYTES[:-1], "MalformedPola")
    w.pola("trailing-byte", "one byte appended", POLA_BYTES + b"\x00", "MalformedPola")
    w.pola("body-length-zero", "body length 0",
           POLA_PREFIX + struct.pack(">I", 0) + POLA_BYTES[10:], "MalformedPola")
    w.pola("too-many-signatures", "65 signatures (the limit is 64)",
           _with_sigs(world, [world.signatures[0]] * 65), "MalformedPola")
    w.pola("body-non-canonical", "the body with its version as uint8 (0xcc 03), re-signed",
           _resigned(_wide_version(world.body_bytes)), "MalformedPola")
    _compact_form_vectors(w, world.body_bytes)
    w.pola("version-3", "format version byte 3", b"SANDP\x03" + POLA_BYTES[6:],
           "UnsupportedPolaVersion")
    earlier = replace(pola_body(version=4), issued_at=world.body.issued_at - 86_400)
    w.pola("update-issued-before-trusted", "v4 issued a day before the trusted v3: the versions"
           " in force would overlap", signed_pola(earlier).to_bytes(), "PolaRollback",
           trusted=POLA_BYTES)
    disagrees = replace(pola_body(version=4), history=((3, world.body.issued_at - 1),))
    w.pola("update-history-disagrees", "v4 whose history says v3 was issued a second before"
           " the trusted v3 was", signed_pola(disagrees).to_bytes(), "PolaRollback",
           trusted=POLA_BYTES)
    # Hybrid authority signatures (issue 14 §7): both halves, from one signing of this body.
    k2_sig = world.signatures[1][1]
    other = signed_pola(pola_body(version=2)).signatures[1][1]
    w.pola("signature-ml-dsa-stripped", "kustodian-2's hybrid signature without its ML-DSA-65"
           " half (its 64-byte Ed25519 half alone)",
           _with_sigs(world, [world.signatures[0], (k2.id, k2_sig[:64])]), SIGFAIL)
    w.pola("signature-ml-dsa-swapped", "kustodian-2's Ed25519 half with the ML-DSA-65 half of"
           " its signature on another body", _with_sigs(world, [
               world.signatures[0], (k2.id, k2_sig[:64] + other[64:])]), SIGFAIL)
    w.pola("signature-ed25519-swapped", "kustodian-2's ML-DSA-65 half with the Ed25519 half of"
           " its signature on another body", _with_sigs(world, [
               world.signatures[0], (k2.id, other[:64] + k2_sig[64:])]), SIGFAIL)


def _compact_form_vectors(w: Writer, body: bytes) -> None:
    """Bodies that break the compact form of agencies and rules, each re-signed (so only
    the form is wrong) and each meaning nothing a canonical body could not say."""
    def bad(short: str, description: str, change: Callable[[dict[str, Any]], Any]) -> None:
        m = msgpack.unpackb(body, raw=False)
        new = change(m)  # a new body, or anything else when it changed m in place
        m = new if isinstance(new, dict) and "id" in new else m
        # packb keeps the maps' order as given: these bodies are canonical but for the change
        w.pola(short, description + ", re-signed",
               _resigned(msgpack.packb(m, use_bin_type=True)), "MalformedPola")

    def swap_selectors(m: dict[str, Any]) -> None:
        r = m["rules"]
        r["selectors"][0], r["selectors"][1] = r["selectors"][1], r["selectors"][0]
        for col in ("from", "to"):
            r[col] = pack_u32s([{0: 1, 1: 0}.get(i, i) for i in u32s(r[col])])

    def set_u32(col: str, value: int) -> Callable[[dict[str, Any]], None]:
        def change(m: dict[str, Any]) -> None:
            m["rules"][col] = pack_u32s([value]) + m["rules"][col][4:]
        return change

    bad("body-keys-unsorted", "the body map with 'authority' before 'agencies'",
        lambda m: {"authority": m.pop("authority"), **m})
    bad("requirement-keys-unsorted", "a requirement map as {suite, level, max_recipients}",
        lambda m: m["requirements"].__setitem__(0, dict(reversed(m["requirements"][0].items()))))
    bad("rule-selectors-unsorted", "the first two selectors swapped and every index"
        " renumbered to match (the same rules)", swap_selectors)
    bad("rule-selector-unused", "a selector 'zz-unused' that no rule names, appended",
        lambda m: m["rules"]["selectors"].append("zz-unused"))
    bad("rule-index-out-of-range", "the first rule's 'to' one past the selector table",
        lambda m: set_u32("to", len(m["rules"]["selectors"]))(m))
    bad("rule-effect-out-of-range", "the first rule's effect byte 2 (0 allow, 1 deny)",
        lambda m: m["rules"].__setitem__("effect", b"\x02" + m["rules"]["effect"][1:]))
    bad("rule-level-out-of-range", "the first rule's level byte 4 (levels are 0..3)",
        lambda m: m["rules"].__setitem__("level", b"\x04" + m["rules"]["level"][1:]))
    bad("rule-columns-uneven", "the note column one index (4 bytes) shorter than the others",
        lambda m: m["rules"].__setitem__("note", m["rules"]["note"][:-4]))
    bad("rule-text-unused", "a text 'zz' that no rule's note or sarana names, appended",
        lambda m: m["rules"]["texts"].append("zz"))
    bad("agency-record-short", "the first agency record without its (empty) members array",
        lambda m: m["agencies"][0].pop())
    bad("key-record-absent-fields-omitted", "the first agency's first key record with its"
        " trailing nil fields left out instead of written as nil",
        lambda m: m["agencies"][0][5].__setitem__(0, m["agencies"][0][5][0][:7]))
    bad("key-retired-without-end", "bkpsdmd's retired v1 with its retired_at nil: a retired"
        " key has an end", lambda m: next(a for a in m["agencies"] if a[0] == "bkpsdmd"
                                          )[5][0].__setitem__(7, None))
    bad("key-current-with-end", "sekda's current v1 with a retired_at",
        lambda m: next(a for a in m["agencies"] if a[0] == "sekda")[5][0].__setitem__(7, 1))


def _raw_sign(key: object, message: bytes) -> bytes:
    """A hybrid signature by an authority key over ``message`` as given (no label)."""
    from sandi.authority.authoring import AuthorityKeyPair
    from sandi.pola._wire import POLA_MLDSA_CONTEXT
    assert isinstance(key, AuthorityKeyPair)
    return key._key().sign(message, hybrid=True, context=POLA_MLDSA_CONTEXT)


def _wide_version(body: bytes) -> bytes:
    needle = b"\xa7version\x03"
    assert body.count(needle) == 1
    out = body.replace(needle, b"\xa7version\xcc\x03")
    try:
        unpack(out, MalformedPola, "pola", len(out))
    except MalformedPola:
        return out
    raise AssertionError("expected a non-canonical body")


def _resigned(body: bytes) -> bytes:
    sigs = pack([[k.id, k.sign(body)[1]] for k in AUTHORITY[:2]])
    return b"".join([POLA_PREFIX, struct.pack(">I", len(body)), body,
                     struct.pack(">I", len(sigs)), sigs])
