"""Guarantee 2 (integrity) and 10 (bounded parsing) under tampering.

Changing, dropping, adding or reordering any byte, chunk or stanza makes open
and verify fail with a specific sandi error; truncation at any chunk boundary is
detected. One exception, by design (guarantee 7): the recipient stanzas' key
versions and bodies are outside the sender's signature, so that a custodian can
rewrap them. ``verify`` (which holds no private key) cannot see a change there;
the recipient whose stanza changed cannot open, and the signed recipient list
still fixes the number, order and names of the stanzas.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import REFUSALS, Layout, flip, keystore_with
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sandi
from sandi.crypto.suite import Suite
from sandi.demo import DemoWorld
from sandi.envelope.format import (
    CHUNK_SIZE,
    CT_CHUNK_SIZE,
    Bound,
    SignedHeader,
    Stanza,
    encode_bound,
    encode_signed_header,
)
from sandi.envelope.stanzas import wrap
from sandi.errors import (
    KeyNotValid,
    MalformedEnvelope,
    NotARecipient,
    PolaMismatch,
    SignatureInvalid,
    TamperedEnvelope,
    UnsupportedSuite,
    UnsupportedVersion,
    WrappedKeyInvalid,
)
from sandi.keys.keystore import Keystore

TAMPER = settings(max_examples=200, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: A cut or spliced payload fails authentication, or, when the piece left before
#: the signature is too short to be a chunk, does not even parse as one.
CUT = (TamperedEnvelope, MalformedEnvelope)

PLAINTEXT = random.Random(2).randbytes(150 * 1024)  # three chunks: 64 KiB, 64 KiB, 22 KiB


# --- fixtures: one envelope per shape, and keystores holding only one recipient ------------


@pytest.fixture(scope="module")
def single(world: DemoWorld) -> bytes:
    """dispendukcapil -> dinkes, terbatas, classical, three chunks."""
    return sandi.seal(PLAINTEXT, sender=world.keystore.identity("dispendukcapil"), to=["dinkes"],
                      classification="terbatas", pola=world.pola, filename="data-penduduk.csv")


@pytest.fixture(scope="module")
def multi(world: DemoWorld) -> bytes:
    """dispendukcapil -> dinkes, dinsos, terbatas, classical, three chunks."""
    return sandi.seal(PLAINTEXT, sender=world.keystore.identity("dispendukcapil"),
                      to=["dinkes", "dinsos"], classification="terbatas", pola=world.pola)


@pytest.fixture(scope="module")
def hybrid(world: DemoWorld) -> bytes:
    """inspektorat -> setda, sangat-rahasia, hybrid suite, three chunks."""
    return sandi.seal(PLAINTEXT, sender=world.keystore.identity("inspektorat"), to=["setda"],
                      classification="sangat-rahasia", pola=world.pola)


@pytest.fixture(scope="module")
def stores(world: DemoWorld, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Keystore]:
    """One keystore per agency that holds only that agency's keys."""
    return {a: keystore_with(world, tmp_path_factory.mktemp(a), [a])
            for a in ("dinkes", "dinsos", "setda", "disdik")}


def _refused(env: bytes, world: DemoWorld, store: Keystore) -> None:
    with pytest.raises(REFUSALS):
        sandi.open(env, keystore=store, pola=world.pola)


def _refused_by_verify(env: bytes, world: DemoWorld) -> None:
    with pytest.raises(REFUSALS):
        sandi.verify(env, pola=world.pola)


def test_untouched_envelopes_open_and_verify(world: DemoWorld, single: bytes, multi: bytes,
                                             hybrid: bytes, stores: dict[str, Keystore]) -> None:
    # The baseline every tampering test below departs from.
    for env, opener in ((single, "dinkes"), (multi, "dinkes"), (multi, "dinsos"),
                        (hybrid, "setda")):
        assert sandi.open(env, keystore=stores[opener], pola=world.pola).plaintext == PLAINTEXT
        sandi.verify(env, pola=world.pola)
    assert len(Layout.of(single).chunks) == 3


# --- any single byte ---------------------------------------------------------------------


