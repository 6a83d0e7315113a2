"""Passphrases: a cost worth an offline attack, a floor that warns, and ``keys passwd``.

Issue 15 item 7: no command changed a passphrase (an official who forgot theirs had to
be removed and re-enrolled), and key files used Argon2id at 19 MiB x 2, OWASP's floor
for server-side password hashes, not for key files an attacker can take offline. Now:
RFC 9106's second recommended setting (64 MiB, 3 passes) for keystores and members'
keys, 1 GiB for authority custodians' keys, a warning when a file below the floor of
its kind is opened, and ``sandi keys passwd`` for all three kinds, raising the cost.
The tests never pay 1 GiB: the cost is a parameter (``KdfParams``).
"""

from __future__ import annotations

import inspect
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from killpoints import Zygote

import sandi
from sandi.authority.authoring import AuthorityKeyPair, load_custodian_key, save_custodian_key
from sandi.demo import DEMO_PASSPHRASE
from sandi.errors import MalformedKeyFile, WrongPassphrase
from sandi.keys.keystore import Keystore
from sandi.keys.members import create_member_key
from sandi.keys.secretfile import CUSTODIAN_KEY, KdfParams, key_file_cost
from sandi.keys.vault import init_vault
from sandi_cli.main import cli

MIB = 1024 * 1024
OWASP = KdfParams(ops=2, mem=19 * MIB)  # what sandi used before
NEW = "frasa sandi yang baru sekali"


def _secret(path: Path, text: str) -> Path:
    path.write_text(text + "\n")
    path.chmod(0o600)
    return path


def _run(*args: str | Path, test_cost: bool = True) -> Result:
    env = {"SANDI_INSECURE_TEST_KDF": "1" if test_cost else None, "SANDI_LANG": None,
           "SANDI_PASSPHRASE_FILE": None, "SANDI_HOME": None}
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def test_the_default_costs() -> None:
    assert (KdfParams.STANDARD.mem, KdfParams.STANDARD.ops) >= (64 * MIB, 3)  # RFC 9106 #2
    assert KdfParams.CUSTODIAN.mem >= 1024 * MIB
    defaults = {f: inspect.signature(f).parameters["kdf"].default
                for f in (Keystore.create, create_member_key, save_custodian_key)}
    assert defaults == {Keystore.create: KdfParams.STANDARD,
                        create_member_key: KdfParams.STANDARD,
                        save_custodian_key: KdfParams.CUSTODIAN}
    assert OWASP.below(KdfParams.STANDARD) and KdfParams.TEST.below(KdfParams.STANDARD)
    assert not KdfParams.STANDARD.below(KdfParams.STANDARD)
    assert KdfParams.STANDARD.below(KdfParams.CUSTODIAN)
    # More passes never make up for less memory (GPUs are bound by memory).
    assert KdfParams(ops=16, mem=32 * MIB).below(KdfParams.STANDARD)


def test_opening_a_file_below_the_floor_warns(tmp_path: Path) -> None:
    weak, strong = tmp_path / "weak", tmp_path / "strong"
    Keystore.create(weak, passphrase=DEMO_PASSPHRASE, kdf=OWASP)
    Keystore.create(strong, passphrase=DEMO_PASSPHRASE)  # the default, at its real cost
    secret = _secret(tmp_path / "p", DEMO_PASSPHRASE)
    warned = _run("--home", weak, "keys", "list", "--passphrase-file", secret, test_cost=False)
    assert warned.exit_code == 0
    assert "19 MiB x 2, below sandi's floor of 64 MiB x 3" in warned.stderr
    assert "sandi keys passwd" in warned.stderr
    quiet = _run("--home", strong, "keys", "list", "--passphrase-file", secret, test_cost=False)
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert Keystore.open(weak, passphrase=DEMO_PASSPHRASE).kdf == OWASP  # for an app to check
    custodian = tmp_path / "k1.key"
    save_custodian_key(custodian, AuthorityKeyPair.generate("k1", "Rina"), "x",
                       kdf=KdfParams.STANDARD)
    cost = key_file_cost(custodian)
    assert cost.kind is CUSTODIAN_KEY and cost.below_floor  # 64 MiB is below 1 GiB


