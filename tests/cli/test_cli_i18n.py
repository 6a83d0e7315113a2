"""Messages in English and Indonesian: the catalogue is complete, the choice of
language follows --lang, SANDI_LANG and the locale, and a library error reaches an
Indonesian official with no English left in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from clitools import Run, assert_one_error, write_secret

import sandi_cli.messages
from sandi_cli.messages import LANGS, default_lang, t
from tests.helpers import catalogues

CLI_DIR = Path(sandi_cli.messages.__file__).parent
ROOT = CLI_DIR.parent


CAT = catalogues()
#: message id -> language -> text, read from the .po files (the source of truth)
PO = {lang: CAT.translations(CAT.load(CAT.CLI_PO[lang])) for lang in LANGS}
IDS = sorted(PO["en"].keys() | PO["id"].keys())


@pytest.mark.parametrize("msg_id", IDS)
def test_every_message_has_both_languages(msg_id: str) -> None:
    texts = {lang: PO[lang].get(msg_id, "") for lang in LANGS}
    assert all(text.strip() for text in texts.values()), (msg_id, texts)
    assert CAT.fields(texts["en"]) == CAT.fields(texts["id"]), msg_id


@pytest.mark.parametrize("msg_id", IDS)
def test_the_compiled_catalogues_say_the_same(msg_id: str) -> None:
    for lang in LANGS:
        assert t(msg_id, lang) == PO[lang][msg_id]


def test_the_catalogue_reader_finds_what_gettext_finds() -> None:
    # The .mo is looked up in place (binary search over its sorted ids); the standard
    # library's reader, which decodes all of it, is the reference: every id, the header's
    # empty one, and ids that are not there (near misses on both sides of real ones).
    import gettext

    from sandi_cli.messages import DOMAIN, LOCALE_DIR, catalogue

    english = gettext.translation(DOMAIN, LOCALE_DIR, languages=["en"])
    for lang in LANGS:
        theirs = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])
        if lang != "en":
            theirs.add_fallback(english)
        ours = catalogue(lang)
        known = [m for m in theirs._catalog if m]  # type: ignore[attr-defined]
        assert sorted(ours.ids()) == sorted(known) and len(known) > 300
        for msg_id in [*known, "", "label.error\x00", "label.erro", "label.errorz", "a", "~",
                       "no.such.message", "é"]:
            assert ours.gettext(msg_id) == theirs.gettext(msg_id), (lang, msg_id)


def test_every_message_in_the_catalogue_is_used() -> None:
    # A message no code says is a translation nobody checks; ids built at run time
    # (f"state.{state}") count through their literal prefix.
    sources = "\n".join(p.read_text(encoding="utf-8") for p in CLI_DIR.glob("*.py"))
    prefixes = tuple(re.findall(r"""f["']([a-z][\w.]*[._])\{""", sources))
    assert prefixes, "the scan found no run-time message ids"
    unused = [msg_id for msg_id in IDS
              if f'"{msg_id}"' not in sources and f"'{msg_id}'" not in sources
              and not msg_id.startswith(prefixes)]
    assert unused == []


def test_every_message_id_used_in_the_cli_exists() -> None:
    used: set[str] = set()
    pattern = re.compile(r"""(?:\bt|\bsay|\bs|help)\(?=?\s*["']([a-z][\w.-]*\.[\w.-]+)["']""")
    for source in CLI_DIR.glob("*.py"):
        used |= set(pattern.findall(source.read_text(encoding="utf-8")))
    assert len(used) > 100, "the scan found too few message ids"
    assert used - set(IDS) == set()


def test_an_unknown_id_is_an_error() -> None:
    with pytest.raises(KeyError):
        t("no.such-message", "id")


