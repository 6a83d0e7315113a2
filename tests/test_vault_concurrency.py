"""Two custodians change one members' vault at the same moment, and nothing is lost.

Issue 15 item 1: a vault process never re-read the vault before saving and ``members
add`` took no lock, so the last writer won (a lost key in 14 of 20 trials of two
rotations; in remove+add, the removed member's slot came back). Here two real
processes run ``sandi`` commands against one vault for every pair of the five vault
commands (rotate, add, remove, suspend, reinstate), released at the same instant from a
pre-imported zygote (fork), ``SANDI_VAULT_ROUNDS`` times per pair (default 5; the
figure in docs/threat-model.md is 50). After each round: both exited 0, every key a
command made is in the vault and named by its request, every slot added is there,
every slot dropped is gone (and its member's passphrase no longer opens the vault),
the versions are 1..n without a gap, and no request is left pending.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from vaultcity import AGENCY, NEW, SUSPENDED, VaultCity, build, passphrase

from sandi.authority.requests import read_request
from sandi.demo import DEMO_PASSPHRASE, demo_world
from sandi.errors import NotARecipient
from sandi.keys.keystore import Keystore
from sandi.keys.secretfile import KdfParams

ROUNDS = int(os.environ.get("SANDI_VAULT_ROUNDS", "5"))
COMMANDS = ("rotate", "add", "remove", "suspend", "reinstate")
ACTORS = ("ani", "budi")
TARGETS = {"add": NEW, "remove": ("dedi", "hari"), "suspend": ("eko", "indra"),
           "reinstate": SUSPENDED}

# Forks two children per round; each imports nothing more, waits on the gate, then
# runs the CLI. Both are released by one write, so they race for the vault's lock.
ZYGOTE = r'''
import json, os, sys
import sandi, sandi.keys.keystore, sandi.authority.requests, sandi_cli.main
import sandi_cli.keys, sandi_cli.members, sandi_cli.lifecycle

for line in sys.stdin:
    spec = json.loads(line)
    gate_r, gate_w = os.pipe()
    pids = []
    for child in spec["children"]:
        pid = os.fork()
        if pid == 0:
            os.close(gate_w)
            os.chdir(child["cwd"])
            out = os.open(child["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            err = os.open(child["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(out, 1)
            os.dup2(err, 2)
            os.read(gate_r, 1)
            code = 70
            try:
                code = sandi_cli.main.main(child["argv"])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        pids.append(pid)
    os.close(gate_r)
    os.write(gate_w, b"go")  # one byte each: both are released by this one write
    os.close(gate_w)
    codes = []
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        codes.append(os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status))
    print(json.dumps(codes), flush=True)
'''


class Pair:
    """The zygote: runs two CLI commands at once and returns their exit codes."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", ZYGOTE], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def run(self, children: list[dict[str, object]]) -> list[int]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"children": children}) + "\n")
        self.proc.stdin.flush()
        codes: list[int] = json.loads(self.proc.stdout.readline())
        return codes

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> VaultCity:
    return build(tmp_path_factory.mktemp("vault-city"))


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    zygote = Pair()
    yield zygote
    zygote.close()


def _argv(city: VaultCity, home: Path, command: str, i: int, out: Path) -> list[str]:
    actor = ACTORS[i]
    base = ["--home", str(home), "--member", actor, "--json"]
    secret = ["--passphrase-file", str(city.secret(actor)), "--request-out", str(out)]
    if command == "rotate":
        return [*base, "keys", "rotate", "--agency", AGENCY, *secret]
    target = TARGETS[command][i]
    extra = ["--new-passphrase-file", str(city.secret(target))] if command == "add" else []
    return [*base, "members", command, target, *secret, *extra]


def _expect(command: str, i: int, doc: dict[str, object]) -> tuple[set[str], set[str], int]:
    """(slots added, slots dropped, new key versions) of one successful command."""
    if command == "rotate":
        return set(), set(), 1
    target = TARGETS[command][i]
    if command in ("add", "reinstate"):
        return {target}, set(), 0
    return set(), {target}, 1


PAIRS = list(itertools.combinations_with_replacement(COMMANDS, 2))


