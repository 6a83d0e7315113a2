"""The persandian authority's workflow (sandi.authority.workspace): edit, build, sign k-of-n,
publish.

Every refusal a client would make is made at publication already: too few
signatures, a version that does not grow, an authority rotation without the old
threshold. Key changes and revocations arrive as signed requests from the
agencies' custodians, and each one is checked against the keys the pola lists.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgpack
import pytest

from sandi._internal.codec import pack
from sandi._internal.time import from_epoch as T
from sandi.authority.authoring import (
    AuthorityKeyPair,
    add_signature,
    load_custodian_key,
    parse_public_key_text,
    public_key_text,
    save_custodian_key,
)
from sandi.authority.requests import (
    REQUEST_MAGIC,
    RequestKind,
    RevokeRequest,
    _body,
    _file,
    enrollment,
    key_change,
    revocation,
)
from sandi.authority.workspace import Workspace
from sandi.errors import (
    InsecureKeyFile,
    InvalidArgument,
    MalformedKeyFile,
    MalformedPola,
    MalformedRequest,
    PolaRollback,
    PolaSignatureInvalid,
    UnknownAgency,
    WrongPassphrase,
)
from sandi.home import Home
from sandi.keys.keystore import AgencyKey
from sandi.keys.secretfile import KdfParams
from sandi.pola.classification import Classification
from sandi.pola.model import Effect, KeyState, RevocationReason, Rule
from sandi.pola.policy import Pola

R, S = Classification.RAHASIA, Classification.SANGAT_RAHASIA
C = tuple(AuthorityKeyPair.generate(f"kustodian-{i}", f"Kustodian {i}") for i in range(6))
PASSPHRASE = "kunci kustodian uji"  # test key files only


def make_workspace(path: Path, custodians: Sequence[AuthorityKeyPair] = C[:3],
                   threshold: int = 2) -> Workspace:
    return Workspace.init(
        path, pola_id="kota-contoh", name="Pola Hubungan Komunikasi Sandi Kota Contoh",
        authority_name="Bidang Persandian", custodians=[c.public for c in custodians],
        threshold=threshold, decree_number="Peraturan Wali Kota Contoh Nomor 17 Tahun 2026",
        decree_date="2026-03-02", decree_title="Pola Hubungan Komunikasi Sandi")


def publish(ws: Workspace, signers: Sequence[AuthorityKeyPair]) -> Pola:
    ws.build()
    for custodian in signers:
        ws.sign(custodian)
    return ws.publish()


@pytest.fixture
def agency_keys() -> dict[str, AgencyKey]:
    """The first key version of each agency of the ``ws`` workspace."""
    return {a: AgencyKey.generate(a, 1, pq=True) for a in ("setda", "bkpsdmd", "inspektorat")}


@pytest.fixture
def ws(tmp_path: Path, agency_keys: dict[str, AgencyKey]) -> Workspace:
    """A 2-of-3 workspace with three agencies and two rules."""
    ws = make_workspace(tmp_path / "ws")
    for agency, group in (("setda", "sekretariat"), ("bkpsdmd", "badan"),
                          ("inspektorat", "inspektorat")):
        ws.add_agency(enrollment(agency_keys[agency]), name=f"Perangkat Daerah {agency}",
                      abbrev=agency.upper(), groups=[group])
    ws.add_rule("allow", "*", "setda", R)
    ws.add_rule("allow", "bkpsdmd", "inspektorat", R)
    return ws


def client(tmp_path: Path, ws: Workspace, name: str = "client") -> Home:
    """A home that installed the workspace's first publication."""
    home = Home(tmp_path / name)
    first = (ws.path / "published" / "pola-v1.sandi").read_bytes()
    home.install_pola(first, fingerprint=Pola.from_bytes(first).authority.fingerprint())
    return home


# --- init -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "threshold"), [(3, 0), (3, -1), (3, 4), (1, 2), (0, 1)])
def test_init_refuses_a_threshold_outside_1_to_n(tmp_path: Path, n: int, threshold: int) -> None:
    with pytest.raises(InvalidArgument, match=rf"threshold must be 1\.\.{n}, got {threshold}"):
        make_workspace(tmp_path / "ws", C[:n], threshold)
    assert not (tmp_path / "ws").exists()


