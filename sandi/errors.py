"""Every error a caller of sandi can meet, in one hierarchy.

Three families sit under :class:`SandiError`: :class:`MalformedInput` (bytes that do
not parse; exit code 1), :class:`Refusal` (parses, but a cryptographic or policy check
refuses it; exit code 1) and :class:`Misuse` (the caller asked for something that
cannot be done; exit code 2). Each class carries a ``hint``: the fix, in English and
Indonesian, in words an official understands.

An error is raised with an English template and its parameters,
``OutputExists("{path} already exists", path=p)``: ``str(err)`` is the English
text, ``err.message("id")`` the same detail in Indonesian (from the ``sandi``
gettext catalogue shipped in ``sandi/locale``), ``err.describe("id")`` the whole
line for an official. Words given as a parameter are a :class:`Phrase`.

>>> from sandi.errors import OutputExists
>>> err = OutputExists("{path} already exists", path="surat.pdf")
>>> err.exit_code, str(err)
(2, 'surat.pdf already exists')
>>> err.describe("id")
'berkas keluaran sudah ada (surat.pdf sudah ada)'
"""

from __future__ import annotations

from typing import Self

from sandi._internal.i18n import Phrase as Phrase  # re-exported: words as an error parameter
from sandi._internal.i18n import render


class SandiError(Exception):
    """Base of every error sandi raises on purpose."""

    summary_id = "terjadi galat"
    exit_code = 1
    hint_en = "See `sandi --help`."
    hint_id = "Lihat `sandi --help`."

    def __init__(self, template: str | Phrase = "", /, **params: object) -> None:
        """``template`` is English with ``{placeholders}`` from ``params`` (or a Phrase)."""
        if isinstance(template, Phrase):
            self.template, self.params = template.template, {**template.params, **params}
        else:
            self.template, self.params = template, params
        super().__init__(render(self.template, self.params))

    def with_params(self, **params: object) -> Self:
        """The same error with some parameters replaced (a more precise location, say)."""
        return type(self)(self.template, **{**self.params, **params})

    def message(self, lang: str = "en") -> str:
        """The precise detail in ``lang`` ("en" or "id"); ``str(err)`` is the English."""
        return str(self) if lang != "id" else render(self.template, self.params, lang)

    def describe(self, lang: str = "en") -> str:
        """The error line for people: in Indonesian, the problem, then the detail."""
        if lang != "id":
            return str(self)
        detail = self.message(lang)
        if detail.casefold().startswith(self.summary_id.casefold()):
            return detail
        return f"{self.summary_id} ({detail})"

    def hint(self, lang: str = "en") -> str:
        """The fix, in ``lang`` ("en" or "id")."""
        return self.hint_id if lang == "id" else self.hint_en

    def debug_detail(self, lang: str = "en") -> str | None:
        """Detail kept out of the message on purpose, for ``--debug``; None if none."""
        return None


# --- malformed input -----------------------------------------------------------------


class MalformedInput(SandiError):
    """Bytes that should be a sandi structure do not parse."""

    summary_id = "berkas tidak dapat dibaca"


class MalformedEnvelope(MalformedInput):
    """An envelope does not parse: bad magic, lengths, counts or fields."""

    summary_id = "berkas bukan amplop sandi yang utuh"
    hint_en = "The file is not a complete sandi envelope; ask the sender to send it again."
    hint_id = "Berkas bukan amplop sandi yang utuh; minta pengirim mengirim ulang."


class UnsupportedVersion(MalformedEnvelope):
    """An envelope names a format version this sandi does not read (1, or a newer one)."""

    summary_id = "versi format amplop tidak dikenal"
    hint_en = "Ask the sender to seal the document again with current sandi, or upgrade sandi."
    hint_id = "Minta pengirim menyegel ulang dengan sandi terkini, atau perbarui sandi."


class UnsupportedSuite(MalformedEnvelope):
    """An envelope names a cryptographic suite this sandi does not know."""

    summary_id = "suite kriptografi amplop tidak dikenal"
    hint_en = "Upgrade sandi; the envelope uses a suite this version does not implement."
    hint_id = "Perbarui sandi; amplop memakai suite yang belum dikenal versi ini."


