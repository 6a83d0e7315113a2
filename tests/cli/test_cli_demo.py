"""``sandi demo`` in-process, and the installed ``sandi`` command as a real process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clitools import CLEAN_ENV, make_run

import sandi
import sandi.demo
from sandi_cli.demo import LETTER_NAME
from sandi_cli.main import main

SANDI = Path(sys.executable).with_name("sandi")


def test_demo_narrates_and_leaves_a_home_to_explore(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    result = make_run(None)("demo", "--home", home)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "40 OPDs" in out and "2 of 3 custodians (threshold 2)" in out
    assert "identical to the original" in out and "refuses, as expected" in out
    assert "does not allow dinkes to send Sangat Rahasia to dispendukcapil" in out
    assert f"export SANDI_HOME={home}" in out and "--passphrase-file" in out
    secret = home / "demo-passphrase.txt"
    assert secret.read_text(encoding="utf-8") == sandi.demo.DEMO_PASSPHRASE + "\n"
    assert secret.stat().st_mode & 0o777 == 0o600
    envelope = home / f"{LETTER_NAME}.sandi"
    assert sandi.verify(envelope, pola=sandi.Home(home).pola()).classification.slug == "rahasia"


def test_demo_in_indonesian_as_json(tmp_path: Path) -> None:
    result = make_run(None)("--lang", "id", "demo", "--home", tmp_path / "d", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["plaintext_matches"] is True and "does not allow" in doc["refusal"]
    assert Path(doc["passphrase_file"]).exists()


def test_demo_never_reuses_a_directory_with_content(tmp_path: Path) -> None:
    (tmp_path / "milik-saya.txt").write_text("x", encoding="utf-8")
    result = make_run(None)("demo", "--home", tmp_path)
    assert result.exit_code == 2 and "not an empty directory" in result.stderr
    assert make_run(tmp_path)("demo").exit_code == 2  # sandi --home DIR demo: the same
    assert sorted(p.name for p in tmp_path.iterdir()) == ["milik-saya.txt"]


def test_demo_ignores_sandi_home_from_the_environment(tmp_path: Path) -> None:
    real = tmp_path / "real-home"
    real.mkdir()
    (real / "keystore.sandi").write_bytes(b"precious")
    result = make_run(None)("--json", "demo", env={"SANDI_HOME": str(real)})
    assert result.exit_code == 0, result.stderr
    made = Path(json.loads(result.stdout)["home"])
    try:
        assert made != real and sorted(p.name for p in real.iterdir()) == ["keystore.sandi"]
    finally:
        shutil.rmtree(made)


def test_main_returns_the_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"sandi {sandi.__version__}"
    assert main(["no-such-command"]) == 2


# --- the installed command, as a real process ------------------------------------------

needs_script = pytest.mark.skipif(not SANDI.exists(), reason="sandi is not installed")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    return {**env, "LANG": "C.UTF-8", **extra}


@needs_script
def test_installed_demo_runs_quickly(tmp_path: Path) -> None:
    started = time.monotonic()
    proc = subprocess.run([str(SANDI), "demo", "--home", str(tmp_path / "d")],
                          capture_output=True, text=True, env=_env(), timeout=60)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    assert "refuses, as expected" in proc.stdout
    assert elapsed < 6, f"sandi demo took {elapsed:.1f}s (budget 3 s; slack for loaded CI)"


@needs_script
def test_installed_version_and_python_m() -> None:
    for argv in ([str(SANDI), "--version"], [sys.executable, "-m", "sandi_cli", "--version"]):
        proc = subprocess.run(argv, capture_output=True, text=True, env=_env(), timeout=60)
        assert proc.returncode == 0 and proc.stdout.strip() == f"sandi {sandi.__version__}"


@needs_script
def test_installed_error_has_no_traceback(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sandi"
    junk.write_bytes(b"junk")
    proc = subprocess.run([str(SANDI), "--home", str(tmp_path / "h"), "--lang", "id",
                           "verify", str(junk)],
                          capture_output=True, text=True, env=_env(), timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert [line.split(":")[0:2] for line in lines] == [["sandi", " galat"],
                                                         ["sandi", " petunjuk"]]
    assert "Traceback" not in proc.stderr
