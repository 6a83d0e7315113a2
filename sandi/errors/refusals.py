"""Refusals: input that parses but fails a cryptographic or policy check (exit code 1)."""

from __future__ import annotations

from sandi.errors.base import Category, Phrase, SandiError

# --- refusals: cryptographic -----------------------------------------------------------


class Refusal(SandiError):
    """Input parsed but a cryptographic or policy check refused it."""

    summary_id = "ditolak"
    category = Category.POLICY


class TamperedEnvelope(Refusal):
    """The envelope was changed after sealing: a payload chunk, the encrypted
    metadata or the end of the payload does not authenticate, or it was truncated."""

    summary_id = "amplop telah diubah sesudah disegel"
    category = Category.TAMPERED
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
    category = Category.TAMPERED
    hint_en = "Do not count this receipt; ask the recipient for a receipt from sandi."
    hint_id = "Jangan anggap tanda terima ini; minta penerima mengirim tanda terima dari sandi."


class TimestampInvalid(Refusal):
    """A time-stamp token is not the pola TSA's, names another hash, or disagrees with
    the claimed time; or a required token is missing."""

    summary_id = "cap waktu tidak sah"
    category = Category.TAMPERED
    hint_en = "Do not trust the document's date; ask the sender to seal it again."
    hint_id = "Jangan percayai tanggal dokumen; minta pengirim menyegelnya ulang."


class TimestampUnavailable(Refusal):
    """The pola requires a time-stamp and its TSA does not answer or refuses."""

    summary_id = "otoritas cap waktu tidak dapat dihubungi"
    category = Category.UNAVAILABLE
    hint_en = "Check the network to the time-stamping authority, then try again."
    hint_id = "Periksa jaringan ke otoritas cap waktu, lalu coba lagi."


class NotARecipient(Refusal):
    """None of the key versions we hold opens the envelope (:meth:`of`); what the keystore
    holds and tried is kept for :meth:`debug_detail` (``sandi --debug``) only."""

    summary_id = "Anda bukan penerima amplop ini"
    category = Category.NOT_ADDRESSED
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
    category = Category.KEY
    hint_en = "Type the passphrase again; it is case-sensitive."
    hint_id = "Ketik ulang frasa sandi; huruf besar dan kecil dibedakan."


class WrongShares(Refusal):
    """Backup shares do not rebuild the backup key (too few, mistyped, or of another backup)."""

    summary_id = "bagian cadangan tidak cukup atau salah"
    category = Category.KEY
    hint_en = "Collect the threshold number of shares of this backup and type them exactly."
    hint_id = "Kumpulkan bagian cadangan sejumlah ambang dan ketik persis seperti tertulis."


# --- refusals: policy ---------------------------------------------------------------


class PolicyViolation(Refusal):
    """The pola does not allow this flow, or a classification's requirement is not met."""

    summary_id = "pola tidak mengizinkan pengiriman ini"
    category = Category.POLICY
    hint_en = "The installed pola does not allow this; only the persandian authority can change it."
    hint_id = "Pola terpasang tidak mengizinkannya; hanya unit persandian yang dapat mengubahnya."


class MemberSignatureRequired(PolicyViolation):
    """The pola requires a member's personal signature at this level; the agency's own
    key signed (or would sign)."""

    summary_id = "pola mewajibkan tanda tangan pribadi anggota"
    hint_en = ("Seal with a member's identity: open the agency's keys as one of its "
               "members (their own key file and passphrase); at this level an envelope "
               "signed with the agency key alone is refused, so it must be sealed again.")
    hint_id = ("Segel dengan identitas anggota: buka kunci OPD sebagai salah satu anggotanya "
               "(berkas kunci dan frasa sandi pribadinya); pada tingkat ini amplop yang "
               "hanya ditandatangani kunci OPD ditolak, jadi harus disegel ulang.")


class ClassicalRequest(PolicyViolation):
    """Where the pola requires the hybrid suite for some level, an agency's request (key
    change, revocation, member, member status) is signed by, or carries, a key without
    an ML-DSA-65 half: every signature on it must be Ed25519 + ML-DSA-65."""

    summary_id = "permintaan OPD tidak ditandatangani hibrida"
    hint_en = ("Under this pola an agency's requests need its hybrid key. An agency whose "
               "current key is classical gets its first hybrid key from the authority itself: "
               "the authority checks the new key's fingerprint with the agency's custodian in "
               "person and adds it as a change its custodians sign k-of-n.")
    hint_id = ("Di bawah pola ini permintaan OPD memerlukan kunci hibridanya. OPD yang kunci "
               "berlakunya klasik mendapat kunci hibrida pertamanya dari unit persandian "
               "sendiri: unit itu mencocokkan sidik kunci baru dengan kustodian OPD secara "
               "langsung dan menambahkannya sebagai perubahan yang ditandatangani k-dari-n "
               "kustodiannya.")


class UnknownAgency(PolicyViolation):
    """An agency id is not in the pola."""

    summary_id = "instansi tidak ada dalam pola"
    hint_en = "Use an agency id that the installed pola lists."
    hint_id = "Pakai id instansi yang tercantum dalam pola terpasang."


class KeyRevoked(Refusal):
    """A key was revoked, or retired (its successor published), before the time it was used."""

    summary_id = "kunci sudah dicabut"
    category = Category.KEY
    hint_en = (
        "Do not trust what this key signed after its end; the agency must use its current "
        "key."
    )
    hint_id = (
        "Jangan percayai yang ditandatangani kunci ini sesudah berakhir; instansi harus "
        "memakai kuncinya yang berlaku."
    )


