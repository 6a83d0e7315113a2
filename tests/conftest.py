"""Shared fixtures: a demo world per test module, with a cheap Argon2id cost.

The keystore's real Argon2id cost (19 MiB, 2 passes) is exercised by
tests/test_keys.py::test_default_kdf_cost_is_strong; everywhere else the cost is
lowered so the suite stays fast.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

import sandi.keys.keystore
from sandi.demo import DemoWorld, demo_world

FAST_KDF = sandi.keys.keystore.KdfParams(ops=1, mem=8192)


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandi.keys.keystore, "KDF_DEFAULT", FAST_KDF)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoWorld]:
    """A demo city (40 agencies, all with hybrid-capable keys), shared by a module."""
    mp = pytest.MonkeyPatch()
    mp.setattr(sandi.keys.keystore, "KDF_DEFAULT", FAST_KDF)
    try:
        yield demo_world(tmp_path_factory.mktemp("home"))
    finally:
        mp.undo()


@pytest.fixture
def fresh_world(tmp_path: Path) -> DemoWorld:
    """A demo city of one's own, for tests that change keys or the pola."""
    return demo_world(tmp_path / "home")


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
