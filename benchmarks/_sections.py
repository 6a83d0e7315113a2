"""The measurements of ``benchmarks/run.py``, one function per section (a to h).

Each section adds :class:`~benchmarks._measure.Item` s to the :class:`Recorder`;
``run.py`` turns them into the table, the ratios, the targets, the JSON and the
plots. Big files live in the plan's temporary directory (on the same file
system as the results) and are deleted when the run ends.
"""

from __future__ import annotations

import filecmp
import hashlib
import io
import multiprocessing
import os
import random
import secrets
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import msgpack
import nacl.bindings
import nacl.signing
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

import sandi
from sandi.audit.log import AuditLog, Event
from sandi.demo import DEMO_PASSPHRASE, DemoWorld, demo_world
from sandi.envelope.format import read_header
from sandi.envelope.rewrapping import Outcome, rewrap_file
from sandi.pola._wire import decode_pola
from sandi.pola.tables import Decisions, RuleTable
from sandi.pola.trust import verify_pola

from . import _worlds, baselines
from ._measure import (
    MIB,
    FsyncClock,
    Item,
    Measurement,
    fsync_path,
    make_input,
    per_op,
    repeat,
    run_process,
    settle,
)

KIB = 1024
GIB = 1024 * MIB
SANDI = str(Path(sys.executable).with_name("sandi"))
# The demo pola's flows: classical (rahasia) and hybrid (sangat-rahasia, required).
CLASSICAL = ("setda", "inspektorat", "terbatas")  # rahasia is hybrid since issue 14 §8
HYBRID = ("inspektorat", "setda", "sangat-rahasia")


def human(size: int) -> str:
    """1 KiB, 256 MiB, 1 GiB."""
    for unit, scale in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} B"


@dataclass
class Plan:
    """What to measure and where; ``quick`` shrinks every size and count."""

    quick: bool
    tmp: Path
    out: Path
    repeats: int = 5
    big_repeats: int = 3
    sizes: list[int] = field(default_factory=list)  # throughput curve
    table_sizes: list[int] = field(default_factory=list)  # (a), (b): 256 MiB and 1 GiB
    recipients: list[int] = field(default_factory=list)  # seal time curve
    pola_sizes: list[int] = field(default_factory=list)
    rewrap_files: int = 10_000
    rewrap_sizes: list[int] = field(default_factory=list)
    audit_appends: int = 500
    min_op_seconds: float = 0.25
    decisions: int = 20_000

    @classmethod
    def make(cls, quick: bool, tmp: Path, out: Path) -> Plan:
        if quick:
            return cls(quick, tmp, out, repeats=3, big_repeats=3,
                       sizes=[KIB, 64 * KIB, MIB, 16 * MIB, 64 * MIB],
                       table_sizes=[16 * MIB, 64 * MIB], recipients=[1, 10, 100],
                       pola_sizes=[100, 1000, 5000], rewrap_files=500,
                       rewrap_sizes=[KIB, MIB, 64 * MIB], audit_appends=100,
                       min_op_seconds=0.05, decisions=5000)
        return cls(quick, tmp, out,
                   sizes=[KIB, 64 * KIB, MIB, 16 * MIB, 256 * MIB, GIB],
                   table_sizes=[256 * MIB, GIB], recipients=[1, 3, 10, 30, 100, 300, 1000],
                   pola_sizes=[100, 1000, 5000, 25_000],
                   rewrap_sizes=[KIB, MIB, 16 * MIB, 256 * MIB, GIB])

    def repeats_for(self, size: int) -> int:
        """Fewer repeats for the 1 GiB items (3), more for tiny files (9)."""
        if size >= GIB:
            return self.big_repeats
        return self.repeats if size >= MIB else max(self.repeats, 9)

    def input(self, size: int) -> Path:
        """An incompressible input file of ``size`` bytes (made once)."""
        path = self.tmp / f"input-{size}.bin"
        if not path.exists():
            make_input(path, size)
        return path

    @cached_property
    def demo(self) -> DemoWorld:
        """The demo home (40 agencies, every key in one keystore), made once."""
        world = demo_world(self.tmp / "demo-home")
        (self.tmp / "demo-passphrase.txt").write_text(DEMO_PASSPHRASE + "\n")
        return world

    @cached_property
    def bench(self) -> _worlds.BenchWorld:
        """1,025 agencies, anyone to anyone; for the recipient counts."""
        return _worlds.bench_world(self.tmp / "bench-home")

    @cached_property
    def child_env(self) -> dict[str, str]:
        """The environment of measured sandi processes: the demo passphrase file, and
        bytecode cached (in results/pycache, outside the source tree) as an installed
        package has it; a shell's PYTHONDONTWRITEBYTECODE would otherwise make every
        run compile sandi from source."""
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(self.out / "pycache")
        env["SANDI_PASSPHRASE_FILE"] = str(self.tmp / "demo-passphrase.txt")
        return env