def test_passwd_changes_a_keystore_passphrase_and_raises_its_cost(tmp_path: Path) -> None:
    home = tmp_path / "home"
    Keystore.create(home, passphrase=DEMO_PASSPHRASE, kdf=OWASP).generate("setda")
    old, new = _secret(tmp_path / "old", DEMO_PASSPHRASE), _secret(tmp_path / "new", NEW)
    wrong = _run("--home", home, "keys", "passwd", "--passphrase-file", new,
                 "--new-passphrase-file", new)
    assert wrong.exit_code == 1 and "passphrase" in wrong.stderr
    assert Keystore.open(home, passphrase=DEMO_PASSPHRASE).kdf == OWASP  # unchanged
    done = _run("--home", home, "--json", "keys", "passwd", "--passphrase-file", old,
                "--new-passphrase-file", new, "--memory", "64", "--passes", "3")
    assert done.exit_code == 0, done.stderr
    with pytest.raises(WrongPassphrase):
        Keystore.open(home, passphrase=DEMO_PASSPHRASE)
    store = Keystore.open(home, passphrase=NEW)
    assert store.kdf == KdfParams.STANDARD and store.keys("setda")
    # Never lowered: asking for less keeps the file's cost.
    assert sandi.keys.change_passphrase(home / "keystore.sandi", NEW, NEW,
                                        KdfParams.TEST) == (KdfParams.STANDARD,
                                                            KdfParams.STANDARD)


def test_passwd_of_a_members_key_and_of_a_custodians_key(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ani = create_member_key(home, "ani", passphrase="punya ani", kdf=KdfParams.TEST)
    budi = create_member_key(home, "budi", passphrase="punya budi", kdf=KdfParams.TEST)
    init_vault(home, "bkpsdmd", {"ani": ani.public, "budi": budi.public})
    done = _run("--home", home, "--member", "budi", "keys", "passwd", "--passphrase-file",
                _secret(tmp_path / "b", "punya budi"), "--new-passphrase-file",
                _secret(tmp_path / "n", NEW))
    assert done.exit_code == 0, done.stderr
    assert Keystore.open(home, passphrase=NEW, member="budi").keys("bkpsdmd")
    assert Keystore.open(home, passphrase="punya ani", member="ani").keys("bkpsdmd")  # hers
    with pytest.raises(WrongPassphrase):
        Keystore.open(home, passphrase="punya budi", member="budi")

    custodian = tmp_path / "k1.key"
    pair = AuthorityKeyPair.generate("k1", "Rina Marlina")
    save_custodian_key(custodian, pair, "lama", kdf=KdfParams.TEST)
    done = _run("keys", "passwd", "--custodian-key", custodian, "--passphrase-file",
                _secret(tmp_path / "c", "lama"), "--new-passphrase-file", tmp_path / "n",
                "--memory", "64")
    assert done.exit_code == 0, done.stderr
    assert load_custodian_key(custodian, NEW).seed == pair.seed
    assert key_file_cost(custodian).cost.mem == 64 * MIB


def test_a_process_holding_the_old_key_sees_the_change(tmp_path: Path) -> None:
    Keystore.create(tmp_path, passphrase="lama", kdf=KdfParams.TEST)
    before = Keystore.open(tmp_path, passphrase="lama")
    sandi.keys.change_passphrase(tmp_path / "keystore.sandi", "lama", NEW, KdfParams.TEST)
    with pytest.raises(MalformedKeyFile, match="passphrase was changed meanwhile"):
        before.generate("setda")
    assert Keystore.open(tmp_path, passphrase=NEW).keys() == []


def test_kill_9_at_every_point_of_passwd(tmp_path: Path) -> None:
    template = tmp_path / "template"
    Keystore.create(template, passphrase=DEMO_PASSPHRASE, kdf=KdfParams.TEST).generate("setda")
    old, new = _secret(tmp_path / "old", DEMO_PASSPHRASE), _secret(tmp_path / "new", NEW)

    def argv(home: Path) -> list[str]:
        return ["--home", str(home), "keys", "passwd", "--passphrase-file", str(old),
                "--new-passphrase-file", str(new)]

    with Zygote(tmp_path) as zygote:
        dry = tmp_path / "dry"
        shutil.copytree(template, dry)
        assert zygote.run(argv(dry), cwd=tmp_path).code == 0
        points = int((tmp_path / "points-1").read_text())
        print(f"{points} kill points")  # shown with -s
        opened_with = set()
        for kill_at in range(1, points + 1):
            home = tmp_path / f"home-{kill_at}"
            shutil.copytree(template, home)
            assert zygote.run(argv(home), cwd=tmp_path, kill_at=kill_at).killed
            for passphrase in (DEMO_PASSPHRASE, NEW):  # the old one or the new one opens
                try:
                    assert Keystore.open(home, passphrase=passphrase).keys("setda")
                except WrongPassphrase:
                    continue
                opened_with.add(passphrase)
                break
            else:
                pytest.fail(f"killed at {kill_at}: neither passphrase opens the keystore")
    assert opened_with == {DEMO_PASSPHRASE, NEW}
