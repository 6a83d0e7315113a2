"""Guarantee 7: wrapped-key stanzas are outside the signature, bound by the commitment.

A recipient's custodian can replace its stanza with a fresh wrap of the same
data key (for the same key version, or for its new one after a rotation) and
the sender's signature stays valid: the signed header, the payload and the
signature are kept byte for byte.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from helpers import Layout, keystore_with, known_parts, pola_with, seal_known

import sandi
from sandi.crypto.suite import Suite
from sandi.demo import DemoWorld
from sandi.envelope.format import Stanza, parse_header
from sandi.envelope.rewrapping import Outcome, rewrap
from sandi.envelope.stanzas import unwrap, wrap
from sandi.errors import NotARecipient, WrappedKeyInvalid
from sandi.keys.keystore import AgencyKey, Keystore
from sandi.pola.model import KeyState, KeyVersion

DOC = random.Random(7).randbytes(100_000)


@pytest.fixture(scope="module")
def stores(world: DemoWorld, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Keystore]:
    """Keystores holding only one agency's keys each."""
    return {a: keystore_with(world, tmp_path_factory.mktemp(a), [a])
            for a in ("dinkes", "dinsos", "setda")}


def _rewrap(world: DemoWorld, layout: Layout, agency: str, *, version: int | None = None,
            public: tuple[bytes, bytes | None] | None = None) -> bytes:
    """What a custodian does: unwrap its stanza, wrap the same key afresh, swap it in."""
    suite = layout.signed_header.suite
    old = next(s for s in layout.stanzas if s.agency == agency)
    key = world.keystore.get(agency, old.key_version)
    data_key = unwrap(old, suite, key.x25519, key.mlkem_seed, header_hash=layout.header_hash)
    if public is None:
        public = (key.public.x25519, key.public.mlkem)
    # The same header, so the same header hash: the new stanza is bound to it too.
    new = wrap(data_key, suite, agency, version or old.key_version, *public,
               header_hash=layout.header_hash)
    return layout.with_(stanzas=tuple(new if s.agency == agency else s
                                      for s in layout.stanzas))


@pytest.mark.parametrize("level,sender,to", [
    ("terbatas", "dispendukcapil", ("dinkes", "dinsos")),
    ("sangat-rahasia", "inspektorat", ("setda",)),
])
def test_fresh_wrap_of_the_same_key_keeps_the_signature_valid(
        world: DemoWorld, stores: dict[str, Keystore], level: str, sender: str,
        to: tuple[str, ...]) -> None:
    env = sandi.seal(DOC, sender=world.keystore.identity(sender), to=list(to),
                     classification=level, pola=world.pola)
    layout = Layout.of(env)
    rewrapped = _rewrap(world, layout, to[0])
    new = Layout.of(rewrapped)
    assert rewrapped != env
    assert new.stanzas[0] != layout.stanzas[0]
    # Signed region (header and bound block), payload and signature: byte for byte.
    assert layout.region == new.region
    assert new.header_hash == layout.header_hash
    assert new.payload_bytes == layout.payload_bytes
    assert new.signature_bytes == layout.signature_bytes
    assert sandi.verify(rewrapped, pola=world.pola) == sandi.verify(env, pola=world.pola)
    for agency in to:  # the rewrapped recipient and any other one
        assert sandi.open(rewrapped, keystore=stores[agency], pola=world.pola).plaintext == DOC


def test_rewrap_to_a_new_key_version_after_rotation(world: DemoWorld,
                                                    tmp_path_factory: pytest.TempPathFactory
                                                    ) -> None:
    env = seal_known(world, DOC, sender="dispendukcapil", to=["dinkes", "dinsos"],
                     classification="terbatas", parts=known_parts(90))
    layout = Layout.of(env)
    # dinkes rotates: v1 retired, v2 current; the authority publishes pola v2.
    v1 = world.pola.agency("dinkes").key(1)
    v2 = AgencyKey.generate("dinkes", 2, pq=True)
    rotated = pola_with(world, {"dinkes": [
        v1.retire(datetime.now(UTC)),
        KeyVersion(2, v2.public, KeyState.CURRENT, v1.not_before)]})
    only_v2 = keystore_with(world, tmp_path_factory.mktemp("dinkes-v2"), [])
    only_v2.add_keys([v2])

    with pytest.raises(NotARecipient) as caught:
        sandi.open(env, keystore=only_v2, pola=rotated)
    assert caught.value.tried == (("dinkes", 1),)

    rewrapped = _rewrap(world, layout, "dinkes", version=2, public=(v2.public.x25519, None))
    new = Layout.of(rewrapped)
    assert [(s.agency, s.key_version) for s in new.stanzas] == [("dinkes", 2), ("dinsos", 1)]
    assert new.region == layout.region
    assert new.signature_bytes == layout.signature_bytes
    # An envelope of pola v1 verifies under the newer pola v2, signature unchanged.
    sandi.verify(rewrapped, pola=rotated)
    assert sandi.open(rewrapped, keystore=only_v2, pola=rotated).plaintext == DOC