def _positions(env: bytes) -> st.SearchStrategy[int]:
    """Anywhere, with extra weight on the header and the end (signature, last chunk)."""
    layout = Layout.of(env)
    n = len(env)
    return st.one_of(st.integers(0, n - 1), st.integers(0, layout.payload.start - 1),
                     st.integers(n - 256, n - 1),
                     st.sampled_from([c.start for c in layout.chunks]
                                     + [c.stop - 1 for c in layout.chunks]))


@TAMPER
@given(data=st.data(), mask=st.integers(1, 255))
def test_any_byte_flip_is_refused_by_open(world: DemoWorld, single: bytes,
                                          stores: dict[str, Keystore], data: st.DataObject,
                                          mask: int) -> None:
    pos = data.draw(_positions(single), label="pos")
    _refused(flip(single, pos, mask), world, stores["dinkes"])


@TAMPER
@given(data=st.data(), mask=st.integers(1, 255))
def test_any_byte_flip_outside_stanzas_is_refused_by_verify(world: DemoWorld, single: bytes,
                                                            data: st.DataObject,
                                                            mask: int) -> None:
    exempt = Layout.of(single).stanza_exempt()
    pos = data.draw(_positions(single).filter(lambda p: p not in exempt), label="pos")
    _refused_by_verify(flip(single, pos, mask), world)


@TAMPER
@given(data=st.data(), mask=st.integers(1, 255), opener=st.sampled_from(["dinkes", "dinsos"]))
def test_multi_recipient_flip_is_refused_by_each_recipient(
        world: DemoWorld, multi: bytes, stores: dict[str, Keystore], data: st.DataObject,
        mask: int, opener: str) -> None:
    # A recipient holding only its own keys reads only its own stanza: a change in
    # the *other* recipient's stanza body or key version does not concern it (that
    # recipient is refused instead). Every other byte concerns every recipient.
    layout = Layout.of(multi)
    index = layout.signed_header.to.index(opener)
    others: set[int] = set()
    for i, (v, b) in enumerate(zip(layout.stanza_versions, layout.stanza_bodies, strict=True)):
        if i != index:
            others.update(range(v.start, v.stop), range(b.start, b.stop))
    pos = data.draw(_positions(multi).filter(lambda p: p not in others), label="pos")
    _refused(flip(multi, pos, mask), world, stores[opener])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), mask=st.integers(1, 255))
def test_hybrid_any_byte_flip_is_refused(world: DemoWorld, hybrid: bytes,
                                         stores: dict[str, Keystore], data: st.DataObject,
                                         mask: int) -> None:
    exempt = Layout.of(hybrid).stanza_exempt()
    pos = data.draw(_positions(hybrid), label="pos")
    env = flip(hybrid, pos, mask)
    _refused(env, world, stores["setda"])
    if pos not in exempt:
        _refused_by_verify(env, world)


def test_every_header_and_signature_byte_is_covered(world: DemoWorld, single: bytes,
                                                    stores: dict[str, Keystore]) -> None:
    # Exhaustive where the structure is dense: each byte of the header and of the
    # signature, and the first and last bytes of every chunk (nonce-bound tags).
    layout = Layout.of(single)
    exempt = layout.stanza_exempt()
    positions = [*range(layout.payload.start), *range(layout.signature.start, len(single))]
    for c in layout.chunks:
        positions += [*range(c.start, c.start + 8), *range(c.stop - 24, c.stop)]
    for pos in positions:
        for mask in (0x01, 0x80):
            env = flip(single, pos, mask)
            _refused(env, world, stores["dinkes"])
            if pos not in exempt:
                _refused_by_verify(env, world)


# --- truncation, dropping, duplicating, reordering chunks, appending ----------------------


@pytest.mark.parametrize("size", [2 * CHUNK_SIZE, 2 * CHUNK_SIZE + 1, 150 * 1024])
def test_truncation_at_every_chunk_boundary(world: DemoWorld, stores: dict[str, Keystore],
                                            size: int) -> None:
    env = sandi.seal(PLAINTEXT[:size] + bytes(max(0, size - len(PLAINTEXT))),
                     sender=world.keystore.identity("dispendukcapil"), to=["dinkes"],
                     classification="terbatas", pola=world.pola)
    layout = Layout.of(env)
    cuts = {layout.payload.start + i * CT_CHUNK_SIZE for i in range(len(layout.chunks) + 1)}
    cuts |= {layout.signature.start, len(env) - 1}
    for cut in sorted(cuts):
        if cut >= len(env):
            continue
        for tail in (b"", layout.signature_bytes):  # cut bare, or with a signature re-attached
            env2 = env[:cut] + tail
            if env2 == env:
                continue
            with pytest.raises(CUT):
                sandi.open(env2, keystore=stores["dinkes"], pola=world.pola)
            with pytest.raises(CUT):
                sandi.verify(env2, pola=world.pola)