def test_init_refuses_a_bad_id_and_an_existing_workspace(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match=r"pola id 'Kota Contoh' is not a slug"):
        Workspace.init(tmp_path / "x", pola_id="Kota Contoh", name="n", authority_name="a",
                       custodians=[C[0].public], threshold=1, decree_number="1",
                       decree_date="2026-03-02", decree_title="t")
    make_workspace(tmp_path / "ws")
    with pytest.raises(InvalidArgument, match=r"already exists"):
        make_workspace(tmp_path / "ws", C[3:], 1)
    assert Workspace(tmp_path / "ws").authority_keys() == ([c.public for c in C[:3]], 2)


# --- agencies from enrollment requests -------------------------------------------------------


def test_add_agency_takes_the_keys_from_the_enrollment_request(ws: Workspace) -> None:
    key = AgencyKey.generate("dinkes", 1, pq=True)
    req = ws.add_agency(enrollment(key), name="Dinas Kesehatan", abbrev="Dinkes",
                        groups=["dinas"], sipd="1.02.0.00.0.00.01.0000")
    assert (req.agency, req.version) == ("dinkes", 1)
    [v1] = ws.agency_keys()["dinkes"]
    assert (v1.version, v1.keys, v1.state, v1.not_before) == (1, key.public, KeyState.CURRENT,
                                                              req.created_at)
    dinkes = ws.build().body
    agency = next(a for a in dinkes.agencies if a.id == "dinkes")
    assert (agency.name, agency.groups, agency.sipd) == ("Dinas Kesehatan", ("dinas",),
                                                         "1.02.0.00.0.00.01.0000")
    assert agency.keys == (v1,)
    with pytest.raises(InvalidArgument, match=r"agency dinkes is already in the pola"):
        ws.add_agency(enrollment(AgencyKey.generate("dinkes", 1, pq=True)), name="x", abbrev="x",
                      groups=[])


def _outer(request: bytes) -> list[object]:
    out: list[object] = msgpack.unpackb(request[len(REQUEST_MAGIC):])
    return out


def _with_signature(request: bytes, signature: bytes) -> bytes:
    outer = _outer(request)
    outer[1] = signature
    return REQUEST_MAGIC + pack(outer)


def _with_ed25519(request: bytes, public: bytes) -> bytes:
    """The request naming another public key, under the original signatures."""
    outer = _outer(request)
    assert isinstance(outer[0], bytes)
    body = msgpack.unpackb(outer[0])
    body["ed25519"] = public
    outer[0] = pack(body)
    return REQUEST_MAGIC + pack(outer)


def test_an_enrollment_without_proof_of_possession_is_refused(ws: Workspace) -> None:
    victim, attacker = AgencyKey.generate("dinkes", 1), AgencyKey.generate("dinkes", 1)
    request = enrollment(victim)
    sig = _outer(request)[1]
    assert isinstance(sig, bytes)
    before = (ws.source_path.read_bytes(), ws.keys_path.read_bytes())
    for forged in (
        _with_signature(request, bytes([sig[0] ^ 1]) + sig[1:]),
        # Someone enrolls a key they do not hold (the victim's), signed with their own:
        _with_signature(request, _outer(enrollment(attacker))[1]),  # type: ignore[arg-type]
        # ... or puts their own key in someone else's signed request:
        _with_ed25519(request, attacker.public.ed25519),
    ):
        with pytest.raises(MalformedRequest, match=r"proof of possession does not verify"):
            ws.add_agency(forged, name="Dinas Kesehatan", abbrev="Dinkes", groups=["dinas"])
    with pytest.raises(MalformedRequest, match=r"bad magic"):
        ws.add_agency(b"SANDI\x01" + request[6:], name="x", abbrev="x", groups=[])
    assert (ws.source_path.read_bytes(), ws.keys_path.read_bytes()) == before


