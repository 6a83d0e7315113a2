"""Guarantees 4 (sender signature), 6 (recipient binding) and 8 (policy at open).

The sender signs the signed header and a hash of the whole payload ciphertext:
no outsider and no recipient (who knows the data key) can forge or alter a
document "from" an agency, nor re-address it. ``verify`` needs only the public
pola. Open and verify refuse an envelope the pola does not allow, or one signed
by a key that was unknown, not yet valid, or revoked at its creation time.
"""

from __future__ import annotations

import inspect
import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from helpers import (
    Layout,
    assemble,
    bound_for,
    doc_keys,
    encrypt_meta,
    encrypt_payload,
    forge,
    keystore_with,
    known_parts,
    make_header,
    pola_with,
    resign,
    seal_known,
    wrap_for,
)

import sandi
from sandi._internal.time import epoch, from_epoch
from sandi.crypto.suite import Suite
from sandi.demo import DemoWorld
from sandi.envelope.format import (
    Metadata,
    SignedHeader,
    encode_bound,
    encode_signed_header,
    hash_header,
)
from sandi.errors import (
    KeyNotValid,
    KeyRevoked,
    PolaMismatch,
    PolicyViolation,
    SignatureInvalid,
    WrappedKeyInvalid,
)
from sandi.keys.keystore import AgencyKey, Keystore
from sandi.pola.classification import Classification
from sandi.pola.model import KeyState, KeyVersion, RevocationReason
from sandi.pola.policy import Pola

DOC = b"Surat keputusan mutasi pegawai: 12 nama, 3 halaman." * 50


@pytest.fixture(scope="module")
def stores(world: DemoWorld, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Keystore]:
    """Keystores holding only one agency's keys each."""
    return {a: keystore_with(world, tmp_path_factory.mktemp(a), [a])
            for a in ("dinkes", "dinsos", "disdik", "setda", "kec-selatan", "dispendukcapil")}


def _both_refuse(env: bytes, world: DemoWorld, store: Keystore, error: type[Exception],
                 match: str | None = None, pola: Pola | None = None) -> None:
    pola = pola or world.pola
    with pytest.raises(error, match=match):
        sandi.open(env, keystore=store, pola=pola)
    with pytest.raises(error, match=match):
        sandi.verify(env, pola=pola)


# --- verify needs public information only ----------------------------------------------------


def test_verify_needs_no_private_key(world: DemoWorld) -> None:
    assert "keystore" not in inspect.signature(sandi.verify).parameters
    env = sandi.seal(DOC, sender=world.keystore.identity("dispendukcapil"), to=["dinkes"],
                     classification="rahasia", pola=world.pola)
    # An auditor holds only the published pola bytes.
    public = Pola.from_bytes(world.pola.to_bytes())
    info = sandi.verify(env, pola=public)
    assert (info.sender, info.to, info.classification, info.signer, info.signer_key_version) == (
        "dispendukcapil", ("dinkes",), Classification.RAHASIA, "dispendukcapil", 1)
    assert info.sender_name == "Dinas Kependudukan dan Pencatatan Sipil"
    assert sandi.verify(io.BytesIO(env), pola=public).doc_id == info.doc_id


# --- forged sender -----------------------------------------------------------------------------


def test_outsider_signing_as_another_agency_is_refused(world: DemoWorld,
                                                      stores: dict[str, Keystore]) -> None:
    # bappeda builds a document "from" dispendukcapil and signs it with its own key.
    parts = known_parts(20)
    h = make_header(world, sender="dispendukcapil", to=["dinkes"],
                    classification=Classification.TERBATAS, suite=Suite.CLASSICAL, parts=parts)
    env = forge(world, h, DOC, parts, sign_as="bappeda")
    _both_refuse(env, world, stores["dinkes"], SignatureInvalid,
                 "signature of dispendukcapil does not verify")


