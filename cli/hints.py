"""The hint line of the command line: what the person who typed the command does next.

The library's hints (``SandiError.hint``) speak to a program's author and name no
command. Here each error gets the hint for the person at the command line, in words
that name sandi's commands and flags, chosen in this order:

1. a hint the command attached where it raised the error (:func:`hinted`);
2. the situation: no home at all (``SANDI_HOME`` forgotten in a new terminal);
3. ``hint.<Class>@<command>``: the class as met by that command (a suspended official
   sealing is told about their own key, not to ask the sender to seal again);
4. ``hint.<Class>``: the class at the command line;
5. walking up the classes, the first that has a CLI hint, unless a class on the way
   has its own library hint (then that one, which is more precise).

The hints are messages of the ``sandi_cli`` catalogue, and may quote the error's
parameters (``{actual}``, the fingerprint to confirm).

>>> import sandi
>>> hint_for(sandi.errors.NoPola("no pola"), "en", "verify")
'Install the pola from the persandian authority with `sandi pola update FILE`.'
"""

from __future__ import annotations

from pathlib import Path

import sandi

from .messages import t

_ATTACHED = "sandi_cli_hint"


def hinted(err: sandi.SandiError, hint: str) -> sandi.SandiError:
    """``err`` carrying the CLI hint ``hint`` (already in the session's language)."""
    setattr(err, _ATTACHED, hint)
    return err


def _catalogued(msg_id: str, lang: str, err: sandi.SandiError) -> str | None:
    try:
        return t(msg_id, lang, **{k: str(v) for k, v in err.params.items()})
    except KeyError:
        return None


def hint_for(err: sandi.SandiError, lang: str, command: str = "",
             home: Path | None = None) -> str:
    """The hint for ``err`` met by ``command`` (``"seal"``, ``"pola update"``) with the
    home ``home``, in ``lang``."""
    attached = getattr(err, _ATTACHED, None)
    if isinstance(attached, str):
        return attached
    if (home is not None and not home.exists()
            and isinstance(err, (sandi.errors.NoPola, sandi.errors.NoKeystore))):
        return t("hint.no_home", lang, home=home)
    for cls in type(err).__mro__:
        if not (isinstance(cls, type) and issubclass(cls, sandi.SandiError)):
            break
        for msg_id in (f"hint.{cls.__name__}@{command}", f"hint.{cls.__name__}"):
            if command or "@" not in msg_id:
                found = _catalogued(msg_id, lang, err)
                if found is not None:
                    return found
        if "hint_en" in vars(cls):  # its own library hint is more precise than a parent's
            return err.hint(lang)
    return err.hint(lang)
