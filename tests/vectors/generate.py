"""Generate the published test vectors: ``.venv/bin/python tests/vectors/generate.py``.

Writes ``world.json`` and one JSON file per vector beside this script, after
removing the old ones. Every expectation below is written by hand from
docs/format.md and shared/DESIGN.md, never copied from what sandi does; the
script then runs each vector through sandi and prints every disagreement (a
disagreement is a bug in sandi or in the vector: look before committing).

Vectors are generated once and committed; the test never regenerates them.
Classical vectors come out byte for byte the same on every run; hybrid ones
differ (ML-KEM encapsulation and ML-DSA signing are randomised).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _world import (
    BKPSDMD_V1_RETIRED,
    EPHEMERAL,
    INSPEKTORAT_V2_FROM,
    NOW,
    POLA_VERSION,
    SKEW,
    Draft,
    Envelope,
    parts,
    plaintext,
    seal,
    stanza,
)
from _writer import Writer
from cases_header import header_cases
from cases_members import member_cases
from cases_payload import payload_cases
from cases_recipients import recipient_cases
from pola_vectors import pola_vectors

from sandi.crypto.suite import Suite
from sandi.envelope.format import CHUNK_SIZE, Metadata, Signer, SignerKind

SIG = "SignatureInvalid"
OK = "success"
META = Metadata("surat-edaran.pdf", "Surat Edaran tentang Disiplin ASN", "application/pdf")



def success(w: Writer) -> None:
    """Envelopes that open: every size boundary, suite, level, urgency, metadata shape."""
    for n, size in enumerate((0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 200_000), 10):
        data = plaintext(size, n)
        env = seal(data, sender="sekda", to=["bkpsdmd"], level="terbatas", n=n, meta=META)
        w.ok(f"size-{size}", f"{size} bytes of plaintext, classical suite; chunks are 64 KiB,"
             " the last one may be short and is empty only for an empty document",
             "bkpsdmd", env, data, META)
    for n, size in enumerate((0, 1, CHUNK_SIZE + 1), 20):
        data = plaintext(size, n)
        env = seal(data, sender="sekda", to=["bkpsdmd"], level="sangat-rahasia", n=n, meta=META)
        w.ok(f"hybrid-size-{size}", f"{size} bytes, sangat-rahasia: the pola requires the"
             " hybrid suite (X25519+ML-KEM-768 wrap, Ed25519+ML-DSA-65 signature)",
             "bkpsdmd", env, data, META)
    for n, level in enumerate(("biasa", "rahasia"), 30):
        data = plaintext(300, n)
        env = seal(data, sender="sekda", to=["bkpsdmd"], level=level, n=n)
        w.ok(f"level-{level}", f"classification {level}, no metadata", "bkpsdmd", env, data,
             Metadata())
    for n, urgency in enumerate(("biasa", "segera", "sangat-segera", "kilat"), 40):
        data = plaintext(100, n)
        env = seal(data, sender="sekda", to=["bkpsdmd"], level="rahasia", n=n, urgency=urgency)
        w.ok(f"urgency-{urgency}", f"urgency {urgency} (a separate field from the"
             " classification)", "bkpsdmd", env, data, Metadata())
    data = plaintext(120, 45)
    env = seal(data, sender="sekda", to=["bkpsdmd"], level="rahasia", n=45, receipts=True)
    w.ok("receipts-from-every-recipient", "a signed receipt request (as S/MIME ESS): receipts"
         " from every recipient (an empty list), returned to the sender", "bkpsdmd", env, data,
         Metadata())
    env = seal(data, sender="sekda", to=["bkpsdmd", "inspektorat", "sekda"], level="rahasia",
               n=46, receipts=["inspektorat"], receipts_to=["bkpsdmd", "sekda"])
    w.ok("receipts-from-one-returned-to-two", "receipts requested from inspektorat only, of"
         " three recipients, returned to bkpsdmd and sekda", "inspektorat", env, data,
         Metadata())
    metas = {
        "meta-absent": Metadata(),
        "meta-filename-only": Metadata("nota.docx"),
        "meta-subject-only": Metadata(None, "Rapat koordinasi"),
        "meta-unicode": Metadata("laporan-pemeriksaan-ñ-é-漢字.pdf", "Pemeriksaan — tahap Ⅱ",
                                 "application/pdf; charset=utf-8"),
        "meta-max-lengths": Metadata("f" * 1024, "s" * 1024, "c" * 255),
    }
    for n, (name, meta) in enumerate(metas.items(), 50):
        data = plaintext(50, n)
        env = seal(data, sender="sekda", to=["bkpsdmd"], level="rahasia", n=n, meta=meta)
        w.ok(name, "encrypted metadata (filename, subject, content type): "
             + name.removeprefix("meta-").replace("-", " "), "bkpsdmd", env, data, meta)
    data = plaintext(777, 60)
    three = seal(data, sender="sekda", to=["bkpsdmd", "inspektorat", "sekda"], level="rahasia",
                 n=60, meta=META)
    for who in ("bkpsdmd", "inspektorat", "sekda"):
        w.ok(f"three-recipients-{who}", "three recipients (the rahasia maximum), one of them"
             f" the sender's own copy; opened by {who}", who, three, data, META)
    data = plaintext(500, 61)
    four = seal(data, sender="sekda", to=["bkpsdmd", "inspektorat", "kec-a", "sekda"],
                level="biasa", n=61, meta=META)
    for who in ("kec-a", "sekda"):
        w.ok(f"max-recipients-{who}", "four recipients, the pola's max_recipients for biasa;"
             f" opened by {who}", who, four, data, META)
    data = plaintext(90, 62)
    env = seal(data, sender="kec-a", to=["kec-a", "sekda"], level="rahasia", n=62)
    w.ok("own-copy-despite-deny", "kec-a keeps a rahasia copy for itself although a deny"
         " forbids rahasia to kecamatan: an agency may always address itself", "kec-a", env,
         data, Metadata())
    data = plaintext(400, 63)
    env = seal(data, sender="bkpsdmd", to=["sekda"], level="sangat-rahasia", n=63, meta=META)
    w.ok("sender-second-key-version", "bkpsdmd signs with its current key v2 (v1 is retired),"
         " hybrid suite", "sekda", env, data, META)
    data = plaintext(400, 64)
    env = seal(data, sender="inspektorat", to=["sekda"], level="sangat-rahasia", n=64)
    w.ok("sender-inspektorat-hybrid", "inspektorat (key v2) to sekda, sangat-rahasia",
         "sekda", env, data, Metadata())
    # Rewrap-friendly (guarantee 7): the stanza for bkpsdmd wraps to its retired v1.
    data = plaintext(321, 65)
    parsed = Envelope.parse(seal(data, sender="sekda", to=["bkpsdmd"], level="rahasia", n=65))
    env = parsed.with_(stanzas=(stanza(parts(65).data_key, Suite.CLASSICAL, "bkpsdmd", 1,
                                       header_hash=parsed.header_hash),)).to_bytes()
    w.ok("stanza-for-retired-key", "the stanza wraps to bkpsdmd's retired key v1 (stanzas are"
         " outside the signature; retired keys still open)", "bkpsdmd", env, data, Metadata(),
         opened_with=("bkpsdmd", 1))
    data = plaintext(222, 66)
    env = Draft(data, "sekda", ("bkpsdmd",), "biasa", 66, suite=Suite.HYBRID).build()
    w.ok("hybrid-above-requirement", "biasa sealed with the hybrid suite: stronger than the"
         " pola requires is accepted", "bkpsdmd", env, data, Metadata())
    data = plaintext(222, 67)
    env = Draft(data, "sekda", ("bkpsdmd",), "rahasia", 67, pola_version=1).build()
    w.ok("older-pola-version", f"names pola v1 while the world's pola is v{POLA_VERSION}:"
         " documents sealed under an older pola still open", "bkpsdmd", env, data, Metadata())
    data = plaintext(222, 68)
    env = Draft(data, "inspektorat", ("sekda",), "rahasia", 68,
                signer=Signer(SignerKind.AGENCY, "inspektorat", 1),
                created_at=INSPEKTORAT_V2_FROM - 1).build()
    w.ok("superseded-key-before-revocation", "signed by inspektorat v1, revoked as superseded,"
         " one second before its revocation took effect: still valid", "sekda", env, data,
         Metadata())


def not_a_recipient(w: Writer) -> None:
    """Well-formed envelopes the opener holds no key for (verify passes)."""
    env = seal(plaintext(64, 70), sender="sekda", to=["bkpsdmd"], level="rahasia", n=70)
    w.fail("not-addressed", "sekda to bkpsdmd, opened with inspektorat's keys", "inspektorat",
           env, "NotARecipient", OK)
    env = seal(plaintext(64, 71), sender="sekda", to=["bkpsdmd"], level="sangat-rahasia", n=71)
    w.fail("not-addressed-hybrid", "hybrid envelope opened with kec-a's keys", "kec-a", env,
           "NotARecipient", OK)
    env = seal(plaintext(64, 72), sender="sekda", to=["bkpsdmd", "inspektorat", "sekda"],
               level="rahasia", n=72)
    w.fail("not-among-three", "three recipients, opened by a fourth agency", "kec-a", env,
           "NotARecipient", OK)
    e = Envelope.parse(env)
    stanzas = list(e.stanzas)
    stanzas[0] = replace(stanzas[0], key_version=9)
    w.fail("stanza-for-unheld-version", "bkpsdmd's stanza names key v9, which bkpsdmd does not"
           " hold (stanzas are unsigned: verify cannot see it)", "bkpsdmd",
           e.with_(stanzas=tuple(stanzas)).to_bytes(), "NotARecipient", OK)


def windows(w: Writer) -> None:
    """A key's signatures count only inside its window; nothing is dated in the future."""
    data = plaintext(222, 69)
    env = Draft(data, "bkpsdmd", ("sekda",), "rahasia", 69,
                signer=Signer(SignerKind.AGENCY, "bkpsdmd", 1),
                created_at=BKPSDMD_V1_RETIRED - 1).build()
    w.ok("retired-key-before-its-end", "signed by bkpsdmd v1 one second before it was retired"
         " (its successor published): still valid", "sekda", env, data, Metadata())
    env = Draft(data, "bkpsdmd", ("sekda",), "rahasia", 146,
                signer=Signer(SignerKind.AGENCY, "bkpsdmd", 1),
                created_at=BKPSDMD_V1_RETIRED + 86_400).build()
    w.fail("retired-key-after-its-end", "bkpsdmd v1, retired when its successor was published,"
           " signs a day later", "sekda", env, "KeyRevoked")
    data = plaintext(222, 147)
    env = Draft(data, "sekda", ("bkpsdmd",), "rahasia", 147, created_at=NOW + SKEW).build()
    w.ok("dated-within-the-clock-skew", "created 5 minutes after the vector's now: within the"
         " allowed clock skew", "bkpsdmd", env, data, Metadata(), now=NOW)
    env = Draft(data, "sekda", ("bkpsdmd",), "rahasia", 148, created_at=NOW + SKEW + 1).build()
    w.fail("dated-in-the-future", "created 5 minutes and 1 second after the vector's now:"
           " beyond the allowed clock skew", "bkpsdmd", env, "EnvelopeFromFuture", now=NOW)


def main() -> None:
    here = Path(__file__).parent
    w = Writer(here)
    with EPHEMERAL:
        success(w)
        not_a_recipient(w)
        header_cases(w)
        recipient_cases(w)
        payload_cases(w)
        windows(w)
        member_cases(w)
        pola_vectors(w)
    w.finish()


if __name__ == "__main__":
    main()
