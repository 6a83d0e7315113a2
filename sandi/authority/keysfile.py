"""The JSON form of the authority's machine-managed key registry (pola-keys.json).

A key version the workspace retired (its successor applied) but that no published
pola has ended yet is stored as ``"state": "retired"`` without ``retired_at``: it
ends at the issue time of the build that publishes its successor
(:meth:`~sandi.authority.workspace.Workspace.build`), recorded at publish.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import tomlkit

from sandi._internal import fs as _fs
from sandi._internal.time import LAST_SECOND, from_epoch
from sandi.crypto.public import PublicKeys
from sandi.errors import InvalidArgument, MalformedPola
from sandi.pola.model import (
    AuthorityKey,
    KeyState,
    KeyVersion,
    Member,
    MemberStatus,
    RevocationReason,
)

KEYS_FORMAT = "sandi-pola-keys/1"


def read_source(path: Path) -> tomlkit.TOMLDocument:
    """The workspace's ``pola.toml``."""
    try:
        return tomlkit.parse(path.read_text("utf-8"))
    except FileNotFoundError:
        raise InvalidArgument("{path} is not a pola workspace (no pola.toml); create one with "
                              "`sandi pola init`", path=path.parent) from None
    except tomlkit.exceptions.TOMLKitError as exc:
        raise MalformedPola("pola source: not valid TOML ({exc})", exc=exc) from None


def read_keys(path: Path) -> dict[str, Any]:
    """The workspace's ``pola-keys.json``."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise InvalidArgument("{path} has no pola-keys.json", path=path.parent) from None
    except ValueError:
        raise MalformedPola("pola-keys.json: not valid JSON") from None
    if not isinstance(data, dict) or data.get("format") != KEYS_FORMAT:
        raise MalformedPola("pola-keys.json: not a {format} file", format=KEYS_FORMAT)
    return data


def save_keys(path: Path, data: dict[str, Any], *, overwrite: bool = True) -> None:
    """Replace ``pola-keys.json`` atomically."""
    _fs.atomic_write(path, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode(),
                     overwrite=overwrite)


def b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def unb64(text: object, what: str) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except ValueError:
        raise MalformedPola("pola-keys.json: {what} is not base64", what=what) from None


def append(doc: tomlkit.TOMLDocument, key: str, table: Any) -> None:
    """Append a table to an array of tables (tomlkit renders an empty one badly)."""
    if key in doc:
        doc[key].append(table)
    else:
        aot = tomlkit.aot()
        aot.append(table)
        doc.append(key, aot)


def authority_json(custodians: list[AuthorityKey], threshold: int) -> dict[str, Any]:
    return {"threshold": threshold,
            "keys": [{key: value for key, value in (
                ("id", k.id), ("ed25519", b64(k.ed25519)), ("custodian", k.custodian),
                ("mldsa", b64(k.mldsa))) if value is not None} for k in custodians]}


def authority_from_json(k: dict[str, Any]) -> AuthorityKey:
    """An authority key as :func:`authority_json` stores it."""
    return AuthorityKey(k["id"], unb64(k["ed25519"], "authority key"), k["custodian"],
                        unb64(k["mldsa"], "authority key") if "mldsa" in k else None)


def timestamp_from_json(value: object) -> AuthorityKey | None:
    """The timestamp key as stored (None: there is none): an authority key (Ed25519, and
    ML-DSA-65 if it has that half); an early registry kept the Ed25519 half alone, as
    base64."""
    if value is None:
        return None
    if isinstance(value, dict):
        return authority_from_json(value)
    return AuthorityKey("timestamp", unb64(value, "timestamp key"), "timestamp")


# pola-keys.json keeps times as seconds, like the pola's wire: these four functions are
# the one place they become the model's datetimes and back.


def key_json(k: KeyVersion) -> dict[str, Any]:
    not_before, retired_at, revoked_at = k._window
    d = {"v": k.version, "x25519": b64(k.keys.x25519), "ed25519": b64(k.keys.ed25519),
         "mlkem": b64(k.keys.mlkem), "mldsa": b64(k.keys.mldsa), "state": k.state.value,
         "not_before": not_before, "retired_at": retired_at, "revoked_at": revoked_at,
         "reason": k.reason.value if k.reason else None}
    return {key: value for key, value in d.items() if value is not None}


def member_json(m: Member) -> dict[str, Any]:
    joined_at, status_at, suspensions = m._seconds
    d = {"id": m.id, "name": m.name, "jabatan": m.jabatan, "nip": m.nip,
         "keys": [key_json(k) for k in m.keys], "joined": joined_at,
         "status": m.status.value, "status_at": status_at,
         "suspensions": [list(s) for s in suspensions] or None, "seq": m.seq or None}
    return {key: value for key, value in d.items() if value is not None}


def _time(value: Any) -> datetime:
    seconds = int(value)
    if not 0 <= seconds <= LAST_SECOND:
        raise ValueError(f"time {seconds} out of range")
    return from_epoch(seconds)


def _optional_time(value: Any) -> datetime | None:
    return None if value is None else _time(value)


def member_from_json(d: dict[str, Any]) -> Member:
    try:
        return Member(d["id"], d["name"], d["jabatan"], d.get("nip"),
                      tuple(key_from_json(k) for k in d["keys"]), _time(d["joined"]),
                      MemberStatus(d["status"]), _optional_time(d.get("status_at")),
                      tuple((_time(f), _time(u)) for f, u in d.get("suspensions", [])),
                      int(d.get("seq", 0)))
    except (KeyError, ValueError, TypeError) as exc:
        raise MalformedPola("pola-keys.json: bad member entry ({exc})", exc=exc) from None


def pending_retirement(d: dict[str, Any]) -> bool:
    """Whether a JSON key version is retired but not yet ended by a published pola."""
    return d.get("state") == KeyState.RETIRED.value and "retired_at" not in d


#: The end of a retirement still pending (no published pola has ended it yet).
NOT_YET = LAST_SECOND


def key_from_json(d: dict[str, Any], *, retire_at: datetime | None = None) -> KeyVersion:
    """A key version; one pending retirement ends at ``retire_at`` (default: not yet)."""
    try:
        not_before = _time(d["not_before"])
        end = _time(NOT_YET) if retire_at is None else retire_at
        retired = _time(d["retired_at"]) if "retired_at" in d else (
            max(end, not_before) if pending_retirement(d) else None)
        return KeyVersion(
            int(d["v"]),
            PublicKeys(unb64(d["x25519"], "x25519"), unb64(d["ed25519"], "ed25519"),
                       unb64(d["mlkem"], "mlkem") if "mlkem" in d else None,
                       unb64(d["mldsa"], "mldsa") if "mldsa" in d else None),
            KeyState(d["state"]), not_before, _optional_time(d.get("revoked_at")),
            RevocationReason(d["reason"]) if "reason" in d else None, retired)
    except (KeyError, ValueError, TypeError) as exc:
        raise MalformedPola("pola-keys.json: bad key entry ({exc})", exc=exc) from None
