"""seal -> verify -> open through the CLI, human and JSON output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clitools import Run

import sandi
from sandi.demo import DemoWorld
from sandi_cli.seal import sender_of

LETTER = "Nota dinas: data penduduk rentan untuk pelayanan imunisasi.\n" * 40


def seal(run: Run, src: Path, passfile: Path, *extra: str) -> None:
    result = run("seal", src, "--from", "dispendukcapil", "--to", "dinkes",
                 "--classification", "rahasia", "--passphrase-file", passfile, *extra)
    assert result.exit_code == 0, result.stderr


def test_seal_verify_open_round_trip(run: Run, tmp_path: Path, passfile: Path) -> None:
    src = tmp_path / "nota.txt"
    src.write_text(LETTER, encoding="utf-8")
    seal(run, src, passfile, "--perihal", "Data penduduk rentan", "--kecepatan", "segera")
    envelope = tmp_path / "nota.txt.sandi"
    assert envelope.exists()

    checked = run("verify", envelope)
    assert checked.exit_code == 0, checked.stderr
    for expected in ("Dinas Kependudukan dan Pencatatan Sipil (dispendukcapil)",
                     "dispendukcapil, key v1", "dinkes", "Rahasia", "Segera",
                     "kota-contoh v1", "signature:", "valid", "policy:", "allowed"):
        assert expected in checked.stdout

    src.rename(tmp_path / "original.txt")
    opened = run("open", envelope, "--passphrase-file", passfile)
    assert opened.exit_code == 0, opened.stderr
    assert (tmp_path / "nota.txt").read_text(encoding="utf-8") == LETTER  # name from metadata
    assert "Opened" in opened.stdout and "Data penduduk rentan" in opened.stdout
    assert str(tmp_path / "nota.txt") in opened.stdout  # Opened.path, where it went
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_seal_and_open_with_explicit_outputs(run: Run, tmp_path: Path,
                                             passfile: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_bytes(b"\x00\x01binary\xff" * 1000)
    seal(run, src, passfile, "-o", tmp_path / "out.env")
    result = run("open", tmp_path / "out.env", "-o", tmp_path / "back.bin",
                 "--passphrase-file", passfile)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "back.bin").read_bytes() == src.read_bytes()
    assert (tmp_path / "back.bin").stat().st_mode & 0o077 == 0  # plaintext stays private


def test_passphrase_from_env_file_and_prompt(run: Run, tmp_path: Path,
                                             passfile: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("a", encoding="utf-8")
    by_env = run("seal", src, "--from", "setda", "--to", "inspektorat", "--klasifikasi",
                 "Sangat Rahasia", env={"SANDI_PASSPHRASE_FILE": str(passfile)})
    assert by_env.exit_code == 0, by_env.stderr
    by_prompt = run("open", tmp_path / "a.txt.sandi", "-o", tmp_path / "b.txt",
                    input=sandi.demo.DEMO_PASSPHRASE + "\n")
    assert by_prompt.exit_code == 0, by_prompt.stderr
    assert sandi.demo.DEMO_PASSPHRASE not in by_prompt.output  # the prompt hides it
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == "a"


def test_verify_json_schema(run: Run, tmp_path: Path, passfile: Path) -> None:
    src = tmp_path / "nota.txt"
    src.write_text(LETTER, encoding="utf-8")
    seal(run, src, passfile)
    result = run("verify", tmp_path / "nota.txt.sandi", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) == {"schema", "document_id", "sender", "signer", "to", "classification",
                        "classification_label", "urgency", "created_at", "pola", "suite",
                        "signature", "policy", "witnessed_at", "receipts"}
    assert doc["schema"] == "sandi.verify/1"
    assert len(doc["document_id"]) == 32 and int(doc["document_id"], 16) >= 0
    assert doc["sender"] == {"id": "dispendukcapil",
                             "name": "Dinas Kependudukan dan Pencatatan Sipil"}
    assert doc["signer"] == {"id": "dispendukcapil", "key_version": 1}
    assert doc["to"] == ["dinkes"]
    assert (doc["classification"], doc["classification_label"]) == ("rahasia", "Rahasia")
    assert doc["urgency"] == "biasa"
    assert doc["created_at"].endswith("Z") and "T" in doc["created_at"]
    assert doc["pola"] == {"id": "kota-contoh", "version": 1}
    assert doc["suite"] in {"classical", "hybrid"}
    assert (doc["signature"], doc["policy"]) == ("valid", "allowed")


def test_global_json_for_seal_and_open(run: Run, tmp_path: Path, passfile: Path) -> None:
    src = tmp_path / "x.txt"
    src.write_text("x", encoding="utf-8")
    sealed = run("--json", "seal", src, "--from", "dispendukcapil", "--to", "dinkes",
                 "--classification", "terbatas", "--passphrase-file", passfile)
    doc = json.loads(sealed.stdout)
    assert doc["output"].endswith("x.txt.sandi") and doc["classification"] == "terbatas"
    opened = run("--json", "open", doc["output"], "-o", tmp_path / "y.txt",
                 "--passphrase-file", passfile)
    back = json.loads(opened.stdout)
    assert back["document_id"] == doc["document_id"]
    assert back["filename"] == "x.txt" and back["warnings"] == []
    assert back["opened_with"]["agency"] == "dinkes"


def test_quiet_prints_nothing(run: Run, tmp_path: Path, passfile: Path) -> None:
    src = tmp_path / "q.txt"
    src.write_text("q", encoding="utf-8")
    result = run("-q", "seal", src, "--from", "setda", "--to", "dinkes",
                 "--classification", "biasa", "--passphrase-file", passfile)
    assert result.exit_code == 0 and result.stdout == ""


@pytest.mark.parametrize(("name", "saved", "warned"), [
    ("../../escape.txt", "escape.txt", True),
    ("C:\\dok\\nota.docx", "nota.docx", True),
    (".profile", "doc", True),
    ("surat.pdf", "surat.pdf", False),
])
def test_open_uses_only_a_plain_base_name_of_the_senders_file_name(
        world: DemoWorld, run: Run, tmp_path: Path, passfile: Path, name: str, saved: str,
        warned: bool) -> None:
    inner = tmp_path / "inbox"
    inner.mkdir()
    envelope = sandi.seal(b"payload", sender=world.keystore.identity("setda"),
                          to=["dinkes"], classification="rahasia", pola=world.pola,
                          filename=name)
    (inner / "doc.sandi").write_bytes(envelope)
    result = run("--json", "open", inner / "doc.sandi", "--passphrase-file", passfile)
    assert result.exit_code == 0, result.stderr
    assert (inner / saved).read_bytes() == b"payload"
    assert json.loads(result.stdout)["output"] == str(inner / saved)
    assert sorted(p.name for p in inner.iterdir()) == sorted(["doc.sandi", saved])
    assert not (tmp_path / "escape.txt").exists()
    assert ("sandi: warning:" in result.stderr) is warned


def test_open_into_a_directory(world: DemoWorld, run: Run, tmp_path: Path,
                               passfile: Path) -> None:
    envelope = tmp_path / "in.sandi"
    envelope.write_bytes(sandi.seal(b"isi", sender=world.keystore.identity("setda"),
                                    to=["dinkes"], classification="biasa", pola=world.pola,
                                    filename="laporan.txt"))
    out = tmp_path / "keluar"
    out.mkdir()
    result = run("open", envelope, "-o", out, "--passphrase-file", passfile)
    assert result.exit_code == 0, result.stderr
    assert (out / "laporan.txt").read_bytes() == b"isi"


def test_sender_is_the_only_agency_held(world: DemoWorld) -> None:
    class One:
        def agencies(self) -> list[str]:
            return ["diskominfo"]

    session = type("S", (), {"t": staticmethod(lambda *a, **k: "")})()
    assert sender_of(session, One(), None) == "diskominfo"  # type: ignore[arg-type]
    assert sender_of(session, world.keystore, "setda") == "setda"  # type: ignore[arg-type]


def test_several_agencies_need_from(run: Run, tmp_path: Path, passfile: Path) -> None:
    src = tmp_path / "s.txt"
    src.write_text("s", encoding="utf-8")
    result = run("seal", src, "--to", "dinkes", "--classification", "biasa",
                 "--passphrase-file", passfile)
    assert result.exit_code == 2
    assert "--from" in result.stderr and "40 agencies" in result.stderr