def test_a_stanza_relabelled_to_another_version_does_not_unwrap(
        world: DemoWorld, tmp_path_factory: pytest.TempPathFactory) -> None:
    # The version is in the wrap's KDF info: relabelling v1's stanza as v2 (and
    # holding a v2 key) is not a rewrap.
    env = sandi.seal(DOC, sender=world.keystore.identity("dispendukcapil"), to=["dinkes"],
                     classification="terbatas", pola=world.pola)
    layout = Layout.of(env)
    s = layout.stanzas[0]
    store = keystore_with(world, tmp_path_factory.mktemp("relabel"), [])
    v2 = world.keystore.get("dinkes", 1)
    store.add_keys([AgencyKey("dinkes", 2, v2.created_at, v2.x25519, v2.ed25519,
                                 v2.mlkem_seed, v2.mldsa_seed)])
    env2 = layout.with_(stanzas=(Stanza("dinkes", 2, s.body),))
    sandi.verify(env2, pola=world.pola)
    with pytest.raises(WrappedKeyInvalid):
        sandi.open(env2, keystore=store, pola=world.pola)


def test_only_stanzas_are_outside_the_signature(world: DemoWorld) -> None:
    # The signed region is exactly: magic, version, S, the header, B and the bound block;
    # then R and the stanzas, unsigned, up to the payload.
    env = sandi.seal(DOC, sender=world.keystore.identity("dispendukcapil"), to=["dinkes"],
                     classification="terbatas", pola=world.pola)
    layout = Layout.of(env)
    header, end = parse_header(env)
    assert header.signed_region == env[:layout.bound_block.stop] == layout.region
    assert layout.stanzas_len_at == layout.bound_block.stop
    assert end == layout.payload.start
    assert layout.signed_header.suite is Suite.CLASSICAL


def test_library_rewrap_keeps_signed_region_payload_and_signature(
        world: DemoWorld, tmp_path_factory: pytest.TempPathFactory) -> None:
    # sandi.envelope.rewrapping.rewrap, as a custodian runs it after rotating dinkes to v2.
    env = sandi.seal(DOC, sender=world.keystore.identity("dispendukcapil"),
                     to=["dinkes", "dinsos"], classification="terbatas", pola=world.pola)
    v1 = world.pola.agency("dinkes").key(1)
    v2 = AgencyKey.generate("dinkes", 2, pq=True)
    rotated = pola_with(world, {"dinkes": [
        v1.retire(datetime.now(UTC)),
        KeyVersion(2, v2.public, KeyState.CURRENT, v1.not_before)]})
    custodian = keystore_with(world, tmp_path_factory.mktemp("custodian"), ["dinkes"])
    custodian.add_keys([v2])
    new, result = rewrap(env, keystore=custodian, pola=rotated)
    assert result.outcome is Outcome.REWRAPPED
    old_l, new_l = Layout.of(env), Layout.of(new)
    assert new_l.region == old_l.region
    assert new_l.payload_bytes == old_l.payload_bytes
    assert new_l.signature_bytes == old_l.signature_bytes
    assert new_l.stanzas[1] == old_l.stanzas[1]  # the other recipient's is untouched
    assert (new_l.stanzas[0].agency, new_l.stanzas[0].key_version) == ("dinkes", 2)
    sandi.verify(new, pola=rotated)
    only_v2 = keystore_with(world, tmp_path_factory.mktemp("only-v2"), [])
    only_v2.add_keys([v2])
    assert sandi.open(new, keystore=only_v2, pola=rotated).plaintext == DOC
    assert rewrap(new, keystore=custodian, pola=rotated)[1].outcome is Outcome.CURRENT