@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_truncation_anywhere(world: DemoWorld, single: bytes, stores: dict[str, Keystore],
                             data: st.DataObject) -> None:
    layout = Layout.of(single)
    cut = data.draw(st.one_of(st.integers(0, len(single) - 1),
                              st.integers(0, layout.payload.start)), label="cut")
    env = single[:cut]
    _refused(env, world, stores["dinkes"])
    _refused_by_verify(env, world)
    if cut < layout.payload.start:  # inside the header: a parse error, nothing more
        with pytest.raises(MalformedEnvelope):
            sandi.verify(env, pola=world.pola)


def _rechunk(layout: Layout, order: list[int]) -> bytes:
    chunks = layout.chunk_list()
    return layout.with_(payload=b"".join(chunks[i] for i in order))


@pytest.mark.parametrize("order", [
    [1, 2], [0, 2], [0, 1],  # drop one chunk
    [0, 0, 1, 2], [0, 1, 1, 2], [0, 1, 2, 2],  # duplicate one
    [1, 0, 2], [0, 2, 1], [2, 1, 0],  # reorder
    [0], [],  # drop the tail, drop everything
], ids=lambda o: "-".join(map(str, o)) or "none")
def test_chunk_drop_duplicate_reorder(world: DemoWorld, single: bytes,
                                      stores: dict[str, Keystore], order: list[int]) -> None:
    env = _rechunk(Layout.of(single), order)
    with pytest.raises(TamperedEnvelope):
        sandi.open(env, keystore=stores["dinkes"], pola=world.pola)
    with pytest.raises(TamperedEnvelope):
        sandi.verify(env, pola=world.pola)


def test_chunk_from_another_envelope_is_refused(world: DemoWorld, single: bytes,
                                                stores: dict[str, Keystore]) -> None:
    other = Layout.of(sandi.seal(PLAINTEXT, sender=world.keystore.identity("dispendukcapil"),
                                 to=["dinkes"], classification="terbatas", pola=world.pola))
    layout = Layout.of(single)
    for i in range(3):
        chunks = layout.chunk_list()
        chunks[i] = other.chunk_list()[i]
        env = layout.with_(payload=b"".join(chunks))
        with pytest.raises(TamperedEnvelope, match=f"payload chunk {i}"):
            sandi.open(env, keystore=stores["dinkes"], pola=world.pola)
        with pytest.raises(SignatureInvalid):
            sandi.verify(env, pola=world.pola)


@pytest.mark.parametrize("extra", [b"\x00", bytes(16), bytes(64), bytes(CT_CHUNK_SIZE),
                                   b"SANDI\x02"], ids=["1", "16", "64", "chunk", "magic"])
def test_appended_bytes_are_refused(world: DemoWorld, single: bytes,
                                    stores: dict[str, Keystore], extra: bytes) -> None:
    for env in (single + extra, single + Layout.of(single).signature_bytes[:len(extra)]):
        with pytest.raises(TamperedEnvelope):
            sandi.open(env, keystore=stores["dinkes"], pola=world.pola)
        with pytest.raises(TamperedEnvelope):
            sandi.verify(env, pola=world.pola)


# --- stanzas (multi-recipient) -----------------------------------------------------------


def _stanza_cases(layout: Layout) -> dict[str, tuple[Stanza, ...]]:
    a, b = layout.stanzas
    extra = Stanza("disdik", 1, a.body)
    return {
        "swap": (b, a),
        "duplicate-first": (a, a, b),
        "duplicate-second": (a, b, b),
        "drop-first": (b,),
        "drop-second": (a,),
        "add-third": (a, b, extra),
        "rename": (Stanza("disdik", a.key_version, a.body), b),
    }


@pytest.mark.parametrize("case", ["swap", "duplicate-first", "duplicate-second", "drop-first",
                                  "drop-second", "add-third", "rename"])