def test_outsider_naming_itself_signer_of_another_sender_is_refused(
        world: DemoWorld, stores: dict[str, Keystore]) -> None:
    parts = known_parts(21)
    h = make_header(world, sender="dispendukcapil", to=["dinkes"],
                    classification=Classification.TERBATAS, suite=Suite.CLASSICAL, parts=parts)
    h = replace(h, signer=replace(h.signer, id="bappeda"))
    env = forge(world, h, DOC, parts, sign_as="bappeda")
    _both_refuse(env, world, stores["dinkes"], KeyNotValid,
                 "signer 'bappeda' is not a key of dispendukcapil")


def test_changing_the_sender_of_a_real_envelope_is_refused(world: DemoWorld,
                                                           stores: dict[str, Keystore]) -> None:
    env = sandi.seal(DOC, sender=world.keystore.identity("dispendukcapil"), to=["dinkes"],
                     classification="rahasia", pola=world.pola)
    layout = Layout.of(env)
    h = layout.signed_header
    # setda may send rahasia to dinkes, so the policy does not object. verify (no key)
    # finds the signature wrong; open meets the header binding first: dinkes's stanza is
    # bound to the header hash, and the header changed (tests/test_header_binding.py).
    moved = replace(h, sender="setda", signer=replace(h.signer, id="setda"))
    env2 = layout.with_(signed_bytes=encode_signed_header(moved))
    with pytest.raises(SignatureInvalid, match="signature of setda"):
        sandi.verify(env2, pola=world.pola)
    with pytest.raises(WrappedKeyInvalid, match="does not open"):
        sandi.open(env2, keystore=stores["dinkes"], pola=world.pola)


@pytest.mark.parametrize("suite", [Suite.CLASSICAL, Suite.HYBRID])
def test_signature_transplant_is_refused(world: DemoWorld, stores: dict[str, Keystore],
                                         suite: Suite) -> None:
    sender, to, level = (("dispendukcapil", "dinkes", "terbatas") if suite is Suite.CLASSICAL
                         else ("inspektorat", "setda", "sangat-rahasia"))
    a, b = (Layout.of(sandi.seal(DOC, sender=world.keystore.identity(sender), to=[to],
                                 classification=level, pola=world.pola)) for _ in range(2))
    env = a.with_(signature=b.signature_bytes)
    _both_refuse(env, world, stores[to], SignatureInvalid)


def test_hybrid_needs_both_signature_halves(world: DemoWorld,
                                            stores: dict[str, Keystore]) -> None:
    # Each half valid on its own, but for another message: both must verify.
    a, b = (Layout.of(sandi.seal(DOC, sender=world.keystore.identity("inspektorat"),
                                 to=["setda"], classification="sangat-rahasia",
                                 pola=world.pola)) for _ in range(2))
    sa, sb = a.signature_bytes, b.signature_bytes
    assert len(sa) == Suite.HYBRID.signature_len
    for mixed in (sa[:64] + sb[64:], sb[:64] + sa[64:]):
        _both_refuse(a.with_(signature=mixed), world, stores["setda"], SignatureInvalid)


# --- a recipient (who knows the data key) cannot alter or re-address ------------------------


@pytest.fixture(scope="module")
def received(world: DemoWorld) -> tuple[bytes, bytes]:
    """An envelope dispendukcapil -> dinkes and the data key dinkes recovers from it."""
    parts = known_parts(30)
    env = seal_known(world, DOC, sender="dispendukcapil", to=["dinkes"],
                     classification="rahasia", parts=parts, filename="mutasi.pdf")
    return env, parts.data_key


def test_recipient_cannot_change_the_content(world: DemoWorld, received: tuple[bytes, bytes],
                                             stores: dict[str, Keystore]) -> None:
    # dinkes re-encrypts a different text under the same payload key: every chunk
    # authenticates, only the sender's signature over the payload hash refuses it.
    env, data_key = received
    layout = Layout.of(env)
    forged = layout.with_(payload=encrypt_payload(doc_keys(data_key, layout.signed_header),
                                                  DOC.replace(b"12 nama", b"13 nama")))
    _both_refuse(forged, world, stores["dinkes"], SignatureInvalid)


