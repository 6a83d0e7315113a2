"""What a server needs (issue 13 §3): one reload of the pola and keys together, safe
while other threads seal and open; the keystore judged by the home's pola; a
passphrase from a file or a systemd credential, with no prompt.
"""

from __future__ import annotations

import queue
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import vaultcity

import sandi
from sandi._internal.time import from_epoch
from sandi.authority.authoring import compile_source, parse_source, sign_body
from sandi.demo import DEMO_PASSPHRASE, DemoWorld, example_source
from sandi.envelope.format import parse_header
from sandi.errors import InvalidArgument, KeyNotFound, KeyNotValid, KeyRevoked, NotARecipient
from sandi.keys import read_passphrase
from sandi.pola.model import KeyState, KeyVersion, MemberStatus

SENDER, RECIPIENT = "bkpsdmd", "setda"


def _rotate(world: DemoWorld, agency: str) -> int:
    """The custodian's side of a rotation, as separate processes would do it: a new key
    version in the home's keystore file (through its own Keystore), then the authority
    publishes the pola naming it and the home installs it. Returns the new version."""
    now = datetime.now(UTC)
    custodian = sandi.Keystore.open(world.home.path, passphrase=DEMO_PASSPHRASE)
    made = custodian.generate(agency, pq=True, now=now)
    installed = world.home.pola()
    history = {a.id: list(a.keys) for a in installed.agencies}
    history[agency] = [*(k.retire(now) if k.state is KeyState.CURRENT else k
                         for k in history[agency]),
                       KeyVersion(made.version, made.public, KeyState.CURRENT, now)]
    source = parse_source(example_source())
    source["pola"]["version"] = installed.version + 1
    body = compile_source(source, keys=history, timestamp_key=world.timestamp.public,
                          authority_keys=[a.public for a in world.authority], threshold=2,
                          issued_at=now, members=_members(installed))
    world.home.install_pola(sign_body(body, world.authority[:2]).to_bytes())
    return made.version


def _members(pola: sandi.Pola) -> dict[str, list[sandi.pola.Member]]:
    return {a.id: list(a.members) for a in pola.agencies if a.members}


def test_without_a_reload_a_rotation_breaks_the_app(fresh_world: DemoWorld) -> None:
    # The failure this module is about: the app swaps in the new pola but keeps the
    # keystore it unlocked at start-up.
    old_keystore = fresh_world.keystore
    _rotate(fresh_world, SENDER)
    with pytest.raises(KeyNotFound, match=r"v2"):
        sandi.seal(b"x", sender=old_keystore.identity(SENDER), to=[RECIPIENT],
                   classification="rahasia", pola=fresh_world.home.pola())
    service = sandi.Service(fresh_world.home, passphrase=DEMO_PASSPHRASE)
    s = service.snapshot
    env = sandi.seal(b"x", sender=s.keystore.identity(SENDER), to=[RECIPIENT],
                     classification="rahasia", pola=s.pola)
    assert sandi.verify(env, pola=s.pola).signer_key_version == 2


@pytest.mark.parametrize("rotations", [(RECIPIENT, RECIPIENT, RECIPIENT),
                                       (SENDER, RECIPIENT, SENDER, RECIPIENT)],
                         ids=["recipient", "sender-and-recipient"])
