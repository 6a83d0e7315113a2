"""A service under systemd unlocks the keystore with its credential, never a prompt."""

from __future__ import annotations

from pathlib import Path

from clitools import make_run, write_secret

from sandi.demo import DemoWorld


def test_the_systemd_credential_unlocks_the_keystore(fresh_world: DemoWorld,
                                                     tmp_path: Path) -> None:
    run = make_run(fresh_world.home.path)
    # No file, no credential, no terminal: a usage error, never a hang on a prompt.
    refused = run("keys", "list")
    assert refused.exit_code == 2 and "passphrase" in refused.stderr.lower()
    creds = tmp_path / "credentials"
    creds.mkdir()
    write_secret(creds / "sandi-passphrase").chmod(0o400)
    listed = run("keys", "list", "--json", env={"CREDENTIALS_DIRECTORY": str(creds)})
    assert listed.exit_code == 0, listed.stderr
    assert "bkpsdmd" in listed.stdout
    # A wrong credential is the keystore's refusal, as a wrong file would be.
    (creds / "sandi-passphrase").unlink()
    write_secret(creds / "sandi-passphrase", "salah").chmod(0o400)
    wrong = run("keys", "list", env={"CREDENTIALS_DIRECTORY": str(creds)})
    assert wrong.exit_code == 1 and "Traceback" not in wrong.stderr