def test_recipient_cannot_change_the_metadata(world: DemoWorld, received: tuple[bytes, bytes],
                                              stores: dict[str, Keystore]) -> None:
    env, data_key = received
    layout = Layout.of(env)
    keys = doc_keys(data_key, layout.signed_header)
    forged = layout.with_(bound_bytes=encode_bound(
        replace(layout.bound, meta=encrypt_meta(keys, Metadata("palsu.pdf")))))
    _both_refuse(forged, world, stores["dinkes"], SignatureInvalid)


_READDRESS: dict[str, Callable[[SignedHeader], SignedHeader]] = {
    # A third agency the sender may send rahasia to, so only the signature objects.
    "replace-recipient": lambda h: replace(h, to=("disdik",)),
    "add-recipient": lambda h: replace(h, to=("dinkes", "disdik")),
    "lower-classification": lambda h: replace(h, to=("disdik",),
                                              classification=Classification.TERBATAS),
    "new-doc-id": lambda h: replace(h, to=("disdik",), doc_id=bytes(16)),
    "new-date": lambda h: replace(h, to=("disdik",), created_at=h.created_at + 240),
}


@pytest.mark.parametrize("case", sorted(_READDRESS))
def test_recipient_cannot_readdress(world: DemoWorld, received: tuple[bytes, bytes],
                                    stores: dict[str, Keystore], case: str) -> None:
    # dinkes forwards the document to disdik: it changes the recipient list, and, as it
    # knows the data key and the plaintext, redoes everything bound to the header (the
    # bound block, a stanza for each recipient, the payload) and keeps the sender's
    # signature. Only that signature stands in the way.
    env, data_key = received
    layout = Layout.of(env)
    h = _READDRESS[case](layout.signed_header)
    hh = hash_header(encode_signed_header(h))
    stanzas = tuple(wrap_for(world, data_key, h.suite, name, hh) for name in h.to)
    forged = assemble(encode_signed_header(h), bound_for(data_key, h, Metadata("mutasi.pdf")),
                      stanzas, encrypt_payload(doc_keys(data_key, h), DOC),
                      layout.signature_bytes)
    _both_refuse(forged, world, stores["disdik"], SignatureInvalid)


def test_recipient_resigning_as_itself_is_refused(world: DemoWorld,
                                                  received: tuple[bytes, bytes],
                                                  stores: dict[str, Keystore]) -> None:
    # dinkes re-addresses, redoes everything bound to the header, and signs with its own
    # key, still naming dispendukcapil.
    env, data_key = received
    parts = replace(known_parts(30), data_key=data_key)
    h = replace(Layout.of(env).signed_header, to=("disdik",))
    forged = forge(world, h, DOC, parts, sign_as="dinkes", meta=Metadata("mutasi.pdf"))
    _both_refuse(forged, world, stores["disdik"], SignatureInvalid)


# --- policy at open -------------------------------------------------------------------------


