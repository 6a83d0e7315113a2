"""Listing an inbox: a header-only peek, clearly unverified; opening to a stream stages
the plaintext once (issue 13 §3)."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

import sandi
from sandi.demo import DemoWorld
from sandi.envelope import UnverifiedHeader, peek
from sandi.envelope.armor import armor
from sandi.errors import MalformedEnvelope, TamperedEnvelope

BIG = 2 * 1024 * 1024


class CountingReader:
    """A binary stream that counts what was read from it."""

    def __init__(self, data: bytes) -> None:
        self._stream = io.BytesIO(data)
        self.taken = 0

    def read(self, n: int = -1) -> bytes:
        data = self._stream.read(n)
        self.taken += len(data)
        return data


@pytest.fixture(scope="module")
def big_envelope(world: DemoWorld) -> bytes:
    return sandi.seal(os.urandom(BIG), sender=world.keystore.identity("bkpsdmd"),
                      to=["setda", "inspektorat"], classification="rahasia", pola=world.pola,
                      urgency="segera", filename="rahasia-sekali.pdf")


def test_peek_reads_the_header_only(big_envelope: bytes, world: DemoWorld) -> None:
    for data, limit in ((big_envelope, 16 * 1024), (armor(big_envelope).encode(), 80 * 1024)):
        stream = CountingReader(data)
        header = peek(stream)
        assert stream.taken < limit < len(data) // 20  # not the payload
        info = sandi.verify(big_envelope, pola=world.pola)
        assert (header.doc_id, header.claimed_sender, header.claimed_signer, header.to,
                header.classification, header.urgency, header.created_at, header.pola_id,
                header.pola_version, header.suite, header.signer_key_version) == (
            info.doc_id, info.sender, info.signer, info.to, info.classification,
            info.urgency, info.created_at, info.pola_id, info.pola_version, info.suite,
            info.signer_key_version)


def test_a_peeked_header_is_marked_unverified_and_is_no_envelope_info(
        big_envelope: bytes, world: DemoWorld) -> None:
    # The attack peek must not help: a tampered envelope peeks as well as a good one
    # (nothing is checked), so its result must not pass for a verified one.
    tampered = bytearray(big_envelope)
    tampered[-1000] ^= 1
    header = peek(bytes(tampered))
    assert header.verified is False and "(unverified)" in header.summary()
    assert not isinstance(header, sandi.EnvelopeInfo)
    assert not hasattr(header, "sender")  # code written for EnvelopeInfo fails loudly
    assert not hasattr(header, "filename")  # the metadata stays encrypted
    with pytest.raises(TamperedEnvelope):
        sandi.verify(bytes(tampered), pola=world.pola)


def test_peek_refuses_what_is_not_an_envelope(tmp_path: Path) -> None:
    for bad in (b"", b"SANDI", b"%PDF-1.4", "not armor"):
        with pytest.raises(MalformedEnvelope):
            peek(bad)
    with pytest.raises(MalformedEnvelope, match=r"pass pathlib\.Path"):
        peek(str(tmp_path / "x.sandi"))


def test_peek_lists_an_inbox_of_paths(big_envelope: bytes, tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"{i}.sandi").write_bytes(big_envelope)
    listed = [peek(p) for p in sorted(tmp_path.glob("*.sandi"))]
    assert [type(h) for h in listed] == [UnverifiedHeader] * 3


# --- opening to a stream stages the plaintext once ---------------------------------------


def test_opening_to_a_stream_stages_the_plaintext_once(
        big_envelope: bytes, world: DemoWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    staged: list[Any] = []
    real = tempfile.TemporaryFile

    class Counted:
        """A temporary file that counts the bytes written to it."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._file = real(*args, **kwargs)
            self.written = 0
            staged.append(self)

        def write(self, data: bytes) -> int:
            self.written += len(data)
            return int(self._file.write(data))

        def __getattr__(self, name: str) -> Any:
            return getattr(self._file, name)

        def __enter__(self) -> Counted:
            return self

        def __exit__(self, *exc: object) -> None:
            self._file.close()

    monkeypatch.setattr(tempfile, "TemporaryFile", Counted)
    out = io.BytesIO()
    opened = sandi.open_file(io.BytesIO(big_envelope), out, keystore=world.keystore,
                             pola=world.pola)
    assert len(out.getvalue()) == BIG and opened.filename == "rahasia-sekali.pdf"
    assert [s.written for s in staged] == [BIG]  # one staging file, written once
