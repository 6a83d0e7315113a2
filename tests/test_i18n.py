"""Library errors speak English and Indonesian: every raise site uses a literal template
that the ``sandi`` gettext catalogue translates, with the same placeholders; the compiled
catalogues match their sources; and nothing is loaded until a message is shown."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import sandi._internal.i18n
from sandi.errors import InvalidArgument, NotARecipient, Phrase, SandiError, StorageError
from tests.helpers import catalogues

ROOT = Path(__file__).resolve().parent.parent


CAT = catalogues()
TEMPLATES = CAT.templates()
PO = CAT.translations(CAT.load(CAT.LIBRARY_PO))


def test_the_scan_finds_the_raise_sites() -> None:
    assert len(TEMPLATES) > 150, "the AST scan of sandi/**/*.py found too few templates"
    assert "{what} does not verify" in TEMPLATES


def test_every_template_is_a_literal_with_its_parameters() -> None:
    # No f-string, concatenation or str(exc) at a raise site of a SandiError subclass
    # (or of Phrase / Fields.fail): the English text must be a msgid to translate, and
    # the keyword arguments must be exactly the template's placeholders.
    problems = [str(site) for site in CAT.sites() if site.problem]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_has_an_indonesian_translation(template: str) -> None:
    text = PO.get(template, "")
    assert text.strip(), f"sandi.po lacks {template!r}: run {CAT.COMMAND} extract"
    assert CAT.fields(text) == CAT.fields(template), (template, text)


def test_no_stale_translations() -> None:
    stale = sorted(set(PO) - set(TEMPLATES))
    assert not stale, f"sandi.po has entries no code uses: run {CAT.COMMAND} extract"


def test_compiled_catalogues_match_their_sources() -> None:
    assert not CAT.stale_mo(), f"run {CAT.COMMAND} compile"


# --- what a caller sees -------------------------------------------------------------------


def test_str_is_english_and_describe_is_indonesian() -> None:
    err = NotARecipient("this envelope is for {to}; this keystore holds keys for {held}{detail}",
                        to="bkpsdmd", held=Phrase("no agency"),
                        detail=Phrase("; tried {keys}", keys=[
                            Phrase("{agency} v{version} (not held)", agency="dinkes", version=2),
                            Phrase("{agency} v{version} (not held)", agency="setda", version=1)]))
    assert str(err) == ("this envelope is for bkpsdmd; this keystore holds keys for no agency;"
                        " tried dinkes v2 (not held), setda v1 (not held)")
    assert err.describe("en") == str(err)
    assert err.message("id") == ("amplop ini untuk bkpsdmd; keystore ini menyimpan kunci"
                                 " instansi: (tidak ada); sudah dicoba dinkes v2 (tidak"
                                 " tersimpan), setda v1 (tidak tersimpan)")
    assert err.describe("id") == f"Anda bukan penerima amplop ini ({err.message('id')})"


def test_the_summary_is_not_said_twice() -> None:
    # The detail of NoPola already begins with its summary's words: said once.
    from sandi.errors import NoPola

    err = NoPola("no pola is installed in {path}", path="/srv/sandi")
    assert err.summary_id == "belum ada pola terpasang"
    assert err.describe("id") == "belum ada pola terpasang di /srv/sandi"


def test_a_plain_message_still_works() -> None:
    err = InvalidArgument("something {odd} happened")  # no parameters: used as it is
    assert str(err) == "something {odd} happened"
    assert err.describe("id") == "argumen tidak sah (something {odd} happened)"
    assert str(SandiError()) == ""


def test_a_known_plain_message_is_translated() -> None:
    assert InvalidArgument("the passphrase is empty").message("id") == "frasa sandi kosong"


def test_an_error_as_a_parameter_is_translated_too() -> None:
    inner = StorageError("cannot write {path}: {reason}; nothing was written", path="/x",
                         reason=Phrase("the disk is full"))
    outer = InvalidArgument("cannot seal this metadata: {detail}", detail=inner)
    assert outer.message("id") == ("metadata ini tidak dapat disegel: /x tidak dapat ditulis:"
                                   " disk penuh; tidak ada yang ditulis")


def test_errors_pickle_with_their_template() -> None:
    err = pickle.loads(pickle.dumps(StorageError(
        "cannot write {path}: {reason}; nothing was written", path="/x",
        reason=Phrase("the disk is full"))))
    assert str(err) == "cannot write /x: the disk is full; nothing was written"
    assert "disk penuh" in err.message("id")


def test_a_broken_translation_falls_back_to_english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandi._internal.i18n, "translate",
                        lambda template, lang: "rusak {nope}" if lang == "id" else template)
    err = InvalidArgument("{path} already exists", path="/x")
    assert err.message("id") == "/x already exists"


def test_catalogues_load_only_when_needed() -> None:
    code = ("import sandi, sandi._internal.i18n as i; from sandi_cli.main import main;"
            " import sandi_cli.messages as m; e = sandi.errors.NoPola('no pola is installed in"
            " {path}', path='/x'); str(e); e.describe('en'); main(['--version']);"
            " print(i.catalogue.cache_info().currsize, m.catalogue.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert out.splitlines()[-1] == "0 0"


def test_the_catalogues_are_package_data() -> None:
    # A non-editable install (pip install .) must ship every .mo, or an official would
    # silently get English.
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    globs, dirs = config["setuptools"]["package-data"], config["setuptools"]["package-dir"]
    compiled = [mo for po in CAT.all_po() if (mo := po.with_suffix(".mo"))]
    assert len(compiled) == 3
    for mo in compiled:
        package = next(p for p, d in dirs.items() if mo.is_relative_to(ROOT / d))
        inside = mo.relative_to(ROOT / dirs[package])
        assert any(inside.match(g) for g in globs[package]), f"{mo} is not package data"


def test_with_params_keeps_the_class_and_the_template() -> None:
    err = StorageError("cannot write {path}: {reason}; nothing was written", path="/x",
                       reason=Phrase("the disk is full"))
    moved = err.with_params(path="/y")
    assert type(moved) is StorageError and moved.template == err.template
    assert str(moved) == "cannot write /y: the disk is full; nothing was written"


def test_a_phrase_is_the_english_string() -> None:
    # Phrases also stand where the API promises strings (Document.warnings).
    warning = Phrase("opened with {agency} key v{version}, which is revoked; rewrap or"
                     " re-seal what you still need", agency="dinkes", version=1)
    assert isinstance(warning, str) and warning.startswith("opened with dinkes key v1")
    assert warning.message("id").startswith("dibuka dengan kunci dinkes v1 yang sudah dicabut")
    assert pickle.loads(pickle.dumps(warning)).message("id") == warning.message("id")
