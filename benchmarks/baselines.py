"""Baselines that sandi's own numbers are compared against.

* the raw loop ("the limit"): chunked AES-256-GCM plus SHA-256 over the
  ciphertext, in-process, with no format, signing or key wrapping;
* whole-process ``age`` and ``gpg`` runs, with each child's peak RSS;
* ``python -c pass``, the start-up floor of any Python CLI.

Needs the Debian packages ``age``, ``gnupg`` and ``time`` (GNU time, for RSS).
Self-check from the repo root: ``python -m benchmarks.baselines [MiB [repeats [dir]]]``
"""

from __future__ import annotations

import filecmp
import hashlib
import hmac
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

if TYPE_CHECKING or __package__:
    from ._measure import MIB, Measurement, StrPath, make_input, median_of, run_process
else:  # run as a script (python benchmarks/x.py): benchmarks/ itself is on sys.path
    from _measure import MIB, Measurement, StrPath, make_input, median_of, run_process

CHUNK = 64 * 1024  # plaintext bytes per AEAD chunk
TAG = 16  # AES-GCM tag bytes
GROUP = 16  # chunks per read/write and per hand-off to the hashing thread
DIGEST = 32  # SHA-256 trailer appended by raw_loop_encrypt
RAW_KEY = AESGCM.generate_key(bit_length=256)  # process-wide key for the raw loop


def _fresh(dst: StrPath) -> str:
    """Remove ``dst`` (untimed) so no run pays to truncate the previous output."""
    Path(dst).unlink(missing_ok=True)
    return os.fspath(dst)


def _nonce(index: int, last: bool) -> bytes:
    """12-byte GCM nonce: 11-byte big-endian chunk counter + last-chunk flag."""
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class _Hasher(AbstractContextManager["_Hasher"]):
    """SHA-256 over lists of buffers; with ``overlap``, on a worker thread.

    ``update`` then hands buffers over a bounded queue (hashlib drops the GIL
    for large buffers), so they must not be mutated after ``update``.
    """

    def __init__(self, overlap: bool, depth: int = 4) -> None:
        self._sha = hashlib.sha256()
        self._queue: queue.Queue[list[bytes] | None] = queue.Queue(maxsize=depth)
        self._thread = threading.Thread(target=self._drain, daemon=True)
        if overlap:
            self._thread.start()

    def _drain(self) -> None:
        while (bufs := self._queue.get()) is not None:
            self._hash(bufs)

    def _hash(self, bufs: list[bytes]) -> None:
        for buf in bufs:
            self._sha.update(buf)

    def update(self, bufs: list[bytes]) -> None:
        if self._thread.is_alive():
            self._queue.put(bufs)
        else:
            self._hash(bufs)

    def digest(self) -> bytes:
        """Wait for the worker (if any) to finish and return the digest."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        return self._sha.digest()

    def __exit__(self, *exc: object) -> None:
        self.digest()


def raw_loop_encrypt(
    src: StrPath, dst: StrPath, *, key: bytes = RAW_KEY, overlap: bool = True
) -> Measurement:
    """Encrypt ``src`` to ``dst`` as 64 KiB AES-256-GCM chunks + SHA-256 trailer.

    Output: ``ct_0 || ... || ct_n-1 || sha256(ct_0 || ... || ct_n-1)`` (an empty
    file is one empty last chunk); I/O and hand-offs go 16 chunks (1 MiB) at a
    time, joined into one buffer (as sandi does). ``overlap`` hashes on a second
    thread; ``False`` is single-threaded.
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
            block = b"".join(cts)  # one 1 MiB hand-off and one write: ~15% faster than 16
            sha.update([block])
            fout.write(block)
        fout.write(sha.digest())
    name = "raw-loop-enc" + ("" if overlap else "-serial")
    return Measurement(name, time.perf_counter() - start, None, size)


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
            want = min(GROUP * span, body - i * span)
            if len(block := fin.read(want)) != want:  # a fresh bytes object: safe to queue
                raise ValueError(f"{src} changed size while being read")
            sha.update([block])
            cts, done = memoryview(block), 0
            for off in range(0, len(block), span):
                ct = cts[off : off + span]
                plain = out[done : done + len(ct) - TAG]
                done += aead.decrypt_into(_nonce(i, i == count - 1), ct, None, plain)
                i += 1
            fout.write(out[:done])
        if not hmac.compare_digest(sha.digest(), fin.read(DIGEST)):
            raise ValueError("ciphertext SHA-256 mismatch")
        size = fout.tell()
    name = "raw-loop-dec" + ("" if overlap else "-serial")
    return Measurement(name, time.perf_counter() - start, None, size)


@dataclass(frozen=True)
class AgeKeys:
    """An age X25519 identity file and its recipient (``age1...``)."""

    identity: Path
    recipient: str


def age_setup(tmpdir: StrPath) -> AgeKeys:
    """Generate an age key in ``tmpdir`` (``age-keygen -o``), or reuse the one a section
    before made there (age-keygen refuses to overwrite); not timed."""
    identity = Path(tmpdir) / "age-key.txt"
    if not identity.exists():
        subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    lines = identity.read_text().splitlines()
    return AgeKeys(identity, next(x.split()[-1] for x in lines if x.startswith("# public key:")))


def age_encrypt(src: StrPath, dst: StrPath, keys: AgeKeys) -> Measurement:
    """Whole-process ``age -r RECIPIENT -o dst src``."""
    argv = ["age", "-r", keys.recipient, "-o", _fresh(dst), os.fspath(src)]
    return run_process(argv, name="age-enc", nbytes=os.path.getsize(src))


