"""A new official's first steps, walked again (issue 17 §2-§4): what still tripped.

A fresh home whose own key is not (yet) the one the pola registers: its first letter
failed with "the wrapped key for your agency is damaged ... do not trust this file; ask
the sender to send it again", sending the official to blame a sender whose envelope is
sound. Now open says the keystore's key is not the registered one (KeyNotFound), in both
languages, with a hint that names the request and the home; a stanza that really is
damaged is still WrappedKeyInvalid (the control).

A new terminal without SANDI_HOME: every command said to set it again, but `audit show`,
`audit verify` and `witness show` said "fix the argument; see `sandi COMMAND --help`".
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from clitools import assert_one_error, make_run, write_secret

import sandi
from sandi.demo import DEMO_PASSPHRASE, DemoWorld
from sandi.envelope.format import encode_header, read_header
from sandi.errors import KeyNotFound, WrappedKeyInvalid
from sandi.keys import AgencyKey, KdfParams


def _letter(world: DemoWorld, pq_level: str = "rahasia") -> bytes:
    return sandi.seal(b"Nota dinas", sender=world.keystore.identity("setda"), to=["dinkes"],
                      classification=pq_level, pola=world.pola)


def _unregistered_home(world: DemoWorld, tmp_path: Path) -> Path:
    """The city's pola, and a keystore whose dinkes v1 is a fresh key: made by `keys init`
    on a new computer, its request not yet registered."""
    home = tmp_path / "baru"
    home.mkdir()
    sandi.Home(home).install_pola(world.home.path.joinpath("pola.sandi").read_bytes(),
                                  fingerprint=world.pola.authority.fingerprint())
    store = sandi.Keystore.create(home, passphrase=DEMO_PASSPHRASE, kdf=KdfParams.TEST)
    store.add_keys([AgencyKey.generate("dinkes", 1, pq=True)])
    return home


@pytest.mark.parametrize("level", ["biasa", "rahasia"])
def test_a_key_the_pola_does_not_register_is_named(world: DemoWorld, tmp_path: Path,
                                                   level: str) -> None:
    home = _unregistered_home(world, tmp_path)
    store = sandi.Keystore.open(home, passphrase=DEMO_PASSPHRASE)
    with pytest.raises(KeyNotFound, match="is not the key the pola lists as dinkes v1"):
        sandi.open(_letter(world, level), keystore=store, pola=world.pola)


def test_a_damaged_stanza_is_still_the_envelopes_fault(world: DemoWorld) -> None:
    """The control: with the registered key, a stanza changed in transit is
    WrappedKeyInvalid, as before."""
    data = _letter(world)
    stream = io.BytesIO(data)
    header = read_header(stream.read)
    rest = data[stream.tell():]
    mine = next(s for s in header.stanzas if s.agency == "dinkes")
    body = bytearray(mine.body)
    body[-1] ^= 1
    stanzas = tuple(replace(s, body=bytes(body)) if s is mine else s for s in header.stanzas)
    damaged = encode_header(header.signed_region, stanzas, header.attachments) + rest
    with pytest.raises(WrappedKeyInvalid):
        sandi.open(damaged, keystore=world.keystore, pola=world.pola)
    assert sandi.open(data, keystore=world.keystore, pola=world.pola).plaintext == b"Nota dinas"


@pytest.mark.parametrize(("lang", "said", "hint"), [
    ("en", "is not the key the pola lists as dinkes v1", "send its request to the persandian"),
    ("id", "bukan kunci yang tercantum dalam pola", "serahkan permintaannya kepada unit"),
])
def test_the_command_line_names_the_unregistered_key(world: DemoWorld, tmp_path: Path,
                                                     lang: str, said: str, hint: str) -> None:
    home = _unregistered_home(world, tmp_path)
    letter = tmp_path / "nota.sandi"
    letter.write_bytes(_letter(world))
    secret = write_secret(tmp_path / "frasa.txt")
    result = make_run(home)("--lang", lang, "open", letter, "-o", tmp_path / "nota.txt",
                            "--passphrase-file", secret)
    error, shown = assert_one_error(result, 2, lang)
    assert said in error and hint in shown, result.stderr
    assert "pengirim" not in shown and "sender" not in shown  # not the sender's fault
    assert not (tmp_path / "nota.txt").exists()


@pytest.mark.parametrize(("lang", "hint"), [("en", "set SANDI_HOME again"),
                                            ("id", "setel lagi SANDI_HOME")])
@pytest.mark.parametrize("command", [("audit", "show"), ("audit", "verify"),
                                     ("witness", "show", "--log", "setda")])
def test_the_audit_log_of_a_forgotten_home_says_set_sandi_home(
        tmp_path: Path, lang: str, hint: str, command: tuple[str, ...]) -> None:
    """A new terminal without SANDI_HOME: `audit show` was told "fix the argument; see
    `sandi COMMAND --help`". Like every other command, it now says to set SANDI_HOME."""
    result = make_run(tmp_path / "nowhere")("--lang", lang, *command)
    _, shown = assert_one_error(result, 2, lang)
    assert hint in shown and str(tmp_path / "nowhere") in shown, result.stderr


@pytest.mark.parametrize(("lang", "said", "hint"), [
    ("en", "has no members' vault", "Leave out --member"),
    ("id", "tidak memiliki brankas anggota", "Hilangkan --member"),
])
def test_a_member_named_in_a_home_without_members_is_refused(
        world: DemoWorld, tmp_path: Path, lang: str, said: str, hint: str) -> None:
    """A home whose keys are one keystore has no members: `--member siapa-saja` was
    accepted, ignored by the unlock, and written to the audit log as the official who
    opened the letter. Now it is refused before the passphrase, and nothing is logged
    under that name but the refusals."""
    letter = tmp_path / "nota.sandi"
    letter.write_bytes(_letter(world))
    secret = write_secret(tmp_path / "frasa.txt")
    run = make_run(world.home.path)
    for command in (("open", letter, "-o", tmp_path / "nota.txt"), ("keys", "list"),
                    ("rewrap", letter)):
        result = run("--lang", lang, "--member", "siapa-saja", *command,
                     "--passphrase-file", secret)
        error, shown = assert_one_error(result, 2, lang)
        assert said in error and "siapa-saja" in error and hint in shown, result.stderr
    assert not (tmp_path / "nota.txt").exists()
    records = json.loads(run("--json", "audit", "show").stdout)["records"]
    claimed = [r for r in records if r["member"] == "siapa-saja"]
    assert claimed and all(r["outcome"] != "ok" for r in claimed)  # the refusals only
    opened = run("open", letter, "-o", tmp_path / "nota.txt", "--passphrase-file", secret)
    assert opened.exit_code == 0, opened.stderr  # the control: without --member it opens


def test_rewrap_names_a_mistyped_member_before_asking(world: DemoWorld, tmp_path: Path
                                                      ) -> None:
    """In a members' vault, `rewrap` now checks `--member` before the passphrase, as
    every other command that unlocks does."""
    letter = tmp_path / "nota.sandi"
    letter.write_bytes(_letter(world))
    result = make_run(world.workstation)("--member", "sarii", "rewrap", letter, input="x\n")
    _, shown = assert_one_error(result, 2)
    assert "sari" in shown and "passphrase" not in result.stderr.lower(), result.stderr