def test_add_agency_takes_only_enrollment_requests(ws: Workspace) -> None:
    current = AgencyKey.generate("dinkes", 1, pq=True)
    for request in (key_change(AgencyKey.generate("dinkes", 2, pq=True), current),
                    revocation(current, 1, "compromised", T(0))):
        with pytest.raises(MalformedRequest, match=r"takes an enrollment request"):
            ws.add_agency(request, name="Dinas Kesehatan", abbrev="Dinkes", groups=["dinas"])
    assert "dinkes" not in ws.agency_keys()
    for version in (1, 2):
        with pytest.raises(MalformedRequest, match=r"use `sandi pola agency add`"):
            ws.apply_request(enrollment(AgencyKey.generate("setda", version, pq=True)))


# --- rules ---------------------------------------------------------------------------------------


def test_add_rule_allow_and_deny(ws: Workspace) -> None:
    ws.add_rule("allow", "group:badan", "group:inspektorat", S, sarana="kurir tertutup",
                note="Laporan khusus")
    ws.add_rule("deny", "bkpsdmd", "setda", Classification.RAHASIA)
    ws.add_rule("deny", "inspektorat", "bkpsdmd", None)
    rules = ws.build().body.rules
    assert rules == (
        Rule(Effect.ALLOW, "*", "setda", R),
        Rule(Effect.ALLOW, "bkpsdmd", "inspektorat", R),
        Rule(Effect.ALLOW, "group:badan", "group:inspektorat", S, "kurir tertutup",
             "Laporan khusus"),
        Rule(Effect.DENY, "bkpsdmd", "setda", R),
        Rule(Effect.DENY, "inspektorat", "bkpsdmd", Classification.BIASA),  # denies all
    )
    pola = publish(ws, C[:2])
    assert pola.may_send("bkpsdmd", "inspektorat", S)
    assert pola.may_send("bkpsdmd", "setda", Classification.TERBATAS)
    assert not pola.may_send("bkpsdmd", "setda", R)
    assert not pola.may_send("inspektorat", "bkpsdmd", Classification.BIASA)


@pytest.mark.parametrize(("source", "target"), [
    ("dinkes", "setda"), ("setda", "dinkes"), ("group:dinas", "setda"), ("setda", "group:"),
    ("Setda", "bkpsdmd"),
])
def test_a_rule_naming_an_unknown_agency_or_group_is_refused(ws: Workspace, source: str,
                                                             target: str) -> None:
    before = ws.source_path.read_bytes()
    with pytest.raises(MalformedPola, match=r"pola source: (from|to) .* is not an agency id, an"
                                            r" existing group:<slug> or \*"):
        ws.add_rule("allow", source, target, R)
    assert ws.source_path.read_bytes() == before


def test_an_allow_rule_needs_a_level(ws: Workspace) -> None:
    with pytest.raises(InvalidArgument, match=r"an allow rule needs --up-to LEVEL"):
        ws.add_rule("allow", "setda", "bkpsdmd", None)


def test_remove_agency_drops_its_rules_and_keys(ws: Workspace) -> None:
    ws.add_rule("allow", "setda", "bkpsdmd", R)
    ws.add_rule("deny", "*", "bkpsdmd", S)
    ws.add_rule("allow", "inspektorat", "setda", S)
    ws.remove_agency("bkpsdmd")
    body = ws.build().body
    assert [a.id for a in body.agencies] == ["setda", "inspektorat"]
    assert body.rules == (Rule(Effect.ALLOW, "*", "setda", R),
                          Rule(Effect.ALLOW, "inspektorat", "setda", S))
    assert "bkpsdmd" not in ws.agency_keys()
    with pytest.raises(UnknownAgency, match=r"agency bkpsdmd is not in the pola source"):
        ws.remove_agency("bkpsdmd")


# --- build, sign, publish ------------------------------------------------------------------------


