"""An agency custodian's key lifecycle: enrollment request, rotation and revocation
requests, fingerprints, and K-of-N paper backup and restore."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from city import City, build_city, doc, ok
from clitools import Run, assert_one_error, make_run, write_secret

import sandi

PASS = "frasa sandi bkpsdmd 2026"


@pytest.fixture
def home(tmp_path: Path) -> tuple[Run, Path]:
    """A home with one agency key (bkpsdmd v1), no pola, and its passphrase file."""
    secret = write_secret(tmp_path / "pass.txt", PASS)
    run = make_run(tmp_path / "home")
    ok(run("keys", "init", "--agency", "bkpsdmd", "--passphrase-file", secret))
    return run, secret


def test_keys_init_writes_the_enrollment_request(tmp_path: Path) -> None:
    run = make_run(tmp_path / "home")
    secret = write_secret(tmp_path / "pass.txt", PASS)
    made = doc(run("--json", "keys", "init", "--agency", "diskominfo", "--passphrase-file",
                   secret))
    request = Path("diskominfo-v1.request")  # the current directory by default
    assert made["request"] == str(request) and request.exists()
    parsed = sandi.authority.requests.read_request(request.read_bytes())
    assert (parsed.agency, parsed.version) == ("diskominfo", 1)
    assert parsed.keys is not None and parsed.keys.fingerprint() == made["fingerprint"]
    human = ok(run("keys", "init", "--agency", "dinkes", "--passphrase-file", secret)).stdout
    assert "dinkes-v1.request" in human and "sandi pola agency add" in human


def test_keys_init_refuses_an_existing_request_before_making_a_key(tmp_path: Path) -> None:
    Path("bkpsdmd-v1.request").write_bytes(b"lama")
    run = make_run(tmp_path / "home")
    result = run("keys", "init", "--agency", "bkpsdmd", "--passphrase-file",
                 write_secret(tmp_path / "pass.txt", PASS))
    assert_one_error(result, 2)
    assert not sandi.Keystore.exists(tmp_path / "home")
    assert Path("bkpsdmd-v1.request").read_bytes() == b"lama"


def test_rotate_and_revoke_need_a_pola(home: tuple[Run, Path]) -> None:
    run, secret = home
    for argv in (["rotate", "--agency", "bkpsdmd"],
                 ["revoke", "--agency", "bkpsdmd", "--version", "1", "--reason",
                  "superseded"]):
        _, hint = assert_one_error(run("keys", *argv, "--passphrase-file", secret), 2)
        assert "sandi pola update" in hint


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    return build_city(tmp_path_factory.mktemp("city"))


def test_revoking_the_current_key_asks_for_a_rotation_first(city: City) -> None:
    result = city.a("keys", "revoke", "--agency", "diskominfo", "--version", "1", "--reason",
                    "compromised", "--passphrase-file", city.home_pass)
    error, _ = assert_one_error(result, 2)
    assert "rotate first" in error
    unknown = city.a("keys", "revoke", "--agency", "diskominfo", "--version", "9", "--reason",
                     "superseded", "--passphrase-file", city.home_pass)
    assert_one_error(unknown, 1)


def test_bad_effective_time_is_a_usage_error(city: City) -> None:
    result = city.a("keys", "revoke", "--agency", "diskominfo", "--version", "1", "--reason",
                    "superseded", "--effective", "kemarin")
    assert result.exit_code == 2 and "ISO 8601" in result.stderr


def test_list_shows_revocations_and_fingerprints(tmp_path: Path) -> None:
    city = build_city(tmp_path)
    rotated = doc(city.a("--json", "keys", "rotate", "--agency", "diskominfo",
                         "--passphrase-file", city.home_pass))
    ok(city.pola("request", rotated["request"]))
    revoked = doc(city.a("--json", "keys", "revoke", "--agency", "diskominfo", "--version",
                         "1", "--reason", "superseded", "--effective", "2026-06-01",
                         "--passphrase-file", city.home_pass))
    assert revoked["request"] == "diskominfo-v1-superseded.request"
    assert revoked["effective_at"] == "2026-06-01T00:00:00Z" and revoked["signed_by"] == 1
    ok(city.pola("request", revoked["request"]))
    city.publish()
    city.update(city.a)
    listed = doc(city.a("--json", "keys", "list", "--passphrase-file", city.home_pass))
    first, second = listed["keys"]
    assert (first["state"], first["reason"], first["revoked_at"]) == (
        "revoked", "superseded", "2026-06-01T00:00:00Z")
    assert second["state"] == "current" and "reason" not in second
    human = ok(city.a("keys", "list", "--passphrase-file", city.home_pass)).stdout
    assert "revoked (superseded, from 2026-06-01T00:00:00Z)" in human

    only_pola = doc(city.a("--json", "keys", "fingerprint", "--pola"))  # no passphrase
    assert only_pola == {"pola": {"id": "kota-uji", "version": 2,
                                  "authority_fingerprint": city.fingerprint}}
    keys = doc(city.a("--json", "keys", "fingerprint", "--agency", "diskominfo",
                      "--passphrase-file", city.home_pass))["keys"]
    assert [k["fingerprint"] for k in keys] == [first["fingerprint"], second["fingerprint"]]
    missing = city.a("keys", "fingerprint", "--agency", "dinkes", "--passphrase-file",
                     city.home_pass)
    assert_one_error(missing, 2)


def test_rotate_twice_warns_about_the_pending_request(tmp_path: Path) -> None:
    city = build_city(tmp_path)
    ok(city.b("keys", "rotate", "--agency", "bkpsdmd", "--passphrase-file", city.home_pass))
    again = city.b("--json", "keys", "rotate", "--agency", "bkpsdmd", "--passphrase-file",
                   city.home_pass)
    assert json.loads(ok(again).stdout)["pending_versions"] == [2]
    assert "pending" in again.stderr and Path("bkpsdmd-v3.request").exists()


# --- backup and restore --------------------------------------------------------------


def _backup(run: Run, secret: Path, *extra: str) -> dict[str, object]:
    result: dict[str, object] = doc(run("--json", "keys", "backup", "--passphrase-file",
                                        secret, *extra))
    return result


def test_backup_and_restore_with_k_and_k_minus_1_shares(home: tuple[Run, Path],
                                                        tmp_path: Path) -> None:
    run, secret = home
    needs = run("keys", "backup", "--passphrase-file", secret)
    assert needs.exit_code == 2 and "--shares N and --threshold K" in needs.stderr
    first = _backup(run, secret, "--shares", "3", "--threshold", "2")
    shares = first["shares"]
    assert isinstance(shares, list) and len(shares) == 3 and first["new_shares"]
    assert all(len(s.split()) == 33 for s in shares)
    later = _backup(run, secret)  # after a rotation: no new shares
    assert later["shares"] == [] and not later["new_shares"]
    backup = Path(str(later["backup"]))
    assert backup.stat().st_mode & 0o077 == 0

    too_few = tmp_path / "one.txt"
    too_few.write_text(shares[0] + "\n")
    refused = make_run(tmp_path / "r1")("keys", "restore", "--backup", backup,
                                        "--shares-file", too_few, "--passphrase-file", secret)
    _, hint = assert_one_error(refused, 1)
    assert "threshold" in hint
    assert not sandi.Keystore.exists(tmp_path / "r1")

    enough = tmp_path / "two.txt"
    enough.write_text(f"{shares[2]}\n\n{shares[0]}\n")
    restored = doc(make_run(tmp_path / "r2")("--json", "keys", "restore", "--backup", backup,
                                             "--shares-file", enough, "--passphrase-file",
                                             secret))
    assert restored["keys"] == ["bkpsdmd v1"]
    restored_keys = sandi.Keystore.open(tmp_path / "r2", passphrase=PASS).keys()
    assert [k.version for k in restored_keys] == [1]


def test_restore_by_prompt(home: tuple[Run, Path], tmp_path: Path) -> None:
    run, secret = home
    shares = _backup(run, secret, "--shares", "3", "--threshold", "2")["shares"]
    assert isinstance(shares, list)
    backup = tmp_path / "home" / "backup.sandi"
    typed = f"{shares[1]}\n{shares[0]}\nbaru sekali\nbaru sekali\n"
    result = make_run(tmp_path / "r")("keys", "restore", "--backup", backup, input=typed)
    assert result.exit_code == 0, result.stderr
    assert "Restored 1 key versions" in result.stdout
    assert sandi.Keystore.open(tmp_path / "r", passphrase="baru sekali").agencies() == [
        "bkpsdmd"]
    short = make_run(tmp_path / "s")("keys", "restore", "--backup", backup,
                                     input=f"{shares[1]}\n\n")
    assert short.exit_code == 1  # the prompts are echoed on stderr, then the error
    assert short.stderr.splitlines()[-2].startswith("sandi: error: the shares do not")
    assert not sandi.Keystore.exists(tmp_path / "s")
    into_existing = run("keys", "restore", "--backup", backup, input=typed)
    error, _ = assert_one_error(into_existing, 2)
    assert "already has a keystore" in error


def test_new_shares_replace_the_backup_key(home: tuple[Run, Path], tmp_path: Path) -> None:
    run, secret = home
    old = _backup(run, secret, "--shares", "2", "--threshold", "2")["shares"]
    new = _backup(run, secret, "--new-shares", "--shares", "3", "--threshold", "2")["shares"]
    assert isinstance(old, list) and isinstance(new, list) and set(old).isdisjoint(new)
    stale = tmp_path / "old.txt"
    stale.write_text("\n".join(old) + "\n")
    refused = make_run(tmp_path / "r")("keys", "restore", "--backup",
                                       tmp_path / "home" / "backup.sandi", "--shares-file",
                                       stale, "--passphrase-file", secret)
    assert_one_error(refused, 1)


def test_backup_prints_numbered_shares(home: tuple[Run, Path]) -> None:
    run, secret = home
    out = ok(run("keys", "backup", "--shares", "2", "--threshold", "2", "--passphrase-file",
                 secret)).stdout
    assert "Share 1 of 2:" in out and "Share 2 of 2:" in out and "33. " in out
    assert "paper" in out
