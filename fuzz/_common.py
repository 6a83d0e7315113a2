"""Shared by the fuzz targets: the world of tests/vectors, and the crash rule.

The rule of every target: a ``sandi.SandiError`` (any subclass) is a correct
refusal; any other exception is a crash and propagates, so libFuzzer (or
tests/test_fuzz_smoke.py) reports it with the input.
"""

from __future__ import annotations

import json
from base64 import b64decode
from datetime import datetime
from pathlib import Path
from typing import Any

from sandi._internal.time import from_epoch
from sandi.keys.holdings import Holdings
from sandi.keys.keystore import AgencyKey, Keystore
from sandi.keys.secretfile import KdfParams
from sandi.pola.policy import Pola

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "tests" / "vectors"
WORLD: dict[str, Any] = json.loads((VECTORS / "world.json").read_text())
NOW = datetime.fromisoformat(WORLD["now"])
POLA_BYTES = b64decode(WORLD["pola"])
POLA = Pola.from_bytes(POLA_BYTES, now=NOW)


def _opt(text: str | None) -> bytes | None:
    return None if text is None else b64decode(text)


#: Every private key of the world (test keys only).
KEYS = [AgencyKey(agency, k["version"], from_epoch(k["created_at"]), b64decode(k["x25519"]),
                  b64decode(k["ed25519"]), _opt(k["mlkem_seed"]), _opt(k["mldsa_seed"]))
        for agency, versions in WORLD["agencies"].items() for k in versions]

class _InMemory:
    """A storage that is never read nor written (the keystore below never changes)."""

    path = Path("/nonexistent/keystore.sandi")
    kdf = KdfParams.TEST
    member = None


#: A keystore holding every agency's keys, in memory only (no file, no Argon2id),
#: so that open reaches the payload of any envelope addressed inside the world.
KEYSTORE = Keystore._holding(_InMemory(), Holdings(tuple(KEYS)))  # type: ignore[arg-type]


def envelope_vectors(max_size: int) -> list[bytes]:
    """Envelopes of the published vectors up to ``max_size`` bytes."""
    out = []
    for path in sorted(VECTORS.glob("[0-9][0-9][0-9]-*.json")):
        env = b64decode(json.loads(path.read_text())["envelope"])
        if len(env) <= max_size:
            out.append(env)
    return out


def fuzz_main(test_one_input: Any) -> None:
    """Run a target under atheris (only when a target file is run as a script)."""
    import sys

    import atheris  # type: ignore[import-untyped,unused-ignore]

    atheris.instrument_all()
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