def test_threads_seal_and_open_while_keys_rotate_and_reload(
        fresh_world: DemoWorld, rotations: tuple[str, ...]) -> None:
    service = sandi.Service(fresh_world.home, passphrase=DEMO_PASSPHRASE)
    sealed: queue.Queue[tuple[bytes, bytes] | None] = queue.Queue()
    failures: list[tuple[bytes, BaseException]] = []
    opened: list[tuple[int, int]] = []  # (signer key version, opening key version)
    rotating = threading.Event()
    rotating.set()

    def seal_one(name: str) -> None:
        s = service.snapshot  # once per request
        data = name.encode()
        try:
            sealed.put((sandi.seal(data, sender=s.keystore.identity(SENDER), to=[RECIPIENT],
                                   classification="rahasia", pola=s.pola), data))
        except BaseException as exc:
            failures.append((b"", exc))

    def sealer(n: int) -> None:
        i = 0
        while rotating.is_set():
            seal_one(f"surat {n}-{i}")
            i += 1
        for j in range(3):  # and some under the last pair
            seal_one(f"surat {n}-akhir-{j}")

    def opener() -> None:
        while (item := sealed.get()) is not None:
            env, data = item
            s = service.snapshot  # taken after the envelope exists: never an older pair
            try:
                doc = sandi.open(env, keystore=s.keystore, pola=s.pola)
                assert doc.plaintext == data
                assert doc.opened_with is not None
                opened.append((doc.signer_key_version, doc.opened_with[1]))
            except BaseException as exc:
                failures.append((env, exc))

    sealers = [threading.Thread(target=sealer, args=(n,)) for n in range(2)]
    openers = [threading.Thread(target=opener) for _ in range(2)]
    for t in (*sealers, *openers):
        t.start()
    for n, agency in enumerate(rotations, start=2):
        _rotate(fresh_world, agency)
        assert service.reload().pola.version == n
    rotating.clear()
    for t in sealers:
        t.join()
    for _ in openers:
        sealed.put(None)
    for t in openers:
        t.join()
    final = service.snapshot.pola
    for env, exc in failures:
        # Not lost to the reload: the pola's own rule (docs/pola.md §4). A sender's
        # retired version signs nothing dated at or after the issue of the pola that
        # retired it, and the app seals with its old pair until it reloads; an envelope
        # sealed in that gap is refused. Recipients' rotations have no such gap.
        assert SENDER in rotations and isinstance(exc, KeyRevoked), exc
        signed = parse_header(env)[0].signed
        retired = final.agency(SENDER).key(signed.signer.key_version).retired_at
        assert retired is not None and from_epoch(signed.created_at) >= retired
    if SENDER not in rotations:
        assert not failures
    # Documents were sealed and opened under every pair: the test saw the rotations.
    newest = final.agency(RECIPIENT).current.version
    assert newest == 1 + rotations.count(RECIPIENT)
    assert len(opened) > 20 and {opening for _, opening in opened} >= {1, newest}


def test_a_reload_that_fails_keeps_the_pair_in_service(fresh_world: DemoWorld) -> None:
    service = sandi.Service(fresh_world.home, passphrase=DEMO_PASSPHRASE)
    before = service.snapshot
    # The pola names a key the keystore does not hold (the custodian's keystore is
    # elsewhere): nothing could seal with that pair, so it is not put in service.
    custodian_home = fresh_world.home.path / "custodian"
    custodian_home.mkdir()
    lone = sandi.Keystore.create(custodian_home, passphrase="p", kdf=sandi.keys.KdfParams.TEST)
    lone.generate(SENDER, pq=True)
    lone.generate(SENDER, pq=True)
    v2 = lone.get(SENDER, 2)
    now = datetime.now(UTC)
    pola = fresh_world.home.pola()
    history = {a.id: list(a.keys) for a in pola.agencies}
    history[SENDER] = [history[SENDER][0].retire(now),
                       KeyVersion(2, v2.public, KeyState.CURRENT, now)]
    source = parse_source(example_source())
    source["pola"]["version"] = 2
    body = compile_source(source, keys=history,
                          timestamp_key=fresh_world.timestamp.public,
                          authority_keys=[a.public for a in fresh_world.authority], threshold=2,
                          issued_at=now, members=_members(pola))
    fresh_world.home.install_pola(sign_body(body, fresh_world.authority[:2]).to_bytes())
    with pytest.raises(KeyNotFound, match=r"holds no key bkpsdmd v2, which pola v2 names"):
        service.reload()
    assert service.snapshot is before


# --- the keystore is judged by the home's pola ----------------------------------------


