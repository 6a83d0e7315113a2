"""Misuse: the caller asked for something that cannot be done (exit code 2), and storage
failures (exit code 1)."""

from __future__ import annotations

from sandi.errors.base import Category, SandiError


class Misuse(SandiError):
    """The caller asked for something that cannot be done."""

    summary_id = "perintah tidak dapat dijalankan"
    category = Category.BAD_INPUT
    exit_code = 2


class InvalidArgument(Misuse):
    """An argument is out of range (a classification, no recipients, a naive datetime)."""

    summary_id = "argumen tidak sah"
    hint_en = "Correct the argument the message names."
    hint_id = "Perbaiki argumen yang disebut dalam pesan."


class FileUnreadable(InvalidArgument):
    """A file sandi must read cannot be read: missing, a directory, permission denied,
    an I/O error (a keystore, a key file, a document to seal)."""

    summary_id = "berkas tidak dapat dibaca"
    category = Category.UNAVAILABLE
    hint_en = "Check that the file exists and that the user running sandi may read it."
    hint_id = "Pastikan berkas ada dan pengguna yang menjalankan sandi boleh membacanya."


class KeyNotFound(Misuse):
    """The keystore holds no key for the agency or key version asked for."""

    summary_id = "kunci tidak ditemukan di keystore"
    category = Category.KEY
    hint_en = "Open the keystore of the home that holds this agency's keys."
    hint_id = "Buka keystore dari home yang menyimpan kunci instansi ini."


class KeystoreExists(Misuse):
    """A keystore already holds keys for that agency."""

    summary_id = "keystore sudah ada"
    hint_en = "Open the existing keystore, or create the new one in another home."
    hint_id = "Buka keystore yang sudah ada, atau buat yang baru di home lain."


class NoKeystore(Misuse):
    """The home has no keystore (or no installed pola) yet."""

    summary_id = "belum ada keystore"
    category = Category.KEY
    hint_en = "Create a keystore in this home (Keystore.create), or use the home that holds one."
    hint_id = "Buat keystore di home ini (Keystore.create), atau pakai home yang sudah memilikinya."


class NoPola(Misuse):
    """The home has no installed pola."""

    summary_id = "belum ada pola terpasang"
    category = Category.UNAVAILABLE
    hint_en = "Install the persandian authority's pola in this home first (Home.install_pola)."
    hint_id = "Pasang dulu pola dari unit persandian di home ini (Home.install_pola)."


class OutputExists(Misuse):
    """The output file exists and overwriting was not asked for."""

    summary_id = "berkas keluaran sudah ada"
    hint_en = "Choose another output path, or pass force=True to replace a file you named."
    hint_id = "Pilih berkas keluaran lain, atau force=True untuk menimpa berkas yang Anda sebut."


class InsecureKeyFile(Misuse):
    """A private key file is readable by other users."""

    summary_id = "berkas kunci dapat dibaca pengguna lain"
    category = Category.KEY
    hint_en = "Make the key file readable and writable by its owner only (mode 0600)."
    hint_id = "Batasi berkas kunci agar hanya dapat dibaca dan ditulis pemiliknya (mode 0600)."


class StorageError(SandiError):
    """Writing output failed (disk full, permission denied, read-only directory).
    Nothing partial is left behind and no existing file is changed."""

    summary_id = "gagal menulis berkas"
    category = Category.UNAVAILABLE
    hint_en = "Free disk space or pick a writable directory, then run the command again."
    hint_id = "Kosongkan ruang disk atau pilih direktori yang dapat ditulis, lalu ulangi."


class AgentError(SandiError):
    """``sandi agent`` cannot be used as asked: none runs for this home, one runs
    already, its socket directory is not private to this user, or it answered
    something that is not the agent protocol (docs/agent.md). Commands that only need
    keys never raise it for a missing or ended agent: they unlock as without one."""

    summary_id = "agen sandi tidak dapat dipakai"
    category = Category.UNAVAILABLE
    hint_en = "Check the agent serving this home; if it misbehaves, stop it and start it again."
    hint_id = "Periksa agen yang melayani home ini; bila bermasalah, hentikan lalu jalankan lagi."