def test_stanza_list_changes_are_refused(world: DemoWorld, multi: bytes,
                                         stores: dict[str, Keystore], case: str) -> None:
    layout = Layout.of(multi)
    env = layout.with_(stanzas=_stanza_cases(layout)[case])
    for opener in ("dinkes", "dinsos", "disdik"):
        with pytest.raises(MalformedEnvelope, match="recipient"):
            sandi.open(env, keystore=stores[opener], pola=world.pola)
    with pytest.raises(MalformedEnvelope, match="recipient"):
        sandi.verify(env, pola=world.pola)


def test_stanza_body_swap_is_refused_by_both_recipients(world: DemoWorld, multi: bytes,
                                                        stores: dict[str, Keystore]) -> None:
    layout = Layout.of(multi)
    a, b = layout.stanzas
    env = layout.with_(stanzas=(Stanza(a.agency, a.key_version, b.body),
                                Stanza(b.agency, b.key_version, a.body)))
    # The wrap's KDF binds each body to its agency name and key version.
    for opener in ("dinkes", "dinsos"):
        with pytest.raises(WrappedKeyInvalid):
            sandi.open(env, keystore=stores[opener], pola=world.pola)
    # Stanza bodies are outside the signature by design (guarantee 7): verify,
    # which has no private key, cannot tell, and passes.
    sandi.verify(env, pola=world.pola)


def test_stanza_key_version_change(world: DemoWorld, multi: bytes,
                                   stores: dict[str, Keystore]) -> None:
    layout = Layout.of(multi)
    a, b = layout.stanzas
    env = layout.with_(stanzas=(Stanza(a.agency, 2, a.body), b))
    with pytest.raises(NotARecipient) as caught:
        sandi.open(env, keystore=stores["dinkes"], pola=world.pola)
    assert caught.value.tried == (("dinkes", 2),)
    sandi.verify(env, pola=world.pola)  # outside the signature by design (guarantee 7)
    assert sandi.open(env, keystore=stores["dinsos"], pola=world.pola).plaintext == PLAINTEXT


# --- region by region, with the error each region gives ------------------------------------


@pytest.mark.parametrize("pos", range(5))
def test_region_magic(world: DemoWorld, single: bytes, stores: dict[str, Keystore],
                      pos: int) -> None:
    env = flip(single, pos)
    with pytest.raises(MalformedEnvelope, match="bad magic"):
        sandi.open(env, keystore=stores["dinkes"], pola=world.pola)
    with pytest.raises(MalformedEnvelope, match="bad magic"):
        sandi.verify(env, pola=world.pola)


@pytest.mark.parametrize("version", [0, 1, 3, 0x41, 255])
def test_region_version_byte(world: DemoWorld, single: bytes, stores: dict[str, Keystore],
                             version: int) -> None:
    env = single[:5] + bytes([version]) + single[6:]
    with pytest.raises(UnsupportedVersion, match=f"format version {version} is not supported;"
                                                 " this sandi reads version 2"):
        sandi.open(env, keystore=stores["dinkes"], pola=world.pola)
    with pytest.raises(UnsupportedVersion):
        sandi.verify(env, pola=world.pola)


_LENGTHS: dict[str, Callable[[int], int]] = {
    "zero": lambda n: 0, "one": lambda n: 1, "minus-one": lambda n: n - 1,
    "plus-one": lambda n: n + 1, "max-u32": lambda n: 0xFFFF_FFFF,
    "over-header-limit": lambda n: 256 * 1024 + 1,
    "over-bound-limit": lambda n: 8 * 1024 + 1,
    "over-stanza-limit": lambda n: 4 * 1024 * 1024 + 1,
}


@pytest.mark.parametrize("region", ["signed", "bound", "stanzas"])
@pytest.mark.parametrize("length", sorted(_LENGTHS))
def test_region_length_fields(world: DemoWorld, single: bytes, stores: dict[str, Keystore],
                              region: str, length: str) -> None:
    layout = Layout.of(single)
    at = {"signed": layout.signed_len_at, "bound": layout.bound_len_at,
          "stanzas": layout.stanzas_len_at}[region]
    new = _LENGTHS[length](int.from_bytes(single[at:at + 4], "big"))
    env = single[:at] + new.to_bytes(4, "big") + single[at + 4:]
    with pytest.raises(MalformedEnvelope):
        sandi.open(env, keystore=stores["dinkes"], pola=world.pola)
    with pytest.raises(MalformedEnvelope):
        sandi.verify(env, pola=world.pola)


