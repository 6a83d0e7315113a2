"""A non-editable install holds the whole library and command line.

An official installs sandi with ``pip install .`` (or from a wheel), not ``-e``: the
wheel must carry every module of every subpackage and every data file (the example
pola, the message catalogues), with ``cli/`` installed as ``sandi_cli``. A hand-kept
package list once shipped only ``sandi/__init__.py`` and the CLI's top-level modules,
and nothing in an editable checkout noticed. This builds the wheel as ``pip install .``
would (PEP 517, isolated build, no dependencies), compares its files with the source
tree, and runs the demo from the unpacked wheel alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INSTALLED_AS = {"sandi": "sandi", "cli": "sandi_cli"}  # source directory -> import name


def _source_files() -> set[str]:
    """Every file of the two packages, named as it must appear in the wheel."""
    files = set()
    for directory, name in INSTALLED_AS.items():
        for path in (ROOT / directory).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files.add(f"{name}/{path.relative_to(ROOT / directory).as_posix()}")
    return files


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Build from a copy: an in-tree build leaves build/ and *.egg-info in the checkout.
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "setup.py", "README.md"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, src / name)
    for directory in INSTALLED_AS:
        shutil.copytree(ROOT / directory, src / directory,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                           "--wheel-dir", str(out), str(src)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    [built] = out.glob("sandi-*.whl")
    return built


def test_the_wheel_holds_every_module_and_data_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    packaged = {n for n in names if not n.split("/")[0].endswith(".dist-info")}
    expected = _source_files()
    assert {"sandi/envelope/__init__.py", "sandi/locale/id/LC_MESSAGES/sandi.mo",
            "sandi/data/pola-kota-contoh.toml", "sandi_cli/main.py"} <= expected  # sanity
    assert expected - packaged == set(), "missing from the wheel"
    assert packaged - expected == set(), "in the wheel but not in the source tree"


def test_the_wheel_installs_the_sandi_command(wheel: Path) -> None:
    [entry_points] = [n for n in zipfile.ZipFile(wheel).namelist()
                      if n.endswith(".dist-info/entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "sandi = sandi_cli.main:main" in text.splitlines()


def test_the_demo_runs_from_the_wheel_alone(wheel: Path, tmp_path: Path) -> None:
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    # PYTHONPATH comes before the editable install of this checkout, so every sandi
    # module below is imported from the wheel (the first assertion proves it).
    env = {**os.environ, "PYTHONPATH": str(unpacked), "TMPDIR": str(tmp_path)}
    where = subprocess.run(
        [sys.executable, "-c", "import sandi, sandi.envelope, sandi_cli.main;"
         "print(sandi.envelope.__file__); print(sandi_cli.main.__file__)"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False)
    assert where.returncode == 0, where.stderr
    assert all(Path(line).is_relative_to(unpacked) for line in where.stdout.split())
    demo = subprocess.run([sys.executable, "-m", "sandi_cli", "--lang", "en", "demo"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
                          check=False)
    assert demo.returncode == 0, demo.stderr
