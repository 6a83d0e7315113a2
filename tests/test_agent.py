"""``sandi agent``: the keys stay in the agent, serve only this user, and are gone after
the time limit, a stop, sleep, or a ``kill -9`` (docs/threat-model.md, "The agent").

Each agent here is a real process (forked and detached as ``sandi agent start`` does);
its socket lives in the session's private XDG_RUNTIME_DIR (tests/conftest.py).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import struct
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sandi
from sandi import agent
from sandi._internal.codec import pack
from sandi.agent import protocol as wire
from sandi.agent.runtime import peer_uid
from sandi.agent.server import SLEEP_SLACK, Agent
from sandi.crypto.suite import Suite
from sandi.crypto.wrap import WrapLabels
from sandi.demo import DemoWorld
from sandi.envelope.stanzas import STANZA_LABELS
from sandi.errors import AgentError, KeyNotFound

NOBODY = 65534


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie nobody reaped yet does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_dead(pid: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while alive(pid):
        assert time.monotonic() < deadline, f"agent {pid} still runs"
        time.sleep(0.05)


def private_bytes(world: DemoWorld) -> list[bytes]:
    """Every agency's X25519 and Ed25519 private key bytes."""
    held = world.keystore.keys()
    return [s for k in held for s in (k.x25519, k.ed25519)]


@pytest.fixture
def running(fresh_world: DemoWorld) -> Iterator[int]:
    """An agent holding the fresh world's keys for a minute; killed afterwards."""
    pid = agent.start(fresh_world.keystore, fresh_world.home.path, 60)
    yield pid
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
        wait_dead(pid)


def raw_call(path: Path, *frame: object) -> object:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(str(path))
        wire.send(s, wire.request(*frame))  # type: ignore[arg-type]
        return wire.receive(s)


def test_seal_and_open_through_the_agent_as_with_the_keystore(
        fresh_world: DemoWorld, running: int) -> None:
    held = agent.connect(fresh_world.home.path, pola=fresh_world.pola)
    assert held is not None and held.pid == running
    assert sorted(held.agencies()) == sorted(fresh_world.keystore.agencies())
    env = sandi.seal(b"Nota dinas rahasia", sender=held.identity("setda"), to=["inspektorat"],
                     classification="rahasia", pola=fresh_world.pola)
    # Sealed through the agent, opened with the keystore, and the other way round.
    direct = sandi.open(env, keystore=fresh_world.keystore, pola=fresh_world.pola)
    through = sandi.open(env, keystore=held, pola=fresh_world.pola, receipt=True)
    assert direct.plaintext == through.plaintext == b"Nota dinas rahasia"
    assert direct.sender == through.sender == "setda"
    assert through.receipt is not None
    assert sandi.envelope.check_receipt(through.receipt, pola=fresh_world.pola,
                                        envelope=env).recipient == "inspektorat"
    again = sandi.seal(b"x", sender=fresh_world.keystore.identity("setda"), to=["inspektorat"],
                       classification="rahasia", pola=fresh_world.pola)
    assert sandi.open(again, keystore=held, pola=fresh_world.pola).plaintext == b"x"
    held.close()


def test_a_member_signs_through_the_agent_as_themself(fresh_world: DemoWorld) -> None:
    ws = fresh_world.workstation
    sari = sandi.Keystore.open(ws, passphrase=sandi.demo.DEMO_MEMBERS["sari"][2],
                               member="sari", pola=fresh_world.pola)
    pid = agent.start(sari, ws, 60)
    try:
        held = agent.connect(ws, pola=fresh_world.pola)
        assert held is not None and held.member is not None and held.member.agency == "sari"
        env = sandi.seal(b"Laporan surveilans", sender=held.identity("dinkes"), to=["setda"],
                         classification="rahasia", pola=fresh_world.pola)
        info = sandi.verify(env, pola=fresh_world.pola)
        assert (info.sender, info.signer) == ("dinkes", "sari")  # the person, not the office
        held.close()
    finally:
        assert agent.stop(ws) == pid
        wait_dead(pid)


