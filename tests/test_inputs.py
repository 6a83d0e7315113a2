"""One input convention, the documented return types, and no public way to build an
unverified object (issue 13 §2).

An envelope is bytes, armored text (str), a Path or a binary stream, for open, verify
and open_file alike; a str is never taken as a file name (a web app passing on text a
sender chose must not read the server's files). verify and seal_file return exactly
an EnvelopeInfo, open_file an Opened, open a Document.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import io
import typing
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import sandi
import sandi.envelope
from sandi.demo import DEMO_PASSPHRASE, DemoWorld
from sandi.envelope.armor import armor
from sandi.errors import InvalidArgument, MalformedEnvelope

LETTER = b"Nota dinas: rapat koordinasi"


@pytest.fixture(scope="module")
def sealed(world: DemoWorld, tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Path]:
    env = sandi.seal(LETTER, sender=world.keystore.identity("setda"), to=["inspektorat"],
                     classification="rahasia", pola=world.pola, filename="nota.txt")
    path = tmp_path_factory.mktemp("inputs") / "nota.sandi"
    path.write_bytes(env)
    return env, path


def _forms(env: bytes, path: Path) -> dict[str, Callable[[], Any]]:
    text = armor(env)
    return {
        "bytes": lambda: env,
        "bytearray": lambda: bytearray(env),
        "memoryview": lambda: memoryview(env),
        "armored bytes": lambda: text.encode(),
        "armored str": lambda: text,
        "armored str pasted": lambda: "\r\n " + text.replace("\n", "\r\n"),
        "Path": lambda: path,
        "binary stream": lambda: io.BytesIO(env),
        "armored stream": lambda: io.BytesIO(text.encode()),
        "file": lambda: path.open("rb"),
    }


FORMS = list(_forms(b"", Path()))


@pytest.mark.parametrize("form", FORMS)
def test_open_verify_and_open_file_accept_the_same_forms(
        form: str, world: DemoWorld, sealed: tuple[bytes, Path], tmp_path: Path) -> None:
    make = _forms(*sealed)[form]
    info = sandi.verify(make(), pola=world.pola)
    doc = sandi.open(make(), keystore=world.keystore, pola=world.pola)
    out = io.BytesIO()
    opened = sandi.open_file(make(), out, keystore=world.keystore, pola=world.pola)
    assert doc.plaintext == out.getvalue() == LETTER
    assert info.doc_id == doc.doc_id == opened.doc_id
    assert doc.filename == opened.filename == "nota.txt"


def test_a_str_is_never_taken_as_a_file_name(world: DemoWorld, sealed: tuple[bytes, Path],
                                             tmp_path: Path) -> None:
    # The attack: an app passes on text a sender chose ("the envelope") and the library
    # reads the server's file of that name. The str names a real, valid envelope here,
    # so reading it would succeed: the refusal shows it was not read.
    _env, path = sealed
    for call in (lambda s: sandi.verify(s, pola=world.pola),
                 lambda s: sandi.open(s, keystore=world.keystore, pola=world.pola),
                 lambda s: sandi.open_file(s, io.BytesIO(), keystore=world.keystore,
                                           pola=world.pola),
                 lambda s: sandi.envelope.refuse(s, keystore=world.keystore, pola=world.pola)):
        with pytest.raises(MalformedEnvelope, match=r"never taken as a file name: pass "
                                                    r"pathlib.Path") as caught:
            call(str(path))
        assert str(path) not in str(caught.value)  # the text a sender chose is not echoed
    assert sandi.verify(path, pola=world.pola).sender == "setda"  # the honest control


def test_seal_file_reads_a_path_or_a_stream_only(world: DemoWorld, tmp_path: Path) -> None:
    src = tmp_path / "surat.txt"
    src.write_bytes(LETTER)
    kw: dict[str, Any] = dict(sender=world.keystore.identity("setda"), to=["inspektorat"],
                              classification="rahasia", pola=world.pola)
    with pytest.raises(TypeError, match=r"pass pathlib.Path\(name\) for a file"):
        sandi.seal_file(str(src), tmp_path / "a.sandi", **kw)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"use sandi.seal for bytes"):
        sandi.seal_file(LETTER, tmp_path / "a.sandi", **kw)  # type: ignore[arg-type]
    assert not (tmp_path / "a.sandi").exists()
    with pytest.raises(TypeError, match=r"open the file in binary mode"):
        sandi.seal_file(io.StringIO("teks"), tmp_path / "a.sandi", **kw)  # type: ignore[arg-type]
    assert not (tmp_path / "a.sandi").exists()
    info = sandi.seal_file(src, tmp_path / "a.sandi", **kw)
    assert sandi.open(tmp_path / "a.sandi", keystore=world.keystore,
                      pola=world.pola).filename == "surat.txt" == src.name
    assert info.doc_id


@pytest.mark.parametrize("wrong", [42, None, ["x"], io.StringIO("-----BEGIN")])
def test_other_types_are_a_type_error_that_names_the_fix(world: DemoWorld, wrong: object
                                                         ) -> None:
    with pytest.raises(TypeError, match=r"bytes, armored text \(str\), a pathlib.Path or a "
                                        r"binary stream|open the file in binary mode"):
        sandi.verify(wrong, pola=world.pola)  # type: ignore[arg-type]


def test_text_that_is_not_an_envelope_is_malformed(world: DemoWorld) -> None:
    for text in ("", "halo", "SANDI", "-----BEGIN PGP MESSAGE-----\n"):
        with pytest.raises(MalformedEnvelope):
            sandi.verify(text, pola=world.pola)


# --- return types ---------------------------------------------------------------------


def test_each_call_returns_exactly_its_documented_type(world: DemoWorld,
                                                       sealed: tuple[bytes, Path],
                                                       tmp_path: Path) -> None:
    env, path = sealed
    made = sandi.seal_file(io.BytesIO(LETTER), tmp_path / "b.sandi",
                           sender=world.keystore.identity("setda"), to=["inspektorat"],
                           classification="rahasia", pola=world.pola)
    streamed = sandi.seal_file(io.BytesIO(LETTER), io.BytesIO(),
                               sender=world.keystore.identity("setda"), to=["inspektorat"],
                               classification="rahasia", pola=world.pola)
    assert type(made) is type(streamed) is sandi.EnvelopeInfo
    assert type(sandi.verify(env, pola=world.pola)) is sandi.EnvelopeInfo
    assert type(sandi.open_file(path, tmp_path / "c", keystore=world.keystore,
                                pola=world.pola)) is sandi.Opened
    assert type(sandi.open(env, keystore=world.keystore, pola=world.pola)) is sandi.Document
    # ...and the annotations say so (docs/api.md is generated from them).
    hints = {f: typing.get_type_hints(f)["return"] for f in
             (sandi.verify, sandi.seal_file, sandi.open_file, sandi.open)}
    assert list(hints.values()) == [sandi.EnvelopeInfo, sandi.EnvelopeInfo, sandi.Opened,
                                    sandi.Document]


# --- nothing unverified can be built through a public name ----------------------------


def test_no_public_way_to_an_unverified_pola(world: DemoWorld) -> None:
    with pytest.raises(InvalidArgument, match="a Pola is made only by"):
        sandi.Pola()
    bare = sandi.Pola.__new__(sandi.Pola)
    with pytest.raises(InvalidArgument, match="a Pola is made only by"):
        sandi.seal(b"x", sender=world.keystore.identity("setda"), to=["inspektorat"],
                   classification="rahasia", pola=bare)
    env = sandi.seal(b"x", sender=world.keystore.identity("setda"), to=["inspektorat"],
                     classification="rahasia", pola=world.pola)
    with pytest.raises(InvalidArgument, match="a Pola is made only by"):
        sandi.verify(env, pola=bare)
    with pytest.raises(TypeError):
        dataclasses.replace(world.pola)  # type: ignore[type-var]
    # A copy of a verified pola is that same verified pola, and behaves as one.
    assert copy.deepcopy(world.pola).to_bytes() == world.pola.to_bytes()
    assert sandi.verify(env, pola=copy.copy(world.pola)).sender == "setda"


def test_no_public_way_to_a_keystore_without_unlocking(world: DemoWorld) -> None:
    with pytest.raises(InvalidArgument, match="a Keystore is made only by"):
        sandi.Keystore(world.keystore._storage, world.keystore._held)


def _public_callables() -> list[Callable[..., Any]]:
    found: list[Callable[..., Any]] = []
    for module in (sandi, sandi.envelope, sandi.keys, sandi.pola, sandi.audit,
                   sandi.authority):
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                found.append(obj)
            elif inspect.isclass(obj):
                found += [m for _, m in inspect.getmembers(obj, inspect.isfunction)
                          if not m.__name__.startswith("_")]
                found += [m for _, m in inspect.getmembers(obj, inspect.ismethod)
                          if not m.__name__.startswith("_")]
    return found


def test_results_are_never_taken_as_proof() -> None:
    # EnvelopeInfo, Opened and Document are plain results: anyone may build one (a test
    # double, say), so no public function or method takes one as an input, and a
    # forged one can obtain nothing.
    results = ("EnvelopeInfo", "Opened", "Document", "UnverifiedHeader")
    takers = []
    for func in _public_callables():
        for name, param in inspect.signature(func).parameters.items():
            annotation = str(param.annotation)
            if any(r in annotation for r in results) and "Callable" not in annotation:
                takers.append(f"{func.__qualname__}({name})")
    assert len(_public_callables()) > 100
    assert not takers, takers


def test_the_typed_web_app_runs(world: DemoWorld, tmp_path: Path) -> None:
    # tests/typed/webapp.py is type-checked by mypy --strict (tests/test_quality.py);
    # here it runs: a WSGI-style request body, which is no BinaryIO, is sealed.
    from typed import webapp

    service = sandi.Service(world.home, passphrase=DEMO_PASSPHRASE)
    body = io.BytesIO(LETTER + b"and what follows the request")
    doc_id = webapp.handle(service, body, len(LETTER), tmp_path)
    env = tmp_path / "baru.sandi"
    assert sandi.verify(env, pola=world.pola).doc_id == doc_id
    assert webapp.open_text(service, armor(env.read_bytes())) == LETTER


# --- time is an aware datetime, in and out --------------------------------------------


def test_naive_datetimes_are_refused_and_times_come_back_aware(world: DemoWorld,
                                                               tmp_path: Path) -> None:
    naive = datetime(2026, 6, 1, 12, 0)
    env = sandi.seal(b"x", sender=world.keystore.identity("setda"), to=["inspektorat"],
                     classification="rahasia", pola=world.pola)
    calls: dict[str, Callable[[], object]] = {
        "seal": lambda: sandi.seal(b"x", sender=world.keystore.identity("setda"),
                                   to=["inspektorat"], classification="rahasia",
                                   pola=world.pola, now=naive),
        "verify": lambda: sandi.verify(env, pola=world.pola, now=naive),
        "open": lambda: sandi.open(env, keystore=world.keystore, pola=world.pola, now=naive),
        "Pola.is_expired": lambda: world.pola.is_expired(naive),
        "Home.pola": lambda: world.home.pola(now=naive),
        "Service": lambda: sandi.Service(world.home, passphrase=DEMO_PASSPHRASE, now=naive),
        "Keystore.generate": lambda: sandi.Keystore.create(
            tmp_path / "ks", passphrase="p", kdf=sandi.keys.KdfParams.TEST).generate(
            "setda", now=naive),
    }
    for name, call in calls.items():
        with pytest.raises(InvalidArgument, match="time zone"):
            call()
            pytest.fail(f"{name} accepted a naive datetime")
    pola = world.pola
    fresh_until = pola.freshness_status().fresh_until
    assert fresh_until is not None
    for moment in (pola.issued_at, pola.expires_at, fresh_until,
                   sandi.verify(env, pola=pola).created_at):
        assert isinstance(moment, datetime) and moment.utcoffset() == timedelta(0)
    assert pola.issued_at < pola.expires_at
