"""The persandian authority's working directory: edit, build, sign, publish.

::

    pola.toml        the human-edited source (agencies, allow/deny rules, requirements);
                     edited by hand or by `sandi pola ...`, comments preserved
    pola-keys.json   machine-managed: the authority set and every agency key version
    draft.sandi      the pola being signed (body fixed, signatures added one by one)
    pola.sandi       the newest published pola; published/pola-vN.sandi keeps each one

Publishing runs the same trust steps as installing (:mod:`sandi.trust`) against
the previous published pola, so an authority rotation without the old
threshold, or a version that does not grow, never leaves the workspace.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import tomlkit

from sandi import _fs
from sandi._codec import is_slug
from sandi._time import epoch
from sandi.authoring import AuthorityKeyPair, add_signature, compile_source, sign_body
from sandi.classification import Classification
from sandi.errors import InvalidArgument, MalformedPola, MalformedRequest, UnknownAgency
from sandi.keys import PublicKeys
from sandi.pola import Pola
from sandi.pola_model import AuthorityKey, KeyState, KeyVersion, RevocationReason
from sandi.pola_wire import SignedPola, decode_pola
from sandi.requests import KeyRequest, RequestKind, read_request
from sandi.trust import SignatureStatus, signature_status, verify_pola

KEYS_FORMAT = "sandi-pola-keys/1"


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def _unb64(text: object, what: str) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except ValueError:
        raise MalformedPola(f"pola-keys.json: {what} is not base64") from None


class Workspace:
    """One authority's pola workspace directory."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.source_path = self.path / "pola.toml"
        self.keys_path = self.path / "pola-keys.json"
        self.draft_path = self.path / "draft.sandi"
        self.published_path = self.path / "pola.sandi"

    # --- creation ---------------------------------------------------------------------

    @classmethod
    def init(cls, path: Path | str, *, pola_id: str, name: str, authority_name: str,
             custodians: list[AuthorityKey], threshold: int, decree_number: str,
             decree_date: str, decree_title: str, valid_days: int = 365) -> Workspace:
        """A new workspace with an empty pola and a k-of-n authority."""
        ws = cls(path)
        if ws.source_path.exists():
            raise InvalidArgument(f"{ws.source_path} already exists")
        if not is_slug(pola_id):
            raise InvalidArgument(f"pola id {pola_id!r} is not a slug")
        if not 1 <= threshold <= len(custodians):
            raise InvalidArgument(f"threshold must be 1..{len(custodians)}, got {threshold}")
        ws.path.mkdir(parents=True, exist_ok=True)
        doc = tomlkit.document()
        doc.add(tomlkit.comment("Pola Hubungan Komunikasi Sandi: source. Edit, then"
                                " `sandi pola build`."))
        doc["pola"] = {"id": pola_id, "name": name, "authority": authority_name,
                       "valid_days": valid_days}
        doc["decree"] = {"number": decree_number, "date": decree_date, "title": decree_title}
        _fs.atomic_write(ws.source_path, tomlkit.dumps(doc).encode())
        ws._save_keys({"format": KEYS_FORMAT, "published_version": 0,
                       "authority": _authority_json(custodians, threshold), "agencies": {}},
                      overwrite=False)
        return ws

    # --- state ------------------------------------------------------------------------

    def _source(self) -> tomlkit.TOMLDocument:
        try:
            return tomlkit.parse(self.source_path.read_text("utf-8"))
        except FileNotFoundError:
            raise InvalidArgument(f"{self.path} is not a pola workspace (no pola.toml);"
                                  " create one with `sandi pola init`") from None
        except tomlkit.exceptions.TOMLKitError as exc:
            raise MalformedPola(f"pola source: not valid TOML ({exc})") from None

    def _write_source(self, doc: tomlkit.TOMLDocument) -> None:
        _fs.atomic_write(self.source_path, tomlkit.dumps(doc).encode(), overwrite=True)

    def _keys(self) -> dict[str, Any]:
        try:
            data = json.loads(self.keys_path.read_text("utf-8"))
        except FileNotFoundError:
            raise InvalidArgument(f"{self.path} has no pola-keys.json") from None
        except ValueError:
            raise MalformedPola("pola-keys.json: not valid JSON") from None
        if not isinstance(data, dict) or data.get("format") != KEYS_FORMAT:
            raise MalformedPola(f"pola-keys.json: not a {KEYS_FORMAT} file")
        return data

    def _save_keys(self, data: dict[str, Any], *, overwrite: bool = True) -> None:
        _fs.atomic_write(self.keys_path, (json.dumps(data, indent=1, sort_keys=True) + "\n")
                         .encode(), overwrite=overwrite)

    def authority_keys(self) -> tuple[list[AuthorityKey], int]:
        """The authority set the next build will carry, and its threshold."""
        auth = self._keys()["authority"]
        keys = [AuthorityKey(k["id"], _unb64(k["ed25519"], "authority key"), k["custodian"])
                for k in auth["keys"]]
        return keys, int(auth["threshold"])

    def agency_keys(self) -> dict[str, list[KeyVersion]]:
        """Every agency's key versions as the next build will publish them."""
        out: dict[str, list[KeyVersion]] = {}
        for agency, versions in self._keys()["agencies"].items():
            out[agency] = [_key_from_json(v) for v in versions]
        return out

    # --- edits ------------------------------------------------------------------------

    def add_agency(self, request: bytes, *, name: str, abbrev: str, groups: list[str],
                   sipd: str | None = None) -> KeyRequest:
        """Enroll an agency from its custodian's request (proof of possession checked)."""
        req = read_request(request)
        if req.kind is not RequestKind.ENROLL or req.keys is None:
            raise MalformedRequest("`agency add` takes an enrollment request (sandi keys init)")
        doc = self._source()
        if any(a["id"] == req.agency for a in doc.get("agency", [])):
            raise InvalidArgument(f"agency {req.agency} is already in the pola")
        table = tomlkit.table()
        table.update({"id": req.agency, "name": name, "abbrev": abbrev, "groups": groups})
        if sipd:
            table["sipd"] = sipd
        _append(doc, "agency", table)
        data = self._keys()
        data["agencies"][req.agency] = [_key_json(KeyVersion(
            req.version, req.keys, KeyState.CURRENT, req.created_at))]
        self._write_source(doc)
        self._save_keys(data)
        return req

    def remove_agency(self, agency: str) -> None:
        """Drop an agency and every rule that names it."""
        doc = self._source()
        agencies = doc.get("agency", [])
        keep = [a for a in agencies if a["id"] != agency]
        if len(keep) == len(agencies):
            raise UnknownAgency(f"agency {agency} is not in the pola source")
        aot = tomlkit.aot()
        for a in keep:
            aot.append(a)
        doc["agency"] = aot
        for kind in ("allow", "deny"):
            if kind in doc:
                rules = tomlkit.aot()
                for r in doc[kind]:
                    if agency not in (r["from"], r["to"]):
                        rules.append(r)
                doc[kind] = rules
        data = self._keys()
        data["agencies"].pop(agency, None)
        self._write_source(doc)
        self._save_keys(data)

    def add_rule(self, kind: str, source: str, target: str, level: Classification | None, *,
                 sarana: str | None = None, note: str | None = None) -> None:
        """Append an ``allow`` (up to ``level``) or ``deny`` (from ``level``) rule."""
        doc = self._source()
        table = tomlkit.table()
        table.update({"from": source, "to": target})
        if kind == "allow":
            if level is None:
                raise InvalidArgument("an allow rule needs --up-to LEVEL")
            table["up_to"] = level.slug
        elif level is not None:
            table["from_level"] = level.slug
        for key, value in (("sarana", sarana), ("note", note)):
            if value:
                table[key] = value
        _append(doc, kind, table)
        self._compile(doc, self._keys(), 0)  # refuse a rule naming nothing before writing
        self._write_source(doc)

    def apply_request(self, request: bytes, *, now: int | None = None) -> KeyRequest:
        """Apply a key change (rotate) or revocation request from an agency custodian."""
        req = read_request(request)
        data = self._keys()
        versions = data["agencies"].get(req.agency)
        if versions is None:
            raise UnknownAgency(f"agency {req.agency} is not enrolled")
        keys = [_key_from_json(v) for v in versions]
        signer = next((k for k in keys if k.version == req.signed_by), None)
        if signer is None:
            raise MalformedRequest(f"request signed by unknown key {req.agency}"
                                   f" v{req.signed_by}")
        req.check_prior(signer.keys)
        if req.kind is RequestKind.ROTATE:
            assert req.keys is not None
            if req.version <= max(k.version for k in keys):
                raise MalformedRequest(f"{req.agency} v{req.version} is not a new version")
            keys = [replace(k, state=KeyState.RETIRED) if k.state is KeyState.CURRENT else k
                    for k in keys]
            keys.append(KeyVersion(req.version, req.keys, KeyState.CURRENT, req.created_at))
        elif req.kind is RequestKind.REVOKE:
            assert req.reason is not None and req.effective_at is not None
            keys = [self._revoked(k, req) if k.version == req.version else k for k in keys]
            if not any(k.state is KeyState.CURRENT for k in keys):
                raise MalformedRequest(f"revoking {req.agency} v{req.version} leaves no current"
                                       " key: rotate first, then revoke the old version")
        else:
            raise MalformedRequest("use `sandi pola agency add` for an enrollment request")
        data["agencies"][req.agency] = [_key_json(k) for k in keys]
        self._save_keys(data)
        return req

    @staticmethod
    def _revoked(key: KeyVersion, req: KeyRequest) -> KeyVersion:
        assert req.reason is not None and req.effective_at is not None
        return replace(key, state=KeyState.REVOKED, revoked_at=req.effective_at,
                       reason=RevocationReason(req.reason))

    def set_authority(self, custodians: list[AuthorityKey], threshold: int) -> None:
        """Replace the authority set for the next build (publishing then needs k old + k new)."""
        if not 1 <= threshold <= len(custodians):
            raise InvalidArgument(f"threshold must be 1..{len(custodians)}, got {threshold}")
        data = self._keys()
        data["authority"] = _authority_json(custodians, threshold)
        self._save_keys(data)

    # --- build, sign, publish -----------------------------------------------------------

    def _compile(self, doc: tomlkit.TOMLDocument, data: dict[str, Any], issued: int
                 ) -> SignedPola:
        keys = {a: [_key_from_json(v) for v in vs] for a, vs in data["agencies"].items()}
        auth = [AuthorityKey(k["id"], _unb64(k["ed25519"], "authority key"), k["custodian"])
                for k in data["authority"]["keys"]]
        body = compile_source(doc.unwrap(), keys=keys, authority_keys=auth,
                              threshold=int(data["authority"]["threshold"]), issued_at=issued)
        body = replace(body, version=int(data["published_version"]) + 1)
        return sign_body(body, [])

    def build(self, *, now: Any = None) -> SignedPola:
        """Compile the source into an unsigned draft (draft.sandi) of the next version."""
        draft = self._compile(self._source(), self._keys(), epoch(now))
        _fs.atomic_write(self.draft_path, draft.to_bytes(), overwrite=True)
        return draft

    def draft(self) -> SignedPola:
        """The current draft."""
        try:
            return decode_pola(self.draft_path.read_bytes())
        except FileNotFoundError:
            raise InvalidArgument("no draft: run `sandi pola build` first") from None

    def sign(self, custodian: AuthorityKeyPair) -> SignatureStatus:
        """Add one custodian's signature to the draft."""
        draft = self.draft()
        authority = {k.id for k in draft.body.authority.keys} | {
            k.id for k in self.previous_authority_ids()}
        if custodian.id not in authority:
            raise InvalidArgument(f"{custodian.id} is not an authority key of this pola")
        signed = add_signature(draft, custodian)
        _fs.atomic_write(self.draft_path, signed.to_bytes(), overwrite=True)
        return signature_status(signed, signed.body.authority)

    def previous(self) -> SignedPola | None:
        """The newest published pola, if any."""
        if not self.published_path.exists():
            return None
        return decode_pola(self.published_path.read_bytes())

    def previous_authority_ids(self) -> list[AuthorityKey]:
        """The keys of the previously published authority (they co-sign a rotation)."""
        prev = self.previous()
        return list(prev.body.authority.keys) if prev else []

    def publish(self, *, now: Any = None) -> Pola:
        """Check the draft as a client would, then publish it."""
        draft = self.draft()
        verify_pola(draft, self.previous(), epoch(now))
        data = self._keys()
        data["published_version"] = draft.body.version
        (self.path / "published").mkdir(exist_ok=True)
        _fs.atomic_write(self.path / "published" / f"pola-v{draft.body.version}.sandi",
                         draft.to_bytes(), overwrite=True)
        _fs.atomic_write(self.published_path, draft.to_bytes(), overwrite=True)
        self._save_keys(data)
        return Pola.from_bytes(draft.to_bytes(), now=now)