class Recorder:
    """The items measured so far, plus non-timed facts (sizes, counts)."""

    def __init__(self) -> None:
        self.items: dict[str, Item] = {}
        self.facts: dict[str, Any] = {}
        self.loads: dict[str, tuple[float, float, float]] = {}
        self.errors: dict[str, str] = {}

    def add(self, key: str, item: Item) -> Item:
        self.items[key] = item
        lo, hi = item.spread
        extra = f"  {item.mib_per_s:8.1f} MiB/s" if item.nbytes else ""
        extra += f"  {item.per_s:10.1f} /s" if item.per_op else ""
        extra += f"  RSS {item.max_rss / MIB:.1f} MiB" if item.max_rss else ""
        print(f"  {item.name:58} {fmt_s(item.median):>10} [{fmt_s(lo)}-{fmt_s(hi)}]{extra}",
              flush=True)
        return item

    def get(self, key: str) -> Item | None:
        return self.items.get(key)


def fmt_s(seconds: float) -> str:
    """Seconds with a readable unit."""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.1f} us"
    return f"{seconds * 1e9:.0f} ns"


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# --- (a) in process: seal_file / open_file against the raw loop --------------------------


def inprocess(plan: Plan, rec: Recorder) -> None:
    """seal_file / open_file (demo pola, setda -> inspektorat, rahasia) and the raw
    loop, file to file, over the size curve; fsync time recorded separately."""
    for size in plan.sizes:
        _inprocess_size(plan, rec, size)
    for name in ("a.raw", "a.raw.out", "a.sandi", "a.stream.sandi", "a.out"):
        (plan.tmp / name).unlink(missing_ok=True)


def _with_fsync(fn: Callable[[], object], path: Path, fsyncs: list[float]) -> float:
    seconds = _timed(fn)
    fsyncs.append(fsync_path(path))
    return seconds


def _clocked(fn: Callable[[], float], acc: list[float]) -> float:
    with FsyncClock() as clock:
        seconds = fn()
    acc.append(clock.seconds)
    return seconds


def _inprocess_size(plan: Plan, rec: Recorder, size: int) -> None:
    w = plan.demo
    sender, recipient, level = CLASSICAL
    ident = w.keystore.identity(sender)
    raw, raw_out = plan.tmp / "a.raw", plan.tmp / "a.raw.out"
    env, env_stream, out = plan.tmp / "a.sandi", plan.tmp / "a.stream.sandi", plan.tmp / "a.out"
    n, src, tag = plan.repeats_for(size), plan.input(size), human(size)
    for key, label, fn, path in (
        ("raw-enc", "encrypt", lambda: baselines.raw_loop_encrypt(src, raw), raw),
        ("raw-dec", "decrypt", lambda: baselines.raw_loop_decrypt(raw, raw_out), raw_out),
    ):
        fsyncs: list[float] = []
        runs, _ = repeat(partial(_with_fsync, fn, path, fsyncs), n, fresh=[path])
        rec.add(f"a/{key}/{size}", Item("a", f"raw loop {label} {tag}", runs, size))
        rec.add(f"a/{key}+fsync/{size}", Item(
            "a", f"raw loop {label} {tag} + fsync",
            [r + f for r, f in zip(runs, fsyncs, strict=True)], size,
            extra={"fsync_median": statistics.median(fsyncs)}))

    def seal(dst: Path | None = None) -> float:
        target = dst or env
        target.unlink(missing_ok=True)
        start = time.perf_counter()
        if dst is None:
            sandi.seal_file(src, env, sender=ident, to=[recipient], classification=level,
                            pola=w.pola)
        else:
            with open(dst, "wb") as f:
                sandi.seal_file(src, f, sender=ident, to=[recipient], classification=level,
                                pola=w.pola)
        return time.perf_counter() - start

    def opened() -> float:
        out.unlink(missing_ok=True)
        return _timed(lambda: sandi.open_file(env, out, keystore=w.keystore, pola=w.pola))

    for key, label, fn2, made in (("seal", "seal_file", seal, env),
                                  ("seal-stream", "seal_file to a stream (no fsync)",
                                   lambda: seal(env_stream), env_stream),
                                  ("open", "open_file", opened, out)):
        clock_runs: list[float] = []
        runs, _ = repeat(partial(_clocked, fn2, clock_runs), n, fresh=[made])
        rec.add(f"a/{key}/{size}", Item("a", f"sandi {label} {tag}", runs, size,
                                        extra={"fsync_median": statistics.median(clock_runs)}))
    if not filecmp.cmp(src, out, shallow=False):
        raise SystemExit(f"sandi open_file {tag}: round trip mismatch")