# Each field of the header changed to another valid value, re-encoded canonically,
# signature kept: which check catches it, at open and at verify. At open, a change
# that passes the policy meets the header binding first: the stanza, bound to the
# header hash, no longer opens (WrappedKeyInvalid), before any decryption; verify
# (no key) sees the signature fail.
_Change = Callable[[SignedHeader], SignedHeader]
_FIELD_CASES: dict[str, tuple[_Change, type[Exception], type[Exception]]] = {
    "doc_id": (lambda h: replace(h, doc_id=bytes(16)), WrappedKeyInvalid, SignatureInvalid),
    "created_at": (lambda h: replace(h, created_at=h.created_at + 1),
                   WrappedKeyInvalid, SignatureInvalid),
    "created_at_too_early": (lambda h: replace(h, created_at=0), KeyNotValid, KeyNotValid),
    "urgency": (lambda h: replace(h, urgency=sandi.Urgency.KILAT),
                WrappedKeyInvalid, SignatureInvalid),
    "classification": (lambda h: replace(h, classification=sandi.Classification.BIASA),
                       WrappedKeyInvalid, SignatureInvalid),
    "payload_nonce": (lambda h: replace(h, payload_nonce=bytes(16)),
                      WrappedKeyInvalid, SignatureInvalid),
    "pola_version": (lambda h: replace(h, pola_version=h.pola_version + 1),
                     PolaMismatch, PolaMismatch),
    "pola_id": (lambda h: replace(h, pola_id="kota-lain"), PolaMismatch, PolaMismatch),
    "sender": (lambda h: replace(h, sender="setda"), KeyNotValid, KeyNotValid),
    "sender_and_signer": (lambda h: replace(h, sender="setda",
                                            signer=replace(h.signer, id="setda")),
                          WrappedKeyInvalid, SignatureInvalid),
    "signer_version": (lambda h: replace(h, signer=replace(h.signer, key_version=2)),
                       KeyNotValid, KeyNotValid),
    "to": (lambda h: replace(h, to=("disdik",)), MalformedEnvelope, MalformedEnvelope),
    "suite": (lambda h: replace(h, suite=Suite.HYBRID), MalformedEnvelope, MalformedEnvelope),
}


@pytest.mark.parametrize("field", sorted(_FIELD_CASES))
def test_region_signed_header_fields(world: DemoWorld, single: bytes,
                                     stores: dict[str, Keystore], field: str) -> None:
    change, at_open, at_verify = _FIELD_CASES[field]
    layout = Layout.of(single)
    env = layout.with_(signed_bytes=encode_signed_header(change(layout.signed_header)))
    with pytest.raises(at_open) as opened:
        sandi.open(env, keystore=stores["dinkes"], pola=world.pola)
    with pytest.raises(at_verify) as verified:
        sandi.verify(env, pola=world.pola)
    # The exact class, not a looser relative (SignatureInvalid is a TamperedEnvelope).
    assert type(opened.value) is at_open
    assert type(verified.value) is at_verify


# The bound block's two fields, changed and re-encoded, signature kept.
_BOUND_CASES: dict[str, tuple[Callable[[Bound], Bound], type[Exception]]] = {
    "commitment": (lambda b: replace(b, commitment=bytes(32)), WrappedKeyInvalid),
    "meta": (lambda b: replace(b, meta=bytes(len(b.meta))), TamperedEnvelope),
    "meta_longer": (lambda b: replace(b, meta=b.meta + b"\x00"), TamperedEnvelope),
}


@pytest.mark.parametrize("field", sorted(_BOUND_CASES))
def test_region_bound_block_fields(world: DemoWorld, single: bytes,
                                   stores: dict[str, Keystore], field: str) -> None:
    change, at_open = _BOUND_CASES[field]
    layout = Layout.of(single)
    env = layout.with_(bound_bytes=encode_bound(change(layout.bound)))
    with pytest.raises(at_open) as opened:
        sandi.open(env, keystore=stores["dinkes"], pola=world.pola)
    with pytest.raises(SignatureInvalid):
        sandi.verify(env, pola=world.pola)
    assert type(opened.value) is at_open


