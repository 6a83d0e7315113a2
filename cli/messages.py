"""Every user-facing string of the CLI, in English and Indonesian, as GNU gettext
catalogues of the ``sandi_cli`` domain.

A message has a symbolic id (``keys.fingerprint``); :func:`t` looks it up in the
catalogue of a language and fills in its ``{placeholders}``. The texts live in
``locale/en/LC_MESSAGES/sandi_cli.po`` and ``locale/id/LC_MESSAGES/sandi_cli.po``
beside this file (the source, edited by people) and the ``.mo`` files compiled from
them (read here with the standard library's :mod:`gettext`, on first use only, so
``sandi --version`` loads no catalogue). ``tools/catalogues.py compile`` rebuilds the
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
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import gettext

LANGS = ("en", "id")
DOMAIN = "sandi_cli"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


@functools.cache
def catalogue(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang``; Indonesian falls back to English for a
    message it lacks (which the tests forbid)."""
    import gettext

    found = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])
    if lang != "en":
        found.add_fallback(catalogue("en"))
    return found


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
