"""Guarantee 7 and rule 12: rewrap moves a recipient stanza to its agency's current key
version and keeps the signed header, the payload and the sender's signature byte for byte.

inspektorat rotates from v1 to v2 at T1; its custodian rewraps the archive so that
v1 is no longer needed. Rewriting a file is crash-safe: a journal makes an in-place
header write repeatable, and a real ``kill -9`` at random moments never leaves a file
that opens with neither key.
"""

from __future__ import annotations

import errno
import importlib
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import sandi
import sandi.keys.keystore
from sandi._internal.time import epoch
from sandi.authority.authoring import compile_source, parse_source, sign_body
from sandi.demo import DemoWorld, demo_world, example_source
from sandi.envelope.format import Stanza, encode_header, parse_header
from sandi.envelope.rewrapping import (
    JOURNAL_SUFFIX,
    Outcome,
    Rewrapped,
    recover,
    rewrap,
    rewrap_file,
)
from sandi.errors import (
    KeyNotFound,
    MalformedEnvelope,
    NotARecipient,
    StorageError,
    WrappedKeyInvalid,
)
from sandi.keys.keystore import AgencyKey, Keystore
from sandi.keys.secretfile import KdfParams
from sandi.pola.model import KeyState, KeyVersion
from sandi.pola.policy import Pola

T0 = datetime(2026, 1, 5, tzinfo=UTC)
T1 = T0 + timedelta(days=10)
#: When envelopes are opened and rewrapped (the rotated pola is in force).
LATER = T1 + timedelta(days=2)
US = "inspektorat"
PASSPHRASE = "kunci arsip inspektorat"
#: The module itself: ``sandi.envelope.rewrapping`` may name the function (the package exports
#: it lazily).
REWRAP_MODULE = importlib.import_module("sandi.envelope.rewrapping")
DOCUMENT = b"Laporan Hasil Pemeriksaan Khusus Nomor 700/017/LHP/2026"


@dataclass(frozen=True)
class Archive:
    """The demo city after inspektorat's rotation, and keystores of inspektorat's custodian."""

    world: DemoWorld
    original: Pola  # inspektorat v1 current
    rotated: Pola  # inspektorat v1 retired, v2 current
    home: Path  # a keystore holding inspektorat v1 and v2 (and nothing else)
    both: Keystore
    only_old: Keystore
    only_new: Keystore


def reissue(world: DemoWorld, version: int, keys: Mapping[str, Sequence[KeyVersion]]) -> Pola:
    source = parse_source(example_source())
    source["pola"]["version"] = version
    history = {a.id: list(a.keys) for a in world.pola.agencies}
    history.update({agency: list(v) for agency, v in keys.items()})
    body = compile_source(source, keys=history,
                          timestamp_key=world.timestamp.public,
                          authority_keys=[a.public for a in world.authority], threshold=2,
                          issued_at=T1)
    return Pola.from_bytes(sign_body(body, world.authority[:2]).to_bytes(),
                           trusted=world.pola, now=T1)


def keystore(home: Path, keys: list[AgencyKey]) -> Keystore:
    store = Keystore.create(home, passphrase=PASSPHRASE, kdf=KdfParams.TEST)
    store.add_keys(keys)
    return store


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    world = demo_world(tmp_path_factory.mktemp("kota") / "home", now=T0, kdf=KdfParams.TEST)
    v1 = world.keystore.get(US, 1)
    v2 = world.keystore.generate(US, now=T1)
    rotated = reissue(world, 2, {US: [
        world.pola.agency(US).current.retire(T1),
        KeyVersion(2, v2.public, KeyState.CURRENT, T1)]})
    home = tmp_path_factory.mktemp("inspektorat")
    yield Archive(world, world.pola, rotated, home, keystore(home, [v1, v2]),
                  keystore(tmp_path_factory.mktemp("old"), [v1]),
                  keystore(tmp_path_factory.mktemp("new"), [v2]))



def seal(a: Archive, to: Sequence[str], *, data: bytes = DOCUMENT,
         pola: Pola | None = None) -> bytes:
    pola = pola or a.original
    return sandi.seal(data, sender=a.world.keystore.identity("setda"), to=list(to),
                      classification="terbatas", pola=pola, now=T1 + timedelta(days=1))


def regions(env: bytes) -> tuple[bytes, tuple[Stanza, ...], bytes]:
    """(signed region, stanzas, payload and signature) of an envelope."""
    header, end = parse_header(env)
    return header.signed_region, header.stanzas, env[end:]


