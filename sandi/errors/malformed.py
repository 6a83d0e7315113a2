"""Malformed input: bytes that should be a sandi structure do not parse (exit code 1)."""

from __future__ import annotations

from sandi.errors.base import Category, SandiError


class MalformedInput(SandiError):
    """Bytes that should be a sandi structure do not parse."""

    summary_id = "berkas tidak dapat dibaca"
    category = Category.BAD_INPUT


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
    category = Category.KEY
    hint_en = "The key file is damaged or not a sandi key file; restore it from its backup."
    hint_id = "Berkas kunci rusak atau bukan berkas kunci sandi; pulihkan dari cadangannya."


class MalformedRequest(MalformedInput):
    """An enrollment or key-change request does not parse or its proof fails."""

    summary_id = "permintaan kunci tidak sah"
    hint_en = "Ask the agency's key custodian to create the request again."
    hint_id = "Minta kustodian kunci instansi membuat ulang permintaan."
