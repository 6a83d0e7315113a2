"""Write the seed corpora of the fuzz targets from tests/vectors: ``.venv/bin/python
fuzz/make_corpus.py``. Each file is named by the SHA-256 of its content, as libFuzzer does."""

from __future__ import annotations

import hashlib
import json
import sys
from base64 import b64decode
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import KEYS, POLA, POLA_BYTES, VECTORS, envelope_vectors
from fuzz_keyfile import CHEAP, PASSPHRASE

import sandi.keys.keystore
from sandi._internal.codec import pack
from sandi._internal.time import from_epoch
from sandi.audit.checkpoint import add_cosignature, sign_checkpoint
from sandi.authority.authoring import CUSTODIAN_MAGIC, AuthorityKeyPair
from sandi.authority.requests import enrollment, key_change, revocation
from sandi.keys.holdings import BackupKey, Holdings, PendingRequest, encode_holdings
from sandi.keys.keystore import KEYSTORE_MAGIC
from sandi.keys.secretfile import SealedFile

HERE = Path(__file__).resolve().parent / "corpus"
MAX_ENVELOPE = 16 * 1024


def write(target: str, items: list[bytes]) -> None:
    folder = HERE / target
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for item in items:
        (folder / hashlib.sha256(item).hexdigest()).write_bytes(item)
    print(f"{target}: {len(items)} seeds")


def main() -> None:
    write("envelope", envelope_vectors(MAX_ENVELOPE))
    polas = [POLA_BYTES] + [b64decode(json.loads(p.read_text())["pola"])
                            for p in sorted(VECTORS.glob("pola-*.json"))]
    write("pola", sorted(set(polas)))
    by = {(k.agency, k.version): k for k in KEYS}
    records = encode_holdings(Holdings(tuple(KEYS), BackupKey(bytes(32), bytes(1184)), (
        PendingRequest("rotate bkpsdmd", "bkpsdmd-v2.request", key_change(by["bkpsdmd", 2],
                                                                           by["bkpsdmd", 1])),)))
    keystore = SealedFile.new(KEYSTORE_MAGIC, PASSPHRASE, CHEAP).seal(records)
    custodian = AuthorityKeyPair("kustodian-1", "Rina Marlina, S.Kom.", bytes(range(32)))
    custodian_file = SealedFile.new(CUSTODIAN_MAGIC, PASSPHRASE, CHEAP).seal(
        pack([custodian.id, custodian.custodian, custodian.seed]))
    empty = SealedFile.new(KEYSTORE_MAGIC, PASSPHRASE, CHEAP).seal(encode_holdings(Holdings(())))
    write("keyfile", [b"\x00" + keystore, b"\x00" + empty, b"\x01" + records,
                      b"\x01" + encode_holdings(Holdings(tuple(KEYS[:1]))),
                      b"\x02" + custodian_file])
    write("request", [enrollment(by["sekda", 1]), enrollment(by["kec-a", 2]),
                      key_change(by["bkpsdmd", 2], by["bkpsdmd", 1]),
                      revocation(by["inspektorat", 2], 1, "superseded", from_epoch(1_700_000_000)),
                      revocation(by["kec-a", 2], 1, "compromised", from_epoch(1_700_000_000))])
    key = by["sekda", 1]
    signed = sign_checkpoint(key, 42, bytes(range(32)), pola=POLA)
    cosigned = add_cosignature(signed, by["inspektorat", 2], pola=POLA,
                               now=from_epoch(1_780_000_000))
    records_seed = b"\x01" + bytes(16) + b"\x05sekda\x04seal\x0aab12cd34ef" + bytes(40)
    write("audit", [b"\x00" + signed.to_text().encode(), b"\x00" + cosigned.to_text().encode(),
                    records_seed, b"\x01" + hashlib.sha256(b"record").digest() * 4])
    _ = sandi.keys.keystore


if __name__ == "__main__":
    main()
