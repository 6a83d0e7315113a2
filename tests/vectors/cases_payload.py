"""Vectors on the payload chunks, the signature, the encrypted metadata and expiry."""

from __future__ import annotations

import io
from dataclasses import replace

from _world import (
    EXPIRES,
    KEYS,
    Draft,
    Envelope,
    flip,
    parts,
    plaintext,
    seal,
    sign,
)
from _writer import Writer
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sandi._internal.codec import pack
from sandi.crypto.primitives import LABEL_METADATA, ZERO_NONCE, DocumentKeys
from sandi.crypto.suite import Suite
from sandi.envelope.format import (
    CHUNK_SIZE,
    Bound,
    Metadata,
    encode_bound,
    encode_meta,
    hashed_region,
    signature_input,
)
from sandi.envelope.stream import plaintext_chunks, seal_payload

SIG = "SignatureInvalid"
BAD = "MalformedEnvelope"
CUT = "TamperedEnvelope"
OK = "success"


def chunks(w: Writer) -> None:
    """Every chunk changed, dropped, moved, repeated or cut (verify holds no key, so it sees
    these only as a payload that no longer matches the signature)."""
    two = Envelope.parse(seal(plaintext(CHUNK_SIZE + 1, 200), sender="sekda", to=["bkpsdmd"],
                              level="rahasia", n=200))
    c0, c1 = two.chunks()
    three = Envelope.parse(seal(plaintext(2 * CHUNK_SIZE + 1000, 201), sender="sekda",
                                to=["bkpsdmd"], level="rahasia", n=201))
    t0, t1, t2 = three.chunks()
    cases: list[tuple[str, str, Envelope, list[bytes], str, str]] = [
        ("first-flipped", "a byte in the middle of chunk 0 flipped", two,
         [flip(c0, 1000), c1], CUT, SIG),
        ("first-tag-flipped", "the last byte (tag) of chunk 0 flipped", two,
         [flip(c0, len(c0) - 1), c1], CUT, SIG),
        ("last-flipped", "the only plaintext byte of the last chunk flipped", two,
         [c0, flip(c1, 0)], CUT, SIG),
        ("middle-flipped", "chunk 1 of 3 flipped", three, [t0, flip(t1, 7), t2], CUT, SIG),
        ("last-dropped", "the last chunk dropped: chunk 0 is now last but was not sealed as"
         " last", two, [c0], CUT, SIG),
        ("middle-dropped", "chunk 1 of 3 dropped", three, [t0, t2], CUT, SIG),
        ("first-dropped", "chunk 0 of 3 dropped", three, [t1, t2], CUT, SIG),
        ("swapped", "chunks 0 and 1 of 3 swapped", three, [t1, t0, t2], CUT, SIG),
        ("swapped-last", "chunks 1 and 2 of 3 swapped", three, [t0, t2, t1], CUT, SIG),
        ("duplicated", "chunk 0 repeated", three, [t0, t0, t1, t2], CUT, SIG),
        ("last-duplicated", "the last chunk repeated", two, [c0, c1, c1], CUT, SIG),
        ("from-other-envelope", "chunk 0 replaced by chunk 0 of another envelope", three,
         [c0, t1, t2], CUT, SIG),
        ("cut-after-first", "cut at the chunk boundary after chunk 0 of 3, signature kept",
         three, [t0], CUT, SIG),
        ("cut-after-second", "cut at the chunk boundary after chunk 1 of 3, signature kept",
         three, [t0, t1], CUT, SIG),
        ("cut-inside-last", "the last chunk loses its final byte", three, [t0, t1, t2[:-1]],
         CUT, SIG),
        ("cut-inside-first", "cut 100 bytes into chunk 0, signature kept", three,
         [t0[:100]], CUT, SIG),
        ("last-chunk-too-short", "the last chunk cut to 15 bytes, less than its tag", two,
         [c0, c1[:15]], BAD, BAD),
    ]
    for short, desc, env, new, error, verify in cases:
        w.fail(f"chunk-{short}", desc, "bkpsdmd", env.with_(payload=b"".join(new)).to_bytes(),
               error, verify)
    # Cut without the signature: the tail of the payload now stands in for it.
    w.fail("chunk-cut-signature-dropped", "cut after chunk 0 of 3 and the signature removed",
           "bkpsdmd", three.header + t0, CUT, SIG)
    # Framing rules that hold even for a correctly signed payload.
    data = plaintext(CHUNK_SIZE, 202)
    empty_last = Draft(data, "sekda", ("bkpsdmd",), "rahasia", 202,
                       chunks=[(data, False), (b"", True)]).build()
    w.fail("chunk-empty-final-after-full", "64 KiB sealed as one full chunk and an empty last"
           " chunk (correctly signed): the last chunk may be empty only for an empty"
           " document", "bkpsdmd", empty_last, BAD)
    data = plaintext(CHUNK_SIZE + 10, 203)
    early_last = Draft(data, "sekda", ("bkpsdmd",), "rahasia", 203,
                       chunks=[(data[:CHUNK_SIZE], True), (data[CHUNK_SIZE:], True)]).build()
    w.fail("chunk-last-flag-early", "chunk 0 sealed with the last flag although chunk 1"
           " follows (correctly signed: only decryption sees it)", "bkpsdmd", early_last, CUT,
           OK)
    data = plaintext(100, 204)
    no_last = Draft(data, "sekda", ("bkpsdmd",), "rahasia", 204,
                    chunks=[(data, False)]).build()
    w.fail("chunk-never-last", "the only chunk sealed without the last flag (correctly"
           " signed)", "bkpsdmd", no_last, CUT, OK)
    data = plaintext(CHUNK_SIZE + 200, 205)
    short_first = Draft(data, "sekda", ("bkpsdmd",), "rahasia", 205,
                        chunks=[(data[:100], False), (data[100:], True)]).build()
    w.fail("chunk-short-non-final", "a short chunk that is not the last (correctly signed):"
           " the reader frames 64 KiB chunks, so the boundaries do not match", "bkpsdmd",
           short_first, CUT, OK)


