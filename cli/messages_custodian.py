"""Messages of the agency custodians' and auditors' commands (key lifecycle,
backup, rewrap, audit), in English and Indonesian; merged into
:data:`sandi_cli.messages.CATALOGUE`."""

from __future__ import annotations

CUSTODIAN: dict[str, dict[str, str]] = {
    # --- help: commands ---
    "keys.rotate.help": {"en": "Make the next key version and the request to make it current.",
                         "id": "Buat versi kunci berikutnya beserta permintaan agar"
                               " diberlakukan."},
    "keys.revoke.help": {"en": "Write the request to revoke a key version.",
                         "id": "Tulis permintaan pencabutan satu versi kunci."},
    "keys.fingerprint.help": {"en": "Print fingerprints to compare by phone: your keys, the"
                                    " pola's authority.",
                              "id": "Cetak sidik jari untuk dicocokkan lewat telepon: kunci"
                                    " Anda, otoritas pola."},
    "keys.backup.help": {"en": "Back up the keystore to a backup key split into paper shares.",
                         "id": "Cadangkan keystore ke kunci cadangan yang dibagi menjadi"
                               " lembar-lembar kertas."},
    "keys.restore.help": {"en": "Rebuild the keystore in an empty home from a backup and"
                                " shares.",
                          "id": "Bangun ulang keystore di home kosong dari cadangan dan"
                                " bagian-bagiannya."},
    "rewrap.help": {"en": "Move envelopes to your agency's current key version.",
                    "id": "Pindahkan amplop ke versi kunci instansi Anda yang berlaku."},
    "audit.help": {"en": "Show and check the tamper-evident audit log.",
                   "id": "Tampilkan dan periksa log audit yang tahan rusak."},
    "audit.show.help": {"en": "List audit records.", "id": "Tampilkan catatan audit."},
    "audit.verify.help": {"en": "Check the log's hash chain (and that it extends a checkpoint).",
                          "id": "Periksa rantai hash log (dan bahwa log melanjutkan titik"
                                " periksa)."},
    "audit.checkpoint.help": {"en": "Sign the log's current state for an auditor to keep.",
                              "id": "Tandatangani keadaan log saat ini untuk disimpan"
                                    " auditor."},
    # --- help: options ---
    "opt.audit_db": {"en": "Audit log: a SQLite file or a postgresql:// URL (default:"
                           " HOME/audit.db).",
                     "id": "Log audit: berkas SQLite atau URL postgresql:// (bawaan:"
                           " HOME/audit.db)."},
    "opt.request_out": {"en": "Where to write the request (a file, or a directory; default:"
                              " the current directory).",
                        "id": "Tempat menulis permintaan (berkas atau direktori; bawaan:"
                              " direktori saat ini)."},
    "opt.pq_rotate": {"en": "Add post-quantum keys (kept anyway if the current key has them).",
                      "id": "Tambahkan kunci pascakuantum (tetap dipertahankan bila kunci"
                            " sekarang memilikinya)."},
    "opt.revoke_version": {"en": "The key version to revoke.",
                           "id": "Versi kunci yang dicabut."},
    "opt.reason": {"en": "superseded: older signatures stay valid; compromised: none is"
                         " trusted.",
                   "id": "superseded: tanda tangan lama tetap sah; compromised: tidak ada yang"
                         " dipercaya."},
    "opt.effective": {"en": "From when the revocation holds (default: now; UTC if no zone).",
                      "id": "Sejak kapan pencabutan berlaku (bawaan: sekarang; UTC bila tanpa"
                            " zona)."},
    "opt.fingerprint_agency": {"en": "Only this agency's keys.",
                               "id": "Hanya kunci instansi ini."},
    "opt.fingerprint_pola": {"en": "The installed pola's authority fingerprint (no passphrase"
                                   " needed).",
                             "id": "Sidik jari otoritas pola terpasang (tanpa frasa sandi)."},
    "opt.shares": {"en": "Number of paper shares (first backup, or with --new-shares).",
                   "id": "Jumlah lembar bagian (cadangan pertama, atau dengan --new-shares)."},
    "opt.share_threshold": {"en": "How many shares rebuild the backup key.",
                            "id": "Jumlah bagian yang dapat membangun ulang kunci cadangan."},
    "opt.new_shares": {"en": "Make a new backup key and new shares.",
                       "id": "Buat kunci cadangan dan bagian-bagian baru."},
    "opt.backup_output": {"en": "Backup file (default: HOME/backup.sandi).",
                          "id": "Berkas cadangan (bawaan: HOME/backup.sandi)."},
    "opt.backup_file": {"en": "The backup file to restore.",
                        "id": "Berkas cadangan yang dipulihkan."},
    "opt.shares_file": {"en": "Read the shares from FILE, one per line (default: type them).",
                        "id": "Baca bagian dari BERKAS, satu per baris (bawaan: diketik)."},
    "opt.retire": {"en": "Afterwards, request the retirement of older key versions no scanned"
                         " file needs.",
                   "id": "Sesudahnya, minta purnatugas versi kunci lama yang tidak lagi"
                         " diperlukan berkas yang dipindai."},
    "opt.jobs": {"en": "Worker processes (default: one per CPU, for batches of over 64"
                       " files).",
                 "id": "Jumlah proses pekerja (bawaan: satu per CPU, untuk lebih dari 64"
                       " berkas)."},
    "opt.since": {"en": "Only records from this time (UTC if no zone).",
                  "id": "Hanya catatan sejak waktu ini (UTC bila tanpa zona)."},
    "opt.doc": {"en": "Only records of this document id.",
                "id": "Hanya catatan dokumen dengan id ini."},
    "opt.checkpoint": {"en": "Also check that the log extends this checkpoint.",
                       "id": "Periksa juga bahwa log melanjutkan titik periksa ini."},
    "opt.checkpoint_agency": {"en": "The agency that signed the checkpoint.",
                              "id": "Instansi yang menandatangani titik periksa."},
    "opt.checkpoint_output": {"en": "Write the checkpoint to FILE (default: print it).",
                              "id": "Tulis titik periksa ke BERKAS (bawaan: cetak)."},
    "param.audit_db": {"en": "the audit log is a SQLite file or a postgresql:// URL",
                       "id": "log audit berupa berkas SQLite atau URL postgresql://"},
    "param.time": {"en": "{value!r} is not a time; use ISO 8601, e.g. 2026-11-23 or"
                         " 2026-11-23T21:34:00+07:00",
                   "id": "{value!r} bukan waktu; pakai ISO 8601, mis. 2026-11-23 atau"
                         " 2026-11-23T21:34:00+07:00"},
    # --- requests ---
    "request.written": {"en": "Request written: {path}", "id": "Permintaan ditulis: {path}"},
    "rotate.made": {"en": "Made key {agency} v{version} to replace v{old} (post-quantum: {pq}).",
                    "id": "Kunci {agency} v{version} dibuat untuk menggantikan v{old}"
                          " (pascakuantum: {pq})."},
    "rotate.pending": {"en": "this keystore already holds {versions} of {agency}, newer than the"
                             " pola's current v{current}: an earlier rotation may be pending"
                             " with the authority",
                       "id": "keystore ini sudah menyimpan {versions} milik {agency}, lebih baru"
                             " daripada v{current} di pola: rotasi sebelumnya mungkin masih"
                             " diproses otoritas"},
    "rotate.next": {"en": "Next: hand {path} and the fingerprint to the persandian authority,"
                          " which applies it (`sandi pola request`), then builds, signs and"
                          " publishes. Install that pola (`sandi pola update`); {agency} keeps"
                          " sealing with v{old} until then. Afterwards rewrap your archive to"
                          " v{version}: `sandi rewrap DIR --retire`.",
                    "id": "Berikutnya: serahkan {path} dan sidik jarinya kepada unit persandian,"
                          " yang menerapkannya (`sandi pola request`), lalu build, sign, dan"
                          " publish. Pasang pola itu (`sandi pola update`); sampai saat itu"
                          " {agency} tetap menyegel dengan v{old}. Sesudahnya bungkus ulang"
                          " arsip Anda ke v{version}: `sandi rewrap DIREKTORI --retire`."},
    "revoke.current": {"en": "v{version} is {agency}'s current key: rotate first (`sandi keys"
                             " rotate --agency {agency}`), then revoke v{version}; the"
                             " authority applies both requests in the same build",
                       "id": "v{version} adalah kunci {agency} yang berlaku: rotasi dulu"
                             " (`sandi keys rotate --agency {agency}`), lalu cabut v{version};"
                             " otoritas menerapkan kedua permintaan dalam build yang sama"},
    "revoke.made": {"en": "Revocation of {agency} v{version} ({reason}) from {when}.",
                    "id": "Pencabutan {agency} v{version} ({reason}) sejak {when}."},
    "revoke.next.superseded": {"en": "Hand {path} to the persandian authority (`sandi pola"
                                     " request`). Documents signed before that time stay"
                                     " valid.",
                               "id": "Serahkan {path} kepada unit persandian (`sandi pola"
                                     " request`). Dokumen yang ditandatangani sebelum waktu"
                                     " itu tetap sah."},
    "revoke.next.compromised": {"en": "Hand {path} to the persandian authority at once (`sandi"
                                      " pola request`). Once published, no signature by that"
                                      " key is trusted, whatever its date: re-seal with your"
                                      " new key what you sent with it and still matters.",
                                "id": "Segera serahkan {path} kepada unit persandian (`sandi"
                                      " pola request`). Setelah terbit, tidak ada tanda tangan"
                                      " kunci itu yang dipercaya, berapa pun tanggalnya: segel"
                                      " ulang dengan kunci baru dokumen penting yang dulu Anda"
                                      " kirim dengannya."},
    "state.revoked_detail": {"en": "({reason}, from {when})", "id": "({reason}, sejak {when})"},
    "fingerprint.pola": {"en": "Pola {id} v{version}, authority fingerprint: {fingerprint}",
                         "id": "Pola {id} v{version}, sidik jari otoritas: {fingerprint}"},
    "fingerprint.key": {"en": "{agency} v{version}: {fingerprint}",
                        "id": "{agency} v{version}: {fingerprint}"},
    # --- backup, restore ---
    "backup.needs_shares": {"en": "the first backup (or --new-shares) needs --shares N and"
                                  " --threshold K",
                            "id": "cadangan pertama (atau --new-shares) memerlukan --shares N"
                                  " dan --threshold K"},
    "backup.shares_intro": {"en": "The backup key is split into {count} shares; any {threshold}"
                                  " of them rebuild it. Write each one on paper and give it to a"
                                  " different custodian. They are shown only now.",
                            "id": "Kunci cadangan dibagi menjadi {count} bagian; {threshold}"
                                  " bagian mana pun dapat membangunnya ulang. Tulis setiap"
                                  " bagian di kertas dan serahkan kepada kustodian yang berbeda."
                                  " Bagian ini hanya ditampilkan sekarang."},
    "backup.share": {"en": "Share {n} of {count}:", "id": "Bagian {n} dari {count}:"},
    "backup.shares_care": {"en": "Never store the shares on a computer or photograph them;"
                                 " keep them apart. Fewer than {threshold} reveal nothing.",
                           "id": "Jangan pernah menyimpan bagian di komputer atau memotretnya;"
                                 " simpan terpisah. Kurang dari {threshold} bagian tidak"
                                 " mengungkap apa pun."},
    "backup.written": {"en": "Backup of {count} key versions written to {path}.",
                       "id": "Cadangan {count} versi kunci ditulis ke {path}."},
    "backup.copy": {"en": "Copy it off this computer; run `sandi keys backup` again after each"
                          " rotation (no shares needed).",
                    "id": "Salin ke luar komputer ini; jalankan `sandi keys backup` lagi setiap"
                          " kali rotasi (tanpa perlu bagian)."},
    "restore.exists": {"en": "{home} already has a keystore; restore into an empty home"
                             " (--home DIR)",
                       "id": "{home} sudah memiliki keystore; pulihkan ke home kosong"
                             " (--home DIREKTORI)"},
    "restore.unreadable": {"en": "cannot read shares file {path}: {reason}",
                           "id": "berkas bagian {path} tidak dapat dibaca: {reason}"},
    "restore.prompt_intro": {"en": "Type the shares, one per line; an empty line ends.",
                             "id": "Ketik bagian-bagiannya, satu per baris; baris kosong"
                                   " mengakhiri."},
    "restore.prompt": {"en": "Share {n}", "id": "Bagian {n}"},
    "pass.new_prompt": {"en": "New keystore passphrase", "id": "Frasa sandi keystore baru"},
    "restore.done": {"en": "Restored {count} key versions into {home}: {keys}",
                     "id": "{count} versi kunci dipulihkan ke {home}: {keys}"},
    # --- rewrap ---
    "rewrap.not_held": {"en": "the pola's current key of {agency} is v{version}, which this"
                              " keystore does not hold; rewrapping to it would lock you out",
                        "id": "kunci {agency} yang berlaku di pola adalah v{version}, yang"
                              " tidak disimpan keystore ini; membungkus ulang ke kunci itu"
                              " akan mengunci Anda sendiri"},
    "rewrap.progress": {"en": "Rewrapping", "id": "Membungkus ulang"},
    "rewrap.summary": {"en": "{total} envelopes: {rewrapped} rewrapped, {already_current}"
                             " already current, {not_addressed} not addressed to us, {failed}"
                             " failed.",
                       "id": "{total} amplop: {rewrapped} dibungkus ulang, {already_current}"
                             " sudah mutakhir, {not_addressed} bukan untuk kita, {failed}"
                             " gagal."},
    "rewrap.failed_file": {"en": "failed: {path}: {reason}", "id": "gagal: {path}: {reason}"},
    "rewrap.some_failed": {"en": "{count} of {total} envelopes could not be rewrapped",
                           "id": "{count} dari {total} amplop tidak dapat dibungkus ulang"},
    "rewrap.failed_hint": {"en": "See the reason given for each file; fix it and run the same"
                                 " command again (rewrapped files are skipped).",
                           "id": "Lihat alasan tiap berkas; perbaiki lalu jalankan perintah"
                                 " yang sama lagi (berkas yang sudah dibungkus ulang"
                                 " dilewati)."},
    "retire.blocked": {"en": "Not retiring: {count} envelopes failed and may still need an older"
                             " key.",
                       "id": "Tidak dipurnatugaskan: {count} amplop gagal dan mungkin masih"
                             " memerlukan kunci lama."},
    "retire.nothing": {"en": "No older key version to retire.",
                       "id": "Tidak ada versi kunci lama yang perlu dipurnatugaskan."},
    "retire.exists": {"en": "{path} already exists; not replaced",
                      "id": "{path} sudah ada; tidak ditimpa"},
    "retire.written": {"en": "No scanned envelope needs {agency} v{old} any more (all use"
                             " v{current}): retirement request {path}",
                       "id": "Tidak ada amplop yang dipindai yang masih memerlukan {agency}"
                             " v{old} (semua memakai v{current}): permintaan purnatugas"
                             " {path}"},
    "retire.explain": {"en": "Hand the request to the persandian authority (`sandi pola"
                             " request`): the old version then signs nothing new, and what it"
                             " signed before stays valid. Keep the old key in your keystore and"
                             " backups, so an envelope not scanned here can still be opened and"
                             " rewrapped.",
                       "id": "Serahkan permintaan itu kepada unit persandian (`sandi pola"
                             " request`): versi lama tidak lagi menandatangani apa pun, dan"
                             " tanda tangannya yang lama tetap sah. Simpan kunci lama di"
                             " keystore dan cadangan, agar amplop yang tidak dipindai di sini"
                             " masih dapat dibuka dan dibungkus ulang."},
    # --- audit ---
    "audit.unwritable": {"en": "cannot write the audit log {where}: {reason}; the command's"
                               " result stands, but it is not recorded",
                         "id": "log audit {where} tidak dapat ditulis: {reason}; hasil perintah"
                               " tetap berlaku, tetapi tidak tercatat"},
    "audit.no_home": {"en": "the home {home} does not exist, so it has no audit log",
                      "id": "home {home} tidak ada, jadi tidak memiliki log audit"},
    "audit.none": {"en": "there is no audit log at {path} yet",
                   "id": "belum ada log audit di {path}"},
    "audit.empty": {"en": "No records in {where}.", "id": "Tidak ada catatan di {where}."},
    "audit.checkpoint_pair": {"en": "--checkpoint and --agency go together",
                              "id": "--checkpoint dan --agency harus dipakai bersama"},
    "audit.other_agency": {"en": "the checkpoint was signed by {signer}, not {agency}",
                           "id": "titik periksa ditandatangani oleh {signer}, bukan {agency}"},
    "audit.valid": {"en": "Audit log intact: {size} records, head {head}.",
                    "id": "Log audit utuh: {size} catatan, kepala {head}."},
    "audit.extends": {"en": "It extends the checkpoint of {size} records signed by {agency}"
                            " v{version} on {when}.",
                      "id": "Log melanjutkan titik periksa {size} catatan yang ditandatangani"
                            " {agency} v{version} pada {when}."},
    "checkpoint.written": {"en": "Checkpoint of {size} records signed by {agency} v{version}:"
                                 " {path}",
                           "id": "Titik periksa {size} catatan ditandatangani {agency}"
                                 " v{version}: {path}"},
    "checkpoint.next": {"en": "Give it to the auditor (Inspektorat), who later checks the log"
                              " with `sandi audit verify --checkpoint FILE --agency ID`.",
                        "id": "Serahkan kepada auditor (Inspektorat), yang kelak memeriksa log"
                              " dengan `sandi audit verify --checkpoint BERKAS --agency ID`."},
    "col.time": {"en": "TIME", "id": "WAKTU"},
    "col.who": {"en": "USER@HOST", "id": "PENGGUNA@HOST"},
    "col.action": {"en": "ACTION", "id": "TINDAKAN"},
    "col.subject": {"en": "DOCUMENT/SUBJECT", "id": "DOKUMEN/OBJEK"},
    "col.classification": {"en": "CLASS", "id": "KLASIFIKASI"},
    "col.outcome": {"en": "OUTCOME", "id": "HASIL"},
}
