"""The published test vectors (tests/vectors/): every guarantee, as data.

(tests/test_second_implementation.py opens them again with an implementation written
from docs/format.md alone.)

Each envelope vector runs through ``sandi.open``, ``sandi.open_file`` (to a
path and to a stream), ``sandi.verify`` and the header round trip; each pola
vector through ``Pola.from_bytes``. A vector names the exact error class it
must raise, and no plaintext may come out of any failure. The vectors are
committed: this test never regenerates them (see tests/vectors/README.md).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
from base64 import b64decode
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import sandi
import sandi.keys.keystore
from sandi._internal.time import from_epoch
from sandi.envelope.format import (
    PREFIX,
    encode_bound,
    encode_header,
    encode_signed_header,
    parse_header,
    signed_region,
)
from sandi.keys.keystore import AgencyKey, Keystore
from sandi.keys.secretfile import KdfParams
from sandi.pola.policy import Pola

HERE = Path(__file__).parent / "vectors"
WORLD: dict[str, Any] = json.loads((HERE / "world.json").read_text())
ENVELOPES = sorted(HERE.glob("[0-9][0-9][0-9]-*.json"))
POLAS = sorted(HERE.glob("pola-[0-9][0-9][0-9]-*.json"))

#: The expect classes, and the error classes each one may name.
EXPECT: dict[str, set[str | None]] = {
    "success": {None},
    "malformed": {"MalformedEnvelope", "MalformedPola"},
    "unsupported": {"UnsupportedVersion", "UnsupportedSuite", "UnsupportedPolaVersion"},
    "not a recipient": {"NotARecipient"},
    "tampered": {"TamperedEnvelope", "WrappedKeyInvalid"},
    "signature": {"SignatureInvalid", "PolaSignatureInvalid"},
    "policy refusal": {"PolicyViolation", "UnknownAgency", "KeyNotValid", "KeyRevoked",
                       "PolaMismatch", "PolaRollback", "MemberSignatureRequired"},
    "expired": {"PolaExpired", "EnvelopeFromFuture"},  # time: the pola's, the envelope's
    "timestamp": {"TimestampInvalid"},
}

#: Vectors sandi is known to get wrong: name -> the bug (xfail, strict).
KNOWN_BUGS: dict[str, str] = {}

PASSPHRASE = "vektor uji"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def _params(paths: list[Path]) -> list[Any]:
    return [pytest.param(p, id=p.stem, marks=[pytest.mark.xfail(strict=True,
                                                                 reason=KNOWN_BUGS[p.stem])]
                         if p.stem in KNOWN_BUGS else []) for p in paths]


def _now(v: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(v.get("now") or WORLD["now"])


@functools.lru_cache(maxsize=16)
def _pola_at(now: datetime, name: str = "pola") -> Pola:
    return Pola.from_bytes(b64decode(WORLD[name]), now=now)


def _pola(v: dict[str, Any]) -> Pola:
    """The world's pola the vector names (``world_pola``, default ``pola``), checked at
    the vector's time (expiry vectors fail here)."""
    return _pola_at(_now(v), v.get("world_pola", "pola"))


@pytest.fixture(scope="module")
def keystores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Keystore]]:
    """One keystore per agency, holding every key version world.json lists for it."""
    stores = {}
    for agency, versions in WORLD["agencies"].items():
        store = Keystore.create(tmp_path_factory.mktemp(agency), passphrase=PASSPHRASE,
                                kdf=KdfParams.TEST)
        store.add_keys([AgencyKey(agency, k["version"], from_epoch(k["created_at"]),
                                  b64decode(k["x25519"]), b64decode(k["ed25519"]),
                                  _opt(k["mlkem_seed"]), _opt(k["mldsa_seed"]))
                        for k in versions])
        stores[agency] = store
    yield stores



def _opt(text: str | None) -> bytes | None:
    return None if text is None else b64decode(text)


