"""Getting a signed pola's bytes: from a file, or from the authority's web address.

Nothing about the transport is trusted (the signatures, the rollback check and
the expiry are), so plain HTTP is acceptable.

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


def fetch(source: str, *, timeout: float = 30.0) -> bytes:
    """The bytes of a signed pola from a file path or an ``http(s)://`` URL.

    The authority publishes the signed pola as a static file on any web server;
    nothing about the transport is trusted (the signatures, the rollback check
    and the expiry are), so plain HTTP is acceptable. At most 64 MiB are read.
    """
    if not source.startswith(("http://", "https://")):
        try:
            return Path(source).read_bytes()
        except OSError as exc:
            raise MalformedPola("cannot read pola {source}: {reason}", source=source,
                                reason=_fs.os_reason(exc, reading=True)) from None
    import urllib.error  # only `pola update` needs the network: import it here
    import urllib.request

    try:
        with urllib.request.urlopen(source, timeout=timeout) as response:  # noqa: S310
            data: bytes = response.read(MAX_POLA_DOWNLOAD + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise MalformedPola("cannot download the pola from {source}: {reason}", source=source,
                            reason=reason) from None
    if len(data) > MAX_POLA_DOWNLOAD:
        raise MalformedPola("the pola at {source} is larger than {limit} bytes",
                            source=source, limit=MAX_POLA_DOWNLOAD)
    return data
