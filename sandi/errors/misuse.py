"""Misuse: the caller asked for something that cannot be done (exit code 2), and storage
failures (exit code 1)."""

from __future__ import annotations

from sandi.errors.base import SandiError


class Misuse(SandiError):
    """The caller asked for something that cannot be done."""

    summary_id = "perintah tidak dapat dijalankan"
    exit_code = 2


class InvalidArgument(Misuse):
    """An argument is out of range (a classification, no recipients, a naive datetime)."""

    summary_id = "argumen tidak sah"
    hint_en = "Correct the argument; see `sandi COMMAND --help`."
    hint_id = "Perbaiki argumen; lihat `sandi PERINTAH --help`."


class FileUnreadable(InvalidArgument):
    """A file sandi must read cannot be read: missing, a directory, permission denied,
    an I/O error (a keystore, a key file, a document to seal)."""

    summary_id = "berkas tidak dapat dibaca"
    hint_en = "Check that the file exists and that the user running sandi may read it."
    hint_id = "Pastikan berkas ada dan pengguna yang menjalankan sandi boleh membacanya."


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


class AgentError(SandiError):
    """``sandi agent`` cannot be used as asked: none runs for this home, one runs
    already, its socket directory is not private to this user, or it answered
    something that is not the agent protocol (docs/agent.md). Commands that only need
    keys never raise it for a missing or ended agent: they unlock as without one."""

    summary_id = "agen sandi tidak dapat dipakai"
    hint_en = ("Run `sandi agent status`; if the agent misbehaves, `sandi agent stop` then "
               "`sandi agent start`.")
    hint_id = ("Jalankan `sandi agent status`; bila agen bermasalah, `sandi agent stop` lalu "
               "`sandi agent start`.")