def test_build_sign_publish(ws: Workspace, tmp_path: Path) -> None:
    draft = ws.build()
    assert (draft.body.version, draft.signatures) == (1, ())
    assert str(ws.sign(C[2])) == "signed 1/2"
    with pytest.raises(PolaSignatureInvalid, match=r"pola kota-contoh v1 is signed 1/2"):
        ws.publish()
    assert not ws.published_path.exists()
    with pytest.raises(InvalidArgument, match=r"kustodian-4 is not an authority key"):
        ws.sign(C[4])
    assert str(ws.sign(C[2])) == "signed 1/2"  # signing again replaces, never adds
    assert str(ws.sign(C[0])) == "signed 2/2"
    pola = ws.publish()
    assert (pola.version, str(pola.signature_status())) == (1, "signed 2/2")
    assert ws.published_path.read_bytes() == pola.to_bytes()
    assert (ws.path / "published" / "pola-v1.sandi").read_bytes() == pola.to_bytes()
    home = client(tmp_path, ws)
    assert home.pola().to_bytes() == pola.to_bytes()
    assert publish(ws, C[1:3]).version == 2  # the next build is the next version


def test_a_second_publication_must_have_a_higher_version(ws: Workspace) -> None:
    t = datetime.now(UTC)
    ws.build(now=t - timedelta(hours=1))
    ws.sign(C[0])
    ws.sign(C[1])
    earlier_v1 = ws.draft_path.read_bytes()
    ws.build(now=t)
    ws.sign(C[0])
    ws.sign(C[1])
    published_v1 = ws.publish(now=t)
    # The same version with another body (built an hour earlier) is a rollback ...
    ws.draft_path.write_bytes(earlier_v1)
    with pytest.raises(PolaRollback, match=r"v1 differs from the trusted pola of the same"):
        ws.publish(now=t)
    # ... publishing the very same pola again changes nothing ...
    ws.draft_path.write_bytes(published_v1.to_bytes())
    assert ws.publish(now=t).to_bytes() == published_v1.to_bytes()
    # ... and after v2, no v1 can be published.
    assert publish(ws, C[:2]).version == 2
    ws.draft_path.write_bytes(published_v1.to_bytes())
    with pytest.raises(PolaRollback, match=r"v1 is older than the trusted v2"):
        ws.publish()
    assert Pola.from_bytes(ws.published_path.read_bytes()).version == 2


# --- authority rotation, end to end ------------------------------------------------------------


def test_one_custodian_leaves_and_a_new_one_joins(ws: Workspace, tmp_path: Path) -> None:
    v1 = publish(ws, C[:2])
    home = client(tmp_path, ws)
    late = client(tmp_path, ws, "late-client")  # misses the rotation below
    # kustodian-2 leaves, kustodian-3 joins: {0, 1, 2} 2-of-3 -> {0, 1, 3} 2-of-3.
    ws.set_authority([C[0].public, C[1].public, C[3].public], 2)
    assert ws.authority_keys() == ([C[0].public, C[1].public, C[3].public], 2)
    ws.build()
    assert str(ws.sign(C[3])) == "signed 1/2"
    assert str(ws.sign(C[0])) == "signed 2/2"  # enough for the new set ...
    with pytest.raises(PolaSignatureInvalid, match=r"changes the authority but is only signed"
                                                   r" 1/2 by the trusted authority"):
        ws.publish()  # ... but only one of the old keys signed
    assert str(ws.sign(C[1])) == "signed 3/2"
    v2 = ws.publish()
    assert v2.authority.fingerprint() != v1.authority.fingerprint()
    assert home.install_pola(v2.to_bytes()).version == 2

    # A rotation signed only by keys the home does not trust yet is refused.
    ws.set_authority([C[3].public, C[4].public, C[5].public], 2)
    ws.build()
    ws.sign(C[4])
    ws.sign(C[5])
    new_only = ws.draft_path.read_bytes()
    with pytest.raises(PolaSignatureInvalid, match=r"only signed 0/2 by the trusted"):
        ws.publish()
    for h in (home, late):
        with pytest.raises(PolaSignatureInvalid, match=r"only signed 0/2 by the trusted"):
            h.install_pola(new_only)
    assert home.pola().version == 2 and late.pola().version == 1

    # With two keys of the v2 authority it is published; a home that missed v2 must
    # install it first (it trusts only what it has installed).
    ws.sign(C[0])
    ws.sign(C[3])
    v3 = ws.publish()
    assert home.install_pola(v3.to_bytes()).version == 3
    with pytest.raises(PolaSignatureInvalid, match=r"only signed 1/2 by the trusted"):
        late.install_pola(v3.to_bytes())
    late.install_pola((ws.path / "published" / "pola-v2.sandi").read_bytes())
    assert late.install_pola(v3.to_bytes()).version == 3
    # The custodians who left count for nothing now.
    draft = ws.build()
    with pytest.raises(InvalidArgument, match=r"kustodian-0 is not an authority key"):
        ws.sign(C[0])
    by_leavers = add_signature(add_signature(draft, C[0]), C[1]).to_bytes()
    with pytest.raises(PolaSignatureInvalid, match=r"v4 is signed 0/2"):
        home.install_pola(by_leavers)


