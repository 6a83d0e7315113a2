"""docs/tutorial.md is what an official sees (issue 17 §5): its commands run in order, in a
fresh home, through the real CLI, and their output matches the text.

A block of the tutorial takes part when the line before its fence is
``<!-- tutorial-test -->`` (``<!-- tutorial-test stdin="a|b" -->`` gives each ``$``
command of the block its passphrase in turn; by default a command gets the practice
passphrase, or the member's own with ``--member``). In a ``text`` block, ``$ `` lines are
commands and the lines after each are its output; an ``sh`` block is only run.

What may differ from the text: dates, document ids, fingerprints and the armored body
(random or of the day), and the user's home folder (``/home/budi`` in the text). A line
``…`` stands for any number of lines, and a line ending in `` …`` for a longer one.
Commands other than ``sandi`` are a small shell: ``mkdir``, ``cd``, ``export``, ``cp``
(a placeholder source is a sample PDF), ``printf … > FILE`` and ``head -N FILE``.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from clitools import CLEAN_ENV

import sandi.demo
from sandi_cli.main import cli

TUTORIAL = Path(__file__).resolve().parents[2] / "docs" / "tutorial.md"
SHOWN_HOME = "/home/budi"
MEMBER_PASSPHRASES = {member: words[2] for member, words in sandi.demo.DEMO_MEMBERS.items()}
SAMPLE_PDF = b"%PDF-1.4\n% contoh\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"

#: What may differ between runs, as (pattern in the text, what it matches in the output).
VARYING = [
    (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC"),
    (r"\b[0-9a-f]{32}\b", r"[0-9a-f]{32}"),
    (r"\b[A-Z2-7]{4}(?:-[A-Z2-7]{4}){4}\b", r"[A-Z2-7]{4}(?:-[A-Z2-7]{4}){4}"),
    (r"^[A-Za-z0-9+/]{64}$", r"[A-Za-z0-9+/]{64}"),  # a line of an armored envelope
]


@dataclass
class Step:
    """One command of the tutorial, the output the text shows, and its passphrase."""

    line: int
    command: str
    expected: list[str] = field(default_factory=list)
    stdin: str | None = None
    compare: bool = True


_MARK = re.compile(r'^<!-- tutorial-test(?: stdin="([^"]*)")? -->$')


def steps(part: str) -> list[Step]:
    """The marked blocks of one language part, in order."""
    lines = TUTORIAL.read_text("utf-8").splitlines()
    start = lines.index(f"## {part}")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
               len(lines))
    out: list[Step] = []
    i = start
    while i < end:
        mark = _MARK.match(lines[i])
        i += 1
        if not mark:
            continue
        fence = lines[i]
        assert fence in ("```text", "```sh"), f"tutorial.md:{i + 1}: a marked block is text or sh"
        stdin = mark.group(1).split("|") if mark.group(1) is not None else []
        block: list[Step] = []
        i += 1
        while lines[i] != "```":
            text = lines[i]
            if fence == "```sh":
                block.append(Step(i + 1, text.split("  #")[0].strip(), compare=False))
            elif text.startswith("$ "):
                block.append(Step(i + 1, text[2:]))
            elif text:
                assert block, f"tutorial.md:{i + 1}: output before any command"
                block[-1].expected.append(text)
            elif block:
                block[-1].expected.append(text)
            i += 1
        for n, step in enumerate(s for s in block if s.command.startswith("sandi ")):
            if n < len(stdin):
                step.stdin = stdin[n]
        out.extend(block)
    return out


def _pattern(expected: str) -> re.Pattern[str]:
    """One line of the text as a regular expression over one line of output."""
    prefix = expected.endswith(" …")
    text = expected[:-2] if prefix else expected
    spans: list[tuple[int, int, str]] = []
    for shown, actual in VARYING:
        for m in re.finditer(shown, text):
            if not any(a < m.end() and m.start() < b for a, b, _ in spans):
                spans.append((m.start(), m.end(), actual))
    parts, at = [], 0
    for a, b, actual in sorted(spans):
        parts.append(re.escape(text[at:a]) + actual)
        at = b
    parts.append(re.escape(text[at:]))
    return re.compile("".join(parts) + (".*" if prefix else ""))


def matches(expected: list[str], actual: list[str]) -> str | None:
    """None if ``actual`` is what the text shows, else the first line that is not."""
    while expected and not expected[-1]:
        expected = expected[:-1]
    e = a = 0
    while e < len(expected):
        if expected[e] == "…":
            e += 1
            if e == len(expected):
                return None
            want = _pattern(expected[e])
            while a < len(actual) and not want.fullmatch(actual[a]):
                a += 1
            if a == len(actual):
                return f"not found after …: {expected[e]!r}"
        elif a >= len(actual) or not _pattern(expected[e]).fullmatch(actual[a]):
            got = actual[a] if a < len(actual) else "(end of output)"
            return f"expected {expected[e]!r}\n     got {got!r}"
        e += 1
        a += 1
    while a < len(actual) and not actual[a]:
        a += 1
    return None if a == len(actual) else f"more output than shown: {actual[a]!r}"


class Shell:
    """The few commands of the tutorial, in a home of their own."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.cwd = home
        self.env: dict[str, str | None] = {**CLEAN_ENV, "HOME": str(home)}

    def _path(self, word: str) -> Path:
        return self.cwd / Path(os.path.expanduser(word.replace("~", str(self.home), 1)))

    def run(self, step: Step) -> list[str]:
        out: list[str] = []
        for command in step.command.split(" && "):
            out += self._one(command.strip(), step)
        return out

    def _one(self, command: str, step: Step) -> list[str]:
        if command.startswith("printf "):
            text, target = command[len("printf "):].rsplit(" > ", 1)
            (self.cwd / target).write_text(shlex.split(text)[0].replace("\\n", "\n"), "utf-8")
            return []
        words = [w.replace("~", str(self.home), 1) if w.startswith("~") else w
                 for w in shlex.split(command)]
        name, args = words[0], words[1:]
        if name == "sandi":
            return self._sandi(args, step)
        if name == "export":
            key, value = args[0].split("=", 1)
            self.env[key] = value.replace("~", str(self.home), 1) if value.startswith("~") \
                else value
        elif name == "mkdir":
            self._path(args[-1]).mkdir(parents="-p" in args)
        elif name == "cd":
            self.cwd = self._path(args[0])
        elif name == "cp":
            source = args[0]
            data = SAMPLE_PDF if source.startswith(("/path/to/", "/jalur/ke/")) else \
                self._path(source).read_bytes()
            self._path(args[1]).write_bytes(data)
        elif name == "head":
            lines = self._path(args[1]).read_text("utf-8").splitlines()
            return lines[:int(args[0].lstrip("-"))]
        else:
            raise AssertionError(f"tutorial.md:{step.line}: no test shell for {command!r}")
        return []

    def _sandi(self, args: list[str], step: Step) -> list[str]:
        member = args[args.index("--member") + 1] if "--member" in args else None
        passphrase = step.stdin if step.stdin is not None else MEMBER_PASSPHRASES.get(
            member or "", sandi.demo.DEMO_PASSPHRASE)
        old = Path.cwd()
        os.chdir(self.cwd)
        try:
            result = CliRunner().invoke(cli, args, input=passphrase + "\n", env=self.env,
                                        prog_name="sandi", catch_exceptions=False)
        finally:
            os.chdir(old)
        assert "Traceback" not in result.output, (step.line, result.output)
        shown = result.output.replace(str(self.home), SHOWN_HOME)
        return [line.rstrip() for line in shown.splitlines()]


