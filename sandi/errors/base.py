"""The base of every sandi error: an English template, its parameters, and the words
for an official in English and Indonesian (see :mod:`sandi.errors`)."""

from __future__ import annotations

from typing import Self

from sandi._internal.i18n import Phrase as Phrase  # re-exported: words as an error parameter
from sandi._internal.i18n import render


class SandiError(Exception):
    """Base of every error sandi raises on purpose."""

    summary_id = "terjadi galat"
    exit_code = 1
    hint_en = "See `sandi --help`."
    hint_id = "Lihat `sandi --help`."

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
        """The fix, in ``lang`` ("en" or "id")."""
        return self.hint_id if lang == "id" else self.hint_en

    def debug_detail(self, lang: str = "en") -> str | None:
        """Detail kept out of the message on purpose, for ``--debug``; None if none."""
        return None