def _append(doc: tomlkit.TOMLDocument, key: str, table: Any) -> None:
    """Append a table to an array of tables (tomlkit renders an empty one badly)."""
    if key in doc:
        doc[key].append(table)
    else:
        aot = tomlkit.aot()
        aot.append(table)
        doc.append(key, aot)


def _authority_json(custodians: list[AuthorityKey], threshold: int) -> dict[str, Any]:
    return {"threshold": threshold,
            "keys": [{"id": k.id, "ed25519": _b64(k.ed25519), "custodian": k.custodian}
                     for k in custodians]}


def _key_json(k: KeyVersion) -> dict[str, Any]:
    d = {"v": k.version, "x25519": _b64(k.keys.x25519), "ed25519": _b64(k.keys.ed25519),
         "mlkem": _b64(k.keys.mlkem), "mldsa": _b64(k.keys.mldsa), "state": k.state.value,
         "not_before": k.not_before, "revoked_at": k.revoked_at,
         "reason": k.reason.value if k.reason else None}
    return {key: value for key, value in d.items() if value is not None}


def _key_from_json(d: dict[str, Any]) -> KeyVersion:
    try:
        return KeyVersion(
            int(d["v"]),
            PublicKeys(_unb64(d["x25519"], "x25519"), _unb64(d["ed25519"], "ed25519"),
                       _unb64(d["mlkem"], "mlkem") if "mlkem" in d else None,
                       _unb64(d["mldsa"], "mldsa") if "mldsa" in d else None),
            KeyState(d["state"]), int(d["not_before"]),
            int(d["revoked_at"]) if "revoked_at" in d else None,
            RevocationReason(d["reason"]) if "reason" in d else None)
    except (KeyError, ValueError, TypeError) as exc:
        raise MalformedPola(f"pola-keys.json: bad key entry ({exc})") from None
