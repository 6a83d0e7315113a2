"""Fuzz target: the signed pola file (``Pola.from_bytes``, alone and over a trusted pola).

Run: ``.venv/bin/python fuzz/fuzz_pola.py fuzz/corpus/pola -atheris_runs=1000000``

Also checks non-malleability: a file that parses re-encodes to exactly its bytes,
and its body to exactly the body bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import NOW, POLA, fuzz_main

import sandi
from sandi.pola._wire import decode_pola, encode_body
from sandi.pola.policy import Pola


def TestOneInput(data: bytes) -> None:
    try:
        signed = decode_pola(data)
    except sandi.SandiError:
        pass
    else:
        if signed.to_bytes() != data:
            raise AssertionError("a pola parsed but does not re-encode to its bytes")
        if encode_body(signed.body) != signed.body_bytes:
            raise AssertionError("a pola body parsed but does not re-encode to its bytes")
    for trusted in (None, POLA):
        try:
            pola = Pola.from_bytes(data, trusted=trusted, now=NOW)
        except sandi.SandiError:
            continue
        pola.signature_status()
        for a in pola.agencies:  # every decision the loaded pola can make must work
            pola.may_send(a.id, pola.agencies[0].id, "rahasia")


if __name__ == "__main__":
    fuzz_main(TestOneInput)
