"""A second implementation of envelope format version 2, written from docs/format.md alone.

It imports nothing of sandi: msgpack, pyca/cryptography and hashlib only, and the
published vectors (tests/vectors/*.json with world.json). It parses, unwraps, checks
the key commitment, decrypts the metadata and the payload and verifies the signature
as the document says, and must agree with every vector: the same plaintext and
metadata on success, a refusal of the same kind otherwise. It does not implement the
pola (docs/format.md §11 step 6), so the policy and expiry vectors are left out; the
signer's public key comes from the world's private keys instead of the pola.

If this test fails after a format change, either docs/format.md or the code is wrong.
"""

from __future__ import annotations

import hashlib
import json
import struct
from base64 import b64decode
from pathlib import Path
from typing import Any

import msgpack
import pytest
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa, mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HERE = Path(__file__).parent / "vectors"
WORLD: dict[str, Any] = json.loads((HERE / "world.json").read_text())
VECTORS = sorted(HERE.glob("[0-9][0-9][0-9]-*.json"))

#: The kinds of outcome this implementation tells apart (the vectors' "expect").
CHECKED = {"success", "malformed", "unsupported", "not a recipient", "tampered", "signature",
           "timestamp"}

SUITES = {1: (80, 64), 2: (1168, 3373)}  # suite -> (stanza body, signature) lengths (§4)
LEVELS = ("biasa", "terbatas", "rahasia", "sangat-rahasia")
URGENCIES = ("biasa", "segera", "sangat-segera", "kilat")
CHUNK = 65_536 + 16


class Refused(Exception):
    """The envelope is refused; ``kind`` is one of the vectors' expect classes."""

    def __init__(self, kind: str, why: str) -> None:
        super().__init__(f"{kind}: {why}")
        self.kind = kind


def _bad(why: str) -> Refused:
    return Refused("malformed", why)


# --- §3 canonical msgpack and §4-§5 fields ---------------------------------------------------


def _no_ext(code: int, data: bytes) -> Any:
    raise ValueError(f"extension type {code}")


def _canonical(data: bytes) -> Any:
    """Decode one canonical msgpack object: re-encoding must give the same bytes (no
    envelope structure holds a map, so map key order needs no check of its own)."""
    try:
        obj = msgpack.unpackb(data, raw=False, strict_map_key=True, ext_hook=_no_ext)
        again = msgpack.packb(obj, use_bin_type=True)
    except Exception as exc:  # any decoding failure is a malformed block
        raise _bad(f"not msgpack: {exc!r}") from exc
    if again != data:
        raise _bad("not canonical")
    return obj


def _int(v: Any, lo: int, hi: int) -> int:
    if type(v) is not int or not lo <= v <= hi:
        raise _bad(f"integer {v!r} outside {lo}..{hi}")
    return v


def _bin(v: Any, lo: int, hi: int | None = None) -> bytes:
    if type(v) is not bytes or not lo <= len(v) <= (lo if hi is None else hi):
        raise _bad(f"bytes {v!r:.40}")
    return v


def _slug(v: Any) -> str:
    ok = (type(v) is str and 1 <= len(v.encode()) <= 32 and not v.startswith("-")
          and not v.endswith("-") and all(c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in v))
    if not ok:
        raise _bad(f"not a slug: {v!r}")
    return v


def _array(v: Any, size: int) -> list[Any]:
    if type(v) is not list or len(v) != size:
        raise _bad(f"not an array of {size}")
    return v


def _header(data: bytes) -> dict[str, Any]:
    """§4: the header, an array of 12."""
    items = _array(_canonical(data), 12)
    if type(items[0]) is int and 0 <= items[0] <= 2**32 \
            and items[0] not in SUITES:
        raise Refused("unsupported", f"suite {items[0]}")
    signer = _array(items[6], 3)
    to = items[7]
    if type(to) is not list or not 1 <= len(to) <= 1024:
        raise _bad("recipients")
    to = [_slug(a) for a in to]
    if to != sorted(set(to)):
        raise _bad("recipients not sorted and unique")
    if items[8] not in LEVELS or items[9] not in URGENCIES:
        raise _bad("classification or urgency")
    if items[11] is not None:  # §4.2: [receipts from, receipts to]
        request = _array(items[11], 2)
        for names, lo, hi in ((request[0], 0, 1024), (request[1], 1, 16)):
            if type(names) is not list or not lo <= len(names) <= hi:
                raise _bad("receipt request")
            if [_slug(a) for a in names] != sorted(set(names)):
                raise _bad("receipt request not sorted and unique")
        if not set(request[0]) < set(to):
            raise _bad("receipts from must be some (not all) recipients")
    return {"suite": _int(items[0], 1, 2), "pola_id": _slug(items[1]),
            "pola_version": _int(items[2], 1, 2**63 - 1), "doc_id": _bin(items[3], 16),
            "created_at": _int(items[4], 0, 253_402_300_799), "sender": _slug(items[5]),
            "signer": (_int(signer[0], 1, 2), _slug(signer[1]), _int(signer[2], 1, 2**31)),
            "to": to, "nonce": _bin(items[10], 16)}


