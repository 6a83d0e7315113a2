"""One convention for file paths (docs/api.md): a function whose argument can only be a
path takes a ``str`` or any ``os.PathLike`` (not only ``pathlib.Path``); ``open`` and
``verify`` take envelope bytes or text, so there a ``str`` is never a path, but any
``os.PathLike`` is one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import sandi
from sandi.audit import AuditLog, Event
from sandi.demo import DEMO_PASSPHRASE, DemoWorld
from sandi.envelope import RewrapOutcome, rewrap_file
from sandi.errors import MalformedEnvelope
from sandi.keys import Keystore
from sandi.pola import Draft, Pola


class Where(os.PathLike[str]):
    """A path that is not a ``pathlib.Path`` (as a web framework's upload might be)."""

    def __init__(self, path: Path) -> None:
        self._path = str(path)

    def __fspath__(self) -> str:
        return self._path

    def __str__(self) -> str:  # never what the library should use
        return "<not a path>"


def _seal(world: DemoWorld, dst: str | os.PathLike[str], src: Path) -> None:
    sandi.seal_file(src, dst, sender=world.keystore.identity("setda"), to=["inspektorat"],
                    classification="rahasia", pola=world.pola)


@pytest.mark.parametrize("kind", [str, Where, Path])
def test_path_arguments_take_str_and_any_path_like(world: DemoWorld, tmp_path: Path,
                                                   kind: type) -> None:
    def as_(p: Path) -> str | os.PathLike[str]:
        return kind(p)  # type: ignore[no-any-return]

    src = tmp_path / "surat.txt"
    src.write_bytes(b"Nota dinas")
    _seal(world, as_(tmp_path / "surat.sandi"), src)
    opened = sandi.open_file(tmp_path / "surat.sandi", as_(tmp_path / "out.txt"),
                             keystore=world.keystore, pola=world.pola)
    assert (tmp_path / "out.txt").read_bytes() == b"Nota dinas" and opened.sender == "setda"
    assert rewrap_file(as_(tmp_path / "surat.sandi"), keystore=world.keystore,
                       pola=world.pola).outcome is RewrapOutcome.CURRENT
    assert Pola.load(as_(world.home.pola_path)).version == world.pola.version
    assert Draft.load(as_(world.home.pola_path)).version == world.pola.version
    assert Keystore.open(as_(world.home.path), passphrase=DEMO_PASSPHRASE).agencies()
    log = AuditLog(as_(tmp_path / "audit.db"))
    log.append(Event("seal", agency="setda", doc_id="d1"))
    log.close()
    assert (tmp_path / "audit.db").exists() and not (tmp_path / "<not a path>").exists()


def test_open_and_verify_take_a_path_like_but_never_a_str(world: DemoWorld,
                                                          tmp_path: Path) -> None:
    src = tmp_path / "surat.txt"
    src.write_bytes(b"Nota dinas")
    _seal(world, tmp_path / "surat.sandi", src)
    where = Where(tmp_path / "surat.sandi")
    assert sandi.verify(where, pola=world.pola).sender == "setda"
    doc = sandi.open(where, keystore=world.keystore, pola=world.pola)
    assert doc.plaintext == b"Nota dinas"
    with pytest.raises(MalformedEnvelope):  # the text of an envelope, never a name
        sandi.verify(str(tmp_path / "surat.sandi"), pola=world.pola)