def test_set_authority_refuses_a_bad_threshold(ws: Workspace) -> None:
    with pytest.raises(InvalidArgument, match=r"threshold must be 1\.\.2, got 3"):
        ws.set_authority([C[0].public, C[3].public], 3)
    assert ws.authority_keys() == ([c.public for c in C[:3]], 2)


# --- key changes and revocations from the agencies ---------------------------------------------


@pytest.fixture
def rotated(ws: Workspace, agency_keys: dict[str, AgencyKey]
            ) -> tuple[Workspace, AgencyKey, AgencyKey]:
    """bkpsdmd's v1 published, then changed to v2 (not yet published)."""
    publish(ws, C[:2])
    v1, v2 = agency_keys["bkpsdmd"], AgencyKey.generate("bkpsdmd", 2, pq=True)
    req = ws.apply_request(key_change(v2, v1))
    assert (req.kind.value, req.version, req.signed_by) == ("rotate", 2, 1)
    return ws, v1, v2


def test_a_key_change_retires_the_old_version(rotated: tuple[Workspace, AgencyKey, AgencyKey],
                                              tmp_path: Path) -> None:
    ws, v1, v2 = rotated
    old, new = ws.agency_keys()["bkpsdmd"]
    assert (old.version, old.keys, old.state) == (1, v1.public, KeyState.RETIRED)
    assert (new.version, new.keys, new.state) == (2, v2.public, KeyState.CURRENT)
    home = client(tmp_path, ws)
    pola = home.install_pola(publish(ws, C[:2]).to_bytes())
    assert pola.sealing_key("bkpsdmd").keys == v2.public
    assert pola.agency("bkpsdmd").key(1).state is KeyState.RETIRED


def test_a_key_change_signed_by_a_wrong_prior_key_is_refused(
        rotated: tuple[Workspace, AgencyKey, AgencyKey]) -> None:
    ws, v1, v2 = rotated
    before = ws.keys_path.read_bytes()
    impostor = AgencyKey.generate("bkpsdmd", 2, pq=True)  # claims to be the current v2
    with pytest.raises(MalformedRequest, match=r"rotate request for bkpsdmd is not signed by"
                                               r" its published key v2"):
        ws.apply_request(key_change(AgencyKey.generate("bkpsdmd", 3, pq=True), impostor))
    with pytest.raises(MalformedRequest, match=r"signed by unknown key bkpsdmd v7"):
        ws.apply_request(key_change(AgencyKey.generate("bkpsdmd", 8, pq=True),
                                    AgencyKey.generate("bkpsdmd", 7, pq=True)))
    with pytest.raises(MalformedRequest, match=r"signed by the current key bkpsdmd v2, not v1"):
        ws.apply_request(key_change(v2, v1))  # a replayed request
    same = AgencyKey.generate("bkpsdmd", 2, pq=True)  # a crafted request: v2 "replaces" itself
    body = _body(RequestKind.ROTATE, "bkpsdmd", 2, 2, x25519=same.public.x25519,
                 ed25519=same.public.ed25519, mlkem=same.public.mlkem, mldsa=same.public.mldsa)
    with pytest.raises(MalformedRequest, match=r"bkpsdmd v2 is not a new version"):
        ws.apply_request(_file(body, same, v2))
    with pytest.raises(MalformedRequest, match=r"must move one agency to a higher version"):
        key_change(AgencyKey.generate("bkpsdmd", 1, pq=True), v1)
    with pytest.raises(UnknownAgency, match=r"agency dinkes is not enrolled"):
        ws.apply_request(key_change(AgencyKey.generate("dinkes", 2, pq=True),
                                    AgencyKey.generate("dinkes", 1, pq=True)))
    assert ws.keys_path.read_bytes() == before