# --- (b) the CLI against age and gpg -------------------------------------------------------


def cli(plan: Plan, rec: Recorder) -> None:
    """Whole processes with peak RSS: sandi seal/open/verify, age, gpg (compression
    off; encrypt, and sign+encrypt). Each competitor's output is fsynced after its
    run, timed apart, since sandi fsyncs its own."""
    w, env = plan.demo, plan.child_env
    home = str(w.home.path)
    for _ in range(2):  # warm the bytecode cache
        run_process([SANDI, "--version"], env=env)
    keys, gpg = baselines.age_setup(plan.tmp), baselines.gpg_setup(plan.tmp)
    try:
        for size in plan.table_sizes:
            _cli_size(plan, rec, size, keys, gpg)
    finally:
        baselines.gpg_teardown(gpg)
        for name in ("b.enc", "b.dec"):
            (plan.tmp / name).unlink(missing_ok=True)
    # What the keystore alone costs in memory: unlock it and exit.
    code = ("import sandi,sys; sandi.Keystore.open(sys.argv[1], passphrase=open(sys.argv[2])"
            ".read().strip())")
    runs, rss = repeat(lambda: run_process([sys.executable, "-c", code, home, str(
        plan.tmp / "demo-passphrase.txt")], env=env), plan.repeats)
    rec.add("b/keystore-unlock", Item("b", "python: import sandi + Keystore.open (Argon2id)",
                                      runs, rss=rss))
    runs, rss = repeat(lambda: run_process([sys.executable, "-c", "import sandi"], env=env),
                       plan.repeats)
    rec.add("b/import-sandi", Item("b", "python: import sandi", runs, rss=rss))


def _sandi_cli(argv: list[str], dst: Path | None, env: dict[str, str], nbytes: int
               ) -> Measurement:
    if dst is not None:
        dst.unlink(missing_ok=True)
    return run_process(argv, env=env, nbytes=nbytes)


def _then_fsync(fn: Callable[[], Measurement], path: Path, fsyncs: list[float] | None
                ) -> Measurement:
    m = fn()
    if fsyncs is not None:
        fsyncs.append(fsync_path(path))
    return m


def _cli_size(plan: Plan, rec: Recorder, size: int, keys: baselines.AgeKeys,
              gpg: baselines.GpgHome) -> None:
    w, env = plan.demo, plan.child_env
    home = str(w.home.path)
    sender, recipient, level = CLASSICAL
    enc, dec = plan.tmp / "b.enc", plan.tmp / "b.dec"
    n, src, tag = plan.repeats_for(size), plan.input(size), human(size)
    pairs: list[tuple[str, str, str, Callable[[], Measurement], Callable[[], Measurement]]] = [
        ("sandi", "seal", "open",
         partial(_sandi_cli, [SANDI, "--home", home, "seal", str(src), "--from", sender, "--to",
                              recipient, "--classification", level, "-o", str(enc)], enc, env,
                 size),
         partial(_sandi_cli, [SANDI, "--home", home, "open", str(enc), "-o", str(dec)], dec,
                 env, size)),
        ("age", "-r", "-d", partial(baselines.age_encrypt, src, enc, keys),
         partial(baselines.age_decrypt, enc, dec, keys)),
        ("gpg", "-e", "-d", partial(baselines.gpg_encrypt, src, enc, gpg),
         partial(baselines.gpg_decrypt, enc, dec, gpg)),
        ("gpg-sign", "-s -e", "-d (verify)", partial(baselines.gpg_sign_encrypt, src, enc, gpg),
         partial(baselines.gpg_decrypt, enc, dec, gpg, name="gpg-dec-verify")),
    ]
    for tool, enc_label, dec_label, encrypt, decrypt in pairs:
        for step, fn, path, label in (("enc", encrypt, enc, enc_label),
                                      ("dec", decrypt, dec, dec_label)):
            fsyncs: list[float] | None = None if tool == "sandi" else []
            runs, rss = repeat(partial(_then_fsync, fn, path, fsyncs), n, fresh=[path])
            name = f"{tool.replace('-sign', '')} {label} {tag}"
            rec.add(f"b/{tool}-{step}/{size}", Item(
                "b", name, runs, size, rss=rss,
                extra={"fsync_median": statistics.median(fsyncs)} if fsyncs else None))
            if fsyncs:
                rec.add(f"b/{tool}-{step}+fsync/{size}", Item(
                    "b", f"{name} + fsync", [r + f for r, f in zip(runs, fsyncs, strict=True)],
                    size, rss=rss))
        if not filecmp.cmp(src, dec, shallow=False):
            raise SystemExit(f"{tool} {tag}: round trip mismatch")
        if tool == "sandi":
            runs, rss = repeat(partial(_sandi_cli, [SANDI, "--home", home, "verify", str(enc)],
                                       None, env, size), n)
            rec.add(f"b/sandi-verify/{size}", Item("b", f"sandi verify {tag}", runs, size,
                                                   rss=rss))