def test_region_unknown_suite(world: DemoWorld, single: bytes) -> None:
    layout = Layout.of(single)
    signed = layout.signed_bytes
    assert signed[1] == Suite.CLASSICAL  # the array header, then the suite as a fixint
    for suite in (0, 3, 0x7F):
        env = layout.with_(signed_bytes=signed[:1] + bytes([suite]) + signed[2:])
        with pytest.raises(UnsupportedSuite, match=f"unknown suite {suite}"):
            sandi.verify(env, pola=world.pola)


def test_region_stanza_body(world: DemoWorld, single: bytes,
                            stores: dict[str, Keystore]) -> None:
    body = Layout.of(single).stanza_bodies[0]
    for pos in (body.start, body.start + 31, body.start + 32, body.stop - 1):
        env = flip(single, pos)
        with pytest.raises(WrappedKeyInvalid):
            sandi.open(env, keystore=stores["dinkes"], pola=world.pola)
        sandi.verify(env, pola=world.pola)  # outside the signature by design (guarantee 7)


def test_region_stanza_rewrapped_to_other_key(world: DemoWorld, single: bytes,
                                              stores: dict[str, Keystore]) -> None:
    # A well-formed stanza for the right agency, wrapping some other key.
    layout = Layout.of(single)
    pub = world.pola.sealing_key("dinkes").keys
    forged = wrap(bytes(32), Suite.CLASSICAL, "dinkes", 1, pub.x25519, None,
                  header_hash=layout.header_hash)
    env = layout.with_(stanzas=(forged,))
    with pytest.raises(WrappedKeyInvalid, match="commitment"):
        sandi.open(env, keystore=stores["dinkes"], pola=world.pola)


@pytest.mark.parametrize("index", [0, 1, 2])
@pytest.mark.parametrize("where", ["first", "middle", "tag"])
def test_region_each_chunk(world: DemoWorld, single: bytes, stores: dict[str, Keystore],
                           index: int, where: str) -> None:
    chunk = Layout.of(single).chunks[index]
    pos = {"first": chunk.start, "middle": (chunk.start + chunk.stop) // 2,
           "tag": chunk.stop - 1}[where]
    env = flip(single, pos)
    with pytest.raises(TamperedEnvelope, match=f"payload chunk {index} does not authenticate"):
        sandi.open(env, keystore=stores["dinkes"], pola=world.pola)
    with pytest.raises(SignatureInvalid):
        sandi.verify(env, pola=world.pola)


@pytest.mark.parametrize("pos", [0, 31, 32, 63])
def test_region_signature(world: DemoWorld, single: bytes, stores: dict[str, Keystore],
                          pos: int) -> None:
    env = flip(single, Layout.of(single).signature.start + pos)
    with pytest.raises(SignatureInvalid, match="signature of dispendukcapil does not verify"):
        sandi.open(env, keystore=stores["dinkes"], pola=world.pola)
    with pytest.raises(SignatureInvalid):
        sandi.verify(env, pola=world.pola)


@pytest.mark.parametrize("part", ["ed25519", "ml-dsa"])
def test_region_hybrid_signature_halves(world: DemoWorld, hybrid: bytes,
                                        stores: dict[str, Keystore], part: str) -> None:
    sig = Layout.of(hybrid).signature
    env = flip(hybrid, sig.start + (10 if part == "ed25519" else 64 + 1000))
    with pytest.raises(SignatureInvalid):
        sandi.open(env, keystore=stores["setda"], pola=world.pola)
    with pytest.raises(SignatureInvalid):
        sandi.verify(env, pola=world.pola)


def test_file_envelope_tampering_is_refused(world: DemoWorld, single: bytes, tmp_path: Path,
                                            stores: dict[str, Keystore]) -> None:
    # The same checks through the streaming, file-based entry points.
    path = tmp_path / "tampered.sandi"
    path.write_bytes(flip(single, Layout.of(single).chunks[1].start + 5))
    with pytest.raises(TamperedEnvelope, match="payload chunk 1"):
        sandi.open_file(path, tmp_path / "out", keystore=stores["dinkes"], pola=world.pola)
    with pytest.raises(SignatureInvalid):
        sandi.verify(path, pola=world.pola)
    assert not (tmp_path / "out").exists()

