"""``kill -9`` while sealing, opening (new files and ``--force``) and rewrapping by copy.

Each scenario runs a real process over a folder of documents and kills it at
chosen points of its file-system work (tests/killpoints.py): a seeded random
sample of points (every point with ``SANDI_KILL_ALL=1``) and the window between
linking a replacement under its hidden staging name and renaming it. After each
kill: no existing file is damaged, every output is either absent (or the old file)
or whole, no partial plaintext or other temporary file is left (only, in the
replace window, a whole staged ``.HEX.sandi-tmp``), and a rerun finishes the job
and removes that file.
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from killpoints import Outcome, Zygote, swept
from test_rewrap import LATER, T0, T1, US, reissue

import sandi
from sandi._internal import system
from sandi._internal.time import epoch
from sandi.demo import demo_world
from sandi.envelope.format import parse_header
from sandi.keys.keystore import AgencyKey, Keystore
from sandi.keys.secretfile import KdfParams
from sandi.pola.model import KeyState, KeyVersion
from sandi.pola.policy import Pola

PASSPHRASE = "arsip"
N_DOCS = 4
SAMPLES = 10
ALL_POINTS = os.environ.get("SANDI_KILL_ALL") == "1"

PRELUDE = """
import sys
from datetime import UTC, datetime
from pathlib import Path
import sandi
from sandi.keys.keystore import Keystore
from sandi.pola.policy import Pola
from sandi.envelope.rewrapping import rewrap_file
home, pola_file, src, dst, flag = sys.argv[1:6]
store = Keystore.open(home, passphrase="arsip")
pola = Pola.from_bytes(Path(pola_file).read_bytes(), now=datetime.fromtimestamp(int(flag), UTC)
                       if flag.isdigit() else None)
"""
SEAL = PRELUDE + """
for path in sorted(Path(src).iterdir()):
    out = Path(dst) / (path.name + ".sandi")
    if not out.exists():
        sandi.seal_file(path, out, sender=store.identity("setda"), to=["inspektorat"],
                        classification="rahasia", pola=pola)
    print("done", out.name, flush=True)
"""
OPEN = PRELUDE + """
for path in sorted(Path(src).iterdir()):
    out = Path(dst) / path.stem
    if flag == "force" or not out.exists():
        sandi.open_file(path, out, keystore=store, pola=pola, force=flag == "force")
    print("done", out.name, flush=True)
"""
REWRAP = PRELUDE + """
for path in sorted(Path(src).glob("*.sandi")):
    rewrap_file(path, keystore=store, pola=pola)
    print("done", path.name, flush=True)
"""


def _document(i: int) -> bytes:
    # Three payload chunks, so that a kill can land between chunk writes.
    return (b"Nota Dinas %d: data kepegawaian " % i) * 5000


def _home(path: Path, keys: list[AgencyKey]) -> Path:
    Keystore.create(path, passphrase=PASSPHRASE, kdf=KdfParams.TEST).add_keys(keys)
    return path


@dataclass(frozen=True)
class City:
    """The demo city's pola, one home per role, and a documents folder per use."""

    pola_file: Path
    pola: Pola
    sender: Path  # setda v1
    reader: Path  # inspektorat v1
    scratch: Path


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    root = tmp_path_factory.mktemp("kill9")
    world = demo_world(root / "city", kdf=KdfParams.TEST)
    pola_file = root / "pola.sandi"
    pola_file.write_bytes(world.pola.to_bytes())
    yield City(pola_file, world.pola,
               _home(root / "setda", [world.keystore.get("setda", 1)]),
               _home(root / "inspektorat", [world.keystore.get(US, 1)]), root)


def _kill_points(zygote: Zygote, run: Callable[..., Outcome], seed: int) -> list[dict[str, object]]:
    """Every point of a dry run, or a seeded sample of them, plus the replace window."""
    dry = run(zygote)
    assert not dry.killed and dry.code == 0, dry.log
    points = range(1, dry.points + 1)
    print(f"{dry.points} kill points")  # shown with -s
    chosen = list(points) if ALL_POINTS else random.Random(seed).sample(points, SAMPLES)
    return [{"kill_at": k} for k in chosen] + [
        {"kill_name": "replace", "nth": n} for n in (1, N_DOCS)]


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _staged(folder: Path) -> dict[str, bytes]:
    """The hidden staging copies in ``folder``: each 0600 (or the envelope's own mode)."""
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.name.endswith(".sandi-tmp")}