# --- (c) small documents and the bare primitives -----------------------------------------

SUITES = (("classical", "rahasia"), ("hybrid", "sangat-rahasia"))


def small(plan: Plan, rec: Recorder) -> None:
    """1 KiB seal / open / seal+open per second against the recipient count, both
    suites; then the primitives alone."""
    w = plan.bench
    data = os.urandom(KIB)
    ident = w.keystore.identity(_worlds.SENDER)
    budget = plan.min_op_seconds
    for suite, level in SUITES:
        for count in plan.recipients:
            to = w.recipients(count)

            def seal(to: list[str] = to, level: str = level) -> bytes:
                return sandi.seal(data, sender=ident, to=to, classification=level,
                                  pola=w.pola)

            envelope = seal()
            assert sandi.verify(envelope, pola=w.pola).suite == suite
            rec.add(f"c/seal/{suite}/{count}", Item(
                "c", f"seal 1 KiB, {suite}, {count} recipient(s)",
                per_op(seal, plan.repeats, min_seconds=budget), per_op=True))
            rec.add(f"c/open/{suite}/{count}", Item(
                "c", f"open 1 KiB, {suite}, {count} recipient(s)",
                per_op(lambda e=envelope: sandi.open(e, keystore=w.keystore, pola=w.pola),
                       plan.repeats, min_seconds=budget), per_op=True))
            if count in (1, 10, 100):
                rec.add(f"c/seal+open/{suite}/{count}", Item(
                    "c", f"seal+open 1 KiB, {suite}, {count} recipient(s)",
                    per_op(lambda seal=seal: sandi.open(seal(), keystore=w.keystore,
                                                        pola=w.pola),
                           plan.repeats, min_seconds=budget), per_op=True))
        rec.facts[f"header_bytes/{suite}"] = {
            str(c): _header_len(sandi.seal(data, sender=ident, to=w.recipients(c),
                                           classification=level, pola=w.pola))
            for c in (1, 10)}
    for key, name, op in _primitives():
        rec.add(f"c/prim/{key}", Item("c", name, per_op(op, plan.repeats, min_seconds=budget),
                                      per_op=True))


def _header_len(envelope: bytes) -> int:
    stream = io.BytesIO(envelope)
    read_header(stream.read)
    return stream.tell()


def _hkdf(ikm: bytes, salt: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt,
                info=b"bench").derive(ikm)


