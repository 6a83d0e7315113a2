"""Membership that means something: the members' vault against the pola's member list.

Issue 15 item 2: a suspended or removed member could still unlock the agency's keys,
and open what was sealed after the change with the keys they kept; slots were
classical even where the agency's keys were hybrid; and (issue 14 item 8) slots
reused the envelope's wrap label. Each attack below is built, with an honest control.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgpack
import pytest
from vaultcity import AGENCY, VaultCity, build, passphrase

import sandi
from sandi.crypto.suite import Suite
from sandi.crypto.wrap import generate_x25519, unwrap_key, wrap_key
from sandi.envelope.stanzas import STANZA_LABELS
from sandi.errors import (
    InvalidArgument,
    KeyNotValid,
    MalformedKeyFile,
    NotARecipient,
    WrappedKeyInvalid,
)
from sandi.keys.keystore import Keystore
from sandi.keys.members import create_member_key
from sandi.keys.secretfile import KdfParams
from sandi.keys.vault import SLOT_LABELS, VAULT_FILE, VAULT_MAGIC, init_vault
from sandi.pola.model import MemberStatus


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> VaultCity:
    return build(tmp_path_factory.mktemp("vault-city"))


@pytest.fixture
def home(city: VaultCity, tmp_path: Path) -> Path:
    copy = tmp_path / "home"
    shutil.copytree(city.home, copy)
    return copy


def _open(home: Path, member: str, pola: sandi.Pola | None = None) -> Keystore:
    return Keystore.open(home, passphrase=passphrase(member), member=member, pola=pola)


def _pola_with(city: VaultCity, member: str, status: MemberStatus) -> sandi.Pola:
    """The city's pola re-signed with ``member`` suspended or removed (from now)."""
    from dataclasses import replace

    from sandi.authority.authoring import AuthorityKeyPair, sign_body

    body = city.pola._signed.body
    at = datetime.now(UTC) - timedelta(seconds=1)
    agencies = tuple(replace(a, members=tuple(
        replace(m, status=status, status_at=at) if m.id == member else m for m in a.members))
        if a.id == AGENCY else a for a in body.agencies)
    signer = AuthorityKeyPair.generate("k0", "Kustodian 0")
    new = replace(body, agencies=agencies, version=body.version + 1,
                  authority=replace(body.authority, keys=(signer.public,), threshold=1))
    return sandi.Pola.from_bytes(sign_body(new, [signer]).to_bytes())


def test_a_member_the_pola_suspends_or_removes_cannot_unlock_the_keys(
        city: VaultCity, home: Path) -> None:
    # Honest control: with the pola that lists him active, dedi unlocks the vault.
    assert _open(home, "dedi", city.pola).keys(AGENCY)
    for status in (MemberStatus.SUSPENDED, MemberStatus.REMOVED):
        pola = _pola_with(city, "dedi", status)
        with pytest.raises(KeyNotValid, match=f"lists dedi as {status.value} from bkpsdmd"):
            _open(home, "dedi", pola)  # his slot is still there: the pola refuses it
        assert _open(home, "ani", pola).keys(AGENCY)  # the others are not affected


def test_a_member_listed_with_another_key_is_refused(city: VaultCity, home: Path) -> None:
    # A key file swapped in under dedi's name (with a slot of its own) does not unlock.
    impostor_home = home.parent / "impostor"
    impostor = create_member_key(impostor_home, "dedi", passphrase="palsu", kdf=KdfParams.TEST,
                                 pq=True)
    ani = _open(home, "ani")
    ani.remove_member("dedi")
    ani.add_member("dedi", impostor.public)
    shutil.copy2(impostor_home / "members" / "dedi.key", home / "members" / "dedi.key")
    assert Keystore.open(home, passphrase="palsu", member="dedi").keys(AGENCY)  # no pola
    with pytest.raises(KeyNotValid, match="another personal key for dedi"):
        Keystore.open(home, passphrase="palsu", member="dedi", pola=city.pola)


def test_what_a_suspended_member_kept_opens_nothing_sealed_after(
        city: VaultCity, home: Path, tmp_path: Path) -> None:
    # Before the suspension dedi copies the whole vault and his key file.
    kept = tmp_path / "kept"
    shutil.copytree(home, kept)
    ani = _open(home, "ani")
    new = ani.remove_member("eko")  # suspend and remove both drop the slot and rotate
    new = ani.remove_member("dedi")
    assert new.version == 3
    with pytest.raises(NotARecipient, match="no slot"):
        _open(home, "dedi")
    # A document sealed to the new key (as the authority publishes it) does not open
    # with what dedi kept: his old vault holds versions 1 only.
    stolen = _open(kept, "dedi")
    assert [k.version for k in stolen.keys(AGENCY)] == [1]
    wrapped = wrap_key(bytes(32), Suite.CLASSICAL, AGENCY, 3, new.public.x25519, None)
    with pytest.raises(WrappedKeyInvalid):
        old = stolen.get(AGENCY, 1)
        unwrap_key(wrapped, Suite.CLASSICAL, AGENCY, 3, old.x25519, None)
    assert unwrap_key(wrapped, Suite.CLASSICAL, AGENCY, 3, ani.get(AGENCY, 3).x25519,
                      None) == bytes(32)  # honest control: the members left open it