def opens_with(a: Archive, env: bytes) -> str:
    """Which of inspektorat's keystores opens ``env``: "old" or "new" (never both)."""
    for name, store in (("old", a.only_old), ("new", a.only_new)):
        try:
            doc = sandi.open(env, keystore=store, pola=a.rotated, now=LATER)
        except NotARecipient:
            continue
        assert doc.plaintext.startswith(DOCUMENT[:20])
        return name
    raise AssertionError("opens with neither key version")


# --- in memory ------------------------------------------------------------------------------


def test_rewrap_moves_our_stanza_and_keeps_everything_signed(archive: Archive) -> None:
    env = seal(archive, [US, "bpkad"])
    new, result = rewrap(env, keystore=archive.both, pola=archive.rotated)
    assert result == Rewrapped(Outcome.REWRAPPED, (US,), (1,))
    old_signed, old_stanzas, old_rest = regions(env)
    new_signed, new_stanzas, new_rest = regions(new)
    assert new_signed == old_signed  # the signed header, byte for byte
    assert new_rest == old_rest  # the payload and the sender's signature, byte for byte
    assert len(new) == len(env)
    bpkad_old, us_old = old_stanzas
    bpkad_new, us_new = new_stanzas
    assert bpkad_new == bpkad_old  # other recipients' stanzas are untouched
    assert (us_old.agency, us_old.key_version) == (US, 1)
    assert (us_new.agency, us_new.key_version) == (US, 2)
    assert us_new.body != us_old.body
    # The sender's signature still verifies; the new key opens it, v1 is not needed.
    info = sandi.verify(new, pola=archive.rotated, now=LATER)
    assert (info.sender, info.signer_key_version) == ("setda", 1)
    doc = sandi.open(new, keystore=archive.only_new, pola=archive.rotated, now=LATER)
    assert (doc.plaintext, doc.opened_with) == (DOCUMENT, (US, 2))
    with pytest.raises(NotARecipient) as caught:
        sandi.open(new, keystore=archive.only_old, pola=archive.rotated, now=LATER)
    assert caught.value.tried == (("inspektorat", 2),)
    assert sandi.open(new, keystore=archive.world.keystore, pola=archive.rotated,
                      now=LATER).opened_with == ("bpkad", 1)


def test_rewrap_is_idempotent(archive: Archive) -> None:
    env = seal(archive, [US])
    once, first = rewrap(env, keystore=archive.both, pola=archive.rotated)
    twice, second = rewrap(once, keystore=archive.both, pola=archive.rotated)
    assert (first.outcome, second) == (Outcome.REWRAPPED, Rewrapped(Outcome.CURRENT))
    assert twice == once
    fresh = seal(archive, [US], pola=archive.rotated)  # sealed to v2 already
    assert rewrap(fresh, keystore=archive.both, pola=archive.rotated) == (
        fresh, Rewrapped(Outcome.CURRENT))


def test_an_envelope_not_for_us_is_left_alone(archive: Archive, tmp_path: Path) -> None:
    env = seal(archive, ["bpkad", "bkpsdmd"])
    assert rewrap(env, keystore=archive.both, pola=archive.rotated) == (
        env, Rewrapped(Outcome.NOT_ADDRESSED))
    path = tmp_path / "bukan-untuk-kami.sandi"
    path.write_bytes(env)
    assert rewrap_file(path, keystore=archive.both,
                       pola=archive.rotated).outcome is Outcome.NOT_ADDRESSED
    assert path.read_bytes() == env


def test_a_stale_pola_never_moves_a_stanza_back(archive: Archive) -> None:
    # A home whose pola still lists v1 as current must not "rewrap" a v2 stanza
    # down to v1 (the version about to be revoked).
    fresh = seal(archive, [US], pola=archive.rotated)
    assert rewrap(fresh, keystore=archive.both, pola=archive.original) == (
        fresh, Rewrapped(Outcome.CURRENT))


def test_rewrap_needs_the_old_private_key(archive: Archive) -> None:
    env = seal(archive, [US])
    with pytest.raises(KeyNotFound, match=r"holds no key inspektorat v1 \(holds v2\)"):
        rewrap(env, keystore=archive.only_new, pola=archive.rotated)


# --- files ------------------------------------------------------------------------------------


def _journal(path: Path) -> Path:
    return path.with_name(f".{path.name}{JOURNAL_SUFFIX}")