def _split(env: bytes) -> tuple[dict[str, Any], bytes, bytes, list[tuple[str, int, bytes]],
                                 bytes, bytes, bytes]:
    """§2: (header, header hash H, signed region, stanzas, commitment, meta, rest)."""
    if len(env) < 6 or env[:5] != b"SANDI":
        raise _bad("magic")
    if env[5] != 2:
        raise Refused("unsupported", f"version {env[5]}")
    pos, blocks = 6, []
    for limit in (262_144, 8_192, 4_194_304, 65_536):  # S, B, R, U
        if len(env) < pos + 4:
            raise _bad("truncated length")
        (size,) = struct.unpack(">I", env[pos:pos + 4])
        if not 1 <= size <= limit or len(env) < pos + 4 + size:
            raise _bad("block length")
        blocks.append(env[pos + 4:pos + 4 + size])
        pos += 4 + size
        if len(blocks) == 1:
            header = _header(blocks[0])
            hashed = env[:pos]
        elif len(blocks) == 2:
            region = env[:pos]
    bound = _array(_canonical(blocks[1]), 2)
    commitment, meta = _bin(bound[0], 32), _bin(bound[1], 16, 4112)
    body_len = SUITES[header["suite"]][0]
    raw = _canonical(blocks[2])
    if type(raw) is not list or not 1 <= len(raw) <= 1024:
        raise _bad("stanzas")
    stanzas = [(_slug(r[0]), _int(r[1], 1, 2**31), _bin(r[2], body_len))
               for r in (_array(x, 3) for x in raw)]
    if [s[0] for s in stanzas] != header["to"]:
        raise _bad("stanzas do not match the recipients")
    h = hashlib.sha256(b"sandi/v2/header-hash\x00" + hashed).digest()  # §4.1
    _attachments(blocks[3])
    return header, h, region, stanzas, commitment, meta, env[pos:]


def _attachments(data: bytes) -> None:
    """§6a: records [type, body], types ascending; type 1 (a time-stamp token) only.
    The vectors' pola names no time-stamping authority, so any token is refused."""
    raw = _canonical(data)
    if type(raw) is not list or len(raw) > 1:
        raise _bad("attachments")
    for record in raw:
        kind, body = _array(record, 2)
        if _int(kind, 1, 1) == 1 and _bin(body, 1, 32_768):
            raise Refused("timestamp", "a token, and the pola names no TSA")


# --- §6-§9 -------------------------------------------------------------------------------------