@pytest.mark.parametrize("first,second", PAIRS, ids=[f"{a}+{b}" for a, b in PAIRS])
def test_two_custodians_at_once_lose_nothing(city: VaultCity, pair: Pair, tmp_path: Path,
                                             first: str, second: str) -> None:
    started = time.perf_counter()
    for n in range(ROUNDS):
        home, out = tmp_path / f"home-{n}", tmp_path / f"out-{n}"
        shutil.copytree(city.home, home)
        out.mkdir()
        commands = (first, second)
        children: list[dict[str, object]] = [
            {"argv": _argv(city, home, c, i, out), "cwd": str(tmp_path),
             "out": str(tmp_path / f"{n}-{i}.out"), "err": str(tmp_path / f"{n}-{i}.err")}
            for i, c in enumerate(commands)]
        codes = pair.run(children)
        logs = [Path(str(c["err"])).read_text() for c in children]
        assert codes == [0, 0], (n, codes, logs)
        docs = [json.loads(Path(str(c["out"])).read_text()) for c in children]
        _check_round(city, home, out, commands, docs)
    print(f"{first}+{second}: {ROUNDS} rounds in {time.perf_counter() - started:.1f} s")


def _check_round(city: VaultCity, home: Path, out: Path, commands: tuple[str, str],
                 docs: list[dict[str, object]]) -> None:
    before = Keystore.open(city.home, passphrase=passphrase("ani"), member="ani")
    slots, added, dropped, made = set(before.members()), set(), set(), 0
    for i, (command, doc) in enumerate(zip(commands, docs, strict=True)):
        plus, minus, versions = _expect(command, i, doc)
        added, dropped, made = added | plus, dropped | minus, made + versions
    for actor in ACTORS:  # both custodians still open it, and see the same vault
        store = Keystore.open(home, passphrase=passphrase(actor), member=actor)
        assert set(store.members()) == (slots | added) - dropped, commands
        versions = [k.version for k in store.keys(AGENCY)]
        assert versions == list(range(1, 2 + made)), (commands, versions)
        assert store.pending() == []
    for member in dropped:
        with pytest.raises(NotARecipient):
            Keystore.open(home, passphrase=passphrase(member), member=member)
    for member in added:
        assert Keystore.open(home, passphrase=passphrase(member), member=member).keys(AGENCY)
    # Every key-change request names a key the vault holds, in the file named for it.
    rotations = []
    for request in sorted(out.iterdir()):
        parsed = read_request(request.read_bytes())
        if parsed.kind.value == "rotate":
            assert request.name == f"{AGENCY}-v{parsed.version}.request"
            assert parsed.keys == store.get(AGENCY, parsed.version).public
            rotations.append(parsed.version)
    assert sorted(rotations) == list(range(2, 2 + made)), (commands, rotations)
    statuses = {p.name for p in out.iterdir() if p.name.endswith(("-removed.request",
                                                                   "-suspended.request",
                                                                   "-active.request"))}
    assert len(statuses) == sum(c in ("remove", "suspend", "reinstate") for c in commands)


def test_two_rotations_of_one_keystore_name_their_own_versions(pair: Pair,
                                                               tmp_path: Path) -> None:
    # Issue 15 item 3: concurrent `keys rotate` on one passphrase keystore wrote the v3
    # key into the file named v2 (16 of 20). The name is now chosen under the lock.
    world = demo_world(tmp_path / "city", kdf=KdfParams.TEST)
    template = tmp_path / "template"
    shutil.copytree(world.home.path, template, ignore=shutil.ignore_patterns("keystore.*"))
    Keystore.create(template, passphrase=DEMO_PASSPHRASE, kdf=KdfParams.TEST).add_keys(
        [world.keystore.get("setda", 1)])
    secret = tmp_path / "passphrase"
    secret.write_text(DEMO_PASSPHRASE + "\n")
    secret.chmod(0o600)
    for n in range(ROUNDS * 4):
        home, out = tmp_path / f"home-{n}", tmp_path / f"out-{n}"
        shutil.copytree(template, home)
        out.mkdir()
        argv = ["--home", str(home), "keys", "rotate", "--agency", "setda",
                "--passphrase-file", str(secret), "--request-out", str(out)]
        children: list[dict[str, object]] = [
            {"argv": argv, "cwd": str(tmp_path), "out": str(tmp_path / f"{n}-{i}.out"),
             "err": str(tmp_path / f"{n}-{i}.err")} for i in range(2)]
        assert pair.run(children) == [0, 0], [Path(str(c["err"])).read_text()
                                              for c in children]
        store = Keystore.open(home, passphrase=DEMO_PASSPHRASE)
        assert [k.version for k in store.keys("setda")] == [1, 2, 3]
        for version in (2, 3):
            request = read_request((out / f"setda-v{version}.request").read_bytes())
            assert request.version == version
            assert request.keys == store.get("setda", version).public
