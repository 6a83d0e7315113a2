"""Private keys: agency key versions, the keystore, members' vault, backups."""