def test_rewrap_file_in_place(archive: Archive, tmp_path: Path) -> None:
    env = seal(archive, [US, "bpkad"])
    path = tmp_path / "lhp.sandi"
    path.write_bytes(env)
    os.chmod(path, 0o640)
    inode = path.stat().st_ino
    result = rewrap_file(path, keystore=archive.both, pola=archive.rotated)
    assert result == Rewrapped(Outcome.REWRAPPED, (US,), (1,))
    new = path.read_bytes()
    assert regions(new)[0] == regions(env)[0] and regions(new)[2] == regions(env)[2]
    assert (path.stat().st_ino, stat.S_IMODE(path.stat().st_mode)) == (inode, 0o640)
    assert not _journal(path).exists()
    assert opens_with(archive, new) == "new"
    assert rewrap_file(path, keystore=archive.both, pola=archive.rotated) == Rewrapped(
        Outcome.CURRENT)
    assert path.read_bytes() == new


def test_rewrap_file_when_the_header_changes_length(archive: Archive, tmp_path: Path) -> None:
    # Version 200 takes one more byte than version 1 in msgpack: the whole file is
    # rewritten beside the original and renamed over it.
    v200 = AgencyKey.generate(US, 200, now=T1)
    far = reissue(archive.world, 3, {US: [
        archive.original.agency(US).current.retire(T1),
        KeyVersion(200, v200.public, KeyState.CURRENT, T1)]})
    store = keystore(tmp_path / "home", [archive.world.keystore.get(US, 1), v200])
    env = seal(archive, [US], data=DOCUMENT * 3000)  # 170 KiB: three payload chunks
    path = tmp_path / "lhp.sandi"
    path.write_bytes(env)
    os.chmod(path, 0o640)
    assert rewrap_file(path, keystore=store, pola=far).old_versions == (1,)
    new = path.read_bytes()
    assert len(new) == len(env) + 1
    assert regions(new)[0] == regions(env)[0] and regions(new)[2] == regions(env)[2]
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "lhp.sandi"]
    only_v200 = keystore(tmp_path / "home200", [v200])
    doc = sandi.open(new, keystore=only_v200, pola=far, now=LATER)
    assert doc.plaintext == DOCUMENT * 3000


@pytest.mark.parametrize("finish", ["rerun", "recover"])
def test_a_crash_between_journal_and_header_write_is_finished(
        archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, finish: str) -> None:
    env = seal(archive, [US])
    path = tmp_path / "lhp.sandi"
    path.write_bytes(env)
    real = REWRAP_MODULE._write_at_start
    calls = []

    def crash_once(target: Path, data: bytes) -> None:
        calls.append(target)
        if len(calls) == 1:
            raise OSError(errno.EIO, "simulated power loss")
        real(target, data)

    monkeypatch.setattr(REWRAP_MODULE, "_write_at_start", crash_once)
    with pytest.raises(StorageError, match=r"cannot write .*lhp\.sandi"):
        rewrap_file(path, keystore=archive.both, pola=archive.rotated)
    assert path.read_bytes() == env and _journal(path).exists()
    assert opens_with(archive, path.read_bytes()) == "old"
    if finish == "rerun":
        assert rewrap_file(path, keystore=archive.both,
                           pola=archive.rotated).outcome is Outcome.CURRENT
    else:
        assert recover(path) is True
        assert recover(path) is False
    assert not _journal(path).exists()
    assert opens_with(archive, path.read_bytes()) == "new"
    assert regions(path.read_bytes())[::2] == regions(env)[::2]


def test_a_crash_after_the_header_write_is_harmless(archive: Archive, tmp_path: Path) -> None:
    # The journal survives the in-place write: re-applying it writes the same bytes.
    env = seal(archive, [US])
    path = tmp_path / "lhp.sandi"
    path.write_bytes(env)
    rewrap_file(path, keystore=archive.both, pola=archive.rotated)
    done = path.read_bytes()
    _journal(path).write_bytes(done[:parse_header(done)[1]])
    assert recover(path) is True
    assert path.read_bytes() == done and not _journal(path).exists()


def test_a_stale_journal_never_overwrites_another_envelope(archive: Archive,
                                                           tmp_path: Path) -> None:
    # A rewrap crashed on lhp.sandi; the file was then replaced by another document
    # of the same shape. The old journal must not be written over it.
    first, second = seal(archive, [US]), seal(archive, [US])
    path = tmp_path / "lhp.sandi"
    path.write_bytes(first)
    new_first, _ = rewrap(first, keystore=archive.both, pola=archive.rotated)
    _journal(path).write_bytes(new_first[:parse_header(new_first)[1]])
    path.write_bytes(second)
    assert rewrap_file(path, keystore=archive.both,
                       pola=archive.rotated).outcome is Outcome.REWRAPPED
    assert not _journal(path).exists()
    assert regions(path.read_bytes())[::2] == regions(second)[::2]
    assert opens_with(archive, path.read_bytes()) == "new"


# --- refusals leave the file untouched ---------------------------------------------------------