def _check_staged(dst: Path, run: Outcome, plaintexts: set[bytes] | None) -> None:
    """On Linux a staged copy is whole (``plaintexts``; seal stages nothing): an output
    has no name until it is complete. With SANDI_PORTABLE=1 (no O_TMPFILE) a killed
    writer may leave its named temporary file, part written: only the owner may read
    it if it is plaintext, and the next run removes it (checked by _trials)."""
    staged = _staged(dst)
    if not system.linux_only():
        assert run.killed or not staged
        if plaintexts is not None:
            assert all((dst / n).stat().st_mode & 0o077 == 0 for n in staged)
    elif plaintexts is None:
        assert not staged
    else:
        assert set(staged.values()) <= plaintexts


def _reported(log: str) -> list[str]:
    return [line.split()[1] for line in log.splitlines() if line.startswith("done ")]


def _trials(city: City, name: str, code: str, prepare: Callable[[Path, Path], None],
            flag: str, check: Callable[[Path, Path, Outcome], None], seed: int) -> set[str]:
    """Prepare src/dst, kill the code at each point, check, rerun, check it finished."""
    scratch = city.scratch / name
    scratch.mkdir()
    home = city.reader if code is not SEAL else city.sender
    windows: set[str] = set()

    def run(zygote: Zygote, tag: str = "dry", **kill: object) -> Outcome:
        src, dst = scratch / f"src-{tag}", scratch / f"dst-{tag}"
        if not src.exists():
            src.mkdir()
            dst.mkdir()
            prepare(src, dst)
        argv = [str(home), str(city.pola_file), str(src), str(dst), flag]
        return zygote.run(argv, cwd=scratch, code=code, **kill)  # type: ignore[arg-type]

    with Zygote(scratch) as zygote:
        for i, kill in enumerate(_kill_points(zygote, run, seed)):
            tag = f"k{i}"
            killed = run(zygote, tag, **kill)
            assert killed.killed or killed.code == 0, killed.log
            src, dst = scratch / f"src-{tag}", scratch / f"dst-{tag}"
            check(src, dst, killed)
            if _staged(dst) or _staged(src):
                windows.add(str(kill))
            finished = run(zygote, tag)
            assert finished.code == 0, finished.log
            swept(dst, src)
            assert not _staged(dst) and not _staged(src), kill
            assert len(_reported(finished.log)) == N_DOCS
            check(src, dst, finished)
        shutil.rmtree(scratch)
    return windows


def test_kill_9_while_sealing_files(city: City) -> None:
    def prepare(src: Path, dst: Path) -> None:
        for i in range(N_DOCS):
            (src / f"nota-{i}.txt").write_bytes(_document(i))

    def check(src: Path, dst: Path, run: Outcome) -> None:
        assert {n: len(b) for n, b in _listing(src).items()} == {
            f"nota-{i}.txt": len(_document(i)) for i in range(N_DOCS)}  # inputs untouched
        outputs = {n: b for n, b in _listing(dst).items() if not n.endswith(".sandi-tmp")}
        _check_staged(dst, run, None)
        assert set(_reported(run.log)) <= set(outputs)  # what was reported is there
        for name, env in outputs.items():  # and every envelope there is whole
            i = int(name.split("-")[1].split(".")[0])
            assert sandi.open(env, keystore=Keystore.open(city.reader, passphrase=PASSPHRASE),
                              pola=city.pola).plaintext == _document(i), name
        if not run.killed:
            assert len(outputs) == N_DOCS

    windows = _trials(city, "seal", SEAL, prepare, "-", check, seed=1)
    assert not windows or not system.linux_only()  # (SANDI_PORTABLE=1: named temporaries)


def _envelopes(city: City, src: Path) -> None:
    store = Keystore.open(city.sender, passphrase=PASSPHRASE)
    for i in range(N_DOCS):
        (src / f"nota-{i}.sandi").write_bytes(sandi.seal(
            _document(i), sender=store.identity("setda"), to=[US], classification="rahasia",
            pola=city.pola))