def _hkdf(ikm: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    return HKDF(hashes.SHA256(), length, salt, info).derive(ikm)


def _keys(agency: str) -> dict[int, dict[str, Any]]:
    return {k["version"]: k for k in WORLD["agencies"][agency]}


def _unwrap(suite: int, agency: str, version: int, body: bytes, key: dict[str, Any],
            h: bytes) -> bytes:
    """§6.2-§6.3: the data key of our stanza, bound to H."""
    priv = x25519.X25519PrivateKey.from_private_bytes(b64decode(key["x25519"]))
    pk = priv.public_key().public_bytes_raw()
    eph = body[:32]
    try:
        ss_x = priv.exchange(x25519.X25519PublicKey.from_public_bytes(eph))
    except ValueError as exc:  # an all-zero shared secret
        raise Refused("tampered", "low-order share") from exc
    info = agency.encode() + b"\x00" + struct.pack(">I", version)
    if suite == 1:
        k = _hkdf(ss_x, eph + pk, b"sandi/v2/stanza/x25519\x00" + info)
    else:
        if key["mlkem_seed"] is None:
            raise Refused("tampered", "no ML-KEM key")
        sk = mlkem.MLKEM768PrivateKey.from_seed_bytes(b64decode(key["mlkem_seed"]))
        ss_m = sk.decapsulate(body[32:32 + 1088])
        k = _hkdf(ss_m + ss_x + eph + pk, b"", b"sandi/v2/stanza/mlkem768x25519\x00" + info)
    try:
        return AESGCM(k).decrypt(bytes(12), body[-48:], h)
    except InvalidTag as exc:
        raise Refused("tampered", "stanza does not open") from exc


def _metadata(plain: bytes) -> dict[str, str | None]:
    """§7."""
    items = _array(_canonical(plain), 3)
    for v, hi in zip(items, (1024, 1024, 255), strict=True):
        if v is not None and (type(v) is not str or not 1 <= len(v.encode()) <= hi):
            raise _bad("metadata field")
    return dict(zip(("filename", "subject", "content_type"), items, strict=True))


def _payload(key: bytes, payload: bytes) -> bytes:
    """§8: STREAM over AES-256-GCM, 65,552-byte chunks but the last."""
    if len(payload) < 16:
        raise Refused("tampered", "payload truncated")
    starts = list(range(0, len(payload), CHUNK))
    last = len(payload) - starts[-1]
    if last < 16 or (last == 16 and len(starts) > 1):
        raise _bad("chunk shorter than its tag, or empty after a full one")
    out, aead = [], AESGCM(key)
    for i, at in enumerate(starts):
        nonce = i.to_bytes(11, "big") + bytes([i == len(starts) - 1])
        try:
            out.append(aead.decrypt(nonce, payload[at:at + CHUNK], None))
        except InvalidTag as exc:
            raise Refused("tampered", f"chunk {i}") from exc
    return b"".join(out)


def _signer_key(kind: int, who: str, version: int) -> dict[str, Any] | None:
    """The signer's key: an agency's (kind 1) or a member's personal one (kind 2)."""
    if kind == 1 and who in WORLD["agencies"]:
        return _keys(who).get(version)
    if kind == 2 and who in WORLD["members"]:
        return {k["version"]: k for k in WORLD["members"][who]["keys"]}.get(version)
    return None


def _verify(suite: int, signer: tuple[int, str, int], message: bytes, sig: bytes) -> None:
    """§9: both halves, with the signer's public keys."""
    key = _signer_key(*signer)
    if key is None:
        raise Refused("signature", "unknown signer")  # a pola would say: policy refusal
    try:
        ed = ed25519.Ed25519PrivateKey.from_private_bytes(b64decode(key["ed25519"]))
        ed.public_key().verify(sig[:64], message)
        if suite == 2:
            if key["mldsa_seed"] is None:
                raise Refused("signature", "no ML-DSA key")
            pq = mldsa.MLDSA65PrivateKey.from_seed_bytes(b64decode(key["mldsa_seed"]))
            pq.public_key().verify(sig[64:], message, b"sandi/v2/envelope-signature")
    except InvalidSignature as exc:
        raise Refused("signature", "does not verify") from exc


def open_envelope(env: bytes, recipient: str) -> tuple[bytes, dict[str, str | None]]:
    """Open ``env`` with every key version of ``recipient`` (§10, without the pola)."""
    header, h, region, stanzas, commitment, meta, rest = _split(env)
    held = _keys(recipient)
    mine = next(((a, v, b) for a, v, b in stanzas if a == recipient and v in held), None)
    if mine is None:
        raise Refused("not a recipient", "no stanza for a held key")
    data_key = _unwrap(header["suite"], *mine, key=held[mine[1]], h=h)
    nonce = header["nonce"]
    okm = _hkdf(data_key, nonce, b"sandi/v2/document-keys\x00" + h, 64)
    if _hkdf(data_key, nonce, b"sandi/v2/commitment\x00" + h) != commitment:
        raise Refused("tampered", "commitment")
    try:
        meta_plain = AESGCM(okm[32:]).decrypt(bytes(12), meta, b"sandi/v2/metadata")
    except InvalidTag as exc:
        raise Refused("tampered", "metadata") from exc
    metadata = _metadata(meta_plain)
    sig_len = SUITES[header["suite"]][1]
    if len(rest) < sig_len + 16:
        raise Refused("tampered", "too short for its signature")
    payload, sig = rest[:-sig_len], rest[-sig_len:]
    plaintext = _payload(okm[:32], payload)
    _verify(header["suite"], header["signer"],
            b"sandi/v2/envelope-signature\x00" + region + hashlib.sha256(payload).digest(), sig)
    return plaintext, metadata


# --- against every vector --------------------------------------------------------------------


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())  # type: ignore[no-any-return]


@pytest.mark.parametrize("path", [p for p in VECTORS if _load(p)["expect"] in CHECKED],
                         ids=lambda p: p.stem)
def test_the_second_implementation_agrees_with_the_vector(path: Path) -> None:
    v = _load(path)
    env = b64decode(v["envelope"])
    if v["expect"] == "success":
        plaintext, metadata = open_envelope(env, v["recipient"])
        assert hashlib.sha256(plaintext).hexdigest() == v["plaintext_sha256"]
        assert metadata == v["metadata"]
        return
    with pytest.raises(Refused) as caught:
        open_envelope(env, v["recipient"])
    assert caught.value.kind == v["expect"], caught.value


def test_it_covers_the_refusals_of_format_version_2() -> None:
    checked = {p.stem.split("-", 1)[1] for p in VECTORS if _load(p)["expect"] in CHECKED}
    assert {"version-1", "resigned-by-third-agency", "stanza-bound-to-other-header",
            "keys-under-other-header-hash"} <= checked
    assert len(checked) >= 180
