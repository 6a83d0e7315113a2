"""The armored (text) form: one written form, read strictly but for what mail does
to text (CRLF, blank space around the block), streamed, accepted by open and verify."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sandi
from sandi.demo import DemoWorld
from sandi.envelope.armor import BEGIN, END, armor, auto, dearmor
from sandi.errors import MalformedEnvelope


@given(st.binary(min_size=1, max_size=5000))
@settings(max_examples=100, deadline=None)
def test_round_trip_and_one_text_form(data: bytes) -> None:
    text = armor(data).encode()
    assert dearmor(text) == data
    assert all(len(line) == 64 for line in text.splitlines()[1:-2])


@given(st.binary(min_size=1, max_size=600), st.data())
@settings(max_examples=200, deadline=None)
def test_any_other_text_is_refused(data: bytes, draw: st.DataObject) -> None:
    text = bytearray(armor(data).encode())
    pos = draw.draw(st.integers(0, len(text) - 1))
    new = draw.draw(st.sampled_from(b" \r\n=-+/Aa\t\x00"))
    if text[pos] == new:
        return
    text[pos] = new
    try:
        decoded = dearmor(bytes(text))
    except MalformedEnvelope:
        return
    # A changed base64 letter can still be valid text for other bytes. The same bytes
    # come back only from what mail does in transit: CRLF for LF, space around the block.
    if decoded == data:
        assert _as_mailed(bytes(text)) == armor(data).encode()


def _as_mailed(text: bytes) -> bytes:
    return text.replace(b"\r\n", b"\n").strip(b" \t\r\n") + b"\n"


@given(st.binary(min_size=1, max_size=600), st.data())
@settings(max_examples=100, deadline=None)
def test_what_mail_does_to_text_is_accepted(data: bytes, draw: st.DataObject) -> None:
    lines = armor(data).encode().splitlines()
    ends = draw.draw(st.lists(st.sampled_from([b"\n", b"\r\n"]),
                              min_size=len(lines), max_size=len(lines)))
    text = b"".join(line + end for line, end in zip(lines, ends, strict=True))
    if draw.draw(st.booleans()):
        text = text.rstrip(b"\r\n")
    before = draw.draw(st.sampled_from([b"", b"\n", b"\r\n\r\n", b"  \t\n"]))
    after = draw.draw(st.sampled_from([b"", b"\n", b"\r\n", b"\n\n  \n"]))
    assert dearmor(before + text + after) == data
    assert auto(io.BytesIO(before + text + after).read)(-1) == data


@pytest.mark.parametrize("bad", [
    BEGIN + END,
    BEGIN + b"QUFB\r\r\n" + END,  # a stray CR inside the line
    BEGIN + b"QUFB\rQUFB\n" + END,
    BEGIN + b"QUFB \n" + END,  # a trailing space on a body line
    BEGIN + b"\n" + b"QUFB\n" + END,  # a blank line inside the block
    BEGIN + b"QUFB\n" + END + b"x",  # text after the END line
    b"Dear colleague,\n" + BEGIN + b"QUFB\n" + END,  # text before the BEGIN line
    BEGIN + b"QUFB\n" + END + b"\n" * (70 * 1024),  # unbounded blank space
    BEGIN + b"QUFB\n",  # no END line
    BEGIN + b"QUF=\n" + END,  # non-canonical padding bits
    BEGIN + b"QUFB" + END,
])
def test_strictness(bad: bytes) -> None:
    with pytest.raises(MalformedEnvelope):
        dearmor(bad)


def test_padding_only_at_the_end() -> None:
    assert dearmor(BEGIN + b"QUE=\n" + END) == b"AA"


def test_open_and_verify_accept_the_armored_form(world: DemoWorld, tmp_path: Path) -> None:
    text = sandi.seal(b"surat" * 30_000, sender=world.keystore.identity("setda"),
                      to=["inspektorat"], classification="rahasia", pola=world.pola, armor=True)
    assert text.startswith(BEGIN)
    assert sandi.verify(text, pola=world.pola).sender == "setda"
    assert sandi.open(text, keystore=world.keystore, pola=world.pola).plaintext == b"surat" * 30_000
    src = tmp_path / "in.txt"
    src.write_bytes(b"x" * 200_000)
    sandi.seal_file(src, tmp_path / "out.sandi.txt", sender=world.keystore.identity("setda"),
                    to=["inspektorat"], classification="rahasia", pola=world.pola, armor=True)
    opened = sandi.open_file(tmp_path / "out.sandi.txt", tmp_path / "back", keystore=world.keystore,
                             pola=world.pola)
    assert (tmp_path / "back").read_bytes() == b"x" * 200_000
    assert opened.filename == "in.txt"
    binary = dearmor((tmp_path / "out.sandi.txt").read_bytes())
    assert sandi.verify(io.BytesIO(binary), pola=world.pola).sender == "setda"


def test_a_tampered_armored_envelope_is_refused(world: DemoWorld) -> None:
    text = sandi.seal(b"surat", sender=world.keystore.identity("setda"), to=["inspektorat"],
                      classification="rahasia", pola=world.pola, armor=True)
    lines = text.split(b"\n")
    lines[3] = lines[3][:10] + (b"A" if lines[3][10:11] != b"A" else b"B") + lines[3][11:]
    with pytest.raises(sandi.SandiError):
        sandi.verify(b"\n".join(lines), pola=world.pola)
