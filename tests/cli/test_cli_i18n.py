"""Messages in English and Indonesian: the catalogue is complete, the choice of
language follows --lang, SANDI_LANG and the locale."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from clitools import Run, assert_one_error

import sandi_cli.messages
from sandi_cli.messages import CATALOGUE, LANGS, default_lang, t

CLI_DIR = Path(sandi_cli.messages.__file__).parent


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("msg_id", sorted(CATALOGUE))
def test_every_message_has_both_languages(msg_id: str) -> None:
    entry = CATALOGUE[msg_id]
    assert set(entry) == set(LANGS)
    assert all(entry[lang].strip() for lang in LANGS)
    assert _fields(entry["en"]) == _fields(entry["id"]), msg_id


def test_every_message_id_used_in_the_cli_exists() -> None:
    used: set[str] = set()
    pattern = re.compile(r"""(?:\bt|\bsay|\bs|help)\(?=?\s*["']([a-z][\w.-]*\.[\w.-]+)["']""")
    for source in CLI_DIR.glob("*.py"):
        used |= set(pattern.findall(source.read_text(encoding="utf-8")))
    assert len(used) > 100, "the scan found too few message ids"
    assert used - set(CATALOGUE) == set()


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
