"""The fuzz targets (fuzz/), run in-process without atheris: each over its seed corpus
plus about 2,000 mutated and random inputs, a few seconds each. Any exception other
than a sandi error fails the test with the input that caused it.

Below them, the findings of the fuzzing campaign that are not fixed yet, each pinned
as a strict xfail: when the bug is fixed the test passes, xfail turns it into a
failure, and the marker must be removed (see fuzz/README.md).
"""

from __future__ import annotations

import importlib.util
import random
import sqlite3
import time
from base64 import b64encode
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

import sandi
from sandi._internal.time import from_epoch
from sandi.audit.checkpoint import Checkpoint
from sandi.audit.log import AuditLog, Event

FUZZ = Path(__file__).resolve().parent.parent / "fuzz"
TARGETS = ("envelope", "pola", "keyfile", "request", "audit")
RANDOM_INPUTS = 2_000
BUDGET_SECONDS = 4.0


def _target(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"fuzz_{name}", FUZZ / f"fuzz_{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _mutate(rng: random.Random, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randint(1, 6)):
        roll = rng.random()
        if data and roll < 0.5:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif data and roll < 0.7:
            data[rng.randrange(len(data))] = rng.choice((0x00, 0x7F, 0x80, 0xC0, 0xFF))
        elif roll < 0.8:
            at = rng.randrange(len(data) + 1)
            data[at:at] = rng.randbytes(rng.randint(1, 8))
        elif data and roll < 0.9:
            at = rng.randrange(len(data))
            del data[at:at + rng.randint(1, 16)]
        else:
            data = data[:rng.randrange(len(data) + 1)]
    return bytes(data)


def _inputs(name: str) -> list[bytes]:
    seeds = [p.read_bytes() for p in sorted((FUZZ / "corpus" / name).iterdir())]
    rng = random.Random(f"sandi-fuzz-smoke-{name}")
    small = [s for s in seeds if len(s) <= 8192] or seeds
    out = list(seeds)
    for i in range(RANDOM_INPUTS):
        if i % 10 == 0:
            out.append(rng.randbytes(rng.randint(0, 64)))
        else:
            out.append(_mutate(rng, rng.choice(small)))
    return out


@pytest.mark.parametrize("name", TARGETS)
def test_target_survives_corpus_and_random_inputs(name: str) -> None:
    run: Callable[[bytes], None] = _target(name).TestOneInput
    assert (FUZZ / "corpus" / name).is_dir()
    deadline = time.monotonic() + BUDGET_SECONDS
    done = 0
    for data in _inputs(name):
        try:
            run(data)
        except Exception as exc:
            pytest.fail(f"fuzz_{name} crashed with {exc!r} on input (base64)"
                        f" {b64encode(data).decode()}")
        done += 1
        if time.monotonic() > deadline:
            break
    assert done >= min(200, RANDOM_INPUTS)


def test_targets_import_without_atheris() -> None:
    for name in TARGETS:
        source = (FUZZ / f"fuzz_{name}.py").read_text()
        assert "import atheris" not in source.split('if __name__ == "__main__":')[0]


# --- findings not fixed yet -----------------------------------------------------------


def _checkpoint_text(agency: str = "sekda", version: str = "1", size: str = "42",
                     root: bytes = bytes(32), signature: bytes = bytes(68)) -> str:
    return (f"sandi/audit/{agency}\n{size}\n{b64encode(root).decode()}\n\n"
            f"\u2014 {agency}/v{version} {b64encode(signature).decode()}\n")


def test_checkpoint_found_by_fuzzing_is_refused_cleanly() -> None:
    # Found against the first (v1) checkpoint text; the signed-note form refuses it too.
    data = (FUZZ / "crashes" / "audit-checkpoint-overflow").read_bytes()
    with pytest.raises(sandi.errors.MalformedInput):
        Checkpoint.from_text(data[1:].decode())


def test_the_helper_makes_a_checkpoint_that_parses() -> None:
    assert Checkpoint.from_text(_checkpoint_text()).size == 42  # the control


@pytest.mark.parametrize("text", [
    _checkpoint_text(size="-5"), _checkpoint_text(version="0"),
    _checkpoint_text(size=str(2**64)), _checkpoint_text(root=b"abc"),
    _checkpoint_text(signature=b"sig"), _checkpoint_text(agency="SEKDA"),
    _checkpoint_text(size="+4_2"), _checkpoint_text(size="042"),
], ids=["negative-size", "version-0", "size-2^64", "short-root", "short-signature",
        "agency-not-slug", "size-with-underscore", "size-leading-zero"])
def test_checkpoint_fields_are_checked_when_parsed(text: str) -> None:
    with pytest.raises(sandi.errors.MalformedInput):
        Checkpoint.from_text(text)


@pytest.mark.parametrize("statement", [
    "UPDATE records SET prev = 'abc' WHERE seq = 2",
    "UPDATE records SET hash = 5 WHERE seq = 3",
    "UPDATE records SET agency = CAST(X'FF' AS TEXT) WHERE seq = 3",
], ids=["prev-as-text", "hash-as-integer", "text-not-utf8"])
def test_audit_verify_refuses_a_retyped_database(tmp_path: Path, statement: str) -> None:
    path = tmp_path / "audit.db"
    log = AuditLog(path)
    for _ in range(3):
        log.append(Event("seal", agency="sekda", doc_id="ab12"), now=from_epoch(1_780_000_000))
    db = sqlite3.connect(path)
    db.execute(statement)
    db.commit()
    db.close()
    try:
        with pytest.raises(sandi.errors.AuditLogBroken):
            log.verify()
    finally:
        log.close()