def test_the_agent_never_sends_a_private_key(fresh_world: DemoWorld, running: int) -> None:
    path = agent.socket_path(fresh_world.home.path)
    answers = [raw_call(path, "status"), raw_call(path, "keys")]
    blob = repr(answers).encode()
    secrets_ = private_bytes(fresh_world)
    assert not [s for s in secrets_ if repr(s).encode()[2:-1] in blob]
    # The control: the public halves are there.
    assert repr(fresh_world.keystore.keys()[0].public.ed25519).encode()[2:-1] in blob


def test_the_agent_signs_only_envelopes_and_receipts(fresh_world: DemoWorld,
                                                     running: int) -> None:
    held = agent.connect(fresh_world.home.path)
    assert held is not None
    key = held.get("setda", 1)
    # A request to the authority or a checkpoint is signed with the generic context:
    # a process borrowing the agent cannot make the agency ask for anything.
    with pytest.raises(AgentError, match="signs only envelopes and receipts"):
        key.sign(b"sandi/v1/request\x00rotate setda", hybrid=False)
    with pytest.raises(AgentError, match="signs only envelopes and receipts"):
        key.sign(b"anything", hybrid=False, context=b"sandi/v2/envelope-signature")
    with pytest.raises(sandi.errors.InvalidArgument):  # a vault slot's wrap: never
        key.unwrap(bytes(80), Suite.CLASSICAL,
                   labels=WrapLabels(b"sandi/v1/wrap/x25519", b"sandi/v1/wrap/mlkem768x25519"),
                   aad=bytes(32))
    held.close()


def test_an_error_crosses_as_its_own_class(fresh_world: DemoWorld, running: int) -> None:
    held = agent.connect(fresh_world.home.path)
    assert held is not None
    with pytest.raises(KeyNotFound):
        held.get("setda", 7)
    with pytest.raises(KeyNotFound, match="no key setda v9"):
        held.get("setda", 1).conn.call("unwrap", "setda", 9, 1, bytes(80), bytes(32))
    with pytest.raises(sandi.errors.WrappedKeyInvalid):
        held.get("setda", 1).unwrap(bytes(80), Suite.CLASSICAL, labels=STANZA_LABELS,
                                    aad=bytes(32))
    held.close()


def test_keys_are_gone_after_the_time_limit(fresh_world: DemoWorld) -> None:
    pid = agent.start(fresh_world.keystore, fresh_world.home.path, 5)  # time to connect
    held = agent.connect(fresh_world.home.path)
    assert held is not None and held.seconds_left <= 5
    key = held.get("setda", 1)
    wait_dead(pid, timeout=10)
    assert not agent.socket_path(fresh_world.home.path).exists()
    assert agent.connect(fresh_world.home.path) is None
    with pytest.raises(AgentError):  # a handle taken before the limit holds nothing now
        key.sign(b"sandi/v2/envelope-signature\x00x", hybrid=False,
                 context=b"sandi/v2/envelope-signature")


def test_kill_9_leaves_nothing_readable(fresh_world: DemoWorld) -> None:
    home = fresh_world.home.path
    runtime = Path(os.environ["XDG_RUNTIME_DIR"])
    before = {p for p in home.rglob("*")}
    pid = agent.start(fresh_world.keystore, home, 60)
    path = agent.socket_path(home)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    os.kill(pid, signal.SIGKILL)
    wait_dead(pid)
    # The socket's name may stay, but nothing answers it: no key can be used.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s, \
            pytest.raises(ConnectionRefusedError):
        s.connect(str(path))
    assert agent.connect(home) is None
    # Nothing was written: no new file in the home, and no key bytes anywhere there or
    # in the agent's directory.
    assert {p for p in home.rglob("*")} == before
    secrets_ = private_bytes(fresh_world)
    for f in [*runtime.rglob("*"), *home.rglob("*")]:
        if f.is_file():
            data = f.read_bytes()
            assert not [s for s in secrets_ if s in data], f
    # And a new agent takes the dead one's place.
    again = agent.start(fresh_world.keystore, home, 60)
    assert agent.stop(home) == again
    wait_dead(again)


