"""``sandi pola timestamp`` and ``sandi pola update``: the authority renews the freshness
statement with one command; a home fetches it beside the pola, says how long it is
confirmed current, and warns (refusing above the pola's level) when it is stale.
The first pola's fingerprint is given, or shown and confirmed at a terminal."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from city import CUSTODIAN_PASS, doc, ok
from clitools import assert_one_error, make_run, write_secret

import sandi
from sandi.demo import demo_world


def test_timestamp_renews_and_update_fetches_it(tmp_path: Path) -> None:
    auth = make_run(tmp_path / "authority")
    secret = write_secret(tmp_path / "pass.txt", CUSTODIAN_PASS)
    for key_id in ("k1", "k2", "stempel"):
        ok(auth("pola", "keygen", "--id", key_id, "--name", key_id, "-o", tmp_path / key_id,
                "--passphrase-file", secret))
    ws = tmp_path / "ws"
    init = ok(auth("pola", "init", "--dir", ws, "--id", "kota-uji", "--name", "Pola",
                   "--authority", "Persandian", "--threshold", "1", "--custodian",
                   tmp_path / "k1.pub", "--custodian", tmp_path / "k2.pub",
                   "--timestamp-key", tmp_path / "stempel.pub", "--decree-number", "1",
                   "--decree-date", "2026-03-02", "--decree-title", "Pola"))
    assert "timestamp" not in init.stderr  # no warning: the role is there
    source = (ws / "pola.toml").read_text()
    assert 'suite = "hybrid"' in source and "[freshness]" in source  # §8 and §5 defaults
    home = make_run(tmp_path / "dinkes")
    made = doc(home("--json", "keys", "init", "--agency", "dinkes", "--pq",
                    "--passphrase-file", secret, "--request-out", tmp_path))
    ok(auth("pola", "agency", "add", made["request"], "--dir", ws, "--name", "Dinkes",
            "--abbrev", "Dinkes"))
    ok(auth("pola", "build", "--dir", ws))
    ok(auth("pola", "sign", "--yes", "--dir", ws, "--key", tmp_path / "k1", "--passphrase-file",
            secret))
    published = ok(auth("pola", "publish", "--dir", ws))
    assert "sandi pola timestamp" in published.stdout
    stamped = doc(auth("--json", "pola", "timestamp", "--dir", ws, "--key",
                       tmp_path / "stempel", "--hours", "6", "--passphrase-file", secret))
    assert stamped["version"] == 1 and (ws / "freshness.sandi").exists()
    fingerprint = json.loads(ok(auth("--json", "pola", "publish", "--dir", ws)).stdout)[
        "authority_fingerprint"]
    installed = doc(home("--json", "pola", "update", ws / "pola.sandi", "--fingerprint",
                         fingerprint))
    assert installed["freshness"]["fresh_until"] == stamped["fresh_until"]
    assert installed["freshness"] == {"required": True, "stale": False, "max_age_hours": 24,
                                      "fresh_until": stamped["fresh_until"],
                                      "refuse_above": "terbatas"}
    # A statement named explicitly must be there; the one beside the pola may not be.
    missing = home("pola", "update", ws / "pola.sandi", "--freshness", tmp_path / "tidak-ada")
    assert "cannot read" in assert_one_error(missing, 1)[0]
    (ws / "freshness.sandi").unlink()
    ok(home("pola", "update", ws / "pola.sandi"))
    # The wrong key cannot renew.
    wrong = auth("pola", "timestamp", "--dir", ws, "--key", tmp_path / "k2",
                 "--passphrase-file", secret)
    assert "k2 is not the timestamp key" in assert_one_error(wrong, 2)[0]


def test_a_stale_home_warns_and_refuses_above_terbatas(tmp_path: Path) -> None:
    # The demo city of March 2026, never updated since: its statement is long stale.
    world = demo_world(tmp_path / "home", now=datetime(2026, 3, 2, tzinfo=UTC))
    run = make_run(world.home.path)
    passfile = write_secret(tmp_path / "pass.txt")
    src = tmp_path / "nota.txt"
    src.write_text("nota", encoding="utf-8")
    sealed = run("--json", "seal", src, "--from", "setda", "--to", "inspektorat",
                 "--classification", "terbatas", "--passphrase-file", passfile)
    assert sealed.exit_code == 0, sealed.stderr
    assert "not confirmed current since 2026-03-03" in sealed.stderr  # a warning, no error
    refused = run("seal", src, "--from", "setda", "--to", "inspektorat", "--classification",
                  "rahasia", "--passphrase-file", passfile, "-o", tmp_path / "r.sandi")
    lines = refused.stderr.strip().splitlines()
    assert refused.exit_code == 1 and "warning" in lines[0]
    assert "needs a freshness statement" in lines[1] and "sandi pola update" in lines[2]
    shown = ok(run("pola", "show"))
    assert "not confirmed current" in shown.stderr


def test_first_install_shows_the_fingerprint_and_asks(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    world = demo_world(tmp_path / "home")
    pola_file = tmp_path / "dist" / "pola.sandi"
    pola_file.parent.mkdir()
    shutil.copy(world.home.pola_path, pola_file)
    import sandi_cli.pola

    monkeypatch.setattr(sandi_cli.pola, "_interactive", lambda: True)
    run = make_run(tmp_path / "new-home")
    declined = run("pola", "update", pola_file, input="n\n")
    assert world.pola.authority.fingerprint() in declined.stdout
    assert declined.exit_code == 1 and not (tmp_path / "new-home" / "trust.sandi").exists()
    accepted = run("pola", "update", pola_file, input="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert sandi.Home(tmp_path / "new-home").pola().version == 1
