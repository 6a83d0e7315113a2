"""Vectors on policy (correctly signed, but not allowed) and the recipient stanzas."""

from __future__ import annotations

from dataclasses import replace

from _world import (
    INSPEKTORAT_V2_FROM,
    KEC_A_COMPROMISED,
    POLA_VERSION,
    Draft,
    Envelope,
    Raw,
    flip,
    mp,
    parts,
    plaintext,
    seal,
    sign,
    stanza,
    stanza_items,
)
from _writer import Writer

from sandi.crypto.suite import Suite
from sandi.crypto.wrap import x25519_public
from sandi.envelope.format import (
    Metadata,
    Signer,
    SignerKind,
    Stanza,
    encode_bound,
    encode_signed_header,
)

SIG = "SignatureInvalid"
BAD = "MalformedEnvelope"
OK = "success"


def policy(w: Writer) -> None:
    """Correctly signed envelopes the pola does not allow (built without seal's checks)."""
    d = plaintext(80, 130)
    cases: list[tuple[str, str, str, Draft, str]] = [
        ("flow-denied", "sekda to kec-a, rahasia: a deny rule forbids rahasia to kecamatan",
         "kec-a", Draft(d, "sekda", ("kec-a",), "rahasia", 130), "PolicyViolation"),
        ("flow-not-allowed", "kec-a to bkpsdmd, rahasia: no rule allows it (only terbatas)",
         "bkpsdmd", Draft(d, "kec-a", ("bkpsdmd",), "rahasia", 131), "PolicyViolation"),
        ("flow-one-of-two", "sekda to bkpsdmd and kec-a, rahasia: allowed to one, denied to"
         " the other", "bkpsdmd", Draft(d, "sekda", ("bkpsdmd", "kec-a"), "rahasia", 132),
         "PolicyViolation"),
        ("downgrade-classical", "sangat-rahasia with the classical suite: the pola requires"
         " hybrid", "bkpsdmd", Draft(d, "sekda", ("bkpsdmd",), "sangat-rahasia", 133),
         "PolicyViolation"),
        ("over-max-recipients", "terbatas to four agencies; the pola allows three",
         "bkpsdmd", Draft(d, "sekda", ("bkpsdmd", "inspektorat", "kec-a", "sekda"),
                          "terbatas", 134), "PolicyViolation"),
        ("over-max-recipients-hybrid", "sangat-rahasia to three agencies; the pola allows two",
         "bkpsdmd", Draft(d, "sekda", ("bkpsdmd", "inspektorat", "sekda"), "sangat-rahasia",
                          135, suite=Suite.HYBRID), "PolicyViolation"),
        ("unknown-sender", "sender 'dinsos' is not in the pola (signed by sekda's key)",
         "bkpsdmd", Draft(d, "dinsos", ("bkpsdmd",), "biasa", 136,
                          signer=Signer(SignerKind.AGENCY, "dinsos", 1),
                          sign_with=("sekda", 1)), "UnknownAgency"),
        ("signer-kind-member", "signer kind member (re-signed with the agency key)", "bkpsdmd",
         Draft(d, "sekda", ("bkpsdmd",), "rahasia", 137,
               signer=Signer(SignerKind.MEMBER, "sekda", 1)), "KeyNotValid"),
        ("signer-other-agency", "sender sekda, signer bkpsdmd (signed by bkpsdmd's key)",
         "bkpsdmd", Draft(d, "sekda", ("bkpsdmd",), "rahasia", 138,
                          signer=Signer(SignerKind.AGENCY, "bkpsdmd", 2)), "KeyNotValid"),
        ("signer-version-unknown", "signer key version 7 (the pola lists only v1 for sekda)",
         "bkpsdmd", Draft(d, "sekda", ("bkpsdmd",), "rahasia", 139,
                          signer=Signer(SignerKind.AGENCY, "sekda", 7),
                          sign_with=("sekda", 1)), "KeyNotValid"),
        ("key-not-yet-valid", "inspektorat v2 signed one second before its not_before",
         "sekda", Draft(d, "inspektorat", ("sekda",), "rahasia", 140,
                        created_at=INSPEKTORAT_V2_FROM - 1), "KeyNotValid"),
        ("key-superseded", "inspektorat v1, revoked as superseded, signed at its revocation"
         " time", "sekda", Draft(d, "inspektorat", ("sekda",), "rahasia", 141,
                                 signer=Signer(SignerKind.AGENCY, "inspektorat", 1),
                                 created_at=INSPEKTORAT_V2_FROM), "KeyRevoked"),
        ("key-compromised", "kec-a v1, revoked as compromised, signed before the revocation:"
         " no signature by a compromised key is trusted", "sekda",
         Draft(d, "kec-a", ("sekda",), "terbatas", 142,
               signer=Signer(SignerKind.AGENCY, "kec-a", 1),
               created_at=KEC_A_COMPROMISED - 3600), "KeyRevoked"),
        ("pola-version-ahead", f"names pola v{POLA_VERSION + 1}, newer than the installed one",
         "bkpsdmd", Draft(d, "sekda", ("bkpsdmd",), "rahasia", 143,
                          pola_version=POLA_VERSION + 1), "PolaMismatch"),
        ("pola-other-id", "names pola 'kota-lain'", "bkpsdmd",
         Draft(d, "sekda", ("bkpsdmd",), "rahasia", 144, pola_id="kota-lain"), "PolaMismatch"),
    ]
    for short, desc, who, draft, error in cases:
        w.fail(f"policy-{short}", desc, who, draft.build(), error)
    # An unknown recipient: its stanza wraps to a key outside the pola.
    draft = Draft(d, "sekda", ("bkpsdmd", "dinsos"), "biasa", 145)
    ours = stanza(parts(145).data_key, Suite.CLASSICAL, "bkpsdmd",
                  header_hash=draft.header_hash)
    outsider = Stanza("dinsos", 1, x25519_public(bytes(range(32))) + bytes(48))
    env = Envelope(encode_signed_header(draft.header()), encode_bound(draft.bound()),
                   (ours, outsider), draft.payload(), b"").resigned(("sekda", 1),
                                                                    Suite.CLASSICAL)
    w.fail("policy-unknown-recipient", "recipients bkpsdmd and 'dinsos', which is not in the"
           " pola", "bkpsdmd", env, "UnknownAgency")