@pytest.mark.parametrize("force", [False, True], ids=["new files", "--force"])
def test_kill_9_while_opening_files(city: City, force: bool) -> None:
    old = b"versi lama, disimpan sebelumnya"

    def prepare(src: Path, dst: Path) -> None:
        _envelopes(city, src)
        for i in range(N_DOCS if force else 0):
            (dst / f"nota-{i}").write_bytes(old)

    def check(src: Path, dst: Path, run: Outcome) -> None:
        plaintexts = {_document(i) for i in range(N_DOCS)}
        outputs = {n: b for n, b in _listing(dst).items() if not n.endswith(".sandi-tmp")}
        for name, data in outputs.items():
            i = int(name.split("-")[1])
            done = name in _reported(run.log)
            assert data == _document(i) or (force and not done and data == old), name
        # The only other file ever there: a whole plaintext, 0600, in the replace window.
        _check_staged(dst, run, plaintexts)
        for path in dst.iterdir():  # every plaintext sandi wrote is for the owner only
            assert path.read_bytes() == old or path.stat().st_mode & 0o777 == 0o600
        assert len(outputs) == N_DOCS if force or not run.killed else len(outputs) <= N_DOCS

    windows = _trials(city, "open-force" if force else "open", OPEN, prepare,
                      "force" if force else "-", check, seed=2 + force)
    if system.linux_only():
        assert bool(windows) == force  # new files never have a staging name


def test_kill_9_while_rewrapping_by_copy(city: City) -> None:
    # inspektorat moves from v1 to v200: the stanza grows by a byte, so each file is
    # copied to a new file and renamed over the original (not the in-place journal).
    world = demo_world(city.scratch / "rewrap-city", now=T0, kdf=KdfParams.TEST)
    v1, v200 = world.keystore.get(US, 1), AgencyKey.generate(US, 200, now=T1)
    far = reissue(world, 3, {US: [world.pola.agency(US).current.retire(T1),
                                  KeyVersion(200, v200.public, KeyState.CURRENT, T1)]})
    rewrap_city = replace(city, pola_file=city.scratch / "far.sandi", pola=far,
                          reader=_home(city.scratch / "both", [v1, v200]))
    rewrap_city.pola_file.write_bytes(far.to_bytes())
    only = {v: _home(city.scratch / f"only-{v}", [k]) for v, k in ((1, v1), (200, v200))}
    originals = [sandi.seal(_document(i), sender=world.keystore.identity("setda"), to=[US],
                            classification="terbatas", pola=world.pola,
                            now=T1) for i in range(N_DOCS)]

    def prepare(src: Path, dst: Path) -> None:
        for i, env in enumerate(originals):
            (src / f"nota-{i}.sandi").write_bytes(env)

    def opens_with(env: bytes) -> int:
        found = []
        for version, home in only.items():
            try:
                doc = sandi.open(env, keystore=Keystore.open(home, passphrase=PASSPHRASE),
                                 pola=far, now=LATER)
            except sandi.errors.NotARecipient:
                continue
            found.append((version, doc.plaintext))
        [(version, plaintext)] = found
        assert plaintext in {_document(i) for i in range(N_DOCS)}
        return version

    def check(src: Path, dst: Path, run: Outcome) -> None:
        files = sorted(p for p in src.iterdir() if not p.name.endswith(".sandi-tmp"))
        assert [p.name for p in files] == [f"nota-{i}.sandi" for i in range(N_DOCS)]
        for path, env in zip(files, originals, strict=True):
            new = path.read_bytes()
            version = opens_with(new)  # v1 or v200, never neither
            assert version == 200 or path.name not in _reported(run.log)
            head, end = parse_header(new)
            assert head.signed_region == parse_header(env)[0].signed_region
            assert new[end:] == env[parse_header(env)[1]:]  # payload and signature as sealed
        assert all(opens_with(env) == 200 for env in _staged(src).values())
        if not run.killed:
            assert [opens_with(p.read_bytes()) for p in files] == [200] * N_DOCS

    windows = _trials(rewrap_city, "rewrap", REWRAP, prepare, str(epoch(LATER)), check, seed=4)
    assert windows