def test_a_retired_key_cannot_change_the_current_key(
        rotated: tuple[Workspace, AgencyKey, AgencyKey]) -> None:
    # Whoever still holds v1 (an old laptop, a former custodian) must not be able to
    # replace v2: only the current key can name its successor.
    ws, v1, _ = rotated
    before = ws.keys_path.read_bytes()
    with pytest.raises(MalformedRequest, match=r"must be signed by the current key bkpsdmd v2,"
                                               r" not v1"):
        ws.apply_request(key_change(AgencyKey.generate("bkpsdmd", 3, pq=True), v1))
    assert ws.keys_path.read_bytes() == before


@pytest.mark.parametrize("reason", ["superseded", "compromised"])
def test_revocation_with_reason_and_effective_time(
        rotated: tuple[Workspace, AgencyKey, AgencyKey], reason: str) -> None:
    ws, _, v2 = rotated
    effective = datetime(2026, 6, 1, tzinfo=UTC)
    req = ws.apply_request(revocation(v2, 1, RevocationReason(reason), effective))
    assert isinstance(req, RevokeRequest)
    assert (req.reason, req.effective_at, req.signed_by) == (RevocationReason(reason),
                                                             effective, 2)
    old, new = ws.agency_keys()["bkpsdmd"]
    assert (old.state, old.revoked_at, old.reason) == (KeyState.REVOKED, effective,
                                                       RevocationReason(reason))
    assert new.state is KeyState.CURRENT
    pola = publish(ws, C[:2])
    assert pola.agency("bkpsdmd").key(1).reason is RevocationReason(reason)


def test_a_key_can_ask_for_its_own_revocation(
        rotated: tuple[Workspace, AgencyKey, AgencyKey]) -> None:
    ws, v1, _ = rotated
    ws.apply_request(revocation(v1, 1, "compromised", T(1_800_000_000)))
    assert ws.agency_keys()["bkpsdmd"][0].state is KeyState.REVOKED


def test_a_revocation_is_never_loosened(rotated: tuple[Workspace, AgencyKey, AgencyKey]) -> None:
    # A thief holding the compromised v1 re-revokes it as merely "superseded", effective
    # far in the future: that would make every signature it forges valid again.
    ws, v1, v2 = rotated
    ws.apply_request(revocation(v2, 1, "compromised", T(1_800_000_000)))
    ws.apply_request(revocation(v1, 1, "superseded", T(4_000_000_000)))
    old = ws.agency_keys()["bkpsdmd"][0]
    assert (old.state, old.reason, old.revoked_at) == (
        KeyState.REVOKED, RevocationReason.COMPROMISED, T(1_800_000_000))
    # A stricter revocation (earlier) is taken.
    ws.apply_request(revocation(v2, 1, "superseded", T(1_700_000_000)))
    assert ws.agency_keys()["bkpsdmd"][0].revoked_at == T(1_700_000_000)