def test_t_fills_placeholders() -> None:
    assert t("keys.fingerprint", "id", fingerprint="AAAA") == "Sidik jari: AAAA"
    assert t("label.error", "en") == "error"


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "en"),
    ({"LANG": "id_ID.UTF-8"}, "id"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LC_ALL": "id_ID.UTF-8", "LANG": "en_US.UTF-8"}, "id"),
    ({"LC_ALL": "C", "LANG": "id_ID.UTF-8"}, "en"),
    ({"SANDI_LANG": "en", "LANG": "id_ID.UTF-8"}, "en"),
    ({"SANDI_LANG": "id"}, "id"),
    ({"SANDI_LANG": "fr", "LANG": "id_ID"}, "id"),
])
def test_default_lang(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                      expected: str) -> None:
    for var in ("SANDI_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert default_lang() == expected


def test_errors_in_indonesian_with_lang_option(run: Run, tmp_path: Path,
                                               passfile: Path) -> None:
    src = tmp_path / "laporan.txt"
    src.write_text("laporan", encoding="utf-8")
    result = run("--lang", "id", "seal", src, "--from", "dinkes", "--to", "dispendukcapil",
                 "--klasifikasi", "sangat-rahasia", "--passphrase-file", passfile)
    _, hint = assert_one_error(result, 1, lang="id")
    assert "Periksa `sandi pola show`" in hint


def test_errors_in_indonesian_from_the_locale(run: Run, tmp_path: Path) -> None:
    result = run("verify", tmp_path / "nothing.sandi", env={"LANG": "id_ID.UTF-8"})
    assert result.exit_code == 2  # click's own message for a missing file
    (tmp_path / "junk.sandi").write_bytes(b"junk")
    refused = run("verify", tmp_path / "junk.sandi", env={"LANG": "id_ID.UTF-8"})
    _, hint = assert_one_error(refused, 1, lang="id")
    assert "minta pengirim" in hint


def test_sandi_lang_wins_over_the_locale(run: Run, tmp_path: Path) -> None:
    (tmp_path / "junk.sandi").write_bytes(b"junk")
    result = run("verify", tmp_path / "junk.sandi",
                 env={"LANG": "id_ID.UTF-8", "SANDI_LANG": "en"})
    assert_one_error(result, 1, lang="en")


def test_output_and_help_in_indonesian(run: Run) -> None:
    shown = run("--lang", "id", "pola", "show")
    assert shown.exit_code == 0
    assert "ditandatangani 2/3 (ambang 2)" in shown.stdout and "Instansi (40)" in shown.stdout
    helped = run("seal", "--help", env={"LANG": "id_ID.UTF-8"})
    assert helped.exit_code == 0
    assert "Penggunaan:" in helped.stdout and "Segel BERKAS" in helped.stdout
    assert "Id instansi penerima" in helped.stdout and "--klasifikasi" in helped.stdout
    top = run("--lang", "id", "-h")
    assert "Perintah:" in top.stdout and "Periksa pengirim" in top.stdout


def test_help_in_english(run: Run) -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "Usage:" in result.stdout and "Commands:" in result.stdout
    for command in ("seal", "open", "verify", "keys", "pola", "demo"):
        assert command in result.stdout


# --- library errors, fully in Indonesian -------------------------------------------------

#: English words that would betray an untranslated detail (paths are left out first).
ENGLISH = re.compile(r"\b(the|is|are|not|does|for|of|and|this|with|has|was|by|no|key|keys"
                     r"|envelope|signature|unknown|cannot|agency|holds|passphrase)\b", re.I)


def _no_english(line: str) -> None:
    words = " ".join(w for w in line.split() if "/" not in w)
    assert not ENGLISH.search(words), line


@pytest.fixture
def nota(run: Run, tmp_path: Path, passfile: Path) -> Path:
    src = tmp_path / "nota.txt"
    src.write_text("Nota dinas rahasia\n" * 100, encoding="utf-8")
    result = run("seal", src, "--from", "dispendukcapil", "--to", "dinkes",
                 "--classification", "rahasia", "--passphrase-file", passfile)
    assert result.exit_code == 0, result.stderr
    return tmp_path / "nota.txt.sandi"


@pytest.mark.parametrize("where", [-70, -10, 200])  # payload, signature, header
def test_a_tampered_envelope_in_indonesian(run: Run, nota: Path, passfile: Path,
                                            where: int) -> None:
    data = bytearray(nota.read_bytes())
    data[where] ^= 0x01
    nota.write_bytes(bytes(data))
    for result in (run("--lang", "id", "open", nota, "--passphrase-file", passfile),
                   run("verify", nota, env={"LANG": "id_ID.UTF-8"})):
        error, hint = assert_one_error(result, 1, lang="id")
        _no_english(error)
        _no_english(hint)


def test_a_wrong_passphrase_in_indonesian(run: Run, nota: Path, tmp_path: Path) -> None:
    wrong = write_secret(tmp_path / "salah.txt", "bukan frasa yang benar")
    result = run("--lang", "id", "open", nota, "--passphrase-file", wrong)
    error, _ = assert_one_error(result, 1, lang="id")
    assert "frasa sandi tidak dapat membuka" in error
    _no_english(error)


def test_an_unknown_agency_in_indonesian(run: Run, tmp_path: Path, passfile: Path) -> None:
    src = tmp_path / "x.txt"
    src.write_text("x", encoding="utf-8")
    result = run("--lang", "id", "seal", src, "--from", "setda", "--to", "dinas-fiktif",
                 "--classification", "biasa", "--passphrase-file", passfile)
    error, _ = assert_one_error(result, 1, lang="id")
    assert "dinas-fiktif" in error
    _no_english(error)


def test_a_refused_flow_and_a_broken_file_in_indonesian(run: Run, tmp_path: Path,
                                                        passfile: Path) -> None:
    src = tmp_path / "laporan.txt"
    src.write_text("laporan", encoding="utf-8")
    refused = run("--lang", "id", "seal", src, "--from", "dinkes", "--to", "dispendukcapil",
                  "--klasifikasi", "sangat-rahasia", "--passphrase-file", passfile)
    error, _ = assert_one_error(refused, 1, lang="id")
    _no_english(error)
    (tmp_path / "junk.sandi").write_bytes(b"SANDI\x01" + b"\x00" * 40)
    junk = run("--lang", "id", "verify", tmp_path / "junk.sandi")
    error, _ = assert_one_error(junk, 1, lang="id")
    _no_english(error)


# --- click's own usage errors ------------------------------------------------------------


@pytest.mark.parametrize(("argv", "said"), [
    (["seal"], "Galat: Argumen 'BERKAS' wajib diisi."),
    (["seal", "x", "--too"], "Galat: Opsi tidak dikenal: --too (Opsi yang mungkin: --to)"),
    (["tidak-ada"], "Galat: Perintah 'tidak-ada' tidak ada."),
    (["verify", "/tidak/ada.sandi"], "Galat: Nilai tidak sah untuk 'BERKAS': Berkas"
                                     " '/tidak/ada.sandi' tidak ada."),
    (["rewrap", "--jobs", "0", "x"], "Galat: Nilai tidak sah untuk '--jobs': 0 di luar"
                                     " rentang x>=1."),
    (["keys", "revoke", "--agency", "dinkes", "--version", "1", "--reason", "lupa"],
     "Galat: Nilai tidak sah untuk '--reason': 'lupa' bukan salah satu dari 'superseded',"
     " 'compromised'."),
])
def test_usage_errors_in_indonesian(run: Run, argv: list[str], said: str) -> None:
    result = run("--lang", "id", *argv)
    assert result.exit_code == 2
    assert said in result.stderr.splitlines(), result.stderr
    assert result.stderr.startswith("Penggunaan: ") and "untuk bantuan." in result.stderr


def test_usage_errors_in_english_are_clicks_own(run: Run) -> None:
    result = run("seal")
    assert result.exit_code == 2
    assert "Error: Missing argument 'FILE'." in result.stderr
    assert result.stderr.startswith("Usage: ") and "--help' for help." in result.stderr
