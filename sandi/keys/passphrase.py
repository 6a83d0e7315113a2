"""A keystore passphrase for an unattended service: from a file or a systemd credential.

A service has nobody to type a passphrase. Give it one in a file only its user can
read, or, under systemd, as a *credential*: ``LoadCredential=sandi-passphrase:/etc/
sandi/passphrase`` (or ``LoadCredentialEncrypted=``, sealed to the machine's TPM)
puts it in ``$CREDENTIALS_DIRECTORY/sandi-passphrase``, readable by that service
only, for as long as it runs. :func:`read_passphrase` reads either; never put a
passphrase in an environment variable or on a command line.

>>> import os, tempfile
>>> from pathlib import Path
>>> creds = Path(tempfile.mkdtemp())
>>> _ = (creds / CREDENTIAL).write_text("frasa sandi kami\\n")
>>> os.chmod(creds / CREDENTIAL, 0o400)
>>> read_passphrase(environ={"CREDENTIALS_DIRECTORY": str(creds)})
'frasa sandi kami'
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeAlias

from sandi.errors import InvalidArgument

__all__ = ["CREDENTIAL", "Passphrase", "credential_path", "passphrase_of", "read_passphrase"]

#: The name of the systemd credential that holds the keystore's passphrase.
CREDENTIAL = "sandi-passphrase"
#: A passphrase, or a function that returns one (called each time it is needed).
Passphrase: TypeAlias = str | bytes | Callable[[], str | bytes]

_MAX = 4096  # a passphrase file is one line; never read a big file into memory


def credential_path(name: str = CREDENTIAL, *, environ: Mapping[str, str] | None = None
                    ) -> Path | None:
    """``$CREDENTIALS_DIRECTORY/name`` if systemd passed that credential, else None."""
    directory = (os.environ if environ is None else environ).get("CREDENTIALS_DIRECTORY")
    if not directory:
        return None
    path = Path(directory) / name
    return path if path.exists() else None


def read_passphrase(path: Path | None = None, *, credential: str = CREDENTIAL,
                    environ: Mapping[str, str] | None = None) -> str:
    """The passphrase in ``path`` or, without one, in the systemd credential
    ``credential``: the file's first line, without its line ending.

    Raises InvalidArgument if there is neither, or the file is not a regular file,
    is readable or writable by other users, or its first line is empty or not UTF-8.
    """
    if path is None:
        path = credential_path(credential, environ=environ)
        if path is None:
            raise InvalidArgument("no passphrase file given and no systemd credential "
                                  "{name} ($CREDENTIALS_DIRECTORY is unset or lacks it)",
                                  name=credential)
    try:
        with Path(path).open("rb") as fh:
            mode = os.fstat(fh.fileno()).st_mode
            first = fh.read(_MAX).split(b"\n", 1)[0].rstrip(b"\r")
    except OSError as exc:
        raise InvalidArgument("cannot read the passphrase file {path}: {reason}", path=path,
                              reason=exc.strerror or str(exc)) from None
    # Checked on the descriptor that was read, not on the name (which may change). The
    # keystore is only as safe as this file; systemd makes credentials 0400 or 0440.
    if not stat.S_ISREG(mode) or mode & 0o027:
        raise InvalidArgument("the passphrase file {path} must be a regular file that other "
                              "users cannot read or write (mode {mode:o}); chmod 600 it",
                              path=path, mode=mode & 0o777)
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidArgument("the passphrase file {path} is not UTF-8 text",
                              path=path) from None
    if not text:
        raise InvalidArgument("the passphrase file {path} is empty", path=path)
    return text


def passphrase_of(passphrase: Passphrase) -> str | bytes:
    """The passphrase itself (calling ``passphrase`` if it is a function)."""
    return passphrase() if callable(passphrase) else passphrase