def test_a_revoked_key_can_revoke_nothing_but_itself(
        rotated: tuple[Workspace, AgencyKey, AgencyKey]) -> None:
    ws, v1, v2 = rotated
    v3 = AgencyKey.generate("bkpsdmd", 3, pq=True)
    ws.apply_request(key_change(v3, v2))
    ws.apply_request(revocation(v3, 1, "compromised", T(1_800_000_000)))
    before = ws.keys_path.read_bytes()
    # The thief of v1 would discredit every document v2 ever signed:
    with pytest.raises(MalformedRequest, match=r"signed by bkpsdmd v1, which is revoked"):
        ws.apply_request(revocation(v1, 2, "compromised", T(0)))
    assert ws.keys_path.read_bytes() == before
    ws.apply_request(revocation(v3, 2, "superseded", T(1_800_000_000)))
    assert [k.state for k in ws.agency_keys()["bkpsdmd"]] == [
        KeyState.REVOKED, KeyState.REVOKED, KeyState.CURRENT]


def test_revoking_the_only_current_key_is_refused(
        rotated: tuple[Workspace, AgencyKey, AgencyKey]) -> None:
    ws, v1, v2 = rotated
    before = ws.keys_path.read_bytes()
    for signer in (v2, v1):
        with pytest.raises(MalformedRequest, match=r"revoking bkpsdmd v2 leaves no current"
                                                   r" key: rotate first"):
            ws.apply_request(revocation(signer, 2, "compromised", T(1_800_000_000)))
    with pytest.raises(MalformedRequest, match=r"bkpsdmd has no key v9 to revoke"):
        ws.apply_request(revocation(v2, 9, "superseded", T(1_800_000_000)))
    with pytest.raises(MalformedRequest, match=r"reason must be superseded or compromised"):
        revocation(v2, 1, "lost", T(1_800_000_000))
    assert ws.keys_path.read_bytes() == before


# --- custodian key files ----------------------------------------------------------------------


def test_custodian_key_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "kustodian-1.key"
    save_custodian_key(path, C[1], PASSPHRASE, kdf=KdfParams.TEST)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = load_custodian_key(path, PASSPHRASE)
    assert (loaded.id, loaded.custodian, loaded.seed) == (C[1].id, C[1].custodian, C[1].seed)
    assert loaded.public == C[1].public
    assert C[1].seed not in path.read_bytes()
    assert repr(loaded) == "AuthorityKeyPair('kustodian-1', 'Kustodian 1')"  # no secrets


def test_custodian_key_file_wrong_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "kustodian-1.key"
    save_custodian_key(path, C[1], PASSPHRASE, kdf=KdfParams.TEST)
    with pytest.raises(WrongPassphrase, match=r"the passphrase does not unlock"):
        load_custodian_key(path, "bukan ini")


def test_custodian_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kustodian-1.key"
    save_custodian_key(path, C[1], PASSPHRASE, kdf=KdfParams.TEST)
    os.chmod(path, 0o644)
    with pytest.raises(InsecureKeyFile, match=r"readable by other users \(mode 644\); run:"
                                              r" chmod 600"):
        load_custodian_key(path, PASSPHRASE)


def test_custodian_key_file_damaged_or_of_another_kind(tmp_path: Path) -> None:
    path = tmp_path / "kustodian-1.key"
    save_custodian_key(path, C[1], PASSPHRASE, kdf=KdfParams.TEST)
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(MalformedKeyFile, match=r"damaged or altered"):
        load_custodian_key(path, PASSPHRASE)
    path.write_bytes(b"SANDK\x01" + bytes(data[6:]))  # a keystore's magic
    with pytest.raises(MalformedKeyFile, match=r"not a sandi key file of this kind"):
        load_custodian_key(path, PASSPHRASE)


def test_public_key_text_round_trip() -> None:
    text = public_key_text(C[2].public)
    assert text.startswith("kustodian-2 ") and text.endswith(" Kustodian 2\n")
    assert parse_public_key_text(text) == C[2].public
    named = AuthorityKeyPair.generate("kustodian-9", "Dewi Lestari, M.Kom.").public
    assert parse_public_key_text(public_key_text(named)) == named
    for bad in ("", "kustodian-2", "kustodian-2 !!!! Nama", "Kustodian-2 " + text.split()[1]
                + " Nama", "kustodian-2 " + text.split()[1][:-4] + " Nama"):
        with pytest.raises(MalformedPola, match=r"expected 'ID BASE64 NAME'"):
            parse_public_key_text(bad)