def test_home_keystore_refuses_a_member_the_pola_suspended(tmp_path: Path) -> None:
    city = vaultcity.build(tmp_path)
    home = sandi.Home(city.home)
    assert home.keystore(vaultcity.passphrase("dedi"), member="dedi").member is not None
    city.publish("dedi", MemberStatus.SUSPENDED, city.home)
    with pytest.raises(KeyNotValid, match="suspended"):
        home.keystore(vaultcity.passphrase("dedi"), member="dedi")
    with pytest.raises(KeyNotValid, match="suspended"):
        sandi.Service(home, passphrase=vaultcity.passphrase("dedi"), member="dedi")
    # Without the pola (the bare Keystore.open) the vault still opens: the pola is the check.
    assert sandi.Keystore.open(city.home, passphrase=vaultcity.passphrase("dedi"),
                               member="dedi").member is not None


# --- a passphrase for an unattended service -----------------------------------------------


def _secret(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def test_the_passphrase_of_a_systemd_credential(fresh_world: DemoWorld, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    creds = tmp_path / "credentials"
    creds.mkdir()
    _secret(creds / "sandi-passphrase", DEMO_PASSPHRASE + "\n", 0o400)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    assert read_passphrase() == DEMO_PASSPHRASE
    # Read again at every reload: a rotated credential is picked up.
    service = sandi.Service(fresh_world.home, passphrase=read_passphrase)
    assert SENDER in service.reload().keystore.agencies()
    monkeypatch.delenv("CREDENTIALS_DIRECTORY")
    with pytest.raises(InvalidArgument, match=r"no systemd credential sandi-passphrase"):
        read_passphrase()


@pytest.mark.parametrize("content,mode,match", [
    ("rahasia\n", 0o644, r"other users cannot read"),
    ("rahasia\n", 0o620, r"other users cannot read"),
    ("\nrahasia\n", 0o600, r"is empty"),
    (None, 0o600, r"not UTF-8"),
])
def test_a_passphrase_file_others_could_read_or_that_is_empty_is_refused(
        tmp_path: Path, content: str | None, mode: int, match: str) -> None:
    path = tmp_path / "pass"
    if content is None:
        path.write_bytes(b"\xff\xfe\n")
        path.chmod(mode)
    else:
        _secret(path, content, mode)
    with pytest.raises(InvalidArgument, match=match):
        read_passphrase(path)
    _secret(path, "rahasia\r\nbaris kedua\n", 0o600)
    assert read_passphrase(path) == "rahasia"  # the first line, its CRLF stripped


def test_a_directory_is_not_a_passphrase_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="cannot read the passphrase file"):
        read_passphrase(tmp_path)


def test_an_open_never_reports_not_a_recipient_for_a_current_document(
        fresh_world: DemoWorld) -> None:
    # The other half of the failure: a document sealed to the recipient's new key
    # cannot be opened by the keystore unlocked before the rotation; the reloaded pair can.
    stale = sandi.Service(fresh_world.home, passphrase=DEMO_PASSPHRASE)
    _rotate(fresh_world, RECIPIENT)
    fresh = sandi.Service(fresh_world.home, passphrase=DEMO_PASSPHRASE).snapshot
    env = sandi.seal(b"x", sender=fresh.keystore.identity(SENDER), to=[RECIPIENT],
                     classification="rahasia", pola=fresh.pola)
    with pytest.raises(NotARecipient):
        sandi.open(env, keystore=stale.snapshot.keystore, pola=fresh.pola)
    s = stale.reload()
    assert sandi.open(env, keystore=s.keystore, pola=s.pola).opened_with == (RECIPIENT, 2)


def test_reading_the_home_while_another_thread_installs(fresh_world: DemoWorld) -> None:
    # An install writes the new version's files, then pins them: a reader in between
    # used to find files the trust state did not name yet (PolaNotTrusted). It now
    # waits for the installer's lock and reads again.
    service = sandi.Service(fresh_world.home, passphrase=DEMO_PASSPHRASE)
    done = threading.Event()
    errors: list[BaseException] = []

    def install() -> None:
        try:
            for _ in range(4):
                _rotate(fresh_world, RECIPIENT)
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    installer = threading.Thread(target=install)
    installer.start()
    seen = set()
    while not done.is_set():
        try:
            seen.add(sandi.Home(fresh_world.home.path).pola().version)
            seen.add(service.reload().pola.version)
        except BaseException as exc:
            errors.append(exc)
            break
    installer.join()
    assert not errors, errors
    assert service.reload().pola.version == 5 and len(seen) >= 2
