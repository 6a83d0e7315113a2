"""Refusals: input that parses but fails a cryptographic or policy check (exit code 1)."""

from __future__ import annotations

from sandi.errors.base import Phrase, SandiError

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


class MemberSignatureRequired(PolicyViolation):
    """The pola requires a member's personal signature at this level; the agency's own
    key signed (or would sign)."""

    summary_id = "pola mewajibkan tanda tangan pribadi anggota"
    hint_en = ("Seal as one of the agency's members: open the keystore as that member "
               "(`--member ID` in the CLI, with their own passphrase).")
    hint_id = ("Segel sebagai salah satu anggota OPD: buka keystore sebagai anggota itu "
               "(`--member ID` di CLI, dengan frasa sandi pribadinya).")


class UnknownAgency(PolicyViolation):
    """An agency id is not in the pola."""

    summary_id = "instansi tidak ada dalam pola"
    hint_en = "Check the agency id with `sandi pola show`."
    hint_id = "Periksa id instansi dengan `sandi pola show`."


class KeyRevoked(Refusal):
    """A key was revoked, or retired (its successor published), before the time it was used."""

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


class PolaNotTrusted(Refusal):
    """A pola file in the home is not one this home installed (another authority's, an
    injected or replaced file, an older version), or its trust state is unsafe."""

    summary_id = "berkas pola di home tidak dipasang oleh home ini"
    hint_en = "Do not use it; reinstall the pola from the authority with `sandi pola update`."
    hint_id = "Jangan dipakai: pasang ulang pola dari unit persandian (`sandi pola update`)."


class PolaStale(Refusal):
    """No fresh statement from the authority that the installed pola is still current
    (docs/pola.md, "Freshness"), or a newer pola exists than the one offered."""

    summary_id = "pola belum dipastikan masih terbaru"
    hint_en = "Run `sandi pola update` with the authority's address to fetch the newest pola."
    hint_id = "Jalankan `sandi pola update` dengan alamat unit persandian untuk pola terbaru."


class ClockBehind(Refusal):
    """This computer's clock is earlier than the latest trusted time the home has seen."""

    summary_id = "jam komputer ini mundur"
    hint_en = "Set this computer's clock to the right time (NTP), then try again."
    hint_id = "Setel jam komputer ini ke waktu yang benar (NTP), lalu coba lagi."


class EnvelopeFromFuture(Refusal):
    """An envelope is dated later than now plus the allowed clock skew (5 minutes)."""

    summary_id = "amplop bertanggal di masa depan"
    hint_en = "Check this computer's clock; if it is right, the envelope is not to be trusted."
    hint_id = "Periksa jam komputer ini; bila sudah benar, amplop ini tidak dapat dipercaya."


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
