"""Fuzz target: audit checkpoints (``Checkpoint.from_text``) and record hashing.

Run: ``.venv/bin/python fuzz/fuzz_audit.py fuzz/corpus/audit -atheris_runs=1000000``

The first byte picks what the rest is:

* even: checkpoint text (a signed note, docs/format.md "Audit checkpoints"). A
  checkpoint that parses must survive ``to_text`` and ``from_text`` unchanged, and
  checking it against the pola (with and without a witness) may only raise a sandi
  error; the same holds for the text read as a request to a witness;
* odd: the fields of an audit record, as SQLite would return them (64-bit
  integers, valid Unicode, a 32-byte ``prev``). Its hash must change when any
  one field changes, and when text moves from one field to the next.

"""

from __future__ import annotations

import contextlib
import struct
import sys
from dataclasses import astuple, fields, replace
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import POLA, fuzz_main

import sandi
from sandi._internal.time import from_epoch
from sandi.audit.checkpoint import Checkpoint
from sandi.audit.log import LAST_SECOND, Record
from sandi.audit.witness import CosignRequest


def _checkpoint(text: str) -> None:
    with contextlib.suppress(sandi.SandiError):  # the same text as a request to a witness
        request = CosignRequest.from_text(text)
        if CosignRequest.from_text(request.to_text()) != request:
            raise AssertionError("a cosigning request does not survive to_text/from_text")
    try:
        cp = Checkpoint.from_text(text)
    except sandi.SandiError:
        return
    if Checkpoint.from_text(cp.to_text()) != cp:
        raise AssertionError("a checkpoint does not survive to_text/from_text")
    with contextlib.suppress(sandi.SandiError):
        cp.check(POLA)
    with contextlib.suppress(sandi.SandiError):
        cp.check(POLA, witness="inspektorat")


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out.ljust(n, b"\0")

    def int64(self) -> int:
        return int(struct.unpack(">q", self.take(8))[0])

    def text(self) -> str:
        return self.take(self.take(1)[0] % 40).decode("utf-8", "replace")


def _record(data: bytes) -> None:
    r = _Reader(data)
    seq, at = r.int64(), from_epoch(r.int64() % LAST_SECOND)
    t = [r.text() for _ in range(9)]
    rec = Record(seq, at, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], r.take(32),
                 b"")
    digest = rec.compute_hash()
    if len(digest) != 32:
        raise AssertionError("a record hash is not 32 bytes")
    names = [f.name for f in fields(Record)][:-1]
    i = r.take(1)[0] % len(names)
    value = astuple(rec)[i]
    if isinstance(value, datetime):
        new: object = value + timedelta(seconds=1)
    elif isinstance(value, int):
        new = value + 1 if value < 2**63 - 1 else value - 1
    elif isinstance(value, str):
        new = value + "x"
    else:
        new = bytes([value[0] ^ 1]) + value[1:]
    if replace(rec, **{names[i]: new}).compute_hash() == digest:  # type: ignore[arg-type]
        raise AssertionError(f"changing {names[i]} leaves the record hash unchanged")
    if 2 <= i < 10 and astuple(rec)[i + 1] != "" and isinstance(astuple(rec)[i + 1], str):
        a, b = astuple(rec)[i], astuple(rec)[i + 1]
        moved = replace(rec, **{names[i]: a + b[0], names[i + 1]: b[1:]})
        if moved.compute_hash() == digest:
            raise AssertionError("text moved between two fields leaves the hash unchanged")


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    if data[0] % 2 == 0:
        rest = data[1:]
        try:
            text = rest.decode("utf-8")
        except UnicodeDecodeError:
            text = rest.decode("latin-1")
        _checkpoint(text)
    else:
        _record(data[1:])


if __name__ == "__main__":
    fuzz_main(TestOneInput)
