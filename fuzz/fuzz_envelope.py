"""Fuzz target: envelope parsing, ``sandi.open`` and ``sandi.verify``.

Run: ``.venv/bin/python fuzz/fuzz_envelope.py fuzz/corpus/envelope -atheris_runs=1000000
-max_len=16384``

Checks, beyond "only SandiError may escape":

* non-malleability: a header that parses re-encodes to exactly its bytes;
* open implies verify: whatever ``open`` accepts with every key of the world,
  ``verify`` (public information only) accepts too, with the same header.

Byte mutations almost always break the sender's signature, which is checked
last; so every input whose header parses is also tried *re-signed* by the key
its header names (every key of the world is known here). That lets mutated
headers, stanzas and payloads reach the end of verify (and of open, where the
header binding does not stop them first).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import KEYS, KEYSTORE, POLA, fuzz_main

import sandi
from sandi.crypto.primitives import LABEL_ENVELOPE_SIGNATURE
from sandi.crypto.suite import Suite
from sandi.envelope.format import (
    Header,
    encode_bound,
    encode_header,
    encode_signed_header,
    parse_header,
    signature_input,
    signed_region,
)

_SIGNERS = {(k.agency, k.version): k for k in KEYS}


def _open_and_verify(data: bytes) -> None:
    try:
        doc = sandi.open(data, keystore=KEYSTORE, pola=POLA)
    except sandi.SandiError:
        doc = None
    try:
        info = sandi.verify(data, pola=POLA)
    except sandi.SandiError as exc:
        if doc is not None:
            raise AssertionError(f"open accepted what verify refuses: {exc!r}") from exc
        return
    if doc is not None and (doc.doc_id, doc.sender, doc.to) != (info.doc_id, info.sender,
                                                                 info.to):
        raise AssertionError("open and verify report different headers")


def _resigned(data: bytes, header: Header, end: int) -> bytes | None:
    h = header.signed
    key = _SIGNERS.get((h.signer.id, h.signer.key_version))
    hybrid = h.suite is Suite.HYBRID
    if key is None or (hybrid and not key.public.has_pq):
        return None
    body = data[:len(data) - h.suite.signature_len]
    if len(body) < end:
        return None
    digest = hashlib.sha256(body[end:]).digest()
    return body + key.signing_key().sign(signature_input(header.signed_region, digest),
                                         hybrid=hybrid, context=LABEL_ENVELOPE_SIGNATURE)


def TestOneInput(data: bytes) -> None:
    _open_and_verify(data)
    try:
        header, end = parse_header(data)
    except sandi.SandiError:
        return
    region = signed_region(encode_signed_header(header.signed), encode_bound(header.bound))
    if region != header.signed_region or \
            encode_header(region, header.stanzas, header.attachments) != data[:end]:
        raise AssertionError("a header parsed but does not re-encode to its bytes")
    if (again := _resigned(data, header, end)) is not None:
        _open_and_verify(again)


if __name__ == "__main__":
    fuzz_main(TestOneInput)
