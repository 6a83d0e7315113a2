"""``sandi rewrap`` as custodians meet it: kill -9, two at once, armored files, forgeries.

Issue 15 item 4: a ``kill -9`` of ``sandi rewrap`` left its workers running, holding
the agency's decrypted private keys and rewrapping 85 more files with no audit
record, and holding the caller's pipes open; two rewraps of one archive at once
reported 305 false failures; ``.sandi.txt`` envelopes were skipped while ``--retire``
retired the old key. Issue 14 item 8: rewrap rewrote files without verifying them, so
a forged envelope got a fresh stanza. Issue 15 item 5: every rewrap has its record.
Real processes throughout; the kill test reads the workers from ``/proc``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

import sandi
from sandi.authority.authoring import compile_source, parse_source, sign_body
from sandi.demo import DEMO_PASSPHRASE, demo_world, example_source
from sandi.envelope.armor import dearmor
from sandi.envelope.format import parse_header
from sandi.envelope.rewrapping import rewrap
from sandi.errors import SignatureInvalid
from sandi.keys.keystore import Keystore
from sandi.keys.secretfile import KdfParams
from sandi.pola.model import KeyState, KeyVersion

US, SENDER = "inspektorat", "setda"
CLI = [sys.executable, "-m", "sandi_cli"]


@dataclass(frozen=True)
class Custodian:
    """Inspektorat's home after its rotation to v2 (keystore: v1 and v2; pola v2)."""

    home: Path
    secret: Path
    world: sandi.demo.DemoWorld

    def run(self, *args: str | Path, **kw: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*CLI, "--home", str(self.home), *map(str, args),
                               "--passphrase-file", str(self.secret)], capture_output=True,
                              text=True, check=False, **kw)  # type: ignore[call-overload]

    def popen(self, *args: str | Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen([*CLI, "--home", str(self.home), *map(str, args),
                                 "--passphrase-file", str(self.secret)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def seal(self, folder: Path, n: int, size: int = 1024, *, armor: bool = False) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        src = folder.parent / "src.bin"
        for i in range(n):
            src.write_bytes(os.urandom(size))
            name = f"nota-{i:04}.sandi" + (".txt" if armor else "")
            sandi.seal_file(src, folder / name, sender=self.world.keystore.identity(SENDER),
                            to=[US], classification="rahasia", pola=self.world.pola,
                            armor=armor)
        src.unlink()


@pytest.fixture(scope="module")
def custodian(tmp_path_factory: pytest.TempPathFactory) -> Custodian:
    root = tmp_path_factory.mktemp("rewrap-custody")
    world = demo_world(root / "city", kdf=KdfParams.TEST)
    v1, v2 = world.keystore.get(US, 1), world.keystore.generate(US, pq=True)  # rahasia: hybrid
    source = parse_source(example_source())
    source["pola"]["version"] = 2
    keys = {a.id: list(a.keys) for a in world.pola.agencies}
    keys[US] = [world.pola.agency(US).current.retire(v2.created_at),
                KeyVersion(2, v2.public, KeyState.CURRENT, v2.created_at)]
    body = compile_source(source, keys=keys, authority_keys=[a.public for a in world.authority],
                          threshold=2, issued_at=datetime.now(UTC),
                          timestamp_key=world.timestamp.public)
    rotated = sign_body(body, world.authority[:2]).to_bytes()
    home = root / "home"
    shutil.copytree(world.home.path, home,
                    ignore=shutil.ignore_patterns("keystore.*", "audit*", "dinkes-workstation"))
    Keystore.create(home, passphrase=DEMO_PASSPHRASE, kdf=KdfParams.TEST).add_keys([v1, v2])
    sandi.Home(home).install_pola(rotated)
    secret = root / "passphrase"
    secret.write_text(DEMO_PASSPHRASE + "\n")
    secret.chmod(0o600)
    return Custodian(home, secret, world)


def _version(path: Path) -> int:
    data = path.read_bytes()
    if path.name.endswith(".txt"):
        data = dearmor(data)
    return parse_header(data)[0].stanzas[0].key_version


def _records(home: Path) -> list[tuple[str, str, str]]:
    """(action, outcome, doc_id) of every record, read without the library."""
    with sqlite3.connect(f"file:{home / 'audit.db'}?mode=ro", uri=True) as db:
        return list(db.execute("SELECT action, outcome, doc_id FROM records ORDER BY seq"))


def _progress(home: Path) -> list[tuple[str, str, str]]:
    """The records so far, while the log may still be being created."""
    try:
        return _records(home)
    except sqlite3.OperationalError:
        return []


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text().split()
        found |= {int(c) for c in text}
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie holds nothing: no memory, no keys, no files


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads workers from /proc")
def test_kill_9_of_rewrap_leaves_no_worker_and_no_unrecorded_file(
        custodian: Custodian, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(custodian.home, home)
    archive = tmp_path / "arsip"
    custodian.seal(archive, 240, 192 * 1024)
    me = replace(custodian, home=home)
    proc = me.popen("rewrap", archive, "--jobs", "2")
    deadline = time.monotonic() + 60
    while len(_progress(home)) < 5:
        assert time.monotonic() < deadline and proc.poll() is None, "no progress"
        time.sleep(0.02)
    workers = _children(proc.pid)
    assert workers, "no worker process"
    proc.kill()  # SIGKILL: no handler runs
    proc.wait()
    try:
        _gone(proc, workers)
    finally:  # should the property fail, leave nothing behind (we started them)
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGKILL)
    moved = {p.name for p in _envelopes(archive) if _version(p) == 2}
    time.sleep(1.0)
    assert {p.name for p in _envelopes(archive) if _version(p) == 2} == moved
    assert 0 < len(moved) < 240, len(moved)
    # Every file rewritten has its record (written before the file was).
    recorded = {doc for action, outcome, doc in _records(home) if action == "rewrap"}
    docs = {_doc_id(archive / name) for name in moved}
    assert docs <= recorded, len(docs - recorded)
    # A second run finishes the archive (and removes a turn file the kill left, where
    # the folder's turn is a lock file: SANDI_PORTABLE=1).
    again = me.run("--json", "rewrap", archive, "--jobs", "2")
    assert again.returncode == 0, again.stderr
    assert {_version(p) for p in archive.iterdir()} == {2}


def _envelopes(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith((".sandi", ".sandi.txt"))]


def _gone(proc: subprocess.Popen[bytes], workers: set[int]) -> None:
    """The caller's pipes reach EOF (no worker holds them), and the workers are gone."""
    assert proc.stdout is not None and proc.stderr is not None
    pipes = (proc.stdout, proc.stderr)
    reader = threading.Thread(target=lambda: [pipe.read() for pipe in pipes], daemon=True)
    reader.start()
    reader.join(timeout=5)
    assert not reader.is_alive(), "a worker still holds the caller's pipes"
    deadline = time.monotonic() + 5
    while any(_alive(w) for w in workers):
        assert time.monotonic() < deadline, f"workers still alive: {workers}"
        time.sleep(0.05)


def _doc_id(path: Path) -> str:
    return parse_header(path.read_bytes())[0].signed.doc_id.hex()


def test_two_rewraps_of_one_archive_take_turns(custodian: Custodian, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(custodian.home, home)
    archive = tmp_path / "arsip"
    custodian.seal(archive, 60)
    me = replace(custodian, home=home)
    first, second = (me.popen("--json", "rewrap", archive) for _ in range(2))
    reports = []
    for proc in (first, second):
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr.decode()  # no false failure
        reports.append((json.loads(stdout), stderr.decode()))
    assert sum(r["rewrapped"] for r, _ in reports) == 60
    assert all(r["failed"] == 0 for r, _ in reports)
    assert any("another sandi rewrap is working on" in err for _, err in reports)
    rewraps = [r for r in _records(home) if r[0] == "rewrap"]
    assert len(rewraps) == 60 and {o for _, o, _ in rewraps} == {"ok"}


def test_armored_envelopes_are_rewrapped_before_the_old_key_is_retired(
        custodian: Custodian, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(custodian.home, home)
    archive = tmp_path / "arsip"
    custodian.seal(archive, 2)
    custodian.seal(archive, 2, armor=True)
    me = replace(custodian, home=home)
    report = json.loads(me.run("--json", "rewrap", archive, "--retire", cwd=tmp_path).stdout)
    assert (report["files"], report["rewrapped"]) == (4, 4)
    assert {_version(p) for p in archive.iterdir()} == {2}
    armored = sorted(archive.glob("*.sandi.txt"))
    assert armored[0].read_text().startswith("-----BEGIN SANDI ENVELOPE-----\n")
    only_v2 = Keystore.create(tmp_path / "v2", passphrase="x", kdf=KdfParams.TEST)
    only_v2.add_keys([Keystore.open(home, passphrase=DEMO_PASSPHRASE).get(US, 2)])
    pola = sandi.Home(home).pola()
    for path in armored:
        assert sandi.open(path.read_bytes(), keystore=only_v2, pola=pola).sender == SENDER
    assert report["retire"]["requests"]  # only now is v1 retired


def test_a_forged_envelope_is_reported_not_rewrapped(custodian: Custodian,
                                                     tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(custodian.home, home)
    archive = tmp_path / "arsip"
    custodian.seal(archive, 3)
    forged = archive / "nota-0001.sandi"
    data = bytearray(forged.read_bytes())
    data[-1] ^= 1  # the sender's signature no longer verifies; the stanza still unwraps
    forged.write_bytes(bytes(data))
    keystore = Keystore.open(home, passphrase=DEMO_PASSPHRASE)
    pola = sandi.Home(home).pola()
    with pytest.raises(SignatureInvalid):
        rewrap(bytes(data), keystore=keystore, pola=pola)
    result = replace(custodian, home=home).run("--json", "rewrap", archive)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert (report["rewrapped"], report["failed"]) == (2, 1)  # honest control: the others
    failed = next(r for r in report["results"] if r["outcome"] == "failed")
    assert failed["path"].endswith("nota-0001.sandi") and failed["error"] == "SignatureInvalid"
    assert forged.read_bytes() == bytes(data) and _version(forged) == 1
    assert [o for a, o, _ in _records(home) if a == "rewrap"].count("refused") == 1