def test_slots_are_hybrid_where_the_agency_keys_are(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ani = create_member_key(home, "ani", passphrase="a", pq=True, kdf=KdfParams.TEST)
    agency = sandi.keys.AgencyKey.generate(AGENCY, 1, pq=True)
    init_vault(home, AGENCY, {"ani": ani.public}, keys=[agency])
    store = Keystore.open(home, passphrase="a", member="ani")
    slots = msgpack.unpackb((home / VAULT_FILE).read_bytes()[len(VAULT_MAGIC):])[2]
    assert [len(s[4]) for s in slots] == [Suite.HYBRID.stanza_body_len]  # X25519 + ML-KEM
    classical = create_member_key(home, "budi", passphrase="b", kdf=KdfParams.TEST)
    with pytest.raises(InvalidArgument, match="must be too"):
        store.add_member("budi", classical.public)
    hybrid = create_member_key(home, "citra", passphrase="c", pq=True, kdf=KdfParams.TEST)
    store.add_member("citra", hybrid.public)  # honest control
    assert store.classical_slots() == []
    assert Keystore.open(home, passphrase="c", member="citra").keys(AGENCY)


def test_vault_slots_have_their_own_kdf_label() -> None:
    # Issue 14 item 8: a slot and an envelope stanza for the same name and version must
    # not be interchangeable (the stanza's header binding aside, its labels differ).
    private, public = generate_x25519()
    for suite in (Suite.CLASSICAL,):  # the hybrid wrap uses the same labels' pair
        slot = wrap_key(bytes(32), suite, "ani", 1, public, None, labels=SLOT_LABELS)
        stanza = wrap_key(bytes(32), suite, "ani", 1, public, None, labels=STANZA_LABELS)
        with pytest.raises(WrappedKeyInvalid):
            unwrap_key(slot, suite, "ani", 1, private, None, labels=STANZA_LABELS)
        with pytest.raises(WrappedKeyInvalid):
            unwrap_key(stanza, suite, "ani", 1, private, None, labels=SLOT_LABELS)
        assert unwrap_key(slot, suite, "ani", 1, private, None, labels=SLOT_LABELS) == \
            unwrap_key(stanza, suite, "ani", 1, private, None, labels=STANZA_LABELS)
    assert set(SLOT_LABELS).isdisjoint(STANZA_LABELS)


def test_the_slot_list_is_authenticated(home: Path) -> None:
    # Someone who can write the home swaps a slot's public key for their own: the vault
    # no longer opens for anyone, rather than wrapping the next vault key to them.
    path = home / VAULT_FILE
    agency, generation, slots, public, nonce, box = msgpack.unpackb(
        path.read_bytes()[len(VAULT_MAGIC):])
    _, theirs = generate_x25519()
    slots[-1][2] = theirs
    path.write_bytes(VAULT_MAGIC + msgpack.packb([agency, generation, slots, public, nonce,
                                                  box]))
    with pytest.raises(MalformedKeyFile, match="damaged or altered"):
        _open(home, "ani")


def test_the_command_line_refuses_a_suspended_member(tmp_path: Path) -> None:
    # The authority suspends dedi (a status request from another workstation, say);
    # this workstation still has his slot, but the installed pola now says no.
    from click.testing import CliRunner

    from sandi_cli.main import cli

    world = build(tmp_path / "own-city")  # an authority of our own, not the shared city's
    home = world.home
    argv = ["--home", str(home), "--member", "dedi", "keys", "list", "--passphrase-file",
            str(world.secret("dedi"))]
    assert CliRunner().invoke(cli, argv).exit_code == 0  # honest control
    world.publish("dedi", MemberStatus.SUSPENDED, home)
    for lang, words in (("en", "lists dedi as suspended from bkpsdmd"),
                        ("id", "mencantumkan dedi sebagai ditangguhkan dari bkpsdmd")):
        refused = CliRunner().invoke(cli, ["--lang", lang, *argv])
        assert refused.exit_code == 1, refused.stderr
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 2 and words in lines[0], lines
    ani = ["--home", str(home), "--member", "ani", "keys", "list", "--passphrase-file",
           str(world.secret("ani"))]
    assert CliRunner().invoke(cli, ani).exit_code == 0