def test_a_second_start_is_refused_and_stop_forgets(fresh_world: DemoWorld,
                                                    running: int) -> None:
    with pytest.raises(AgentError, match="already serves"):
        agent.start(fresh_world.keystore, fresh_world.home.path, 60)
    assert agent.stop(fresh_world.home.path) == running
    wait_dead(running)
    assert agent.connect(fresh_world.home.path) is None
    assert agent.stop(fresh_world.home.path) is None


def test_lock_stops_every_agent_of_the_user(fresh_world: DemoWorld, world: DemoWorld) -> None:
    pids = [agent.start(w.keystore, w.home.path, 60) for w in (fresh_world, world)]
    assert len(agent.stop_all()) == 2
    for pid in pids:
        wait_dead(pid)


def test_a_changed_keystore_is_not_served_stale(fresh_world: DemoWorld, running: int) -> None:
    fresh_world.keystore.generate("setda")  # a rotation after the agent unlocked
    with pytest.raises(AgentError, match="changed since the agent unlocked it"):
        agent.connect(fresh_world.home.path)


# --- who may use it ----------------------------------------------------------------------


def test_peer_credentials_name_the_process_user() -> None:
    a, b = socket.socketpair(socket.AF_UNIX)
    with a, b:
        assert peer_uid(a) == peer_uid(b) == os.getuid()


