"""The message catalogues of sandi: find the library's templates, update and compile
the GNU gettext files, check that everything is translated and compiled.

The ``.po`` files are the source of truth, edited by people; the ``.mo`` files beside
them are compiled from them, committed, and read at run time by the standard
library's :mod:`gettext` (so sandi needs nothing more to speak Indonesian).

* ``sandi/locale/id/LC_MESSAGES/sandi.po``: the library's messages. The msgids are
  the English templates written at each raise site
  (``raise NotARecipient("this envelope is for {to}; ...", to=...)``), found by
  walking the AST of ``sandi/**/*.py``.
* ``cli/locale/{en,id}/LC_MESSAGES/sandi_cli.po``: the CLI's messages, keyed by
  symbolic ids (``label.error``); ``en.po`` holds the English text, ``id.po`` the
  Indonesian with the English as a ``#.`` comment for the translator.

This script needs babel (in the ``test`` extra). From the repository root::

    .venv/bin/python tools/catalogues.py extract   # sandi.po: add new templates, drop stale
    .venv/bin/python tools/catalogues.py compile   # write every .mo from its .po
    .venv/bin/python tools/catalogues.py check     # exit 1 if anything is missing or stale

``tests/test_i18n.py`` and ``tests/cli/test_cli_i18n.py`` run the same checks.
"""

from __future__ import annotations

import ast
import io
import string
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LIBRARY_PO = ROOT / "sandi" / "locale" / "id" / "LC_MESSAGES" / "sandi.po"
CLI_LOCALE = ROOT / "cli" / "locale"
CLI_PO = {lang: CLI_LOCALE / lang / "LC_MESSAGES" / "sandi_cli.po" for lang in ("en", "id")}
COMMAND = ".venv/bin/python tools/catalogues.py"

#: Callables whose first argument is a message template, besides the error classes:
#: ``Phrase`` (words used as a parameter), ``Fields.fail`` (a decoding failure) and
#: ``error``/``_error``, the names sandi gives an error class passed as a parameter.
HELPERS = frozenset({"Phrase", "fail", "error", "_error"})


def error_classes() -> frozenset[str]:
    """The names of every SandiError subclass."""
    sys.path.insert(0, str(ROOT))
    import sandi.errors

    return frozenset(name for name, obj in vars(sandi.errors).items()
                     if isinstance(obj, type) and issubclass(obj, sandi.errors.SandiError))


@dataclass(frozen=True)
class Site:
    """One call that takes a template: where, the template, and what is wrong with it."""

    path: str
    line: int
    template: str | None  # None when the call passes on a template it was given
    problem: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem or self.template}"