def _check_header(info: sandi.EnvelopeInfo, header: dict[str, Any]) -> None:
    assert {
        "suite": info.suite, "pola_id": info.pola_id, "pola_version": info.pola_version,
        "doc_id": info.doc_id, "created_at": int(info.created_at.timestamp()),
        "sender": info.sender, "signer": info.signer,
        "signer_key_version": info.signer_key_version, "to": list(info.to),
        "classification": info.classification.slug, "urgency": info.urgency.slug,
        "receipts_from": list(info.receipts_from), "receipts_to": list(info.receipts_to),
    } == header


def _check_opened(doc: sandi.Opened, v: dict[str, Any]) -> None:
    assert {"filename": doc.filename, "subject": doc.subject,
            "content_type": doc.content_type} == v["metadata"]
    _check_header(doc, v["header"])
    assert list(doc.opened_with or ()) == v["opened_with"]


# --- the set of vectors ------------------------------------------------------------


def test_there_are_enough_vectors_of_every_kind() -> None:
    vectors = [_load(p) for p in ENVELOPES]
    assert len(vectors) >= 100
    assert {v["expect"] for v in vectors} == set(EXPECT)
    assert len(POLAS) >= 5


def test_the_refusals_of_format_version_2_have_vectors() -> None:
    by_name = {p.stem.split("-", 1)[1]: _load(p) for p in ENVELOPES}
    v1 = by_name["version-1"]  # a genuine envelope of format version 1
    assert b64decode(v1["envelope"]).startswith(b"SANDI\x01")
    assert (v1["error"], v1["verify"]) == ("UnsupportedVersion", "UnsupportedVersion")
    # Issue 14 §1: a third agency re-signed another's envelope as its own. Its signature
    # and the pola are satisfied (verify passes, naming it); the recipient cannot open it.
    x = by_name["resigned-by-third-agency"]
    assert (x["error"], x["verify"], x["header"]["sender"]) == ("WrappedKeyInvalid", "success",
                                                                "bkpsdmd")
    assert by_name["resigned-unchanged-by-its-sender"]["expect"] == "success"


#: Issue 14 §6 and the members' requirement: each refusal of a member's signature has a
#: vector under the members' pola, with an honest control (name -> error, None: opens).
MEMBER_VECTORS: dict[str, str | None] = {
    "member-signed": None, "member-signed-hybrid": None,
    "member-before-suspension": None, "member-inside-suspension": "KeyRevoked",
    "member-after-reinstatement": None, "member-before-removal": None,
    "member-after-removal": "KeyRevoked",
    "agency-key-where-member-required": "MemberSignatureRequired",
    "agency-key-where-member-not-required": None,
}


def test_the_member_refusals_have_vectors() -> None:
    by_name = {p.stem.split("-", 1)[1]: _load(p) for p in ENVELOPES}
    for name, error in MEMBER_VECTORS.items():
        v = by_name[name]
        assert (v["world_pola"], v["error"], v["verify"]) == (
            "pola_members", error, error or "success"), name
        if error is None and name.startswith("member-"):
            assert v["header"]["signer"] in WORLD["members"], name  # a person signed
    assert {v.get("world_pola", "pola") for v in map(_load, ENVELOPES)} == {"pola",
                                                                           "pola_members"}


@pytest.mark.parametrize("path", [*ENVELOPES, *POLAS], ids=lambda p: p.stem)
def test_vector_is_well_formed(path: Path) -> None:
    v = _load(path)
    assert v["name"] == path.stem
    assert v["error"] in EXPECT[v["expect"]]
    if "envelope" in v:
        assert v["recipient"] in WORLD["agencies"]
        assert (v["plaintext_sha256"] is None) == (v["expect"] != "success")
        assert (v["metadata"] is None) == (v["expect"] != "success")
        assert v["verify"] == "success" or v["verify"] in set().union(*EXPECT.values())
        if v["verify"] == "success":
            assert v["header"] is not None


# --- envelope vectors ------------------------------------------------------------------


