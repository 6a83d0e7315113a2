"""Rewrap: move our recipient stanza to our agency's current key version.

Only the stanza block changes; the signed region (header and bound block), the
payload and the sender's signature stay byte for byte, so the envelope still
verifies. The data key is unwrapped with the old version, checked against the
commitment, and wrapped to the current version the pola publishes, bound to the
same header hash. Before anything is rewritten the
whole envelope is verified (signature and policy, as :func:`sandi.verify` does): a
forged or refused envelope is reported, never blessed with a fresh stanza.

Files are rewritten crash-safely, one process at a time per file (an exclusive lock
on the file itself). When the new header has the same length as the old one (the
usual case: same suite, same agency), the header is replaced in place under a
journal: the new header is first written and fsynced to ``.NAME.sandi-rewrap`` beside
the file, then written over the old one and fsynced, then the journal is removed. A
crash at any point leaves either the old header, the new one, or a journal that the
next run re-applies (:func:`recover`). Otherwise, and for armored envelopes
(``.sandi.txt``, rewritten as armored text), the whole file is copied to an anonymous
temporary file and renamed over the original.

``before_publish`` is called once the envelope is verified and its new stanza made,
before anything is written: it is where the caller records the rewrap (the audit
log); if it raises, the file is left as it was.

>>> from sandi.envelope.rewrapping import Outcome
>>> Outcome.REWRAPPED.value
'rewrapped'
"""

from __future__ import annotations

import contextlib
import enum
import io
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sandi._internal import fs as _fs
from sandi._internal import system
from sandi.envelope import armor
from sandi.envelope.format import Header, Stanza, encode_header, read_header
from sandi.envelope.opening import unwrap_checked, verify
from sandi.envelope.stanzas import wrap
from sandi.errors import MalformedEnvelope
from sandi.keys.agencykey import Keyring
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
    classification: str = field(default="", compare=False)


#: Called with the result before a rewrapped envelope is written (see the docstring).
BeforePublish = Callable[[Rewrapped], object]


def _new_stanzas(header: Header, keystore: Keyring, pola: Pola
                 ) -> tuple[tuple[Stanza, ...], Rewrapped]:
    held = set(keystore.agencies())
    doc_id, level = header.signed.doc_id.hex(), header.signed.classification.slug
    mine = [s for s in header.stanzas if s.agency in held]
    if not mine:
        return header.stanzas, Rewrapped(Outcome.NOT_ADDRESSED, doc_id=doc_id,
                                         classification=level)
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
        return header.stanzas, Rewrapped(Outcome.CURRENT, doc_id=doc_id, classification=level)
    return tuple(out), Rewrapped(Outcome.REWRAPPED, tuple(a for a, _ in moved),
                                 tuple(v for _, v in moved), doc_id, level)


def rewrap(envelope: bytes, *, keystore: Keyring, pola: Pola, now: datetime | None = None
           ) -> tuple[bytes, Rewrapped]:
    """Rewrap an envelope (binary or armored) in memory; returns the new bytes (unchanged
    if nothing to do). Raises what :func:`sandi.verify` raises for a forged or refused
    envelope that would otherwise be rewrapped."""
    armored = armor.is_armored(envelope[:len(armor.BEGIN)])
    data = armor.dearmor(envelope) if armored else envelope
    header, size = _parse(data)
    stanzas, result = _new_stanzas(header, keystore, pola)
    if result.outcome is not Outcome.REWRAPPED:
        return envelope, result
    verify(data, pola=pola, now=now)
    new = encode_header(header.signed_region, stanzas, header.attachments) + data[size:]
    return (armor.armor(new).encode("ascii") if armored else new), result


def _parse(data: bytes) -> tuple[Header, int]:
    stream = io.BytesIO(data)
    header = read_header(stream.read)
    return header, stream.tell()


def _journal(path: Path) -> Path:
    return path.with_name(f".{path.name}{JOURNAL_SUFFIX}")


def recover(path: str | os.PathLike[str]) -> bool:
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
    fd = os.open(path, os.O_WRONLY | system.BINARY)
    try:
        system.write_at(fd, data, 0)
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file at ``path`` (the very file, even when another
    rewrap replaced it by rename while we waited)."""
    fd = _fs.lock_at(path)
    try:
        yield
    finally:
        os.close(fd)


def rewrap_file(path: str | os.PathLike[str], *, keystore: Keyring, pola: Pola,
                now: datetime | None = None,
                before_publish: BeforePublish | None = None) -> Rewrapped:
    """Rewrap one envelope file crash-safely (see the module docstring); idempotent."""
    path = Path(path)
    try:
        with _exclusive(path):
            recover(path)
            return _rewrap_locked(path, keystore, pola, now, before_publish)
    except OSError as exc:
        raise _fs.storage_error(exc, path) from None


def _rewrap_locked(path: Path, keystore: Keyring, pola: Pola, now: datetime | None,
                   before_publish: BeforePublish | None) -> Rewrapped:
    with path.open("rb") as src:
        armored = armor.is_armored(src.read(len(armor.BEGIN)))
        src.seek(0)
        header = read_header(armor.auto(src.read) if armored else src.read)
        old_size = src.tell()  # the binary header's length
        stanzas, result = _new_stanzas(header, keystore, pola)
        if result.outcome is not Outcome.REWRAPPED:
            return result
        verify(path, pola=pola, now=now)  # signature and policy, before any write
        if before_publish is not None:
            before_publish(result)
        new_header = encode_header(header.signed_region, stanzas, header.attachments)
        mode = path.stat().st_mode & 0o777
        if armored:
            src.seek(0)
            _copy_armored(armor.auto(src.read), header, new_header, path, mode)
            return result
        if len(new_header) == old_size:
            journal = _journal(path)
            _fs.atomic_write(journal, new_header, overwrite=True, mode=0o600)
            _write_at_start(path, new_header)
            journal.unlink()
            return result
        src.seek(old_size)
        with _fs.atomic_output(path, overwrite=True, mode=mode) as out:
            out.write(new_header)
            shutil.copyfileobj(src, out, 1 << 20)
    return result


def _copy_armored(read: Callable[[int], bytes], header: Header, new_header: bytes,
                  path: Path, mode: int) -> None:
    """Write the armored envelope again with ``new_header`` in place of its header."""
    if read_header(read).signed_region != header.signed_region:
        raise MalformedEnvelope("envelope header: the file changed while it was rewrapped")
    with _fs.atomic_output(path, overwrite=True, mode=mode) as out:
        writer = armor.ArmorWriter(out.write)
        writer.write(new_header)
        while block := read(1 << 20):
            writer.write(block)
        writer.close()