def stanzas(w: Writer) -> None:
    """Stanzas dropped, added, swapped, duplicated, renamed, re-versioned, flipped."""
    data = plaintext(150, 150)
    e = Envelope.parse(seal(data, sender="sekda", to=["bkpsdmd", "inspektorat", "sekda"],
                            level="rahasia", n=150))
    b, i, s = e.stanzas
    key, hh = parts(150).data_key, e.header_hash
    extra = stanza(key, Suite.CLASSICAL, "kec-a", header_hash=hh)
    other = Envelope.parse(seal(data, sender="sekda", to=["bkpsdmd", "inspektorat", "sekda"],
                                level="rahasia", n=154))
    structural: list[tuple[str, str, tuple[Stanza, ...]]] = [
        ("dropped", "inspektorat's stanza removed", (b, s)),
        ("added", "a fourth stanza, for kec-a, wrapping the real data key", (b, i, s, extra)),
        ("swapped", "bkpsdmd's and inspektorat's stanzas swapped", (i, b, s)),
        ("duplicated", "inspektorat's stanza twice", (b, i, i, s)),
        ("renamed", "bkpsdmd's stanza renamed kec-a", (replace(b, agency="kec-a"), i, s)),
        ("body-short", "inspektorat's stanza body one byte short",
         (b, replace(i, body=i.body[:-1]), s)),
        ("body-long", "inspektorat's stanza body one byte long",
         (b, replace(i, body=i.body + b"\0"), s)),
        ("version-zero", "inspektorat's stanza names key version 0",
         (b, replace(i, key_version=0), s)),
    ]
    for short, desc, st in structural:
        w.fail(f"stanza-{short}", desc, "inspektorat", e.with_(stanzas=st).to_bytes(), BAD)
    w.fail("stanza-none", "an empty stanza list", "inspektorat",
           e.with_(stanza_block=mp([])).to_bytes(), BAD)
    w.fail("stanza-version-wide", "a stanza's key version as uint8 (0xcc 02)", "inspektorat",
           e.with_(stanza_block=mp([stanza_items([b])[0],
                                    [i.agency, Raw(b"\xcc\x02"), i.body],
                                    stanza_items([s])[0]])).to_bytes(), BAD)
    w.fail("stanza-trailing-byte", "a byte after the stanza array, inside R", "inspektorat",
           e.with_(stanza_block=mp(stanza_items(e.stanzas)) + b"\xc0").to_bytes(), BAD)
    # Outside the signature (guarantee 7): verify passes, only the recipient sees it.
    unwrap_fail: list[tuple[str, str, Stanza]] = [
        ("version-changed", "inspektorat's stanza says key v1 (held, revoked) instead of v2",
         replace(i, key_version=1)),
        ("ephemeral-flipped", "first byte of the ephemeral X25519 share flipped",
         replace(i, body=flip(i.body, 0))),
        ("wrapped-key-flipped", "last byte of the wrapped key (its tag) flipped",
         replace(i, body=flip(i.body, len(i.body) - 1))),
        ("body-of-other-recipient", "inspektorat's stanza carries bkpsdmd's body (the KDF"
         " binds the agency name)", replace(i, body=b.body)),
        ("low-order-share", "the ephemeral share is the all-zero (low-order) point",
         replace(i, body=bytes(32) + i.body[32:])),
        ("other-data-key", "inspektorat's stanza wraps a different data key (commitment"
         " mismatch)", stanza(bytes(32), Suite.CLASSICAL, "inspektorat", header_hash=hh)),
        ("from-other-envelope", "inspektorat's stanza taken from another envelope of the same"
         " sender to the same recipients", other.stanzas[1]),
        ("bound-to-other-header", "inspektorat's stanza wraps the right data key, but bound"
         " to another envelope's header hash (its AEAD's associated data)",
         stanza(key, Suite.CLASSICAL, "inspektorat", header_hash=other.header_hash)),
    ]
    for short, desc, new in unwrap_fail:
        w.fail(f"stanza-{short}", desc, "inspektorat", e.with_(stanzas=(b, new, s)).to_bytes(),
               "WrappedKeyInvalid", OK)
    hy = Envelope.parse(seal(plaintext(150, 151), sender="sekda", to=["bkpsdmd", "sekda"],
                             level="sangat-rahasia", n=151))
    hb, hs = hy.stanzas
    for short, desc, pos in (("x25519", "the X25519 share", 5),
                             ("mlkem", "the ML-KEM-768 ciphertext", 32 + 500),
                             ("wrapped-key", "the wrapped key", len(hb.body) - 20)):
        w.fail(f"stanza-hybrid-{short}-flipped", f"hybrid stanza: a byte of {desc} flipped",
               "bkpsdmd", hy.with_(stanzas=(replace(hb, body=flip(hb.body, pos)), hs)).to_bytes(),
               "WrappedKeyInvalid", OK)
    w.fail("stanza-hybrid-classical-body", "a hybrid envelope whose stanza has a classical"
           " body length", "bkpsdmd",
           hy.with_(stanzas=(stanza(parts(151).data_key, Suite.CLASSICAL, "bkpsdmd",
                                    header_hash=hy.header_hash), hs)).to_bytes(), BAD)
    # A malicious sender splits its recipients: bkpsdmd's stanza wraps the committed key,
    # inspektorat's another one; inspektorat must fail, not read another plaintext.
    split = Envelope.parse(seal(plaintext(150, 152), sender="sekda",
                                to=["bkpsdmd", "inspektorat"], level="rahasia", n=152))
    other = stanza(parts(153).data_key, Suite.CLASSICAL, "inspektorat",
                   header_hash=split.header_hash)
    env = split.with_(stanzas=(split.stanzas[0], other)).resigned(("sekda", 1), Suite.CLASSICAL)
    data = plaintext(150, 152)
    w.ok("stanza-split-recipients-committed", "the same split envelope, opened by bkpsdmd,"
         " whose stanza wraps the committed key", "bkpsdmd", env, data, Metadata())
    w.fail("stanza-split-recipients", "the sender wraps another data key for inspektorat"
           " (signature valid): the key commitment refuses it", "inspektorat", env,
           "WrappedKeyInvalid", OK)


