"""Nothing is released or published without its audit record, whatever the kill.

Issue 15 item 5: ``sandi seal`` and ``sandi open`` published their output before they
appended the record, so a ``kill -9`` in between left a document released with no
record (3 opens and 5 seals in the runs). Now the record is appended once everything
is verified and before the library publishes (``before_publish``). Killed before any
one of its file-system or SQLite calls (tests/killpoints.py), a command that left its
output on disk has its record in the log; the log's chain always verifies.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from killpoints import Zygote

import sandi
from sandi.audit.log import AuditLog
from sandi.demo import DEMO_PASSPHRASE, demo_world
from sandi.keys.keystore import Keystore
from sandi.keys.secretfile import KdfParams


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home holding setda and inspektorat, an envelope from setda to inspektorat, a
    document, and the passphrase file, side by side."""
    root = tmp_path_factory.mktemp("audit-kill")
    world = demo_world(root / "city", kdf=KdfParams.TEST)
    home = root / "home"
    shutil.copytree(world.home.path, home,
                    ignore=shutil.ignore_patterns("keystore.*", "audit*", "dinkes-workstation"))
    Keystore.create(home, passphrase=DEMO_PASSPHRASE, kdf=KdfParams.TEST).add_keys(
        [world.keystore.get("setda", 1), world.keystore.get("inspektorat", 1)])
    (root / "nota.txt").write_text("Nota Dinas 001/2026\n")
    sandi.seal_file(root / "nota.txt", root / "masuk.sandi",
                    sender=world.keystore.identity("setda"), to=["inspektorat"],
                    classification="rahasia", pola=world.pola)
    (root / "passphrase").write_text(DEMO_PASSPHRASE + "\n")
    (root / "passphrase").chmod(0o600)
    return root


def _records(home: Path) -> list[tuple[str, str, str]]:
    if not (home / "audit.db").exists():
        return []
    try:
        with sqlite3.connect(home / "audit.db") as db:
            return list(db.execute("SELECT action, outcome, doc_id FROM records ORDER BY seq"))
    except sqlite3.OperationalError:  # killed before the table was made
        return []


COMMANDS = {
    "open": (["open", "masuk.sandi", "-o", "keluar.txt"], "keluar.txt"),
    "seal": (["seal", "nota.txt", "--from", "setda", "--to", "inspektorat",
              "--classification", "rahasia", "-o", "keluar.sandi"], "keluar.sandi"),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_kill_9_never_leaves_an_output_without_its_record(
        template: Path, tmp_path: Path, command: str) -> None:
    args, output = COMMANDS[command]

    def trial(zygote: Zygote, n: int, kill_at: int) -> tuple[Path, bool]:
        work = tmp_path / f"t-{n}"
        shutil.copytree(template, work, ignore=shutil.ignore_patterns("city"))
        result = zygote.run(["--home", str(work / "home"), *args, "--passphrase-file",
                             str(work / "passphrase")], cwd=work, kill_at=kill_at)
        assert result.killed or result.code == 0, result.log
        return work, result.killed

    with Zygote(tmp_path) as zygote:
        work, _ = trial(zygote, 0, 0)
        points = int((tmp_path / "points-1").read_text())
        print(f"{command}: {points} kill points")
        assert [(a, o) for a, o, _ in _records(work / "home")] == [(command, "ok")]
        released = 0
        for kill_at in range(1, points + 1):
            work, killed = trial(zygote, kill_at, kill_at)
            assert killed
            records = _records(work / "home")
            if (work / output).exists():
                released += 1
                assert (command, "ok") in [(a, o) for a, o, _ in records], kill_at
            if records:
                assert AuditLog(work / "home" / "audit.db").verify().size == len(records)
        assert released > 0  # some kills landed after the publish, as they should