def wrong_keys(w: Writer) -> None:
    """A sender that encrypts under a key the header does not commit to (signed)."""
    d = plaintext(333, 240)
    draft = Draft(d, "sekda", ("bkpsdmd",), "rahasia", 240)
    other = Draft(d, "sekda", ("bkpsdmd",), "rahasia", 241)
    e = draft.envelope().with_(payload=other.payload())
    w.fail("payload-under-other-key", "the payload encrypted under another document's key"
           " (correctly signed)", "bkpsdmd", e.resigned(("sekda", 1), Suite.CLASSICAL), CUT, OK)
    b = replace(draft.bound(), meta=other.bound().meta)
    e = draft.envelope().with_(bound_bytes=encode_bound(b))
    w.fail("metadata-under-other-key", "the metadata encrypted under another document's key"
           " (correctly signed)", "bkpsdmd", e.resigned(("sekda", 1), Suite.CLASSICAL), CUT, OK)
    # Keys derived without the header hash, as format version 1 did: nothing opens.
    p, hh = parts(242), bytes(32)
    draft = Draft(d, "sekda", ("bkpsdmd",), "rahasia", 242)
    keys = DocumentKeys.derive(p.data_key, p.nonce, hh)
    e = draft.envelope().with_(
        bound_bytes=encode_bound(Bound(keys.commitment, AESGCM(keys.metadata).encrypt(
            ZERO_NONCE, encode_meta(Metadata()), LABEL_METADATA))),
        payload=b"".join(seal_payload(keys.payload, plaintext_chunks(io.BytesIO(d).read))))
    w.fail("keys-under-other-header-hash", "bound block and payload under keys derived with"
           " another header hash (correctly signed): the stanza's data key does not match"
           " the commitment", "bkpsdmd", e.resigned(("sekda", 1), Suite.CLASSICAL),
           "WrappedKeyInvalid", OK)


