"""Fuzz target: key requests (``sandi.authority.requests.read_request``) and their prior signature.

Run: ``.venv/bin/python fuzz/fuzz_request.py fuzz/corpus/request -atheris_runs=1000000``
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import KEYS, fuzz_main

import sandi
from sandi.authority.requests import read_request


def TestOneInput(data: bytes) -> None:
    try:
        request = read_request(data)
    except sandi.SandiError:
        return
    for key in KEYS:
        if key.agency == request.agency:
            with contextlib.suppress(sandi.SandiError):
                request.check_prior(key.public)


if __name__ == "__main__":
    fuzz_main(TestOneInput)
