"""The audit checkpoint vectors (tests/vectors/audit-checkpoints.json), run twice: through
sandi, and through a second implementation written here from docs/format.md ("Audit
checkpoints") alone, with nothing of sandi but the vectors' world. Both must give each
case's result."""

from __future__ import annotations

import hashlib
import json
from base64 import b64decode, b64encode
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa

import sandi
from sandi._internal.time import from_epoch
from sandi.audit import Checkpoint, CosignRequest, Witness
from sandi.audit.merkle import tree_root
from sandi.keys.agencykey import AgencyKey

HERE = Path(__file__).resolve().parent / "vectors"
WORLD: dict[str, Any] = json.loads((HERE / "world.json").read_text())
VECTORS: dict[str, Any] = json.loads((HERE / "audit-checkpoints.json").read_text())
NOW = datetime.fromisoformat(WORLD["now"])
AT = datetime.fromisoformat(VECTORS["cosigned_at"])
CASES = {c["name"]: c for c in VECTORS["cases"]}


def _pola() -> sandi.Pola:
    return sandi.Pola.from_bytes(b64decode(WORLD["pola"]), now=NOW)


def _key(agency: str, version: int) -> AgencyKey:
    k = next(k for k in WORLD["agencies"][agency] if k["version"] == version)
    return AgencyKey(agency, version, from_epoch(k["created_at"]), b64decode(k["x25519"]),
                     b64decode(k["ed25519"]), _opt(k["mlkem_seed"]), _opt(k["mldsa_seed"]))


def _opt(value: str | None) -> bytes | None:
    return None if value is None else b64decode(value)


# --- through sandi ------------------------------------------------------------------------


def _sandi(case: dict[str, Any], tmp_path: Path) -> str:
    """``success``, or the sandi error class's name."""
    pola = _pola()
    try:
        if "request" in case:
            witness = Witness(tmp_path / "w.db", pola=pola, key=_key("sekda", 1))
            if case["state"] is not None:
                witness.cosign(CosignRequest(0, (), Checkpoint.from_text(case["state"])),
                               now=AT)
            witness.cosign(CosignRequest.from_text(case["request"]), now=AT)
            return "success"
        checkpoint = Checkpoint.from_text(case["checkpoint"])
        checkpoint.check(pola, witness=case["witness"])
        leaves = [bytes.fromhex(h) for h in case["leaves"]]
        if len(leaves) < checkpoint.size or tree_root(leaves[:checkpoint.size]) != \
                checkpoint.root:
            return "AuditLogBroken"
        return "success"
    except sandi.SandiError as exc:
        return next(name for name in ("MalformedInput", "AuditLogBroken", "InvalidArgument")
                    if isinstance(exc, getattr(sandi.errors, name)))