@pytest.mark.parametrize("path", _params(ENVELOPES))
def test_open(path: Path, keystores: dict[str, Keystore]) -> None:
    v = _load(path)
    env = b64decode(v["envelope"])
    store = keystores[v["recipient"]]
    if v["expect"] == "success":
        doc = sandi.open(env, keystore=store, pola=_pola(v), now=_now(v))
        assert hashlib.sha256(doc.plaintext).hexdigest() == v["plaintext_sha256"]
        _check_opened(doc, v)
        return
    with pytest.raises(sandi.SandiError) as info:
        sandi.open(env, keystore=store, pola=_pola(v), now=_now(v))
    assert type(info.value).__name__ == v["error"], info.value


@pytest.mark.parametrize("path", _params(ENVELOPES))
def test_open_file(path: Path, keystores: dict[str, Keystore], tmp_path: Path) -> None:
    v = _load(path)
    src = tmp_path / "surat.sandi"
    src.write_bytes(b64decode(v["envelope"]))
    out = tmp_path / "out"
    out.mkdir()
    dst = out / "surat.pdf"
    stream = io.BytesIO()
    store = keystores[v["recipient"]]
    if v["expect"] == "success":
        opened = sandi.open_file(src, dst, keystore=store, pola=_pola(v), now=_now(v))
        _check_opened(opened, v)
        assert hashlib.sha256(dst.read_bytes()).hexdigest() == v["plaintext_sha256"]
        assert [p.name for p in out.iterdir()] == ["surat.pdf"]
        sandi.open_file(src, stream, keystore=store, pola=_pola(v), now=_now(v))
        assert hashlib.sha256(stream.getvalue()).hexdigest() == v["plaintext_sha256"]
        return
    for target in (dst, stream):
        with pytest.raises(sandi.SandiError) as info:
            sandi.open_file(src, target, keystore=store, pola=_pola(v), now=_now(v))
        assert type(info.value).__name__ == v["error"], info.value
    # Nothing unverified is released: no output file, no temporary file, no bytes.
    assert list(out.iterdir()) == []
    assert stream.getvalue() == b""


@pytest.mark.parametrize("path", _params(ENVELOPES))
def test_verify(path: Path) -> None:
    v = _load(path)
    env = b64decode(v["envelope"])
    for source in (env, io.BytesIO(env)):
        if v["verify"] == "success":
            _check_header(sandi.verify(source, pola=_pola(v), now=_now(v)), v["header"])
            continue
        with pytest.raises(sandi.SandiError) as info:
            sandi.verify(source, pola=_pola(v), now=_now(v))
        assert type(info.value).__name__ == v["verify"], info.value


@pytest.mark.parametrize("path", _params(ENVELOPES))
def test_header_round_trip(path: Path) -> None:
    """Non-malleability: a header that parses re-encodes to exactly its bytes."""
    v = _load(path)
    env = b64decode(v["envelope"])
    try:
        header, end = parse_header(env)
    except sandi.errors.MalformedEnvelope:
        assert v["expect"] in {"malformed", "unsupported"}
        return
    signed, bound = encode_signed_header(header.signed), encode_bound(header.bound)
    assert encode_header(signed_region(signed, bound), header.stanzas,
                         header.attachments) == env[:end]
    assert header.signed_region == (PREFIX + len(signed).to_bytes(4, "big") + signed
                                    + len(bound).to_bytes(4, "big") + bound)
    assert header.size == end


# --- pola vectors ----------------------------------------------------------------------


@pytest.mark.parametrize("path", _params(POLAS))
def test_pola(path: Path) -> None:
    v = _load(path)
    now = _now(v)
    data = b64decode(v["pola"])

    def load() -> Pola:
        trusted = None if v["trusted"] is None else Pola.from_bytes(b64decode(v["trusted"]),
                                                                    now=now)
        return Pola.from_bytes(data, trusted=trusted, now=now)

    if v["expect"] == "success":
        assert load().to_bytes() == data
        return
    with pytest.raises(sandi.SandiError) as info:
        load()
    assert type(info.value).__name__ == v["error"], info.value
