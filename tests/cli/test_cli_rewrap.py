"""``sandi rewrap``: a whole archive moves to the new key version, in parallel, with
a per-file report, audit records, and retirement of the old version once no
scanned envelope needs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from city import City, build_city, doc, ok
from clitools import make_run

import sandi
from sandi_cli.rewrap import collect, default_workers


def _archive(city: City, root: Path) -> Path:
    """Three envelopes for bkpsdmd (one in a subdirectory), one it did not receive."""
    archive = root / "arsip"
    (archive / "2026").mkdir(parents=True)
    for n, where in enumerate((archive, archive, archive / "2026"), 1):
        src = root / f"nota-{n}.txt"
        src.write_text(f"nota dinas {n}\n", encoding="utf-8")
        shutil.move(city.seal(city.a, src, "bkpsdmd")["output"], where / f"nota-{n}.sandi")
    src = root / "balasan.txt"
    src.write_text("balasan\n", encoding="utf-8")
    shutil.move(city.seal(city.b, src, "diskominfo")["output"], archive / "balasan.sandi")
    (archive / "catatan.txt").write_text("not an envelope, not scanned", encoding="utf-8")
    return archive


def _rotate_b(city: City) -> None:
    rotated = doc(city.b("--json", "keys", "rotate", "--agency", "bkpsdmd",
                         "--passphrase-file", city.home_pass))
    ok(city.pola("request", rotated["request"]))
    city.publish()
    city.update()


def test_rewrap_an_archive_in_parallel(tmp_path: Path) -> None:
    city = build_city(tmp_path)
    archive = _archive(city, tmp_path)
    (archive / "rusak.sandi").write_bytes(b"SANDE\x01 truncated")
    _rotate_b(city)

    failed = city.b("--json", "rewrap", archive, "--jobs", "2", "--retire",
                    "--passphrase-file", city.home_pass)
    assert failed.exit_code == 1
    report = json.loads(failed.stdout)
    assert (report["files"], report["rewrapped"], report["already_current"],
            report["not_addressed"], report["failed"]) == (5, 3, 0, 1, 1)
    assert report["retire"] == {"asked": True, "blocked": True, "requests": []}
    broken = next(r for r in report["results"] if r["outcome"] == "failed")
    assert broken["path"].endswith("rusak.sandi") and broken["error"] == "MalformedEnvelope"
    error, hint = failed.stderr.strip().splitlines()[-2:]
    assert error == "sandi: error: 1 of 5 envelopes could not be rewrapped"
    assert hint.startswith("sandi: hint: ")
    assert not list(Path().glob("*-superseded.request"))

    (archive / "rusak.sandi").unlink()
    again = ok(city.b("rewrap", archive, "--retire", "--passphrase-file", city.home_pass))
    assert "4 envelopes: 0 rewrapped, 3 already current, 1 not addressed to us, 0 failed." \
        in again.stdout
    retire = Path("bkpsdmd-v1-superseded.request")
    assert retire.exists() and "bkpsdmd-v1-superseded.request" in again.stdout
    parsed = sandi.authority.requests.read_request(retire.read_bytes())
    assert isinstance(parsed, sandi.authority.RevokeRequest)
    assert (parsed.kind.value, parsed.version, parsed.reason.value, parsed.signed_by) == (
        "revoke", 1, "superseded", 2)

    opened = doc(city.b("--json", "open", archive / "2026" / "nota-3.sandi", "-o",
                        tmp_path / "out.txt", "--passphrase-file", city.home_pass))
    assert opened["opened_with"] == {"agency": "bkpsdmd", "key_version": 2}
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "nota dinas 3\n"

    records = doc(city.b("--json", "audit", "show"))["records"]
    rewraps = [(r["outcome"], r["error"]) for r in records if r["action"] == "rewrap"]
    assert sorted(rewraps) == [("ok", "")] * 3 + [("refused", "MalformedEnvelope")]
    assert any(r["action"] == "revoke" and r["doc_id"] == "bkpsdmd v1" for r in records)


def test_rewrap_refuses_a_current_key_it_cannot_open(tmp_path: Path) -> None:
    city = build_city(tmp_path)
    archive = _archive(city, tmp_path)
    shares = doc(city.b("--json", "keys", "backup", "--shares", "2", "--threshold", "2",
                        "--passphrase-file", city.home_pass))["shares"]
    (tmp_path / "shares.txt").write_text("\n".join(shares) + "\n", encoding="utf-8")
    _rotate_b(city)
    old = make_run(tmp_path / "c")  # restored from the backup made before the rotation
    ok(old("keys", "restore", "--backup", tmp_path / "b" / "backup.sandi", "--shares-file",
           tmp_path / "shares.txt", "--passphrase-file", city.home_pass))
    city.update(old)
    before = {p: p.read_bytes() for p in archive.rglob("*.sandi")}
    result = old("rewrap", archive, "--passphrase-file", city.home_pass)
    assert result.exit_code == 2 and "lock you out" in result.stderr
    assert {p: p.read_bytes() for p in archive.rglob("*.sandi")} == before


def test_rewrap_quiet_single_file_already_current(tmp_path: Path) -> None:
    city = build_city(tmp_path)
    src = tmp_path / "x.txt"
    src.write_text("x", encoding="utf-8")
    envelope = city.seal(city.a, src, "bkpsdmd")["output"]
    result = ok(city.b("-q", "rewrap", envelope, "--retire", "--passphrase-file",
                       city.home_pass))
    assert result.stdout == ""


def test_collect_and_default_workers(tmp_path: Path) -> None:
    (tmp_path / "d" / "e").mkdir(parents=True)
    for name in ("d/b.sandi", "d/a.sandi", "d/e/c.sandi", "d/skip.txt"):
        (tmp_path / name).write_bytes(b"")
    found = collect((tmp_path / "d", tmp_path / "d" / "a.sandi", tmp_path / "d" / "skip.txt"))
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "d/a.sandi", "d/b.sandi", "d/e/c.sandi", "d/skip.txt"]
    assert default_workers(3) == 1 and default_workers(0) == 1
