"""Messages of the authority's commands (``sandi pola`` authoring, diff, graph),
in English and Indonesian; merged into :data:`sandi_cli.messages.CATALOGUE`."""

from __future__ import annotations

AUTHORITY: dict[str, dict[str, str]] = {
    # --- help: commands ---
    "pola.keygen.help": {"en": "Make an authority custodian's signing key (FILE and FILE.pub).",
                         "id": "Buat kunci tanda tangan kustodian otoritas (BERKAS dan"
                               " BERKAS.pub)."},
    "pola.init.help": {"en": "Create the authority's pola workspace.",
                       "id": "Buat direktori kerja pola milik otoritas."},
    "pola.agency.help": {"en": "Enroll or remove agencies in the workspace.",
                         "id": "Daftarkan atau hapus instansi di direktori kerja."},
    "pola.agency.add.help": {"en": "Enroll an agency from its custodian's request file.",
                             "id": "Daftarkan instansi dari berkas permintaan kustodiannya."},
    "pola.agency.remove.help": {"en": "Remove an agency and every rule naming it.",
                                "id": "Hapus instansi beserta setiap aturan yang"
                                      " menyebutnya."},
    "pola.allow.help": {"en": "Allow FROM to send to TO up to a classification (FROM and TO:"
                              " an agency id, group:NAME or *).",
                        "id": "Izinkan FROM mengirim ke TO sampai klasifikasi tertentu (FROM"
                              " dan TO: id instansi, group:NAMA, atau *)."},
    "pola.deny.help": {"en": "Deny FROM sending to TO from a classification up (a deny always"
                             " wins).",
                       "id": "Larang FROM mengirim ke TO mulai klasifikasi tertentu ke atas"
                             " (larangan selalu menang)."},
    "pola.request.help": {"en": "Apply an agency's key change or revocation request.",
                          "id": "Terapkan permintaan ganti kunci atau pencabutan dari"
                                " instansi."},
    "pola.authority.help": {"en": "Replace the authority's custodians or threshold for the"
                                  " next version.",
                            "id": "Ganti kustodian atau ambang otoritas untuk versi"
                                  " berikutnya."},
    "pola.build.help": {"en": "Compile the workspace into an unsigned draft of the next"
                              " version.",
                        "id": "Kompilasi direktori kerja menjadi draf versi berikutnya yang"
                              " belum ditandatangani."},
    "pola.sign.help": {"en": "Add one custodian's signature to the draft.",
                       "id": "Tambahkan tanda tangan satu kustodian pada draf."},
    "pola.publish.help": {"en": "Check the signed draft as a home would, then publish it.",
                          "id": "Periksa draf bertanda tangan seperti home memeriksanya, lalu"
                                " terbitkan."},
    "pola.diff.help": {"en": "Show what changed between two signed pola files.",
                       "id": "Tampilkan perubahan antara dua berkas pola bertanda tangan."},
    "pola.graph.help": {"en": "Draw the pola as a Graphviz diagram (DOT, SVG or PNG).",
                        "id": "Gambar pola sebagai diagram Graphviz (DOT, SVG, atau PNG)."},
    # --- help: options ---
    "opt.workspace": {"en": "The authority's workspace directory.",
                      "id": "Direktori kerja otoritas."},
    "opt.custodian_passphrase_file": {"en": "Read the custodian key's passphrase from the first"
                                            " line of FILE.",
                                      "id": "Baca frasa sandi kunci kustodian dari baris"
                                            " pertama BERKAS."},
    "opt.custodian_id": {"en": "Key id, a slug such as kustodian-1.",
                         "id": "Id kunci, berupa slug seperti kustodian-1."},
    "opt.custodian_name": {"en": "The custodian's name, as listed in the pola.",
                           "id": "Nama kustodian, sebagaimana tercantum di pola."},
    "opt.custodian_key": {"en": "Private key file to write (FILE.pub is written beside it).",
                          "id": "Berkas kunci privat yang ditulis (BERKAS.pub ditulis di"
                                " sampingnya)."},
    "opt.pola_id": {"en": "Pola id, a slug such as kota-contoh.",
                    "id": "Id pola, berupa slug seperti kota-contoh."},
    "opt.pola_name": {"en": "The pola's title.", "id": "Judul pola."},
    "opt.authority_name": {"en": "The persandian unit that signs the pola.",
                           "id": "Unit persandian yang menandatangani pola."},
    "opt.custodian": {"en": "A custodian's public key file (from `sandi pola keygen`); repeat"
                            " for each.",
                      "id": "Berkas kunci publik kustodian (dari `sandi pola keygen`); ulangi"
                            " untuk setiap kustodian."},
    "opt.threshold": {"en": "How many custodians must sign.",
                      "id": "Jumlah kustodian yang wajib menandatangani."},
    "opt.decree_number": {"en": "Number of the decree (Perwal/Perbup/Pergub).",
                          "id": "Nomor peraturan (Perwal/Perbup/Pergub)."},
    "opt.decree_date": {"en": "Date of the decree.", "id": "Tanggal peraturan."},
    "opt.decree_title": {"en": "Title of the decree.", "id": "Judul peraturan."},
    "opt.valid_days": {"en": "Days each published version stays valid.",
                       "id": "Jumlah hari setiap versi terbitan berlaku."},
    "opt.agency_name": {"en": "The agency's official name.", "id": "Nama resmi instansi."},
    "opt.abbrev": {"en": "The agency's usual abbreviation.", "id": "Singkatan lazim instansi."},
    "opt.group": {"en": "A group the agency belongs to; repeat for more.",
                  "id": "Grup tempat instansi bergabung; ulangi untuk menambah."},
    "opt.sipd": {"en": "SIPD unit code.", "id": "Kode unit SIPD."},
    "opt.up_to": {"en": "Highest classification allowed.",
                  "id": "Klasifikasi tertinggi yang diizinkan."},
    "opt.from_level": {"en": "Lowest classification denied (default: biasa, i.e. everything).",
                       "id": "Klasifikasi terendah yang dilarang (bawaan: biasa, yaitu"
                             " semuanya)."},
    "opt.sarana": {"en": "Channel (sarana) the flow must use.",
                   "id": "Sarana yang wajib dipakai alur ini."},
    "opt.note": {"en": "A note kept with the rule.", "id": "Catatan yang disimpan bersama aturan."},
    "opt.sign_key": {"en": "The custodian's private key file.",
                     "id": "Berkas kunci privat kustodian."},
    "opt.graph_output": {"en": "Write to FILE (.dot, .svg or .png) instead of printing DOT.",
                         "id": "Tulis ke BERKAS (.dot, .svg, atau .png) alih-alih mencetak"
                               " DOT."},
    "opt.graph_pola": {"en": "Draw this signed pola file (default: the installed pola).",
                       "id": "Gambar berkas pola bertanda tangan ini (bawaan: pola"
                             " terpasang)."},
    # --- custodian keys, workspace ---
    "pass.custodian_prompt": {"en": "Custodian key passphrase",
                              "id": "Frasa sandi kunci kustodian"},
    "authority.bad_pub": {"en": "cannot read custodian public key {path}: {reason}",
                          "id": "kunci publik kustodian {path} tidak dapat dibaca: {reason}"},
    "authority.set": {"en": "Authority: {threshold} of {count} custodians must sign: {ids}",
                      "id": "Otoritas: {threshold} dari {count} kustodian wajib"
                            " menandatangani: {ids}"},
    "authority.rotation": {"en": "The authority changes: the next version is accepted by homes"
                                 " only if signed by {old} of the current custodians ({old_ids})"
                                 " AND {new} of the new ones ({new_ids}).",
                           "id": "Otoritas berganti: versi berikutnya hanya diterima home bila"
                                 " ditandatangani {old} kustodian lama ({old_ids}) DAN {new}"
                                 " kustodian baru ({new_ids})."},
    "keygen.done": {"en": "Made custodian key {id} for {name}: {path} (keep it offline, mode"
                          " 600).",
                    "id": "Kunci kustodian {id} untuk {name} dibuat: {path} (simpan secara"
                          " luring, mode 600)."},
    "keygen.public": {"en": "Public key: {path}; give it to the persandian authority.",
                      "id": "Kunci publik: {path}; serahkan kepada unit persandian."},
    "init.done": {"en": "Created pola workspace {path} for pola {id}.",
                  "id": "Direktori kerja pola {path} untuk pola {id} dibuat."},
    "init.next": {"en": "Next: enroll agencies (`sandi pola agency add REQUEST ...`), add rules"
                        " (`sandi pola allow` / `deny`), then build, sign and publish.",
                  "id": "Berikutnya: daftarkan instansi (`sandi pola agency add PERMINTAAN"
                        " ...`), tambahkan aturan (`sandi pola allow` / `deny`), lalu build,"
                        " sign, dan publish."},
    "agency.added": {"en": "Enrolled {agency} v{version} ({name}).",
                     "id": "{agency} v{version} ({name}) didaftarkan."},
    "agency.compare": {"en": "Compare this fingerprint with the one the agency's custodian reads"
                             " out to you (in person or by phone) before you sign.",
                       "id": "Cocokkan sidik jari ini dengan yang dibacakan kustodian instansi"
                             " (langsung atau lewat telepon) sebelum Anda menandatangani."},
    "agency.removed": {"en": "Removed {agency} and every rule naming it.",
                       "id": "{agency} beserta setiap aturan yang menyebutnya dihapus."},
    "rule.next": {"en": "Run `sandi pola build` to make the next draft.",
                  "id": "Jalankan `sandi pola build` untuk membuat draf berikutnya."},
    "request.rotated": {"en": "Applied: {agency} v{version} becomes the current key; the"
                              " previous version is retired (it still opens old documents).",
                        "id": "Diterapkan: {agency} v{version} menjadi kunci yang berlaku;"
                              " versi sebelumnya purnatugas (masih membuka dokumen lama)."},
    "request.member_status": {"en": "Applied: member {member} of {agency} is {status} from"
                                    " {when}.",
                              "id": "Diterapkan: anggota {member} dari {agency} berstatus"
                                    " {status} sejak {when}."},
    "request.revoked": {"en": "Applied: {agency} v{version} is revoked ({reason}) from {when}.",
                        "id": "Diterapkan: {agency} v{version} dicabut ({reason}) sejak"
                              " {when}."},
    # --- build, sign, publish ---
    "build.done": {"en": "Built draft {id} v{version}: {agencies} agencies, {rules} rules, valid"
                         " until {expires} ({path}).",
                   "id": "Draf {id} v{version} dibuat: {agencies} instansi, {rules} aturan,"
                         " berlaku sampai {expires} ({path})."},
    "build.next": {"en": "Next: {threshold} of these custodians sign it with `sandi pola sign"
                         " --key FILE`: {ids}.",
                   "id": "Berikutnya: {threshold} dari kustodian berikut menandatanganinya"
                         " dengan `sandi pola sign --key BERKAS`: {ids}."},
    "build.next_old": {"en": "Because the authority changes, {threshold} of the previous"
                             " custodians must sign too: {ids}.",
                       "id": "Karena otoritas berganti, {threshold} kustodian sebelumnya juga"
                             " wajib menandatangani: {ids}."},
    "sign.done": {"en": "Signed draft v{version} with {id}.",
                  "id": "Draf v{version} ditandatangani dengan {id}."},
    "sign.previous": {"en": "previous custodians: {signed}/{keys} (threshold {threshold})",
                      "id": "kustodian sebelumnya: {signed}/{keys} (ambang {threshold})"},
    "sign.ready": {"en": "Enough signatures: run `sandi pola publish`.",
                   "id": "Tanda tangan sudah cukup: jalankan `sandi pola publish`."},
    "sign.more": {"en": "More signatures are needed before it can be published.",
                  "id": "Masih perlu tanda tangan lagi sebelum dapat diterbitkan."},
    "publish.done": {"en": "Published pola {id} v{version}: {path} (kept as {archived}).",
                     "id": "Pola {id} v{version} diterbitkan: {path} (disimpan sebagai"
                           " {archived})."},
    "publish.fingerprint": {"en": "Authority fingerprint: {fingerprint}",
                            "id": "Sidik jari otoritas: {fingerprint}"},
    "publish.next": {"en": "Send {path} to every agency: `sandi pola update pola.sandi`. A home"
                           " installing its first pola also needs `--fingerprint {fingerprint}`:"
                           " give it through another channel (the decree, in person).",
                     "id": "Kirim {path} ke setiap instansi: `sandi pola update pola.sandi`. Home"
                           " yang memasang pola pertamanya juga perlu `--fingerprint"
                           " {fingerprint}`: sampaikan lewat saluran lain (peraturan, tatap"
                           " muka)."},
    # --- diff, graph ---
    "diff.none": {"en": "No differences.", "id": "Tidak ada perbedaan."},
    "graph.no_dot": {"en": "drawing {path} needs Graphviz's `dot` program, which is not"
                           " installed; install Graphviz (e.g. apt install graphviz) or write"
                           " a .dot file instead",
                     "id": "menggambar {path} memerlukan program `dot` dari Graphviz, yang"
                           " belum terpasang; pasang Graphviz (mis. apt install graphviz) atau"
                           " tulis berkas .dot"},
    "graph.suffix": {"en": "{path}: the output must end in .dot, .svg or .png",
                     "id": "{path}: berkas keluaran harus berakhiran .dot, .svg, atau .png"},
    "graph.failed": {"en": "Graphviz could not draw {path}: {reason}",
                     "id": "Graphviz gagal menggambar {path}: {reason}"},
    "graph.written": {"en": "Wrote {path} (pola {id} v{version}).",
                      "id": "{path} ditulis (pola {id} v{version})."},
}
