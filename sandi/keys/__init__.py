"""Private keys: agency key versions, the keystore, the members' vault, backups.

For key custodians and the apps that hold an agency's keys. An official's own
passphrase unlocks either a keystore (``keystore.sandi``) or, in a home whose keys
are held for named members, their slot in the vault (``vault.sandi``).

>>> from sandi import keys
>>> key = keys.AgencyKey.generate("diskominfo", 1, pq=True)
>>> key.public.has_pq, len(key.public.fingerprint())
(True, 24)
"""

from typing import TYPE_CHECKING

from sandi._internal.lazy import surface

if TYPE_CHECKING:
    from sandi.crypto.public import PublicKeys
    from sandi.keys.backup import PUBLIC_FILE as BACKUP_PUBLIC_FILE
    from sandi.keys.backup import (
        new_backup_key,
        open_backup,
        recover_backup_key,
        restore,
        save_backup_public,
        seal_backup,
        write_backup,
    )
    from sandi.keys.keystore import AgencyKey, Identity, Keystore
    from sandi.keys.secretfile import KdfParams
    from sandi.keys.vault import (
        MemberKeystore,
        adopt_keystore,
        create_member_key,
        init_vault,
        member_key_path,
    )

__getattr__, __dir__ = surface(__name__, {
    "PublicKeys": "sandi.crypto.public",
    "AgencyKey": "sandi.keys.keystore", "Identity": "sandi.keys.keystore",
    "Keystore": "sandi.keys.keystore", "KdfParams": "sandi.keys.secretfile",
    "MemberKeystore": "sandi.keys.vault", "adopt_keystore": "sandi.keys.vault",
    "create_member_key": "sandi.keys.vault", "init_vault": "sandi.keys.vault",
    "member_key_path": "sandi.keys.vault",
    "new_backup_key": "sandi.keys.backup", "open_backup": "sandi.keys.backup",
    "recover_backup_key": "sandi.keys.backup", "restore": "sandi.keys.backup",
    "save_backup_public": "sandi.keys.backup", "seal_backup": "sandi.keys.backup",
    "write_backup": "sandi.keys.backup", "BACKUP_PUBLIC_FILE": "sandi.keys.backup:PUBLIC_FILE",
})


__all__ = [
    "BACKUP_PUBLIC_FILE",
    "AgencyKey",
    "Identity",
    "KdfParams",
    "Keystore",
    "MemberKeystore",
    "PublicKeys",
    "adopt_keystore",
    "create_member_key",
    "init_vault",
    "member_key_path",
    "new_backup_key",
    "open_backup",
    "recover_backup_key",
    "restore",
    "save_backup_public",
    "seal_backup",
    "write_backup",
]
