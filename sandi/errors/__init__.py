"""Every error a caller of sandi can meet, in one hierarchy.

The classes live in one module per family (:mod:`sandi.errors.malformed`,
:mod:`sandi.errors.refusals`, :mod:`sandi.errors.misuse`, on :mod:`sandi.errors.base`);
import them from here. No error class is defined anywhere else in sandi.

Three families sit under :class:`SandiError`: :class:`MalformedInput` (bytes that do
not parse; exit code 1), :class:`Refusal` (parses, but a cryptographic or policy check
refuses it; exit code 1) and :class:`Misuse` (the caller asked for something that
cannot be done; exit code 2). Each class carries a ``category`` (a :class:`Category`:
refused by the pola, tampered, not addressed to you, bad input, key problem,
unavailable), so a caller maps failures to its own answers (an HTTP status) without
listing every class, and a ``hint``: the fix, in English and Indonesian, for the
caller of the library (it names no CLI command; the CLI has its own hints).

An error is raised with an English template and its parameters,
``OutputExists("{path} already exists", path=p)``: ``str(err)`` is the English
text, ``err.message("id")`` the same detail in Indonesian (from the ``sandi``
gettext catalogue shipped in ``sandi/locale``), ``err.describe("id")`` the whole
line for an official. Words given as a parameter are a :class:`Phrase`.

>>> from sandi.errors import OutputExists
>>> err = OutputExists("{path} already exists", path="surat.pdf")
>>> err.exit_code, err.category.value, str(err)
(2, 'bad-input', 'surat.pdf already exists')
>>> err.describe("id")
'berkas keluaran sudah ada (surat.pdf sudah ada)'
"""

from sandi.errors.base import (
    Category,
    SandiError,
)
from sandi.errors.base import Phrase as Phrase  # words as an error parameter
from sandi.errors.malformed import (
    MalformedEnvelope,
    MalformedInput,
    MalformedKeyFile,
    MalformedPola,
    MalformedReceipt,
    MalformedRequest,
    UnsupportedPolaVersion,
    UnsupportedSuite,
    UnsupportedVersion,
)
from sandi.errors.misuse import (
    AgentError,
    FileUnreadable,
    InsecureKeyFile,
    InvalidArgument,
    KeyNotFound,
    KeystoreExists,
    Misuse,
    NoKeystore,
    NoPola,
    OutputExists,
    StorageError,
)
from sandi.errors.refusals import (
    AuditLogBroken,
    ClassicalRequest,
    ClockBehind,
    EnvelopeFromFuture,
    FingerprintUnconfirmed,
    InactiveMember,
    KeyNotValid,
    KeyRevoked,
    MemberSignatureRequired,
    NotARecipient,
    PolaExpired,
    PolaMismatch,
    PolaNotTrusted,
    PolaRollback,
    PolaSignatureInvalid,
    PolaStale,
    PolicyViolation,
    ReceiptInvalid,
    Refusal,
    SignatureInvalid,
    TamperedEnvelope,
    TimestampInvalid,
    TimestampUnavailable,
    UnknownAgency,
    WrappedKeyInvalid,
    WrongPassphrase,
    WrongShares,
)

__all__ = [
    "AgentError",
    "AuditLogBroken",
    "Category",
    "ClassicalRequest",
    "ClockBehind",
    "EnvelopeFromFuture",
    "FileUnreadable",
    "FingerprintUnconfirmed",
    "InactiveMember",
    "InsecureKeyFile",
    "InvalidArgument",
    "KeyNotFound",
    "KeyNotValid",
    "KeyRevoked",
    "KeystoreExists",
    "MalformedEnvelope",
    "MalformedInput",
    "MalformedKeyFile",
    "MalformedPola",
    "MalformedReceipt",
    "MalformedRequest",
    "MemberSignatureRequired",
    "Misuse",
    "NoKeystore",
    "NoPola",
    "NotARecipient",
    "OutputExists",
    "PolaExpired",
    "PolaMismatch",
    "PolaNotTrusted",
    "PolaRollback",
    "PolaSignatureInvalid",
    "PolaStale",
    "PolicyViolation",
    "ReceiptInvalid",
    "Refusal",
    "SandiError",
    "SignatureInvalid",
    "StorageError",
    "TamperedEnvelope",
    "TimestampInvalid",
    "TimestampUnavailable",
    "UnknownAgency",
    "UnsupportedPolaVersion",
    "UnsupportedSuite",
    "UnsupportedVersion",
    "WrappedKeyInvalid",
    "WrongPassphrase",
    "WrongShares",
]
