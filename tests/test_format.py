"""Guarantees 10 (bounded parsing) and 11 (domain separation), and STYLE rules 2-3.

* Non-malleability: every structure has exactly one byte form;
  ``encode(decode(b)) == b`` for real envelopes and pola files, and for anything
  a fuzzer gets past a decoder.
* Random bytes and random msgpack fed to every decoder raise only sandi errors
  (``MalformedInput`` subclasses), never IndexError, KeyError, ValueError,
  TypeError, RecursionError or a msgpack exception; lengths are checked before
  anything is read or allocated.
* Every KDF and signature input carries a label of its own (``sandi/v2/...`` for
  the envelope, format version 2); the formats have a magic and a version byte,
  and unknown versions (version 1 among them) and suites are named.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgpack
import pytest
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from helpers import Layout, keystore_with
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sandi
import sandi.crypto.primitives
from sandi._internal.time import epoch
from sandi.crypto.primitives import DocumentKeys, hkdf
from sandi.demo import DemoWorld
from sandi.envelope.format import (
    MAGIC,
    MAX_BOUND,
    MAX_META,
    MAX_SIGNED_HEADER,
    MAX_STANZAS,
    PREFIX,
    SIGNATURE_LABEL,
    VERSION,
    Metadata,
    SignedHeader,
    decode_bound,
    decode_meta,
    decode_signed_header,
    decode_stanzas,
    encode_bound,
    encode_header,
    encode_meta,
    encode_signed_header,
    encode_stanzas,
    parse_header,
    read_header,
    signed_region,
)
from sandi.envelope.stream import chunk_nonce
from sandi.errors import (
    InvalidArgument,
    MalformedEnvelope,
    MalformedInput,
    MalformedKeyFile,
    MalformedPola,
    UnsupportedPolaVersion,
    UnsupportedSuite,
    UnsupportedVersion,
)
from sandi.keys.keystore import KEYSTORE_FILE, KEYSTORE_MAGIC, Keystore
from sandi.keys.secretfile import KdfParams, SealedFile
from sandi.pola._wire import (
    POLA_MAGIC,
    POLA_PREFIX,
    POLA_SIGNATURE_LABEL,
    decode_body,
    decode_pola,
    encode_body,
    pola_message,
)
from sandi.pola.freshness import FRESHNESS_LABEL
from sandi.pola.model import MAX_RECIPIENTS

FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])

#: What a decoder may raise on hostile input: sandi's malformed-input family
#: (and, for the keystore, a wrong-passphrase refusal). Anything else is a bug.
MALFORMED = (MalformedInput, sandi.errors.WrongPassphrase)

DOC = b"Laporan hasil pemeriksaan khusus." * 3000  # two chunks


# --- real envelopes and polas --------------------------------------------------------------


class _Envelopes(dict[str, bytes]):
    """Envelopes by shape, with a short repr (hypothesis prints its arguments)."""

    def __repr__(self) -> str:
        return f"<envelopes {sorted(self)}>"


@pytest.fixture(scope="module")
def envelopes(world: DemoWorld) -> dict[str, bytes]:
    """One envelope per shape: classical single, classical multi, hybrid, empty."""
    ks = world.keystore
    return _Envelopes({
        "classical": sandi.seal(DOC, sender=ks.identity("dispendukcapil"), to=["dinkes"],
                                classification="terbatas", pola=world.pola, filename="a.pdf"),
        "multi": sandi.seal(DOC, sender=ks.identity("setda"),
                            to=["dinkes", "dinsos", "disdik", "bappeda"],
                            classification="terbatas", pola=world.pola, subject="rapat",
                            urgency="kilat"),
        "hybrid": sandi.seal(DOC, sender=ks.identity("inspektorat"), to=["setda"],
                             classification="sangat-rahasia", pola=world.pola,
                             content_type="application/pdf"),
        "empty": sandi.seal(b"", sender=ks.identity("dinkes"), to=["setda"],
                            classification="biasa", pola=world.pola),
    })


SHAPES = ["classical", "multi", "hybrid", "empty"]


@pytest.mark.parametrize("shape", SHAPES)
def test_envelope_structures_round_trip_byte_for_byte(envelopes: dict[str, bytes],
                                                      shape: str) -> None:
    env = envelopes[shape]
    layout = Layout.of(env)
    signed = decode_signed_header(layout.signed_bytes)
    assert encode_signed_header(signed) == layout.signed_bytes
    assert encode_bound(decode_bound(layout.bound_bytes)) == layout.bound_bytes
    block = env[layout.stanza_block]
    stanzas = decode_stanzas(block, signed)
    assert encode_stanzas(stanzas) == block
    header, end = parse_header(env)
    region = signed_region(encode_signed_header(header.signed), encode_bound(header.bound))
    assert region == header.signed_region
    assert encode_header(region, header.stanzas) == env[:end]
    assert header.size == end


def test_metadata_round_trips(world: DemoWorld, envelopes: dict[str, bytes],
                              tmp_path: Path) -> None:
    store = keystore_with(world, tmp_path / "dinkes", ["dinkes"])
    doc = sandi.open(envelopes["classical"], keystore=store, pola=world.pola)
    meta = Metadata(doc.filename, doc.subject, doc.content_type)
    assert decode_meta(encode_meta(meta)) == meta


def test_pola_round_trips_byte_for_byte(world: DemoWorld) -> None:
    data = world.pola.to_bytes()
    signed = decode_pola(data)
    assert signed.to_bytes() == data
    assert encode_body(decode_body(signed.body_bytes)) == signed.body_bytes
    assert decode_body(signed.body_bytes) == world.body


# --- strategies ---------------------------------------------------------------------------

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**64 - 1),
    st.floats(allow_nan=False), st.text(max_size=40), st.binary(max_size=80),
    st.sampled_from(["kota-contoh", "dinkes", "rahasia", "biasa", "setda", "current", "*",
                     "sangat-rahasia", "hybrid", "allow", "deny", "revoked", "compromised"]),
    st.sampled_from([0, 1, 2, 3, 13, 16, 32, 2**31, 2**40, 2**63 - 1]),
    st.binary(min_size=16, max_size=16), st.binary(min_size=32, max_size=32),
)
_keys = st.one_of(st.text(max_size=12), st.binary(max_size=12),
                  st.sampled_from(["id", "v", "keys", "state", "x25519", "ed25519", "level"]))
MSGPACK_VALUES = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=14),
                            st.dictionaries(_keys, inner, max_size=8)),
    max_leaves=40,
)


def _pack(value: Any) -> bytes:
    return msgpack.packb(value, use_bin_type=True)  # type: ignore[no-any-return]


def _mutate(draw: Callable[..., Any], obj: Any, depth: int = 0) -> Any:
    """``obj`` with one randomly chosen node replaced, dropped or extended."""
    here = draw(st.integers(0, 4)) == 0 or depth > 6
    if isinstance(obj, list) and obj and not here:
        i = draw(st.integers(0, len(obj) - 1))
        return [*obj[:i], _mutate(draw, obj[i], depth + 1), *obj[i + 1:]]
    if isinstance(obj, dict) and obj and not here:
        k = draw(st.sampled_from(sorted(obj, key=repr)))
        return {**obj, k: _mutate(draw, obj[k], depth + 1)}
    action = draw(st.sampled_from(["replace", "replace", "drop", "extend"]))
    if action == "drop" and isinstance(obj, (list, dict)) and obj:
        if isinstance(obj, list):
            return obj[:-1]
        k = draw(st.sampled_from(sorted(obj, key=repr)))
        return {key: v for key, v in obj.items() if key != k}
    if action == "extend" and isinstance(obj, list):
        return [*obj, draw(MSGPACK_VALUES)]
    if action == "extend" and isinstance(obj, dict):
        return {**obj, draw(_keys): draw(MSGPACK_VALUES)}
    return draw(MSGPACK_VALUES)


def _byte_edits(data: bytes) -> st.SearchStrategy[bytes]:
    """``data`` with a few bytes flipped, inserted or deleted."""
    @st.composite
    def edit(draw: Callable[..., Any]) -> bytes:
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            pos = draw(st.integers(0, max(0, len(out) - 1)))
            kind = draw(st.sampled_from(["flip", "insert", "delete", "set"]))
            if kind == "flip" and out:
                out[pos] ^= draw(st.integers(1, 255))
            elif kind == "insert":
                out[pos:pos] = draw(st.binary(min_size=1, max_size=4))
            elif kind == "delete" and out:
                del out[pos:pos + draw(st.integers(1, 4))]
            elif out:
                out[pos] = draw(st.sampled_from([0x00, 0x7F, 0x80, 0x90, 0xC0, 0xC1, 0xC4,
                                                 0xCC, 0xCD, 0xCE, 0xCF, 0xD9, 0xDC, 0xDE,
                                                 0xFF]))
        return bytes(out)
    return edit()


# --- every decoder: only sandi errors, and non-malleable when it succeeds ------------------------


def _check_signed_header(data: bytes) -> None:
    try:
        h = decode_signed_header(data)
    except MALFORMED:
        return
    assert encode_signed_header(h) == data


def _check_stanzas(data: bytes, signed: SignedHeader) -> None:
    try:
        stanzas = decode_stanzas(data, signed)
    except MALFORMED:
        return
    assert encode_stanzas(stanzas) == data


def _check_bound(data: bytes) -> None:
    try:
        bound = decode_bound(data)
    except MALFORMED:
        return
    assert encode_bound(bound) == data


def _check_meta(data: bytes) -> None:
    try:
        meta = decode_meta(data)
    except MALFORMED:
        return
    assert encode_meta(meta) == data


def _check_envelope_header(data: bytes) -> None:
    try:
        header, end = parse_header(data)
    except MALFORMED:
        return
    region = signed_region(encode_signed_header(header.signed), encode_bound(header.bound))
    assert encode_header(region, header.stanzas) == data[:end]


def _check_body(data: bytes) -> None:
    try:
        body = decode_body(data)
    except MALFORMED:
        return
    assert encode_body(body) == data


def _check_pola(data: bytes) -> None:
    try:
        signed = decode_pola(data)
    except MALFORMED:
        return
    assert signed.to_bytes() == data


@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes_into_every_decoder(envelopes: dict[str, bytes], data: bytes) -> None:
    signed = Layout.of(envelopes["multi"]).signed_header
    _check_signed_header(data)
    _check_bound(data)
    _check_stanzas(data, signed)
    _check_meta(data)
    _check_envelope_header(data)
    _check_envelope_header(PREFIX + struct.pack(">I", len(data)) + data)
    _check_body(data)
    _check_pola(data)
    _check_pola(POLA_PREFIX + struct.pack(">I", len(data)) + data + b"\x00\x00\x00\x01\x90")


@FUZZ
@given(value=MSGPACK_VALUES)
def test_random_msgpack_into_every_decoder(envelopes: dict[str, bytes], value: Any) -> None:
    data = _pack(value)
    layout = Layout.of(envelopes["multi"])
    _check_signed_header(data)
    _check_bound(data)
    _check_stanzas(data, layout.signed_header)
    _check_meta(data)
    _check_envelope_header(PREFIX + struct.pack(">I", len(data)) + data)
    _check_envelope_header(layout.env[:layout.bound_len_at] + struct.pack(">I", len(data))
                           + data + layout.env[layout.stanzas_len_at:layout.payload.start])
    _check_body(data)
    sigs = _pack([])
    _check_pola(POLA_PREFIX + struct.pack(">I", len(data)) + data
                + struct.pack(">I", len(sigs)) + sigs)


@pytest.mark.parametrize("value", [
    {"a": 1, b"b": 2},  # str and bytes map keys together
    [{"filename": 1, b"filename": 2}] * 13,
    {b"id": "x", "id": "y"},
], ids=["mixed-keys", "mixed-keys-nested", "same-name-str-and-bytes"])
def test_maps_with_mixed_key_types(value: Any) -> None:
    data = _pack(value)
    for decode in (decode_signed_header, decode_bound, decode_meta):
        with pytest.raises(MalformedEnvelope):
            decode(data)
    with pytest.raises(MalformedPola):
        decode_body(data)


@pytest.mark.parametrize("depth", [100, 400, 600, 1000, 1100, 5000])
def test_deeply_nested_input(depth: int) -> None:
    data = b"\x91" * depth + b"\xc0"
    for decode in (decode_signed_header, decode_bound, decode_meta):
        with pytest.raises(MalformedEnvelope):
            decode(data)
    with pytest.raises(MalformedPola):
        decode_body(b"\x81\xa2id" + data)


@FUZZ
@given(data=st.data())
def test_near_valid_signed_headers(envelopes: dict[str, bytes], data: st.DataObject) -> None:
    real = Layout.of(envelopes[data.draw(st.sampled_from(SHAPES))])
    template = msgpack.unpackb(real.signed_bytes, raw=False)
    mutated = _pack(_mutate(data.draw, template))
    _check_signed_header(mutated)
    _check_envelope_header(PREFIX + struct.pack(">I", len(mutated)) + mutated
                           + real.env[real.bound_len_at:real.payload.start])


@FUZZ
@given(data=st.data())
def test_near_valid_bound_blocks(envelopes: dict[str, bytes], data: st.DataObject) -> None:
    real = Layout.of(envelopes[data.draw(st.sampled_from(SHAPES))])
    mutated = _pack(_mutate(data.draw, msgpack.unpackb(real.bound_bytes, raw=False)))
    _check_bound(mutated)
    _check_envelope_header(real.env[:real.bound_len_at] + struct.pack(">I", len(mutated))
                           + mutated + real.env[real.stanzas_len_at:real.payload.start])


@FUZZ
@given(data=st.data())
def test_near_valid_stanzas(envelopes: dict[str, bytes], data: st.DataObject) -> None:
    real = Layout.of(envelopes[data.draw(st.sampled_from(SHAPES))])
    template = msgpack.unpackb(real.env[real.stanza_block], raw=False)
    _check_stanzas(_pack(_mutate(data.draw, template)), real.signed_header)


@FUZZ
@given(value=st.one_of(
    st.tuples(st.one_of(st.none(), st.text(max_size=1100)),
              st.one_of(st.none(), st.text(max_size=1100)),
              st.one_of(st.none(), st.text(max_size=300))).map(list),
    MSGPACK_VALUES))
def test_near_valid_metadata(value: Any) -> None:
    try:
        data = _pack(value)
    except (ValueError, TypeError):  # e.g. lone surrogates: not msgpack-able at all
        return
    _check_meta(data)


@pytest.fixture(scope="module")
def pola_template(world: DemoWorld) -> Any:
    """The demo pola body as plain msgpack objects."""
    return msgpack.unpackb(decode_pola(world.pola.to_bytes()).body_bytes, raw=False)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_near_valid_pola_bodies(pola_template: Any, data: st.DataObject) -> None:
    _check_body(_pack(_mutate(data.draw, pola_template)))


@FUZZ
@given(data=st.data())
def test_byte_edits_are_refused_or_canonical(envelopes: dict[str, bytes],
                                             world: DemoWorld, data: st.DataObject) -> None:
    # age's FuzzMalleability: whatever a decoder accepts re-encodes to the input.
    real = Layout.of(envelopes[data.draw(st.sampled_from(SHAPES))])
    _check_signed_header(data.draw(_byte_edits(real.signed_bytes)))
    _check_bound(data.draw(_byte_edits(real.bound_bytes)))
    _check_stanzas(data.draw(_byte_edits(real.env[real.stanza_block])), real.signed_header)
    _check_envelope_header(data.draw(_byte_edits(real.env[:real.payload.start])))
    _check_meta(data.draw(_byte_edits(encode_meta(Metadata("a.pdf", "rapat", "text/plain")))))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_byte_edits_of_a_pola_file(world: DemoWorld, data: st.DataObject) -> None:
    pola = world.pola.to_bytes()
    head = data.draw(st.booleans())
    region = pola[:600] if head else pola[-400:]
    edited = data.draw(_byte_edits(region))
    _check_pola(edited + pola[600:] if head else pola[:-400] + edited)


# --- the keystore file ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def ks_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory to write fuzzed keystore files into."""
    return tmp_path_factory.mktemp("fuzz-keystore")