def signature(w: Writer) -> None:
    """The trailing signature changed, cut, replaced or appended to."""
    data = plaintext(500, 210)
    e = Envelope.parse(seal(data, sender="sekda", to=["bkpsdmd"], level="rahasia", n=210))
    env = e.to_bytes()
    region = e.region
    other = Envelope.parse(seal(plaintext(500, 211), sender="sekda", to=["bkpsdmd"],
                                level="rahasia", n=211))
    cases: list[tuple[str, str, bytes, str, str]] = [
        ("first-byte-flipped", "the signature's first byte flipped",
         e.with_(signature=flip(e.signature, 0)).to_bytes(), SIG, SIG),
        ("last-byte-flipped", "the signature's last byte flipped",
         e.with_(signature=flip(e.signature, 63)).to_bytes(), SIG, SIG),
        ("zero", "an all-zero signature", e.with_(signature=bytes(64)).to_bytes(), SIG, SIG),
        ("truncated-one", "the signature's last byte removed (a payload byte slides into it)",
         env[:-1], CUT, SIG),
        ("removed", "the signature removed", env[:-64], CUT, SIG),
        ("appended-byte", "one byte appended after the signature", env + b"\x00", CUT, SIG),
        ("appended-signature", "the signature appended a second time", env + e.signature, CUT,
         SIG),
        ("appended-envelope", "a second envelope appended", env + other.to_bytes(), CUT, SIG),
        ("from-other-envelope", "the signature of another envelope by the same key",
         e.with_(signature=other.signature).to_bytes(), SIG, SIG),
        ("by-recipient", "signed by the recipient bkpsdmd (v2), which knows the data key,"
         " posing as sekda", e.with_(signature=sign(("bkpsdmd", 2), e.region, e.payload,
                                                    hybrid=False)).to_bytes(), SIG, SIG),
        ("unlabelled", "sekda's signature over the signed region and payload hash without the"
         " 'sandi/v2/envelope-signature' label",
         e.with_(signature=_ed(region + _sha(e.payload))).to_bytes(), SIG, SIG),
        ("v1-label", "sekda's signature with the label of format version 1,"
         " 'sandi/v1/envelope-signature'",
         e.with_(signature=_ed(b"sandi/v1/envelope-signature\0" + region + _sha(e.payload))
                 ).to_bytes(), SIG, SIG),
        ("header-only", "sekda's signature over the signed region alone, without the payload"
         " hash", e.with_(signature=_ed(b"sandi/v2/envelope-signature\0" + region)).to_bytes(),
         SIG, SIG),
        ("without-bound-block", "sekda's signature over the header and the payload hash, without"
         " the bound block", e.with_(signature=_ed(
             b"sandi/v2/envelope-signature\0" + hashed_region(e.signed_bytes)
             + _sha(e.payload))).to_bytes(), SIG, SIG),
    ]
    for short, desc, data_, error, verify in cases:
        w.fail(f"signature-{short}", desc, "bkpsdmd", data_, error, verify)
    # Hybrid: both halves must verify.
    hy = Envelope.parse(seal(plaintext(500, 212), sender="sekda", to=["bkpsdmd"],
                             level="sangat-rahasia", n=212))
    sig = hy.signature
    msg = signature_input(hy.region, _sha(hy.payload))
    sekda = KEYS["sekda", 1]
    pq_other_context = _mldsa(sekda.mldsa_seed, msg, b"sandi/v1")
    pq_no_context = _mldsa(sekda.mldsa_seed, msg, b"")
    bk = KEYS["bkpsdmd", 2]
    hybrid_cases: list[tuple[str, str, bytes, str, str]] = [
        ("ed25519-half-flipped", "hybrid: a byte of the Ed25519 half flipped, ML-DSA half"
         " intact", hy.with_(signature=flip(sig, 10)).to_bytes(), SIG, SIG),
        ("mldsa-half-flipped", "hybrid: a byte of the ML-DSA-65 half flipped, Ed25519 half"
         " intact", hy.with_(signature=flip(sig, 64 + 1000)).to_bytes(), SIG, SIG),
        ("mldsa-half-zero", "hybrid: the ML-DSA-65 half all zero",
         hy.with_(signature=sig[:64] + bytes(3309)).to_bytes(), SIG, SIG),
        ("mldsa-half-other-context", "hybrid: ML-DSA-65 signed with the context of the other"
         " formats, 'sandi/v1', instead of 'sandi/v2/envelope-signature'",
         hy.with_(signature=sig[:64] + pq_other_context).to_bytes(), SIG, SIG),
        ("mldsa-half-empty-context", "hybrid: ML-DSA-65 signed with an empty context",
         hy.with_(signature=sig[:64] + pq_no_context).to_bytes(), SIG, SIG),
        ("mldsa-half-other-signer", "hybrid: the ML-DSA-65 half by bkpsdmd's key",
         hy.with_(signature=sig[:64] + _mldsa(bk.mldsa_seed, msg,
                                              b"sandi/v2/envelope-signature")).to_bytes(),
         SIG, SIG),
        ("ed25519-half-other-signer", "hybrid: the Ed25519 half by bkpsdmd's key",
         hy.with_(signature=bk.signing_key().sign(msg, hybrid=False) + sig[64:]).to_bytes(), SIG,
         SIG),
        ("classical-only", "hybrid envelope carrying only a 64-byte Ed25519 signature",
         hy.with_(signature=sig[:64]).to_bytes(), CUT, CUT),
    ]
    for short, desc, data_, error, verify in hybrid_cases:
        w.fail(f"signature-{short}", desc, "bkpsdmd", data_, error, verify)


