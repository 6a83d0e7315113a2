"""Vectors on the framing, the signed header, policy and the recipient stanzas."""

from __future__ import annotations

import struct
from dataclasses import replace

from _world import (
    POLA_VERSION,
    Envelope,
    Raw,
    flip,
    header_items,
    mp,
    parts,
    plaintext,
    seal,
    stanza,
)
from _writer import Writer

from sandi._internal.time import MAX_TIME
from sandi.crypto.suite import Suite
from sandi.envelope.format import (
    MAX_SIGNED_HEADER,
    MAX_STANZAS,
    PREFIX,
    Metadata,
    SignedHeader,
    Signer,
    SignerKind,
    encode_signed_header,
    parse_header,
)
from sandi.pola.model import MAX_RECIPIENTS

SIG = "SignatureInvalid"
BAD = "MalformedEnvelope"
OK = "success"


def _u32(n: int) -> bytes:
    return struct.pack(">I", n)


def framing(w: Writer) -> None:
    """Magic, version and the two length-prefixed blocks."""
    env = seal(plaintext(40, 100), sender="sekda", to=["bkpsdmd"], level="rahasia", n=100)
    e = Envelope.parse(env)
    s_len, r_len = len(e.signed_bytes), len(e.header) - len(e.signed_bytes) - 14
    rest = env[6:]
    cases: list[tuple[str, str, bytes, str]] = [
        ("empty-file", "zero bytes", b"", BAD),
        ("magic-truncated", "only 'SAND'", env[:4], BAD),
        ("magic-changed", "'SANDX' instead of 'SANDI'", b"SANDX" + env[5:], BAD),
        ("magic-lowercase", "'sandi' instead of 'SANDI'", b"sandi" + env[5:], BAD),
        ("magic-is-pola", "a pola's magic 'SANDP' on an envelope", b"SANDP" + env[5:], BAD),
        ("prepended-byte", "one byte before the magic", b"\x00" + env, BAD),
        ("version-0", "format version byte 0", b"SANDI\x00" + rest, "UnsupportedVersion"),
        ("version-2", "format version byte 2 (a future version)", b"SANDI\x02" + rest,
         "UnsupportedVersion"),
        ("version-255", "format version byte 255", b"SANDI\xff" + rest, "UnsupportedVersion"),
        ("prefix-only", "magic and version, nothing else", env[:6], BAD),
        ("signed-length-truncated", "two bytes of the signed header's u32 length",
         env[:8], BAD),
        ("signed-length-zero", "signed header length S = 0", PREFIX + _u32(0) + env[10:], BAD),
        ("signed-length-over-limit", f"S = {MAX_SIGNED_HEADER + 1}, one over the 256 KiB limit"
         " (refused before reading)", PREFIX + _u32(MAX_SIGNED_HEADER + 1) + env[10:], BAD),
        ("signed-length-max-u32", "S = 2^32-1", PREFIX + _u32(2**32 - 1) + env[10:], BAD),
        ("signed-length-plus-one", "S one byte too long: the header swallows a byte of R",
         PREFIX + _u32(s_len + 1) + env[10:], BAD),
        ("signed-length-minus-one", "S one byte too short: the msgpack array is cut",
         PREFIX + _u32(s_len - 1) + env[10:], BAD),
        ("signed-header-truncated", "the file ends inside the signed header",
         env[:10 + s_len // 2], BAD),
        ("stanza-length-truncated", "the file ends inside the stanzas' u32 length R",
         env[:10 + s_len + 2], BAD),
        ("stanza-length-zero", "stanza block length R = 0", e.header[:10 + s_len] + _u32(0)
         + env[14 + s_len:], BAD),
        ("stanza-length-over-limit", f"R = {MAX_STANZAS + 1}, one over the 4 MiB limit",
         e.header[:10 + s_len] + _u32(MAX_STANZAS + 1) + env[14 + s_len:], BAD),
        ("stanza-length-plus-one", "R one byte too long: takes a byte of the payload",
         e.header[:10 + s_len] + _u32(r_len + 1) + env[14 + s_len:], BAD),
        ("stanza-length-minus-one", "R one byte too short",
         e.header[:10 + s_len] + _u32(r_len - 1) + env[14 + s_len:], BAD),
        ("stanza-block-truncated", "the file ends inside the stanzas",
         env[:14 + s_len + r_len - 5], BAD),
        ("header-only", "the header and nothing after it: no payload, no signature",
         e.header, "TamperedEnvelope"),
        ("header-and-signature-only", "the payload removed, the signature kept",
         e.header + e.signature, "TamperedEnvelope"),
    ]
    for short, desc, data, error in cases:
        w.fail(short, desc, "bkpsdmd", data, error)


def header_changed(w: Writer) -> None:
    """Each signed-header field changed, re-encoded canonically, not re-signed: the parse
    succeeds and the signature (or a check before it) fails."""
    data = plaintext(120, 110)
    env = seal(data, sender="sekda", to=["bkpsdmd"], level="rahasia", n=110,
               meta=Metadata("a.pdf"))
    e = Envelope.parse(env)
    h = parse_header(env)[0].signed
    assert mp(header_items(h)) == e.signed_bytes

    def changed(h2: SignedHeader) -> bytes:
        return e.with_(signed_bytes=encode_signed_header(h2)).to_bytes()

    cases: list[tuple[str, str, SignedHeader, str, str | None]] = [
        ("suite", "suite classical -> hybrid: the stanza bodies no longer have the suite's"
         " length", replace(h, suite=Suite.HYBRID), BAD, None),
        ("pola-id", "pola id kota-uji -> kota-lain", replace(h, pola_id="kota-lain"),
         "PolaMismatch", None),
        ("pola-version", f"pola version {POLA_VERSION} -> {POLA_VERSION - 1} (still accepted"
         " by the policy check)", replace(h, pola_version=POLA_VERSION - 1), SIG, None),
        ("doc-id", "document id, last byte flipped", replace(h, doc_id=flip(h.doc_id, 15)),
         SIG, None),
        ("created-at", "creation time + 1 second", replace(h, created_at=h.created_at + 1),
         SIG, None),
        ("sender", "sender sekda -> bkpsdmd (and the signer with it): a recipient claims"
         " to have sent it", replace(h, sender="bkpsdmd",
                                     signer=Signer(SignerKind.AGENCY, "bkpsdmd", 2)),
         SIG, None),
        ("signer-id", "signer id sekda -> bkpsdmd, sender unchanged",
         replace(h, signer=Signer(SignerKind.AGENCY, "bkpsdmd", 2)), "KeyNotValid", None),
        ("signer-kind", "signer kind agency -> member",
         replace(h, signer=Signer(SignerKind.MEMBER, "sekda", 1)), "KeyNotValid", None),
        ("signer-key-version", "signer key version 1 -> 2, which sekda does not have",
         replace(h, signer=Signer(SignerKind.AGENCY, "sekda", 2)), "KeyNotValid", None),
        ("classification-down", "classification rahasia -> terbatas",
         replace(h, classification=h.classification.__class__.TERBATAS), SIG, None),
        ("classification-up", "classification rahasia -> sangat-rahasia: the pola requires"
         " the hybrid suite for it", replace(h, classification=h.classification.__class__
                                             .SANGAT_RAHASIA), "PolicyViolation", None),
        ("urgency", "urgency biasa -> kilat", replace(h, urgency=h.urgency.__class__.KILAT),
         SIG, None),
        ("payload-nonce", "payload nonce, first byte flipped: the data key no longer matches"
         " the commitment", replace(h, payload_nonce=flip(h.payload_nonce, 0)),
         "WrappedKeyInvalid", SIG),
        ("commitment", "key commitment, first byte flipped",
         replace(h, commitment=flip(h.commitment, 0)), "WrappedKeyInvalid", SIG),
        ("metadata", "encrypted metadata, last byte (tag) flipped",
         replace(h, meta=flip(h.meta, len(h.meta) - 1)), "TamperedEnvelope", SIG),
    ]
    for short, desc, h2, error, verify in cases:
        w.fail(f"header-{short}-changed", desc + "; not re-signed", "bkpsdmd", changed(h2),
               error, verify)

    # Re-address: the recipient bkpsdmd (which knows the data key) forwards it to
    # inspektorat by adding it to the list and wrapping a stanza for it.
    h2 = replace(h, to=("bkpsdmd", "inspektorat"))
    fwd = e.with_(signed_bytes=encode_signed_header(h2),
                  stanzas=(*e.stanzas, stanza(parts(110).data_key, Suite.CLASSICAL,
                                              "inspektorat"))).to_bytes()
    w.fail("header-recipient-added", "bkpsdmd adds inspektorat to the signed recipients and"
           " wraps the data key for it (surreptitious forwarding); opened by inspektorat",
           "inspektorat", fwd, SIG)
    data = plaintext(120, 111)
    three = Envelope.parse(seal(data, sender="sekda", to=["bkpsdmd", "inspektorat", "sekda"],
                                level="rahasia", n=111))
    h3 = parse_header(three.to_bytes())[0].signed
    cut = three.with_(signed_bytes=encode_signed_header(replace(h3, to=("bkpsdmd", "sekda"))),
                      stanzas=(three.stanzas[0], three.stanzas[2])).to_bytes()
    w.fail("header-recipient-removed", "inspektorat removed from the signed recipients and its"
           " stanza dropped; opened by bkpsdmd", "bkpsdmd", cut, SIG)
    # The signer's key version changed to another valid version of the same agency.
    bk = Envelope.parse(seal(plaintext(99, 112), sender="bkpsdmd", to=["sekda"],
                             level="rahasia", n=112))
    hb = parse_header(bk.to_bytes())[0].signed
    w.fail("header-signer-version-retired", "bkpsdmd signed with v2; the header changed to"
           " its retired v1, which is valid but did not sign", "sekda",
           bk.with_(signed_bytes=encode_signed_header(
               replace(hb, signer=Signer(SignerKind.AGENCY, "bkpsdmd", 1)))).to_bytes(), SIG)


def non_canonical(w: Writer) -> None:
    """The same header in another msgpack form, re-signed: only the encoding is wrong."""
    data = plaintext(60, 120)
    e = Envelope.parse(seal(data, sender="sekda", to=["bkpsdmd"], level="rahasia", n=120))
    h = parse_header(e.to_bytes())[0].signed
    items = header_items(h)

    def with_item(i: int, raw: object) -> list[object]:
        out = list(items)
        out[i] = raw
        return out

    sekda = b"sekda"
    cases: list[tuple[str, str, bytes, str]] = [
        ("int-wide-created-at", "created_at as uint64 (0xcf) instead of uint32",
         mp(with_item(4, Raw(b"\xcf" + struct.pack(">Q", h.created_at)))), BAD),
        ("int-wide-pola-version", "pola version 3 as uint8 (0xcc 03) instead of a fixint",
         mp(with_item(2, Raw(b"\xcc\x03"))), BAD),
        ("int-wide-suite", "suite 1 as uint16", mp(with_item(0, Raw(b"\xcd\x00\x01"))), BAD),
        ("int-signed-form", "suite 1 as int8 (0xd0 01)", mp(with_item(0, Raw(b"\xd0\x01"))),
         BAD),
        ("bin-wide-doc-id", "document id as bin16 instead of bin8",
         mp(with_item(3, Raw(b"\xc5\x00\x10" + h.doc_id))), BAD),
        ("str-wide-sender", "sender as str8 instead of fixstr",
         mp(with_item(5, Raw(b"\xd9\x05" + sekda))), BAD),
        ("str-as-bin-sender", "sender as bin instead of str",
         mp(with_item(5, Raw(b"\xc4\x05" + sekda))), BAD),
        ("array-wide-recipients", "recipients as array16",
         mp(with_item(7, Raw(b"\xdc\x00\x01" + mp("bkpsdmd")))), BAD),
        ("array-wide-header", "the header array as array16",
         b"\xdc\x00\x0d" + mp(items)[1:], BAD),
        ("float-created-at", "created_at as float64", mp(with_item(4, float(h.created_at))),
         BAD),
        ("bool-suite", "suite as true", mp(with_item(0, True)), BAD),
        ("nil-sender", "sender nil", mp(with_item(5, None)), BAD),
        ("trailing-byte", "one byte after the header array, inside S", mp(items) + b"\xc0",
         BAD),
        ("twelve-items", "the header array without its last item", mp(items[:12]), BAD),
        ("fourteen-items", "the header array with one extra item", mp([*items, 0]), BAD),
        ("map-not-array", "the header as a map", Raw(b"\x81\xa1a\x01"), BAD),
        ("ext-type", "an ext-type value for created_at",
         mp(with_item(4, Raw(b"\xd6\xff" + struct.pack(">I", h.created_at)))), BAD),
        ("invalid-utf8", "sender bytes that are not UTF-8",
         mp(with_item(5, Raw(b"\xa5sekd\xff"))), BAD),
        ("suite-unknown-3", "suite 3, which this format version does not define",
         mp(with_item(0, 3)), "UnsupportedSuite"),
        ("suite-unknown-0", "suite 0", mp(with_item(0, 0)), "UnsupportedSuite"),
        ("suite-unknown-256", "suite 256", mp(with_item(0, 256)), "UnsupportedSuite"),
        ("suite-text", "suite as the string 'classical'", mp(with_item(0, "classical")), BAD),
        ("created-at-over-limit", "created_at 2^40 + 1 (over the format's limit)",
         mp(with_item(4, MAX_TIME + 1)), BAD),
        ("created-at-negative", "created_at -1", mp(with_item(4, -1)), BAD),
        ("pola-version-zero", "pola version 0", mp(with_item(2, 0)), BAD),
        ("doc-id-short", "document id of 15 bytes", mp(with_item(3, h.doc_id[:15])), BAD),
        ("nonce-long", "payload nonce of 17 bytes", mp(with_item(10, h.payload_nonce + b"\0")),
         BAD),
        ("commitment-short", "commitment of 31 bytes", mp(with_item(11, h.commitment[:31])),
         BAD),
        ("metadata-shorter-than-tag", "encrypted metadata of 15 bytes",
         mp(with_item(12, h.meta[:15])), BAD),
        ("metadata-over-limit", "encrypted metadata of 4096 + 16 + 1 bytes",
         mp(with_item(12, bytes(4096 + 16 + 1))), BAD),
        ("classification-unknown", "classification 'rahasia-negara'",
         mp(with_item(8, "rahasia-negara")), BAD),
        ("classification-label", "classification as its label 'Rahasia', not the slug",
         mp(with_item(8, "Rahasia")), BAD),
        ("urgency-unknown", "urgency 'darurat'", mp(with_item(9, "darurat")), BAD),
        ("sender-not-slug", "sender 'Sekda' (uppercase)", mp(with_item(5, "Sekda")), BAD),
        ("recipient-not-slug", "recipient 'bkpsdmd-' (trailing hyphen)",
         mp(with_item(7, ["bkpsdmd-"])), BAD),
        ("recipients-empty", "no recipients", mp(with_item(7, [])), BAD),
        ("recipients-over-limit", f"{MAX_RECIPIENTS + 1} recipients",
         mp(with_item(7, [f"a{i:05d}" for i in range(MAX_RECIPIENTS + 1)])), BAD),
        ("signer-kind-unknown", "signer kind 3", mp(with_item(6, [3, "sekda", 1])), BAD),
        ("signer-two-items", "signer record of two items", mp(with_item(6, [1, "sekda"])), BAD),
        ("signer-key-version-zero", "signer key version 0", mp(with_item(6, [1, "sekda", 0])),
         BAD),
    ]
    for short, desc, signed, error in cases:
        env = e.with_(signed_bytes=bytes(signed)).resigned(("sekda", 1), Suite.CLASSICAL)
        kind = "noncanonical" if short.startswith(("int-", "bin-", "str-wide", "array-",
                                                    "trailing")) else "field"
        w.fail(f"{kind}-{short}", desc + " (re-signed)", "bkpsdmd", env, error)
    # Recipient lists must be sorted and unique (their stanzas follow them).
    three = Envelope.parse(seal(plaintext(60, 121), sender="sekda",
                                to=["bkpsdmd", "inspektorat", "sekda"], level="rahasia", n=121))
    h3 = parse_header(three.to_bytes())[0].signed
    order = (1, 0, 2)
    unsorted = mp(with_list(header_items(h3), 7, [h3.to[i] for i in order]))
    env = three.with_(signed_bytes=unsorted, stanzas=tuple(three.stanzas[i] for i in order)
                      ).resigned(("sekda", 1), Suite.CLASSICAL)
    w.fail("recipients-unsorted", "recipients [inspektorat, bkpsdmd, sekda] with stanzas in the"
           " same order (re-signed)", "bkpsdmd", env, BAD)
    dup = mp(with_list(header_items(h3), 7, ["bkpsdmd", "bkpsdmd", "sekda"]))
    env = three.with_(signed_bytes=dup, stanzas=(three.stanzas[0], three.stanzas[0],
                                                 three.stanzas[2])
                      ).resigned(("sekda", 1), Suite.CLASSICAL)
    w.fail("recipients-duplicate", "recipients [bkpsdmd, bkpsdmd, sekda] (re-signed)",
           "bkpsdmd", env, BAD)


def with_list(items: list[object], i: int, value: object) -> list[object]:
    out = list(items)
    out[i] = value
    return out


def header_cases(w: Writer) -> None:
    framing(w)
    header_changed(w)
    non_canonical(w)

