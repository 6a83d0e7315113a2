"""Hints right for who sees them (issue 17 §2) and error categories (issue 13 §3).

The library's hints speak to a program's author and name no command; the command
line's hints name its commands and flags and fit the command that met the error."""

from __future__ import annotations

import inspect
import json
import re
import shutil
from pathlib import Path

import pytest
from clitools import Run, assert_one_error, make_run, write_secret
from vaultcity import build

import sandi
from sandi.demo import DemoWorld
from sandi.errors import Category, SandiError
from sandi.pola.model import MemberStatus
from sandi_cli.hints import hint_for

CLASSES = sorted((obj for _, obj in inspect.getmembers(sandi.errors, inspect.isclass)
                  if issubclass(obj, SandiError)),
                 key=lambda c: c.__name__)

#: A CLI command or flag, or the CLI's environment: not for a library caller.
CLI_WORDS = re.compile(r"`sandi\b|\bsandi (?:keys|pola|members|audit|seal|open|verify|rewrap"
                       r"|receipt verify|demo|agent)\b|(?<![\w-])--[a-z]|SANDI_|PERINTAH|BERKAS")

#: For each class, the command that meets it and what its hint must say there: the
#: person who acted and what they do next. Every class must be listed.
SITUATIONS: dict[str, list[tuple[str, str]]] = {
    "AgentError": [("seal", "sandi agent status")],
    "AuditLogBroken": [("audit verify", "Inspektorat")],
    "Category": [],
    "ClassicalRequest": [("pola request", "sandi pola agency rekey")],
    "ClockBehind": [("open", "clock")],
    "EnvelopeFromFuture": [("open", "clock")],
    "FileUnreadable": [("open", "may read")],
    "FingerprintUnconfirmed": [("pola update", "--fingerprint ABCD-1234")],
    "InsecureKeyFile": [("open", "chmod 600")],
    "InvalidArgument": [("seal", "--help")],
    "KeyNotFound": [("seal", "--home")],
    "KeyNotValid": [("open", "sandi pola update")],
    "KeyRevoked": [("open", "Ask the sender"), ("verify", "Ask the sender"),
                   ("seal", "Your own agency key")],
    "KeystoreExists": [("keys init", "sandi keys rotate")],
    "MalformedEnvelope": [("open", "ask the sender")],
    "MalformedInput": [("open", "sandi --help")],
    "MalformedKeyFile": [("open", "sandi keys restore")],
    "MalformedPola": [("pola update", "persandian authority")],
    "MalformedReceipt": [("receipt verify", "ask the recipient")],
    "MalformedRequest": [("pola request", "custodian")],
    "InactiveMember": [("seal", "key custodian"), ("open", "sandi members reinstate")],
    "MemberSignatureRequired": [("seal", "--member"), ("open", "Ask the sender"),
                                ("verify", "Ask the sender")],
    "Misuse": [("seal", "sandi --help")],
    "NoKeystore": [("open", "sandi keys init")],
    "NoPola": [("verify", "sandi pola update")],
    "NotARecipient": [("open", "not addressed to your agency")],
    "OutputExists": [("open", "--force")],
    "PolaExpired": [("verify", "renewed pola")],
    "PolaMismatch": [("open", "sandi pola update")],
    "PolaNotTrusted": [("verify", "sandi pola update")],
    "PolaRollback": [("pola update", "newest")],
    "PolaSignatureInvalid": [("pola update", "Do not install")],
    "PolaStale": [("seal", "sandi pola update")],
    "PolicyViolation": [("seal", "sandi pola show")],
    "ReceiptInvalid": [("receipt verify", "receipt")],
    "Refusal": [("open", "sandi --help")],
    "SandiError": [("", "sandi --help")],
    "SignatureInvalid": [("open", "Do not trust")],
    "StorageError": [("open", "disk space")],
    "TamperedEnvelope": [("open", "Do not trust")],
    "TimestampInvalid": [("open", "date")],
    "TimestampUnavailable": [("seal", "network")],
    "UnknownAgency": [("seal", "sandi pola show")],
    "UnsupportedPolaVersion": [("pola update", "Upgrade sandi")],
    "UnsupportedSuite": [("open", "Upgrade sandi")],
    "UnsupportedVersion": [("open", "seal the document again")],
    "WrappedKeyInvalid": [("open", "Do not trust")],
    "WrongPassphrase": [("open", "case-sensitive")],
    "WrongShares": [("keys restore", "shares")],
}


def test_every_error_class_is_in_the_situation_table() -> None:
    names = {c.__name__ for c in CLASSES}
    missing = names - set(SITUATIONS)
    assert not missing, (f"add {sorted(missing)} to SITUATIONS here, with the command that "
                         "meets each and what its CLI hint says (a hint.<Class> message in "
                         "cli/locale if the library hint does not fit the command line)")
    assert names == {n for n in SITUATIONS if n != "Category"}


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_each_class_has_a_category_and_a_library_hint_without_cli_words(
        cls: type[SandiError]) -> None:
    assert isinstance(cls.category, Category)
    err = cls("x")
    for lang in ("en", "id"):
        hint = err.hint(lang)
        assert hint and not CLI_WORDS.search(hint), (
            f"{cls.__name__}.hint_{lang} names the CLI ({hint!r}): say it for a library "
            "caller, and put the CLI's words in hint.<Class> of cli/locale")
    assert err.hint("id") != err.hint("en")


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_each_class_gets_the_hint_of_its_situation_at_the_command_line(
        cls: type[SandiError]) -> None:
    err = cls("x", actual="ABCD-1234")
    for command, words in SITUATIONS[cls.__name__]:
        hint = hint_for(err, "en", command)
        assert words in hint, (cls.__name__, command, hint)
        said = hint_for(err, "id", command)
        assert said and said != hint, (cls.__name__, command, said)


