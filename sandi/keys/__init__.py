"""Private keys: agency key versions, the keystore, the members' vault, backups.

For key custodians and the apps that hold an agency's keys. An official's own
passphrase unlocks either a keystore (``keystore.sandi``) or, in a home whose keys
are held for named members, their slot in the vault (``vault.sandi``): both are a
:class:`Keystore`. The Argon2id cost of every new key file is a :class:`KdfParams`
parameter with a documented default.

>>> from sandi import keys
>>> key = keys.AgencyKey.generate("diskominfo", 1, pq=True)
>>> key.public.has_pq, len(key.public.fingerprint()), str(keys.KdfParams.STANDARD)
(True, 24, '64 MiB x 3')
"""

from typing import TYPE_CHECKING

from sandi._internal.lazy import surface

if TYPE_CHECKING:
    from sandi.crypto.public import PublicKeys
    from sandi.keys.agencykey import AgencyKey, Identity, Keyring, PrivateKey
    from sandi.keys.backup import (
        backup_fingerprint,
        backup_public,
        new_backup_key,
        open_backup,
        recover_backup_key,
        restore,
        seal_backup,
        write_backup,
    )
    from sandi.keys.holdings import BackupKey, HeldKeys, PendingRequest
    from sandi.keys.keystore import Keystore
    from sandi.keys.members import (
        create_member_key,
        member_ids,
        member_key_path,
        unlock_member_key,
    )
    from sandi.keys.passphrase import CREDENTIAL, Passphrase, credential_path, read_passphrase
    from sandi.keys.secretfile import KdfParams, KeyFileCost, change_passphrase, key_file_cost
    from sandi.keys.vault import adopt_keystore, init_vault

__getattr__, __dir__ = surface(__name__, {
    "PublicKeys": "sandi.crypto.public",
    "AgencyKey": "sandi.keys.agencykey", "Identity": "sandi.keys.agencykey",
    "Keyring": "sandi.keys.agencykey", "PrivateKey": "sandi.keys.agencykey",
    "Keystore": "sandi.keys.keystore", "KdfParams": "sandi.keys.secretfile",
    "change_passphrase": "sandi.keys.secretfile", "key_file_cost": "sandi.keys.secretfile",
    "KeyFileCost": "sandi.keys.secretfile",
    "BackupKey": "sandi.keys.holdings", "PendingRequest": "sandi.keys.holdings",
    "HeldKeys": "sandi.keys.holdings",
    "create_member_key": "sandi.keys.members", "member_key_path": "sandi.keys.members",
    "member_ids": "sandi.keys.members",
    "unlock_member_key": "sandi.keys.members",
    "CREDENTIAL": "sandi.keys.passphrase", "Passphrase": "sandi.keys.passphrase",
    "credential_path": "sandi.keys.passphrase", "read_passphrase": "sandi.keys.passphrase",
    "adopt_keystore": "sandi.keys.vault", "init_vault": "sandi.keys.vault",
    "backup_fingerprint": "sandi.keys.backup", "backup_public": "sandi.keys.backup",
    "new_backup_key": "sandi.keys.backup", "open_backup": "sandi.keys.backup",
    "recover_backup_key": "sandi.keys.backup", "restore": "sandi.keys.backup",
    "seal_backup": "sandi.keys.backup", "write_backup": "sandi.keys.backup",
})


__all__ = [
    "CREDENTIAL",
    "AgencyKey",
    "BackupKey",
    "HeldKeys",
    "Identity",
    "KdfParams",
    "KeyFileCost",
    "Keyring",
    "Keystore",
    "Passphrase",
    "PendingRequest",
    "PrivateKey",
    "PublicKeys",
    "adopt_keystore",
    "backup_fingerprint",
    "backup_public",
    "change_passphrase",
    "create_member_key",
    "credential_path",
    "init_vault",
    "key_file_cost",
    "member_ids",
    "member_key_path",
    "new_backup_key",
    "open_backup",
    "read_passphrase",
    "recover_backup_key",
    "restore",
    "seal_backup",
    "unlock_member_key",
    "write_backup",
]
