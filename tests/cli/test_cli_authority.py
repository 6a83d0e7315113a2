"""The persandian authority's commands, and the whole life of a pola by CLI only:
custodian keys, a 2-of-3 workspace, enrollment, rules, build/sign/publish, first
install by fingerprint, seal and open between two homes, a key rotation carried
through to a rewrap, and a compromised key whose old documents stop verifying."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from city import City, build_city, doc, ok
from clitools import Run, assert_one_error, make_run, write_secret

import sandi

LETTER = b"Nota dinas: rekap data pegawai untuk verifikasi tunjangan.\n" * 50


def test_the_whole_flow_by_cli_only(tmp_path: Path) -> None:
    city = build_city(tmp_path)
    assert (tmp_path / "k1.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "k1.key.pub").read_text().startswith("kustodian-1 ")
    shown = ok(city.a("pola", "show")).stdout
    assert "kota-uji v1" in shown and "signed 2/3 (threshold 2)" in shown
    assert city.fingerprint in shown

    # diskominfo -> bkpsdmd, and a reply signed by bkpsdmd's first key
    archive = tmp_path / "arsip"
    archive.mkdir()
    (archive / "nota.txt").write_bytes(LETTER)
    sealed = city.seal(city.a, archive / "nota.txt", "bkpsdmd")
    (archive / "nota.txt").unlink()
    (tmp_path / "balasan.txt").write_bytes(b"diterima")
    reply = city.seal(city.b, tmp_path / "balasan.txt", "diskominfo", "terbatas")
    shutil.move(reply["output"], archive / "balasan.txt.sandi")
    time.sleep(1)  # v1 retires when v2 is published, a second later at least (times are whole)
    opened = doc(city.b("--json", "open", sealed["output"], "--passphrase-file",
                        city.home_pass))
    assert opened["opened_with"] == {"agency": "bkpsdmd", "key_version": 1}
    assert (archive / "nota.txt").read_bytes() == LETTER
    (archive / "nota.txt").unlink()

    # bkpsdmd rotates; the authority applies the request and publishes v2
    rotated = doc(city.b("--json", "keys", "rotate", "--agency", "bkpsdmd",
                         "--passphrase-file", city.home_pass, "--request-out", tmp_path))
    assert rotated["version"] == 2 and rotated["request"].endswith("bkpsdmd-v2.request")
    applied = doc(city.auth("--json", "pola", "request", rotated["request"], "--dir",
                            city.ws))
    assert applied == {"kind": "rotate", "agency": "bkpsdmd", "version": 2, "signed_by": 1,
                       "fingerprint": rotated["fingerprint"]}
    assert city.publish((1, 3))["version"] == 2
    city.update()

    # rewrap the archive to v2 (ask for retirement too), then open with the new key
    summary = doc(city.b("--json", "rewrap", archive, "--retire", "--passphrase-file",
                         city.home_pass, "--request-out", tmp_path))
    assert (summary["rewrapped"], summary["not_addressed"], summary["failed"]) == (1, 1, 0)
    assert [r["version"] for r in summary["retire"]["requests"]] == [1]
    reopened = doc(city.b("--json", "open", sealed["output"], "--passphrase-file",
                          city.home_pass))
    assert reopened["opened_with"] == {"agency": "bkpsdmd", "key_version": 2}
    assert (archive / "nota.txt").read_bytes() == LETTER
    assert ok(city.a("verify", sealed["output"])).exit_code == 0  # the signature still holds

    # bkpsdmd v1 turns out to be compromised: its old reply must stop verifying
    assert ok(city.a("verify", archive / "balasan.txt.sandi")).exit_code == 0
    revoked = doc(city.b("--json", "keys", "revoke", "--agency", "bkpsdmd", "--version", "1",
                         "--reason", "compromised", "--request-out", tmp_path,
                         "--passphrase-file", city.home_pass))
    ok(city.pola("request", revoked["request"]))
    city.publish((2, 3))
    city.update(city.a)
    error, hint = assert_one_error(city.a("verify", archive / "balasan.txt.sandi"), 1)
    assert "revoked as compromised" in error and "seal again" in hint

    diffed = doc(city.auth("--json", "pola", "diff", city.ws / "published/pola-v1.sandi",
                           city.ws / "pola.sandi"))
    assert (diffed["old"]["version"], diffed["new"]["version"]) == (1, 3)
    changes = [(tuple(map(tuple, c["path"])), c.get("old"), c.get("new"))
               for c in diffed["changes"] if c["kind"] == "changed"]
    assert ((("agencies", "bkpsdmd"), ("keys", 1), ("state", None)), "current",
            "revoked") in changes
    assert ((("agencies", "bkpsdmd"), ("keys", 1), ("reason", None)), None,
            "compromised") in changes
    assert any(c["kind"] == "added" and c["path"] == [["agencies", "bkpsdmd"], ["keys", 2]]
               for c in diffed["changes"])
    shown = ok(city.auth("--lang", "id", "pola", "diff", city.ws / "published/pola-v1.sandi",
                         city.ws / "pola.sandi")).stdout
    assert "~ instansi bkpsdmd, kunci v1, status: berlaku -> dicabut" in shown
    assert ("~ instansi bkpsdmd, kunci v1, alasan: - -> bocor (tidak ada tanda tangannya yang"
            " dipercaya)") in shown
    assert "revoked" not in shown and "compromised" not in shown


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    """A published city shared by the tests below (they do not change it)."""
    return build_city(tmp_path_factory.mktemp("city"))


def _copy(city: City, tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    shutil.copytree(city.ws, ws)
    return ws


def test_publish_needs_the_threshold(city: City, tmp_path: Path) -> None:
    ws = _copy(city, tmp_path)
    ok(city.auth("pola", "deny", "bkpsdmd", "diskominfo", "--from-level", "rahasia",
                 "--dir", ws))
    ok(city.auth("pola", "build", "--dir", ws))
    signed = doc(city.auth("--json", "pola", "sign", "--yes", "--dir", ws, "--key", city.key(1),
                           "--passphrase-file", city.custodian_pass))
    assert signed["signed"] == ["kustodian-1"] and not signed["complete"]
    before = (ws / "pola.sandi").read_bytes()
    error, _ = assert_one_error(city.auth("pola", "publish", "--dir", ws), 1)
    assert "too few" in error
    assert (ws / "pola.sandi").read_bytes() == before


def test_authority_rotation_needs_old_and_new_custodians(city: City, tmp_path: Path) -> None:
    ws = _copy(city, tmp_path)
    ok(city.auth("pola", "keygen", "--id", "kustodian-4", "--name", "Kustodian 4", "-o",
                 tmp_path / "k4.key", "--passphrase-file", city.custodian_pass))
    changed = doc(city.auth("--json", "pola", "authority", "--dir", ws, "--threshold", "2",
                            "--custodian", f"{city.key(3)}.pub", "--custodian",
                            tmp_path / "k4.key.pub"))
    assert changed["previous"]["custodians"] == ["kustodian-1", "kustodian-2", "kustodian-3"]
    built = ok(city.auth("pola", "build", "--dir", ws)).stdout
    assert "previous custodians must sign too" in built
    for key in (city.key(3), tmp_path / "k4.key"):
        ok(city.auth("pola", "sign", "--yes", "--dir", ws, "--key", key, "--passphrase-file",
                     city.custodian_pass))
    assert_one_error(city.auth("pola", "publish", "--dir", ws), 1)  # only 1 of the old
    last = doc(city.auth("--json", "pola", "sign", "--yes", "--dir", ws, "--key", city.key(1),
                         "--passphrase-file", city.custodian_pass))
    assert last["previous"] == {"signed": ["kustodian-1", "kustodian-3"], "threshold": 2,
                                "keys": 3}
    published = doc(city.auth("--json", "pola", "publish", "--dir", ws))
    assert published["authority_fingerprint"] != city.fingerprint


def test_workspace_misuse_is_a_usage_error(city: City, tmp_path: Path) -> None:
    empty = tmp_path / "kosong"
    error, _ = assert_one_error(city.auth("pola", "build", "--dir", empty), 2)
    assert "sandi pola init" in error
    error, _ = assert_one_error(city.auth("pola", "sign", "--dir", empty, "--key",
                                          city.key(1), "--passphrase-file",
                                          city.custodian_pass), 2)
    assert "sandi pola init" in error or "build" in error
    refused = city.auth("pola", "allow", "diskominfo", "dinas-fiktif", "--up-to", "biasa",
                        "--dir", _copy(city, tmp_path))
    assert refused.exit_code == 1 and "dinas-fiktif" in refused.stderr
    again = city.auth("pola", "keygen", "--id", "kustodian-1", "--name", "X", "-o",
                      city.key(1), "--passphrase-file", city.custodian_pass)
    assert_one_error(again, 2)


def test_keygen_asks_for_the_passphrase_twice(tmp_path: Path) -> None:
    run = make_run(tmp_path / "h")
    key = tmp_path / "k.key"
    mismatch = run("pola", "keygen", "--id", "k-1", "--name", "K", "-o", key,
                   input="satu dua tiga\nempat\n")
    assert mismatch.exit_code != 0 and not key.exists()
    made = run("pola", "keygen", "--id", "k-1", "--name", "K", "-o", key,
               input="satu dua tiga\nsatu dua tiga\n")
    assert made.exit_code == 0, made.stderr
    assert "satu dua tiga" not in made.output
    assert sandi.authority.load_custodian_key(key, "satu dua tiga").id == "k-1"


def test_agency_remove_and_request_errors(city: City, tmp_path: Path) -> None:
    ws = _copy(city, tmp_path)
    assert doc(city.auth("--json", "pola", "agency", "remove", "bkpsdmd", "--dir", ws)) == {
        "removed": "bkpsdmd"}
    assert "bkpsdmd" not in (ws / "pola.toml").read_text()
    junk = tmp_path / "junk.request"
    junk.write_bytes(b"bukan permintaan")
    assert_one_error(city.auth("pola", "request", junk, "--dir", ws), 1)
    enrollment = next(city.root.glob("diskominfo-v1.request"))
    error, _ = assert_one_error(city.auth("pola", "request", enrollment, "--dir", ws), 1)
    assert "agency add" in error


def test_diff_of_the_same_pola(city: City) -> None:
    same = city.auth("pola", "diff", city.ws / "pola.sandi", city.ws / "pola.sandi")
    assert ok(same).stdout.splitlines() == [
        "pola: kota-uji v1 [signed 2/3 (threshold 2)] -> kota-uji v1 [signed 2/3 (threshold 2)]",
        "No differences."]


def test_graph_dot_to_stdout_and_file(run: Run, tmp_path: Path) -> None:
    assert ok(run("pola", "graph")).stdout.startswith("digraph pola {")
    out = tmp_path / "pola.dot"
    written = doc(run("--json", "pola", "graph", "-o", out))
    assert written["format"] == "dot" and out.read_text().startswith("digraph pola {")
    assert_one_error(run("pola", "graph", "-o", out), 2)  # exists
    assert ok(run("pola", "graph", "-o", out, "--force")).exit_code == 0


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_graph_svg(city: City, tmp_path: Path) -> None:
    out = tmp_path / "pola.svg"
    ok(city.auth("pola", "graph", "--pola", city.ws / "pola.sandi", "-o", out))
    assert "<svg" in out.read_text()


def test_graph_without_graphviz_or_with_a_bad_suffix(run: Run, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    missing = run("pola", "graph", "-o", tmp_path / "pola.png")
    assert missing.exit_code == 2 and "Graphviz" in missing.stderr and ".dot" in missing.stderr
    assert not (tmp_path / "pola.png").exists()
    bad = run("pola", "graph", "-o", tmp_path / "pola.pdf")
    assert bad.exit_code == 2 and ".svg" in bad.stderr


def test_authority_help_in_indonesian(run: Run) -> None:
    helped = ok(run("--lang", "id", "pola", "--help")).stdout
    assert "Tandatangani" in helped or "tanda tangan" in helped
    assert "Penggunaan:" in ok(run("--lang", "id", "pola", "sign", "--help")).stdout


def test_custodian_passphrase_ignores_the_keystore_variable(city: City, tmp_path: Path) -> None:
    ws = _copy(city, tmp_path)
    ok(city.auth("pola", "build", "--dir", ws))
    wrong = write_secret(tmp_path / "keystore-pass.txt", "bukan kunci kustodian")
    result = city.auth("pola", "sign", "--yes", "--dir", ws, "--key", city.key(1),
                       env={"SANDI_PASSPHRASE_FILE": str(wrong)},
                       input=f"{city.custodian_pass.read_text().strip()}\n")
    assert result.exit_code == 0, result.stderr  # it prompted instead of using the file
