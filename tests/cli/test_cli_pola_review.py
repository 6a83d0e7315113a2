"""The authority does not sign blind (issue 17 §1): ``pola show FILE`` and ``pola diff``
read a draft at any number of signatures, the diff names every change in English,
Indonesian and JSON, and ``pola sign`` shows it and asks (``--yes`` for scripts; with
nobody to answer and no ``--yes``, nothing is signed)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import tomlkit
from city import City, build_city, doc, ok
from click.testing import Result
from clitools import assert_one_error
from test_pola_diff import BASE, EDITS, draft, model_fields

import sandi
import sandi_cli.pola_views
from sandi_cli.context import Session


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    return build_city(tmp_path_factory.mktemp("city"))


@pytest.fixture
def ws(city: City, tmp_path: Path) -> Path:
    """A copy of the city's workspace with the issue's changes built into a draft: rahasia
    at most 2 recipients, a sangat-rahasia cap, another decree number."""
    ws = tmp_path / "ws"
    shutil.copytree(city.ws, ws)
    source = tomlkit.parse((ws / "pola.toml").read_text("utf-8"))
    source["requirement"]["rahasia"]["max_recipients"] = 2  # type: ignore[index]
    source["requirement"]["sangat-rahasia"]["max_recipients"] = 3  # type: ignore[index]
    source["decree"]["number"] = "Perwal Kota Uji No. 9 Tahun 2026"  # type: ignore[index]
    (ws / "pola.toml").write_text(tomlkit.dumps(source), "utf-8")
    ok(city.auth("pola", "build", "--dir", ws))
    return ws


def _sign(city: City, ws: Path, *args: str, key: int = 1, input: str | None = None
          ) -> Result:
    return city.auth("pola", "sign", "--dir", ws, "--key", city.key(key), "--passphrase-file",
                     city.custodian_pass, *args, input=input)


EXPECTED_EN = [
    "~ version: 1 -> 2",
    "~ decree, number: Perwal Kota Uji No. 7 Tahun 2026 -> Perwal Kota Uji No. 9 Tahun 2026",
    "~ requirement rahasia, recipient cap: 1024 -> 2",
    "~ requirement sangat-rahasia, recipient cap: 1024 -> 3",
]


def test_show_and_diff_read_a_draft_at_any_signature_count(city: City, ws: Path) -> None:
    for signed in range(3):
        shown = ok(city.auth("pola", "show", ws / "draft.sandi")).stdout
        assert (f"draft, signed {signed}/3 (threshold 2)" in shown) is (signed < 2), shown
        assert "kota-uji v2" in shown and "Perwal Kota Uji No. 9 Tahun 2026" in shown
        as_json = doc(city.auth("--json", "pola", "show", ws / "draft.sandi"))
        assert as_json["draft"] is (signed < 2) and as_json["installed"] is False
        assert as_json["authority"]["signed"] == signed
        lines = ok(city.auth("pola", "diff", ws / "pola.sandi", ws / "draft.sandi")).stdout
        assert all(line in lines.splitlines() for line in EXPECTED_EN), lines
        ok(_sign(city, ws, "--yes", key=signed + 1))
    shown = ok(city.auth("pola", "show", ws / "draft.sandi")).stdout
    assert "signed 3/3 (threshold 2)" in shown and "draft," not in shown


def test_diff_in_indonesian_and_json(city: City, ws: Path) -> None:
    said = ok(city.auth("--lang", "id", "pola", "diff", ws / "pola.sandi",
                        ws / "draft.sandi")).stdout.splitlines()
    assert "~ peraturan, nomor: Perwal Kota Uji No. 7 Tahun 2026 -> Perwal Kota Uji No. 9 " \
        "Tahun 2026" in said
    assert "~ persyaratan rahasia, batas penerima: 1024 -> 2" in said
    assert said[0].startswith("pola: kota-uji v1 [ditandatangani") and "draf" in said[0]
    changes = doc(city.auth("--json", "pola", "diff", ws / "pola.sandi",
                            ws / "draft.sandi"))
    assert changes["new"] == {"id": "kota-uji", "version": 2, "signed": [], "threshold": 2,
                              "complete": False}
    found = {(tuple(map(tuple, c["path"])), c["old"], c["new"]) for c in changes["changes"]
             if c["field"] in ("max_recipients", "number")}
    assert found == {((("decree", None), ("number", None)), "Perwal Kota Uji No. 7 Tahun 2026",
                      "Perwal Kota Uji No. 9 Tahun 2026"),
                     ((("requirements", "rahasia"), ("max_recipients", None)), 1024, 2),
                     ((("requirements", "sangat-rahasia"), ("max_recipients", None)), 1024, 3)}


def test_sign_without_anyone_to_answer_needs_yes(city: City, ws: Path) -> None:
    before = (ws / "draft.sandi").read_bytes()
    for args in ((), ("--json",)):
        error, _ = assert_one_error(city.auth(*args, "pola", "sign", "--dir", ws, "--key",
                                              city.key(1), "--passphrase-file",
                                              city.custodian_pass), 2)
        assert "--yes" in error
    assert (ws / "draft.sandi").read_bytes() == before  # nothing signed
    signed = ok(_sign(city, ws, "--yes")).stdout.splitlines()
    assert all(line in signed for line in EXPECTED_EN)  # still shown, before signing
    assert signed.index(EXPECTED_EN[0]) < signed.index("Signed draft v2 with kustodian-1.")
    as_json = doc(city.auth("--json", "pola", "sign", "--yes", "--dir", ws, "--key",
                            city.key(2), "--passphrase-file", city.custodian_pass))
    assert as_json["complete"] and as_json["review"]["against"]["version"] == 1
    assert {c["field"] for c in as_json["review"]["changes"]} >= {"number", "max_recipients"}


def test_sign_asks_at_a_terminal(city: City, ws: Path, monkeypatch: pytest.MonkeyPatch
                                 ) -> None:
    monkeypatch.setattr(sandi_cli.pola_views, "at_terminal", lambda: True)
    before = (ws / "draft.sandi").read_bytes()
    declined = _sign(city, ws, input="n\n")
    assert declined.exit_code == 1 and "nothing was signed" in declined.stderr
    assert all(line in declined.stdout.splitlines() for line in EXPECTED_EN)
    assert "Sign pola kota-uji v2 as shown above?" in declined.stderr
    assert (ws / "draft.sandi").read_bytes() == before
    accepted = ok(_sign(city, ws, input="y\n"))
    assert "Signed draft v2 with kustodian-1." in accepted.stdout
    assert sandi.pola.Draft.load(ws / "draft.sandi").signature_status().valid == ("kustodian-1",)


def test_the_first_version_is_shown_whole(city: City, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(city.ws, ws)
    (ws / "pola.sandi").unlink()  # as before the first publish
    ok(city.auth("pola", "build", "--dir", ws))
    shown = ok(_sign(city, ws, "--yes")).stdout
    assert "diskominfo" in shown and "bkpsdmd" in shown and "Perwal Kota Uji" in shown


def test_a_draft_replaced_after_review_is_not_signed(city: City, ws: Path) -> None:
    workspace = sandi.authority.Workspace(ws)
    reviewed = workspace.draft().body_bytes
    ok(city.auth("pola", "allow", "bkpsdmd", "diskominfo", "--up-to", "sangat-rahasia",
                 "--dir", ws))
    ok(city.auth("pola", "build", "--dir", ws))  # someone rebuilds meanwhile
    key = sandi.authority.load_custodian_key(city.key(1), "kustodian persandian 2026")
    with pytest.raises(sandi.errors.InvalidArgument, match="changed after it was shown"):
        workspace.sign(key, reviewed=reviewed)
    assert workspace.draft().signatures == ()
    assert str(workspace.sign(key, reviewed=workspace.draft().body_bytes)) == "signed 1/2"


@pytest.mark.parametrize("lang", ["en", "id"])
def test_every_field_has_words_in_both_languages(lang: str, tmp_path: Path) -> None:
    """Driven by the model's field list: a new field without its label fails here."""
    session = Session(home=sandi.Home(tmp_path), lang=lang)
    for name in {f.split(".")[1] for f in model_fields()} | {"flows", "body"}:
        assert session.t(f"field.{name}")
    for field, (edit, _) in EDITS.items():
        for change in sandi.pola.diff(draft(BASE), draft(edit(BASE))):
            line = sandi_cli.pola_views.change_line(session, change)
            assert line[:2] in ("~ ", "+ ", "- ") and "{" not in line, (field, line)
            json.dumps(sandi_cli.pola_views.change_doc(change))


def test_hostile_text_in_a_draft_is_escaped(tmp_path: Path) -> None:
    from dataclasses import replace

    session = Session(home=sandi.Home(tmp_path))
    evil = replace(BASE, name="Pola\x1b[2J\u202eatok")
    (change,) = [c for c in sandi.pola.diff(draft(BASE), draft(evil)) if c.field == "name"]
    line = sandi_cli.pola_views.change_line(session, change)
    assert "\x1b" not in line and "\u202e" not in line and "\\x1b" in line


def test_show_of_a_hostile_draft_escapes_its_text(tmp_path: Path) -> None:
    from dataclasses import replace

    from clitools import make_run

    evil = replace(BASE, name="Pola\x1b]0;owned\x07", agencies=(
        replace(BASE.agencies[0], name="Sekretariat\u202e Daerah"), *BASE.agencies[1:]))
    path = tmp_path / "draft.sandi"
    path.write_bytes(draft(evil).to_bytes())
    shown = ok(make_run(tmp_path / "home")("pola", "show", path)).stdout
    assert "\x1b" not in shown and "\u202e" not in shown and "\x07" not in shown
    assert "Sekretariat\\u202e Daerah" in shown and "draft, signed 0/3 (threshold 2)" in shown
