"""``sandi keys`` and ``sandi pola``: init, list, show, the matrix, update."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from clitools import Run, assert_one_error, make_run, write_secret

import sandi
from sandi.demo import DemoWorld

PASS = "frasa sandi diskominfo 2026"


def test_keys_init_creates_the_keystore(tmp_path: Path) -> None:
    run = make_run(tmp_path / "home")
    result = run("keys", "init", "--agency", "diskominfo", input=f"{PASS}\n{PASS}\n")
    assert result.exit_code == 0, result.stderr
    assert "diskominfo v1" in result.stdout and "Fingerprint:" in result.stdout
    assert PASS not in result.output
    assert sandi.Keystore.exists(tmp_path / "home")
    versions = sandi.Keystore.open(tmp_path / "home", passphrase=PASS).keys()
    assert [(k.agency, k.version) for k in versions] == [("diskominfo", 1)]
    fingerprint = versions[0].public.fingerprint()
    assert fingerprint in result.stdout


def test_keys_init_asks_twice_and_refuses_a_mismatch(tmp_path: Path) -> None:
    run = make_run(tmp_path / "home")
    result = run("keys", "init", "--agency", "diskominfo", input=f"{PASS}\nlain\n")
    assert result.exit_code != 0
    assert not sandi.Keystore.exists(tmp_path / "home")


def test_keys_init_twice_points_at_rotate(tmp_path: Path) -> None:
    secret = write_secret(tmp_path / "pass.txt", PASS)
    run = make_run(tmp_path / "home")
    first = run("--json", "keys", "init", "--agency", "bkpsdmd", "--pq",
                "--passphrase-file", secret)
    doc = json.loads(first.stdout)
    assert doc["agency"] == "bkpsdmd" and doc["pq"] is True and doc["keystore_created"]
    again = run("keys", "init", "--agency", "bkpsdmd", "--passphrase-file", secret)
    error, hint = assert_one_error(again, 2)
    assert "sandi keys rotate" in error + hint
    other = run("keys", "init", "--agency", "inspektorat", "--passphrase-file", secret)
    assert other.exit_code == 0, other.stderr
    listed = run("keys", "list", "--passphrase-file", secret)
    assert listed.exit_code == 0
    assert "bkpsdmd" in listed.stdout and "inspektorat" in listed.stdout
    assert "No pola is installed" in listed.stdout


def test_keys_list_shows_the_state_in_the_pola(run: Run, passfile: Path,
                                               world: DemoWorld) -> None:
    result = run("keys", "list", "--json", "--passphrase-file", passfile)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["pola"] == {"id": "kota-contoh", "version": 1}
    assert len(doc["keys"]) == len(world.pola.agencies)
    assert {k["state"] for k in doc["keys"]} == {"current"}
    setda = next(k for k in doc["keys"] if k["agency"] == "setda")
    assert setda["fingerprint"] == world.pola.agency("setda").current.keys.fingerprint()
    human = run("keys", "list", "--passphrase-file", passfile)
    assert "current" in human.stdout and "FINGERPRINT" in human.stdout


def test_pola_show(run: Run, world: DemoWorld) -> None:
    result = run("pola", "show")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert world.pola.name in out and "kota-contoh v1" in out
    assert "Peraturan Wali Kota Contoh Nomor 17 Tahun 2026" in out
    assert "signed 2/3 (threshold 2)" in out and "Agencies (40)" in out
    assert "dispendukcapil" in out and "Dinas Kesehatan" in out
    assert "allow * -> * up to Terbatas" in out and "deny" in out


def test_pola_show_json_and_matrix(run: Run, world: DemoWorld) -> None:
    result = run("pola", "show", "--json", "--matrix")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "sandi.pola/1" and doc["id"] == "kota-contoh"
    assert doc["authority"]["signed"] == 2 and doc["authority"]["threshold"] == 2
    assert len(doc["authority"]["keys"]) == 3 and len(doc["agencies"]) == 40
    matrix = doc["matrix"]
    assert matrix["dispendukcapil"]["dinkes"] == "rahasia"
    assert matrix["setda"]["inspektorat"] == "sangat-rahasia"
    for sender in ("dinkes", "rsud", "kec-utara"):
        for recipient, level in matrix[sender].items():
            allowed = [lv.slug for lv in sandi.Classification
                       if world.pola.may_send(sender, recipient, lv)]
            assert level == (allowed[-1] if allowed else None)


def test_pola_show_matrix_text(run: Run) -> None:
    out = run("pola", "show", "--matrix").stdout
    row = next(line for line in out.splitlines() if line.strip().startswith("7  disp"))
    cells = row.split()[2:]
    assert len(cells) == 40 and cells[6] == "\u00b7"
    assert set(cells) <= {"B", "T", "R", "SR", "-", "\u00b7"}
    assert "SR Sangat Rahasia" in out


def test_pola_update_first_install_needs_the_fingerprint(world: DemoWorld,
                                                         tmp_path: Path) -> None:
    run = make_run(tmp_path / "new-home")
    pola_file = tmp_path / "pola.sandi"
    shutil.copy(world.home.pola_path, pola_file)
    refused = run("pola", "update", pola_file)
    error, _ = assert_one_error(refused, 1)
    fingerprint = world.pola.authority.fingerprint()
    assert fingerprint in error and "--fingerprint" in error
    installed = run("pola", "update", pola_file, "--fingerprint", fingerprint.lower())
    assert installed.exit_code == 0, installed.stderr
    assert "kota-contoh v1" in installed.stdout
    again = run("--json", "pola", "update", pola_file)
    found = json.loads(again.stdout)
    assert found.pop("freshness")["required"] is True  # no statement beside it: the pola's own
    assert found == {"id": "kota-contoh", "version": 1, "previous_version": 1, "changed": False}
    assert run("verify", "--help").exit_code == 0


def test_pola_update_refuses_junk(tmp_path: Path) -> None:
    junk = tmp_path / "pola.sandi"
    junk.write_bytes(b"not a pola")
    assert_one_error(make_run(tmp_path / "h")("pola", "update", junk, "--fingerprint", "X"), 1)


@pytest.mark.parametrize("command", [["pola", "show"], ["verify", "x"]])
def test_pola_missing(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "x").write_bytes(b"x")
    (tmp_path / "h").mkdir()  # a home without a pola (a missing home: test_cli_hints)
    run = make_run(tmp_path / "h")
    result = run(*[str(tmp_path / c) if c == "x" else c for c in command])
    _, hint = assert_one_error(result, 2)
    assert "sandi pola update" in hint
