"""RFC 3161 trusted time: ask a time-stamping authority (TSA) to witness a hash, and
check what it answered.

The protocol and the CMS signature are the maintained ``rfc3161-client`` library's
(Trail of Bits, also used by sigstore); nothing here writes or reads ASN.1 by hand.
sandi keeps the whole ``TimeStampResp`` the TSA returned (status and token), in DER,
because that is what the library verifies.

A token is accepted only if its signer is the TSA certificate the pola names (the
first of ``certificates``; the rest are its chain, the last the root), its
certificate carries the critical time-stamping key usage, the CMS signature
verifies at the token's own time, and its message imprint is SHA-256 of exactly
the bytes sandi asked about. What the token proves is that those bytes existed at
``gen_time`` (within its accuracy), as the TSA's clock says.

>>> from sandi.crypto.timestamps import check_timestamp
>>> check_timestamp(b"not DER", (b"no certificate",), b"message")
Traceback (most recent call last):
...
sandi.errors.TimestampInvalid: time-stamp token: not an RFC 3161 response
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sandi._internal.i18n import Phrase
from sandi.errors import TimestampInvalid, TimestampUnavailable

if TYPE_CHECKING:
    from cryptography import x509

MAX_RESPONSE = 32 * 1024
# id-sha256. ``cryptography.x509`` (~40 ms to import) is loaded only when a token is
# checked: a pola without a TSA never needs it (issue 18 §1).
_SHA256_OID = "2.16.840.1.101.3.4.2.1"


@dataclass(frozen=True)
class Witnessed:
    """What a verified token says: when (seconds since the epoch, rounded down) and
    how precisely (``accuracy`` seconds, rounded up; 0 when the TSA states none)."""

    time: int
    accuracy: int


def _certificates(certificates: tuple[bytes, ...]) -> list[x509.Certificate]:
    from cryptography import x509

    try:
        return [x509.load_der_x509_certificate(c) for c in certificates]
    except ValueError:
        raise TimestampInvalid("time-stamp token: the pola's TSA certificate does not "
                               "parse") from None


def _verifier(certificates: tuple[bytes, ...], nonce: int | None = None) -> object:
    from rfc3161_client import VerifierBuilder

    certs = _certificates(certificates)
    builder = VerifierBuilder().tsa_certificate(certs[0]).add_root_certificate(certs[-1])
    for middle in certs[1:-1]:
        builder = builder.add_intermediate_certificate(middle)
    if nonce is not None:
        builder = builder.nonce(nonce)
    return builder.build()


def check_timestamp(response: bytes, certificates: tuple[bytes, ...], message: bytes, *,
                    nonce: int | None = None) -> Witnessed:
    """Verify a DER ``TimeStampResp`` over SHA-256 of ``message``; raise TimestampInvalid.

    ``certificates`` are DER: the TSA's own certificate first, the root last (one
    self-signed certificate is both)."""
    from rfc3161_client import VerificationError, decode_timestamp_response

    if not certificates:
        raise TimestampInvalid("time-stamp token: no TSA certificate to check it with")
    try:
        decoded = decode_timestamp_response(response)
        info = decoded.tst_info
        algorithm = info.message_imprint.hash_algorithm
    except (ValueError, TypeError):
        raise TimestampInvalid("time-stamp token: not an RFC 3161 response") from None
    if algorithm.dotted_string != _SHA256_OID:
        raise TimestampInvalid("time-stamp token: the imprint is not SHA-256")
    verifier = _verifier(certificates, nonce)
    try:
        verifier.verify(decoded, hashlib.sha256(message).digest())  # type: ignore[attr-defined]
    except VerificationError as exc:
        reason = Phrase("it is for another document") if "messages" in str(exc) else \
            Phrase("it is not signed by the TSA the pola names")
        raise TimestampInvalid("time-stamp token: {reason}", reason=reason) from None
    except ValueError:
        raise TimestampInvalid("time-stamp token: it is not signed by the TSA the pola "
                               "names") from None
    return Witnessed(math.floor(info.gen_time.timestamp()), _accuracy(info))


def _accuracy(info: object) -> int:
    try:
        acc = info.accuracy  # type: ignore[attr-defined]
    except (ValueError, AttributeError):
        return 0
    if acc is None:
        return 0
    micros = (acc.seconds or 0) * 1_000_000 + (acc.millis or 0) * 1000 + (acc.micros or 0)
    return math.ceil(micros / 1_000_000)


def request_timestamp(url: str, certificates: tuple[bytes, ...], message: bytes, *,
                      timeout: float = 10.0) -> bytes:
    """Ask the TSA at ``url`` to witness SHA-256 of ``message``; return its DER response,
    verified (with the request's nonce). TimestampUnavailable if it cannot be reached
    or does not grant; TimestampInvalid if what it returns does not verify."""
    import urllib.error  # only sealing under a pola with a TSA needs the network
    import urllib.request

    from rfc3161_client import HashAlgorithm, TimestampRequestBuilder, decode_timestamp_response

    request = (TimestampRequestBuilder().data(message).hash_algorithm(HashAlgorithm.SHA256)
               .nonce(nonce=True).cert_request(cert_request=True).build())
    http = urllib.request.Request(url, data=request.as_bytes(), method="POST", headers={  # noqa: S310
        "Content-Type": "application/timestamp-query"})
    try:
        with urllib.request.urlopen(http, timeout=timeout) as answer:  # noqa: S310
            body: bytes = answer.read(MAX_RESPONSE + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise TimestampUnavailable("the time-stamping authority at {url} did not answer: "
                                   "{reason}", url=url, reason=str(reason)) from None
    if len(body) > MAX_RESPONSE:
        raise TimestampUnavailable("the time-stamping authority at {url} answered more than "
                                   "{limit} bytes", url=url, limit=MAX_RESPONSE)
    try:
        status = decode_timestamp_response(body).status
    except (ValueError, TypeError):
        raise TimestampUnavailable("the time-stamping authority at {url} did not answer with "
                                   "a time-stamp", url=url) from None
    if status not in (0, 1):  # granted, granted with modifications
        raise TimestampUnavailable("the time-stamping authority at {url} refused the request "
                                   "(status {status})", url=url, status=status)
    check_timestamp(body, certificates, message, nonce=request.nonce)
    return body
