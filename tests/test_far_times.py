"""Times past year 9999 on the wire are refused as malformed bytes, never a crash.

Every time a decoder accepts is shown somewhere as a datetime (a peeked header's
``created_at``, a pola's expiry, a receipt's time). Python's datetime ends at
9999-12-31 23:59:59 UTC, so the wire's bound is that second (``LAST_SECOND``): a hostile
header dated in year 36812 used to pass the decoder and raise a bare ValueError from
:func:`sandi.envelope.peek` (and a traceback from anything that showed it).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import forge, known_parts, make_header

import sandi
import sandi._internal.time
from sandi._internal.time import LAST_SECOND, MAX_TIME
from sandi.crypto.suite import Suite
from sandi.demo import DemoWorld
from sandi.envelope import peek
from sandi.errors import MalformedEnvelope
from sandi.pola.classification import Classification


def _dated(world: DemoWorld, seconds: int) -> bytes:
    parts = known_parts(7)
    header = make_header(world, sender="setda", to=["inspektorat"],
                         classification=Classification.parse("biasa"),
                         suite=Suite.CLASSICAL, parts=parts, created_at=seconds)
    return forge(world, header, b"isi", parts)


def test_the_wire_bound_is_the_last_second_a_datetime_holds() -> None:
    assert MAX_TIME == LAST_SECOND
    assert sandi._internal.time.from_epoch(MAX_TIME).year == 9999


@pytest.mark.parametrize("seconds", [LAST_SECOND + 1, 2**40 - 1])
def test_a_header_dated_past_year_9999_is_malformed_for_peek_and_verify(
        world: DemoWorld, seconds: int) -> None:
    env = _dated(world, seconds)
    with pytest.raises(MalformedEnvelope):
        peek(env)
    with pytest.raises(MalformedEnvelope):
        sandi.verify(env, pola=world.pola)


def test_control_the_last_second_peeks_and_is_refused_as_future_dated(
        world: DemoWorld) -> None:
    env = _dated(world, LAST_SECOND)
    assert peek(env).created_at.year == 9999  # shown, unverified, no crash
    with pytest.raises(sandi.SandiError) as refused:
        sandi.verify(env, pola=world.pola)
    assert not isinstance(refused.value, MalformedEnvelope)  # judged, not malformed


def test_the_command_line_says_so_in_one_line(world: DemoWorld, tmp_path: Path) -> None:
    path = tmp_path / "jauh.sandi"
    path.write_bytes(_dated(world, 2**40 - 1))
    done = subprocess.run([sys.executable, "-m", "sandi_cli", "--home", str(world.home.path),
                           "verify", str(path)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin",
                                                         "LANG": "C.UTF-8"})
    assert done.returncode in (1, 2), done
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("sandi: error: "), done.stderr
