"""``kill -9`` at every point of ``members remove`` and ``members add``; then a rerun.

Issue 15 item 3: ``members remove`` saved the vault before writing its two requests,
and every rerun then failed with "budi has no slot", so the removal never reached the
authority and budi could still sign (4 of 91 kills). Now the vault saves the change
with its requests (pending) in one atomic write, and the same command run again writes
them. Killed before any one of its file-system calls (tests/killpoints.py), the home
holds the old vault or the new one (opening for the custodian); a request on disk is
whole and names a key the vault holds; a rerun finishes: the requests are all there,
the member's slot is gone (or, for ``add``, present), nothing is pending. The same
holds when the disk fills up after the vault was saved, and the error says so.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from killpoints import Zygote, swept
from vaultcity import AGENCY, VaultCity, build, passphrase

import sandi
from sandi.authority.requests import read_request
from sandi.errors import NotARecipient
from sandi.keys.keystore import Keystore
from sandi_cli.main import cli


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> VaultCity:
    return build(tmp_path_factory.mktemp("vault-city"))


def _ani(home: Path) -> Keystore:
    return Keystore.open(home, passphrase=passphrase("ani"), member="ani")


def _requests(out: Path, store: Keystore) -> dict[str, object]:
    """The requests on disk, each whole; a key change names a key the vault holds."""
    found: dict[str, object] = {}
    for path in sorted(out.iterdir()):
        request = read_request(path.read_bytes())  # raises on a partial file
        if request.kind.value == "rotate":
            assert request.keys == store.get(AGENCY, request.version).public, path.name
        found[path.name] = request
    return found


def _argv(city: VaultCity, home: Path, out: Path, *command: str) -> list[str]:
    return ["--home", str(home), "--member", "ani", *command, "--passphrase-file",
            str(city.secret("ani")), "--request-out", str(out)]


REMOVED = {f"{AGENCY}-v2.request", f"{AGENCY}-dedi-removed.request"}


def test_kill_9_at_every_point_of_a_removal(city: VaultCity, tmp_path: Path) -> None:
    def trial(zygote: Zygote, n: int, kill_at: int) -> tuple[Path, Path, bool]:
        home, out = tmp_path / f"home-{n}", tmp_path / f"out-{n}"
        shutil.copytree(city.home, home)
        out.mkdir()
        result = zygote.run(_argv(city, home, out, "members", "remove", "dedi"),
                            cwd=tmp_path, kill_at=kill_at)
        assert result.killed or result.code == 0, result.log
        return home, out, result.killed

    states = set()
    with Zygote(tmp_path) as zygote:
        home, out, _ = trial(zygote, 0, 0)
        points = int((tmp_path / "points-1").read_text())
        print(f"{points} kill points")
        assert set(_requests(out, _ani(home))) == REMOVED
        for kill_at in range(1, points + 1):
            home, out, killed = trial(zygote, kill_at, kill_at)
            assert killed
            swept(out)  # (SANDI_PORTABLE=1: a request's temporary file, never the request)
            store = _ani(home)  # old vault or new one, never a broken one
            slots, versions = set(store.members()), [k.version for k in store.keys(AGENCY)]
            written = set(_requests(out, store))
            if "dedi" in slots:  # nothing happened yet: a rerun is a first run (the dry run)
                assert (versions, written, store.pending()) == ([1], set(), []), kill_at
                states.add((True, 0, 0))
                continue
            # The change and its requests are saved; the files may lag.
            assert versions == [1, 2], kill_at
            assert written | {p.name for p in store.pending()} == REMOVED, kill_at
            states.add((False, len(written), len(store.pending())))
            rerun = zygote.run(_argv(city, home, out, "members", "remove", "dedi"),
                               cwd=tmp_path)
            assert rerun.code == 0, (kill_at, rerun.log)
            store = _ani(home)
            assert "dedi" not in store.members() and store.pending() == [], kill_at
            assert [k.version for k in store.keys(AGENCY)] == [1, 2], kill_at
            swept(out)
            assert set(_requests(out, store)) == REMOVED, kill_at
            with pytest.raises(NotARecipient):
                Keystore.open(home, passphrase=passphrase("dedi"), member="dedi")
    # The kills landed before the change, between the vault and the requests (none,
    # one or both written), and after the pending requests were cleared.
    assert {(True, 0, 0), (False, 0, 2), (False, 1, 2), (False, 2, 2), (False, 2, 0)} <= states


def test_kill_9_at_every_point_of_adding_a_member(city: VaultCity, tmp_path: Path) -> None:
    name = f"{AGENCY}-fajar.member.request"

    def argv(home: Path, out: Path) -> list[str]:
        return [*_argv(city, home, out, "members", "add", "fajar"), "--new-passphrase-file",
                str(city.secret("fajar"))]

    with Zygote(tmp_path) as zygote:
        home, out = tmp_path / "dry", tmp_path / "dry-out"
        shutil.copytree(city.home, home)
        out.mkdir()
        assert zygote.run(argv(home, out), cwd=tmp_path).code == 0
        points = int((tmp_path / "points-1").read_text())
        print(f"{points} kill points")  # shown with -s
        states = set()
        for kill_at in range(1, points + 1):
            home, out = tmp_path / f"home-{kill_at}", tmp_path / f"out-{kill_at}"
            shutil.copytree(city.home, home)
            out.mkdir()
            assert zygote.run(argv(home, out), cwd=tmp_path, kill_at=kill_at).killed
            store = _ani(home)
            keyfile = sandi.keys.member_key_path(home, "fajar").exists()
            states.add((keyfile, "fajar" in store.members(), bool(list(out.iterdir()))))
            if not keyfile:  # nothing happened yet: a rerun is a first run (the dry run)
                assert "fajar" not in store.members() and not list(out.iterdir()), kill_at
                continue
            rerun = zygote.run(argv(home, out), cwd=tmp_path)
            assert rerun.code == 0, (kill_at, rerun.log)
            store = _ani(home)
            assert "fajar" in store.members() and store.pending() == [], kill_at
            request = _requests(out, store)[name]
            fajar = Keystore.open(home, passphrase=passphrase("fajar"), member="fajar")
            assert fajar.member is not None
            assert request.keys == fajar.member.public, kill_at  # type: ignore[attr-defined]
    assert {(False, False, False), (True, False, False), (True, True, False),
            (True, True, True)} <= states


def test_a_full_disk_after_the_change_is_finished_by_a_rerun(
        city: VaultCity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The vault is written, then the disk fills up: the error says the change is saved
    # and that the same command finishes it; "nothing was written" would be untrue.
    home, out = tmp_path / "home", tmp_path / "out"
    shutil.copytree(city.home, home)
    out.mkdir()
    real = sandi.write_file

    def full(path: Path | str, data: bytes, **kw: object) -> None:
        if Path(path).parent == out:
            raise sandi.errors.StorageError("cannot write {path}: {reason}; nothing was "
                                            "written", path=path,
                                            reason=sandi.errors.Phrase("the disk is full"))
        real(path, data, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(sandi, "write_file", full)
    argv = _argv(city, home, out, "members", "remove", "dedi")
    failed = CliRunner().invoke(cli, argv)
    assert failed.exit_code == 1
    assert "the change is saved in the keystore" in failed.stderr
    assert "nothing was written" not in failed.stderr.split("(")[0]
    assert "run the same command again" in failed.stderr
    assert "dedi" not in _ani(home).members() and not list(out.iterdir())
    listed = CliRunner().invoke(cli, ["--home", str(home), "--member", "ani", "keys", "list",
                                      "--passphrase-file", str(city.secret("ani"))])
    assert "an interrupted `sandi members remove dedi` left its request" in listed.stderr
    monkeypatch.setattr(sandi, "write_file", real)
    assert CliRunner().invoke(cli, argv).exit_code == 0
    store = _ani(home)
    assert set(_requests(out, store)) == REMOVED and store.pending() == []


def test_kill_9_at_every_point_of_turning_a_keystore_into_a_vault(tmp_path: Path) -> None:
    # members init: the first member's key, then the vault (with the member request
    # pending), then the keystore file is deleted, then the request written. Killed
    # anywhere, a rerun with the same passphrases finishes; the keys are never lost.
    from sandi.demo import DEMO_PASSPHRASE, demo_world
    from sandi.keys.secretfile import KdfParams
    from sandi.keys.storage import PassphraseFile
    from sandi.keys.vault import Vault

    world = demo_world(tmp_path / "city", kdf=KdfParams.TEST)
    template = tmp_path / "template"
    shutil.copytree(world.home.path, template,
                    ignore=shutil.ignore_patterns("keystore.*", "audit*", "dinkes-workstation"))
    v1 = world.keystore.get("setda", 1)
    Keystore.create(template, passphrase=DEMO_PASSPHRASE, kdf=KdfParams.TEST).add_keys([v1])
    old = tmp_path / "old"
    old.write_text(DEMO_PASSPHRASE + "\n")
    old.chmod(0o600)
    mine = tmp_path / "mine"
    mine.write_text("frasa sandi milik rina\n")
    mine.chmod(0o600)

    def argv(home: Path, out: Path) -> list[str]:
        return ["--home", str(home), "members", "init", "rina", "--passphrase-file", str(old),
                "--new-passphrase-file", str(mine), "--request-out", str(out)]

    def finished(home: Path, out: Path) -> None:
        store = Keystore.open(home, passphrase="frasa sandi milik rina", member="rina")
        assert store.keys("setda") == [v1] and store.pending() == []
        assert not (home / "keystore.sandi").exists()
        request = read_request((out / "setda-rina.member.request").read_bytes())
        assert store.member is not None and request.keys == store.member.public

    with Zygote(tmp_path) as zygote:
        home, out = tmp_path / "dry", tmp_path / "dry-out"
        shutil.copytree(template, home)
        out.mkdir()
        assert zygote.run(argv(home, out), cwd=tmp_path).code == 0
        finished(home, out)
        points = int((tmp_path / "points-1").read_text())
        print(f"{points} kill points")  # shown with -s
        for kill_at in range(1, points + 1):
            home, out = tmp_path / f"home-{kill_at}", tmp_path / f"out-{kill_at}"
            shutil.copytree(template, home)
            out.mkdir()
            assert zygote.run(argv(home, out), cwd=tmp_path, kill_at=kill_at).killed
            # The keys are never lost: still in the keystore file, or in the vault.
            if (home / "keystore.sandi").exists():
                held = PassphraseFile.unlock(home / "keystore.sandi", DEMO_PASSPHRASE)[1]
            else:
                held = Vault.unlock(home, "rina", "frasa sandi milik rina")[1]
            assert list(held.keys) == [v1], kill_at
            rerun = zygote.run(argv(home, out), cwd=tmp_path)
            assert rerun.code == 0, (kill_at, rerun.log)
            finished(home, out)
