"""A demo city: the example pola of Kota Contoh (forty OPDs), keys for every
agency, an authority of three custodians with threshold two, and its timestamp
key, whose freshness statement the demo home has seen.

Used by ``sandi demo``, the doctests and the tests. Every key is made fresh.

>>> from sandi.demo import demo_world
>>> w = demo_world()
>>> len(w.pola.agencies) >= 40, str(w.pola.signature_status())
(True, 'signed 2/2')
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from sandi._internal.time import epoch, from_epoch
from sandi.authority.authoring import AuthorityKeyPair, compile_source, parse_source, sign_body
from sandi.authority.timestamping import freshness_statement
from sandi.home import Home
from sandi.keys.keystore import Keystore
from sandi.keys.members import create_member_key
from sandi.keys.secretfile import KdfParams
from sandi.keys.vault import init_vault
from sandi.pola._wire import PolaBody
from sandi.pola.model import KeyState, KeyVersion, Member
from sandi.pola.policy import Pola

DEMO_PASSPHRASE = "demo-kota-contoh"  # noqa: S105  (the demo home only; printed by `sandi demo`)
#: Two officials of Dinas Kesehatan sharing one workstation, each with their own passphrase.
DEMO_MEMBERS = {
    "sari": ("dr. Sari Wulandari, M.Kes.", "Kepala Bidang Pelayanan Kesehatan",
             "sandi-milik-sari"),
    "rudi": ("Rudi Hartono, S.KM.", "Analis Data Kesehatan", "sandi-milik-rudi"),
}
MEMBER_AGENCY = "dinkes"
CUSTODIANS = (("kustodian-1", "Rina Marlina, S.Kom."), ("kustodian-2", "Agus Salim, S.T."),
              ("kustodian-3", "Dewi Lestari, M.Kom."))


def example_source() -> str:
    """The example pola source (docs/examples/pola-kota-contoh.toml)."""
    return resources.files("sandi").joinpath("data/pola-kota-contoh.toml").read_text("utf-8")


@dataclass(frozen=True)
class DemoWorld:
    """Everything the demo made."""

    home: Home
    pola: Pola
    keystore: Keystore
    authority: tuple[AuthorityKeyPair, ...]
    body: PolaBody
    workstation: Path  # the Dinkes workstation: a vault opened by each member's own key
    timestamp: AuthorityKeyPair  # signs the freshness statements (sandi pola timestamp)

    def refresh(self, now: datetime | None = None) -> Pola:
        """A new freshness statement at ``now``, seen by the demo home: its pola again."""
        statement = freshness_statement(self.pola.signed, self.timestamp, now=now)
        return self.home.install_pola(self.pola.to_bytes(), freshness=statement, now=now)


def demo_world(home: str | os.PathLike[str] | None = None, *, passphrase: str = DEMO_PASSPHRASE,
               now: datetime | None = None, kdf: KdfParams = KdfParams.STANDARD) -> DemoWorld:
    """Create the demo in ``home`` (a new temporary directory if None); its key files are
    sealed at Argon2id cost ``kdf`` (test suites pass :attr:`KdfParams.TEST`)."""
    path = Path(home) if home is not None else Path(tempfile.mkdtemp(prefix="sandi-demo-"))
    source = parse_source(example_source())
    issued = from_epoch(epoch(now))  # whole seconds, as on the wire
    ids = [a["id"] for a in source["agency"]]
    keystore = Keystore.create(path, passphrase=passphrase, kdf=kdf)
    made = keystore.generate_batch(ids, pq=True, now=issued)
    keys = {k.agency: [KeyVersion(k.version, k.public, KeyState.CURRENT, issued)] for k in made}
    workstation = path / f"{MEMBER_AGENCY}-workstation"
    people = {m: create_member_key(workstation, m, passphrase=p, pq=True, kdf=kdf)
              for m, (_, _, p) in DEMO_MEMBERS.items()}
    init_vault(workstation, MEMBER_AGENCY, {m: k.public for m, k in people.items()},
               keys=keystore.keys(MEMBER_AGENCY))
    members = {MEMBER_AGENCY: [Member(m, DEMO_MEMBERS[m][0], DEMO_MEMBERS[m][1], None,
                                      (KeyVersion(1, k.public, KeyState.CURRENT, issued),),
                                      issued) for m, k in people.items()]}
    authority = tuple(AuthorityKeyPair.generate(kid, name) for kid, name in CUSTODIANS)
    timestamp = AuthorityKeyPair.generate("stempel-waktu", "Server Persandian Kota Contoh")
    body = compile_source(source, keys=keys, authority_keys=[a.public for a in authority],
                          threshold=2, issued_at=issued, members=members,
                          timestamp_key=timestamp.public)
    signed = sign_body(body, authority[:2])
    statement = freshness_statement(signed, timestamp, now=now)
    where = Home(path)
    pola = where.install_pola(signed.to_bytes(), fingerprint=body.authority.fingerprint(),
                              freshness=statement, now=now)
    Home(workstation).install_pola(pola.to_bytes(), fingerprint=pola.authority.fingerprint(),
                                   freshness=statement, now=now)
    return DemoWorld(where, pola, keystore, authority, body, workstation, timestamp)