@pytest.mark.parametrize("part", ["Bahasa Indonesia", "English"])
def test_the_tutorial_runs_as_written(part: str, tmp_path: Path) -> None:
    shell = Shell(tmp_path)
    found = steps(part)
    assert sum(s.command.startswith("sandi ") for s in found) >= 10, "the blocks are marked"
    for step in found:
        actual = shell.run(step)
        if step.compare:
            problem = matches(step.expected, actual)
            assert problem is None, (f"docs/tutorial.md:{step.line}: $ {step.command}\n"
                                     f"  {problem}\nwhole output:\n" + "\n".join(actual))


def test_the_comparison_can_fail() -> None:
    """The matcher itself: what may vary varies, nothing else does."""
    date = "created:        2026-11-23 22:57 UTC"
    assert matches([date], ["created:        2027-01-02 03:04 UTC"]) is None
    assert matches([date], ["created:        2027-01-02 03:04 WIB"]) is not None
    assert matches(["a", "…", "z"], ["a", "b", "c", "z"]) is None
    assert matches(["a", "…", "z"], ["a", "b"]) is not None
    assert matches(["row 1 …"], ["row 1 2 3"]) is None
    assert matches(["a"], ["a", "b"]) is not None
    assert matches(["dokumen " + "d8a727c05b7a90c2c485cc1408e1a43f"],
                   ["dokumen " + "0" * 32]) is None
    assert matches(["signed 2/3"], ["signed 1/3"]) is not None
