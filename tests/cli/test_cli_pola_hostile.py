"""Foreign names in ``pola show`` and ``pola diff`` (issue 17): every string the pola's
author chose (its name, the decree, the authority and its custodians, agencies, members,
rules' channel and note) reaches the terminal escaped, in English and Indonesian, and
``--json`` gives the exact strings back without a raw control character on stdout.

The attack: a draft (or a fetched pola) whose texts hold a newline and a carriage return
(to forge a line of sandi's own), ``ESC [2J`` (clear the screen) and U+202E (reverse
what follows). A custodian reviewing the draft must see them as escapes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from clitools import make_run
from test_pola_diff import BASE, draft

from sandi.pola._wire import PolaBody

#: What every hostile text carries after its own marker: a forged line of sandi's own.
TAIL = "\n\x1b[2J\r\u202esandi: error: FORGED"
SHOWN_TAIL = "\\n\\x1b[2J\\r\\u202esandi: error: FORGED"
RAW = ("\x1b", "\r", "\u202e")


def _evil() -> PolaBody:
    def ev(name: str) -> str:
        return name + TAIL

    setda = BASE.agencies[0]
    rina = setda.members[0]
    return replace(
        BASE, name=ev("pola"),
        decree=replace(BASE.decree, number=ev("decree-number"), date="2026\n\x1b",
                       title=ev("decree-title")),
        authority=replace(BASE.authority, name=ev("authority"), keys=tuple(
            replace(k, custodian=ev(f"custodian-{k.id}")) for k in BASE.authority.keys)),
        agencies=(replace(setda, name=ev("agency-name"), abbrev=ev("abbrev"), sipd=ev("sipd"),
                          members=(replace(rina, name=ev("member-name"),
                                           jabatan=ev("jabatan"), nip="1980\r\u202e"),
                                   *setda.members[1:])),
                  *BASE.agencies[1:]),
        rules=(BASE.rules[0], replace(BASE.rules[1], sarana=ev("sarana"), note=ev("note")),
               BASE.rules[2]))


#: The texts ``pola show`` prints for people (the others are in its --json only).
SHOWN = ("pola", "decree-number", "authority", "custodian-k1", "agency-name", "abbrev",
         "sarana", "note")
#: Every hostile text: ``pola diff`` names each one that changed.
CHANGED = (*SHOWN, "decree-title", "custodian-k2", "custodian-k3", "member-name", "jabatan",
           "sipd")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    work = tmp_path_factory.mktemp("hostile-pola")
    base, evil = work / "base.sandi", work / "evil.sandi"
    base.write_bytes(draft(BASE).to_bytes())
    evil.write_bytes(draft(_evil()).to_bytes())
    return work / "home", base, evil


def _clean(text: str) -> list[str]:
    """The output's lines, after checking no raw control or bidi character is in it and
    no hostile text started a line of its own."""
    for ch in RAW:
        assert ch not in text, (ch, text)
    lines = text.splitlines()
    assert not any(line.startswith("sandi: error: FORGED") for line in lines), text
    assert not any(line.startswith("\x1b") for line in lines)
    return lines


@pytest.mark.parametrize("lang", ["en", "id"])
def test_show_escapes_every_foreign_text(files: tuple[Path, Path, Path], lang: str) -> None:
    home, _, evil = files
    result = make_run(home)("--lang", lang, "pola", "show", evil)
    assert result.exit_code == 0, result.stderr
    _clean(result.stdout + result.stderr)
    for name in SHOWN:
        assert name + SHOWN_TAIL in result.stdout, (name, result.stdout)
    assert "2026\\n\\x1b" in result.stdout  # the decree's date


@pytest.mark.parametrize("lang", ["en", "id"])
@pytest.mark.parametrize("direction", ["to hostile", "from hostile"])
def test_diff_escapes_every_foreign_text(files: tuple[Path, Path, Path], lang: str,
                                         direction: str) -> None:
    home, base, evil = files
    old, new = (base, evil) if direction == "to hostile" else (evil, base)
    result = make_run(home)("--lang", lang, "pola", "diff", old, new)
    assert result.exit_code == 0, result.stderr
    lines = _clean(result.stdout + result.stderr)
    for name in CHANGED:
        assert any(name + SHOWN_TAIL in line for line in lines), (name, result.stdout)
    assert any("1980\\r\\u202e" in line for line in lines)  # the member's NIP


@pytest.mark.parametrize("lang", ["en", "id"])
def test_json_gives_the_exact_strings_back(files: tuple[Path, Path, Path], lang: str) -> None:
    home, base, evil = files
    run = make_run(home)
    shown = run("--lang", lang, "--json", "pola", "show", evil)
    assert shown.exit_code == 0, shown.stderr
    _clean(shown.stdout)
    doc = json.loads(shown.stdout)
    hostile = _evil()
    assert doc["name"] == hostile.name
    assert doc["decree"] == {"number": hostile.decree.number, "date": hostile.decree.date,
                             "title": hostile.decree.title}
    assert doc["authority"]["name"] == hostile.authority.name
    assert doc["agencies"][0]["name"] == hostile.agencies[0].name
    assert doc["rules"][1]["note"] == hostile.rules[1].note
    changed = run("--lang", lang, "--json", "pola", "diff", base, evil)
    assert changed.exit_code == 0, changed.stderr
    _clean(changed.stdout)
    news = {c["new"] for c in json.loads(changed.stdout)["changes"] if c["kind"] == "changed"
            and isinstance(c["new"], str)}
    assert {hostile.name, hostile.decree.title, hostile.agencies[0].members[0].name} <= news


def test_honest_names_are_shown_as_they_are(files: tuple[Path, Path, Path]) -> None:
    """The control: an ordinary pola's names, Indonesian letters and all, are not escaped."""
    home, base, _ = files
    shown = make_run(home)("pola", "show", base)
    assert shown.exit_code == 0, shown.stderr
    assert "Sekretariat Daerah" in shown.stdout and BASE.name in shown.stdout
    assert "\\" not in shown.stdout


def test_the_diagram_escapes_every_foreign_text() -> None:
    """``pola graph`` prints DOT on a terminal: no raw control there either, and no DOT
    escape (``\\n``, ``\\l``) the author could use to rearrange a label."""
    import sandi

    dot = sandi.pola.to_dot(draft(_evil()))
    for ch in (*RAW, "\n\x1b", "\u2028"):
        assert ch not in dot
    assert "agency-name\\\\u000a\\\\u001b[2J\\\\u000d\\\\u202esandi: error: FORGED" in dot
    assert all(line == "}" or line.startswith(("digraph", "  ")) for line in dot.splitlines())
