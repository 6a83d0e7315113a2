"""The documentation stays true: the generated API reference is up to date, the FAQ
covers every error class, and every Python example in README.md and docs/developers.md
runs, top to bottom, as a reader pastes them into one interpreter (in a temporary
directory, with a demo world the first block makes).
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import tempfile
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


# --- the examples of README.md and developers.md ------------------------------------------

#: A block fenced ```` ```python ```` runs; one fenced ```` ```python no-run ```` is shown only
#: (an excerpt that needs a real server, say): at most NO_RUN_LIMIT of them per file.
_FENCE = re.compile(r"^```python( no-run)?\n(.*?)^```", re.S | re.M)
NO_RUN_LIMIT = 2


def _blocks(path: Path) -> list[tuple[int, str]]:
    """The runnable python blocks of ``path`` as (line, code), in order."""
    text = path.read_text(encoding="utf-8")
    found = [(text.count("\n", 0, m.start()) + 2, m.group(1), m.group(2))
             for m in _FENCE.finditer(text)]
    assert found, f"{path.name} has no python blocks"
    shown_only = [line for line, no_run, _ in found if no_run]
    assert len(shown_only) <= NO_RUN_LIMIT, f"{path.name}: too many no-run blocks {shown_only}"
    return [(line, code) for line, no_run, code in found if not no_run]


@pytest.mark.parametrize("doc", [ROOT / "README.md", DEVELOPERS], ids=["README", "developers"])
def test_every_example_runs_top_to_bottom_in_one_interpreter(
        doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As a reader pastes them: every block in order, into one interpreter, so a later
    # block sees (and must survive) every name an earlier one made.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    names: dict[str, Any] = {"__name__": "__main__"}
    for line, code in _blocks(doc):
        exec(compile(code, f"{doc.relative_to(ROOT)}:{line}", "exec"), names)


def test_every_test_file_the_docs_cite_exists() -> None:
    """The threat model and the other docs point at the test that shows each attack
    fails; a renamed or imagined test file would leave a claim without its proof."""
    cited = {(doc.name, match) for doc in [*DOCS.glob("*.md"), ROOT / "fuzz" / "README.md",
                                           ROOT / "benchmarks" / "README.md"]
             for match in re.findall(r"tests/[\w/]+\.py", doc.read_text())}
    assert cited
    missing = sorted((doc, path) for doc, path in cited if not (ROOT / path).is_file())
    assert not missing, missing