class MalformedReceipt(MalformedInput):
    """A receipt (tanda terima) does not parse, or is an envelope."""

    summary_id = "berkas bukan tanda terima sandi yang utuh"
    hint_en = "The file is not a complete sandi receipt; ask the recipient to send it again."
    hint_id = "Berkas bukan tanda terima sandi yang utuh; minta penerima mengirim ulang."


class MalformedPola(MalformedInput):
    """A signed pola file or a pola source (TOML) does not parse or breaks a rule."""

    summary_id = "pola tidak dapat dibaca"
    hint_en = "Ask the persandian authority for an intact copy of the pola."
    hint_id = "Minta salinan pola yang utuh kepada unit persandian."


class UnsupportedPolaVersion(MalformedPola):
    """A signed pola names a format version this sandi does not know."""

    summary_id = "versi format pola tidak dikenal"
    hint_en = "Upgrade sandi; the pola was made by a newer version."
    hint_id = "Perbarui sandi; pola dibuat oleh versi yang lebih baru."


class MalformedKeyFile(MalformedInput):
    """A keystore file does not parse, or its content does not authenticate."""

    summary_id = "berkas kunci rusak atau tidak dikenal"
    hint_en = "Restore the keystore from backup (`sandi keys restore`)."
    hint_id = "Pulihkan keystore dari cadangan (`sandi keys restore`)."


class MalformedRequest(MalformedInput):
    """An enrollment or key-change request does not parse or its proof fails."""

    summary_id = "permintaan kunci tidak sah"
    hint_en = "Ask the agency's key custodian to create the request again."
    hint_id = "Minta kustodian kunci instansi membuat ulang permintaan."


# --- refusals: cryptographic -----------------------------------------------------------


class Refusal(SandiError):
    """Input parsed but a cryptographic or policy check refused it."""

    summary_id = "ditolak"


class TamperedEnvelope(Refusal):
    """The envelope was changed after sealing: a payload chunk, the encrypted
    metadata or the end of the payload does not authenticate, or it was truncated."""

    summary_id = "amplop telah diubah sesudah disegel"
    hint_en = "Do not trust this file; ask the sender to send the document again."
    hint_id = "Jangan percayai berkas ini; minta pengirim mengirim ulang dokumen."


class SignatureInvalid(TamperedEnvelope):
    """The sender's signature over the header and payload does not verify."""

    summary_id = "tanda tangan pengirim tidak sah"


class WrappedKeyInvalid(TamperedEnvelope):
    """Our recipient stanza unwraps to nothing, or to a key the header does not
    commit to (a key-commitment failure)."""

    summary_id = "kunci terbungkus untuk instansi Anda rusak"


class ReceiptInvalid(Refusal):
    """A receipt's signature does not verify, or it names another envelope."""

    summary_id = "tanda terima tidak sah"
    hint_en = "Do not count this receipt; ask the recipient for a receipt from sandi."
    hint_id = "Jangan anggap tanda terima ini; minta penerima mengirim tanda terima dari sandi."


class TimestampInvalid(Refusal):
    """A time-stamp token is not the pola TSA's, names another hash, or disagrees with
    the claimed time; or a required token is missing."""

    summary_id = "cap waktu tidak sah"
    hint_en = "Do not trust the document's date; ask the sender to seal it again."
    hint_id = "Jangan percayai tanggal dokumen; minta pengirim menyegelnya ulang."


class TimestampUnavailable(Refusal):
    """The pola requires a time-stamp and its TSA does not answer or refuses."""

    summary_id = "otoritas cap waktu tidak dapat dihubungi"
    hint_en = "Check the network to the time-stamping authority, then try again."
    hint_id = "Periksa jaringan ke otoritas cap waktu, lalu coba lagi."


