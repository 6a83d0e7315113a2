"""The first ``sandi keys backup``: a backup key exists only once its shares are out.

Issue 15 item 3: the first backup saved ``backup.pub`` before printing the shares, so
a kill (9 of 80), a full disk or ``-o`` into a missing folder left a backup key whose
shares nobody holds, and every later backup reported success while encrypting to it;
and anyone who could write the home could swap ``backup.pub`` and receive every
private key in the next backup. Now the shares are printed (and flushed) first, the
public half is kept inside the sealed keystore only then, and the blob is written
last; each backup shows the key's fingerprint. The backup key is hybrid.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from killpoints import Zygote

import sandi
from sandi.crypto.suite import Suite
from sandi.demo import DEMO_PASSPHRASE, demo_world
from sandi.keys.backup import _parse, backup_public, open_backup, recover_backup_key
from sandi.keys.keystore import Keystore
from sandi.keys.secretfile import KdfParams

AGENCY = "setda"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A custodian's home: setda's key v1 alone in a keystore, and its passphrase file."""
    root = tmp_path_factory.mktemp("backup")
    world = demo_world(root / "city", kdf=KdfParams.TEST)
    home = root / "home"
    Keystore.create(home, passphrase=DEMO_PASSPHRASE, kdf=KdfParams.TEST).add_keys(
        [world.keystore.get(AGENCY, 1)])
    (root / "passphrase").write_text(DEMO_PASSPHRASE + "\n")
    (root / "passphrase").chmod(0o600)
    return home


def _store(home: Path) -> Keystore:
    return Keystore.open(home, passphrase=DEMO_PASSPHRASE)


def _argv(home: Path, *extra: str) -> list[str]:
    return ["--home", str(home), "--json", "keys", "backup", "--passphrase-file",
            str(home.parent / "passphrase"), *extra]


FIRST = ("--shares", "3", "--threshold", "2")


def test_kill_9_at_every_point_of_the_first_backup(template: Path, tmp_path: Path) -> None:
    with Zygote(tmp_path) as zygote:
        home = tmp_path / "dry"
        shutil.copytree(template, home)
        shutil.copy2(template.parent / "passphrase", tmp_path / "passphrase")
        assert zygote.run(_argv(home, *FIRST), cwd=tmp_path).code == 0
        points = int((tmp_path / "points-1").read_text())
        print(f"{points} kill points")
        states = set()
        for kill_at in range(1, points + 1):
            home = tmp_path / f"home-{kill_at}"
            shutil.copytree(template, home)
            result = zygote.run(_argv(home, *FIRST), cwd=tmp_path, kill_at=kill_at)
            assert result.killed
            kept = _store(home).backup_key
            blob = home / "backup.sandi"
            if kept is not None:
                # The key was kept only after its shares had left the process: they
                # are whole in what it printed, and they rebuild that very key.
                printed = json.loads(result.log)
                seed = recover_backup_key(printed["shares"][:2])
                assert backup_public(seed) == kept, kill_at
                assert printed["fingerprint"] == kept.fingerprint()
            else:  # no key kept: a rerun is a first run (the dry run); its shares are moot
                assert not blob.exists(), kill_at
                states.add((False, False))
                continue
            states.add((True, blob.exists()))
            # A rerun needs no new shares: the kept key's are out, and open the backup.
            again = zygote.run(_argv(home), cwd=tmp_path)  # no new shares needed
            assert again.code == 0, (kill_at, again.log)
            assert not json.loads(again.log)["shares"]
            keys = open_backup(blob.read_bytes(), recover_backup_key(printed["shares"][1:]))
            assert [(k.agency, k.version) for k in keys] == [(AGENCY, 1)], kill_at
    assert {(False, False), (True, False), (True, True)} <= states


def test_no_backup_key_without_its_shares(template: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(template, home)
    shutil.copy2(template.parent / "passphrase", tmp_path / "passphrase")
    sandi_cli = [sys.executable, "-m", "sandi_cli"]
    # -o into a missing folder: refused before any share is made.
    missing = subprocess.run([*sandi_cli, *_argv(home, *FIRST, "-o", str(tmp_path / "no" /
                                                                        "b.sandi"))],
                             capture_output=True, text=True, check=False)
    assert missing.returncode == 1 and "no backup key was made" in missing.stderr
    assert _store(home).backup_key is None
    # The shares cannot be written out (a full disk): no key is kept, nothing written.
    with open("/dev/full", "w") as full:
        failed = subprocess.run([*sandi_cli, *_argv(home, *FIRST)], stdout=full,
                                stderr=subprocess.PIPE, text=True, check=False)
    assert failed.returncode == 1 and "no backup key was kept" in failed.stderr, failed.stderr
    assert _store(home).backup_key is None and not (home / "backup.sandi").exists()


def test_the_backup_key_cannot_be_swapped_and_its_fingerprint_is_shown(
        template: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(template, home)
    shutil.copy2(template.parent / "passphrase", tmp_path / "passphrase")
    run = [sys.executable, "-m", "sandi_cli"]
    first = json.loads(subprocess.run([*run, *_argv(home, *FIRST)], capture_output=True,
                                      text=True, check=True).stdout)
    # An attacker who can write the home but not the keystore plants a key of their own
    # where sandi used to read it: later backups still go to the custodians' key.
    attacker, attacker_public = sandi.keys.new_backup_key(2, 2)
    (home / "backup.pub").write_bytes(attacker_public.x25519 + attacker_public.mlkem)
    later = subprocess.run([*run, "--home", str(home), "keys", "backup", "--passphrase-file",
                            str(tmp_path / "passphrase")], capture_output=True, text=True,
                           check=True).stdout
    assert first["fingerprint"] in later
    blob = (home / "backup.sandi").read_bytes()
    assert open_backup(blob, recover_backup_key(first["shares"][:2]))
    with pytest.raises(sandi.errors.WrongShares, match="sealed to"):
        open_backup(blob, recover_backup_key(attacker))
    # Hybrid: the file key is wrapped with X25519 and ML-KEM-768 together.
    assert len(_parse(blob)[1]) == Suite.HYBRID.stanza_body_len
    assert sandi.keys.backup_fingerprint(blob) == first["fingerprint"]
