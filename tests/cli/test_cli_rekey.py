"""An agency whose key is classical, under a pola that requires the hybrid suite, gets
its first hybrid key from the authority (issue 14 §7; docs/custodians.md §11): its own
key-change request is refused, with a hint naming the way, and `sandi pola agency
rekey` installs the same request's key as the authority's own change."""

from __future__ import annotations

from pathlib import Path

from city import build_city, doc, ok
from clitools import assert_one_error, make_run


def test_a_classical_agency_gets_its_first_hybrid_key_from_the_authority(
        tmp_path: Path) -> None:
    city = build_city(tmp_path)
    kec = make_run(tmp_path / "kec")
    made = doc(kec("--json", "keys", "init", "--agency", "kec-a", "--passphrase-file",
                   city.home_pass, "--request-out", tmp_path))
    assert made["pq"] is False
    ok(city.pola("agency", "add", made["request"], "--name", "Kecamatan A", "--abbrev",
                 "Kec. A", "--group", "kecamatan"))
    city.publish()
    city.update(kec)
    rotated = doc(kec("--json", "keys", "rotate", "--agency", "kec-a", "--pq",
                      "--passphrase-file", city.home_pass, "--request-out", tmp_path))
    assert rotated["pq"] is True
    before = (city.ws / "pola-keys.json").read_bytes()
    for lang, words in (("en", "sandi pola agency rekey"), ("id", "sandi pola agency rekey")):
        refused = city.auth("--lang", lang, "pola", "request", rotated["request"], "--dir",
                            city.ws)
        error, hint = assert_one_error(refused, 1, lang)
        assert "kec-a" in error and "ML-DSA-65" in error and words in hint
    assert (city.ws / "pola-keys.json").read_bytes() == before
    rekeyed = doc(city.auth("--json", "pola", "agency", "rekey", rotated["request"], "--dir",
                            city.ws))
    assert rekeyed == {"agency": "kec-a", "version": 2, "pq": True,
                       "fingerprint": rotated["fingerprint"]}
    again, _ = assert_one_error(city.pola("agency", "rekey", rotated["request"]), 1)
    assert "kec-a v2 is not a new version" in again  # applied once only
    assert city.publish()["version"] == 3
    city.update(kec)
    listed = doc(kec("--json", "keys", "list", "--passphrase-file", city.home_pass))
    assert [(k["version"], k["pq"]) for k in listed["keys"] if k["state"] == "current"] == [
        (2, True)]
