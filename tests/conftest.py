"""Shared fixtures: a demo world per test module, with a cheap Argon2id cost.

The Argon2id cost is a parameter of every function that makes a key file: tests pass
``KdfParams.TEST`` (here, and where they make their own files), and the command line
takes it from ``SANDI_INSECURE_TEST_KDF=1``, set for the whole session (in-process
CliRunner tests and real processes alike). The real costs are exercised by
tests/test_keys.py.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandi.demo import DemoWorld, demo_world
from sandi.keys.secretfile import KdfParams

FAST_KDF = KdfParams.TEST


@pytest.fixture(autouse=True, scope="session")
def _fast_kdf_for_the_command_line() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SANDI_INSECURE_TEST_KDF", "1")
        yield


@pytest.fixture(autouse=True, scope="session")
def _private_agent_sockets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Agents started by tests listen in a directory of the session's own, and no test
    ever talks to an agent running on the machine (``sandi agent``)."""
    runtime = tmp_path_factory.mktemp("xdg-runtime")
    runtime.chmod(0o700)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_RUNTIME_DIR", str(runtime))
        yield


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> DemoWorld:
    """A demo city (40 agencies, all with hybrid-capable keys), shared by a module."""
    return demo_world(tmp_path_factory.mktemp("home"), kdf=FAST_KDF)


@pytest.fixture
def fresh_world(tmp_path: Path) -> DemoWorld:
    """A demo city of one's own, for tests that change keys or the pola."""
    return demo_world(tmp_path / "home", kdf=FAST_KDF)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search path is a fresh schema, dropped afterwards; skips
    without ``SANDI_TEST_PG_URL`` (.ci/run starts a server and sets it)."""
    url = os.environ.get("SANDI_TEST_PG_URL")
    if not url:
        pytest.skip("SANDI_TEST_PG_URL not set (.ci/run sets it)")
    import psycopg

    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in url else "?"
    yield f"{url}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
