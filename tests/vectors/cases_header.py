"""Vectors on the framing, the header and its binding, and the bound block."""

from __future__ import annotations

import io
import struct
from base64 import b64decode
from dataclasses import replace

from _world import (
    POLA_VERSION,
    Envelope,
    Raw,
    bound_items,
    flip,
    header_items,
    mp,
    parts,
    plaintext,
    seal,
    stanza,
)
from _writer import Writer
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sandi.crypto.primitives import LABEL_METADATA, ZERO_NONCE, DocumentKeys
from sandi.crypto.suite import Suite
from sandi.envelope.attachments import MAX_ATTACHMENTS
from sandi.envelope.format import (
    MAX_BOUND,
    MAX_SIGNED_HEADER,
    MAX_STANZAS,
    Bound,
    Metadata,
    SignedHeader,
    Signer,
    SignerKind,
    encode_bound,
    encode_meta,
    encode_signed_header,
    hash_header,
    parse_header,
)
from sandi.envelope.stream import plaintext_chunks, seal_payload
from sandi.pola.classification import Classification, Urgency
from sandi.pola.model import MAX_RECIPIENTS

SIG = "SignatureInvalid"
BAD = "MalformedEnvelope"
OK = "success"


def _u32(n: int) -> bytes:
    return struct.pack(">I", n)


#: A genuine envelope of format version 1 (sekda -> bkpsdmd, biasa, 300 bytes), as
#: sandi sealed it before version 2: vector 010-level-biasa of the version-1 set.
V1_ENVELOPE = b64decode(
    'U0FOREkBAAAAkZ0BqGtvdGEtdWppA8QQXfzTyevTIGSZ1QtnrjvrSs5pgpqLpXNla2RhkwGlc2Vr'
    'ZGEBkadia3BzZG1kpWJpYXNhpWJpYXNhxBBG1owfg4SGoxM7O19fIHqLxCBAN8uK1i4gHiIgAQ44'
    'Vcje2RrdZuyRzCABAFJ431V6O8QUPL0W8ZeH1zwkoSlkGYQuF6WhAqcAAABdkZOnYmtwc2RtZALE'
    'UPp9A8HnIZQjw4VKArO2htSmUG2SXV/uEuR4jSq0mDQTsUY794o6AzEJzHyk/jAs8tsPhAJymmgr'
    'bqVQia5QS/hK1FX84LPjwuQ8w/u7Udc0rv2gbfPx8ZYguEe3dcPfk7x+uTrn1TbO7mvcJL8TiuZt'
    'sfoQZxsbMd9rRQlQoGd13OESEAWcjCfH+Rmxs/N5FkBQaMFnjJ0xzf9TIrBPVQL8/C745iy/2v+C'
    'J03um6V1Hm//gTBztcI1LXRWJp4Y+rIRMF33lerP4JfONPra3bAL2dYXM7ZWQITAgubdnPVmtX7q'
    '75xWC/+H61VprvOhARNr41oPKxa0ZrQkFVF6YEQZ5FmnM2Ywn6uHvg/7iMHDtLq6mkQKBrcpbyZQ'
    '9hOVpahb7eBPAdyFLMpATDhx6YYgYIb1kVRpRjc7A1gr74SBCcW21c8KCuYu38ZgXghF7e+qzh5i'
    'IrIvY7jaFHJ4KGcfNq9dDcLjaya6SR6C3WUbcGECAoc0piiiLSPScO2PPh5iP4ZcjjdsJtQZv/YI'
    'Ka3LEKqLOIvEOWS/6mjTnUOHi5t92ofIUCBTaHryQ4ZIyEE6XpSFw+edJ9WbingT/vh8HQhMD3kw'
    '+BG7SwU=')


