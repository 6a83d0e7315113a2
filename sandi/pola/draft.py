"""A pola file read to be looked at, not trusted: a draft being signed, or any file.

The persandian authority's custodians sign a draft one by one; before each signs,
they must see what it says and what changed (``sandi pola show FILE``, ``sandi pola
diff OLD NEW``, and ``sandi pola sign``, which shows the diff and asks). A
:class:`Draft` is that view: every field is parsed and checked as in a
:class:`~sandi.pola.Pola`, and :meth:`~Draft.signature_status` says who has signed it
so far (``signed 0/2`` is a draft), but it is never trusted: seal, open and verify
take only a :class:`~sandi.pola.Pola`, which exists only verified.

>>> from sandi.demo import demo_world
>>> p = demo_world().pola
>>> draft = Draft.from_bytes(p.to_bytes())
>>> draft.version == p.version, draft.signature_status().ok
(True, True)
"""

from __future__ import annotations

import os

from sandi.errors import InvalidArgument
from sandi.pola._wire import decode_pola
from sandi.pola.content import PolaContent, read_pola_file


class Draft(PolaContent):
    """A parsed pola file whose signatures are counted, never required. Build it with
    :meth:`load` or :meth:`from_bytes`."""

    def __init__(self, *_: object, **__: object) -> None:
        raise InvalidArgument("a Draft is made only by Draft.load or Draft.from_bytes")

    @classmethod
    def from_bytes(cls, data: bytes) -> Draft:
        """Parse a pola file (MalformedPola if any field is malformed); no signature
        is required and nothing is trusted."""
        self = object.__new__(cls)
        self._index(decode_pola(data))
        return self

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Draft:
        """Read and parse the pola file at ``path`` (always a path), as :meth:`from_bytes`."""
        return cls.from_bytes(read_pola_file(path))
