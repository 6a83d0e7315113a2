"""``kill -9`` during ``sandi keys rotate``, at every point of its file-system work.

The command rewrites the keystore (a new key version) and then writes the
key-change request for the authority. Killed before any one of its writes, fsyncs,
links, renames or audit-log statements (tests/killpoints.py), the home must hold
either the old keystore or the new one, both opening with the passphrase; a request
on disk is whole and names a key the keystore holds; and a rerun of the same command
finishes the job, leaving no temporary file behind.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from killpoints import Zygote, swept

from sandi._internal import system
from sandi.audit.log import AuditLog
from sandi.authority.requests import read_request
from sandi.demo import DEMO_PASSPHRASE, demo_world
from sandi.keys.keystore import Keystore
from sandi.keys.secretfile import KdfParams

AGENCY = "setda"
#: What a demo home holds besides the audit log (and SQLite's companions of it).
HOME = {".trust.lock", "dinkes-workstation", "keystore.lock", "keystore.sandi", "pola.sandi",
        "polas", "trust.sandi"}
AUDIT = {"audit.db", "audit.db-wal", "audit.db-shm"}


def _template(home: Path) -> Path:
    """A custodian's home: the demo city's pola installed, setda's key v1 alone in the
    keystore (with the suite's fast Argon2id cost)."""
    world = demo_world(home.parent / "city", kdf=KdfParams.TEST)
    shutil.copytree(world.home.path, home, ignore=shutil.ignore_patterns("keystore.*"))
    Keystore.create(home, passphrase=DEMO_PASSPHRASE, kdf=KdfParams.TEST).add_keys(
        [world.keystore.get(AGENCY, 1)])
    return home


def _versions(home: Path) -> list[int]:
    return _state(home, None)[0]


def _state(home: Path, requests: Path | None) -> tuple[list[int], list[int]]:
    """The versions of setda the keystore holds (it must open with the passphrase), and
    those the requests in ``requests`` ask for: each whole, for a key the keystore holds."""
    store = Keystore.open(home, passphrase=DEMO_PASSPHRASE)
    asked = []
    for path in sorted(requests.iterdir()) if requests else []:
        request = read_request(path.read_bytes())  # raises on a partial file
        assert path.name == f"{AGENCY}-v{request.version}.request"
        assert request.keys == store.get(AGENCY, request.version).public
        asked.append(request.version)
    return [k.version for k in store.keys(AGENCY)], asked


def _temporaries(home: Path) -> list[Path]:
    return [p for p in home.iterdir() if p.name.endswith(".sandi-tmp")]


def test_kill_9_at_every_point_of_a_rotation(tmp_path: Path) -> None:
    template = _template(tmp_path / "template")
    secret = tmp_path / "passphrase"
    secret.write_text(DEMO_PASSPHRASE + "\n")
    secret.chmod(0o600)

    def rotate(zygote: Zygote, home: Path, out: Path, kill_at: int = 0) -> bool:
        result = zygote.run(["--home", str(home), "keys", "rotate", "--agency", AGENCY,
                             "--passphrase-file", str(secret), "--request-out", str(out)],
                            cwd=tmp_path, kill_at=kill_at)
        assert result.killed or result.code == 0, result.log
        return result.killed

    with Zygote(tmp_path) as zygote:
        home, out = tmp_path / "dry", tmp_path / "dry-out"
        shutil.copytree(template, home)
        out.mkdir()
        assert not rotate(zygote, home, out)
        points = int((tmp_path / "points-1").read_text())
        print(f"{points} kill points")  # shown with -s
        assert points > 20 and _state(home, out) == ([1, 2], [2])
        states = set()
        for kill_at in range(1, points + 1):
            home, out = tmp_path / f"home-{kill_at}", tmp_path / f"out-{kill_at}"
            shutil.copytree(template, home)
            out.mkdir()
            assert rotate(zygote, home, out, kill_at)
            swept(out)  # (SANDI_PORTABLE=1: a request's temporary file, never the request)
            # Old or new keystore, never a broken one; a request only ever whole.
            versions, asked = _state(home, out)
            assert versions in ([1], [1, 2]), (kill_at, versions)
            assert asked in ([], [2]) and set(asked) <= set(versions), (kill_at, asked)
            assert (home / "keystore.sandi").stat().st_mode & 0o777 == 0o600
            if (home / "audit.db").exists():
                assert AuditLog(home / "audit.db").verify().size <= 1
            extra = {p.name for p in home.iterdir()} - HOME - AUDIT
            # The one window: the new keystore linked under its hidden staging name,
            # not yet renamed. It is the whole keystore, still sealed by the passphrase.
            for stray in _temporaries(home):
                assert stray.stat().st_mode & 0o777 == 0o600
                if not system.linux_only():
                    continue  # no O_TMPFILE: it may also be the new keystore, part written
                assert Keystore.open(_alone(stray, tmp_path / f"stray-{kill_at}"),
                                     passphrase=DEMO_PASSPHRASE).keys(AGENCY)
            assert extra == {p.name for p in _temporaries(home)}, (kill_at, extra)
            states.add((tuple(versions), tuple(asked), bool(extra)))
            # A rerun finishes the job: a whole request for a key the keystore holds.
            assert not rotate(zygote, home, out)
            swept(home, out)
            versions, asked = _state(home, out)
            assert versions[-1] == asked[-1], (kill_at, versions, asked)
            assert not _temporaries(home)
            assert AuditLog(home / "audit.db").verify().size >= 1
    # The kills did land in each state: before, between the two writes, after both,
    # and inside the keystore replacement's window.
    assert {((1,), (), False), ((1, 2), (), False), ((1, 2), (2,), False),
            ((1,), (), True)} <= states


def _alone(keystore_file: Path, home: Path) -> Path:
    """A home holding only a copy of ``keystore_file``, to open it as a keystore."""
    home.mkdir()
    shutil.copy2(keystore_file, home / "keystore.sandi")
    return home


@pytest.mark.parametrize("kill_name", ["replace", "link"])
def test_a_rerun_sweeps_the_keystore_left_in_the_window(tmp_path: Path, kill_name: str) -> None:
    if kill_name == "link" and not system.linux_only():
        pytest.skip("the link that names an O_TMPFILE file; SANDI_PORTABLE=1 has none")
    # Killed just before the rename (the staged copy exists) or just before the link
    # that stages it (nothing named yet): the next run in the home removes any copy.
    home = _template(tmp_path / "home")
    secret = tmp_path / "passphrase"
    secret.write_text(DEMO_PASSPHRASE + "\n")
    secret.chmod(0o600)
    argv = ["--home", str(home), "keys", "rotate", "--agency", AGENCY, "--passphrase-file",
            str(secret), "--request-out", str(tmp_path)]
    with Zygote(tmp_path) as zygote:
        assert zygote.run(argv, cwd=tmp_path, kill_name=kill_name).killed
        assert len(_temporaries(home)) == (kill_name == "replace")
        assert _versions(home) == [1]
        assert zygote.run(argv, cwd=tmp_path).code == 0
    assert not _temporaries(home)
    assert _versions(home) == [1, 2]