def framing(w: Writer) -> None:
    """Magic, version and the three length-prefixed blocks."""
    env = seal(plaintext(40, 100), sender="sekda", to=["bkpsdmd"], level="rahasia", n=100)
    e = Envelope.parse(env)
    s_len, b_len = len(e.signed_bytes), len(e.bound_bytes)
    u_len = len(e.attachment_block)
    r_len = len(e.header) - len(e.region) - 8 - u_len
    b_at, r_at = 10 + s_len, 14 + s_len + b_len  # the u32 B, the u32 R
    u_at = r_at + 4 + r_len  # the u32 U
    rest = env[6:]

    def length(at: int, n: int) -> bytes:
        return env[:at] + _u32(n) + env[at + 4:]

    cases: list[tuple[str, str, bytes, str]] = [
        ("empty-file", "zero bytes", b"", BAD),
        ("magic-truncated", "only 'SAND'", env[:4], BAD),
        ("magic-changed", "'SANDX' instead of 'SANDI'", b"SANDX" + env[5:], BAD),
        ("magic-lowercase", "'sandi' instead of 'SANDI'", b"sandi" + env[5:], BAD),
        ("magic-is-pola", "a pola's magic 'SANDP' on an envelope", b"SANDP" + env[5:], BAD),
        ("prepended-byte", "one byte before the magic", b"\x00" + env, BAD),
        ("version-0", "format version byte 0", b"SANDI\x00" + rest, "UnsupportedVersion"),
        ("version-1-byte", "this envelope with its version byte set to 1", b"SANDI\x01" + rest,
         "UnsupportedVersion"),
        ("version-3", "format version byte 3 (a future version)", b"SANDI\x03" + rest,
         "UnsupportedVersion"),
        ("version-255", "format version byte 255", b"SANDI\xff" + rest, "UnsupportedVersion"),
        ("prefix-only", "magic and version, nothing else", env[:6], BAD),
        ("signed-length-truncated", "two bytes of the header's u32 length", env[:8], BAD),
        ("signed-length-zero", "header length S = 0", length(6, 0), BAD),
        ("signed-length-over-limit", f"S = {MAX_SIGNED_HEADER + 1}, one over the 256 KiB limit"
         " (refused before reading)", length(6, MAX_SIGNED_HEADER + 1), BAD),
        ("signed-length-max-u32", "S = 2^32-1", length(6, 2**32 - 1), BAD),
        ("signed-length-plus-one", "S one byte too long: the header swallows a byte of B",
         length(6, s_len + 1), BAD),
        ("signed-length-minus-one", "S one byte too short: the msgpack array is cut",
         length(6, s_len - 1), BAD),
        ("signed-header-truncated", "the file ends inside the header", env[:10 + s_len // 2],
         BAD),
        ("bound-length-truncated", "the file ends inside the bound block's u32 length B",
         env[:b_at + 2], BAD),
        ("bound-length-zero", "bound block length B = 0", length(b_at, 0), BAD),
        ("bound-length-over-limit", f"B = {MAX_BOUND + 1}, one over the 8 KiB limit",
         length(b_at, MAX_BOUND + 1), BAD),
        ("bound-length-plus-one", "B one byte too long: takes a byte of R",
         length(b_at, b_len + 1), BAD),
        ("bound-length-minus-one", "B one byte too short", length(b_at, b_len - 1), BAD),
        ("bound-block-truncated", "the file ends inside the bound block",
         env[:b_at + 4 + b_len // 2], BAD),
        ("stanza-length-truncated", "the file ends inside the stanzas' u32 length R",
         env[:r_at + 2], BAD),
        ("stanza-length-zero", "stanza block length R = 0", length(r_at, 0), BAD),
        ("stanza-length-over-limit", f"R = {MAX_STANZAS + 1}, one over the 4 MiB limit",
         length(r_at, MAX_STANZAS + 1), BAD),
        ("stanza-length-plus-one", "R one byte too long: takes a byte of U",
         length(r_at, r_len + 1), BAD),
        ("stanza-length-minus-one", "R one byte too short", length(r_at, r_len - 1), BAD),
        ("stanza-block-truncated", "the file ends inside the stanzas",
         env[:r_at + 4 + r_len - 5], BAD),
        ("attachments-length-truncated", "the file ends inside the attachments' u32 length U",
         env[:u_at + 2], BAD),
        ("attachments-length-zero", "attachments length U = 0 (no attachments is the empty"
         " array, U = 1)", length(u_at, 0), BAD),
        ("attachments-length-over-limit", f"U = {MAX_ATTACHMENTS + 1}, one over the 64 KiB"
         " limit", length(u_at, MAX_ATTACHMENTS + 1), BAD),
        ("attachments-length-plus-one", "U one byte too long: takes a byte of the payload",
         length(u_at, u_len + 1), BAD),
        ("attachments-missing", "the stanzas followed directly by the payload (a header"
         " without the attachments block)", env[:u_at] + env[u_at + 4 + u_len:], BAD),
        ("header-only", "the header and nothing after it: no payload, no signature",
         e.header, "TamperedEnvelope"),
        ("header-and-signature-only", "the payload removed, the signature kept",
         e.header + e.signature, "TamperedEnvelope"),
    ]
    for short, desc, data, error in cases:
        w.fail(short, desc, "bkpsdmd", data, error)
    attachment_cases: list[tuple[str, str, bytes, str]] = [
        ("unknown-type", "an attachment of type 2, which this format does not define",
         mp([[2, b"x"]]), BAD),
        ("type-zero", "an attachment of type 0", mp([[0, b"x"]]), BAD),
        ("duplicate", "two time-stamp tokens", mp([[1, b"x"], [1, b"y"]]), BAD),
        ("three-items", "an attachment record of three items", mp([[1, b"x", 0]]), BAD),
        ("map", "the attachments as a map", mp({"timestamp": b"x"}), BAD),
        ("token-empty", "a time-stamp token of 0 bytes", mp([[1, b""]]), BAD),
        ("token-as-str", "a time-stamp token as text", mp([[1, "x"]]), BAD),
        ("trailing-byte", "one byte after the attachments array, inside U",
         mp([]) + b"\xc0", BAD),
        ("token-not-der", "a time-stamp token that is not an RFC 3161 response, under a"
         " pola that names no time-stamping authority", mp([[1, b"not a token"]]),
         "TimestampInvalid"),
    ]
    for short, desc, block, error in attachment_cases:
        w.fail(f"attachments-{short}", desc + " (outside the signature)", "bkpsdmd",
               e.with_(attachment_block=block).to_bytes(), error)
    assert V1_ENVELOPE.startswith(b"SANDI\x01")
    w.fail("version-1", "a genuine envelope of format version 1, sealed by sandi before"
           " version 2 bound every key to the header: refused by its version, to be sealed"
           " again", "bkpsdmd", V1_ENVELOPE, "UnsupportedVersion")


def header_changed(w: Writer) -> None:
    """Each header field changed, re-encoded canonically, not re-signed: the parse succeeds;
    the policy, or the header binding (our stanza no longer opens), refuses it at open,
    the signature at verify."""
    data = plaintext(120, 110)
    env = seal(data, sender="sekda", to=["bkpsdmd"], level="rahasia", n=110,
               meta=Metadata("a.pdf"))
    e = Envelope.parse(env)
    h = parse_header(env)[0].signed
    assert mp(header_items(h)) == e.signed_bytes
    key = parts(110).data_key

    def changed(h2: SignedHeader) -> bytes:
        return e.with_(signed_bytes=encode_signed_header(h2)).to_bytes()

    unbound = "WrappedKeyInvalid"
    cases: list[tuple[str, str, SignedHeader, str, str | None]] = [
        ("suite", "suite classical -> hybrid: the stanza bodies no longer have the suite's"
         " length", replace(h, suite=Suite.HYBRID), BAD, None),
        ("pola-id", "pola id kota-uji -> kota-lain", replace(h, pola_id="kota-lain"),
         "PolaMismatch", None),
        ("pola-version", f"pola version {POLA_VERSION} -> {POLA_VERSION - 1} (still accepted"
         " by the policy check)", replace(h, pola_version=POLA_VERSION - 1), unbound, SIG),
        ("doc-id", "document id, last byte flipped", replace(h, doc_id=flip(h.doc_id, 15)),
         unbound, SIG),
        ("created-at", "creation time + 1 second", replace(h, created_at=h.created_at + 1),
         unbound, SIG),
        ("sender", "sender sekda -> bkpsdmd (and the signer with it): a recipient claims"
         " to have sent it", replace(h, sender="bkpsdmd",
                                     signer=Signer(SignerKind.AGENCY, "bkpsdmd", 2)),
         unbound, SIG),
        ("signer-id", "signer id sekda -> bkpsdmd, sender unchanged",
         replace(h, signer=Signer(SignerKind.AGENCY, "bkpsdmd", 2)), "KeyNotValid", None),
        ("signer-kind", "signer kind agency -> member",
         replace(h, signer=Signer(SignerKind.MEMBER, "sekda", 1)), "KeyNotValid", None),
        ("signer-key-version", "signer key version 1 -> 2, which sekda does not have",
         replace(h, signer=Signer(SignerKind.AGENCY, "sekda", 2)), "KeyNotValid", None),
        ("classification-down", "classification rahasia -> terbatas",
         replace(h, classification=Classification.TERBATAS), unbound, SIG),
        ("classification-up", "classification rahasia -> sangat-rahasia: the pola requires"
         " the hybrid suite for it", replace(h, classification=Classification.SANGAT_RAHASIA),
         "PolicyViolation", None),
        ("urgency", "urgency biasa -> kilat", replace(h, urgency=Urgency.KILAT), unbound, SIG),
        ("payload-nonce", "payload nonce, first byte flipped",
         replace(h, payload_nonce=flip(h.payload_nonce, 0)), unbound, SIG),
    ]
    for short, desc, h2, error, verify in cases:
        w.fail(f"header-{short}-changed", desc + "; not re-signed", "bkpsdmd", changed(h2),
               error, verify)

    # The bound block's fields, changed and not re-signed.
    b = parse_header(env)[0].bound
    bound_cases: list[tuple[str, str, Bound, str]] = [
        ("commitment", "key commitment, first byte flipped",
         replace(b, commitment=flip(b.commitment, 0)), unbound),
        ("metadata", "encrypted metadata, last byte (tag) flipped",
         replace(b, meta=flip(b.meta, len(b.meta) - 1)), "TamperedEnvelope"),
    ]
    for short, desc, b2, error in bound_cases:
        w.fail(f"bound-{short}-changed", desc + "; not re-signed", "bkpsdmd",
               e.with_(bound_bytes=encode_bound(b2)).to_bytes(), error, SIG)

    # Re-address: the recipient bkpsdmd (which knows the data key and the plaintext)
    # forwards it to inspektorat: it adds inspektorat to the recipients and redoes
    # everything bound to the header (bound block, stanzas, payload), keeping sekda's
    # signature. Only the signature can refuse it.
    h2 = replace(h, to=("bkpsdmd", "inspektorat"))
    fwd = _rebound(e, h2, key, data, Metadata("a.pdf"), ("bkpsdmd", "inspektorat"))
    w.fail("header-recipient-added", "bkpsdmd adds inspektorat to the recipients and redoes"
           " the bound block, stanzas and payload for the new header, keeping the signature"
           " (surreptitious forwarding); opened by inspektorat", "inspektorat", fwd, SIG)
    data = plaintext(120, 111)
    three = Envelope.parse(seal(data, sender="sekda", to=["bkpsdmd", "inspektorat", "sekda"],
                                level="rahasia", n=111))
    h3 = parse_header(three.to_bytes())[0].signed
    cut = three.with_(signed_bytes=encode_signed_header(replace(h3, to=("bkpsdmd", "sekda"))),
                      stanzas=(three.stanzas[0], three.stanzas[2])).to_bytes()
    w.fail("header-recipient-removed", "inspektorat removed from the recipients and its"
           " stanza dropped, not re-signed; opened by bkpsdmd, whose stanza is bound to the"
           " original header", "bkpsdmd", cut, unbound, SIG)
    # The signer's key version changed to another valid version of the same agency.
    bk = Envelope.parse(seal(plaintext(99, 112), sender="bkpsdmd", to=["sekda"],
                             level="rahasia", n=112))
    hb = parse_header(bk.to_bytes())[0].signed
    w.fail("header-signer-version-retired", "bkpsdmd signed with v2; the header changed to"
           " its v1, retired before the creation time: refused before the signature is"
           " checked", "sekda",
           bk.with_(signed_bytes=encode_signed_header(
               replace(hb, signer=Signer(SignerKind.AGENCY, "bkpsdmd", 1)))).to_bytes(),
           "KeyRevoked")


def _rebound(e: Envelope, h: SignedHeader, key: bytes, data: bytes, meta: Metadata,
             to: tuple[str, ...]) -> bytes:
    """``e`` under the header ``h``, with everything bound to the header redone by someone
    who knows the data key ``key`` and the plaintext ``data`` (a recipient), keeping the
    original signature."""
    header_bytes = encode_signed_header(h)
    hh = hash_header(header_bytes)
    keys = DocumentKeys.derive(key, h.payload_nonce, hh)
    bound = Bound(keys.commitment, AESGCM(keys.metadata).encrypt(ZERO_NONCE, encode_meta(meta),
                                                                 LABEL_METADATA))
    payload = b"".join(seal_payload(keys.payload, plaintext_chunks(io.BytesIO(data).read)))
    return e.with_(signed_bytes=header_bytes, bound_bytes=encode_bound(bound),
                   stanzas=tuple(stanza(key, h.suite, a, header_hash=hh) for a in to),
                   payload=payload).to_bytes()


def resigned_by_a_third_agency(w: Writer) -> None:
    """Issue 14 §1: sekda seals sangat-rahasia to inspektorat; bkpsdmd, holding only its own
    keys (it may send rahasia to inspektorat), copies the bound block, the stanzas and the
    payload, rewrites the header and signs it with its own key. Its signature is valid
    and the pola allows what the header now says, so verify passes; but inspektorat's
    stanza is bound to sekda's header hash and does not open."""
    data = plaintext(700, 113)
    e = Envelope.parse(seal(data, sender="sekda", to=["inspektorat"], level="sangat-rahasia",
                            n=113, meta=Metadata("lhp-khusus.pdf")))
    h = parse_header(e.to_bytes())[0].signed
    as_x = replace(h, sender="bkpsdmd", signer=Signer(SignerKind.AGENCY, "bkpsdmd", 2),
                   classification=Classification.RAHASIA)
    cases: list[tuple[str, str, SignedHeader]] = [
        ("resigned-by-third-agency", "bkpsdmd rewrites sender, signer and classification"
         " (sangat-rahasia -> rahasia) of sekda's envelope and signs it with its own key", as_x),
        ("resigned-by-third-agency-all-fields", "the same, also with a new document id,"
         " creation time and urgency", replace(as_x, doc_id=bytes(16),
                                               created_at=h.created_at + 60,
                                               urgency=Urgency.KILAT)),
    ]
    for short, desc, h2 in cases:
        env = e.with_(signed_bytes=encode_signed_header(h2)).resigned(("bkpsdmd", 2),
                                                                      Suite.HYBRID)
        w.fail(short, desc, "inspektorat", env, "WrappedKeyInvalid", OK)
    # The control: the same construction with the header unchanged, signed by sekda.
    env = e.resigned(("sekda", 1), Suite.HYBRID)
    w.ok("resigned-unchanged-by-its-sender", "the same construction (bound block, stanzas and"
         " payload copied, signed again) with sekda's header unchanged and sekda's key: a valid"
         " envelope", "inspektorat", env, data, Metadata("lhp-khusus.pdf"))


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
         b"\xdc\x00\x0c" + mp(items)[1:], BAD),
        ("float-created-at", "created_at as float64", mp(with_item(4, float(h.created_at))),
         BAD),
        ("bool-suite", "suite as true", mp(with_item(0, True)), BAD),
        ("nil-sender", "sender nil", mp(with_item(5, None)), BAD),
        ("trailing-byte", "one byte after the header array, inside S", mp(items) + b"\xc0",
         BAD),
        ("eleven-items", "the header array without its last item, the receipt request",
         mp(items[:11]), BAD),
        ("thirteen-items", "the header array with one extra item", mp([*items, 0]), BAD),
        ("version-1-items", "the header of format version 1: the commitment and the"
         " encrypted metadata as items 11 and 12", mp([*items[:11], bytes(32), bytes(16)]),
         BAD),
        ("receipts-from-not-recipient", "receipts requested from inspektorat, not a recipient",
         mp(with_item(11, [["inspektorat"], ["sekda"]])), BAD),
        ("receipts-from-every-recipient-named", "receipts requested from [bkpsdmd], the only"
         " recipient: every recipient is written as an empty list",
         mp(with_item(11, [["bkpsdmd"], ["sekda"]])), BAD),
        ("receipts-to-empty", "a receipt request returned to nobody",
         mp(with_item(11, [[], []])), BAD),
        ("receipts-to-unsorted", "receipts returned to [sekda, bkpsdmd] (unsorted)",
         mp(with_item(11, [[], ["sekda", "bkpsdmd"]])), BAD),
        ("receipts-to-over-limit", "receipts returned to 17 agencies",
         mp(with_item(11, [[], [f"a{i:02d}" for i in range(17)]])), BAD),
        ("receipts-request-one-item", "a receipt request of one item",
         mp(with_item(11, [[]])), BAD),
        ("receipts-request-map", "a receipt request as a map",
         mp(with_item(11, {"to": ["sekda"]})), BAD),
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
         mp(with_item(4, 2**40 + 1)), BAD),
        ("created-at-negative", "created_at -1", mp(with_item(4, -1)), BAD),
        ("pola-version-zero", "pola version 0", mp(with_item(2, 0)), BAD),
        ("doc-id-short", "document id of 15 bytes", mp(with_item(3, h.doc_id[:15])), BAD),
        ("nonce-long", "payload nonce of 17 bytes", mp(with_item(10, h.payload_nonce + b"\0")),
         BAD),
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
    b = parse_header(e.to_bytes())[0].bound
    bound = bound_items(b)
    bound_cases: list[tuple[str, str, bytes]] = [
        ("commitment-short", "commitment of 31 bytes", mp([b.commitment[:31], b.meta])),
        ("commitment-long", "commitment of 33 bytes", mp([b.commitment + b"\0", b.meta])),
        ("commitment-as-str", "commitment as a str8 of 32 bytes",
         mp([Raw(b"\xd9\x20" + bytes(32)), b.meta])),
        ("bin-wide-commitment", "commitment as bin16 instead of bin8",
         mp([Raw(b"\xc5\x00\x20" + b.commitment), b.meta])),
        ("metadata-shorter-than-tag", "encrypted metadata of 15 bytes",
         mp([b.commitment, b.meta[:15]])),
        ("metadata-over-limit", "encrypted metadata of 4096 + 16 + 1 bytes",
         mp([b.commitment, bytes(4096 + 16 + 1)])),
        ("one-item", "the bound block without its metadata", mp(bound[:1])),
        ("three-items", "the bound block with one extra item", mp([*bound, 0])),
        ("map", "the bound block as a map", mp({"commitment": b.commitment, "meta": b.meta})),
        ("trailing-byte", "one byte after the bound array, inside B", mp(bound) + b"\xc0"),
    ]
    for short, desc, raw in bound_cases:
        env = e.with_(bound_bytes=raw).resigned(("sekda", 1), Suite.CLASSICAL)
        w.fail(f"bound-{short}", desc + " (re-signed)", "bkpsdmd", env, BAD)
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
    resigned_by_a_third_agency(w)
    non_canonical(w)

