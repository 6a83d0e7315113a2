"""A small city built through the CLI only: three authority custodians (2-of-3), a
workspace, and two agencies in their own homes (diskominfo in A, bkpsdmd in B)
that may send each other up to Rahasia, with the first pola installed in both."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import Result
from clitools import Run, make_run, write_secret

CUSTODIAN_PASS = "kustodian persandian 2026"
HOME_PASS = "frasa sandi opd 2026"
AGENCIES = {"a": ("diskominfo", "Dinas Komunikasi dan Informatika", "Diskominfo", "dinas"),
            "b": ("bkpsdmd", "Badan Kepegawaian dan Pengembangan SDM Daerah", "BKPSDMD",
                  "badan")}


def ok(result: Result) -> Result:
    """The result of a command that must succeed."""
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


def doc(result: Result) -> Any:
    """The JSON document of a command that must succeed."""
    return json.loads(ok(result).stdout)


@dataclass
class City:
    """Paths and runners of the city; ``auth`` runs the authority's commands."""

    root: Path
    ws: Path
    custodian_pass: Path
    home_pass: Path
    auth: Run
    a: Run
    b: Run
    fingerprint: str = ""

    def key(self, n: int) -> Path:
        """Custodian n's private key file."""
        return self.root / f"k{n}.key"

    def pola(self, *args: str | Path) -> Result:
        """``sandi pola ... --dir WS`` as the authority."""
        return self.auth("pola", *args, "--dir", self.ws)

    def publish(self, signers: tuple[int, ...] = (1, 2)) -> Any:
        """Build, sign with ``signers``, publish; the publish JSON."""
        ok(self.pola("build"))
        for n in signers:
            ok(self.pola("sign", "--yes", "--key", self.key(n), "--passphrase-file",
                         self.custodian_pass))
        return doc(self.auth("--json", "pola", "publish", "--dir", self.ws))

    def update(self, *runs: Run) -> None:
        """Install the published pola in the given homes (default: A and B)."""
        for run in runs or (self.a, self.b):
            ok(run("pola", "update", self.ws / "pola.sandi", "--fingerprint",
                   self.fingerprint))

    def seal(self, run: Run, src: Path, to: str, level: str = "rahasia") -> Any:
        """Seal ``src`` for ``to``; the seal JSON."""
        return doc(run("--json", "seal", src, "--to", to, "--classification", level,
                       "--passphrase-file", self.home_pass))


def build_city(root: Path) -> City:
    """Keygen x3, init 2-of-3, keys init in two homes, enroll, allow, publish, update."""
    city = City(root, root / "ws", write_secret(root / "custodian-pass.txt", CUSTODIAN_PASS),
                write_secret(root / "home-pass.txt", HOME_PASS),
                make_run(root / "authority-home"), make_run(root / "a"), make_run(root / "b"))
    for n in (1, 2, 3):
        ok(city.auth("pola", "keygen", "--id", f"kustodian-{n}", "--name", f"Kustodian {n}",
                     "-o", city.key(n), "--passphrase-file", city.custodian_pass))
    ok(city.auth("pola", "init", "--dir", city.ws, "--id", "kota-uji", "--name",
                 "Pola Hubungan Komunikasi Sandi Kota Uji", "--authority",
                 "Diskominfo Bidang Persandian", "--threshold", "2",
                 *[a for n in (1, 2, 3) for a in ("--custodian", f"{city.key(n)}.pub")],
                 "--decree-number", "Perwal Kota Uji No. 7 Tahun 2026", "--decree-date",
                 "2026-02-03", "--decree-title", "Pola Hubungan Komunikasi Sandi"))
    for name, run in (("a", city.a), ("b", city.b)):
        agency, full, abbrev, group = AGENCIES[name]
        # --pq: `sandi pola init` requires the hybrid suite for rahasia and above.
        made = doc(run("--json", "keys", "init", "--agency", agency, "--pq",
                       "--passphrase-file", city.home_pass, "--request-out", root))
        added = doc(city.auth("--json", "pola", "agency", "add", made["request"], "--dir",
                              city.ws, "--name", full, "--abbrev", abbrev, "--group", group))
        assert added["fingerprint"] == made["fingerprint"]  # what the phone call compares
    ok(city.pola("allow", "diskominfo", "bkpsdmd", "--up-to", "rahasia"))
    ok(city.pola("allow", "bkpsdmd", "diskominfo", "--up-to", "rahasia", "--note", "balasan"))
    city.fingerprint = city.publish()["authority_fingerprint"]
    city.update()
    return city