def _open_keystore_bytes(home: Path, data: bytes) -> None:
    path = home / KEYSTORE_FILE
    path.write_bytes(data)
    os.chmod(path, 0o600)
    try:
        store = Keystore.open(home, passphrase="x")
    except MALFORMED:
        return
    store.add_keys([])  # what opened must be storable again
    assert Keystore.open(home, passphrase="x").keys() == store.keys()


@FUZZ
@given(data=st.one_of(st.binary(max_size=300),
                      st.binary(max_size=300).map(lambda b: KEYSTORE_MAGIC + b),
                      MSGPACK_VALUES.map(lambda v: KEYSTORE_MAGIC + _pack(v)),
                      MSGPACK_VALUES.map(lambda v: b"SANDK\x03" + _pack(v))))  # public part
def test_keystore_file_fuzz(ks_home: Path, data: bytes) -> None:
    _open_keystore_bytes(ks_home, data)


_SEALER = SealedFile.new(KEYSTORE_MAGIC, "x", KdfParams(ops=1, mem=8192))  # as conftest


@FUZZ
@given(data=st.data())
def test_keystore_contents_fuzz(world: DemoWorld, ks_home: Path, data: st.DataObject) -> None:
    # A correctly sealed keystore (right passphrase) whose content is hostile.
    keys = world.keystore.keys()[:3]
    template = [[k.agency, k.version, epoch(k.created_at), k.x25519, k.ed25519, k.mlkem_seed,
                 k.mldsa_seed] for k in keys]
    how = data.draw(st.sampled_from(["random", "mutated", "mutated", "valid"]), label="how")
    if how == "random":
        content: Any = data.draw(MSGPACK_VALUES, label="content")
    else:
        content = _mutate(data.draw, template) if how == "mutated" else template
    _open_keystore_bytes(ks_home, _SEALER.seal(_pack(content)))


