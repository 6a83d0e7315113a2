"""The base of every sandi error: an English template, its parameters, and the words
for an official in English and Indonesian (see :mod:`sandi.errors`)."""

from __future__ import annotations

import enum
from typing import Self

from sandi._internal.i18n import Phrase as Phrase  # re-exported: words as an error parameter
from sandi._internal.i18n import render


class Category(enum.Enum):
    """What kind of failure an error is, for a caller that maps failures to its own
    answers (an HTTP status, a retry, an alert) without listing every class.

    The values are stable strings (for logs and JSON). docs/developers.md §8 gives the
    HTTP status each maps to and the classes in each."""

    #: The pola does not allow it: the flow, the classification's requirements, an
    #: agency it does not list, an envelope made under another pola (403).
    POLICY = "policy"
    #: The bytes were changed, forged or replayed: a signature, a chunk, a wrapped
    #: key, a receipt, a time-stamp, an older or foreign pola, the audit chain (422).
    TAMPERED = "tampered"
    #: The envelope is not addressed to any key this keystore holds (403).
    NOT_ADDRESSED = "not-addressed"
    #: The input does not parse, or an argument is wrong (400).
    BAD_INPUT = "bad-input"
    #: A key or keystore problem: wrong passphrase, a key revoked or not valid at the
    #: time, a missing, damaged or loosely protected key file (409 for a key of the
    #: request, 500 for the server's own keystore).
    KEY = "key"
    #: Something needed is not available now: a pola installed and current, the
    #: time-stamping authority, the clock, disk space, a readable file (503).
    UNAVAILABLE = "unavailable"


class SandiError(Exception):
    """Base of every error sandi raises on purpose."""

    summary_id = "terjadi galat"
    exit_code = 1
    category = Category.BAD_INPUT
    hint_en = "See the message for what went wrong, and docs/faq.md for this error."
    hint_id = "Lihat pesannya untuk penyebabnya, dan docs/faq.md untuk galat ini."

    def __init__(self, template: str | Phrase = "", /, **params: object) -> None:
        """``template`` is English with ``{placeholders}`` from ``params`` (or a Phrase)."""
        if isinstance(template, Phrase):
            self.template, self.params = template.template, {**template.params, **params}
        else:
            self.template, self.params = template, params
        super().__init__(render(self.template, self.params))

    def with_params(self, **params: object) -> Self:
        """The same error with some parameters replaced (a more precise location, say)."""
        return type(self)(self.template, **{**self.params, **params})

    def message(self, lang: str = "en") -> str:
        """The precise detail in ``lang`` ("en" or "id"); ``str(err)`` is the English."""
        return str(self) if lang != "id" else render(self.template, self.params, lang)

    def describe(self, lang: str = "en") -> str:
        """The error line for people: in Indonesian, the problem, then the detail."""
        if lang != "id":
            return str(self)
        detail = self.message(lang)
        if detail.casefold().startswith(self.summary_id.casefold()):
            return detail
        return f"{self.summary_id} ({detail})"

    def hint(self, lang: str = "en") -> str:
        """The fix, in ``lang`` ("en" or "id"), for the caller of the library (it names
        no command; the CLI has its own hints, which name its commands and flags)."""
        return self.hint_id if lang == "id" else self.hint_en

    def debug_detail(self, lang: str = "en") -> str | None:
        """Detail kept out of the message on purpose, for ``--debug``; None if none."""
        return None
