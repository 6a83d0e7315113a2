"""Package discovery: every package under ``sandi/``, and ``cli/`` installed as ``sandi_cli``.

pyproject.toml's ``packages.find`` cannot rename a directory, and a hand-kept list of
packages silently drops each new subpackage from a non-editable install (it once left out
all of them), so the list is found here. Everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["sandi", "sandi.*"]),
        *("sandi_cli" + name[len("cli"):] for name in find_packages(include=["cli", "cli.*"])),
    ],  # the directory of each is in pyproject.toml (package-dir)
)