def _ed(message: bytes) -> bytes:
    """sekda's Ed25519 signature over exactly ``message``."""
    return KEYS["sekda", 1].signing_key().sign(message, hybrid=False)


def _sha(data: bytes) -> bytes:
    import hashlib
    return hashlib.sha256(data).digest()


def _mldsa(seed: bytes | None, message: bytes, context: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric import mldsa
    assert seed is not None
    return mldsa.MLDSA65PrivateKey.from_seed_bytes(seed).sign(message, context)


def metadata(w: Writer) -> None:
    """Encrypted metadata that authenticates but does not parse (only a recipient sees it)."""
    bad: list[tuple[str, str, bytes]] = [
        ("two-items", "metadata plaintext of two items", pack(["a.pdf", None])),
        ("not-array", "metadata plaintext that is a string", pack("a.pdf")),
        ("non-canonical", "metadata with the filename as str16", b"\x93\xda\x00\x05a.pdf\xc0\xc0"),
        ("filename-too-long", "a 1,025-byte filename", pack(["f" * 1025, None, None])),
        ("filename-empty", "an empty filename (absent is nil)", pack(["", None, None])),
        ("content-type-bytes", "content type as bytes", pack([None, None, b"text/plain"])),
        ("not-msgpack", "metadata plaintext that is not msgpack", b"\xc1"),
    ]
    for n, (short, desc, plain) in enumerate(bad, 220):
        env = Draft(plaintext(30, n), "sekda", ("bkpsdmd",), "rahasia", n,
                    meta_plain=plain).build()
        w.fail(f"metadata-{short}", desc + " (encrypted and signed correctly)", "bkpsdmd", env,
               BAD, OK)


def expiry(w: Writer) -> None:
    """The pola expires: nothing opens or verifies under an expired pola."""
    data = plaintext(256, 230)
    env = seal(data, sender="sekda", to=["bkpsdmd"], level="rahasia", n=230)
    w.ok("pola-last-second", "opened one second before the pola expires", "bkpsdmd", env,
         data, Metadata(), now=EXPIRES - 1)
    w.fail("pola-expired-at-expiry", "opened at the pola's expiry time exactly", "bkpsdmd",
           env, "PolaExpired", now=EXPIRES)
    w.fail("pola-expired", "opened a month after the pola expired", "bkpsdmd", env,
           "PolaExpired", now=EXPIRES + 30 * 86_400)
    hy = seal(plaintext(256, 231), sender="sekda", to=["bkpsdmd"], level="sangat-rahasia",
              n=231)
    w.fail("pola-expired-hybrid", "a hybrid envelope under an expired pola", "bkpsdmd", hy,
           "PolaExpired", now=EXPIRES + 1)


def payload_cases(w: Writer) -> None:
    chunks(w)
    wrong_keys(w)
    signature(w)
    metadata(w)
    expiry(w)