@pytest.mark.parametrize("head", [
    {"salt": bytes(16), "ops": 1, "mem": 8192, "nonce": bytes(12)},  # no check
    {"salt": bytes(15), "ops": 1, "mem": 8192, "nonce": bytes(12), "check": bytes(16)},
    {"salt": bytes(16), "ops": 0, "mem": 8192, "nonce": bytes(12), "check": bytes(16)},
    {"salt": bytes(16), "ops": 1, "mem": 2**41, "nonce": bytes(12), "check": bytes(16)},
    {"salt": bytes(16), "ops": 1, "mem": 1024, "nonce": bytes(12), "check": bytes(16)},
    {"salt": "x", "ops": 1, "mem": 8192, "nonce": bytes(12), "check": bytes(16)},
])
def test_keystore_head_fields_are_checked_before_any_work(ks_home: Path,
                                                          head: dict[str, Any]) -> None:
    data = KEYSTORE_MAGIC + _pack([_pack(head), bytes(32)])
    with pytest.raises(MalformedKeyFile):
        _open_keystore_bytes_strict(ks_home, data)


def _open_keystore_bytes_strict(home: Path, data: bytes) -> None:
    path = home / KEYSTORE_FILE
    path.write_bytes(data)
    os.chmod(path, 0o600)
    Keystore.open(home, passphrase="x")


