"""Baselines that sandi's own numbers are compared against.

* the raw loop ("the limit"): chunked AES-256-GCM plus SHA-256 over the
  ciphertext, in-process, with no format, signing or key wrapping;
* whole-process ``age`` and ``gpg`` runs, with each child's exact peak RSS;
* ``python -c pass``, the start-up floor of any Python CLI.

Run ``python -m benchmarks.baselines [MiB]`` from the repo root for a self-check.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

try:
    from ._measure import Measurement, StrPath, median_of, run_process
except ImportError:  # run as a script: benchmarks/ itself is on sys.path
    from _measure import Measurement, StrPath, median_of, run_process  # type: ignore[no-redef]

__all__ = [
    "AgeKeys", "GpgHome", "Measurement", "age_decrypt", "age_encrypt", "age_setup",
    "gpg_decrypt", "gpg_encrypt", "gpg_setup", "gpg_sign_encrypt", "gpg_teardown",
    "make_input", "median_of", "python_startup", "raw_loop_decrypt", "raw_loop_encrypt",
    "run_process",
]

MIB = 1 << 20
CHUNK = 64 * 1024  # plaintext bytes per AEAD chunk
TAG = 16  # AES-GCM tag bytes
GROUP = 16  # chunks per read/write and per hand-off to the hashing thread
DIGEST = 32  # SHA-256 trailer appended by raw_loop_encrypt
RAW_KEY = AESGCM.generate_key(bit_length=256)  # process-wide key for the raw loop


def make_input(path: StrPath, size: int) -> None:
    """Write ``size`` incompressible bytes to ``path``.

    An AES-256-CTR keystream under a fresh random key: as incompressible as
    ``os.urandom`` (gpg, zstd etc. gain nothing) but ~25x faster to produce.
    """
    enc = Cipher(algorithms.AES(os.urandom(32)), modes.CTR(bytes(16))).encryptor()
    zeros, block = bytes(MIB), bytearray(MIB + 15)
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = enc.update_into(zeros, block)
            f.write(memoryview(block)[: min(n, left)])
            left -= n


def _fresh(dst: StrPath) -> str:
    """Remove ``dst`` (untimed) so no run pays to truncate the previous output."""
    Path(dst).unlink(missing_ok=True)
    return os.fspath(dst)


def _nonce(index: int, last: bool) -> bytes:
    """12-byte GCM nonce: 11-byte big-endian chunk counter + last-chunk flag."""
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class _Hasher:
    """SHA-256 over a stream of buffers, optionally on a worker thread.

    With ``overlap`` each ``update`` hands a list of buffers through a bounded
    queue to a thread that hashes them while the caller keeps going (hashlib
    drops the GIL for large buffers). Buffers must not be mutated afterwards.
    """

    def __init__(self, overlap: bool, depth: int = 4) -> None:
        self._sha = hashlib.sha256()
        self._queue: queue.Queue[list[bytes] | None] | None = None
        self._thread: threading.Thread | None = None
        if overlap:
            self._queue = queue.Queue(maxsize=depth)
            self._thread = threading.Thread(target=self._drain, daemon=True)
            self._thread.start()

    def _drain(self) -> None:
        assert self._queue is not None
        get, update = self._queue.get, self._sha.update
        while (bufs := get()) is not None:
            for buf in bufs:
                update(buf)

    def update(self, bufs: list[bytes]) -> None:
        if self._queue is None:
            for buf in bufs:
                self._sha.update(buf)
        else:
            self._queue.put(bufs)

    def _stop(self) -> None:
        if self._queue is not None and self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._queue = self._thread = None

    def digest(self) -> bytes:
        self._stop()
        return self._sha.digest()

    def __enter__(self) -> _Hasher:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop()


def _raw_name(op: str, overlap: bool) -> str:
    return f"raw-loop-{op}" + ("" if overlap else "-serial")


def raw_loop_encrypt(
    src: StrPath, dst: StrPath, *, key: bytes = RAW_KEY, overlap: bool = True
) -> Measurement:
    """Encrypt ``src`` to ``dst`` as 64 KiB AES-256-GCM chunks + SHA-256 trailer.

    Output: ``ct_0 || ... || ct_n-1 || sha256(ct_0 || ... || ct_n-1)``; an
    empty file is one empty last chunk. I/O and hand-offs go 16 chunks (1 MiB)
    at a time. With ``overlap`` (default) the hash runs on a second thread;
    ``overlap=False`` is the single-threaded variant.
    """
    _fresh(dst)
    aead = AESGCM(key)
    buf = bytearray(GROUP * CHUNK)
    start = time.perf_counter()
    with open(src, "rb") as fin, open(dst, "wb") as fout, _Hasher(overlap) as sha:
        size = os.fstat(fin.fileno()).st_size
        count = max(1, -(-size // CHUNK))
        i = 0
        while i < count:
            n = fin.readinto(buf)
            if n != min(len(buf), size - i * CHUNK):
                raise ValueError(f"{src} changed size while being read")
            data = memoryview(buf)[:n]
            cts = []
            for off in range(0, n, CHUNK) or range(1):
                cts.append(aead.encrypt(_nonce(i, i == count - 1), data[off : off + CHUNK], None))
                i += 1
            sha.update(cts)
            fout.writelines(cts)
        fout.write(sha.digest())
    return Measurement(_raw_name("enc", overlap), time.perf_counter() - start, None, size)


def raw_loop_decrypt(
    src: StrPath, dst: StrPath, *, key: bytes = RAW_KEY, overlap: bool = True
) -> Measurement:
    """Decrypt ``raw_loop_encrypt`` output, hashing the ciphertext as it goes.

    Raises ``cryptography.exceptions.InvalidTag`` on a bad chunk and
    ``ValueError`` on a malformed file or a SHA-256 trailer mismatch.
    """
    _fresh(dst)
    aead = AESGCM(key)
    span = CHUNK + TAG
    out = memoryview(bytearray(GROUP * CHUNK))
    start = time.perf_counter()
    with open(src, "rb") as fin, open(dst, "wb") as fout, _Hasher(overlap) as sha:
        body = os.fstat(fin.fileno()).st_size - DIGEST
        count = max(1, -(-body // span))
        if body - (count - 1) * span < TAG:
            raise ValueError("truncated raw-loop file")
        i = 0
        while i < count:
            block = fin.read(min(GROUP * span, body - i * span))  # fresh bytes: it is queued
            sha.update([block])
            cts, done = memoryview(block), 0
            for off in range(0, len(block), span):
                ct = cts[off : off + span]
                last = i == count - 1
                done += aead.decrypt_into(_nonce(i, last), ct, None, out[done : done + len(ct) - TAG])
                i += 1
            fout.write(out[:done])
        if not hmac.compare_digest(sha.digest(), fin.read(DIGEST)):
            raise ValueError("ciphertext SHA-256 mismatch")
        size = fout.tell()
    return Measurement(_raw_name("dec", overlap), time.perf_counter() - start, None, size)


@dataclass(frozen=True)
class AgeKeys:
    """An age X25519 identity file and its recipient (``age1...``)."""

    identity: Path
    recipient: str


def age_setup(tmpdir: StrPath) -> AgeKeys:
    """Generate an age key in ``tmpdir`` (``age-keygen -o``); not timed."""
    identity = Path(tmpdir) / "age-key.txt"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    recipient = subprocess.run(
        ["age-keygen", "-y", str(identity)], check=True, capture_output=True, text=True
    ).stdout.strip()
    return AgeKeys(identity, recipient)


def age_encrypt(src: StrPath, dst: StrPath, keys: AgeKeys) -> Measurement:
    """Whole-process ``age -r RECIPIENT -o dst src``."""
    argv = ["age", "-r", keys.recipient, "-o", _fresh(dst), os.fspath(src)]
    return run_process(argv, name="age-enc", nbytes=os.path.getsize(src))


def age_decrypt(src: StrPath, dst: StrPath, keys: AgeKeys) -> Measurement:
    """Whole-process ``age -d -i IDENTITY -o dst src``."""
    argv = ["age", "-d", "-i", str(keys.identity), "-o", _fresh(dst), os.fspath(src)]
    m = run_process(argv, name="age-dec")
    return Measurement(m.name, m.seconds, m.max_rss_bytes, os.path.getsize(dst))


@dataclass(frozen=True)
class GpgHome:
    """An isolated GNUPGHOME holding a sender and a recipient key (fingerprints)."""

    home: Path
    sender: str
    recipient: str


def _gpg(home: Path, *args: str) -> list[str]:
    return [
        "gpg", "--homedir", str(home), "--batch", "--yes", "--quiet", "--no-tty",
        "--trust-model", "always", "--pinentry-mode", "loopback", "--passphrase", "", *args,
    ]  # fmt: skip


def _gpg_gen_key(home: Path, uid: str) -> str:
    subprocess.run(
        _gpg(home, "--quick-gen-key", uid, "future-default", "default", "never"),
        check=True, capture_output=True,
    )  # fmt: skip
    listing = subprocess.run(
        _gpg(home, "--with-colons", "--list-keys", uid), check=True, capture_output=True, text=True
    ).stdout
    return next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))


def gpg_setup(tmpdir: StrPath) -> GpgHome:
    """Create ``tmpdir/gnupg`` with ed25519/cv25519 sender and recipient keys.

    No passphrases, no pinentry. gpg-agent is started here so that later runs
    do not pay for it; stop it with ``gpg_teardown``. Not timed.
    """
    home = Path(tmpdir) / "gnupg"
    home.mkdir(mode=0o700)
    sender = _gpg_gen_key(home, "Bench Sender <sender@sandi.invalid>")
    recipient = _gpg_gen_key(home, "Bench Recipient <recipient@sandi.invalid>")
    subprocess.run(["gpgconf", "--homedir", str(home), "--launch", "gpg-agent"], check=True)
    return GpgHome(home, sender, recipient)


def gpg_teardown(gpg: GpgHome) -> None:
    """Stop the gpg-agent that ``gpg_setup`` started for this home."""
    subprocess.run(["gpgconf", "--homedir", str(gpg.home), "--kill", "gpg-agent"], check=False)


def gpg_encrypt(src: StrPath, dst: StrPath, gpg: GpgHome) -> Measurement:
    """Whole-process public-key encryption to the recipient, compression off."""
    argv = _gpg(gpg.home, "--compress-algo", "none", "-z", "0", "-r", gpg.recipient,
                "-o", _fresh(dst), "--encrypt", os.fspath(src))  # fmt: skip
    return run_process(argv, name="gpg-enc", nbytes=os.path.getsize(src))


def gpg_sign_encrypt(src: StrPath, dst: StrPath, gpg: GpgHome) -> Measurement:
    """Whole-process sign (sender) + encrypt (recipient), compression off."""
    argv = _gpg(gpg.home, "--compress-algo", "none", "-z", "0", "-u", gpg.sender,
                "-r", gpg.recipient, "-o", _fresh(dst), "--sign", "--encrypt",
                os.fspath(src))  # fmt: skip
    return run_process(argv, name="gpg-sign-enc", nbytes=os.path.getsize(src))


def gpg_decrypt(src: StrPath, dst: StrPath, gpg: GpgHome, *, name: str = "gpg-dec") -> Measurement:
    """Whole-process decrypt (and verify, if signed). The agent's RSS is not counted."""
    m = run_process(_gpg(gpg.home, "-o", _fresh(dst), "--decrypt", os.fspath(src)), name=name)
    return Measurement(m.name, m.seconds, m.max_rss_bytes, os.path.getsize(dst))


