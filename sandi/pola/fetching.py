"""Getting a signed pola's bytes, and its freshness statement's: from a file, or from
the authority's web address.

Nothing about the transport is trusted (the signatures, the rollback check, the
expiry and the freshness statement's signature and time are), so plain HTTP is
acceptable. The statement is published beside the pola as ``freshness.sandi``.

>>> from sandi.pola.fetching import fetch
>>> fetch("/nonexistent/pola.sandi")
Traceback (most recent call last):
...
sandi.errors.MalformedPola: cannot read pola /nonexistent/pola.sandi: no such file
"""

from __future__ import annotations

from pathlib import Path

from sandi._internal import fs as _fs
from sandi.errors import MalformedPola

MAX_POLA_DOWNLOAD = 64 * 1024 * 1024


FRESHNESS_FILE = "freshness.sandi"


def beside(source: str) -> str:
    """Where the freshness statement of the pola at ``source`` is published: the same
    directory (or URL path), named ``freshness.sandi``."""
    if source.startswith(("http://", "https://")):
        base = source.split("?", 1)[0].split("#", 1)[0]
        return base.rsplit("/", 1)[0] + "/" + FRESHNESS_FILE
    return str(Path(source).with_name(FRESHNESS_FILE))


def fetch_freshness(source: str, *, missing_ok: bool = False, timeout: float = 30.0
                    ) -> bytes | None:
    """The bytes of a freshness statement (at most 4 KiB); None if ``missing_ok`` and
    there is none at ``source`` (no such file, or HTTP 404)."""
    if not source.startswith(("http://", "https://")):
        if missing_ok and not Path(source).exists():
            return None
        return _read(source, 4096)
    return _download(source, 4096, timeout, missing_ok=missing_ok)


def fetch(source: str, *, timeout: float = 30.0) -> bytes:
    """The bytes of a signed pola from a file path or an ``http(s)://`` URL.

    The authority publishes the signed pola as a static file on any web server;
    nothing about the transport is trusted (the signatures, the rollback check
    and the expiry are), so plain HTTP is acceptable. At most 64 MiB are read.
    """
    if not source.startswith(("http://", "https://")):
        return _read(source, MAX_POLA_DOWNLOAD)
    data = _download(source, MAX_POLA_DOWNLOAD, timeout)
    assert data is not None
    return data


def _read(source: str, limit: int) -> bytes:
    try:
        with Path(source).open("rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise MalformedPola("cannot read pola {source}: {reason}", source=source,
                            reason=_fs.os_reason(exc, reading=True)) from None
    if len(data) > limit:
        raise MalformedPola("the pola at {source} is larger than {limit} bytes",
                            source=source, limit=limit)
    return data


def _download(source: str, limit: int, timeout: float, *, missing_ok: bool = False
              ) -> bytes | None:
    import urllib.error  # only `pola update` needs the network: import it here
    import urllib.request

    try:
        with urllib.request.urlopen(source, timeout=timeout) as response:  # noqa: S310
            data: bytes = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        if missing_ok and exc.code == 404:
            return None
        raise MalformedPola("cannot download the pola from {source}: {reason}", source=source,
                            reason=exc.reason) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise MalformedPola("cannot download the pola from {source}: {reason}", source=source,
                            reason=reason) from None
    if len(data) > limit:
        raise MalformedPola("the pola at {source} is larger than {limit} bytes",
                            source=source, limit=limit)
    return data
