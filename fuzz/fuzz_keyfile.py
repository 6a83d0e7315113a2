"""Fuzz target: passphrase-sealed files (keystore, custodian key) and key records.

Run: ``.venv/bin/python fuzz/fuzz_keyfile.py fuzz/corpus/keyfile -atheris_runs=1000000``

The first byte picks what the rest is:

* 0: a keystore file, unlocked with the fixed passphrase (``SealedFile.unlock``),
  then its holdings decoded;
* 1: decrypted holdings (``decode_holdings``: key records, backup key, pending
  requests): the part the AEAD keeps out of reach of byte mutations;
* 2: a custodian key file (``load_custodian_key``).

The file names its own Argon2id cost. While a case runs, the derivation is
clamped to the cheapest cost (ops=1, mem=8 KiB) so that a mutated cost cannot
make one run take a second and 1 GiB; the range check on the cost still runs
first, on the cost the file names.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import fuzz_main

import sandi
import sandi.keys.secretfile as secretfile
from sandi.authority.authoring import load_custodian_key
from sandi.keys.holdings import decode_holdings
from sandi.keys.keystore import KEYSTORE_MAGIC

PASSPHRASE = "kata sandi fuzz"  # noqa: S105  (fuzz inputs only)
CHEAP = secretfile.KdfParams(ops=1, mem=8192)
_REAL_DERIVE = secretfile._derive
_MEMFD: list[int] = []


def _custodian_path(content: bytes) -> Path:
    """A 0600 in-memory file (memfd) holding ``content``: nothing is left on disk."""
    if not _MEMFD:
        fd = os.memfd_create("sandi-fuzz-custodian")
        os.fchmod(fd, 0o600)
        _MEMFD.append(fd)
    fd = _MEMFD[0]
    os.ftruncate(fd, 0)
    os.pwrite(fd, content, 0)
    return Path(f"/proc/self/fd/{fd}")


def _cheap_derive(passphrase: str | bytes, salt: bytes, params: secretfile.KdfParams) -> bytes:
    return _REAL_DERIVE(passphrase, salt, CHEAP)


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    mode, rest = data[0] % 3, data[1:]
    secretfile._derive = _cheap_derive
    try:
        if mode == 0:
            _, plain = secretfile.SealedFile.unlock(KEYSTORE_MAGIC, rest, PASSPHRASE, "fuzz")
            decode_holdings(plain)
        elif mode == 1:
            decode_holdings(rest)
        else:
            load_custodian_key(_custodian_path(rest), PASSPHRASE)
    except sandi.SandiError:
        pass
    finally:
        secretfile._derive = _REAL_DERIVE


if __name__ == "__main__":
    fuzz_main(TestOneInput)