def python_startup(code: str = "pass") -> Measurement:
    """Whole-process ``sys.executable -c CODE``: the floor for any Python CLI."""
    return run_process([sys.executable, "-c", code], name="python-startup")


def _self_check(size_mib: int, repeats: int) -> None:
    import filecmp
    import tempfile

    def show(m: Measurement) -> None:
        rss = "-" if m.max_rss_bytes is None else f"{m.max_rss_bytes / MIB:.1f}"
        print(f"{m.name:20} {m.seconds:9.4f} s {m.mib_per_s:9.1f} MiB/s  max RSS {rss} MiB")

    def same(a: Path, b: Path) -> None:
        if not filecmp.cmp(a, b, shallow=False):
            raise SystemExit(f"round trip failed: {b}")

    with tempfile.TemporaryDirectory(prefix="sandi-bench-") as tmp:
        d = Path(tmp)
        src, enc, dec = d / "in.bin", d / "out.enc", d / "out.dec"
        make_input(src, size_mib * MIB)
        print(f"input {size_mib} MiB, median of {repeats}, python {sys.version.split()[0]}")
        for overlap in (True, False):
            show(median_of(lambda o=overlap: raw_loop_encrypt(src, enc, overlap=o), repeats))
            show(median_of(lambda o=overlap: raw_loop_decrypt(enc, dec, overlap=o), repeats))
            same(src, dec)
        keys = age_setup(d)
        show(median_of(lambda: age_encrypt(src, enc, keys), repeats))
        show(median_of(lambda: age_decrypt(enc, dec, keys), repeats))
        same(src, dec)
        gpg = gpg_setup(d)
        try:
            show(median_of(lambda: gpg_encrypt(src, enc, gpg), repeats))
            show(median_of(lambda: gpg_decrypt(enc, dec, gpg), repeats))
            same(src, dec)
            show(median_of(lambda: gpg_sign_encrypt(src, enc, gpg), repeats))
            show(median_of(lambda: gpg_decrypt(enc, dec, gpg, name="gpg-dec-verify"), repeats))
            same(src, dec)
        finally:
            gpg_teardown(gpg)
        show(median_of(python_startup, max(repeats, 5)))


if __name__ == "__main__":
    _self_check(int(sys.argv[1]) if len(sys.argv) > 1 else 64,
                int(sys.argv[2]) if len(sys.argv) > 2 else 1)  # fmt: skip
