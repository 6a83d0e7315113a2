"""The persandian authority's working directory: edit, build, sign, publish.

::

    pola.toml        the human-edited source (agencies, allow/deny rules, requirements);
                     edited by hand or by `sandi pola ...`, comments preserved
    pola-keys.json   machine-managed: the authority set and every agency key version
    draft.sandi      the pola being signed (body fixed, signatures added one by one)
    pola.sandi       the newest published pola; published/pola-vN.sandi keeps each one
    freshness.sandi  the freshness statement naming it, renewed every few hours by the
                     timestamp key (`sandi pola timestamp`); served beside pola.sandi

Publishing runs the same trust steps as installing (:mod:`sandi.pola.trust`) against
the previous published pola, so an authority rotation without the old
threshold, or a version that does not grow, never leaves the workspace.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import tomlkit

from sandi._internal import fs as _fs
from sandi._internal.codec import is_slug
from sandi._internal.time import epoch, from_epoch
from sandi.authority import keysfile as wj
from sandi.authority import registry
from sandi.authority.authoring import (
    DEFAULT_FRESHNESS_HOURS,
    AuthorityKeyPair,
    add_signature,
    compile_source,
    sign_body,
)
from sandi.authority.requests import (
    EnrollRequest,
    MemberRequest,
    MemberStatusRequest,
    RevokeRequest,
    RotateRequest,
    read_request,
)
from sandi.authority.timestamping import freshness_statement
from sandi.errors import InvalidArgument, MalformedRequest, UnknownAgency
from sandi.pola._wire import SignedPola, decode_pola
from sandi.pola.classification import Classification
from sandi.pola.model import AuthorityKey, Effect, KeyState, KeyVersion, Member, MemberStatus
from sandi.pola.policy import Pola
from sandi.pola.trust import SignatureStatus, signature_status, verify_pola

KEYS_FORMAT = wj.KEYS_FORMAT


class Workspace:
    """One authority's pola workspace directory."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.source_path = self.path / "pola.toml"
        self.keys_path = self.path / "pola-keys.json"
        self.draft_path = self.path / "draft.sandi"
        self.published_path = self.path / "pola.sandi"
        self.freshness_path = self.path / "freshness.sandi"

    # --- creation ---------------------------------------------------------------------

    @classmethod
    def init(cls, path: str | os.PathLike[str], *, pola_id: str, name: str, authority_name: str,
             custodians: list[AuthorityKey], threshold: int, decree_number: str,
             decree_date: str, decree_title: str, valid_days: int = 365,
             timestamp_key: AuthorityKey | None = None) -> Workspace:
        """A new workspace with an empty pola and a k-of-n authority.

        The source starts with the safe defaults: the hybrid suite for rahasia and
        above, and (with a ``timestamp_key``) freshness statements at most 24 hours
        old, refusing rahasia and above when none is (docs/pola.md).
        """
        ws = cls(path)
        if ws.source_path.exists():
            raise InvalidArgument("{path} already exists", path=ws.source_path)
        if not is_slug(pola_id):
            raise InvalidArgument("pola id {pola_id!r} is not a slug", pola_id=pola_id)
        if not 1 <= threshold <= len(custodians):
            raise InvalidArgument("threshold must be 1..{size}, got {threshold}",
                                  size=len(custodians), threshold=threshold)
        ws.path.mkdir(parents=True, exist_ok=True)
        doc = tomlkit.document()
        doc.add(tomlkit.comment("Pola Hubungan Komunikasi Sandi: source. Edit, then"
                                " `sandi pola build`."))
        doc["pola"] = {"id": pola_id, "name": name, "authority": authority_name,
                       "valid_days": valid_days}
        doc["decree"] = {"number": decree_number, "date": decree_date, "title": decree_title}
        doc["requirement"] = {level: {"suite": "hybrid"} for level in ("rahasia",
                                                                       "sangat-rahasia")}
        if timestamp_key is not None:
            doc["freshness"] = {"max_age_hours": DEFAULT_FRESHNESS_HOURS,
                                "refuse_above": "terbatas"}
        _fs.atomic_write(ws.source_path, tomlkit.dumps(doc).encode())
        data: dict[str, Any] = {"format": KEYS_FORMAT, "published_version": 0, "published": [],
                                "authority": wj.authority_json(custodians, threshold),
                                "agencies": {}}
        if timestamp_key is not None:
            data["timestamp_key"] = wj.authority_json([timestamp_key], 1)["keys"][0]
        ws._save_keys(data, overwrite=False)
        return ws

    # --- state ------------------------------------------------------------------------

    def _source(self) -> tomlkit.TOMLDocument:
        return wj.read_source(self.source_path)

    def _write_source(self, doc: tomlkit.TOMLDocument) -> None:
        _fs.atomic_write(self.source_path, tomlkit.dumps(doc).encode(), overwrite=True)

    def _keys(self) -> dict[str, Any]:
        return wj.read_keys(self.keys_path)

    def _save_keys(self, data: dict[str, Any], *, overwrite: bool = True) -> None:
        wj.save_keys(self.keys_path, data, overwrite=overwrite)

    @contextlib.contextmanager
    def _editing(self) -> Iterator[None]:
        """Re-read and replace pola.toml and pola-keys.json under this lock, keys first (a
        change that died between the two files is completed by running it again)."""
        if not self.source_path.exists():  # not a workspace: say so, make no lock file
            self._source()
        with _fs.locked(self.path / ".workspace.lock"):
            yield

    def authority_keys(self) -> tuple[list[AuthorityKey], int]:
        """The authority set the next build will carry, and its threshold."""
        auth = self._keys()["authority"]
        keys = [wj.authority_from_json(k)
                for k in auth["keys"]]
        return keys, int(auth["threshold"])

    def agency_keys(self) -> dict[str, list[KeyVersion]]:
        """Every agency's key versions as the next build will publish them."""
        out: dict[str, list[KeyVersion]] = {}
        for agency, versions in self._keys()["agencies"].items():
            out[agency] = [wj.key_from_json(v) for v in versions]
        return out

    # --- edits ------------------------------------------------------------------------

    def add_agency(self, request: bytes, *, name: str, abbrev: str, groups: list[str],
                   sipd: str | None = None) -> EnrollRequest:
        """Enroll an agency from its custodian's request (proof of possession checked)."""
        req = read_request(request)
        if not isinstance(req, EnrollRequest):
            raise MalformedRequest("`agency add` takes an enrollment request (sandi keys init)")
        with self._editing():
            doc = self._source()
            if any(a["id"] == req.agency for a in doc.get("agency", [])):
                raise InvalidArgument("agency {agency} is already in the pola", agency=req.agency)
            table = tomlkit.table()
            table.update({"id": req.agency, "name": name, "abbrev": abbrev, "groups": groups})
            if sipd:
                table["sipd"] = sipd
            wj.append(doc, "agency", table)
            data = self._keys()
            data["agencies"][req.agency] = [wj.key_json(KeyVersion(
                req.version, req.keys, KeyState.CURRENT, req.created_at))]
            self._save_keys(data)
            self._write_source(doc)
            return req

    def members(self) -> dict[str, list[Member]]:
        """Every agency's members as the next build will publish them."""
        return {a: [wj.member_from_json(m) for m in ms]
                for a, ms in self._keys().get("members", {}).items()}

    def add_member(self, request: bytes, *, name: str, jabatan: str,
                   nip: str | None = None) -> MemberRequest:
        """Enroll a member from a request signed by their key and by the agency's key
        (both hybrid where the pola requires the hybrid suite)."""
        req = read_request(request)
        if not isinstance(req, MemberRequest):
            raise MalformedRequest("`member add` takes a member request (sandi members add)")
        with self._editing():
            data = self._keys()
            registry.add_member(data, req, name, jabatan, nip, self._hybrid_from())
            self._save_keys(data)
            return req

    def rekey_agency(self, request: bytes) -> EnrollRequest | RotateRequest:
        """The authority's own key change for an enrolled agency (``sandi pola agency
        rekey``): the key of an enrollment or key-change request becomes current, however
        the request was authorised; only after comparing its fingerprint with the agency's
        custodian in person (:func:`sandi.authority.registry.rekey`)."""
        req = read_request(request)
        if not isinstance(req, (EnrollRequest, RotateRequest)):
            raise MalformedRequest("`agency rekey` takes an enrollment or key-change request")
        with self._editing():
            data = self._keys()
            registry.rekey(data, req, self._hybrid_from())
            self._save_keys(data)
            return req

    def _hybrid_from(self) -> Classification | None:
        published = self.previous()
        return registry.hybrid_level(self._source().unwrap(),
                                     None if published is None else published.body)

    def set_member_status(self, agency: str, member: str, status: MemberStatus, *,
                          at: datetime) -> None:
        """Suspend or remove a member from time ``at`` (their later signatures fail)."""
        with self._editing():
            data = self._keys()
            registry.set_member_status(data, agency, member, status, at=at)
            self._save_keys(data)

    def remove_agency(self, agency: str) -> None:
        """Drop an agency and every rule that names it."""
        with self._editing():
            doc = self._source()
            agencies = doc.get("agency", [])
            keep = [a for a in agencies if a["id"] != agency]
            if len(keep) == len(agencies):
                raise UnknownAgency("agency {agency} is not in the pola source", agency=agency)
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
            self._save_keys(data)
            self._write_source(doc)

    def add_rule(self, effect: Effect, source: str, target: str, level: Classification | None,
                 *, sarana: str | None = None, note: str | None = None) -> None:
        """Append an ``allow`` (up to ``level``) or ``deny`` (from ``level``) rule."""
        try:
            effect = Effect(effect)  # the text "allow" or "deny" is accepted too
        except ValueError:
            raise InvalidArgument("a rule is allow or deny, not {effect!r}",
                                  effect=effect) from None
        with self._editing():
            doc = self._source()
            table = tomlkit.table()
            table.update({"from": source, "to": target})
            if effect is Effect.ALLOW:
                if level is None:
                    raise InvalidArgument("an allow rule needs --up-to LEVEL")
                table["up_to"] = level.slug
            elif level is not None:
                table["from_level"] = level.slug
            for key, value in (("sarana", sarana), ("note", note)):
                if value:
                    table[key] = value
            wj.append(doc, effect.value, table)
            data = self._keys()  # refuse a rule naming nothing before writing:
            self._compile(doc, data, from_epoch(max([t for _, t in data.get("published", [])],
                                                    default=0)))
            self._write_source(doc)

    def apply_request(self, request: bytes, *, now: datetime | None = None
                      ) -> RotateRequest | RevokeRequest | MemberStatusRequest:
        """Apply a key change (rotate), revocation or member-status request from an agency
        custodian (:mod:`sandi.authority.registry`) at ``now`` (the current time if None)."""
        req = read_request(request)
        if isinstance(req, EnrollRequest):
            raise MalformedRequest("use `sandi pola agency add` for an enrollment request")
        if isinstance(req, MemberRequest):
            raise MalformedRequest("use `sandi pola member add` for a member request")
        with self._editing():
            data = self._keys()
            registry.apply(data, req, now=from_epoch(epoch(now)), hybrid_from=self._hybrid_from())
            self._save_keys(data)
            return req

    def set_authority(self, custodians: list[AuthorityKey], threshold: int, *,
                      timestamp_key: AuthorityKey | None = None) -> None:
        """Replace the authority set for the next build (publishing then needs k old + k new),
        and the timestamp key if one is given."""
        if not 1 <= threshold <= len(custodians):
            raise InvalidArgument("threshold must be 1..{size}, got {threshold}",
                                  size=len(custodians), threshold=threshold)
        with self._editing():
            data = self._keys()
            data["authority"] = wj.authority_json(custodians, threshold)
            if timestamp_key is not None:
                data["timestamp_key"] = wj.authority_json([timestamp_key], 1)["keys"][0]
            self._save_keys(data)

    # --- build, sign, publish -----------------------------------------------------------

    def _compile(self, doc: tomlkit.TOMLDocument, data: dict[str, Any], issued: datetime
                 ) -> SignedPola:
        # A version retired since the last publish ends when this build is issued.
        keys = {a: [wj.key_from_json(v, retire_at=issued) for v in vs]
                for a, vs in data["agencies"].items()}
        members = {a: [wj.member_from_json(m) for m in ms]
                   for a, ms in data.get("members", {}).items()}
        auth = [wj.authority_from_json(k)
                for k in data["authority"]["keys"]]
        source = doc.unwrap()
        source["pola"]["version"] = int(data["published_version"]) + 1
        body = compile_source(source, keys=keys, authority_keys=auth,
                              threshold=int(data["authority"]["threshold"]), issued_at=issued,
                              members=members,
                              timestamp_key=wj.timestamp_from_json(data.get("timestamp_key")),
                              history=[(int(v), from_epoch(int(t)))
                                       for v, t in data.get("published", [])])
        return sign_body(body, [])

    def build(self, *, now: datetime | None = None) -> SignedPola:
        """Compile the source into an unsigned draft (draft.sandi) of the next version."""
        with self._editing():
            source = self._source()
            data = self._keys()
            registry.check_removals(data)
            draft = self._compile(source, data, from_epoch(epoch(now)))  # whole seconds
            with _fs.locked(self.path / ".draft.lock"):  # not between a signer's read and write
                _fs.atomic_write(self.draft_path, draft.to_bytes(), overwrite=True)
            return draft

    def draft(self) -> SignedPola:
        """The current draft."""
        try:
            return decode_pola(self.draft_path.read_bytes())
        except FileNotFoundError:
            raise InvalidArgument("no draft: run `sandi pola build` first") from None

    def sign(self, custodian: AuthorityKeyPair, *, reviewed: bytes | None = None
             ) -> SignatureStatus:
        """Add one custodian's signature to the draft.

        ``reviewed`` is the draft body the custodian was shown (``SignedPola.body_bytes``):
        if the draft on disk has another body now (rebuilt, or replaced by someone with
        access to the directory), nothing is signed. Two custodians signing at once
        both keep their signature: the draft is re-read and replaced under a lock.
        """
        with _fs.locked(self.path / ".draft.lock"):
            draft = self.draft()
            if reviewed is not None and draft.body_bytes != reviewed:
                raise InvalidArgument("the draft of pola {id} v{version} changed after it was "
                                      "shown; nothing was signed: run `sandi pola sign` again "
                                      "and review the new draft", id=draft.body.id,
                                      version=draft.body.version)
            previous = self.previous_authority_ids()
            authority = {k.id for k in draft.body.authority.keys} | {k.id for k in previous}
            if custodian.id not in authority:
                raise InvalidArgument("{id} is not an authority key of this pola",
                                      id=custodian.id)
            signed = add_signature(draft, custodian, previous)
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

    def publish(self, *, now: datetime | None = None) -> Pola:
        """Check the draft as a client would, then publish it."""
        with self._editing():
            draft = self.draft()
            verify_pola(draft, self.previous(), now)
            data = self._keys()
            data["published_version"] = draft.body.version
            published = [p for p in data.get("published", []) if p[0] != draft.body.version]
            data["published"] = [*published, [draft.body.version, draft.body.issued_at]]
            registry.end_retirements(data, draft.body)
            (self.path / "published").mkdir(exist_ok=True)
            _fs.atomic_write(self.path / "published" / f"pola-v{draft.body.version}.sandi",
                             draft.to_bytes(), overwrite=True)
            _fs.atomic_write(self.published_path, draft.to_bytes(), overwrite=True)
            self._save_keys(data)
            return Pola.from_bytes(draft.to_bytes(), now=now)

    def timestamp(self, key: AuthorityKeyPair, *, hours: int | None = None,
                  now: datetime | None = None) -> bytes:
        """Sign a new freshness statement for the published pola with the timestamp key
        and write it to freshness.sandi, beside pola.sandi (`sandi pola timestamp`)."""
        published = self.previous()
        if published is None:
            raise InvalidArgument("nothing is published yet: run `sandi pola publish` first")
        statement = freshness_statement(published, key, hours=hours, now=now)
        _fs.atomic_write(self.freshness_path, statement, overwrite=True)
        return statement