def fields(text: str) -> set[str]:
    """The placeholder names of a ``str.format`` template."""
    return {name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _site(path: str, node: ast.Call) -> Site:
    first = node.args[0]
    if isinstance(first, ast.Name):  # a helper passing on the template it was given
        return Site(path, node.lineno, None)
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        kind = "an f-string" if isinstance(first, ast.JoinedStr) else "not a literal"
        return Site(path, node.lineno, None, f"the template is {kind}: write a literal"
                    " template and pass the values as keyword arguments")
    template = first.value
    try:
        wanted = fields(template)
    except ValueError as exc:
        return Site(path, node.lineno, template, f"bad template {template!r}: {exc}")
    given = {kw.arg for kw in node.keywords}
    if None in given:  # **params: cannot be checked here
        return Site(path, node.lineno, template)
    if wanted != given:
        return Site(path, node.lineno, template, f"template {template!r} has placeholders"
                    f" {sorted(wanted)} but the call passes {sorted(g for g in given if g)}")
    if any(name.isdigit() or not name for name in wanted):
        return Site(path, node.lineno, template, f"{template!r}: name every placeholder")
    return Site(path, node.lineno, template)


def sites(root: Path = ROOT) -> Iterator[Site]:
    """Every call in ``sandi/**/*.py`` that takes a template as its first argument."""
    names = error_classes() | HELPERS
    for source in sorted((root / "sandi").rglob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args and _callee(node) in names:
                yield _site(source.relative_to(root).as_posix(), node)


def templates(root: Path = ROOT) -> dict[str, list[tuple[str, int]]]:
    """Each library template and where it is used, in source order."""
    found: dict[str, list[tuple[str, int]]] = {}
    for site in sorted(sites(root), key=lambda s: (s.path, s.line)):
        if site.template is not None:
            found.setdefault(site.template, []).append((site.path, site.line))
    return found


def load(path: Path) -> Catalog:
    """A .po file."""
    with path.open("rb") as fh:
        return read_po(fh, abort_invalid=True)


def save(catalog: Catalog, path: Path) -> None:
    """Write a .po file (sorted as given, wrapped at 76 columns like GNU gettext)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=76, no_location=False, include_lineno=False,
                 omit_header=False)


def translations(catalog: Catalog) -> dict[str, str]:
    """msgid -> msgstr of every message (the header left out)."""
    return {str(m.id): str(m.string) for m in catalog if m.id}


def new_catalog(locale: str, domain: str) -> Catalog:
    """An empty catalogue with a fixed header date (so files change only with messages)."""
    fixed = datetime(2026, 11, 24, tzinfo=UTC)
    language = {"en": "English", "id": "Indonesian"}[locale]
    header = (f"# {language} messages of sandi (gettext domain {domain}).\n"
              "# Edit the msgstr lines, then run: tools/catalogues.py compile")
    return Catalog(locale=locale, domain=domain, project="sandi", version="0.1",
                   header_comment=header, msgid_bugs_address="sandi issue tracker",
                   creation_date=fixed, revision_date=fixed, fuzzy=False,
                   language_team="sandi", last_translator="sandi")


def extract() -> list[str]:
    """Bring sandi.po in line with the source: new templates get an empty msgstr (to be
    translated), stale ones are dropped; CLI id.po gets new ids and English comments.
    Returns what changed, for people."""
    changes: list[str] = []
    old = load(LIBRARY_PO) if LIBRARY_PO.exists() else new_catalog("id", "sandi")
    known = translations(old)
    fresh = new_catalog("id", "sandi")
    fresh.mime_headers = old.mime_headers
    found = templates()
    for template, where in found.items():
        if template not in known:
            changes.append(f"new, to translate: {template!r}")
        fresh.add(template, known.get(template, ""), locations=where,
                  flags=("python-brace-format",))
    changes += [f"stale, dropped: {t!r}" for t in known if t not in found]
    save(fresh, LIBRARY_PO)
    english = load(CLI_PO["en"])
    indonesian = load(CLI_PO["id"])
    for message in english:
        if not message.id:
            continue
        comment = [f"English: {message.string}"]
        if message.id not in indonesian:
            changes.append(f"CLI id.po: new, to translate: {message.id}")
            indonesian.add(message.id, "", auto_comments=comment)
        else:
            indonesian[message.id].auto_comments = comment
    save(indonesian, CLI_PO["id"])
    return changes


def all_po() -> list[Path]:
    """Every .po file of the project."""
    return sorted([*(ROOT / "sandi" / "locale").glob("*/LC_MESSAGES/*.po"),
                   *CLI_LOCALE.glob("*/LC_MESSAGES/*.po")])


def compiled(po: Path) -> bytes:
    """The .mo bytes for ``po`` (fuzzy and untranslated messages left out)."""
    out = io.BytesIO()
    write_mo(out, load(po), use_fuzzy=False)
    return out.getvalue()


def compile_all() -> list[Path]:
    """Write every .mo from its .po; return the ones that changed."""
    changed = []
    for po in all_po():
        mo, data = po.with_suffix(".mo"), compiled(po)
        if not mo.exists() or mo.read_bytes() != data:
            mo.write_bytes(data)
            changed.append(mo)
    return changed


def stale_mo() -> list[str]:
    """The .mo files that do not hold exactly their .po's translations."""
    stale = []
    for po in all_po():
        mo = po.with_suffix(".mo")
        if not mo.exists():
            stale.append(f"{mo.relative_to(ROOT)} is missing")
            continue
        with mo.open("rb") as fh:
            have = translations(read_mo(fh))
        want = {k: v for k, v in translations(load(po)).items() if v}
        if have != want:
            stale.append(f"{mo.relative_to(ROOT)} is out of date with its .po")
    return stale


def problems() -> list[str]:
    """Everything the tests would refuse, in one list."""
    found = [str(s) for s in sites() if s.problem]
    catalogue = translations(load(LIBRARY_PO))
    for template in templates():
        text = catalogue.get(template)
        if not text:
            found.append(f"sandi.po: no Indonesian for {template!r}")
        elif fields(text) != fields(template):
            found.append(f"sandi.po: placeholders differ in {template!r}")
    found += [f"sandi.po: stale entry {t!r}" for t in catalogue if t not in templates()]
    english, indonesian = (translations(load(CLI_PO[lang])) for lang in ("en", "id"))
    for msg_id in english.keys() | indonesian.keys():
        en, id_ = english.get(msg_id), indonesian.get(msg_id)
        if not en or not id_:
            found.append(f"sandi_cli.po: {msg_id} lacks {'English' if not en else 'Indonesian'}")
        elif fields(en) != fields(id_):
            found.append(f"sandi_cli.po: placeholders differ in {msg_id}")
    return found + stale_mo()


def main(argv: list[str]) -> int:
    """Run one command: extract, compile or check."""
    command = argv[0] if argv else "check"
    if command == "extract":
        for change in extract():
            print(change)
        return 0
    if command == "compile":
        for mo in compile_all():
            print(f"wrote {mo.relative_to(ROOT)}")
        return 0
    if command == "check":
        found = problems()
        for problem in found:
            print(problem, file=sys.stderr)
        return 1 if found else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