def without_pq(w: Writer) -> None:
    """The hybrid suite where one party has no post-quantum key."""
    d = plaintext(70, 160)
    draft = Draft(d, "kec-a", ("sekda",), "biasa", 160, suite=Suite.HYBRID)
    e = draft.envelope()
    ed = sign(("kec-a", 2), e.region, e.payload, hybrid=False)
    w.fail("hybrid-signer-without-mldsa", "a hybrid envelope from kec-a, whose key has no"
           " ML-DSA-65 half: a valid Ed25519 half and 3,309 zero bytes", "sekda",
           e.with_(signature=ed + bytes(3309)).to_bytes(), SIG)
    draft = Draft(d, "sekda", ("kec-a",), "biasa", 161, suite=Suite.HYBRID)
    body = x25519_public(bytes(range(1, 33))) + bytes(1088) + bytes(48)
    env = Envelope(encode_signed_header(draft.header()), encode_bound(draft.bound()),
                   (Stanza("kec-a", 2, body),), draft.payload(), b"").resigned(("sekda", 1),
                                                                              Suite.HYBRID)
    w.fail("hybrid-recipient-without-mlkem", "a hybrid stanza for kec-a, whose key has no"
           " ML-KEM-768 half (correctly signed)", "kec-a", env, "WrappedKeyInvalid", OK)


def recipient_cases(w: Writer) -> None:
    policy(w)
    stanzas(w)
    without_pq(w)