def _primitives() -> list[tuple[str, str, Callable[[], object]]]:
    """The primitives a 1 KiB seal+open is made of, alone, and composed into the
    least work a classical (and a hybrid) seal+open with one recipient can do."""
    doc, zero = os.urandom(KIB), bytes(12)
    key = os.urandom(32)
    aead = AESGCM(key)
    peer = os.urandom(32)
    peer_pub = nacl.bindings.crypto_scalarmult_base(peer)
    signer = nacl.signing.SigningKey.generate()
    verifier = signer.verify_key
    kem = mlkem.MLKEM768PrivateKey.generate()
    kem_pub = kem.public_key()
    dsa = mldsa.MLDSA65PrivateKey.generate()
    dsa_pub = dsa.public_key()
    meta = msgpack.packb(["surat.pdf", None, None])
    kem_seed, dsa_seed = os.urandom(64), os.urandom(32)

    def wrap(data_key: bytes) -> tuple[bytes, bytes]:
        eph = secrets.token_bytes(32)
        eph_pub = nacl.bindings.crypto_scalarmult_base(eph)
        shared = nacl.bindings.crypto_scalarmult(eph, peer_pub)
        k = _hkdf(shared, eph_pub + peer_pub)
        return eph_pub, AESGCM(k).encrypt(zero, data_key, None)

    def unwrap(eph_pub: bytes, body: bytes) -> bytes:
        shared = nacl.bindings.crypto_scalarmult(peer, eph_pub)
        return AESGCM(_hkdf(shared, eph_pub + peer_pub)).decrypt(zero, body, None)

    def sign_verify() -> None:
        verifier.verify(doc[:64], signer.sign(doc[:64]).signature)

    def floor(hybrid: bool = False) -> None:
        data_key, nonce = secrets.token_bytes(32), secrets.token_bytes(16)
        okm = _hkdf(data_key, nonce, 96)
        meta_ct = AESGCM(okm[32:64]).encrypt(zero, meta, b"label")
        eph_pub, body = wrap(data_key)
        if hybrid:
            _ss, ct = kem_pub.encapsulate()
        payload = AESGCM(okm[:32]).encrypt(zero, doc, None)
        digest = hashlib.sha256(payload).digest()
        sig = signer.sign(digest).signature
        if hybrid:
            pq_sig = dsa.sign(digest, b"ctx")
        # open
        if hybrid:
            kem.decapsulate(ct)
        okm2 = _hkdf(unwrap(eph_pub, body), nonce, 96)
        assert okm2[64:] == okm[64:]
        AESGCM(okm2[32:64]).decrypt(zero, meta_ct, b"label")
        AESGCM(okm2[:32]).decrypt(zero, payload, None)
        verifier.verify(hashlib.sha256(payload).digest(), sig)
        if hybrid:
            dsa_pub.verify(pq_sig, digest, b"ctx")

    return [
        ("x25519-wrap", "prim: X25519 keygen+agree+HKDF+AES-GCM wrap", lambda: wrap(key)),
        ("x25519-unwrap", "prim: X25519 agree+HKDF+AES-GCM unwrap",
         partial(unwrap, *wrap(key))),
        ("hkdf", "prim: HKDF-SHA-256 (32 bytes)", lambda: _hkdf(key, b"")),
        ("ed25519", "prim: Ed25519 sign+verify (PyNaCl)", sign_verify),
        ("aesgcm-1k", "prim: AES-256-GCM encrypt 1 KiB", lambda: aead.encrypt(zero, doc, None)),
        ("aesgcm-1k-key", "prim: AES-256-GCM key setup + encrypt 1 KiB",
         lambda: AESGCM(key).encrypt(zero, doc, None)),
        ("sha256-1k", "prim: SHA-256 of 1 KiB", lambda: hashlib.sha256(doc).digest()),
        ("mlkem", "prim: ML-KEM-768 encaps+decaps",
         lambda: kem.decapsulate(kem_pub.encapsulate()[1])),
        ("mlkem-seed", "prim: ML-KEM-768 key from seed",
         partial(mlkem.MLKEM768PrivateKey.from_seed_bytes, kem_seed)),
        ("mldsa", "prim: ML-DSA-65 sign+verify",
         lambda: dsa_pub.verify(dsa.sign(doc[:64], b"ctx"), doc[:64], b"ctx")),
        ("mldsa-seed", "prim: ML-DSA-65 key from seed",
         partial(mldsa.MLDSA65PrivateKey.from_seed_bytes, dsa_seed)),
        ("floor-classical", "floor: seal+open 1 KiB, classical, 1 recipient", floor),
        ("floor-hybrid", "floor: seal+open 1 KiB, hybrid, 1 recipient",
         lambda: floor(hybrid=True)),
    ]


# --- (d) start-up ------------------------------------------------------------------------