def _tampered_stanza(env: bytes) -> bytes:
    header, end = parse_header(env)
    [stanza] = header.stanzas
    body = bytes([stanza.body[0]]) + bytes([stanza.body[1] ^ 1]) + stanza.body[2:]
    return encode_header(header.signed_region, (replace(stanza, body=body),)) + env[end:]


@pytest.mark.parametrize("damage", ["truncated header", "truncated magic", "garbage",
                                    "empty", "tampered stanza"])
def test_a_damaged_file_is_refused_and_untouched(archive: Archive, tmp_path: Path,
                                                 damage: str) -> None:
    env = seal(archive, [US])
    data, error, match = {
        "truncated header": (env[:200], MalformedEnvelope, r"truncated in the"),
        "truncated magic": (env[:3], MalformedEnvelope, r"truncated in the magic"),
        "garbage": (random.Random(1).randbytes(5000), MalformedEnvelope, r"bad magic"),
        "empty": (b"", MalformedEnvelope, r"truncated"),
        "tampered stanza": (_tampered_stanza(env), WrappedKeyInvalid, r"inspektorat"),
    }[damage]
    path = tmp_path / "rusak.sandi"
    path.write_bytes(data)
    with pytest.raises(error, match=match):
        rewrap_file(path, keystore=archive.both, pola=archive.rotated)
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rusak.sandi"]
    with pytest.raises(error, match=match):
        rewrap(data, keystore=archive.both, pola=archive.rotated)


# --- kill -9 ------------------------------------------------------------------------------------

CHILD = """
import sys
from datetime import UTC, datetime
from pathlib import Path

from sandi.keys.keystore import Keystore
from sandi.pola.policy import Pola
from sandi.envelope.rewrapping import rewrap_file

home, pola_file, folder, now = sys.argv[1:5]
store = Keystore.open(home, passphrase=sys.stdin.readline().rstrip("\\n"))
pola = Pola.from_bytes(Path(pola_file).read_bytes(),
                       now=datetime.fromtimestamp(int(now), UTC))
print("ready", flush=True)
for path in sorted(Path(folder).glob("*.sandi")):
    rewrap_file(path, keystore=store, pola=pola)
    print(path.name, flush=True)
print("done", flush=True)
"""


def _kill_after(args: list[str], lines: int, delay: float) -> int:
    """Run the child, SIGKILL it ``delay`` s after it reports ``lines`` files; return the
    number of files it reported done."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, *args], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(PASSPHRASE + "\n")
    child.stdin.flush()
    assert child.stdout.readline() == "ready\n"
    reported = 0
    while reported < lines and child.stdout.readline().endswith(".sandi\n"):
        reported += 1
    time.sleep(delay)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    reported += sum(1 for line in child.stdout.read().splitlines() if line.endswith(".sandi"))
    return reported


def test_kill_9_at_random_moments_never_loses_a_document(archive: Archive,
                                                         tmp_path: Path) -> None:
    n = 50
    originals = [seal(archive, [US], data=DOCUMENT + b" #%d" % i) for i in range(n)]
    pola_file = tmp_path / "pola.sandi"
    pola_file.write_bytes(archive.rotated.to_bytes())
    rng = random.Random(9)
    interrupted = 0
    for trial in range(6):
        folder = tmp_path / f"arsip-{trial}"
        folder.mkdir()
        for i, env in enumerate(originals):
            (folder / f"dok-{i:03}.sandi").write_bytes(env)
        done = _kill_after([str(archive.home), str(pola_file), str(folder),
                            str(epoch(LATER))],
                           lines=rng.randrange(1, n - 20), delay=rng.uniform(0, 0.004))
        files = sorted(folder.glob("*.sandi"))
        states = [opens_with(archive, p.read_bytes()) for p in files]
        # No file is lost or added. (A kill between _fs's link and rename can leave a
        # hidden ".HEX.sandi-tmp" copy of a journal: public header bytes only.)
        assert len(files) == n
        assert states[:done] == ["new"] * done  # what the child reported is durable
        assert "old" in states or done == n
        interrupted += 0 < states.count("new") < n
        # A rerun finishes the job, whatever the moment of the kill.
        for path in files:
            rewrap_file(path, keystore=archive.both, pola=archive.rotated)
        assert [opens_with(archive, p.read_bytes()) for p in files] == ["new"] * n
        assert not list(folder.glob(f".*{JOURNAL_SUFFIX}"))
        for path, env in zip(files, originals, strict=True):
            assert regions(path.read_bytes())[::2] == regions(env)[::2]
        shutil.rmtree(folder)
    assert interrupted >= 1
