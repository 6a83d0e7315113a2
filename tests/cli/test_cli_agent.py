"""``sandi agent`` from the command line, in real processes: the passphrase is asked once
by ``agent start``; ``seal`` and ``open`` then ask nothing, give the same results as
without the agent, and are still in the audit log; ``stop`` and ``lock`` forget."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from clitools import Run, make_run, write_secret

import sandi
from sandi.demo import DemoWorld


def sandi_(home: Path, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``sandi --home HOME ARGS`` as its own process, with no terminal and stdin closed:
    a passphrase prompt would fail, so a command that needs none proves the agent."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("SANDI_PASSPHRASE_FILE", "SANDI_HOME")}  # read now: conftest sets some
    env.update({"SANDI_LANG": "en", "LANG": "C.UTF-8"})
    done = subprocess.run([sys.executable, "-m", "sandi_cli", "--home", str(home),
                           *map(str, args)], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)
    if check:
        assert done.returncode == 0, (done.stdout, done.stderr)
    return done


@pytest.fixture
def agent_home(fresh_world: DemoWorld, tmp_path: Path) -> Iterator[tuple[DemoWorld, int]]:
    """The fresh world with an agent started by ``sandi agent start``; stopped after."""
    secret = write_secret(tmp_path / "pass.txt")
    started = sandi_(fresh_world.home.path, "--json", "agent", "start", "--timeout", "10m",
                     "--passphrase-file", secret)
    pid = json.loads(started.stdout)["pid"]
    yield fresh_world, pid
    sandi_(fresh_world.home.path, "agent", "stop")
    with pytest.raises(ProcessLookupError):
        for _ in range(200):
            os.kill(pid, 0)
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                raise ProcessLookupError
            time.sleep(0.05)


def test_seal_and_open_ask_nothing_and_match_the_keystore(
        agent_home: tuple[DemoWorld, int], tmp_path: Path) -> None:
    world, pid = agent_home
    home = world.home.path
    status = json.loads(sandi_(home, "--json", "agent", "status").stdout)
    assert status["running"] and status["pid"] == pid and 0 < status["seconds_left"] <= 600
    src = tmp_path / "nota.txt"
    src.write_text("Nota dinas: data penduduk rentan\n", encoding="utf-8")
    sealed = json.loads(sandi_(home, "--json", "seal", src, "--from", "dispendukcapil",
                               "--to", "dinkes", "--classification", "rahasia").stdout)
    envelope = Path(sealed["output"])
    out_agent, out_store = tmp_path / "via-agent", tmp_path / "via-keystore"
    by_agent = json.loads(sandi_(home, "--json", "open", envelope, "-o", out_agent).stdout)
    # The same envelope opened with the passphrase, no agent involved.
    secret = write_secret(tmp_path / "pass2.txt")
    by_store = sandi.open(envelope.read_bytes(), keystore=sandi.Keystore.open(
        home, passphrase=sandi.demo.DEMO_PASSPHRASE), pola=world.pola)
    assert out_agent.read_bytes() == src.read_bytes() == by_store.plaintext
    assert by_agent["document_id"] == sealed["document_id"] == by_store.doc_id
    direct = json.loads(make_run(home)("--json", "open", envelope, "-o", out_store,
                                       "--passphrase-file", secret).stdout)
    for field in ("sender", "to", "classification", "document_id", "signer", "opened_with",
                  "filename"):
        assert by_agent[field] == direct[field], field
    # Still recorded: the seal and the open through the agent are in the audit log.
    log = sandi.AuditLog(home / "audit.db")
    actions = [(r.action, r.outcome, r.doc_id) for r in log.records()]
    log.close()
    assert ("agent-start", "ok", "") in actions
    assert ("seal", "ok", sealed["document_id"]) in actions
    assert actions.count(("open", "ok", sealed["document_id"])) == 2


def test_after_stop_commands_ask_again(agent_home: tuple[DemoWorld, int],
                                       tmp_path: Path) -> None:
    world, pid = agent_home
    home = world.home.path
    src = tmp_path / "surat.txt"
    src.write_text("surat\n", encoding="utf-8")
    stopped = sandi_(home, "agent", "stop")
    assert f"pid {pid}" in stopped.stdout
    refused = sandi_(home, "seal", src, "--from", "setda", "--to", "inspektorat",
                     "--classification", "terbatas", check=False)
    assert refused.returncode == 2 and "passphrase" in refused.stderr  # it would prompt
    assert not (tmp_path / "surat.txt.sandi").exists()
    assert sandi_(home, "agent", "status", check=False).returncode == 1


def test_lock_forgets_and_a_killed_agent_is_passed_over(agent_home: tuple[DemoWorld, int],
                                                        tmp_path: Path) -> None:
    world, pid = agent_home
    home = world.home.path
    os.kill(pid, signal.SIGKILL)  # what is left is a socket nobody answers
    src = tmp_path / "surat.txt"
    src.write_text("surat\n", encoding="utf-8")
    secret = write_secret(tmp_path / "pass.txt")
    done = sandi_(home, "seal", src, "--from", "setda", "--to", "inspektorat",
                  "--classification", "terbatas", "--passphrase-file", secret)
    assert "warning" not in done.stderr
    again = sandi_(home, "--json", "agent", "start", "--passphrase-file", secret)
    assert json.loads(again.stdout)["pid"] != pid
    assert "1 agents" in sandi_(home, "agent", "lock").stdout
    assert sandi_(home, "agent", "status", check=False).returncode == 1


def test_start_refuses_a_second_agent_and_a_bad_timeout(agent_home: tuple[DemoWorld, int],
                                                        tmp_path: Path) -> None:
    world, _pid = agent_home
    run: Run = make_run(world.home.path)
    secret = write_secret(tmp_path / "pass.txt")
    second = run("agent", "start", "--passphrase-file", secret)
    assert second.exit_code == 1 and "already holds this home's keys" in second.stderr
    for bad in ("13h", "0m", "soon", "8"):
        wrong = run("agent", "start", "--timeout", bad, "--passphrase-file", secret)
        assert wrong.exit_code == 2 and "time limit" in wrong.stderr, bad
    said = run("--lang", "id", "agent", "status")
    assert said.exit_code == 0 and "memegang kunci" in said.stdout


def test_rewrap_through_the_agent_asks_nothing(tmp_path: Path) -> None:
    from city import build_city, doc
    from test_cli_rewrap import _archive, _rotate_b

    city = build_city(tmp_path)
    archive = _archive(city, tmp_path)
    _rotate_b(city)
    home = tmp_path / "b"
    pid = json.loads(sandi_(home, "--json", "agent", "start", "--passphrase-file",
                            city.home_pass).stdout)["pid"]
    try:
        report = doc(city.b("--json", "rewrap", archive, "--jobs", "2"))  # workers ask it too
        assert (report["files"], report["rewrapped"], report["not_addressed"]) == (4, 3, 1)
        opened = doc(city.b("--json", "open", archive / "2026" / "nota-3.sandi", "-o",
                            tmp_path / "out.txt"))
        assert opened["opened_with"] == {"agency": "bkpsdmd", "key_version": 2}
        # --retire signs requests to the authority: never with the agent's keys.
        retire = city.b("rewrap", archive, "--retire")
        assert retire.exit_code == 2 and "passphrase" in retire.stderr
    finally:
        sandi_(home, "agent", "stop")
    assert pid > 0
