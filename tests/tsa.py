"""A real RFC 3161 time-stamping authority on loopback, for tests: ``openssl ts -reply``
behind a small HTTP handler (as a national TSA answers ``application/timestamp-query``
POSTs). Each TSA has its own self-signed certificate with the critical
time-stamping key usage; ``down()`` makes it refuse connections.
"""

from __future__ import annotations

import http.server
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509

_CONFIG = """\
[ req ]
distinguished_name = dn
prompt = no
x509_extensions = tsa_ext
[ dn ]
CN = {name}
O = Uji Persandian
[ tsa_ext ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _run(*args: str, cwd: Path) -> bytes:
    return subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True).stdout


@dataclass
class Tsa:
    """One TSA: its directory (key, certificate, serial) and, once started, its URL."""

    dir: Path
    name: str = "TSA Uji"
    url: str = ""
    requests: int = 0
    fail_with: int | None = None  # answer this HTTP status instead of a token
    _server: http.server.ThreadingHTTPServer | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "tsa.cnf").write_text(_CONFIG.format(name=self.name, dir=self.dir))
        (self.dir / "serial").write_text("01\n")
        _run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", "tsa.key", "-out", "tsa.pem", "-days", "3650", "-config", "tsa.cnf",
             cwd=self.dir)

    @property
    def certificate(self) -> bytes:
        """The TSA's certificate, DER (what the pola names)."""
        pem = (self.dir / "tsa.pem").read_bytes()
        return x509.load_pem_x509_certificate(pem).public_bytes(
            __import__("cryptography.hazmat.primitives.serialization",
                       fromlist=["Encoding"]).Encoding.DER)

    def reply(self, query: bytes) -> bytes:
        """What ``openssl ts -reply`` answers to a DER query."""
        with tempfile.TemporaryDirectory() as tmp:
            q = Path(tmp) / "q.tsq"
            q.write_bytes(query)
            return _run("ts", "-reply", "-config", str(self.dir / "tsa.cnf"), "-queryfile",
                        str(q), cwd=self.dir)

    def start(self) -> str:
        tsa = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                tsa.requests += 1
                query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if tsa.fail_with is not None:
                    self.send_error(tsa.fail_with)
                    return
                body = tsa.reply(query)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/tsr"
        return self.url

    def down(self) -> None:
        """Stop answering: the port is closed, connections are refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@contextmanager
def running_tsa(directory: Path, name: str = "TSA Uji") -> Iterator[Tsa]:
    """A started TSA, stopped at the end."""
    tsa = Tsa(directory, name)
    tsa.start()
    try:
        yield tsa
    finally:
        tsa.down()
