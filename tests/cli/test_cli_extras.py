"""CLI: the armored form, `pola update URL`, officials named in the audit log, the demo's
two officials, and shell completion."""

from __future__ import annotations

import http.server
import json
import threading
from functools import partial
from pathlib import Path

from clitools import Run, make_run, write_secret

import sandi
from sandi.demo import DEMO_MEMBERS, DemoWorld


def test_seal_armor_then_verify_and_open(run: Run, passfile: Path, tmp_path: Path) -> None:
    doc = tmp_path / "surat.txt"
    doc.write_text("Nota dinas\n" * 1000)
    sealed = run("seal", doc, "--from", "setda", "--to", "inspektorat", "--klasifikasi",
                 "rahasia", "--armor", "--passphrase-file", passfile)
    assert sealed.exit_code == 0, sealed.stderr
    text = tmp_path / "surat.txt.sandi.txt"
    assert text.read_text().startswith("-----BEGIN SANDI ENVELOPE-----\n")
    assert run("verify", text).exit_code == 0
    out = tmp_path / "back.txt"
    opened = run("open", text, "-o", out, "--passphrase-file", passfile)
    assert opened.exit_code == 0, opened.stderr
    assert out.read_text() == doc.read_text()


def test_pola_update_from_a_url(world: DemoWorld, tmp_path: Path) -> None:
    from tests.helpers import pola_with

    site = tmp_path / "site"
    site.mkdir()
    (site / "pola.sandi").write_bytes(pola_with(world, {}, version=2).to_bytes())
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        home = tmp_path / "home"
        first = make_run(home)("pola", "update", f"http://127.0.0.1:{httpd.server_address[1]}"
                              "/pola.sandi", "--fingerprint", world.pola.authority.fingerprint(),
                              "--json")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["version"] == 2


def test_the_audit_log_names_the_official(world: DemoWorld, tmp_path: Path) -> None:
    env = tmp_path / "surat.sandi"
    env.write_bytes(sandi.seal(b"surat", sender=world.keystore.identity("dispendukcapil"),
                               to=["dinkes"], classification="rahasia", pola=world.pola))
    run = make_run(world.workstation)
    for member, (_, _, passphrase) in DEMO_MEMBERS.items():
        secret = write_secret(tmp_path / f"{member}.txt", passphrase)
        result = run("--member", member, "open", env, "-o", tmp_path / f"out-{member}",
                     "--passphrase-file", secret)
        assert result.exit_code == 0, result.stderr
    shown = run("audit", "show", "--json")
    assert shown.exit_code == 0, shown.stderr
    records = json.loads(shown.stdout)["records"]
    assert [(r["action"], r["member"]) for r in records] == [("open", "sari"), ("open", "rudi")]


def test_a_member_cannot_use_another_members_passphrase(world: DemoWorld,
                                                        tmp_path: Path) -> None:
    secret = write_secret(tmp_path / "sari.txt", DEMO_MEMBERS["sari"][2])
    result = make_run(world.workstation)("--member", "rudi", "keys", "list",
                                         "--passphrase-file", secret)
    assert result.exit_code == 1
    assert "passphrase" in result.stderr


def test_demo_shows_two_officials_in_the_audit_log(tmp_path: Path) -> None:
    result = make_run(None)("--json", "demo", "--home", tmp_path / "demo")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["audit_members"] == list(DEMO_MEMBERS)


def test_shell_completion_scripts(run: Run) -> None:
    from click.testing import CliRunner

    from sandi_cli.main import cli

    for shell in ("bash", "zsh"):
        out = CliRunner().invoke(cli, [], prog_name="sandi",
                                 env={"_SANDI_COMPLETE": f"{shell}_source"})
        assert "_SANDI_COMPLETE" in out.output, shell