# --- bounds, checked before reading or allocating ------------------------------------------------


class _Spy:
    """A read callable that records how much was asked for."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.asked: list[int] = []

    def __call__(self, n: int) -> bytes:
        self.asked.append(n)
        out = self.data[self.pos:self.pos + n]
        self.pos += len(out)
        return out


@pytest.mark.parametrize("size", [0, MAX_SIGNED_HEADER + 1, 2**31, 2**32 - 1])
def test_oversize_signed_header_length(size: int) -> None:
    spy = _Spy(PREFIX + struct.pack(">I", size) + bytes(64))
    with pytest.raises(MalformedEnvelope, match=f"envelope: header length {size} is outside"):
        read_header(spy)
    assert spy.asked == [len(PREFIX), 4]  # nothing read (or allocated) for the block


@pytest.mark.parametrize("size", [0, MAX_STANZAS + 1, 2**32 - 1])
def test_oversize_stanza_block_length(envelopes: dict[str, bytes], size: int) -> None:
    layout = Layout.of(envelopes["classical"])
    head = layout.env[:layout.stanzas_len_at]
    spy = _Spy(head + struct.pack(">I", size) + bytes(64))
    with pytest.raises(MalformedEnvelope, match=f"recipient stanzas length {size} is outside"):
        read_header(spy)
    assert max(spy.asked) <= len(layout.signed_bytes)
    assert spy.asked[-1] == 4


@pytest.mark.parametrize("size", [0, MAX_BOUND + 1, 2**32 - 1])
def test_oversize_bound_block_length(envelopes: dict[str, bytes], size: int) -> None:
    layout = Layout.of(envelopes["classical"])
    spy = _Spy(layout.env[:layout.bound_len_at] + struct.pack(">I", size) + bytes(64))
    with pytest.raises(MalformedEnvelope, match=f"bound block length {size} is outside"):
        read_header(spy)
    assert spy.asked[-1] == 4


def test_truncated_block_is_reported(envelopes: dict[str, bytes]) -> None:
    layout = Layout.of(envelopes["classical"])
    for cut in (3, 8, layout.signed.start + 5, layout.bound_len_at, layout.bound_len_at + 2,
                layout.bound_block.start + 5, layout.stanzas_len_at,
                layout.stanza_block.start + 2):
        with pytest.raises(MalformedEnvelope, match="truncated"):
            parse_header(layout.env[:cut])


def test_too_many_recipients_in_a_header(envelopes: dict[str, bytes]) -> None:
    template = msgpack.unpackb(Layout.of(envelopes["multi"]).signed_bytes, raw=False)
    template[7] = [f"a{i:04d}" for i in range(MAX_RECIPIENTS + 1)]
    with pytest.raises(MalformedEnvelope, match=r"recipients must have 1\.\.1024 items, has 1025"):
        decode_signed_header(_pack(template))
    template[7] = []
    with pytest.raises(MalformedEnvelope, match=r"recipients must have 1\.\.1024 items, has 0"):
        decode_signed_header(_pack(template))
    template[7] = ["dinsos", "dinkes"]
    with pytest.raises(MalformedEnvelope, match="sorted and unique"):
        decode_signed_header(_pack(template))


def test_oversize_metadata_field(envelopes: dict[str, bytes]) -> None:
    template = msgpack.unpackb(Layout.of(envelopes["multi"]).bound_bytes, raw=False)
    template[1] = bytes(MAX_META + 17)
    with pytest.raises(MalformedEnvelope, match="metadata must be"):
        decode_bound(_pack(template))
    template[1] = bytes(15)  # shorter than its tag
    with pytest.raises(MalformedEnvelope, match="metadata must be"):
        decode_bound(_pack(template))


def test_oversize_pola_lengths() -> None:
    with pytest.raises(MalformedPola, match="body length"):
        decode_pola(POLA_PREFIX + struct.pack(">I", 64 * 1024 * 1024 + 1))
    with pytest.raises(MalformedPola, match="body length 4294967295"):
        decode_pola(POLA_PREFIX + b"\xff\xff\xff\xff" + bytes(100))
    with pytest.raises(MalformedPola, match="truncated"):
        decode_pola(POLA_PREFIX + b"\x00\x00")


def test_too_many_pola_signatures(world: DemoWorld) -> None:
    signed = decode_pola(world.pola.to_bytes())
    sigs = _pack([["kustodian-1", bytes(64)]] * 65)
    data = (POLA_PREFIX + struct.pack(">I", len(signed.body_bytes)) + signed.body_bytes
            + struct.pack(">I", len(sigs)) + sigs)
    with pytest.raises(MalformedPola, match=r"signatures must have 0\.\.64 items"):
        decode_pola(data)


# --- STYLE rule 2: a fixed prefix, raised from the cause -----------------------------------------


@pytest.mark.parametrize("decode,data,error,prefix", [
    (decode_signed_header, b"\xc1", MalformedEnvelope, "envelope header: "),
    (decode_signed_header, b"\x93\x01\x02\x03", MalformedEnvelope, "envelope header: "),
    (decode_bound, b"\x91\x01", MalformedEnvelope, "bound block: "),
    (lambda b: decode_stanzas(b, None), b"\xc1",  # type: ignore[arg-type]
     MalformedEnvelope, "recipient stanzas: "),
    (decode_meta, b"\x93\xc0\xc0", MalformedEnvelope, "metadata: "),
    (decode_meta, b"\xcc\x01", MalformedEnvelope, "metadata: "),  # non-canonical
    (parse_header, b"SANDX\x01", MalformedEnvelope, "envelope: "),
    (decode_body, b"\x80", MalformedPola, "pola: "),
    (decode_body, b"\xdf\x00", MalformedPola, "pola body: "),
    (decode_pola, b"SANDQ", MalformedPola, "pola: "),
])
def test_errors_have_a_fixed_prefix(decode: Callable[[bytes], object], data: bytes,
                                    error: type[Exception], prefix: str) -> None:
    with pytest.raises(error) as caught:
        decode(data)
    assert str(caught.value).startswith(prefix)


@pytest.mark.parametrize("data", [b"\xc1", b"\x92\x01", b"\x91\x01\x02", b"\xd4\x05\x00"])
def test_msgpack_errors_are_chained(data: bytes) -> None:
    with pytest.raises(MalformedEnvelope, match="not valid msgpack") as caught:
        decode_signed_header(data)
    assert caught.value.__cause__ is not None  # raised `from` the msgpack error


# --- versions, suites, magic ---------------------------------------------------------------------


def test_envelope_magic_and_version(envelopes: dict[str, bytes]) -> None:
    assert MAGIC == b"SANDI" and VERSION == 2 and PREFIX == b"SANDI\x02"
    for env in envelopes.values():
        assert env.startswith(PREFIX)
    env = envelopes["classical"]
    for v in (0, 1, 3, 255):
        with pytest.raises(UnsupportedVersion, match=f"format version {v} is not supported;"
                                                     " this sandi reads version 2") as caught:
            parse_header(env[:5] + bytes([v]) + env[6:])
        assert "seal the document again with current sandi" in caught.value.hint("en")
        assert "menyegel ulang" in caught.value.hint("id")
    with pytest.raises(MalformedEnvelope, match="bad magic") as caught:
        parse_header(b"SANDP\x01" + env[6:])
    assert not isinstance(caught.value, UnsupportedVersion)


def test_pola_magic_and_version(world: DemoWorld) -> None:
    data = world.pola.to_bytes()
    assert POLA_MAGIC == b"SANDP" and data.startswith(b"SANDP\x02")
    # A pola's own class (a MalformedPola), whose hint speaks of the pola, not a sender.
    with pytest.raises(UnsupportedPolaVersion, match="format version 1"):
        decode_pola(b"SANDP\x01" + data[6:])
    with pytest.raises(UnsupportedPolaVersion):
        sandi.Pola.from_bytes(b"SANDP\x09" + data[6:])


@pytest.mark.parametrize("suite", [0, 3, 4, 255])
def test_unknown_suite(envelopes: dict[str, bytes], suite: int) -> None:
    template = msgpack.unpackb(Layout.of(envelopes["classical"]).signed_bytes, raw=False)
    template[0] = suite
    with pytest.raises(UnsupportedSuite, match=f"unknown suite {suite}"):
        decode_signed_header(_pack(template))


def test_keystore_magic(tmp_path: Path) -> None:
    assert KEYSTORE_MAGIC == b"SANDK\x02"
    with pytest.raises(MalformedKeyFile, match="not a sandi key file"):
        _open_keystore_bytes_strict(tmp_path, b"SANDK\x01" + bytes(40))


# --- domain separation: every label, and that the wire really uses it ----------------------------


def test_every_label_is_versioned() -> None:
    labels = {name: value for name, value in vars(sandi.crypto.primitives).items()
              if name.startswith("LABEL_")}
    assert labels, "no labels found"
    envelope = {"LABEL_HEADER_HASH", "LABEL_DOCUMENT_KEYS", "LABEL_COMMITMENT",
                "LABEL_METADATA", "LABEL_STANZA_X25519", "LABEL_STANZA_HYBRID",
                "LABEL_ENVELOPE_SIGNATURE"}
    for name, value in labels.items():
        # The envelope is format version 2; the other formats keep their own labels.
        prefix = b"sandi/v2" if name in envelope else b"sandi/v1"
        assert value == prefix or value.startswith(prefix + b"/"), name
    assert envelope <= set(labels)
    assert len(set(labels.values())) == len(labels)  # no two uses share a label
    assert SIGNATURE_LABEL == b"sandi/v2/envelope-signature\x00"
    assert POLA_SIGNATURE_LABEL == b"sandi/v2/pola-signature\x00"
    assert FRESHNESS_LABEL == b"sandi/v2/pola-freshness\x00"


# The checks below recompute each step of format version 2 by hand from
# docs/format.md, with pyca/cryptography and hashlib only: the envelope sandi
# writes is the one the document specifies (tests/test_second_implementation.py
# opens every published vector the same way).


def _header_hash(layout: Layout) -> bytes:
    """H = SHA-256("sandi/v2/header-hash" || 0x00 || magic .. end of the header)."""
    return hashlib.sha256(b"sandi/v2/header-hash\x00" + layout.env[:layout.signed.stop]).digest()


def test_envelope_signature_input_is_labelled(world: DemoWorld,
                                              envelopes: dict[str, bytes]) -> None:
    layout = Layout.of(envelopes["classical"])
    public = world.pola.agency("dispendukcapil").key(1).keys.ed25519
    region = layout.env[:layout.bound_block.stop]  # header and bound block, not the stanzas
    digest = hashlib.sha256(layout.payload_bytes).digest()
    key = ed25519.Ed25519PublicKey.from_public_bytes(public)
    key.verify(layout.signature_bytes, b"sandi/v2/envelope-signature\x00" + region + digest)
    with pytest.raises(InvalidSignature):  # the same bytes without the label do not verify
        key.verify(layout.signature_bytes, region + digest)


def test_hybrid_signature_halves_are_labelled(world: DemoWorld,
                                              envelopes: dict[str, bytes]) -> None:
    layout = Layout.of(envelopes["hybrid"])
    keys = world.pola.agency("inspektorat").key(1).keys
    assert keys.mldsa is not None
    message = (b"sandi/v2/envelope-signature\x00" + layout.env[:layout.bound_block.stop]
               + hashlib.sha256(layout.payload_bytes).digest())
    sig = layout.signature_bytes
    ed25519.Ed25519PublicKey.from_public_bytes(keys.ed25519).verify(sig[:64], message)
    pq = mldsa.MLDSA65PublicKey.from_public_bytes(keys.mldsa)
    pq.verify(sig[64:], message, b"sandi/v2/envelope-signature")
    with pytest.raises(InvalidSignature):  # the context of the other formats does not verify
        pq.verify(sig[64:], message, b"sandi/v1")


def test_pola_signatures_are_labelled(world: DemoWorld) -> None:
    signed = decode_pola(world.pola.to_bytes())
    message = pola_message(signed.body_bytes)
    assert message.startswith(b"sandi/v2/pola-signature\x00SANDP\x02")
    keys = {k.id: k for k in signed.body.authority.keys}
    for key_id, sig in signed.signatures:
        key = keys[key_id]
        assert key.mldsa is not None and len(sig) == 64 + 3309  # hybrid (issue 14 §7)
        ed25519.Ed25519PublicKey.from_public_bytes(key.ed25519).verify(sig[:64], message)
        pq = mldsa.MLDSA65PublicKey.from_public_bytes(key.mldsa)
        pq.verify(sig[64:], message, b"sandi/v2/pola-signature")
        with pytest.raises(InvalidSignature):  # the context of the other formats does not
            pq.verify(sig[64:], message, b"sandi/v1")


def test_header_hash_document_keys_and_stanza_use_their_labels(
        world: DemoWorld, envelopes: dict[str, bytes]) -> None:
    # Recompute the header hash, the classical stanza, the document keys, the
    # commitment, the metadata and the first chunk by hand from the labels.
    layout = Layout.of(envelopes["classical"])
    stanza, h = layout.stanzas[0], layout.signed_header
    hh = _header_hash(layout)
    assert hh == layout.header_hash
    priv = world.keystore.get("dinkes", 1).x25519
    me = x25519.X25519PrivateKey.from_private_bytes(priv)
    eph = stanza.body[:32]
    shared = me.exchange(x25519.X25519PublicKey.from_public_bytes(eph))
    info = b"sandi/v2/stanza/x25519\x00dinkes\x00" + struct.pack(">I", 1)
    wrap_key = hkdf(shared, salt=eph + me.public_key().public_bytes_raw(), info=info)
    data_key = AESGCM(wrap_key).decrypt(bytes(12), stanza.body[32:], hh)  # AAD: H
    okm = hkdf(data_key, salt=h.payload_nonce, info=b"sandi/v2/document-keys\x00" + hh,
               length=64)
    commitment = hkdf(data_key, salt=h.payload_nonce, info=b"sandi/v2/commitment\x00" + hh)
    keys = DocumentKeys.derive(data_key, h.payload_nonce, hh)
    assert (keys.payload, keys.metadata, keys.commitment) == (okm[:32], okm[32:], commitment)
    assert commitment == layout.bound.commitment
    first = layout.chunk_list()[0]
    assert AESGCM(okm[:32]).decrypt(chunk_nonce(0, False), first, None) == DOC[:len(first) - 16]
    meta = AESGCM(okm[32:]).decrypt(bytes(12), layout.bound.meta, b"sandi/v2/metadata")
    assert decode_meta(meta).filename == "a.pdf"
    # The wrap of the v1 format (its label, no AAD) does not open a v2 stanza.
    old_key = hkdf(shared, salt=eph + me.public_key().public_bytes_raw(),
                   info=b"sandi/v1/wrap/x25519\x00dinkes\x00" + struct.pack(">I", 1))
    with pytest.raises(InvalidTag):
        AESGCM(old_key).decrypt(bytes(12), stanza.body[32:], None)
    with pytest.raises(InvalidTag):  # nor the right key without H as associated data
        AESGCM(wrap_key).decrypt(bytes(12), stanza.body[32:], None)


# --- what seal writes, open reads (metadata bounds at the sealing end) ---------------------------


@pytest.mark.parametrize("field,value", [
    ("filename", ""), ("filename", "a" * 1025), ("filename", "é" * 513),
    ("subject", ""), ("subject", "s" * 1025), ("content_type", "c" * 256),
    ("filename", "a" * 1024), ("subject", "s" * 1024), ("content_type", "c" * 255),
    ("filename", "laporan.pdf"), ("filename", "\ud800.pdf"),
])
def test_seal_accepts_only_metadata_that_open_reads(world: DemoWorld, tmp_path: Path,
                                                    field: str, value: str) -> None:
    kwargs = {field: value}
    try:
        env = sandi.seal(b"isi", sender=world.keystore.identity("dispendukcapil"),
                         to=["dinkes"], classification="rahasia", pola=world.pola,
                         **kwargs)  # type: ignore[arg-type]
    except InvalidArgument:
        return
    store = keystore_with(world, tmp_path / "dinkes", ["dinkes"])
    doc = sandi.open(env, keystore=store, pola=world.pola)
    assert getattr(doc, field) == value


@settings(max_examples=60, deadline=None)
@given(filename=st.one_of(st.none(), st.text(max_size=1100)),
       subject=st.one_of(st.none(), st.text(max_size=1100)),
       content_type=st.one_of(st.none(), st.text(max_size=300)))
def test_seal_metadata_round_trip_property(world: DemoWorld, filename: str | None,
                                           subject: str | None, content_type: str | None,
                                           ) -> None:
    try:
        env = sandi.seal(b"isi", sender=world.keystore.identity("dispendukcapil"),
                         to=["dispendukcapil"], classification="rahasia", pola=world.pola,
                         filename=filename, subject=subject, content_type=content_type)
    except InvalidArgument:
        return
    doc = sandi.open(env, keystore=world.keystore, pola=world.pola)
    assert (doc.filename, doc.subject, doc.content_type) == (filename, subject, content_type)


def test_classic_crashers() -> None:
    # A direct statement of guarantee 10 for a handful of classic parser crashers:
    # huge declared lengths, truncated containers, ext types, timestamps.
    cases = [b"", b"\x00", b"\xff" * 8, b"\xdd\xff\xff\xff\xff", b"\xdf\xff\xff\xff\xff",
             b"\xc6\xff\xff\xff\xff", b"\xdb\xff\xff\xff\xff", b"\x9d" + b"\xc0" * 13,
             b"\xd6\xff" + bytes(4), b"\xc7\x0c\xff" + bytes(12), b"\xd7\xff" + b"\xff" * 8,
             b"\xca\x00\x00\x00\x00", b"\xcb" + bytes(8), b"\xd9\x01\xff"]
    for data in cases:
        _check_signed_header(data)
        _check_meta(data)
        _check_body(data)
        _check_pola(data)
        _check_envelope_header(PREFIX + struct.pack(">I", len(data)) + data)