def test_the_categories_are_the_six_of_the_issue() -> None:
    assert {c.value for c in Category} == {
        "policy", "tampered", "not-addressed", "bad-input", "key", "unavailable"}
    by = {c.__name__: c.category for c in CLASSES}
    assert by["PolicyViolation"] is Category.POLICY
    assert by["SignatureInvalid"] is Category.TAMPERED
    assert by["NotARecipient"] is Category.NOT_ADDRESSED
    assert by["MalformedEnvelope"] is Category.BAD_INPUT
    assert by["WrongPassphrase"] is Category.KEY
    assert by["TimestampUnavailable"] is Category.UNAVAILABLE


def test_json_errors_carry_the_category_and_the_cli_hint(tmp_path: Path) -> None:
    envelope = tmp_path / "x.sandi"
    envelope.write_bytes(b"x")
    home = tmp_path / "home"
    home.mkdir()
    result = make_run(home)("--json", "verify", envelope)
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "NoPola" and error["category"] == "unavailable"
    assert "sandi pola update" in error["hint"]


# --- the four situations of issue 17 §2, through the command line ---------------------------


def test_a_forgotten_sandi_home_says_so(tmp_path: Path, world: DemoWorld) -> None:
    envelope = tmp_path / "x.sandi"
    envelope.write_bytes(sandi.seal(b"x", sender=world.keystore.identity("setda"),
                                    to=["dinkes"], classification="biasa", pola=world.pola))
    for args in (["verify", envelope], ["open", envelope]):
        result = make_run(tmp_path / "no-such-home")(*args)
        _error, hint = assert_one_error(result, 2)
        assert "SANDI_HOME" in hint and "does not exist" in hint, hint
    idn = make_run(tmp_path / "no-such-home")("--lang", "id", "verify", envelope)
    assert "SANDI_HOME" in assert_one_error(idn, 2, "id")[1]


@pytest.fixture(scope="module")
def vault_city(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return build(tmp_path_factory.mktemp("vault-city"))


def test_a_mistyped_member_is_named_before_any_passphrase(vault_city, tmp_path: Path  # type: ignore[no-untyped-def]
                                                          ) -> None:
    home = tmp_path / "home"
    shutil.copytree(vault_city.home, home)
    run = make_run(home)
    result = run("--member", "anni", "keys", "list", "--passphrase-file", tmp_path / "none")
    error, hint = assert_one_error(result, 2)
    assert "anni" in error and "keystore" not in error
    assert "ani" in hint and "--member" in hint and "keys init" not in hint
    control = run("--member", "ani", "keys", "list", "--passphrase-file",
                  vault_city.secret("ani"))
    assert control.exit_code == 0, control.stderr


def test_a_suspended_official_who_seals_is_sent_to_the_custodian(  # type: ignore[no-untyped-def]
        vault_city, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(vault_city.home, home)
    doc = tmp_path / "nota.txt"
    doc.write_text("nota", encoding="utf-8")
    run = make_run(home)
    seal = ("--member", "ani", "seal", doc, "--to", "bkpsdmd", "--classification", "biasa",
            "--passphrase-file", vault_city.secret("ani"))
    control = run(*seal)
    assert control.exit_code == 0, control.stderr
    (tmp_path / "nota.txt.sandi").unlink()
    vault_city.publish("ani", MemberStatus.SUSPENDED, home)
    error, hint = assert_one_error(run(*seal), 1)
    assert "suspended" in error
    assert "custodian" in hint and "sender" not in hint


def test_the_first_pola_update_without_fingerprint_asks_for_it(world: DemoWorld,
                                                               tmp_path: Path) -> None:
    pola_file = tmp_path / "pola.sandi"
    shutil.copy(world.home.pola_path, pola_file)
    fingerprint = world.pola.authority.fingerprint()
    for lang, bad in (("en", "signature"), ("id", "tanda tangan")):
        result = make_run(tmp_path / "new-home")("--lang", lang, "pola", "update", pola_file)
        error, hint = assert_one_error(result, 1, lang)
        assert bad not in error.lower() and fingerprint in error
        assert f"--fingerprint {fingerprint}" in hint
    installed = make_run(tmp_path / "new-home")("pola", "update", pola_file,
                                                 "--fingerprint", fingerprint)
    assert installed.exit_code == 0, installed.stderr


def test_a_library_caller_gets_a_library_hint(world: DemoWorld, run: Run, tmp_path: Path
                                              ) -> None:
    with pytest.raises(sandi.errors.NoPola) as caught:
        sandi.Home(tmp_path / "empty").pola()
    assert "Home.install_pola" in caught.value.hint() and "sandi pola" not in \
        caught.value.hint()
    assert write_secret  # the CLI tools stay importable beside the library
