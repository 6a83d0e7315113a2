"""`sandi pola update URL`: the authority publishes the signed pola as a static file on
any web server; clients fetch it from a real HTTP server (here on loopback) and trust
only its signatures, version and expiry."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

import sandi
from sandi.demo import DemoWorld
from sandi.errors import MalformedPola, PolaRollback, PolaSignatureInvalid
from tests.helpers import pola_with


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", tmp_path
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_update_from_a_web_server(fresh_world: DemoWorld, server: tuple[str, Path]) -> None:
    url, root = server
    v2 = pola_with(fresh_world, {}, version=2)
    (root / "pola.sandi").write_bytes(v2.to_bytes())
    installed = fresh_world.home.install_pola(sandi.pola.fetch(f"{url}/pola.sandi"))
    assert installed.version == 2
    assert fresh_world.home.pola().version == 2


def test_an_old_pola_on_the_server_is_refused(fresh_world: DemoWorld,
                                               server: tuple[str, Path]) -> None:
    url, root = server
    fresh_world.home.install_pola(pola_with(fresh_world, {}, version=3).to_bytes())
    (root / "pola.sandi").write_bytes(pola_with(fresh_world, {}, version=2).to_bytes())
    with pytest.raises(PolaRollback):
        fresh_world.home.install_pola(sandi.pola.fetch(f"{url}/pola.sandi"))


def test_a_tampered_download_is_refused(fresh_world: DemoWorld, server: tuple[str, Path]) -> None:
    url, root = server
    data = bytearray(pola_with(fresh_world, {}, version=2).to_bytes())
    data[200] ^= 1
    (root / "pola.sandi").write_bytes(bytes(data))
    with pytest.raises((PolaSignatureInvalid, MalformedPola)):
        fresh_world.home.install_pola(sandi.pola.fetch(f"{url}/pola.sandi"))


def test_a_missing_file_names_the_url(server: tuple[str, Path]) -> None:
    url, _ = server
    with pytest.raises(MalformedPola, match="cannot download the pola from http"):
        sandi.pola.fetch(f"{url}/nothing-here.sandi")
