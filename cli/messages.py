"""Every user-facing string of the CLI, in English and Indonesian, as GNU gettext
catalogues of the ``sandi_cli`` domain.

A message has a symbolic id (``keys.fingerprint``); :func:`t` looks it up in the
catalogue of a language and fills in its ``{placeholders}``. The texts live in
``locale/en/LC_MESSAGES/sandi_cli.po`` and ``locale/id/LC_MESSAGES/sandi_cli.po``
beside this file (the source, edited by people) and the ``.mo`` files compiled from
them (looked up in place, on first use only, so ``sandi --version`` loads no
catalogue). ``tools/catalogues.py compile`` rebuilds the
``.mo`` files; the tests fail when a message is missing in a language or a ``.mo``
is stale. The library's own error messages come from the ``sandi`` domain, through
``SandiError.describe(lang)``.

>>> t("label.error", "id")
'galat'
>>> t("keys.fingerprint", "en", fingerprint="ABCD-EFGH")
'Fingerprint: ABCD-EFGH'
"""

from __future__ import annotations

import functools
import os
import struct
from pathlib import Path

LANGS = ("en", "id")
DOMAIN = "sandi_cli"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


class Catalogue:
    """A compiled GNU gettext catalogue (``.mo``), looked up in place.

    The original strings of a ``.mo`` are sorted (GNU libintl binary-searches them when,
    as here, there is no hash table), so a message is found in ~10 steps without
    decoding the other ~550: :class:`gettext.GNUTranslations` decodes all of them first,
    6-7 ms that every command paid for the few lines it prints (issue 18 §1). Only what
    this CLI's catalogues use is read: UTF-8, no plural forms, no contexts."""

    def __init__(self, data: bytes, fallback: Catalogue | None = None) -> None:
        magic = int.from_bytes(data[:4], "little")
        order = {0x950412DE: "<", 0xDE120495: ">"}.get(magic)
        if order is None:
            raise OSError("not a compiled gettext catalogue (.mo)")
        self._data = data
        self._entry = struct.Struct(order + "II")  # (length, offset)
        self._count, self._originals, self._translations = struct.unpack_from(
            order + "III", data, 8)
        self.fallback = fallback

    def _string(self, table: int, index: int) -> bytes:
        length, offset = self._entry.unpack_from(self._data, table + 8 * index)
        return self._data[offset:offset + length]

    def ids(self) -> list[str]:
        """Every message id it translates (not the header's empty one)."""
        return [key for i in range(self._count)
                if (key := self._string(self._originals, i).decode())]

    def gettext(self, msg_id: str) -> str:
        """The translation of ``msg_id``, else the fallback's, else ``msg_id`` itself."""
        key, lo, hi = msg_id.encode(), 0, self._count
        while lo < hi:
            mid = (lo + hi) // 2
            if self._string(self._originals, mid) < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < self._count and self._string(self._originals, lo) == key:
            return self._string(self._translations, lo).decode()
        return msg_id if self.fallback is None else self.fallback.gettext(msg_id)


@functools.cache
def catalogue(lang: str) -> Catalogue:
    """The compiled catalogue of ``lang``; Indonesian falls back to English for a
    message it lacks (which the tests forbid)."""
    data = (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo").read_bytes()
    return Catalogue(data, None if lang == "en" else catalogue("en"))


def t(msg_id: str, lang: str = "en", **kw: object) -> str:
    """The message ``msg_id`` in ``lang`` (English if that language lacks it); a
    ``KeyError`` for an id no catalogue knows."""
    text = catalogue(lang if lang in LANGS else "en").gettext(msg_id)
    if text == msg_id:
        raise KeyError(msg_id)
    return text.format(**kw) if kw else text


def default_lang() -> str:
    """``$SANDI_LANG`` if it is ``en`` or ``id``; else ``id`` when the locale
    (``LC_ALL``, ``LC_MESSAGES`` or ``LANG``, the first that is set) is Indonesian;
    else ``en``."""
    chosen = os.environ.get("SANDI_LANG", "").strip().lower()[:2]
    if chosen in LANGS:
        return chosen
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "id" if value.lower().startswith("id") else "en"
    return "en"
