"""Messages of ``sandi members`` and ``sandi pola member``, in English and Indonesian;
merged into :data:`sandi_cli.messages.CATALOGUE`."""

from __future__ import annotations

MEMBERS: dict[str, dict[str, str]] = {
    "members.help": {"en": "Officials' own keys under the agency: nobody shares a passphrase.",
                     "id": "Kunci pribadi pejabat di bawah instansi: tak ada frasa sandi"
                           " yang dipakai bersama."},
    "members.init.help": {"en": "Turn this home's keystore into a members' vault, with MEMBER"
                                " as its first member.",
                          "id": "Ubah keystore home ini menjadi brankas anggota, dengan"
                                " MEMBER sebagai anggota pertama."},
    "members.add.help": {"en": "Give a new official a personal key and a slot; write the"
                               " member request.",
                         "id": "Beri pejabat baru kunci pribadi dan slot; tulis permintaan"
                               " anggota."},
    "members.suspend.help": {"en": "Write the request to suspend a member from a time on.",
                             "id": "Tulis permintaan penangguhan anggota sejak waktu"
                                   " tertentu."},
    "members.reinstate.help": {"en": "Write the request to make a suspended member active"
                                     " again.",
                               "id": "Tulis permintaan mengaktifkan kembali anggota yang"
                                     " ditangguhkan."},
    "members.remove.help": {"en": "Remove a member: drop their slot, rotate the agency key,"
                                  " write the requests.",
                            "id": "Keluarkan anggota: hapus slotnya, ganti kunci instansi,"
                                  " tulis permintaannya."},
    "members.list.help": {"en": "List an agency's members as the pola names them.",
                          "id": "Tampilkan anggota instansi sebagaimana tercantum di pola."},
    "opt.new_passphrase_file": {"en": "The new official's own passphrase, from a file"
                                      " (else they type it at the prompt).",
                                "id": "Frasa sandi pejabat baru, dari berkas (jika tidak,"
                                      " ia mengetiknya sendiri)."},
    "members.no_vault": {"en": "this home has no members' vault; create it with `sandi"
                               " members init`",
                         "id": "home ini belum punya brankas anggota; buat dengan `sandi"
                               " members init`"},
    "members.prompt_new": {"en": "New official, type your own passphrase",
                           "id": "Pejabat baru, ketik frasa sandi Anda sendiri"},
    "members.initialised": {"en": "{member} is the first member of the vault in {home}; the"
                                  " shared keystore file is gone.",
                            "id": "{member} menjadi anggota pertama brankas di {home}; berkas"
                                  " keystore bersama sudah dihapus."},
    "members.added": {"en": "{member} has a key and a slot in {agency}'s vault. Send {path} to"
                            " the persandian authority (sandi pola member add).",
                      "id": "{member} punya kunci dan slot di brankas {agency}. Kirim {path}"
                            " ke unit persandian (sandi pola member add)."},
    "members.status_request": {"en": "Request to set {member} {status} written to {path}; send"
                                     " it to the persandian authority (sandi pola request).",
                               "id": "Permintaan status {status} untuk {member} ditulis ke"
                                     " {path}; kirim ke unit persandian (sandi pola request)."},
    "members.removed": {"en": "{member} is out of {agency}'s vault; the agency key moved to"
                              " v{version}. Send {rotate} and {status} to the authority, then"
                              " rewrap the archive once the new pola is installed.",
                        "id": "{member} sudah keluar dari brankas {agency}; kunci instansi"
                              " pindah ke v{version}. Kirim {rotate} dan {status} ke unit"
                              " persandian, lalu rewrap arsip setelah pola baru terpasang."},
    "members.not_enrolled": {"en": "{members} hold a slot here but the pola does not list them"
                                   " yet: have the authority enroll them first",
                             "id": "{members} memegang slot di sini tetapi belum tercantum di"
                                   " pola: minta unit persandian mendaftarkannya dulu"},
    "members.which_agency": {"en": "say which agency: --agency ID",
                             "id": "sebutkan instansinya: --agency ID"},
    "members.none": {"en": "the pola lists no members for {agency}",
                     "id": "pola tidak mencantumkan anggota untuk {agency}"},
    "pola.member.help": {"en": "Members of agencies (named officials with personal keys).",
                         "id": "Anggota instansi (pejabat bernama dengan kunci pribadi)."},
    "pola.member.add.help": {"en": "Enroll a member from the agency's member request.",
                             "id": "Daftarkan anggota dari permintaan anggota instansi."},
    "opt.member_name": {"en": "The official's full name, with titles.",
                        "id": "Nama lengkap pejabat, dengan gelar."},
    "opt.jabatan": {"en": "Their position (jabatan).", "id": "Jabatannya."},
    "opt.nip": {"en": "Their NIP (civil servant number), if any.",
                "id": "NIP-nya, bila ada."},
    "member.added": {"en": "Member {member} ({name}) of {agency} added to the next pola.",
                     "id": "Anggota {member} ({name}) dari {agency} ditambahkan ke pola"
                           " berikutnya."},
}
