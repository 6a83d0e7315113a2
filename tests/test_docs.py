"""The documentation stays true: the generated API reference is up to date, the FAQ
covers every error class, and every Python example in docs/developers.md runs.

Examples run against a demo world with the Argon2id cost lowered (as in conftest.py):
the first ```python block of docs/developers.md is the setup; then, for each later
``## section``, its blocks run in order, starting from a copy of the setup's names, in
a fresh temporary directory.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import sandi.errors
import sandi.keys.keystore

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DEVELOPERS = DOCS / "developers.md"


def _gen_api() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_api", DOCS / "gen_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_reference_is_up_to_date() -> None:
    gen = _gen_api()
    current = (DOCS / "api.md").read_text(encoding="utf-8")
    assert current == gen.render(), f"docs/api.md is out of date; run: {gen.COMMAND}"


def _error_classes() -> list[type]:
    return [obj for _, obj in inspect.getmembers(sandi.errors, inspect.isclass)
            if issubclass(obj, sandi.errors.SandiError)]


def test_faq_covers_every_error_class() -> None:
    faq = (DOCS / "faq.md").read_text(encoding="utf-8")
    missing = [cls.__name__ for cls in _error_classes() if f"`{cls.__name__}`" not in faq]
    assert not missing, f"docs/faq.md does not explain {missing}: add a section for each"


# --- the examples of developers.md -------------------------------------------------------

_FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _sections() -> tuple[tuple[int, str], list[tuple[str, list[tuple[int, str]]]]]:
    """The setup block, and each later section's blocks as (line, code)."""
    text = DEVELOPERS.read_text(encoding="utf-8")
    blocks = [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in _FENCE.finditer(text)]
    assert blocks, "docs/developers.md has no python blocks"
    headings = [(text.count("\n", 0, m.start()) + 1, m.group(1))
                for m in re.finditer(r"^## (.+)$", text, re.M)]
    sections: dict[str, list[tuple[int, str]]] = {}
    for line, code in blocks[1:]:
        title = [t for start, t in headings if start < line][-1]
        sections.setdefault(title, []).append((line, code))
    return blocks[0], list(sections.items())


SETUP, SECTIONS = _sections()


@pytest.fixture(scope="module")
def setup_names(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The names the setup block defines (a demo world in a temporary directory)."""
    mp = pytest.MonkeyPatch()
    mp.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("developers")))
    try:
        names: dict[str, Any] = {"__name__": "developers_md"}
        line, code = SETUP
        exec(compile(code, f"docs/developers.md:{line}", "exec"), names)
        yield names
    finally:
        mp.undo()


@pytest.mark.parametrize("title,blocks", SECTIONS, ids=[t for t, _ in SECTIONS])
def test_developers_examples_run(title: str, blocks: list[tuple[int, str]],
                                 setup_names: dict[str, Any], tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    names = dict(setup_names, workdir=tmp_path)
    for line, code in blocks:
        exec(compile(code, f"docs/developers.md:{line}", "exec"), names)


def test_every_test_file_the_docs_cite_exists() -> None:
    """The threat model and the other docs point at the test that shows each attack
    fails; a renamed or imagined test file would leave a claim without its proof."""
    cited = {(doc.name, match) for doc in [*DOCS.glob("*.md"), ROOT / "fuzz" / "README.md",
                                           ROOT / "benchmarks" / "README.md"]
             for match in re.findall(r"tests/[\w/]+\.py", doc.read_text())}
    assert cited
    missing = sorted((doc, path) for doc, path in cited if not (ROOT / path).is_file())
    assert not missing, missing