@pytest.mark.parametrize("name", sorted(CASES))
def test_sandi_gives_each_result(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    assert _sandi(case, tmp_path) == (case["error"] or "success"), case["expect"]


# --- a second implementation, from docs/format.md -----------------------------------------

LABELS = (b"sandi/v2/audit-checkpoint", b"sandi/v2/audit-cosignature")


class Refused(Exception):
    """The case's result, when it is not success."""


def _mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def _consistent(m: int, n: int, old: bytes, new: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2, step by step."""
    if m == n:
        return old == new and not proof
    if m == 0:
        return not proof
    if not proof or m > n:
        return False
    path = [old, *proof] if m & (m - 1) == 0 else list(proof)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = hashlib.sha256(b"\x01" + c + fr).digest()
            sr = hashlib.sha256(b"\x01" + c + sr).digest()
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = hashlib.sha256(b"\x01" + sr + c).digest()
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old and sr == new


def _public(name: str) -> tuple[bytes, bytes | None]:
    agency, version = name.split("/v")
    k = next((k for k in WORLD["agencies"].get(agency, []) if str(k["version"]) == version),
             None)
    if k is None:
        raise Refused("AuditLogBroken")
    ed = ed25519.Ed25519PrivateKey.from_private_bytes(b64decode(k["ed25519"]))
    pq = None if k["mldsa_seed"] is None else mldsa.MLDSA65PrivateKey.from_seed_bytes(
        b64decode(k["mldsa_seed"])).public_key().public_bytes_raw()
    return ed.public_key().public_bytes_raw(), pq


def _check_sig(name: str, label: bytes, kid: bytes, sig: bytes, message: bytes) -> None:
    ed, pq = _public(name)
    if hashlib.sha256(name.encode() + b"\n\xff" + label + ed + (pq or b"")).digest()[:4] \
            != kid or len(sig) != 64 + 3309 or pq is None:  # the world's pola: hybrid
        raise Refused("AuditLogBroken")
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(ed).verify(sig[:64], label + b"\x00"
                                                              + message)
        mldsa.MLDSA65PublicKey.from_public_bytes(pq).verify(sig[64:], label + b"\x00"
                                                            + message, label)
    except InvalidSignature:
        raise Refused("AuditLogBroken") from None


def _parse(text: str) -> tuple[str, int, bytes, list[tuple[str, bytes]]]:
    """The note's agency, size, root and signature lines (name, decoded blob)."""
    head, sep, tail = text.partition("\n\n")
    lines = head.split("\n")
    ok = sep and len(lines) == 3 and lines[0].startswith("sandi/audit/") and tail.endswith(
        "\n") and all(c == "\n" or ord(c) >= 0x20 for c in text)
    if not ok or not lines[1].isdigit() or (lines[1] != "0" and lines[1][0] == "0"):
        raise Refused("MalformedInput")
    agency = lines[0][len("sandi/audit/"):]
    try:
        root = b64decode(lines[2], validate=True)
        sigs = [(ln[2:].split(" ")[0], b64decode(ln[2:].split(" ")[1], validate=True))
                for ln in tail[:-1].split("\n")]
    except (ValueError, IndexError):
        raise Refused("MalformedInput") from None
    if len(root) != 32 or b64encode(root).decode() != lines[2] or any(
            not ln.startswith("\u2014 ") or ln.count(" ") != 2 for ln in tail[:-1].split("\n")):
        raise Refused("MalformedInput")
    names = [n for n, _ in sigs]
    if names[0].split("/v")[0] != agency or len(set(names)) != len(names) or any(
            n.split("/v")[0] == agency for n in names[1:]) or any(
            b64encode(b).decode() not in text for _, b in sigs):
        raise Refused("MalformedInput")
    return agency, int(lines[1]), root, sigs


def _check(text: str, witness: str | None) -> tuple[int, bytes, int]:
    """Verify the note; its size, root and the witness's time (0 without a witness)."""
    _, size, root, sigs = _parse(text)
    note = text.partition("\n\n")[0].encode() + b"\n"
    (name, blob), *cosigs = sigs
    _check_sig(name, LABELS[0], blob[:4], blob[4:], note)
    if witness is None:
        return size, root, 0
    mine = [(n, b) for n, b in cosigs if n.split("/v")[0] == witness]
    if not mine:
        raise Refused("AuditLogBroken")
    wname, wblob = mine[0]
    t = int.from_bytes(wblob[4:12], "big")
    _check_sig(wname, LABELS[1], wblob[:4], wblob[12:],
               b"cosignature/v1\ntime " + str(t).encode() + b"\n" + note)
    return size, root, t


def _second(case: dict[str, Any]) -> str:
    try:
        if "request" not in case:
            size, root, _ = _check(case["checkpoint"], case["witness"])
            leaves = [bytes.fromhex(h) for h in case["leaves"]]
            if len(leaves) < size or _mth(leaves[:size]) != root:
                raise Refused("AuditLogBroken")
            return "success"
        state = None if case["state"] is None else _check(case["state"], None)[:2]
        head, _, note = case["request"].partition("\n\n")
        old = int(head.split("\n")[0].removeprefix("old "))
        proof = [b64decode(h) for h in head.split("\n")[1:]]
        size, root, _ = _check(note, None)
        if state is None:
            return "success" if old == 0 else "InvalidArgument"
        if (size, root) == state:
            return "success"
        if size <= state[0]:
            raise Refused("AuditLogBroken")
        if old != state[0]:
            return "InvalidArgument"
        if not _consistent(old, size, state[1], root, proof):
            raise Refused("AuditLogBroken")
        return "success"
    except Refused as refused:
        return str(refused)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_second_implementation_gives_each_result(name: str) -> None:
    case = CASES[name]
    assert _second(case) == (case["error"] or "success"), case["expect"]


def test_the_vectors_cover_every_refusal() -> None:
    kinds = {(c["expect"], "request" in c) for c in CASES.values()}
    assert kinds == {("success", False), ("refused", False), ("malformed", False),
                     ("success", True), ("refused", True)}
    assert {"log-truncated", "log-record-rewritten", "witness-fork-same-size",
            "witness-rewritten-below-old-size", "witness-log-shrank"} <= set(CASES)