class NotARecipient(Refusal):
    """None of the key versions we hold opens the envelope (:meth:`of`); what the keystore
    holds and tried is kept for :meth:`debug_detail` (``sandi --debug``) only."""

    summary_id = "Anda bukan penerima amplop ini"
    hint_en = "The document is not addressed to your agency, or needs a key you do not hold."
    hint_id = "Dokumen tidak ditujukan ke instansi Anda, atau perlu kunci yang tidak Anda miliki."

    #: The recipients, the agencies held, and held agencies' versions not held.
    to: tuple[str, ...] = ()
    held: tuple[str, ...] = ()
    tried: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, *, to: tuple[str, ...], held: tuple[str, ...],
           tried: tuple[tuple[str, int], ...]) -> NotARecipient:
        """The refusal of an envelope for ``to`` by a keystore holding keys of ``held``,
        after finding the key versions ``tried`` (agency, version) not held."""
        err = NotARecipient("none of the keys in this keystore is a recipient of this envelope")
        err.to, err.held, err.tried = to, held, tried
        return err

    def debug_detail(self, lang: str = "en") -> str | None:
        """Who the envelope is for, which agencies the keystore holds, what was tried."""
        if not self.to:
            return None
        tried = [Phrase("{agency} v{version} (not held)", agency=a, version=v)
                 for a, v in self.tried]
        detail = Phrase("; tried {keys}", keys=tried) if tried else ""
        return Phrase("this envelope is for {to}; this keystore holds keys for {held}{detail}",
                      to=", ".join(self.to), held=", ".join(self.held) or Phrase("no agency"),
                      detail=detail).message(lang)


class WrongPassphrase(Refusal):
    """The passphrase does not unlock the keystore."""

    summary_id = "frasa sandi salah"
    hint_en = "Type the passphrase again; it is case-sensitive."
    hint_id = "Ketik ulang frasa sandi; huruf besar dan kecil dibedakan."


class WrongShares(Refusal):
    """Backup shares do not rebuild the backup key (too few, mistyped, or of another backup)."""

    summary_id = "bagian cadangan tidak cukup atau salah"
    hint_en = "Collect the threshold number of shares of this backup and type them exactly."
    hint_id = "Kumpulkan bagian cadangan sejumlah ambang dan ketik persis seperti tertulis."


# --- refusals: policy ---------------------------------------------------------------


class PolicyViolation(Refusal):
    """The pola does not allow this flow, or a classification's requirement is not met."""

    summary_id = "pola tidak mengizinkan pengiriman ini"
    hint_en = "Check `sandi pola show` for what is allowed, or ask the authority to change it."
    hint_id = "Periksa `sandi pola show` untuk alur yang diizinkan, atau ajukan perubahan."


class UnknownAgency(PolicyViolation):
    """An agency id is not in the pola."""

    summary_id = "instansi tidak ada dalam pola"
    hint_en = "Check the agency id with `sandi pola show`."
    hint_id = "Periksa id instansi dengan `sandi pola show`."


class KeyRevoked(Refusal):
    """A key was revoked before the time it was used."""

    summary_id = "kunci sudah dicabut"
    hint_en = "Ask the sender to seal again with a current key; report it to the authority."
    hint_id = "Minta pengirim menyegel ulang dengan kunci yang berlaku; laporkan ke persandian."


class KeyNotValid(Refusal):
    """A key version is unknown to the pola, or was not yet valid at the time it was used."""

    summary_id = "kunci tidak berlaku pada waktu itu"
    hint_en = "Install the newest pola with `sandi pola update`, then try again."
    hint_id = "Pasang pola terbaru dengan `sandi pola update`, lalu coba lagi."


class PolaSignatureInvalid(Refusal):
    """A pola lacks a threshold of valid signatures from distinct authority keys,
    or an authority rotation is not signed by the old and the new threshold."""

    summary_id = "tanda tangan pola tidak cukup atau tidak sah"
    hint_en = "Do not install this pola; get it again from the persandian authority."
    hint_id = "Jangan pasang pola ini; ambil ulang dari unit persandian."