class KeyNotValid(Refusal):
    """A key version is unknown to the pola, or was not yet valid at the time it was used."""

    summary_id = "kunci tidak berlaku pada waktu itu"
    category = Category.KEY
    hint_en = (
        "Install the newest pola from the persandian authority (Home.install_pola), then "
        "try again."
    )
    hint_id = "Pasang pola terbaru dari unit persandian (Home.install_pola), lalu coba lagi."


class InactiveMember(KeyNotValid):
    """The installed pola lists the official whose personal key unlocks a members'
    vault as suspended or removed, or with another personal key."""

    summary_id = "anggota tidak aktif menurut pola"
    hint_en = ("Only the agency's key custodian can reinstate the member or enrol a new "
               "key; until then this member's key opens and signs nothing.")
    hint_id = ("Hanya kustodian kunci instansi yang dapat mengaktifkan kembali anggota atau "
               "mendaftarkan kunci baru; sampai itu kunci anggota ini tidak dapat dipakai.")


class PolaSignatureInvalid(Refusal):
    """A pola lacks a threshold of valid signatures from distinct authority keys,
    or an authority rotation is not signed by the old and the new threshold."""

    summary_id = "tanda tangan pola tidak cukup atau tidak sah"
    category = Category.TAMPERED
    hint_en = "Do not install this pola; get it again from the persandian authority."
    hint_id = "Jangan pasang pola ini; ambil ulang dari unit persandian."


class FingerprintUnconfirmed(PolaSignatureInvalid):
    """The first pola of a home was offered without the authority's fingerprint, or with
    another one: nothing anchors its signatures yet (docs/pola.md, "First install")."""

    summary_id = "sidik jari unit persandian belum dikonfirmasi"
    category = Category.BAD_INPUT
    hint_en = ("Confirm the authority's fingerprint against the decree or the authority's "
               "own copy, then install again passing it as ``fingerprint``.")
    hint_id = ("Cocokkan sidik jari unit persandian dengan surat keputusan atau salinan dari "
               "unit persandian, lalu pasang lagi dengan ``fingerprint`` itu.")


class PolaRollback(Refusal):
    """A pola is older than the newest one this home has trusted."""

    summary_id = "pola yang ditawarkan lebih lama dari yang terpasang"
    category = Category.TAMPERED
    hint_en = "Someone offers an old pola; get the newest one from the persandian authority."
    hint_id = "Ada pola lama yang disodorkan; ambil pola terbaru dari unit persandian."


class PolaExpired(Refusal):
    """A pola is past its expiry time."""

    summary_id = "pola sudah kedaluwarsa"
    category = Category.UNAVAILABLE
    hint_en = "Ask the persandian authority for a renewed pola and install it."
    hint_id = "Minta pola yang diperbarui kepada unit persandian, lalu pasang."


class PolaNotTrusted(Refusal):
    """A pola file in the home is not one this home installed (another authority's, an
    injected or replaced file, an older version), or its trust state is unsafe."""

    summary_id = "berkas pola di home tidak dipasang oleh home ini"
    category = Category.TAMPERED
    hint_en = "Do not use it; install the pola from the authority again (Home.install_pola)."
    hint_id = "Jangan dipakai; pasang ulang pola dari unit persandian (Home.install_pola)."


class PolaStale(Refusal):
    """No fresh statement from the authority that the installed pola is still current
    (docs/pola.md, "Freshness"), or a newer pola exists than the one offered."""

    summary_id = "pola belum dipastikan masih terbaru"
    category = Category.UNAVAILABLE
    hint_en = (
        "Fetch the newest pola and its freshness statement from the authority and install "
        "them."
    )
    hint_id = (
        "Ambil pola terbaru beserta pernyataan kesegarannya dari unit persandian, lalu "
        "pasang."
    )


class ClockBehind(Refusal):
    """This computer's clock is earlier than the latest trusted time the home has seen."""

    summary_id = "jam komputer ini mundur"
    category = Category.UNAVAILABLE
    hint_en = "Set this computer's clock to the right time (NTP), then try again."
    hint_id = "Setel jam komputer ini ke waktu yang benar (NTP), lalu coba lagi."


class EnvelopeFromFuture(Refusal):
    """An envelope is dated later than now plus the allowed clock skew (5 minutes)."""

    summary_id = "amplop bertanggal di masa depan"
    category = Category.TAMPERED
    hint_en = "Check this computer's clock; if it is right, the envelope is not to be trusted."
    hint_id = "Periksa jam komputer ini; bila sudah benar, amplop ini tidak dapat dipercaya."


class PolaMismatch(Refusal):
    """An envelope names a pola (id or version) that is not the installed one's."""

    summary_id = "amplop dibuat dengan pola lain"
    category = Category.POLICY
    hint_en = "Install the newest pola of the sender's government (Home.install_pola)."
    hint_id = "Pasang pola terbaru pemerintah pengirim (Home.install_pola)."


class AuditLogBroken(Refusal):
    """The audit log's hash chain or a checkpoint does not verify."""

    summary_id = "log audit rusak atau diubah"
    category = Category.TAMPERED
    hint_en = "Keep the log as it is and report it to the Inspektorat."
    hint_id = "Biarkan log apa adanya dan laporkan ke Inspektorat."