def _as_nobody(path: Path) -> int:
    """In a forked child running as another user: 0 if the agent answered a status
    request, 1 if the socket could not be reached, 2 if the agent hung up unheard."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 3
        try:
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(10)
                try:
                    s.connect(str(path))
                except PermissionError:
                    os._exit(1)
                try:
                    wire.send(s, wire.request("keys"))
                    code = 0 if wire.receive(s) is not None else 2
                except (OSError, AgentError):
                    code = 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


root_only = pytest.mark.skipif(os.getuid() != 0, reason="needs root to run as another user")


@root_only
def test_a_second_user_cannot_use_the_agent(
        fresh_world: DemoWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    # A runtime directory others can traverse (the session's is under root's 0700 tmp).
    runtime = Path(tempfile.mkdtemp(prefix="sandi-agent-test-", dir="/tmp"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    pid = agent.start(fresh_world.keystore, fresh_world.home.path, 60)
    path = agent.socket_path(fresh_world.home.path)
    try:
        runtime.chmod(0o711)  # as /run/user/UID is: only the agent's own directory guards
        assert _as_nobody(path) == 1  # its 0700 keeps them out ...
        assert raw_call(path, "status")[1] == "ok"  # type: ignore[index]  # (not us)
        # ... and if someone loosened the permissions, the kernel's peer credentials do.
        path.parent.chmod(0o711)
        path.chmod(0o777)
        assert _as_nobody(path) == 2
        assert raw_call(path, "status")[1] == "ok"  # type: ignore[index]  # the control
    finally:
        os.kill(pid, signal.SIGKILL)
        wait_dead(pid)
        shutil.rmtree(runtime)


def test_a_directory_others_can_reach_is_never_used(fresh_world: DemoWorld, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    folder = agent.socket_path(fresh_world.home.path).parent
    folder.mkdir(mode=0o700)
    assert agent.connect(fresh_world.home.path) is None  # the control: private, empty
    folder.chmod(0o755)
    with pytest.raises(AgentError, match="not a directory private to this user"):
        agent.connect(fresh_world.home.path)
    with pytest.raises(AgentError, match="not a directory private to this user"):
        agent.start(fresh_world.keystore, fresh_world.home.path, 60)
    if os.getuid() == 0:  # someone else's directory, however private
        folder.chmod(0o700)
        os.chown(folder, NOBODY, NOBODY)
        with pytest.raises(AgentError, match="not a directory private to this user"):
            agent.connect(fresh_world.home.path)


# --- clocks and malformed requests ----------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.boot, self.mono = 1000.0, 500.0

    def __call__(self) -> tuple[float, float]:
        return self.boot, self.mono


def test_sleep_forgets_the_keys(fresh_world: DemoWorld) -> None:
    clock = FakeClock()
    awake = Agent(fresh_world.home.path, fresh_world.keystore, 3600, clock)
    clock.boot += 60
    clock.mono += 60  # an hour of work, awake: both clocks move together
    assert awake.tick() and awake.handle(wire.request("status"))[1] == "ok"
    clock.boot += 120 + SLEEP_SLACK  # the lid closed for two minutes: only boottime ran
    clock.mono += 1
    assert not awake.tick() and awake.ended == "sleep"
    assert awake.handle(wire.request("keys"))[1] == "error"


def test_the_time_limit_counts_the_time_asleep(fresh_world: DemoWorld) -> None:
    clock = FakeClock()
    timed = Agent(fresh_world.home.path, fresh_world.keystore, 600, clock)
    clock.boot += 599
    clock.mono += 599
    assert timed.tick()
    clock.boot += 1
    clock.mono += 1
    assert not timed.tick() and timed.ended == "timeout"


def test_the_time_limit_is_bounded(fresh_world: DemoWorld) -> None:
    with pytest.raises(sandi.errors.InvalidArgument, match=r"1\.\.43200"):
        Agent(fresh_world.home.path, fresh_world.keystore, agent.MAX_TTL + 1)


_VALUES = st.one_of(st.integers(-2**63, 2**63 - 1), st.binary(max_size=40),
                   st.text(max_size=12), st.none(), st.booleans(),
                   st.sampled_from(["setda", "inspektorat"]))


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.one_of(
    st.binary(max_size=64),
    st.lists(_VALUES, max_size=9).map(pack),
    # Well-formed frames of every operation but stop, with arguments of any type.
    st.tuples(st.sampled_from(["status", "keys", "unwrap", "sign", "nope"]),
              st.lists(_VALUES, max_size=7)).map(lambda t: pack([1, t[0], *t[1]]))))
def test_garbage_never_gets_an_answer_it_should_not(fresh_world: DemoWorld, running: int,
                                                    junk: bytes) -> None:
    path = agent.socket_path(fresh_world.home.path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(str(path))
        s.sendall(struct.pack(">I", len(junk)) + junk)
        try:
            answer = wire.receive(s)
        except (OSError, AgentError):
            answer = None
    # Garbage is answered with an error, or the connection is dropped; never "ok"
    # with key material, and the agent keeps serving the next client.
    assert answer is None or answer[1] == "error" or (
        answer[:2] == [1, "ok"] and not isinstance(answer[2], bytes))
    assert raw_call(path, "status")[1] == "ok"  # type: ignore[index]


def test_sigterm_forgets_and_removes_the_socket(fresh_world: DemoWorld) -> None:
    pid = agent.start(fresh_world.keystore, fresh_world.home.path, 60)
    path = agent.socket_path(fresh_world.home.path)
    assert path.exists()
    os.kill(pid, signal.SIGTERM)
    wait_dead(pid)
    assert not path.exists()
    assert agent.connect(fresh_world.home.path) is None


def test_no_agent_where_peers_cannot_be_checked(fresh_world: DemoWorld,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(socket, "SO_PEERCRED")
    with pytest.raises(AgentError, match="no SO_PEERCRED"):
        agent.start(fresh_world.keystore, fresh_world.home.path, 60)
    assert not agent.socket_path(fresh_world.home.path).exists()
