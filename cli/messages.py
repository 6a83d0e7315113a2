"""Every user-facing string of the CLI, in English and Indonesian.

``CATALOGUE`` maps a message id to its text in each language; :func:`t` looks
one up and fills in its ``{placeholders}``. The catalogue is split by audience:
officials' commands here, the authority's in :mod:`sandi_cli.messages_authority`,
key custodians' and auditors' in :mod:`sandi_cli.messages_custodian`. Error
messages raised by the sandi library itself are in English; their hints come in
both languages from :mod:`sandi.errors`.

>>> t("label.error", "id")
'galat'
>>> t("keys.fingerprint", "en", fingerprint="ABCD-EFGH")
'Fingerprint: ABCD-EFGH'
"""

from __future__ import annotations

import os

from sandi_cli.messages_authority import AUTHORITY
from sandi_cli.messages_custodian import CUSTODIAN
from sandi_cli.messages_members import MEMBERS

LANGS = ("en", "id")

_CORE: dict[str, dict[str, str]] = {
    # --- framing of errors and warnings ---
    "label.error": {"en": "error", "id": "galat"},
    "label.hint": {"en": "hint", "id": "petunjuk"},
    "label.warning": {"en": "warning", "id": "peringatan"},
    "main.interrupted": {"en": "interrupted; nothing was written",
                         "id": "dihentikan; tidak ada yang ditulis"},
    "main.internal": {"en": "internal error ({detail}); run again with --debug to see"
                            " details, and report it",
                      "id": "galat internal ({detail}); jalankan ulang dengan --debug untuk"
                            " melihat rinciannya, lalu laporkan"},
    # --- help: program, groups, commands ---
    "help.usage": {"en": "Usage:", "id": "Penggunaan:"},
    "help.options": {"en": "Options", "id": "Opsi"},
    "help.commands": {"en": "Commands", "id": "Perintah"},
    "main.help": {"en": "Seal, open and verify classified documents between agencies,"
                        " along the signed pola.",
                  "id": "Segel, buka, dan verifikasi dokumen berklasifikasi antarinstansi"
                        " sesuai pola yang ditandatangani."},
    "seal.help": {"en": "Seal FILE for one or more agencies.",
                  "id": "Segel BERKAS untuk satu instansi atau lebih."},
    "open.help": {"en": "Open an envelope addressed to your agency.",
                  "id": "Buka amplop yang ditujukan ke instansi Anda."},
    "verify.help": {"en": "Check an envelope's sender, signature and policy (no key needed).",
                    "id": "Periksa pengirim, tanda tangan, dan kebijakan amplop (tanpa kunci)."},
    "keys.help": {"en": "Manage your agency's keys.", "id": "Kelola kunci instansi Anda."},
    "keys.init.help": {"en": "Create the first key of an agency (and the keystore) and its"
                             " enrollment request.",
                       "id": "Buat kunci pertama instansi (dan keystore-nya) beserta"
                             " permintaan pendaftarannya."},
    "keys.list.help": {"en": "List the key versions this home holds.",
                       "id": "Tampilkan versi kunci yang disimpan home ini."},
    "pola.help": {"en": "Show or update the installed pola; author, sign and publish one.",
                  "id": "Tampilkan atau perbarui pola terpasang; susun, tandatangani, dan"
                        " terbitkan pola."},
    "pola.show.help": {"en": "Show the installed pola: agencies, rules, signatures.",
                       "id": "Tampilkan pola terpasang: instansi, aturan, tanda tangan."},
    "pola.update.help": {"en": "Install a newer pola from the persandian authority, from a"
                                " file or its http(s) address.",
                         "id": "Pasang pola yang lebih baru dari unit persandian, dari berkas"
                               " atau alamat http(s)-nya."},
    "demo.help": {"en": "Take a guided tour in a new, throwaway home.",
                  "id": "Ikuti tur terpandu di home baru yang sekali pakai."},
    # --- help: options ---
    "opt.help": {"en": "Show this help and exit.", "id": "Tampilkan bantuan ini lalu keluar."},
    "opt.version": {"en": "Show the version and exit.", "id": "Tampilkan versi lalu keluar."},
    "opt.home": {"en": "The sandi home (default: $XDG_CONFIG_HOME/sandi or ~/.config/sandi).",
                 "id": "Direktori home sandi (bawaan: $XDG_CONFIG_HOME/sandi atau"
                       " ~/.config/sandi)."},
    "opt.member": {"en": "Who you are, when officials of an agency share a home: your member"
                         " id (your own passphrase unlocks your own key).",
                   "id": "Siapa Anda, bila beberapa pejabat OPD berbagi satu home: id anggota"
                         " Anda (frasa sandi Anda sendiri membuka kunci Anda sendiri)."},
    "opt.armor": {"en": "Write the envelope as text (for e-mail or chat); open and verify"
                        " accept either form.",
                  "id": "Tulis amplop sebagai teks (untuk surel atau obrolan); open dan verify"
                        " menerima kedua bentuk."},
    "progress.seal": {"en": "Sealing", "id": "Menyegel"},
    "progress.open": {"en": "Opening", "id": "Membuka"},
    "progress.verify": {"en": "Verifying", "id": "Memeriksa"},
    "opt.json": {"en": "Print one JSON document on stdout.",
                 "id": "Cetak satu dokumen JSON ke stdout."},
    "opt.lang": {"en": "Language of messages (default: SANDI_LANG, else from LANG).",
                 "id": "Bahasa pesan (bawaan: SANDI_LANG, atau dari LANG)."},
    "opt.quiet": {"en": "Print nothing but errors and warnings.",
                  "id": "Hanya cetak galat dan peringatan."},
    "opt.debug": {"en": "Show tracebacks (for reporting bugs).",
                  "id": "Tampilkan traceback (untuk melaporkan bug)."},
    "opt.to": {"en": "Recipient agency id; repeat for more.",
               "id": "Id instansi penerima; ulangi untuk menambah."},
    "opt.classification": {"en": "Security classification of the document.",
                           "id": "Klasifikasi keamanan dokumen."},
    "opt.from": {"en": "Sending agency (needed if the keystore holds several).",
                 "id": "Instansi pengirim (wajib bila keystore menyimpan beberapa)."},
    "opt.urgency": {"en": "Urgency (derajat kecepatan).", "id": "Derajat kecepatan."},
    "opt.subject": {"en": "Subject (hal); stored encrypted.",
                    "id": "Hal/perihal; disimpan terenkripsi."},
    "opt.seal_output": {"en": "Envelope file (default: FILE.sandi).",
                        "id": "Berkas amplop (bawaan: BERKAS.sandi)."},
    "opt.open_output": {"en": "Output file or directory (default: beside FILE, named by the"
                              " sender's file name).",
                        "id": "Berkas atau direktori keluaran (bawaan: di samping BERKAS, dengan"
                              " nama berkas dari pengirim)."},
    "opt.force": {"en": "Replace the output file if it exists.",
                  "id": "Timpa berkas keluaran bila sudah ada."},
    "opt.passphrase_file": {"en": "Read the passphrase from the first line of FILE.",
                            "id": "Baca frasa sandi dari baris pertama BERKAS."},
    "opt.agency": {"en": "Agency id, e.g. diskominfo.", "id": "Id instansi, mis. diskominfo."},
    "opt.pq": {"en": "Add post-quantum keys (ML-KEM-768, ML-DSA-65).",
               "id": "Tambahkan kunci pascakuantum (ML-KEM-768, ML-DSA-65)."},
    "opt.matrix": {"en": "Also print who may send what to whom.",
                   "id": "Cetak juga matriks siapa boleh mengirim apa ke siapa."},
    "opt.fingerprint": {"en": "Authority fingerprint, required for the first pola.",
                        "id": "Sidik jari otoritas, wajib untuk pola pertama."},
    "opt.demo_home": {"en": "A new or empty directory (default: a new temporary one).",
                      "id": "Direktori baru atau kosong (bawaan: direktori sementara baru)."},
    # --- parameters ---
    "param.agency": {"en": "{value!r} is not an agency id (lowercase a-z, 0-9 and inner '-',"
                           " at most 32)",
                     "id": "{value!r} bukan id instansi (huruf kecil a-z, 0-9, dan '-' di"
                           " tengah, paling banyak 32)"},
    "param.classification": {"en": "{value!r} is not a classification; choose one of"
                                   " {choices}",
                             "id": "{value!r} bukan klasifikasi; pilih salah satu dari"
                                   " {choices}"},
    "param.urgency": {"en": "{value!r} is not an urgency; choose one of {choices}",
                      "id": "{value!r} bukan derajat kecepatan; pilih salah satu dari"
                            " {choices}"},
    # --- passphrases and keystore ---
    "pass.prompt": {"en": "Keystore passphrase", "id": "Frasa sandi keystore"},
    "pass.repeat": {"en": "Repeat the passphrase", "id": "Ulangi frasa sandi"},
    "pass.unreadable": {"en": "cannot read passphrase file {path}: {reason}",
                        "id": "berkas frasa sandi {path} tidak dapat dibaca: {reason}"},
    "pass.empty": {"en": "passphrase file {path} starts with an empty line",
                   "id": "baris pertama berkas frasa sandi {path} kosong"},
    "pass.not_utf8": {"en": "passphrase file {path} is not UTF-8 text",
                      "id": "berkas frasa sandi {path} bukan teks UTF-8"},
    "pass.loose": {"en": "passphrase file {path} is readable by other users (mode {mode});"
                         " run: chmod 600 {path}",
                   "id": "berkas frasa sandi {path} dapat dibaca pengguna lain (mode {mode});"
                         " jalankan: chmod 600 {path}"},
    "pass.no_input": {"en": "no passphrase: standard input is not a terminal; use"
                            " --passphrase-file FILE or set {env}",
                      "id": "frasa sandi tidak ada: input standar bukan terminal; pakai"
                            " --passphrase-file BERKAS atau atur {env}"},
    "keystore.missing": {"en": "no keystore in {home}", "id": "tidak ada keystore di {home}"},
    # --- output files ---
    "out.exists": {"en": "{path} already exists; nothing was written",
                   "id": "{path} sudah ada; tidak ada yang ditulis"},
    "out.cannot_write": {"en": "cannot write {path}: {reason}",
                         "id": "{path} tidak dapat ditulis: {reason}"},
    # --- seal / open / verify ---
    "seal.which_sender": {"en": "this keystore holds keys for {count} agencies ({held});"
                                " say which one sends with --from",
                          "id": "keystore ini menyimpan kunci {count} instansi ({held});"
                                " sebutkan pengirimnya dengan --from"},
    "seal.done": {"en": "Sealed {path}: {level} from {sender} to {to}, document {doc}",
                  "id": "Disegel {path}: {level} dari {sender} untuk {to}, dokumen {doc}"},
    "open.done": {"en": "Opened {path}: {level} from {name} ({sender})",
                  "id": "Dibuka {path}: {level} dari {name} ({sender})"},
    "open.unsafe_name": {"en": "the sender's file name {name} is not a plain file name;"
                               " saved as {saved}",
                         "id": "nama berkas dari pengirim {name} bukan nama berkas biasa;"
                               " disimpan sebagai {saved}"},
    "verify.signer": {"en": "{id}, key v{version}", "id": "{id}, kunci v{version}"},
    "verify.valid": {"en": "valid", "id": "sah"},
    "verify.allowed": {"en": "allowed", "id": "diizinkan"},
    "label.document": {"en": "document", "id": "dokumen"},
    "label.sender": {"en": "sender", "id": "pengirim"},
    "label.signer": {"en": "signer", "id": "penanda tangan"},
    "label.to": {"en": "recipients", "id": "penerima"},
    "label.classification": {"en": "classification", "id": "klasifikasi"},
    "label.urgency": {"en": "urgency", "id": "kecepatan"},
    "label.created": {"en": "created", "id": "dibuat"},
    "label.pola": {"en": "pola", "id": "pola"},
    "label.suite": {"en": "suite", "id": "suite"},
    "label.signature": {"en": "signature", "id": "tanda tangan"},
    "label.policy": {"en": "policy", "id": "kebijakan"},
    "label.filename": {"en": "file name", "id": "nama berkas"},
    "label.subject": {"en": "subject", "id": "hal"},
    "label.opened_with": {"en": "opened with", "id": "dibuka dengan"},
    # --- keys ---
    "keys.already": {"en": "the keystore already holds keys for {agency}; to replace them"
                           " use `sandi keys rotate --agency {agency}`",
                     "id": "keystore sudah menyimpan kunci {agency}; untuk menggantinya pakai"
                           " `sandi keys rotate --agency {agency}`"},
    "keys.created_store": {"en": "Created keystore {path}", "id": "Keystore dibuat: {path}"},
    "keys.made": {"en": "Made key {agency} v{version} (post-quantum: {pq})",
                  "id": "Kunci {agency} v{version} dibuat (pascakuantum: {pq})"},
    "keys.fingerprint": {"en": "Fingerprint: {fingerprint}", "id": "Sidik jari: {fingerprint}"},
    "keys.next": {"en": "Hand {path} to the persandian authority, which enrolls {agency} with"
                        " `sandi pola agency add`; read this fingerprint out to them in person"
                        " or by phone, so they can check the request is yours.",
                  "id": "Serahkan {path} kepada unit persandian, yang mendaftarkan {agency}"
                        " dengan `sandi pola agency add`; bacakan sidik jari ini langsung atau"
                        " lewat telepon agar mereka dapat memastikan permintaan itu milik"
                        " Anda."},
    "keys.wants_pq": {"en": "the installed pola requires post-quantum keys for {levels};"
                            " this key cannot receive those (use --pq)",
                      "id": "pola terpasang mewajibkan kunci pascakuantum untuk {levels};"
                            " kunci ini tidak dapat menerimanya (pakai --pq)"},
    "keys.none": {"en": "The keystore in {home} holds no keys yet.",
                  "id": "Keystore di {home} belum menyimpan kunci."},
    "keys.no_pola": {"en": "No pola is installed, so no key state is shown.",
                     "id": "Belum ada pola terpasang, jadi status kunci tidak ditampilkan."},
    "col.agency": {"en": "AGENCY", "id": "INSTANSI"},
    "col.version": {"en": "VERSION", "id": "VERSI"},
    "col.created": {"en": "CREATED", "id": "DIBUAT"},
    "col.fingerprint": {"en": "FINGERPRINT", "id": "SIDIK JARI"},
    "col.state": {"en": "IN POLA", "id": "DI POLA"},
    "col.abbrev": {"en": "ABBREV", "id": "SINGKATAN"},
    "col.name": {"en": "NAME", "id": "NAMA"},
    "col.groups": {"en": "GROUPS", "id": "GRUP"},
    "col.key": {"en": "KEY", "id": "KUNCI"},
    "state.current": {"en": "current", "id": "berlaku"},
    "state.retired": {"en": "retired", "id": "purnatugas"},
    "state.revoked": {"en": "revoked", "id": "dicabut"},
    "state.not-in-pola": {"en": "not in pola", "id": "tidak ada di pola"},
    "state.differs": {"en": "DIFFERS from pola", "id": "BERBEDA dari pola"},
    "state.none": {"en": "-", "id": "-"},
    "word.yes": {"en": "yes", "id": "ya"},
    "word.no": {"en": "no", "id": "tidak"},
    # --- pola ---
    "pola.missing": {"en": "no pola is installed in {home}",
                     "id": "belum ada pola terpasang di {home}"},
    "label.id": {"en": "id", "id": "id"},
    "label.decree": {"en": "decree", "id": "peraturan"},
    "label.authority": {"en": "authority", "id": "otoritas"},
    "label.custodians": {"en": "custodians", "id": "kustodian"},
    "label.fingerprint": {"en": "fingerprint", "id": "sidik jari"},
    "label.issued": {"en": "issued", "id": "diterbitkan"},
    "label.expires": {"en": "expires", "id": "berlaku sampai"},
    "pola.signed": {"en": "signed {signed}/{keys} (threshold {threshold})",
                    "id": "ditandatangani {signed}/{keys} (ambang {threshold})"},
    "pola.not_signed": {"en": "did not sign", "id": "tidak menandatangani"},
    "pola.expired": {"en": "EXPIRED", "id": "KEDALUWARSA"},
    "pola.expired_warn": {"en": "this pola expired on {when}; sealing and opening are refused"
                                " until a renewed pola is installed",
                          "id": "pola ini kedaluwarsa pada {when}; penyegelan dan pembukaan"
                                " ditolak sampai pola baru dipasang"},
    "pola.agencies": {"en": "Agencies ({count}):", "id": "Instansi ({count}):"},
    "pola.rules": {"en": "Rules ({count}; a deny always wins over an allow):",
                   "id": "Aturan ({count}; larangan selalu mengalahkan izin):"},
    "pola.rule.allow": {"en": "allow {source} -> {target} up to {level}",
                        "id": "izinkan {source} -> {target} sampai {level}"},
    "pola.rule.deny": {"en": "deny  {source} -> {target} from {level} up",
                       "id": "larang  {source} -> {target} mulai {level} ke atas"},
    "pola.requirements": {"en": "Requirements:", "id": "Persyaratan:"},
    "pola.requirement": {"en": "{level}: {suite} suite, at most {max} recipients",
                         "id": "{level}: suite {suite}, paling banyak {max} penerima"},
    "pola.matrix": {"en": "Highest classification each row may send to each column:",
                    "id": "Klasifikasi tertinggi yang boleh dikirim baris ke kolom:"},
    "pola.legend": {"en": "B Biasa, T Terbatas, R Rahasia, SR Sangat Rahasia, - nothing,"
                          " \u00b7 itself",
                    "id": "B Biasa, T Terbatas, R Rahasia, SR Sangat Rahasia, - tidak boleh,"
                          " \u00b7 diri sendiri"},
    "pola.unchanged": {"en": "Pola {id} v{version} is already installed.",
                       "id": "Pola {id} v{version} sudah terpasang."},
    "pola.installed": {"en": "Installed pola {id} v{version} (was v{old}).",
                       "id": "Pola {id} v{version} terpasang (sebelumnya v{old})."},
    "pola.installed_first": {"en": "Installed pola {id} v{version} in {home}.",
                             "id": "Pola {id} v{version} terpasang di {home}."},
    # --- demo ---
    "demo.not_empty": {"en": "{path} is not an empty directory; the demo needs a new one",
                       "id": "{path} bukan direktori kosong; demo memerlukan direktori baru"},
    "demo.home": {"en": "Demo home: {path} (new; your own home is not touched)",
                  "id": "Home demo: {path} (baru; home Anda sendiri tidak disentuh)"},
    "demo.pola": {"en": "Pola: {name} ({id} v{version}): {agencies} OPDs, {rules} rules.",
                  "id": "Pola: {name} ({id} v{version}): {agencies} OPD, {rules} aturan."},
    "demo.authority": {"en": "Signed by {name}: {signed} of {keys} custodians (threshold"
                             " {threshold}).",
                       "id": "Ditandatangani {name}: {signed} dari {keys} kustodian (ambang"
                             " {threshold})."},
    "demo.seal": {"en": "1. {sender} seals a nota dinas for {recipient} as {level}:"
                        " {path} ({size} bytes, {suite} suite).",
                  "id": "1. {sender} menyegel nota dinas untuk {recipient} sebagai {level}:"
                        " {path} ({size} bita, suite {suite})."},
    "demo.verify": {"en": "2. Anyone with the pola can verify it, without a key: signed by"
                          " {sender} key v{version}, allowed by the pola (document {doc}).",
                    "id": "2. Siapa pun yang memegang pola dapat memverifikasinya tanpa kunci:"
                          " ditandatangani kunci {sender} v{version}, diizinkan pola"
                          " (dokumen {doc})."},
    "demo.open": {"en": "3. {agency} opens it to {path} (file name {filename!r}, subject"
                        " {subject!r}).",
                  "id": "3. {agency} membukanya ke {path} (nama berkas {filename!r}, hal"
                        " {subject!r})."},
    "demo.same": {"en": "   The opened text is identical to the original.",
                  "id": "   Teks yang dibuka sama persis dengan aslinya."},
    "demo.differs": {"en": "the opened text differs from the original (a bug: report it)",
                     "id": "teks yang dibuka berbeda dari aslinya (bug: laporkan)"},
    "demo.members": {
        "en": "4. On the shared {agency} workstation ({home}) each official unlocks only their"
              " own key, with their own passphrase:",
        "id": "4. Di komputer bersama {agency} ({home}) tiap pejabat hanya membuka kuncinya"
              " sendiri, dengan frasa sandinya sendiri:"},
    "demo.member_open": {"en": "   {name}, {jabatan} ({member}), opens the letter.",
                         "id": "   {name}, {jabatan} ({member}), membuka surat itu."},
    "demo.audit": {"en": "   The audit log verifies and shows {count} openings by different"
                         " people: {people}.",
                   "id": "   Log audit utuh dan mencatat {count} pembukaan oleh orang yang"
                         " berbeda: {people}."},
    "demo.refused": {"en": "5. {sender} tries to send {level} to {recipient}, and the pola"
                           " refuses, as expected:\n   {reason}",
                     "id": "5. {sender} mencoba mengirim {level} ke {recipient}, dan pola"
                           " menolaknya, sesuai harapan:\n   {reason}"},
    "demo.not_refused": {"en": "the pola did not refuse the flow the demo expected it to"
                               " refuse",
                         "id": "pola tidak menolak alur yang seharusnya ditolak dalam demo"},
    "demo.explore": {"en": "Explore this home yourself (its passphrase is in {secret}):",
                     "id": "Jelajahi home ini sendiri (frasa sandinya ada di {secret}):"},
    "demo.cleanup": {"en": "When done: rm -r {home}", "id": "Setelah selesai: rm -r {home}"},
}


def _merge(*parts: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for part in parts:
        twice = merged.keys() & part.keys()
        if twice:
            raise RuntimeError(f"message ids defined twice: {sorted(twice)}")
        merged.update(part)
    return merged


CATALOGUE: dict[str, dict[str, str]] = _merge(_CORE, AUTHORITY, CUSTODIAN, MEMBERS)


def t(msg_id: str, lang: str = "en", **kw: object) -> str:
    """The message ``msg_id`` in ``lang`` (English if that language lacks it)."""
    entry = CATALOGUE[msg_id]
    text = entry.get(lang) or entry["en"]
    return text.format(**kw) if kw else text


def default_lang() -> str:
    """``$SANDI_LANG`` if it is ``en`` or ``id``; else ``id`` when the locale
    (``LC_ALL``, ``LC_MESSAGES`` or ``LANG``, the first that is set) is Indonesian;
    else ``en``."""
    chosen = os.environ.get("SANDI_LANG", "").strip().lower()[:2]
    if chosen in LANGS:
        return chosen
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "id" if value.lower().startswith("id") else "en"
    return "en"