class PolaRollback(Refusal):
    """A pola is older than the newest one this home has trusted."""

    summary_id = "pola yang ditawarkan lebih lama dari yang terpasang"
    hint_en = "Someone offers an old pola; get the newest one from the persandian authority."
    hint_id = "Ada pola lama yang disodorkan; ambil pola terbaru dari unit persandian."


class PolaExpired(Refusal):
    """A pola is past its expiry time."""

    summary_id = "pola sudah kedaluwarsa"
    hint_en = "Ask the persandian authority for a renewed pola and install it."
    hint_id = "Minta pola yang diperbarui kepada unit persandian, lalu pasang."


class PolaMismatch(Refusal):
    """An envelope names a pola (id or version) that is not the installed one's."""

    summary_id = "amplop dibuat dengan pola lain"
    hint_en = "Install the newest pola of the sender's government with `sandi pola update`."
    hint_id = "Pasang pola terbaru pemerintah pengirim dengan `sandi pola update`."


class AuditLogBroken(Refusal):
    """The audit log's hash chain or a checkpoint does not verify."""

    summary_id = "log audit rusak atau diubah"
    hint_en = "Keep the log as it is and report it to the Inspektorat."
    hint_id = "Biarkan log apa adanya dan laporkan ke Inspektorat."


# --- misuse -----------------------------------------------------------------------


class Misuse(SandiError):
    """The caller asked for something that cannot be done."""

    summary_id = "perintah tidak dapat dijalankan"
    exit_code = 2


class InvalidArgument(Misuse):
    """An argument is out of range (a classification, no recipients, a naive datetime)."""

    summary_id = "argumen tidak sah"
    hint_en = "Correct the argument; see `sandi COMMAND --help`."
    hint_id = "Perbaiki argumen; lihat `sandi PERINTAH --help`."


class KeyNotFound(Misuse):
    """The keystore holds no key for the agency or key version asked for."""

    summary_id = "kunci tidak ditemukan di keystore"
    hint_en = "Use the home that holds your agency's keys (--home or SANDI_HOME)."
    hint_id = "Pakai home yang menyimpan kunci instansi Anda (--home atau SANDI_HOME)."


class KeystoreExists(Misuse):
    """A keystore already holds keys for that agency."""

    summary_id = "keystore sudah ada"
    hint_en = "Use `sandi keys rotate` to replace keys, or choose another --home."
    hint_id = "Pakai `sandi keys rotate` untuk mengganti kunci, atau pilih --home lain."


class NoKeystore(Misuse):
    """The home has no keystore (or no installed pola) yet."""

    summary_id = "belum ada keystore"
    hint_en = "Create one with `sandi keys init`, or point --home at the right directory."
    hint_id = "Buat dengan `sandi keys init`, atau arahkan --home ke direktori yang benar."


class NoPola(Misuse):
    """The home has no installed pola."""

    summary_id = "belum ada pola terpasang"
    hint_en = "Install the pola from the persandian authority with `sandi pola update FILE`."
    hint_id = "Pasang pola dari unit persandian dengan `sandi pola update BERKAS`."


class OutputExists(Misuse):
    """The output file exists and overwriting was not asked for."""

    summary_id = "berkas keluaran sudah ada"
    hint_en = "Choose another output path, or pass --force to replace the file."
    hint_id = "Pilih berkas keluaran lain, atau tambahkan --force untuk menimpanya."


class InsecureKeyFile(Misuse):
    """A private key file is readable by other users."""

    summary_id = "berkas kunci dapat dibaca pengguna lain"
    hint_en = "Restrict it: chmod 600 FILE."
    hint_id = "Batasi aksesnya: chmod 600 BERKAS."


class StorageError(SandiError):
    """Writing output failed (disk full, permission denied, read-only directory).
    Nothing partial is left behind and no existing file is changed."""

    summary_id = "gagal menulis berkas"
    hint_en = "Free disk space or pick a writable directory, then run the command again."
    hint_id = "Kosongkan ruang disk atau pilih direktori yang dapat ditulis, lalu ulangi."