def startup(plan: Plan, rec: Recorder) -> None:
    """Whole-process time of tiny commands against ``python -c pass``."""
    w, env = plan.demo, plan.child_env
    home = str(w.home.path)
    small_doc = plan.input(KIB)
    envelope = plan.tmp / "d.sandi"
    envelope.unlink(missing_ok=True)
    sender, recipient, level = CLASSICAL
    run_process([SANDI, "--home", home, "seal", str(small_doc), "--from", sender, "--to",
                 recipient, "--classification", level, "-o", str(envelope)], env=env)
    (plan.tmp / "d").mkdir(exist_ok=True)
    keys = baselines.age_setup(plan.tmp / "d")
    age_file, age_out = plan.tmp / "d.age", plan.tmp / "d.age.out"
    baselines.age_encrypt(small_doc, age_file, keys)
    no_cache = {k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"}
    no_cache["PYTHONDONTWRITEBYTECODE"] = "1"
    n = max(plan.repeats, 10)
    runs_of = [
        ("python", "python -c pass", [sys.executable, "-c", "pass"], env),
        ("version", "sandi --version", [SANDI, "--version"], env),
        ("import", "python -c 'import sandi_cli.main'",
         [sys.executable, "-c", "import sandi_cli.main"], env),
        ("verify", "sandi verify (1 KiB envelope)", [SANDI, "--home", home, "verify",
                                                     str(envelope)], env),
        ("age-d", "age -d (1 KiB)", ["age", "-d", "-i", str(keys.identity), "-o",
                                     str(age_out), str(age_file)], env),
        ("python-nocache", "python -c pass (PYTHONDONTWRITEBYTECODE=1)",
         [sys.executable, "-c", "pass"], no_cache),
        ("version-nocache", "sandi --version (no sandi bytecode on disk)",
         [SANDI, "--version"], no_cache),
    ]
    for _ in range(2):
        for _key, _name, argv, child_env in runs_of:
            age_out.unlink(missing_ok=True)
            run_process(argv, env=child_env)
    for key, name, argv, child_env in runs_of:
        def run(argv: list[str] = argv, child_env: dict[str, str] = child_env) -> Any:
            age_out.unlink(missing_ok=True)
            return run_process(argv, env=child_env)
        runs, rss = repeat(run, n, sync=False)
        rec.add(f"d/{key}", Item("d", name, runs, rss=rss))


# --- (e) the pola at scale ----------------------------------------------------------------


def pola(plan: Plan, rec: Recorder) -> None:
    """Pola.from_bytes (parse + verify) and one decision, 100 to 25,000 agencies."""
    for count in plan.pola_sizes:
        _pola_size(plan, rec, count)


def _load_and_decide(scale: _worlds.ScalePola, first: list[float],
                     loaded: list[sandi.Pola]) -> float:
    start = time.perf_counter()
    p = sandi.Pola.from_bytes(scale.data)
    seconds = time.perf_counter() - start
    a, b = scale.ids[0], scale.ids[-1]
    first.append(_timed(lambda: p.may_send(a, b, sandi.Classification.RAHASIA)))
    loaded[:] = [p]
    return seconds


def _decide_all(p: sandi.Pola, pairs: list[tuple[str, str]]) -> float:
    level = sandi.Classification.RAHASIA
    start = time.perf_counter()
    for a, b in pairs:
        p.may_send(a, b, level)
    return (time.perf_counter() - start) / len(pairs)


def _pola_size(plan: Plan, rec: Recorder, count: int) -> None:
    start = time.perf_counter()
    scale = _worlds.pola_at_scale(count)
    rec.facts[f"pola/{count}"] = {"agencies": count, "rules": scale.rules,
                                  "bytes": len(scale.data),
                                  "build_seconds": time.perf_counter() - start}
    data, n = scale.data, plan.repeats
    loaded: list[sandi.Pola] = []
    first: list[float] = []
    rec.add(f"e/load/{count}", Item("e", f"Pola.from_bytes, {count:,} agencies",
                                    repeat(partial(_load_and_decide, scale, first, loaded), n,
                                           sync=False)[0]))
    rec.add(f"e/first/{count}", Item("e", f"  first may_send (index built at load), {count:,}",
                                     first))
    rec.add(f"e/decode/{count}", Item("e", f"  of which decode_pola (parse), {count:,}",
                                      repeat(lambda: _timed(lambda: decode_pola(data)), n,
                                             sync=False)[0]))
    signed = decode_pola(data)
    # A fresh SignedPola each time: the body's SHA-256 is cached on it after one check.
    rec.add(f"e/verify/{count}", Item("e", f"  of which verify_pola (SHA-256 + signatures),"
                                      f" {count:,}", repeat(lambda: _timed(lambda: verify_pola(
                                          replace(signed), None)), n,
                                          sync=False)[0]))
    rules = signed.body.rules
    assert isinstance(rules, RuleTable)
    rec.add(f"e/index/{count}", Item("e", f"  of which the decision index, {count:,}",
                                     repeat(lambda: _timed(lambda: Decisions(rules)), n,
                                            sync=False)[0]))
    body = data[10:10 + int.from_bytes(data[6:10], "big")]
    rec.add(f"e/unpack/{count}", Item("e", f"  msgpack.unpackb of the body alone, {count:,}",
                                      repeat(lambda: _timed(lambda: msgpack.unpackb(body)), n,
                                             sync=False)[0]))
    p, ids, rng = loaded[0], scale.ids, random.Random(count)
    seen: set[tuple[str, str]] = set()
    uncached, cached = [], []
    want = min(plan.decisions, count * count // (2 * n))  # distinct pairs for every repeat
    for _ in range(n):
        pairs: list[tuple[str, str]] = []
        while len(pairs) < want:
            pair = (rng.choice(ids), rng.choice(ids))
            if pair not in seen:
                seen.add(pair)
                pairs.append(pair)
        uncached.append(_decide_all(p, pairs))
        cached.append(_decide_all(p, pairs))
    rec.add(f"e/may-send-uncached/{count}", Item(
        "e", f"may_send, uncached pair, {count:,} agencies", uncached, per_op=True))
    rec.add(f"e/may-send-cached/{count}", Item(
        "e", f"may_send, cached pair, {count:,} agencies", cached, per_op=True))


# --- (f) rewrap ----------------------------------------------------------------------------

_REWRAP: dict[str, Any] = {}


def _rewrap_one(path: str) -> str:
    """One rewrap in a pool worker (the keystore and pola come with the fork)."""
    return rewrap_file(path, keystore=_REWRAP["keystore"], pola=_REWRAP["pola"]).outcome.value


def _noop(_: int) -> int:
    return os.getpid()


def rewrap(plan: Plan, rec: Recorder) -> None:
    """10,000 small envelopes with a process pool; one envelope against its size."""
    w = _worlds.bench_world(plan.tmp / "rewrap-home", others=2, pq=False)
    ident = w.keystore.identity(_worlds.SENDER)
    folder = plan.tmp / "rewrap-small"
    folder.mkdir(exist_ok=True)
    pristine = [sandi.seal(os.urandom(KIB), sender=ident, to=[_worlds.OPENER],
                           classification="rahasia", pola=w.pola)
                for _ in range(plan.rewrap_files)]
    paths = [str(folder / f"{i:05d}.sandi") for i in range(len(pristine))]
    big: dict[int, Path] = {}
    for size in plan.rewrap_sizes:
        big[size] = plan.tmp / f"rewrap-{size}.sandi"
        sandi.seal_file(plan.input(size), big[size], sender=ident, to=[_worlds.OPENER],
                        classification="rahasia", pola=w.pola, force=True)
    new_pola = _worlds.rotate(w, _worlds.OPENER)
    _REWRAP.update(keystore=w.keystore, pola=new_pola)

    def restore() -> None:
        for path, data in zip(paths, pristine, strict=True):
            with open(path, "wb") as f:
                f.write(data)

    workers = os.cpu_count() or 1
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers) as pool:
        pool.map(_noop, range(workers * 4))  # start every worker before timing

        def pooled() -> float:
            restore()
            settle()
            start = time.perf_counter()
            outcomes = pool.map(_rewrap_one, paths, chunksize=32)
            seconds = time.perf_counter() - start
            assert set(outcomes) == {Outcome.REWRAPPED.value}, set(outcomes)
            return seconds

        runs, _ = repeat(pooled, plan.big_repeats, sync=False)
    count = len(paths)
    rec.add("f/pool", Item("f", f"rewrap {count:,} x 1 KiB envelopes, {workers} processes",
                           runs, extra={"files": count, "workers": workers,
                                        "files_per_s": count / statistics.median(runs)}))
    single = paths[:min(count, 1000)]

    def serial() -> float:
        restore()
        settle()
        return _timed(lambda: [_rewrap_one(p) for p in single]) / len(single)

    rec.add("f/serial", Item("f", "rewrap one 1 KiB envelope, 1 process (per file)",
                             repeat(serial, plan.big_repeats, sync=False)[0], per_op=True))
    shutil.rmtree(folder)
    for size, path in big.items():
        with open(path, "rb") as f:
            header_len = _header_len(f.read(1 << 20))
            f.seek(0)
            header = f.read(header_len)

        def once(path: Path = path, header: bytes = header) -> float:
            fd = os.open(path, os.O_WRONLY)  # put the old header back (untimed)
            try:
                os.pwrite(fd, header, 0)
                os.fsync(fd)
            finally:
                os.close(fd)
            settle()
            start = time.perf_counter()
            result = rewrap_file(path, keystore=w.keystore, pola=new_pola)
            seconds = time.perf_counter() - start
            assert result.outcome is Outcome.REWRAPPED
            return seconds

        rec.add(f"f/size/{size}", Item("f", f"rewrap_file of a {human(size)} envelope",
                                       repeat(once, plan.repeats_for(size), sync=False)[0],
                                       extra={"size": size}))
        path.unlink()


# --- (g) audit log ---------------------------------------------------------------------------


def _appender(path: str, count: int, barrier: Any) -> None:
    log = AuditLog(path)
    barrier.wait()
    for i in range(count):
        log.append(Event("seal", agency="setda", doc_id=f"{i:032x}", classification="rahasia"))
    log.close()


def audit(plan: Plan, rec: Recorder) -> None:
    """Appends per second on SQLite (WAL, synchronous=FULL): one process, four."""
    folder = plan.tmp / "audit"
    folder.mkdir(exist_ok=True)
    count = plan.audit_appends
    runs = []
    for i in range(plan.repeats):
        log = AuditLog(folder / f"single-{i}.db")
        log.append(Event("open"))  # create the schema before timing
        start = time.perf_counter()
        for j in range(count):
            log.append(Event("seal", agency="setda", doc_id=f"{j:032x}",
                             classification="rahasia"))
        runs.append((time.perf_counter() - start) / count)
        assert log.verify().size == count + 1
        log.close()
    rec.add("g/single", Item("g", "audit append, 1 process", runs, per_op=True))
    ctx = multiprocessing.get_context("fork")
    runs = []
    procs = 4
    for i in range(plan.repeats):
        path = str(folder / f"multi-{i}.db")
        AuditLog(path).close()
        barrier = ctx.Barrier(procs + 1)
        children = [ctx.Process(target=_appender, args=(path, count, barrier))
                    for _ in range(procs)]
        for child in children:
            child.start()
        barrier.wait()
        start = time.perf_counter()
        for child in children:
            child.join()
        runs.append((time.perf_counter() - start) / (count * procs))
        assert all(c.exitcode == 0 for c in children)
        assert AuditLog(path).verify().size == count * procs
    rec.add("g/four", Item("g", "audit append, 4 processes (total rate)", runs, per_op=True))
    shutil.rmtree(folder)


# --- (h) hybrid against classical -------------------------------------------------------------


def suites(plan: Plan, rec: Recorder) -> None:
    """Demo pola: setda -> inspektorat rahasia (classical) against inspektorat -> setda
    sangat-rahasia (hybrid, required): 1 KiB and 256 MiB seal+open."""
    w = plan.demo
    doc = os.urandom(KIB)
    size = plan.table_sizes[0]
    src, env, out = plan.input(size), plan.tmp / "h.sandi", plan.tmp / "h.out"
    for suite, (sender, recipient, level) in (("classical", CLASSICAL), ("hybrid", HYBRID)):
        ident = w.keystore.identity(sender)

        def seal_open(ident: sandi.Identity = ident, recipient: str = recipient,
                      level: str = level) -> None:
            envelope = sandi.seal(doc, sender=ident, to=[recipient], classification=level,
                                  pola=w.pola)
            sandi.open(envelope, keystore=w.keystore, pola=w.pola)

        rec.add(f"h/small/{suite}", Item("h", f"demo pola seal+open 1 KiB, {suite}",
                                         per_op(seal_open, plan.repeats,
                                                min_seconds=plan.min_op_seconds), per_op=True))

        def big(ident: sandi.Identity = ident, recipient: str = recipient,
                level: str = level) -> float:
            env.unlink(missing_ok=True)
            out.unlink(missing_ok=True)
            start = time.perf_counter()
            sandi.seal_file(src, env, sender=ident, to=[recipient], classification=level,
                            pola=w.pola)
            sandi.open_file(env, out, keystore=w.keystore, pola=w.pola)
            return time.perf_counter() - start

        rec.add(f"h/big/{suite}", Item("h", f"demo pola seal_file+open_file {human(size)},"
                                       f" {suite}", repeat(big, plan.repeats_for(size),
                                                          fresh=[env, out])[0],
                                       size))
        assert sandi.verify(env, pola=w.pola).suite == suite
    for path in (env, out):
        path.unlink(missing_ok=True)