def test_flow_the_pola_forbids_is_refused_even_if_signed(world: DemoWorld,
                                                         stores: dict[str, Keystore],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # A sender whose sandi skips the policy check (or a hand-built envelope):
    # kecamatan to kecamatan is denied from rahasia upwards.
    with monkeypatch.context() as m:
        m.setattr(Pola, "check_flow", lambda *a, **k: None)
        env = sandi.seal(DOC, sender=world.keystore.identity("kec-utara"), to=["kec-selatan"],
                         classification="rahasia", pola=world.pola)
    _both_refuse(env, world, stores["kec-selatan"], PolicyViolation,
                 "does not allow kec-utara to send Rahasia to kec-selatan")


def test_hand_built_forbidden_flow_is_refused(world: DemoWorld,
                                              stores: dict[str, Keystore]) -> None:
    parts = known_parts(40)
    h = make_header(world, sender="dinkes", to=["dispendukcapil"],
                    classification=Classification.SANGAT_RAHASIA, suite=Suite.HYBRID,
                    parts=parts)
    env = forge(world, h, DOC, parts)
    _both_refuse(env, world, stores["dispendukcapil"], PolicyViolation,
                 "does not allow dinkes to send Sangat Rahasia")


def test_unknown_signer_key_version_is_refused(world: DemoWorld,
                                               stores: dict[str, Keystore]) -> None:
    env = sandi.seal(DOC, sender=world.keystore.identity("dispendukcapil"), to=["dinkes"],
                     classification="rahasia", pola=world.pola)
    layout = Layout.of(env)
    h = layout.signed_header
    # Really signed by dispendukcapil's (only) key: the version claim is what fails.
    forged = resign(world, layout, replace(h, signer=replace(h.signer, key_version=7)),
                    agency="dispendukcapil", version=1)
    _both_refuse(forged, world, stores["dinkes"], KeyNotValid,
                 "lists no key v7 for dispendukcapil")


def test_envelope_of_another_pola_is_refused(world: DemoWorld,
                                             stores: dict[str, Keystore]) -> None:
    env = sandi.seal(DOC, sender=world.keystore.identity("dispendukcapil"), to=["dinkes"],
                     classification="rahasia", pola=world.pola)
    layout = Layout.of(env)
    for h, match in ((replace(layout.signed_header, pola_id="kota-lain"), "kota-lain"),
                     (replace(layout.signed_header, pola_version=9), "v9")):
        forged = resign(world, layout, h)  # properly signed; the pola named is wrong
        _both_refuse(forged, world, stores["dinkes"], PolaMismatch, match)


# --- key history: not yet valid, superseded, compromised ----------------------------------------


T = 120  # seconds after the demo pola's issue time at which the document is sealed
# (within the clock skew: open and verify run at the real time, maybe before it)


def _s(seconds: int) -> timedelta:
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class KeyCase:
    """The sender's v1 key as a later pola describes it, and what open and verify say."""

    name: str
    state: KeyState
    not_before: int = 0  # relative to the pola's issue time
    revoked_at: int | None = None  # relative to the sealing time
    reason: RevocationReason | None = None
    retired_at: int | None = None  # relative to the sealing time
    error: type[Exception] | None = None
    match: str = ""


KEY_CASES = [
    KeyCase("retired-after", KeyState.RETIRED, retired_at=+1),
    KeyCase("retired-at", KeyState.RETIRED, retired_at=0, error=KeyRevoked, match="retired on"),
    KeyCase("retired-before", KeyState.RETIRED, retired_at=-1, error=KeyRevoked,
            match="retired on"),
    KeyCase("retired-superseded-after", KeyState.REVOKED, revoked_at=+3600, retired_at=-1,
            reason=RevocationReason.SUPERSEDED, error=KeyRevoked, match="retired on"),
    KeyCase("superseded-after", KeyState.REVOKED, revoked_at=+1,
            reason=RevocationReason.SUPERSEDED),
    KeyCase("superseded-at", KeyState.REVOKED, revoked_at=0,
            reason=RevocationReason.SUPERSEDED, error=KeyRevoked, match="revoked before"),
    KeyCase("superseded-before", KeyState.REVOKED, revoked_at=-1,
            reason=RevocationReason.SUPERSEDED, error=KeyRevoked, match="revoked before"),
    KeyCase("compromised-after", KeyState.REVOKED, revoked_at=+3600,
            reason=RevocationReason.COMPROMISED, error=KeyRevoked, match="compromised"),
    KeyCase("compromised-before", KeyState.REVOKED, revoked_at=-3600,
            reason=RevocationReason.COMPROMISED, error=KeyRevoked, match="compromised"),
    KeyCase("not-yet-valid", KeyState.RETIRED, not_before=T + 1, retired_at=+2,
            error=KeyNotValid, match="not yet valid"),
]


@pytest.fixture(scope="module")
def sealed_at_t(world: DemoWorld) -> tuple[bytes, int]:
    """dispendukcapil -> dinkes, sealed at the pola's issue time + T."""
    at = epoch(world.pola.issued_at) + T
    env = sandi.seal(DOC, sender=world.keystore.identity("dispendukcapil"), to=["dinkes"],
                     classification="rahasia", pola=world.pola,
                     now=datetime.fromtimestamp(at, UTC))
    return env, at


@pytest.mark.parametrize("case", KEY_CASES, ids=lambda c: c.name)
def test_signer_key_history(world: DemoWorld, stores: dict[str, Keystore],
                            sealed_at_t: tuple[bytes, int], case: KeyCase) -> None:
    env, at = sealed_at_t
    v1 = world.pola.agency("dispendukcapil").key(1)
    v2 = AgencyKey.generate("dispendukcapil", 2, pq=True)
    old = KeyVersion(1, v1.keys, case.state, world.pola.issued_at + _s(case.not_before),
                     None if case.revoked_at is None else from_epoch(at) + _s(case.revoked_at),
                     case.reason,
                     None if case.retired_at is None else from_epoch(at) + _s(case.retired_at))
    new = KeyVersion(2, v2.public, KeyState.CURRENT, world.pola.issued_at)
    later = pola_with(world, {"dispendukcapil": [old, new]})
    if case.error is None:
        sandi.verify(env, pola=later)
        assert sandi.open(env, keystore=stores["dinkes"], pola=later).plaintext == DOC
    else:
        _both_refuse(env, world, stores["dinkes"], case.error, case.match, pola=later)


def test_revoked_key_warns_the_recipient_who_opens_with_it(world: DemoWorld,
                                                           stores: dict[str, Keystore],
                                                           sealed_at_t: tuple[bytes, int]
                                                           ) -> None:
    env, at = sealed_at_t
    v1 = world.pola.agency("dinkes").key(1)
    v2 = AgencyKey.generate("dinkes", 2, pq=True)
    later = pola_with(world, {"dinkes": [
        KeyVersion(1, v1.keys, KeyState.REVOKED, v1.not_before, from_epoch(at + 10),
                   RevocationReason.SUPERSEDED),
        KeyVersion(2, v2.public, KeyState.CURRENT, v1.not_before)]})
    doc = sandi.open(env, keystore=stores["dinkes"], pola=later)
    assert doc.plaintext == DOC
    assert any("revoked" in w for w in doc.warnings)


def test_seal_refuses_a_key_the_pola_does_not_publish(world: DemoWorld) -> None:
    # A keystore whose dispendukcapil v1 is not the key in the pola.
    impostor = sandi.Identity("dispendukcapil",
                              (AgencyKey.generate("dispendukcapil", 1, pq=True),))
    with pytest.raises(KeyNotValid, match="not the key the pola publishes"):
        sandi.seal(DOC, sender=impostor, to=["dinkes"], classification="rahasia",
                   pola=world.pola)


# --- signature malleability -----------------------------------------------------------------------

_ED25519_L = 2**252 + 27742317777372353535851937790883648493


@pytest.mark.parametrize("suite", [Suite.CLASSICAL, Suite.HYBRID])
def test_non_canonical_ed25519_s_is_refused(world: DemoWorld, stores: dict[str, Keystore],
                                            suite: Suite) -> None:
    # S + L is the same scalar mod L: a lax verifier accepts it, which would give a
    # second valid byte form of the same envelope. Both ends must refuse it.
    sender, to, level = (("dispendukcapil", "dinkes", "terbatas") if suite is Suite.CLASSICAL
                         else ("inspektorat", "setda", "sangat-rahasia"))
    layout = Layout.of(sandi.seal(DOC, sender=world.keystore.identity(sender), to=[to],
                                  classification=level, pola=world.pola))
    sig = layout.signature_bytes
    s = int.from_bytes(sig[32:64], "little") + _ED25519_L
    assert s < 2**256
    env = layout.with_(signature=sig[:32] + s.to_bytes(32, "little") + sig[64:])
    _both_refuse(env, world, stores[to], SignatureInvalid)