def age_decrypt(src: StrPath, dst: StrPath, keys: AgeKeys) -> Measurement:
    """Whole-process ``age -d -i IDENTITY -o dst src``."""
    argv = ["age", "-d", "-i", str(keys.identity), "-o", _fresh(dst), os.fspath(src)]
    m = run_process(argv, name="age-dec")
    return replace(m, bytes=os.path.getsize(dst))  # plaintext size, known only now


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
    """Create a key for ``uid``; return its fingerprint (from the KEY_CREATED status)."""
    argv = _gpg(
        home, "--status-fd", "1", "--quick-gen-key", uid, "future-default", "default", "never"
    )
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    return next(x.split()[-1] for x in out.splitlines() if x.startswith("[GNUPG:] KEY_CREATED"))


def gpg_setup(tmpdir: StrPath) -> GpgHome:
    """Create ``tmpdir/gnupg`` with ed25519/cv25519 sender and recipient keys.

    No passphrases, no pinentry. gpg-agent is started here so that later runs
    do not pay for it; stop it with ``gpg_teardown``. Not timed.
    """
    home = Path(tmpdir) / "gnupg"
    home.mkdir(mode=0o700, exist_ok=True)
    sender = _gpg_gen_key(home, "Bench Sender <sender@sandi.invalid>")
    recipient = _gpg_gen_key(home, "Bench Recipient <recipient@sandi.invalid>")
    subprocess.run(["gpgconf", "--homedir", str(home), "--launch", "gpg-agent"], check=True)
    return GpgHome(home, sender, recipient)


def gpg_teardown(gpg: GpgHome) -> None:
    """Stop the gpg-agent that ``gpg_setup`` started for this home."""
    subprocess.run(["gpgconf", "--homedir", str(gpg.home), "--kill", "gpg-agent"], check=False)


def _gpg_enc(src: StrPath, dst: StrPath, gpg: GpgHome, name: str, *ops: str) -> Measurement:
    argv = _gpg(gpg.home, "--compress-algo", "none", "-z", "0", "-u", gpg.sender,
                "-r", gpg.recipient, "-o", _fresh(dst), *ops, os.fspath(src))  # fmt: skip
    return run_process(argv, name=name, nbytes=os.path.getsize(src))


def gpg_encrypt(src: StrPath, dst: StrPath, gpg: GpgHome) -> Measurement:
    """Whole-process public-key encryption to the recipient, compression off."""
    return _gpg_enc(src, dst, gpg, "gpg-enc", "--encrypt")


def gpg_sign_encrypt(src: StrPath, dst: StrPath, gpg: GpgHome) -> Measurement:
    """Whole-process sign (as sender) + encrypt (to recipient), compression off."""
    return _gpg_enc(src, dst, gpg, "gpg-sign-enc", "--sign", "--encrypt")


def gpg_decrypt(src: StrPath, dst: StrPath, gpg: GpgHome, *, name: str = "gpg-dec") -> Measurement:
    """Whole-process decrypt (and verify, if signed). The agent's RSS is not counted."""
    m = run_process(_gpg(gpg.home, "-o", _fresh(dst), "--decrypt", os.fspath(src)), name=name)
    return replace(m, bytes=os.path.getsize(dst))


def python_startup(code: str = "pass") -> Measurement:
    """Whole-process ``sys.executable -c CODE``: the floor for any Python CLI."""
    return run_process([sys.executable, "-c", code], name="python-startup")


def _self_check(size_mib: int = 64, repeats: int = 3, where: str | None = None) -> None:
    """Run every baseline on ``size_mib`` MiB in ``where``; check round trips; print."""
    with tempfile.TemporaryDirectory(prefix="sandi-bench-", dir=where) as tmp:
        src, enc, dec = (Path(tmp) / name for name in ("in.bin", "out.enc", "out.dec"))
        make_input(src, size_mib * MIB)
        keys, gpg = age_setup(tmp), gpg_setup(tmp)
        runs: list[Callable[[], Measurement]] = [
            partial(raw_loop_encrypt, src, enc),
            partial(raw_loop_decrypt, enc, dec),
            partial(raw_loop_encrypt, src, enc, overlap=False),
            partial(raw_loop_decrypt, enc, dec, overlap=False),
            partial(age_encrypt, src, enc, keys),
            partial(age_decrypt, enc, dec, keys),
            partial(gpg_encrypt, src, enc, gpg),
            partial(gpg_decrypt, enc, dec, gpg),
            partial(gpg_sign_encrypt, src, enc, gpg),
            partial(gpg_decrypt, enc, dec, gpg, name="gpg-dec-verify"),
            python_startup,
        ]
        print(f"{size_mib} MiB in {where or tempfile.gettempdir()}, median of {repeats}")
        try:
            for run in runs:
                m = median_of(run, repeats)
                rss = "-" if m.max_rss_bytes is None else f"{m.max_rss_bytes / MIB:.1f}"
                print(f"{m.name:20} {m.seconds:8.4f} s {m.mib_per_s:8.1f} MiB/s  RSS {rss} MiB")
                if "-dec" in m.name and not filecmp.cmp(src, dec, shallow=False):
                    raise SystemExit(f"{m.name}: round trip mismatch")
        finally:
            gpg_teardown(gpg)


if __name__ == "__main__":  # python -m benchmarks.baselines [MiB [repeats [dir]]]
    args = sys.argv[1:]
    _self_check(int(args[0]) if args else 64, int(args[1]) if args[1:] else 3, *args[2:3])
