"""Messages in English and Indonesian, through GNU gettext.

Every message of the library is an English template with ``{placeholders}``
(``"no key for {agency} opens this envelope"``); the template is the gettext
msgid of the ``sandi`` domain. Its Indonesian translation lives in
``sandi/locale/id/LC_MESSAGES/sandi.po`` (the source, edited by people) and
``sandi.mo`` (compiled from it, shipped with the package, read at run time by the
standard library's :mod:`gettext`). The catalogue is loaded on first use, so
importing sandi costs nothing here.

A parameter that is itself words (a file kind, a reason) is a :class:`Phrase`:
it is rendered in the same language as the message around it.

>>> p = Phrase("{what} does not verify", what=Phrase("signature"))
>>> str(p), p.message("id")
('signature does not verify', 'tanda tangan tidak dapat diverifikasi')
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import gettext

DOMAIN = "sandi"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGS = ("en", "id")


@functools.cache
def catalogue(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English, the msgids themselves, needs none)."""
    import gettext

    if lang not in LANGS[1:]:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def translate(template: str, lang: str) -> str:
    """``template`` in ``lang``; the template itself when there is no translation."""
    if not template or lang not in LANGS[1:]:
        return template
    return catalogue(lang).gettext(template)


def _value(value: object, lang: str) -> object:
    # A Phrase, or a SandiError quoted inside another one: both have message(lang);
    # a list or tuple of them is said as "a, b, c".
    if isinstance(value, (list, tuple)):
        return ", ".join(str(_value(item, lang)) for item in value)
    message = getattr(value, "message", None)
    if isinstance(value, (Phrase, Exception)) and callable(message):
        return message(lang)
    return value


def render(template: str, params: Mapping[str, object], lang: str = "en") -> str:
    """Fill ``template`` (translated to ``lang``) with ``params``, each rendered in
    ``lang`` too. Without parameters the template is used as it is (braces and all).

    A translation that does not fit its parameters (which the tests forbid) falls
    back to the English text rather than hide the error being reported."""
    text = translate(template, lang)
    if not params:
        return text
    try:
        return text.format(**{name: _value(value, lang) for name, value in params.items()})
    except (KeyError, IndexError, ValueError):
        if lang not in LANGS[1:]:
            raise
        return render(template, params, "en")


class Phrase(str):
    """Words that sandi can say in English and in Indonesian: a ``str`` (the English
    text, so it can stand wherever a string is expected) that also keeps its template
    and parameters, for :meth:`message` in another language."""

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, /, **params: object) -> Phrase:
        """``template`` (English, with ``{placeholders}``) filled from ``params``."""
        self = super().__new__(cls, render(template, params))
        self.template = template
        self.params = params
        return self

    def message(self, lang: str = "en") -> str:
        """The phrase in ``lang`` ("en" or "id")."""
        return render(self.template, self.params, lang)


#: A phrase, or what makes one: for words needed only if something fails, on paths
#: that run thousands of times a second (rendering a phrase costs ~5-10 us).
Said = Phrase | Callable[[], Phrase]


def said(what: Said) -> Phrase:
    """The phrase itself, made now if it was deferred."""
    return what if isinstance(what, Phrase) else what()

