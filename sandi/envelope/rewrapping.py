"""Rewrap: move our recipient stanza to our agency's current key version.

Only the stanza block changes; the signed region (header and bound block), the
payload and the sender's signature stay byte for byte, so the envelope still
verifies. The data key is unwrapped with the old version, checked against the
commitment, and wrapped to the current version the pola publishes, bound to the
same header hash.

Files are rewritten crash-safely. When the new header has the same length as
the old one (the usual case: same suite, same agency), the header is replaced
in place under a journal: the new header is first written and fsynced to
``.NAME.sandi-rewrap`` beside the file, then written over the old one and
fsynced, then the journal is removed. A crash at any point leaves either the
old header, the new one, or a journal that the next run re-applies
(:func:`recover`). Otherwise the whole file is copied to an anonymous temporary
file and renamed over the original.

>>> from sandi.envelope.rewrapping import Outcome
>>> Outcome.REWRAPPED.value
'rewrapped'
"""

from __future__ import annotations

import enum
import io
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from sandi._internal import fs as _fs
from sandi.envelope.format import Header, Stanza, encode_header, read_header
from sandi.envelope.opening import unwrap_checked
from sandi.envelope.stanzas import wrap
from sandi.keys.keystore import Keystore
from sandi.pola.policy import Pola

JOURNAL_SUFFIX = ".sandi-rewrap"


class Outcome(enum.Enum):
    """What rewrap did to one envelope."""

    REWRAPPED = "rewrapped"
    CURRENT = "already current"
    NOT_ADDRESSED = "not addressed to us"


@dataclass(frozen=True)
class Rewrapped:
    """The result for one envelope."""

    outcome: Outcome
    agencies: tuple[str, ...] = ()  # whose stanzas were moved
    old_versions: tuple[int, ...] = ()
    doc_id: str = field(default="", compare=False)  # the envelope's id, for the audit log


def _new_stanzas(header: Header, keystore: Keystore, pola: Pola
                 ) -> tuple[tuple[Stanza, ...], Rewrapped]:
    held = set(keystore.agencies())
    mine = [s for s in header.stanzas if s.agency in held]
    if not mine:
        return header.stanzas, Rewrapped(Outcome.NOT_ADDRESSED,
                                         doc_id=header.signed.doc_id.hex())
    suite = header.signed.suite
    out: list[Stanza] = []
    moved: list[tuple[str, int]] = []
    for stanza in header.stanzas:
        if stanza.agency not in held:
            out.append(stanza)
            continue
        current = pola.sealing_key(stanza.agency)
        if stanza.key_version >= current.version:
            # Only ever forward: a home whose pola is older than the sender's must not
            # move a stanza back to the version being replaced.
            out.append(stanza)
            continue
        key = keystore.get(stanza.agency, stanza.key_version)
        data_key, _ = unwrap_checked(header, stanza, key)
        out.append(wrap(data_key, suite, stanza.agency, current.version, current.keys.x25519,
                        current.keys.mlkem, header_hash=header.header_hash))
        moved.append((stanza.agency, stanza.key_version))
    if not moved:
        return header.stanzas, Rewrapped(Outcome.CURRENT, doc_id=header.signed.doc_id.hex())
    return tuple(out), Rewrapped(Outcome.REWRAPPED, tuple(a for a, _ in moved),
                                 tuple(v for _, v in moved), header.signed.doc_id.hex())


def rewrap(envelope: bytes, *, keystore: Keystore, pola: Pola) -> tuple[bytes, Rewrapped]:
    """Rewrap an envelope in memory; returns the new bytes (unchanged if nothing to do)."""
    header, size = _parse(envelope)
    stanzas, result = _new_stanzas(header, keystore, pola)
    if result.outcome is not Outcome.REWRAPPED:
        return envelope, result
    new = encode_header(header.signed_region, stanzas, header.attachments)
    return new + envelope[size:], result


def _parse(data: bytes) -> tuple[Header, int]:
    stream = io.BytesIO(data)
    header = read_header(stream.read)
    return header, stream.tell()


def _journal(path: Path) -> Path:
    return path.with_name(f".{path.name}{JOURNAL_SUFFIX}")


def recover(path: Path | str) -> bool:
    """Finish an interrupted in-place rewrap of ``path``; True if there was one."""
    path = Path(path)
    journal = _journal(path)
    if not journal.exists():
        return False
    new_header = journal.read_bytes()
    # Rewrap never changes the signed region nor the stanza block's length field, so
    # the file must still start with the journal's: otherwise the journal is stale (the
    # file was replaced by another envelope since) and must not be written over it.
    keep = len(read_header(io.BytesIO(new_header).read).signed_region) + 4
    with path.open("rb") as src:
        if src.read(keep) != new_header[:keep]:
            journal.unlink()
            return False
    _write_at_start(path, new_header)
    journal.unlink()
    return True


def _write_at_start(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, data, 0)
        os.fsync(fd)
    finally:
        os.close(fd)


def rewrap_file(path: Path | str, *, keystore: Keystore, pola: Pola) -> Rewrapped:
    """Rewrap one envelope file crash-safely (see the module docstring); idempotent."""
    path = Path(path)
    try:
        recover(path)
        with path.open("rb") as src:
            header = read_header(src.read)
            old_size = src.tell()
            stanzas, result = _new_stanzas(header, keystore, pola)
            if result.outcome is not Outcome.REWRAPPED:
                return result
            new_header = encode_header(header.signed_region, stanzas, header.attachments)
            if len(new_header) == old_size:
                journal = _journal(path)
                _fs.atomic_write(journal, new_header, overwrite=True, mode=0o600)
                _write_at_start(path, new_header)
                journal.unlink()
                return result
            src.seek(old_size)
            with _fs.atomic_output(path, overwrite=True, mode=path.stat().st_mode & 0o777) as out:
                out.write(new_header)
                shutil.copyfileobj(src, out, 1 << 20)
        return result
    except OSError as exc:
        raise _fs.storage_error(exc, path) from None
